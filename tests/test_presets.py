"""The presets library: every preset loads, validates, round-trips and simulates cleanly, and the
CLI opens presets by name (the numbers each explanation quotes: test_preset_claims.py)."""

import dataclasses
import json
import math
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

from initviz import cli
from initviz.engine import network, stats
from initviz.errors import ExperimentError
from initviz.model import load_experiment, save_experiment, validated
from initviz.model.experiment import format_version, parse_scheme
from initviz.presets import PRESET_NAMES, PRESETS_DIR, Preset, list_presets, load_preset, read_index

LN10 = math.log(10.0)


def simulate(experiment):
    """(result, per-layer activation std, per-layer ∂L/∂a std, summaries)."""
    result = network.simulate(experiment)
    summaries = stats.result_summaries(result)
    a_std = np.array([s["activations"].stats["std"] for s in summaries])
    da_std = np.array([s["activation_grads"].stats["std"] for s in summaries])
    return result, a_std, da_std, summaries


def with_layers(experiment, **changes):
    """``experiment`` with every layer's fields replaced (e.g. init=Component(...))."""
    layers = tuple(dataclasses.replace(layer, **changes) for layer in experiment.layers)
    return validated(dataclasses.replace(experiment, layers=layers))


def component(json_value):
    return parse_scheme(json_value, "init")


# --- the library --------------------------------------------------------------------------

def test_index_lists_every_preset_in_teaching_order():
    index = read_index()
    assert tuple(entry["name"] for entry in index) == PRESET_NAMES
    assert sorted(p.stem for p in PRESETS_DIR.glob("*.json")) == sorted([*PRESET_NAMES, "index"])
    for entry in index:
        assert set(entry) == {"name", "title", "explanation", "look_at"}
        assert 150 <= len(entry["explanation"]) <= 650, entry["name"]  # 2–4 sentences, not an essay
        assert len(entry["look_at"]) <= 120 and entry["look_at"].endswith("."), entry["name"]
        assert any(str(year) in entry["explanation"] for year in range(1998, 2018)), f"{entry['name']} cites no source"


def test_list_presets_loads_them_all_in_order():
    presets = list_presets()
    assert [p.name for p in presets] == list(PRESET_NAMES)
    assert all(isinstance(p, Preset) for p in presets)
    assert [p.title for p in presets] == [e["title"] for e in read_index()]


def test_unknown_preset_is_refused_with_the_allowed_names():
    with pytest.raises(ExperimentError) as err:
        load_preset("xavier")
    assert err.value.path == "preset"
    assert str(err.value) == f"preset: unknown preset 'xavier'; allowed: {', '.join(PRESET_NAMES)}"


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_loads_validates_and_round_trips(name, tmp_path):
    preset = load_preset(name)
    experiment = preset.experiment
    assert experiment.name == preset.title
    assert validated(experiment) == experiment
    assert load_experiment(PRESETS_DIR / f"{name}.json") == experiment
    raw = json.loads((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert raw["version"] == format_version(experiment)  # version 1 unless it trains (data section)
    save_experiment(experiment, tmp_path / "copy.json")
    assert load_experiment(tmp_path / "copy.json") == experiment
    # fast enough to explore live: at most 30 hidden layers, 256 wide, batch ≤ 512
    assert len(experiment.layers) <= 31 and max(layer.units for layer in experiment.layers) <= 256
    assert experiment.input.batch <= 512


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_simulates_with_finite_counts_that_add_up(name):
    experiment = load_preset(name).experiment
    result, _, _, summaries = simulate(experiment)
    assert math.isfinite(float(result.loss))
    for layer, kinds in zip(result.layers, summaries):
        for kind, summary in kinds.items():
            h, s = summary.histogram, summary.stats
            size = getattr(layer, stats.KIND_FIELDS[kind]).size
            assert s["count"] == size
            assert s["n_nan"] == 0 and s["n_inf"] == 0, (name, kind)  # even "too large" stays finite
            assert h.n_finite + h.n_nan + h.n_posinf + h.n_neginf == size
            assert int(h.counts.sum()) == h.n_binned <= h.n_finite


# --- the command line ---------------------------------------------------------------------

def test_cli_presets_lists_names_and_titles(capsys):
    assert cli.main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESET_NAMES)
    assert all(entry["title"] in line for entry, line in zip(read_index(), lines))
    assert cli.main(["presets", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == read_index()


def test_cli_stats_with_a_preset_matches_the_preset(capsys):
    assert cli.main(["stats", "--preset", "glorot2010_standard", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    experiment = load_preset("glorot2010_standard").experiment
    assert doc["name"] == experiment.name
    assert doc["loss"] == pytest.approx(float(network.simulate(experiment).loss))
    assert [layer["init"] for layer in doc["layers"]] == ["torch_default"] * 5


@pytest.mark.parametrize("argv", [["stats", "--preset", "nope"], ["dump", "--preset", "nope", "-o", "x.npz"],
                                  ["--preset", "nope"], ["--preset=nope"], ["gui", "--preset", "nope"]])
def test_cli_unknown_preset_is_one_line_and_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    assert capsys.readouterr().err == (f"initviz: error: --preset: unknown preset 'nope'; allowed: "
                                       f"{', '.join(PRESET_NAMES)}\n")


def test_cli_refuses_a_file_and_a_preset_together(tmp_path, capsys):
    path = tmp_path / "exp.json"
    save_experiment(load_preset("too_small").experiment, path)
    assert cli.main(["stats", str(path), "--preset", "too_small"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("initviz: error: --preset: ") and "not both" in err and err.count("\n") == 1


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_cli_render_a_preset_headless(tmp_path):
    out = tmp_path / "fig.png"
    proc = subprocess.run([sys.executable, "-m", "initviz", "render", "--preset", "he2015_xavier", "-o", str(out),
                           "--size", "900x560"], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert png_size(out) == (900, 560)
