"""The public Python API (issue 9): its numbers are the engine's and the CLI's, its results are
plain types, its builders validate like files, and the README's API examples run."""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import initviz
from initviz import api, cli
from initviz.engine import network, race, stats, theory, training
from initviz.errors import ExperimentError

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"dtype": "float64", "input": {"features": 6, "batch": 40},
         "layers": [{"units": 5, "activation": "relu", "init": "he_normal"},
                    {"units": 3, "activation": "tanh", "init": "xavier_uniform",
                     "bias": {"name": "constant", "value": 0.1}}]}


def test_public_names_exist_and_document_themselves():
    for name in initviz.__all__:
        assert hasattr(initviz, name), name
    for name in api.__all__:
        fn = getattr(api, name)
        assert fn.__doc__ and fn.__doc__.strip(), name
        if name not in ("stats_document", "theory_entry"):  # the CLI's JSON helpers
            assert ">>>" in fn.__doc__, f"{name} has no example"
    assert {"stack", "experiment", "statistics", "histograms", "theory", "train", "race", "run_sweep", "reproduce",
            "load_preset", "list_presets", "simulate", "load_experiment"} <= set(initviz.__all__)


def test_no_public_name_is_shadowed_by_a_submodule():
    """Importing initviz.X rebinds the package attribute X to the module: a function of that name
    would silently become a module (why the API has run_sweep and list_presets, not sweep/presets)."""
    import importlib.util
    import initviz.cli  # noqa: F401  (imports presets, sweep, papers, …)
    for name in initviz.__all__:
        assert importlib.util.find_spec(f"initviz.{name}") is None if not name.startswith("__") else True, name
        assert not isinstance(getattr(initviz, name), type(initviz)), name


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter at the repository root with one BLAS thread (on 2
    shared cores OpenBLAS's threads fight other processes: a 256×256 QR took 40–240 ms instead
    of 4 ms); the numbers do not depend on the thread count. Returns stdout."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_docstring_examples_run():
    out = _python("import doctest, initviz.api, initviz.api_runs, initviz.model.builders\n"
                  "for m in (initviz.api, initviz.api_runs, initviz.model.builders):\n"
                  "    print(*doctest.testmod(m, optionflags=doctest.ELLIPSIS))\n")
    counts = [tuple(map(int, line.split())) for line in out.splitlines()]
    assert [failed for failed, _ in counts] == [0, 0, 0]
    assert [tried >= minimum for (_, tried), minimum in zip(counts, (12, 14, 6))] == [True] * 3


def test_statistics_equal_the_cli_json(tmp_path, capsys):
    path = tmp_path / "exp.json"
    initviz.save_experiment(initviz.load_experiment(SMALL), path)
    assert cli.main(["stats", str(path), "--json", "--theory"]) == 0
    doc = json.loads(capsys.readouterr().out)
    layers = initviz.statistics(SMALL, theory=True)
    assert json.loads(json.dumps(layers)) == doc["layers"]
    assert doc["loss"] == pytest.approx(float(initviz.simulate(SMALL).loss))


def test_statistics_equal_the_engine():
    result = initviz.simulate(SMALL)
    layers = initviz.statistics(SMALL, result)
    first, last = layers
    assert (first["units"], first["activation"], first["init"], first["fan_in"], first["fan_out"]) == (5, "relu",
                                                                                                      "he_normal", 6, 5)
    assert last["bias"] == {"name": "constant", "value": 0.1}
    assert first["weights"]["std"] == pytest.approx(float(result.layers[0].W.std()), rel=1e-12)
    assert last["activations"]["mean"] == pytest.approx(float(result.layers[1].a.mean()), rel=1e-12)
    assert first["weight_grads"]["max"] == float(result.layers[0].dW.max())
    assert first["activations"]["dead_units"] == int(np.sum(~np.any(result.layers[0].a != 0, axis=0)))
    assert first["activations"]["frac_saturated"] is None and last["activations"]["frac_saturated"] is not None
    assert layers == initviz.statistics(SMALL)  # simulated again: bit-identical
    alone = initviz.statistics(result)  # a result alone knows no init
    assert alone[0]["init"] is None and alone[0]["activation"] == "relu" and alone[0]["weights"] == first["weights"]


