"""Starting the desktop app, and rendering views headless (``initviz render``)."""

from __future__ import annotations

import contextlib
import os
import sys

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from initviz.engine.memory import freeze_startup_objects
from initviz.model.experiment import Experiment
from initviz.presets import load_preset
from initviz.ui.main_window import MainWindow
from initviz.ui.thread_priority import lower_other_threads


def user_settings() -> QSettings:
    """The user's preferences (an INI file in the platform's config folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "initviz", "initviz")


def application() -> QApplication:
    """The process's QApplication, created once (with the offscreen platform when there is no display)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("initviz")
        app.setOrganizationName("initviz")
    return app


def run_gui(experiment: Experiment, path: str | None = None, preset: str | None = None) -> int:
    """Show the main window on ``experiment`` and run the event loop; ``preset``: the name of the
    preset ``experiment`` came from (``initviz --preset NAME``), whose explanation the window shows."""
    lower_other_threads()  # numpy's BLAS helpers yield to the GUI thread (before Qt's threads exist)
    app = application()
    window = MainWindow(experiment, user_settings(), path=path)
    if preset is not None:
        window.presets.show_banner(load_preset(preset))
    window.show()
    freeze_startup_objects()  # no 50 ms full collections of the window's objects during a drag
    window.autosave.offer_recovery()  # work left by a crashed or killed session
    code = app.exec()
    window.deleteLater()  # destroyed before interpreter exit (see render)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return code


def render(experiment: Experiment, path: str, size: tuple[int, int], view: str = "histograms", theme: str = "system",
           steps: int | None = None) -> None:
    """Draw one view of ``experiment`` (``headless.VIEWS``) to a PNG or SVG file, headless."""
    from initviz.ui.headless import render_view
    with without_offscreen_noise():
        render_view(experiment, path, size, view, theme, steps)


HARMLESS = ("This plugin does not support propagateSizeHints()",)
"""What the offscreen platform says of every window shown headless: not the user's concern."""


@contextlib.contextmanager
def without_offscreen_noise():
    """Drop :data:`HARMLESS` Qt messages while rendering; every other message goes on to the
    handler that was installed before (pytest-qt's in the tests) or to stderr."""
    def handler(mode, context, message):
        if message in HARMLESS:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            print(message, file=sys.stderr)
    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
