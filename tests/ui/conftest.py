"""Fixtures for window tests: private settings, a window on the default experiment."""

import pytest
from PySide6.QtCore import QSettings

from initviz.model.experiment import default_experiment
from initviz.ui.main_window import MainWindow


@pytest.fixture
def settings(tmp_path):
    """Settings in a temporary INI file: tests never touch the user's real preferences."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def no_dialogs(win):
    """Modal dialogs would hang an offscreen test: answer them in code."""
    win.files.ask_unsaved = lambda: pytest.fail("unexpected unsaved-changes prompt")
    win.files.show_error = lambda title, text: pytest.fail(f"unexpected error dialog: {text}")
    return win


def open_window(qtbot, settings, experiment):
    """A shown main window on ``experiment`` with its first frame drawn; close it with :func:`close_window`."""
    win = no_dialogs(MainWindow(experiment, settings, debounce_ms=0))
    win.compute.preview_budget_ms = float("inf")  # every frame the whole batch: tests compare exact numbers
    win.show()
    qtbot.waitUntil(lambda: win.histograms.frame() is not None, timeout=30000)
    return win


def close_window(win):
    win.document.mark_saved()  # nothing to ask about when the test ends
    win.close()
    win.compute.shutdown()
    win.deleteLater()


@pytest.fixture
def window(qtbot, settings):
    win = open_window(qtbot, settings, default_experiment())
    yield win
    close_window(win)
