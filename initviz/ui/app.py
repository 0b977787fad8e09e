"""Starting the desktop app, and rendering views headless (``initviz render``)."""

from __future__ import annotations

import os
import sys
import tempfile

from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QApplication

from initviz.engine.frame import compute_frame
from initviz.model.experiment import Experiment
from initviz.ui import export
from initviz.ui.histograms import HistogramPanel
from initviz.ui.layer_model import layer_label
from initviz.ui.main_window import MainWindow
from initviz.ui.histogram_style import DEFAULT_KINDS


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


def run_gui(experiment: Experiment, path: str | None = None) -> int:
    """Show the main window on ``experiment`` and run the event loop."""
    app = application()
    window = MainWindow(experiment, user_settings(), path=path)
    window.show()
    window.autosave.offer_recovery()  # work left by a crashed or killed session
    code = app.exec()
    window.deleteLater()  # destroyed before interpreter exit (see render)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return code


def render(experiment: Experiment, path: str, size: tuple[int, int], view: str = "histograms") -> None:
    """Draw the histogram view (or the whole window) of ``experiment`` to a PNG, headless."""
    application()
    if view == "histograms":
        frame = compute_frame(experiment, kinds=DEFAULT_KINDS)
        panel = HistogramPanel()
        try:
            panel.set_kinds(DEFAULT_KINDS)
            panel.resize(*size)
            panel.show_frame(frame, [layer_label(i, layer) for i, layer in enumerate(experiment.layers)])
            export.grab_png(panel, path, size)
        finally:
            panel.close()
            panel.deleteLater()
        return
    with tempfile.TemporaryDirectory() as folder:  # never touch the user's preferences
        window = MainWindow(experiment, QSettings(os.path.join(folder, "render.ini"), QSettings.Format.IniFormat))
        try:
            window.resize(*size)
            window.fit_docks()
            kinds, extras, layer = window.live.needs()
            window.live.show(compute_frame(experiment, kinds=kinds, extras=extras, similarity_layer=layer))
            export.grab_png(window, path, size)
        finally:
            window.compute.shutdown()
            window.close()
            window.deleteLater()
            # Destroy it now, while Python still holds its views: left to interpreter exit, the
            # teardown order of pyqtgraph items and Qt widgets can crash (FACTS.md).
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