def test_seed_replaces_the_experiments_seed():
    exp = initviz.load_experiment(SMALL)
    a = initviz.simulate(exp, seed=7)
    b = network.simulate(exp.replace(seed=7))
    assert np.array_equal(a.layers[1].dW, b.layers[1].dW)
    assert not np.array_equal(a.layers[0].W, initviz.simulate(exp).layers[0].W)
    assert initviz.statistics(exp, seed=7) == initviz.statistics(exp.replace(seed=7))


def test_exploding_net_statistics_are_json_without_nan():
    exp = initviz.stack(40, 64, "relu", {"name": "normal", "std": 10.0}, batch=16)
    layers = initviz.statistics(exp, theory=True)
    text = json.dumps(layers, allow_nan=False)
    assert sum(layer["activations"]["n_inf"] + layer["activations"]["n_nan"] for layer in layers) > 0
    assert layers[-1]["activations"]["std"] is None and '"std": null' in text


def test_histograms_equal_the_engine_summaries():
    h = initviz.histograms(SMALL, bins=16)
    result = initviz.simulate(SMALL)
    for kind in stats.KINDS:
        assert h[f"{kind}_edges"].shape == (2, 17) and h[f"{kind}_counts"].shape == (2, 16)
        for i, layer in enumerate(result.layers):
            summary = stats.summarize(getattr(layer, stats.KIND_FIELDS[kind]), bins=16)
            assert np.array_equal(h[f"{kind}_edges"][i], summary.histogram.edges)
            assert np.array_equal(h[f"{kind}_counts"][i], summary.histogram.counts)
            assert h[f"{kind}_counts"][i].sum() == h[f"{kind}_n_binned"][i]
    with pytest.raises(ExperimentError, match="bins"):
        initviz.histograms(SMALL, bins=0)
    with pytest.raises(ExperimentError, match="kinds: unknown 'weight'"):
        initviz.histograms(SMALL, kinds=["weight"])


def test_theory_equals_the_engine_prediction():
    exp = initviz.stack(6, 32, "tanh", "xavier_normal", {"name": "normal", "std": 0.1})
    rows = initviz.theory(exp)
    for row, t in zip(rows, theory.predict(exp)):
        assert row["index"] == t.index and row["q"] == t.q and row["chi1"] == t.chi1 and row["phase"] == t.phase
    json.dumps(rows, allow_nan=False)


def test_builders_validate_like_files():
    exp = initviz.stack(4, 16, "relu", "he_normal", outputs=3, output_activation="identity", features=8, seed=3)
    assert [layer.units for layer in exp.layers] == [16, 16, 16, 3] and exp.fans(0) == (8, 16)
    assert exp.layers[-1].activation.name == "identity" and exp.seed == 3
    assert initviz.load_experiment(initviz.model.to_dict(exp)) == exp  # round trip through JSON
    assert initviz.experiment([{"units": 4}, {"units": 2}]).layers[0].init.name == "xavier_uniform"
    mixed = initviz.with_init(exp, {"name": "orthogonal", "gain": 2.0}, layers=[0, -1])
    assert [layer.init.name for layer in mixed.layers] == ["orthogonal", "he_normal", "he_normal", "orthogonal"]
    for call, field in [(lambda: initviz.stack(3, 8, init="nope"), "layers[0].init"),
                        (lambda: initviz.stack(0, 8), "depth"),
                        (lambda: initviz.stack(3, 0), "width"),
                        (lambda: initviz.with_activation(exp, "relu", layers=[9]), "layers"),
                        (lambda: initviz.with_bias(exp, "orthogonal"), "layers[0].bias"),
                        (lambda: initviz.experiment("relu"), "layers"),
                        (lambda: initviz.stack(3, 8, data="nope"), "data.name")]:
        with pytest.raises(ExperimentError) as err:
            call()
        assert err.value.path == field, (field, str(err.value))


