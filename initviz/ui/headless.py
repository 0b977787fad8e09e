"""``initviz render``: any view of an experiment to a PNG or SVG file, with no display.

The figure is drawn at exactly the asked pixel size whatever the screen's scale
(:mod:`initviz.ui.figures`), in the asked theme. Views: the histograms, the Diagnose tabs
(depth, phase, symmetry, jacobian), training and race (which train first: the experiment's
own settings, at most :data:`figure_views.HEADLESS_MAX_STEPS` steps unless ``steps`` is
given), and the whole window.
"""

from __future__ import annotations

import os
import tempfile

from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QWidget

from initviz.engine.frame import compute_frame
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.model.experiment import Experiment
from initviz.ui import figure_views, figures, themes

VIEWS = (*figure_views.VIEW_TITLES, "window")


def themed(figure: figures.Figure, theme: str) -> None:
    """Give a figure that is not in a window the palette and plot colours of ``theme``."""
    if theme != "system":
        figure.widget.setPalette(themes.palette(theme))
        figure.style = themes.style_of(theme)


def _window_figure(experiment: Experiment, folder: str):
    from initviz.ui.main_window import MainWindow  # never touches the user's preferences: a private INI
    window = MainWindow(experiment, QSettings(os.path.join(folder, "render.ini"), QSettings.Format.IniFormat))
    kinds, extras, layer = window.live.needs()
    window.live.show(compute_frame(experiment, kinds=kinds, extras=extras, similarity_layer=layer))
    return window


def render_view(experiment: Experiment, path: str, size: tuple[int, int], view: str = "histograms",
                theme: str = "system", steps: int | None = None, memory_budget: int = DEFAULT_BUDGET_BYTES) -> None:
    """Draw ``view`` of ``experiment`` to ``path`` (.png or .svg) at ``size`` pixels."""
    from initviz.ui.app import application
    application()
    with tempfile.TemporaryDirectory() as folder:
        window = None
        if view == "window":
            window = _window_figure(experiment, folder)
            window.resize(*size)
            window.fit_docks()
            figure = figures.Figure("Window", window)
        else:
            figure = figure_views.headless_figure(view, experiment, steps, memory_budget)
        try:
            if window is not None:
                window.themes.set_theme(theme)  # remembered in the private INI only
            else:
                themed(figure, theme)
            figures.save(figure, path, size)
        finally:
            _dispose(figure, window)


def _dispose(figure: figures.Figure, window) -> None:
    """Close and delete now, while Python still holds the views: left to interpreter exit, the
    teardown order of pyqtgraph items and Qt widgets can crash (FACTS.md)."""
    if window is not None:
        window.compute.shutdown()
        window.race.shutdown()
        window.trainer.shutdown()
        window.close()
    for widget in {id(w): w for w in (figure.widget, *(k for k in figure.keep if isinstance(k, QWidget)))}.values():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
