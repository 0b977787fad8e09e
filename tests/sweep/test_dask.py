"""The distributed path: the same sweep on a Dask cluster (here a local one of 2 worker
processes) writes the same CSV bytes as local worker processes."""

import pytest

from initviz.sweep import journal_path, sweep_to_csv

from tests.sweep.helpers import tiny_spec

distributed = pytest.importorskip("distributed", reason="the optional Dask extra (initviz[distributed]) is not installed")

# 128 wide in float32: large enough that OpenBLAS's thread count changes the last bits (one
# thread in every worker, ours and Dask's, is what makes the bytes equal).
SPEC = tiny_spec(experiment={"dtype": "float32", "input": {"features": 128, "batch": 128},
                             "layers": [{"units": 128, "activation": "tanh", "init": "xavier_normal"}]},
                 grid={"activation": ["relu", "tanh"], "depth": [2, 6]})


def test_dask_local_cluster_gives_the_local_csv(tmp_path):
    local = tmp_path / "local.csv"
    sweep_to_csv(SPEC, local, jobs=2)
    on_dask = tmp_path / "dask.csv"
    outcome = sweep_to_csv(SPEC, on_dask, jobs=2, executor="local")
    assert outcome.workers == "a local Dask cluster of 2 workers" and outcome.computed == 8
    assert on_dask.read_bytes() == local.read_bytes()
    assert not journal_path(on_dask).exists()


def test_a_client_resumes_a_journal_left_by_local_workers(tmp_path):
    out = tmp_path / "results.csv"

    def stop_after_three(done, total):
        if done >= 3:
            raise KeyboardInterrupt
    spec = tiny_spec(grid={"activation": ["relu", "tanh"], "init": ["xavier_normal", "he_normal"], "depth": [2, 6]})
    with pytest.raises(KeyboardInterrupt):
        sweep_to_csv(spec, out, executor="inline", progress=stop_after_three)
    with distributed.Client(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as client:
        outcome = sweep_to_csv(spec, out, executor=client)
    assert (outcome.resumed, outcome.computed, outcome.workers) == (3, 13, "a Dask client")
    rows = outcome.rows
    assert [r["cell"] for r in rows] == list(range(16))
    assert all(r["net_layers"] == r["depth"] for r in rows)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    from initviz.errors import ExperimentError
    from initviz.sweep import executors
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 0.5)
    with pytest.raises(ExperimentError) as info:
        sweep_to_csv(SPEC, tmp_path / "x.csv", executor="tcp://127.0.0.1:9", jobs=1)
    assert info.value.path == "scheduler" and "cannot reach" in info.value.reason
