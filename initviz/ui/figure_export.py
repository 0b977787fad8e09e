"""File ▸ Export for every view: PNG at a chosen size, SVG, the clipboard, and the
"reproduce" script; plus "Copy figure" on each view's right-click menu.

The histograms and the Diagnose tabs are drawn afresh for the export (the Diagnose ones
from a frame computed for exactly what they show, so a tab behind another exports complete);
training and race export the results on screen. Copies take the window's theme (and
presentation mode's sizes). Errors — an unwritable folder, a bad size — are shown with the
reason, never raised.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QWidget

from initviz.errors import ExperimentError
from initviz.pixels import parse_pixels
from initviz.reproduce_script import slug, write_reproduction
from initviz.ui import figure_views, figures

DEFAULT_SIZE = "1600x1000"

FORMATS = {"png": "PNG", "svg": "SVG"}


class FigureExports(QObject):
    """Exports the views of ``window`` (a MainWindow: histograms, diagnose, training, race,
    document, themes). ``ask_path``/``ask_size``/``show_error`` are the dialogs (tests replace them)."""

    message = Signal(str)

    def __init__(self, window: Any, settings: QSettings):
        super().__init__(window)
        self.window, self.settings = window, settings

    # --- dialogs ---------------------------------------------------------------------------
    def ask_path(self, title: str, suggested: str, suffix: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.window, title, suggested, f"{suffix.upper()} files (*.{suffix})")
        if path and not path.lower().endswith("." + suffix):
            path += "." + suffix
        return path or None

    def ask_size(self) -> str | None:
        previous = self.settings.value("export/size", DEFAULT_SIZE)
        text, ok = QInputDialog.getText(self.window, "Figure size", "Width x height in pixels:",
                                        text=previous if isinstance(previous, str) else DEFAULT_SIZE)
        return text if ok else None

    def show_error(self, text: str) -> None:
        QMessageBox.warning(self.window, "Export failed", text)

    # --- figures ---------------------------------------------------------------------------
    def figure(self, view: str) -> tuple[figures.Figure | None, bool]:
        """The figure of ``view`` and whether it was built for the export (to be deleted after);
        (None, False) with a message when there is nothing to draw yet."""
        w = self.window
        if view == "histograms":
            panel = w.histograms
            if panel.frame() is None:
                return self._nothing("the histograms are still being computed")
            figure = figure_views.histogram_figure(panel.frame(), panel.labels(), panel.drawn_kinds(),
                                                   panel.shared_range(), panel.log_counts(), panel.mode())
            return self._themed(figure), True
        if view in figure_views.DIAGNOSE_TABS:
            figure = figure_views.diagnose_figure(view, w.document.experiment, w.diagnose.similarity_layer)
            return self._themed(figure), True
        if view == "training":
            if w.trainer.history is None:
                return self._nothing("no training run yet: Train ▸ Start (F5) first")
            return self._themed(figure_views.training_figure(w.training), fresh=False), False
        if view == "race":
            if w.race.result() is None:
                return self._nothing("no race yet: run one in the Race tab first")
            return self._themed(figures.Figure("Race", w.race.plot), fresh=False), False
        raise ValueError(f"view: got {view!r}; allowed: {', '.join(figure_views.VIEW_TITLES)}")

    def _nothing(self, why: str) -> tuple[None, bool]:
        self.message.emit(f"Nothing to export: {why}")
        return None, False

    def _themed(self, figure: figures.Figure, fresh: bool = True) -> figures.Figure:
        """The window's theme (and presentation sizes) for the figure; a fresh copy also takes
        the window's palette."""
        style = self.window.themes.style()
        if not style.identity:
            if fresh:
                figure.widget.setPalette(self.window.palette())
            figure.style = style
        return figure

    def _with_figure(self, view: str, use: Callable[[figures.Figure], str]) -> bool:
        try:
            figure, fresh = self.figure(view)
            if figure is None:
                return False
            try:
                done = use(figure)
            finally:
                if fresh:
                    figure.widget.close()
                    figure.widget.deleteLater()
        except (ExperimentError, OSError) as err:
            self.show_error(str(err))
            return False
        self.message.emit(done)
        return True

    # --- actions ---------------------------------------------------------------------------
    def export(self, view: str, fmt: str) -> bool:
        """Ask where (and, for PNG, how big), then write ``view`` as ``fmt`` ("png" or "svg")."""
        title = figure_views.VIEW_TITLES[view]
        text = self.ask_size()
        if text is None:
            return False
        try:
            size = parse_pixels(text)
        except ExperimentError as err:
            self.show_error(str(err))
            return False
        self.settings.setValue("export/size", f"{size[0]}x{size[1]}")
        suggested = f"{slug(self.window.document.experiment.name)}_{view}.{fmt}"
        path = self.ask_path(f"Export {title} as {FORMATS[fmt]}", suggested, fmt)
        if not path:
            return False

        def write(figure: figures.Figure) -> str:
            figures.save(figure, path, size)
            return f"Exported {title} to {path} ({size[0]}x{size[1]})"
        return self._with_figure(view, write)

    def screen_size(self, view: str) -> tuple[int, int]:
        """The size ``view`` has in the window (at least 320 x 240)."""
        w = self.window
        widget = {"histograms": w.histograms, "training": w.training, "race": w.race.plot}.get(view)
        if widget is None:
            widget = w.diagnose.views[figure_views.DIAGNOSE_TABS[view]]
            widget = widget if widget.isVisible() else w.diagnose
        return max(widget.width(), 320), max(widget.height(), 240)

    def copy(self, view: str) -> bool:
        """Put ``view`` on the clipboard as an image of the size it has on screen."""
        size = self.screen_size(view)

        def put(figure: figures.Figure) -> str:
            figures.copy_to_clipboard(figure, size)
            return f"Copied {figure_views.VIEW_TITLES[view]} to the clipboard ({size[0]}x{size[1]})"
        return self._with_figure(view, put)

    def export_reproduction(self) -> bool:
        """Write the experiment as JSON and a short Python script that regenerates its numbers."""
        name = slug(self.window.document.experiment.name)
        path = self.ask_path("Export a reproduce script", f"reproduce_{name}.py", "py")
        if not path:
            return False
        try:
            json_path, script_path = write_reproduction(self.window.document.experiment, path)
        except (ExperimentError, OSError) as err:
            self.show_error(str(err))
            return False
        self.message.emit(f"Wrote {script_path} and {os.path.basename(json_path)} beside it")
        return True

    # --- menus -----------------------------------------------------------------------------
    def fill_menu(self, menu: QMenu) -> None:
        """One submenu per view (PNG…, SVG…, Copy to clipboard), then the reproduce script."""
        for view, title in figure_views.VIEW_TITLES.items():
            sub = menu.addMenu(title)
            for fmt, name in FORMATS.items():
                action = self._action(f"{name}…", lambda v=view, f=fmt: self.export(v, f))
                if (view, fmt) == ("histograms", "png"):
                    action.setShortcut(QKeySequence("Ctrl+E"))
                sub.addAction(action)
            sub.addAction(self._action("Copy to clipboard", lambda v=view: self.copy(v)))
        menu.addSeparator()
        menu.addAction(self._action("Reproduce script…", self.export_reproduction,
                                    "The experiment file and a short Python script that regenerates its numbers"))

    def _action(self, text: str, slot: Callable[[], Any], tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip or text)
        action.triggered.connect(lambda checked=False: slot())
        return action

    def add_copy_actions(self, widgets: dict[str, QWidget]) -> dict[str, QAction]:
        """"Copy figure" on the right-click menu of each view's widget."""
        actions = {}
        for view, widget in widgets.items():
            action = self._action("Copy figure", lambda v=view: self.copy(v),
                                  f"Copy the {figure_views.VIEW_TITLES[view]} figure to the clipboard")
            widget.addAction(action)
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            actions[view] = action
        return actions