def test_stack_with_data_fits_the_data():
    exp = initviz.stack(3, 16, "relu", "he_normal", data="spirals")
    assert exp.input.features == 2 and exp.layers[-1].units == 3 and exp.loss == "cross_entropy"
    assert exp.layers[-1].activation.name == "identity"
    assert initviz.stack(3, 16, data={"name": "teacher", "params": {"features": 5}}).loss == "mse"


def test_train_equals_the_engine_training():
    exp = initviz.stack(3, 16, "relu", "he_normal", data="moons", training={"optimizer": "adam", "snapshot_every": 20})
    history = initviz.train(exp, steps=60, learning_rate=0.005)
    spec = training.settings_of(exp.replace(training=exp.training.__class__(
        optimizer="adam", snapshot_every=20, steps=60, learning_rate=0.005)))
    direct = training.train(exp, training.load_dataset(exp), spec)
    assert np.array_equal(history.train_loss, direct.train_loss) and history.train_loss.shape == (60,)
    json.dumps(history.to_dict(), allow_nan=False)
    with pytest.raises(ExperimentError, match="training.learning_rat"):
        initviz.train(exp, steps=5, learning_rat=0.1)
    with pytest.raises(ExperimentError, match="data"):
        initviz.train(initviz.stack(2, 4), steps=5)


def test_race_equals_the_engine_race():
    exp = initviz.stack(3, 16, "relu", data="xor", training={"optimizer": "adam", "steps": 40})
    result = initviz.race(exp, "zeros,he_normal")
    direct = race.race(exp, training.load_dataset(exp), ["zeros", "he_normal"])
    assert [e.label for e in result.entries] == ["zeros", "he_normal"]
    for a, b in zip(result.entries, direct.entries):
        assert np.array_equal(a.history.train_loss, b.history.train_loss) and a.status == b.status


def test_lsuv_gives_unit_variance_preactivations():
    fitted = initviz.lsuv(initviz.stack(6, 64, "tanh", batch=256))
    assert all(layer.init.name == "orthogonal" for layer in fitted.layers)
    for layer in initviz.statistics(fitted):
        assert abs(layer["preactivations"]["std"] ** 2 - 1) < 0.1


def test_presets_and_sweeps_are_the_modules():
    from initviz.presets import list_presets
    from initviz.sweep import run_sweep
    assert [p.name for p in initviz.list_presets()] == [p.name for p in list_presets()]
    assert initviz.load_preset("he2015_he").experiment == list_presets()[[p.name for p in list_presets()].index(
        "he2015_he")].experiment
    base = initviz.stack(2, 32, "tanh")
    grid = {"init": ["xavier_normal", "he_normal"], "depth": [2, 4]}
    rows = initviz.run_sweep(experiment=base, grid=grid, executor="inline")
    direct = run_sweep({"experiment": initviz.model.to_dict(base), "grid": grid}, executor="inline")
    assert rows == direct and len(rows) == 4
    assert initviz.load_sweep({"grid": grid}).n_cells == 4
    with pytest.raises(ExperimentError, match="not both"):
        initviz.run_sweep({"grid": grid}, grid=grid)


def _readme_api_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    section = section[:section.index("\n## ", 3)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_api_examples_run():
    blocks = _readme_api_blocks()
    assert len(blocks) >= 2
    out = _python(f"blocks = {blocks!r}\n"
                  "for block in blocks:\n"
                  "    exec(compile(block, 'README.md', 'exec'), {'__name__': 'readme'})\n")
    assert "xavier_normal [0.585, 0.0208, 0.0006]" in out and "he_normal [0.8273, 0.9417, 0.8019]" in out
    assert "('zeros', 'stalled')" in out and "('he_normal', 'reached')" in out
    assert "log2 std(z^30)/std(z^1)" in out and math.isfinite(float(out.split()[-2]))
