"""``initviz sweep`` and ``initviz report`` on the command line."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from initviz import cli
from initviz.sweep import journal_path, read_csv, sweep_to_csv

from tests.sweep.helpers import tiny_spec


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(tiny_spec()))
    return path


def test_sweep_writes_the_csv_and_prints_a_table(spec_file, tmp_path, capsys):
    out = tmp_path / "results.csv"
    assert cli.main(["sweep", str(spec_file), "-o", str(out), "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("tiny sweep\n") and "he_normal" in text
    assert f"wrote {out}: 8 cells (8 computed by 2 worker processes)" in text
    reference = tmp_path / "reference.csv"
    sweep_to_csv(tiny_spec(), reference, jobs=1)
    assert out.read_bytes() == reference.read_bytes()
    assert cli.main(["sweep", str(spec_file), "-o", str(out), "--json", "--scheduler", "inline"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = read_csv(out)[1]
    assert doc["columns"][:4] == ["cell", "init", "depth", "seed"] and len(doc["rows"]) == 8
    assert [r["a_std_last"] for r in doc["rows"]] == pytest.approx([r["a_std_last"] for r in rows], rel=1e-12)


def test_bad_sweeps_are_one_line_and_status_2(tmp_path, capsys):
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps(tiny_spec(grid={"gain": "loud"})))
    assert cli.main(["sweep", str(spec), "-o", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("initviz: error: grid.gain: expected a non-empty list of finite numbers") and err.count("\n") == 1
    assert cli.main(["sweep", str(spec), "-o", str(tmp_path / "missing" / "r.csv")]) == 2
    assert cli.main(["report", str(spec), "-o", str(tmp_path / "rep")]) == 2
    assert "not a CSV written by initviz sweep" in capsys.readouterr().err


def test_ctrl_c_keeps_the_journal_and_says_how_to_resume(spec_file, tmp_path, capsys, monkeypatch):
    from initviz.sweep import executors
    real, calls = executors.measure, []

    def measure(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args)
    monkeypatch.setattr(executors, "measure", measure)
    out = tmp_path / "results.csv"
    assert cli.main(["sweep", str(spec_file), "-o", str(out), "--scheduler", "inline"]) == 130
    err = capsys.readouterr().err
    assert f"interrupted after 3 of 8 cells; the finished ones are kept in {journal_path(out)}" in err
    assert "run the same command again to resume" in err
    assert cli.main(["sweep", str(spec_file), "-o", str(out), "--scheduler", "inline"]) == 0
    assert "(5 computed by this process, 3 resumed from the journal)" in capsys.readouterr().out
    assert len(read_csv(out)[1]) == 8 and not journal_path(out).exists()


def test_report_command_writes_the_folder(qapp, spec_file, tmp_path, capsys):
    out = tmp_path / "results.csv"
    sweep_to_csv(tiny_spec(), out, executor="inline")
    folder = tmp_path / "report"
    assert cli.main(["report", str(out), "-o", str(folder), "--size", "400x300"]) == 0
    text = capsys.readouterr().out
    assert f"wrote {folder / 'std_vs_depth.png'}" in text and "skipped phase_heatmap.png" in text
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "std_vs_depth.png"]


def running(pid):
    """Alive and not a zombie (an orphan's zombie waits for whoever reaps it; it runs nothing)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def worker_pids(pid):
    """The pool's worker processes among ``pid``'s children (not multiprocessing's resource tracker)."""
    path = f"/proc/{pid}/task/{pid}/children"
    children = [int(p) for p in open(path).read().split()] if os.path.exists(path) else []
    return [c for c in children if b"spawn_main" in open(f"/proc/{c}/cmdline", "rb").read()]


def test_ctrl_c_on_a_terminal_stops_the_workers_at_once(tmp_path):
    """SIGINT to the whole process group, as Ctrl+C sends it: status 130 within seconds, no worker
    left running, the journal kept; the next run completes the sweep."""
    spec = tmp_path / "sweep.json"
    slow = {"experiment": {"input": {"features": 256, "batch": 256},
                           "layers": [{"units": 256, "activation": "tanh", "init": "xavier_normal"}]},
            "grid": {"depth": [4, 5, 6, 7, 8, 9], "seed": list(range(6))}}
    spec.write_text(json.dumps(slow))
    out = tmp_path / "results.csv"
    command = [sys.executable, "-m", "initviz", "sweep", str(spec), "-o", str(out), "--jobs", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    journal = journal_path(out)
    deadline = time.monotonic() + 120
    while not (journal.exists() and journal.read_text().count("\n") >= 3) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    workers = worker_pids(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    start = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and time.monotonic() - start < 5
    assert "run the same command again to resume" in err
    assert workers and not any(running(pid) for pid in workers)
    kept = journal.read_text().count("\n") - 1
    assert 2 <= kept < 36 and not out.exists()
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and f"{kept} resumed from the journal" in done.stdout
    assert len(read_csv(out)[1]) == 36
