"""The sweep file: every bad value refused with the field named; paths stay in the sweep's folder."""

import json

import pytest

from initviz.errors import ExperimentError
from initviz.model import default_experiment
from initviz.sweep import load_sweep
from initviz.sweep.spec import MAX_CELLS

from tests.sweep.helpers import BASE, tiny_spec


def refused(spec, folder=None):
    with pytest.raises(ExperimentError) as info:
        load_sweep(spec, folder)
    return info.value


@pytest.mark.parametrize("changes, path, words", [
    ({"grid": {"gain": []}}, "grid.gain", "non-empty list of finite numbers"),
    ({"grid": {"gain": 1.0}}, "grid.gain", "non-empty list"),
    ({"grid": {"gain": [1.0, -2]}}, "grid.gain[1]", "finite number ≥ 0"),
    ({"grid": {"depth": [2, 2.5]}}, "grid.depth[1]", "whole number from 1 to 1000"),
    ({"grid": {"depth": [3, 3]}}, "grid.depth[1]", "appears twice"),
    ({"grid": {"activation": ["tanh", "swoosh"]}}, "grid.activation[1]", "unknown activation"),
    ({"grid": {"init": [{"name": "kaiming_normal", "mode": "sideways"}]}}, "grid.init[0].mode", "fan_in"),
    ({"grid": {"colour": ["red"]}}, "grid.colour", "unknown field"),
    ({"grid": {"layers.units": [3]}}, "grid.layers.units", "dotted path"),
    ({"grid": {"sigma_w2": [1.0], "init": ["he_normal"]}}, "grid.sigma_w2", "sweep one of them"),
    ({"grid": {}, "seeds": 5}, "seeds", "non-empty list"),
    ({"grid": {}, "seeds": None}, "grid", "empty"),
    ({"grid": {"seed": [1]}, "seeds": None, "repeats": 2}, "grid.seed", "drop seeds/repeats"),
    ({"repeats": 0, "seeds": None}, "repeats", "whole number from 1"),
    ({"train": {"steps": 10}}, "train", "needs a \"data\" section"),
    ({"train": {"epochs": 3}}, "train", "{\"steps\": N}"),
    ({"format": "initviz.experiment"}, "format", "initviz.sweep"),
    ({"version": 2}, "version", "from 1 to 1"),
    ({"colour": "red"}, "colour", "unknown key"),
    ({"experiment": {"preset": "nope"}}, "experiment.preset", "deep_tanh_xavier"),
    ({"experiment": {"input": {"batch": 4}, "layers": []}}, "experiment.input.features", "missing"),
    ({"experiment": 12}, "experiment", "inline experiment"),
])
def test_bad_specs_name_the_field(changes, path, words):
    err = refused(tiny_spec(**changes))
    assert err.path == path
    assert words in err.reason


def test_grid_size_is_capped():
    err = refused(tiny_spec(grid={"batch": list(range(1, 401)), "depth": list(range(1, 301))}))
    assert err.path == "grid" and str(MAX_CELLS) in err.reason


def test_seeds_and_repeats_add_the_innermost_seed_axis():
    assert load_sweep(tiny_spec()).grid[-1] == ("seed", (0, 1))
    data = tiny_spec()
    del data["seeds"]
    data["repeats"] = 3
    spec = load_sweep(data)
    assert spec.grid[-1] == ("seed", (BASE["seed"], BASE["seed"] + 1, BASE["seed"] + 2))
    assert spec.n_cells == 2 * 2 * 3
    assert refused({**data, "seeds": [1]}).path == "repeats"


def test_experiment_path_is_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "net.json").write_text(json.dumps(BASE))
    (tmp_path / "sweep.json").write_text(json.dumps(tiny_spec(experiment="nets/net.json")))
    spec = load_sweep(tmp_path / "sweep.json")
    assert spec.base.name == "tiny" and spec.base.input.features == 12


@pytest.mark.parametrize("path, words", [
    ("../outside.json", "outside the sweep file's folder"),
    ("/etc/passwd", "relative to the sweep file's folder"),
    ("nets", "not a regular file"),
    ("missing.json", "cannot read"),
    ("link.json", "outside the sweep file's folder"),
])
def test_experiment_paths_never_leave_the_sweep_folder(tmp_path, path, words):
    folder = tmp_path / "sweeps"
    (folder / "nets").mkdir(parents=True)
    (tmp_path / "outside.json").write_text(json.dumps(BASE))
    (folder / "link.json").symlink_to(tmp_path / "outside.json")
    (folder / "sweep.json").write_text(json.dumps(tiny_spec(experiment=path)))
    err = refused(folder / "sweep.json")
    assert err.path == "experiment" and words in err.reason


def test_a_bad_experiment_file_is_named_as_the_experiment(tmp_path):
    (tmp_path / "net.json").write_text('{"input": {"features": 3, "batch": 2}, "layers": [{"units": 0}]}')
    err = refused(tiny_spec(experiment="net.json"), tmp_path)
    assert err.path.startswith("experiment.layers[0]")


def test_sweep_file_must_be_json(tmp_path):
    (tmp_path / "s.json").write_text('{"grid": {"depth": [NaN]}}')
    assert "NaN" in str(refused(tmp_path / "s.json"))
    (tmp_path / "t.json").write_text('{"grid": ')
    assert "not valid JSON" in str(refused(tmp_path / "t.json"))


def test_presets_and_default():
    assert load_sweep({"experiment": {"preset": "default"}, "grid": {"depth": [2]}}).base == default_experiment()
    spec = load_sweep({"experiment": {"preset": "deep_relu_xavier"}, "grid": {"depth": [2]}})
    assert spec.base.layers[0].activation.name == "relu" and len(spec.base.layers) == 30


def test_fingerprint_follows_the_experiment(tmp_path):
    (tmp_path / "net.json").write_text(json.dumps(BASE))
    first = load_sweep(tiny_spec(experiment="net.json"), tmp_path).sha256()
    assert load_sweep(tiny_spec(experiment="net.json"), tmp_path).sha256() == first
    (tmp_path / "net.json").write_text(json.dumps({**BASE, "seed": 4}))
    assert load_sweep(tiny_spec(experiment="net.json"), tmp_path).sha256() != first


def test_teaching_presets_are_presets_too():
    presets = pytest.importorskip("initviz.presets")
    name = presets.PRESET_NAMES[0]
    spec = load_sweep({"experiment": {"preset": name}, "grid": {"seed": [0]}})
    assert spec.base == presets.load_preset(name).experiment
