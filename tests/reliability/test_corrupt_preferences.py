"""Issue 7: corrupted preferences (QSettings values, window state) are ignored, never fatal."""

import pytest
from PySide6.QtCore import QByteArray, QSettings

from tests.ui.conftest import close_window, open_window
from initviz.model.experiment import default_experiment

GARBAGE = [("window/geometry", "not bytes"), ("window/state", QByteArray(b"\x00\xffgarbage" * 50)),
           ("view/kinds", 42), ("view/kinds", ["nonsense", 3]), ("view/mode", "sideways"), ("view/mode", 7),
           ("files/recent", "/no/such/file.json"), ("files/recent", 17), ("files/recent", [None, 3]),
           ("files/folder", 3.5), ("export/size", "huge"), ("export/size", [1, 2]),
           ("view/shared_range", "maybe"), ("view/log_counts", [1, 2]), ("view/ghost", {"a": 1}),
           ("view/theme", "purple"), ("view/theme", 3)]  # every key read


@pytest.mark.parametrize("key,value", GARBAGE, ids=[f"{k}={v!r}"[:40] for k, v in GARBAGE])
def test_a_corrupted_preference_is_ignored(qtbot, tmp_path, key, value):
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    settings.setValue(key, value)
    settings.sync()
    win = open_window(qtbot, settings, default_experiment())
    try:
        assert win.histograms.frame() is not None and len(win.histograms.frame().layers) == 10
    finally:
        close_window(win)


def test_an_unreadable_preferences_file_is_ignored(qtbot, tmp_path):
    path = tmp_path / "prefs.ini"
    path.write_bytes(b"\x00\xff[[[garbage\n=\n" * 100)
    win = open_window(qtbot, QSettings(str(path), QSettings.Format.IniFormat), default_experiment())
    try:
        assert win.histograms.frame() is not None
    finally:
        close_window(win)
