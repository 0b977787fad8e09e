"""The headless CLI: stats table and JSON, dump, errors as one line with exit status 2."""

import io
import json
import subprocess
import sys

import numpy as np
import pytest

import initviz
from initviz import cli
from initviz.engine import network, theory
from initviz.model import experiment_json

EXAMPLE = {"dtype": "float64", "input": {"features": 6, "batch": 4},
           "layers": [{"units": 5, "activation": "relu", "init": "he_normal"},
                      {"units": 3, "activation": "tanh", "init": "xavier_uniform"}]}


@pytest.fixture
def exp_file(tmp_path):
    path = tmp_path / "exp.json"
    path.write_text(experiment_json(initviz.load_experiment(EXAMPLE)))
    return path


def test_stats_json_matches_direct_simulation(exp_file, capsys):
    assert cli.main(["stats", str(exp_file), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    result = initviz.simulate(EXAMPLE)
    assert doc["loss"] == pytest.approx(float(result.loss))
    assert [layer["index"] for layer in doc["layers"]] == [0, 1]
    first = doc["layers"][0]
    assert (first["units"], first["activation"], first["init"], first["fan_in"], first["fan_out"]) == (5, "relu", "he_normal", 6, 5)
    assert first["weights"]["std"] == pytest.approx(float(result.layers[0].W.std()))
    assert first["activation_grads"]["mean"] == pytest.approx(float(result.layers[0].da.mean()))
    assert first["weight_grads"]["max"] == pytest.approx(float(result.layers[0].dW.max()))
    assert set(first) >= {"weights", "preactivations", "activations", "activation_grads", "weight_grads"}
    assert {"frac_saturated", "dead_units"} <= set(first["activations"])


def test_stats_table_lists_every_layer(exp_file, capsys):
    assert cli.main(["stats", str(exp_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "loss" in lines[0] and "a std" in lines[1]
    rows = [line.split() for line in lines[3:]]
    assert [r[0] for r in rows] == ["0", "1"] and rows[0][2] == "relu"


def test_stats_default_experiment(capsys):
    assert cli.main(["stats"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3 + 10


def test_dump_writes_every_tensor(exp_file, tmp_path):
    out = tmp_path / "run.npz"
    assert cli.main(["dump", str(exp_file), "-o", str(out)]) == 0
    result = initviz.simulate(EXAMPLE)
    with np.load(out, allow_pickle=False) as data:
        assert set(data.files) == {"x", "t", "loss"} | {f"{n}{i}" for i in range(2) for n in ("W", "b", "z", "a", "da", "dz", "dW", "db")}
        np.testing.assert_array_equal(data["dW1"], result.layers[1].dW)
        np.testing.assert_array_equal(data["x"], result.x)
        assert float(data["loss"]) == float(result.loss)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "initviz", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("content, message", [
    ('{"input": {"features": 3, "batch": 2}, "layers": [{"units": 2, "activation": "tanh", "init": {"name": "kaiming_normal", "mode": "sideways"}}]}',
     "layers[0].init.mode"),
    ("not json", "not valid JSON"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    proc = run_cli("stats", str(path))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_memory_budget_flag(exp_file):
    need = network.check_memory(initviz.load_experiment(EXAMPLE))
    proc = run_cli("stats", str(exp_file), "--memory-budget", str(need - 1))
    assert proc.returncode == 2 and "memory budget" in proc.stderr
    proc = run_cli("stats", str(exp_file), "--memory-budget", "nonsense")
    assert proc.returncode == 2 and "not a size" in proc.stderr


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"initviz {initviz.__version__}"


@pytest.mark.parametrize("text, expected", [("512", 512), ("2GiB", 2 * 1024**3), ("1.5k", 1536), ("64 MiB", 64 * 1024**2), ("0.5", 1)])
def test_parse_size(text, expected):
    assert cli.parse_size(text) == expected


def test_overflowing_scheme_is_counted_without_warnings(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"input": {"features": 8, "batch": 4}, "layers": [
        {"units": 3, "activation": "tanh", "init": {"name": "constant", "value": 1e300}}]}))
    proc = run_cli("stats", str(path), "--json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["layers"][0]["weights"]["n_posinf"] == 24


def test_render_refuses_other_formats(tmp_path):
    proc = run_cli("render", "-o", str(tmp_path / "x.jpg"))  # PNG and SVG only
    assert proc.returncode == 2 and "--output" in proc.stderr and "Traceback" not in proc.stderr


def test_closed_pipe_is_not_an_error():
    proc = subprocess.run(f"'{sys.executable}' -m initviz stats --json | head -1", shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "{" and "Traceback" not in proc.stderr


def test_stats_theory_json_carries_the_predictions(exp_file, capsys):
    assert cli.main(["stats", str(exp_file), "--json", "--theory"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    predicted = theory.predict(initviz.load_experiment(EXAMPLE))
    for layer, expected in zip(doc["layers"], predicted):
        t = layer["theory"]
        assert {"preactivation_var", "chi", "phase", "grad_var", "chi1", "q_star", "applies"} <= set(t)
        assert "index" not in t and t["phase"] == expected.phase in ("ordered", "critical", "chaotic")
        assert t["preactivation_var"] == pytest.approx(expected.preactivation_var, rel=1e-15)
        assert t["chi"] == pytest.approx(expected.chi, rel=1e-15)
    assert doc["layers"][0]["theory"]["sigma_w2"] == pytest.approx(2.0)  # He: fan_in·Var(W)


def test_stats_theory_json_has_null_for_infinite_values(tmp_path, capsys):
    path = tmp_path / "chaotic.json"
    path.write_text(json.dumps({"dtype": "float64", "input": {"features": 8, "batch": 4}, "layers": [
        {"units": 8, "activation": "relu", "init": {"name": "normal", "std": 1.0}}]}))
    assert cli.main(["stats", str(path), "--json", "--theory"]) == 0
    out = capsys.readouterr().out
    assert "Infinity" not in out and "NaN" not in out
    t = json.loads(out)["layers"][0]["theory"]
    assert t["q_star"] is None and t["chi1"] == pytest.approx(4.0) and t["phase"] == "chaotic"  # σ_w² = 8


def test_stats_without_theory_is_unchanged(exp_file, capsys):
    assert cli.main(["stats", str(exp_file), "--json"]) == 0
    assert all("theory" not in layer for layer in json.loads(capsys.readouterr().out)["layers"])
    assert cli.main(["stats", str(exp_file)]) == 0
    plain = capsys.readouterr().out.splitlines()
    assert cli.main(["stats", str(exp_file), "--theory"]) == 0
    with_theory = capsys.readouterr().out.splitlines()
    assert len(plain) == 3 + 2 and "z std*" not in plain[1] and "phase" not in plain[1]
    assert with_theory[1].startswith(plain[1]) and "z std*" in with_theory[1] and "phase" in with_theory[1]
    rows = [line.split() for line in with_theory[3:5]]
    assert [r[-1] for r in rows] == [t.phase for t in theory.predict(initviz.load_experiment(EXAMPLE))]
    assert with_theory[5].startswith("* mean-field prediction")


def test_stats_theory_table_explains_layers_outside_the_theory(tmp_path, capsys):
    path = tmp_path / "constant.json"
    path.write_text(json.dumps({"input": {"features": 4, "batch": 2}, "layers": [
        {"units": 3, "activation": "tanh", "init": {"name": "constant", "value": 0.2}}]}))
    assert cli.main(["stats", str(path), "--theory"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3].split()[-1] == "n/a" and lines[-1].startswith("n/a: weights have mean 0.2")


# --- train ---------------------------------------------------------------------------------------

TRAIN_EXAMPLE = {"version": 2, "name": "XOR, deep ReLU", "input": {"batch": 64}, "loss": "cross_entropy",
                 "data": {"name": "xor", "n": 300},
                 "training": {"optimizer": "sgd", "learning_rate": 0.05, "steps": 60, "snapshot_every": 20},
                 "layers": [{"units": 16, "activation": "relu", "init": "he_normal"},
                            {"units": 16, "activation": "relu", "init": "he_normal"},
                            {"units": 2, "activation": "identity", "init": "he_normal"}]}


@pytest.fixture
def train_file(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps(TRAIN_EXAMPLE))
    return path


def test_train_json_is_the_engine_run(train_file, capsys):
    from initviz.engine import training
    assert cli.main(["train", str(train_file), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    exp = initviz.load_experiment(TRAIN_EXAMPLE)
    history = training.train(exp, training.load_dataset(exp))
    assert doc["train_loss"] == pytest.approx(history.train_loss.tolist(), rel=1e-12)
    assert [e["step"] for e in doc["evaluations"]] == [0, 20, 40, 60]
    last = doc["evaluations"][-1]
    assert last["test_acc"] == pytest.approx(history.test_acc[-1]) and len(last["layers"]) == 3
    assert last["layers"][0]["weights"]["std"] == pytest.approx(history.snapshots[-1][0]["weights"].stats["std"])
    assert captured.err == ""  # no progress bar when stderr is not a terminal


def test_train_table_lists_evaluations_and_layers(train_file, capsys):
    assert cli.main(["train", str(train_file), "--steps", "40"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("XOR, deep ReLU: xor") and "40 steps" in lines[1]
    assert lines[2].split() == ["step", "train", "loss", "train", "acc", "test", "loss", "test", "acc"]
    assert [line.split()[0] for line in lines[4:7]] == ["0", "20", "40"]
    layer_rows = [line.split() for line in lines[11:14]]
    assert [row[:2] for row in layer_rows] == [["0", "16"], ["1", "16"], ["2", "2"]]
    assert lines[-1].startswith("40 steps in")


def test_train_race_prints_the_table_and_writes_every_run(train_file, tmp_path, capsys):
    out = tmp_path / "race.npz"
    assert cli.main(["train", str(train_file), "--schemes", "zeros,normal(std=1e13),he_normal", "--json",
                     "-o", str(out)]) == 0
    captured = capsys.readouterr()
    table = json.loads(captured.out)["table"]
    assert [row["scheme"] for row in table] == ["zeros", "normal(std=1e+13)", "he_normal"]
    assert table[0]["status"] == "stalled" and table[1]["status"] == "diverged" and table[2]["status"] != "diverged"
    assert f"wrote {out}" in captured.err
    with np.load(out) as data:
        assert data["schemes"].tolist() == ["zeros", "normal(std=1e+13)", "he_normal"]
        assert data["r2_train_loss"].shape == (60,) and data["diverged"].tolist() == [False, True, False]
    assert cli.main(["train", str(train_file), "--schemes", "zeros,he_normal"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("target loss") and lines[5].split()[0] == "zeros" and lines[5].endswith("stalled")


def test_train_writes_the_history(train_file, tmp_path, capsys):
    out = tmp_path / "history.npz"
    assert cli.main(["train", str(train_file), "-o", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {out}"
    with np.load(out) as data:
        assert data["eval_steps"].tolist() == [0, 20, 40, 60] and data["weights_std"].shape == (4, 3)


@pytest.mark.parametrize("args, message", [
    ((), "data: missing: training needs a data set"),
    (("TRAIN", "--schemes", "he_normal,nope"), "schemes[1]: unknown init scheme 'nope'"),
    (("TRAIN", "--steps", "0"), "not a whole number ≥ 1"),
    (("TRAIN", "--memory-budget", "1KiB"), "training: needs about"),
])
def test_train_errors_are_one_line(train_file, args, message):
    proc = run_cli("train", *[str(train_file) if a == "TRAIN" else a for a in args])
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_progress_bar_draws_on_a_stream():
    stream = io.StringIO()
    bar = cli.ProgressBar(stream)
    bar(0, 50)
    bar(1, 50)  # within 0.1 s of the last drawing: skipped
    bar(50, 50)  # the end is always drawn
    bar.close()
    assert stream.getvalue() == "\r[" + "." * 30 + "] 0/50 steps\r[" + "#" * 30 + "] 50/50 steps\n"


def test_help_names_the_bare_forms_that_open_the_app_and_each_command_its_own_usage(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal's width
    assert out.startswith("usage: initviz [-h] [--version] [COMMAND] [EXP.json | --preset NAME]")
    assert "`initviz EXP.json`" in out and "`initviz --preset NAME`" in out
    with pytest.raises(SystemExit):
        cli.main(["stats", "--help"])
    assert capsys.readouterr().out.startswith("usage: initviz stats [-h]")
