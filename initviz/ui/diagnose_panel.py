"""The Diagnose dock: tabs that explain *why* a net vanishes, explodes or stays symmetric.

Each tab is a view with ``show_frame(frame, labels)`` and ``needs() -> (kinds, extras)``: the
tensor kinds and ``engine.diagnostics.EXTRAS`` it draws from. Only the tab on screen (and the
advisor, whose findings badge the tab bar) asks the worker for anything, so hidden tabs cost
nothing; a tab brought forward asks for its extras and draws the next frame. While a drag
streams previews, the dock redraws at most every ``PREVIEW_REDRAW_MS`` (the histograms take
every frame): numbers slow enough to read, and the dock's own events in a 4 s drag of the
default net took ~140 ms of the GUI thread instead of ~340.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QTabWidget, QWidget

PREVIEW_REDRAW_MS = 200
ALWAYS = ("advice",)  # the advisor's findings are counted on its tab title whichever tab is shown


class DiagnosePanel(QTabWidget):
    """Tabs of diagnostic views; tells the live view what the worker must compute."""

    needs_changed = Signal()

    def __init__(self, views: dict[str, QWidget], advisor_title: str = "Advisor", parent: QWidget | None = None):
        super().__init__(parent)
        self.views = dict(views)
        self._advisor_title = advisor_title
        for title, view in self.views.items():
            self.addTab(view, title)
        self._frame: Any | None = None
        self._labels: list[str] = []
        self._drawn: set[str] = set()
        self.similarity_layer = 0
        self._drawn_at = -1e9
        self._later = QTimer(self, singleShot=True)
        self._later.timeout.connect(self._redraw)
        self.currentChanged.connect(self._on_tab)

    def current_title(self) -> str:
        return self.tabText(self.currentIndex()).split(" (")[0]

    def needs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Kinds and extras of the tab on screen, plus what is always computed."""
        view = self.views.get(self.current_title())
        kinds, extras = view.needs() if view is not None and hasattr(view, "needs") else ((), ())
        return tuple(kinds), tuple(dict.fromkeys(tuple(extras) + ALWAYS))

    def select_layer(self, layer: int | None) -> None:
        """The layer whose neuron similarity the symmetry tab shows (follows the selection)."""
        if layer is None or layer == self.similarity_layer:
            return
        self.similarity_layer = layer
        symmetry = self.views.get("Symmetry")
        if symmetry is not None and hasattr(symmetry, "set_layer"):
            symmetry.set_layer(layer)
        if self.current_title() == "Symmetry":
            self.needs_changed.emit()

    def show_frame(self, frame: Any, labels: list[str]) -> None:
        """Draw the tab on screen (and the advisor); other tabs draw when brought forward.
        A preview within ``PREVIEW_REDRAW_MS`` of the last redraw waits for that mark (a newer
        frame replaces it meanwhile); a whole-batch frame is drawn at once."""
        self._frame, self._labels, self._drawn = frame, list(labels), set()
        wait_ms = PREVIEW_REDRAW_MS - (time.perf_counter() - self._drawn_at) * 1000
        if getattr(frame, "preview_of", None) and wait_ms > 0:
            if not self._later.isActive():
                self._later.start(int(wait_ms) + 1)
            return
        self._redraw()

    def _redraw(self) -> None:
        self._later.stop()
        self._drawn_at = time.perf_counter()
        self._draw(self.current_title())
        if self._advisor_title in self.views:
            self._draw(self._advisor_title)
            self._badge()

    def _draw(self, title: str) -> None:
        view = self.views.get(title)
        if view is None or self._frame is None or title in self._drawn:
            return
        view.show_frame(self._frame, self._labels)
        self._drawn.add(title)

    def _badge(self) -> None:
        diagnostics = self._frame.diagnostics if self._frame is not None else None
        advice = diagnostics.advice if diagnostics is not None else None
        index = list(self.views).index(self._advisor_title)
        text = self._advisor_title if not advice else f"{self._advisor_title} ({len(advice)})"
        if self.tabText(index) != text:
            self.setTabText(index, text)

    def _on_tab(self) -> None:
        self._draw(self.current_title())  # the frame on screen, until one with this tab's extras comes
        self.needs_changed.emit()


def build_diagnose_panel(document: Any) -> DiagnosePanel:
    """The Diagnose dock's tabs, in the order a user reads them."""
    from initviz.ui.diag_advisor import AdvisorView
    from initviz.ui.diag_depth import DepthProfileView
    from initviz.ui.diag_jacobian import JacobianView
    from initviz.ui.diag_phase import PhaseDiagramView
    from initviz.ui.diag_symmetry import SymmetryView
    symmetry = SymmetryView()
    views: dict[str, QWidget] = {"Advisor": AdvisorView(document), "Depth profile": DepthProfileView(),
                                 "Phase diagram": PhaseDiagramView(document), "Symmetry": symmetry,
                                 "Jacobian": JacobianView()}
    panel = DiagnosePanel(views)
    symmetry.similarity_layer_requested.connect(panel.select_layer)
    return panel
