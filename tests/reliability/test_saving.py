"""Saving never loses the old file and never leaves debris; an unwritable place is an error
with its reason, shown in the app, which goes on (issue 7)."""

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from initviz import atomic
from initviz.errors import ExperimentError
from initviz.model.experiment import default_experiment
from initviz.model.files import load_experiment, save_experiment
from tests.ui.conftest import settings, window  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
OLD = b'{"old": "contents"}\n'


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_save_interrupted_mid_write_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch, failure):
    target = tmp_path / "exp.json"
    target.write_bytes(OLD)

    def broken_fsync(fd):
        raise failure
    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    expected = ExperimentError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as caught:
        save_experiment(default_experiment(), target)
    if expected is ExperimentError:
        assert str(caught.value) == f"file: cannot write {target}: No space left on device"
    assert target.read_bytes() == OLD and _debris(tmp_path) == []


KILLED_SAVE = textwrap.dedent("""
    import os, sys, time
    from initviz import atomic
    from initviz.model.experiment import default_experiment
    from initviz.model.files import save_experiment
    def hang(src, dst):
        print("temp written", flush=True)
        time.sleep(600)
    atomic.os.replace = hang
    save_experiment(default_experiment(), sys.argv[1])
""")


def test_a_killed_save_keeps_the_old_file_and_the_next_save_clears_its_temp(tmp_path):
    target = tmp_path / "exp.json"
    target.write_bytes(OLD)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(target)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == "temp written"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert target.read_bytes() == OLD
    assert _debris(tmp_path) != []  # what SIGKILL leaves (no code runs) ...
    save_experiment(default_experiment(), target)
    assert _debris(tmp_path) == []  # ... the next save to that file removes
    assert load_experiment(target) == default_experiment()


def test_temps_of_live_processes_and_other_files_are_left_alone(tmp_path):
    target = tmp_path / "exp.json"
    live = tmp_path / f".exp.json.{os.getppid()}.abc.tmp"  # a save in progress elsewhere
    other = tmp_path / ".other.json.1.abc.tmp"
    live.write_bytes(b"")
    other.write_bytes(b"")
    save_experiment(default_experiment(), target)
    assert live.exists() and other.exists()


def _unwritable_places(tmp_path: Path) -> list[Path]:
    places = [Path("/proc/initviz-test.json"), tmp_path / "missing-folder" / "exp.json"]
    if os.geteuid() != 0:  # root writes into read-only folders; CI runs as root
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        places.append(locked / "exp.json")
    return places


def test_unwritable_places_are_errors_naming_the_file(tmp_path):
    for place in _unwritable_places(tmp_path):
        with pytest.raises(ExperimentError) as caught:
            save_experiment(default_experiment(), place)
        assert str(caught.value).startswith(f"file: cannot write {place}: ")


def test_the_app_shows_a_failed_save_and_keeps_the_work(window, tmp_path, monkeypatch):
    window.document.set_setting("seed", 5)
    shown = []
    window.files.show_error = lambda title, text: shown.append((title, text))
    places = _unwritable_places(tmp_path)
    for place in places:
        window.files.ask_save_path = lambda place=place: str(place)
        assert not window.files.save_as()
    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    window.files.ask_save_path = lambda: str(tmp_path / "full-disk.json")
    assert not window.files.save_as()
    assert [title for title, _ in shown] == ["Cannot save experiment"] * (len(places) + 1)
    assert shown[-1][1].endswith("No space left on device") and "cannot write" in shown[0][1]
    assert window.document.dirty and window.document.experiment.seed == 5 and window.document.path is None
    assert not (tmp_path / "full-disk.json").exists() and _debris(tmp_path) == []
