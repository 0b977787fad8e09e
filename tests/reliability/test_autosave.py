"""Autosave of unsaved work and recovery after a killed process (issue 7: nothing lost)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from initviz.model.autosave import AutosaveStore, process_alive, process_start
from initviz.model.experiment import default_experiment
from initviz.ui import autosave as autosave_ui
from initviz.ui.autosave import autosave_folder
from tests.ui.conftest import close_window, open_window, settings  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]


def _edited():
    exp = default_experiment()
    return exp.__class__(**{**exp.__dict__, "name": "Edited before the crash", "seed": 7})


def test_store_writes_and_a_dead_process_leaves_an_orphan(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    assert not process_alive(pid, process_start(pid))
    AutosaveStore(tmp_path, pid=pid).write(_edited(), "/somewhere/exp.json")
    mine = AutosaveStore(tmp_path)
    mine.write(default_experiment(), None)  # our own (live) autosave is never offered
    [orphan] = mine.orphans()
    assert orphan.experiment == _edited() and orphan.path == "/somewhere/exp.json" and orphan.pid == pid
    assert "Edited before the crash" in orphan.describe()
    mine.remove(orphan)
    assert mine.orphans() == []


def test_a_live_process_and_a_reused_pid_are_told_apart(tmp_path):
    parent = os.getppid()
    assert process_alive(parent, process_start(parent))
    if process_start(parent) is not None:  # Linux: same pid, another start time = a reused pid
        assert not process_alive(parent, "1")


def test_unreadable_autosaves_are_set_aside_not_offered(tmp_path):
    for i, text in enumerate(["{", "[]", json.dumps({"pid": 2**22 + 7, "experiment": {"layers": "x"}}), "\xff"]):
        (tmp_path / f"autosave-{900000 + i}.json").write_text(text)
    assert AutosaveStore(tmp_path).orphans() == []
    assert len(list(tmp_path.glob("*.unreadable"))) == 4


def test_autosave_follows_edits_and_goes_away_once_saved(qtbot, settings, tmp_path):
    assert autosave_ui.INTERVAL_MS <= 5000  # "every few seconds"
    win = open_window(qtbot, settings, default_experiment())
    try:
        win.autosave.timer.setInterval(50)
        store_file = win.autosave.store.file
        assert store_file.parent == autosave_folder(settings)
        win.document.set_setting("seed", 11)
        qtbot.waitUntil(store_file.exists, timeout=5000)
        assert json.loads(store_file.read_text())["experiment"]["seed"] == 11
        win.files.ask_save_path = lambda: str(tmp_path / "saved.json")
        assert win.files.save_as()
        assert not store_file.exists()
        win.document.set_setting("seed", 12)
        qtbot.waitUntil(store_file.exists, timeout=5000)
        win.document.undo()  # back to the saved experiment: nothing unsaved to keep
        assert not store_file.exists()
    finally:
        close_window(win)


def test_autosave_failure_is_said_once_and_work_goes_on(qtbot, settings, tmp_path):
    win = open_window(qtbot, settings, default_experiment())
    try:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the autosave folder should be")
        win.autosave.store = AutosaveStore(blocker / "autosave")
        messages = []
        win.autosave.message.connect(messages.append)
        for seed in (3, 4):
            win.document.set_setting("seed", seed)
            win.autosave.save_now()
        assert len(messages) == 1 and "Autosave failed" in messages[0] and "autosave" in messages[0]
        assert win.document.experiment.seed == 4
    finally:
        close_window(win)


CRASHING_SESSION = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QSettings
    from initviz.ui.app import application
    from initviz.ui.main_window import MainWindow
    from initviz.model.experiment import default_experiment
    app = application()
    win = MainWindow(default_experiment(), QSettings(sys.argv[1], QSettings.Format.IniFormat), path=sys.argv[2])
    win.autosave.timer.setInterval(100)
    win.show()
    win.document.set_setting("seed", 42)
    win.document.insert_layers(0, [win.document.experiment.layers[0]])
    while not win.autosave.store.file.exists():
        app.processEvents()
        time.sleep(0.01)
    print("autosaved", flush=True)
    time.sleep(600)
""")


def test_work_survives_a_killed_process_and_is_offered_at_the_next_start(qtbot, tmp_path):
    ini = tmp_path / "settings.ini"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_SESSION, str(ini), str(tmp_path / "mine.json")],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "autosaved"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    win = open_window(qtbot, settings, default_experiment())
    try:
        asked = []
        win.autosave.ask_recover = lambda recovery: asked.append(recovery) or QMessageBox.StandardButton.Yes
        assert win.autosave.offer_recovery()
        assert len(asked) == 1 and asked[0].pid == proc.pid
        exp = win.document.experiment
        assert exp.seed == 42 and len(exp.layers) == len(default_experiment().layers) + 1
        assert win.document.dirty and win.document.path == str(tmp_path / "mine.json")
        assert not asked[0].file.exists() and win.autosave.store.file.exists()  # now ours
        assert not win.autosave.offer_recovery()  # offered once
    finally:
        close_window(win)
    assert not win.autosave.store.file.exists()  # a clean exit leaves nothing behind


def test_recovery_can_be_discarded_or_left_for_later(qtbot, settings):
    folder = autosave_folder(settings)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    AutosaveStore(folder, pid=int(dead.stdout)).write(_edited(), None)
    win = open_window(qtbot, settings, default_experiment())
    try:
        win.autosave.ask_recover = lambda recovery: QMessageBox.StandardButton.No
        assert not win.autosave.offer_recovery() and len(win.autosave.store.orphans()) == 1
        win.autosave.ask_recover = lambda recovery: QMessageBox.StandardButton.Discard
        assert not win.autosave.offer_recovery() and win.autosave.store.orphans() == []
        assert win.document.experiment == default_experiment() and not win.document.dirty
    finally:
        close_window(win)
