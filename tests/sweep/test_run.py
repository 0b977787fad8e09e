"""Running sweeps: the CSV holds what a direct simulation of each cell gives; worker processes
write the same bytes whatever their number; an interrupted sweep resumes without redoing cells."""

import dataclasses
import json
import math

import numpy as np
import pytest

from initviz.engine import mean_field, network, training
from initviz.errors import ExperimentError
from initviz.model import parse_experiment
from initviz.sweep import executors, journal_path, read_csv, run, sweep_to_csv

from tests.sweep.helpers import BASE, layers_for, tiny_spec

DTYPE_SPEC = tiny_spec(grid={"dtype": ["float64", "float32"], "init": ["xavier_normal", "he_normal"], "depth": [2, 4]})


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """The CSV bytes of DTYPE_SPEC computed by 2 worker processes."""
    out = tmp_path_factory.mktemp("two") / "results.csv"
    outcome = sweep_to_csv(DTYPE_SPEC, out, jobs=2)
    assert outcome.computed == 16 and outcome.resumed == 0 and outcome.workers == "2 worker processes"
    assert not journal_path(out).exists()
    return out


def sigma_w2_middle_layer(init, depth):
    """σ_w² = fan_in·Var(W) of layer depth // 2 (the first for depth 2: 12 -> 10; else 10 -> 10)."""
    fan_in, fan_out = (BASE["input"]["features"], 10) if depth < 3 else (10, 10)
    return {"xavier_normal": fan_in * 2 / (fan_in + fan_out), "he_normal": 2.0}[init]


def std(x):
    return float(np.std(x.astype(np.float64)))


def test_csv_matches_direct_simulation_of_every_cell(two_workers):
    columns, rows = read_csv(two_workers)
    assert columns[:5] == ["cell", "dtype", "init", "depth", "seed"]
    assert [r["cell"] for r in rows] == list(range(16))
    for row in rows:
        exp = parse_experiment({**BASE, "seed": row["seed"], "dtype": row["dtype"],
                                "layers": layers_for(row["depth"], row["init"])})
        result = network.simulate(exp)
        rel = 1e-9 if row["dtype"] == "float64" else 2e-5
        a = [std(layer.a) for layer in result.layers]
        da = [std(layer.da) for layer in result.layers]
        assert row["a_std_profile"] == pytest.approx(a, rel=rel)
        assert row["grad_std_profile"] == pytest.approx(da, rel=rel)
        assert (row["a_std_first"], row["a_std_last"]) == pytest.approx((a[0], a[-1]), rel=rel)
        assert (row["grad_std_first"], row["grad_std_last"]) == pytest.approx((da[0], da[-1]), rel=rel)
        assert row["a_ratio"] == pytest.approx(a[-1] / a[0], rel=rel)
        assert row["grad_ratio"] == pytest.approx(da[0] / da[-1], rel=rel)
        assert row["log10_grad_ratio"] == pytest.approx(math.log10(da[0] / da[-1]), rel=1e-6, abs=1e-9)
        assert row["log10_grad_growth"] == pytest.approx(math.log10(da[0] / da[-1]) / (row["depth"] - 1),
                                                         rel=1e-6, abs=1e-9)
        assert row["sim_loss"] == pytest.approx(float(result.loss), rel=rel)
        assert row["n_nonfinite"] == 0 and row["net_layers"] == row["depth"] and row["net_activation"] == "tanh"
        sw2 = sigma_w2_middle_layer(row["init"], row["depth"])
        assert row["net_sigma_w2"] == pytest.approx(sw2, rel=1e-12) and row["net_sigma_b2"] == 0
        assert row["chi1"] == pytest.approx(mean_field.chi1("tanh", None, sw2, 0.0), rel=1e-9)
        assert row["phase"] == mean_field.phase(row["chi1"])


def test_one_worker_and_two_workers_write_the_same_bytes(two_workers, tmp_path):
    out = tmp_path / "one.csv"
    outcome = sweep_to_csv(DTYPE_SPEC, out, jobs=1)
    assert outcome.workers == "1 worker process"
    assert out.read_bytes() == two_workers.read_bytes()


class Counting:
    """Wraps the measurement a cell runs, counting calls (inline executor: same process)."""

    def __init__(self, monkeypatch):
        self.seen = []
        real = executors.measure

        def measure(experiment, *args):
            self.seen.append(experiment)
            return real(experiment, *args)
        monkeypatch.setattr(executors, "measure", measure)


def interrupt_after(k):
    def progress(done, total):
        if done >= k:
            raise KeyboardInterrupt
    return progress


def test_resume_skips_finished_cells_and_gives_the_uninterrupted_csv(tmp_path, monkeypatch):
    spec = tiny_spec()
    whole = tmp_path / "whole.csv"
    sweep_to_csv(spec, whole, executor="inline")
    out = tmp_path / "results.csv"
    with pytest.raises(KeyboardInterrupt):
        sweep_to_csv(spec, out, executor="inline", progress=interrupt_after(3))
    assert not out.exists()
    lines = journal_path(out).read_text().splitlines()
    assert len(lines) == 1 + 3 and [json.loads(line)["index"] for line in lines[1:]] == [0, 1, 2]
    counting = Counting(monkeypatch)
    outcome = sweep_to_csv(spec, out, executor="inline")
    assert (outcome.resumed, outcome.computed) == (3, 5)
    cells = run.expand(run.load_sweep(spec))
    assert counting.seen == [c.experiment for c in cells[3:]]
    assert out.read_bytes() == whole.read_bytes()
    assert not journal_path(out).exists()


def test_interrupted_worker_processes_resume_to_the_same_bytes(two_workers, tmp_path):
    out = tmp_path / "results.csv"
    with pytest.raises(KeyboardInterrupt):
        sweep_to_csv(DTYPE_SPEC, out, jobs=2, progress=interrupt_after(5))
    finished = len(journal_path(out).read_text().splitlines()) - 1
    assert 5 <= finished < 16
    outcome = sweep_to_csv(DTYPE_SPEC, out, jobs=2)
    assert (outcome.resumed, outcome.computed) == (finished, 16 - finished)
    assert out.read_bytes() == two_workers.read_bytes()


def test_a_changed_sweep_refuses_the_old_journal_until_restarted(tmp_path):
    out = tmp_path / "results.csv"
    with pytest.raises(KeyboardInterrupt):
        sweep_to_csv(tiny_spec(), out, executor="inline", progress=interrupt_after(2))
    changed = tiny_spec(experiment={**BASE, "input": {"features": 12, "batch": 25}})
    with pytest.raises(ExperimentError) as info:
        sweep_to_csv(changed, out, executor="inline")
    assert info.value.path == "output" and "different sweep" in info.value.reason and "--restart" in info.value.reason
    outcome = sweep_to_csv(changed, out, executor="inline", restart=True)
    assert (outcome.resumed, outcome.computed) == (0, 8)
    assert read_csv(out)[1][0]["a_std_first"] == outcome.rows[0]["a_std_first"]


def test_a_torn_last_line_is_cut_off_and_recomputed(tmp_path):
    out = tmp_path / "results.csv"
    with pytest.raises(KeyboardInterrupt):
        sweep_to_csv(tiny_spec(), out, executor="inline", progress=interrupt_after(4))
    journal = journal_path(out)
    text = journal.read_text()
    journal.write_text(text[:-20])  # the process died in the middle of writing cell 3
    outcome = sweep_to_csv(tiny_spec(), out, executor="inline")
    assert (outcome.resumed, outcome.computed) == (3, 5)
    whole = tmp_path / "whole.csv"
    sweep_to_csv(tiny_spec(), whole, executor="inline")
    assert out.read_bytes() == whole.read_bytes()


def test_a_damaged_journal_is_refused(tmp_path):
    out = tmp_path / "results.csv"
    journal_path(out).write_text("not a journal\n")
    with pytest.raises(ExperimentError) as info:
        sweep_to_csv(tiny_spec(), out, executor="inline")
    assert "not a sweep journal" in info.value.reason


def test_run_sweep_returns_plain_rows_in_cell_order():
    rows = run.run_sweep(tiny_spec(), executor="inline")
    assert [r["cell"] for r in rows] == list(range(8))
    assert rows[5]["init"] == "he_normal" and rows[5]["depth"] == 2 and rows[5]["seed"] == 1
    assert isinstance(rows[0]["a_std_profile"], list) and len(rows[0]["a_std_profile"]) == 2


XOR = {"seed": 1, "dtype": "float64", "loss": "cross_entropy", "input": {"batch": 16},
       "data": {"name": "xor", "n": 200, "seed": 2},
       "training": {"optimizer": "sgd", "learning_rate": 0.2, "batch_size": 32, "seed": 5},
       "layers": [{"units": 8, "activation": "relu", "init": "he_normal"},
                  {"units": 2, "activation": "identity", "init": "xavier_normal"}]}


def test_training_columns_match_a_direct_training_run():
    spec = {"experiment": XOR, "grid": {"init": ["he_normal", "zeros"]}, "train": {"steps": 25}}
    rows = run.run_sweep(spec, executor="inline")
    for row in rows:
        exp = parse_experiment({**XOR, "version": 2, "layers": [dict(layer, init=row["init"]) for layer in XOR["layers"]]})
        settings = dataclasses.replace(exp.training, steps=25, snapshot_every=25)
        history = training.train(exp, training.load_dataset(exp), settings)
        assert row["train_steps"] == 25 and row["diverged_at"] is None
        assert row["train_loss"] == pytest.approx(float(history.eval_train_loss[-1]), rel=1e-12)
        assert row["test_loss"] == pytest.approx(float(history.test_loss[-1]), rel=1e-12)
        assert row["test_acc"] == pytest.approx(float(history.test_acc[-1]), rel=1e-12)
        assert row["train_acc"] == pytest.approx(float(history.train_acc[-1]), rel=1e-12)
    assert rows[1]["grad_std_first"] == 0  # zeros init: no gradient reaches the first layer's output


def test_exploding_cells_are_rows_like_any_other(tmp_path):
    """σ_w² = 400 on 40 ReLU layers overflows float32: the row counts the non-finite values and
    writes nan/inf, with no warning (pytest turns RuntimeWarning into errors here)."""
    spec = tiny_spec(experiment={**BASE, "dtype": "float32", "layers": [{"units": 10, "activation": "relu",
                                                                          "init": "he_normal"}]},
                     grid={"depth": [40], "sigma_w2": [2.0, 400.0]}, seeds=None)
    out = tmp_path / "results.csv"
    rows = sweep_to_csv(spec, out, executor="inline").rows
    assert rows[0]["n_nonfinite"] == 0 and math.isfinite(rows[0]["a_std_last"])
    assert rows[1]["n_nonfinite"] > 0 and not math.isfinite(rows[1]["a_std_last"])
    assert rows[1]["phase"] == "chaotic" and rows[1]["chi1"] == pytest.approx(200.0)
    parsed = read_csv(out)[1][1]
    assert parsed["n_nonfinite"] == rows[1]["n_nonfinite"]
    assert math.isnan(parsed["a_std_last"]) == math.isnan(rows[1]["a_std_last"])
