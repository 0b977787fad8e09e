"""Table models of an LSUV run: one row per layer, and the step log (every measurement).

Layers that did not converge — rescaled ``max_iter`` times, or stopped because Var(z) was 0
or not finite — are highlighted with their reason, in both tables. Models, not item
widgets: a long run (1000 layers × many rescales) stays cheap to show.
"""

from __future__ import annotations

import html
import math
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from initviz.engine import advisor_wording as say
from initviz.engine import lsuv
from initviz.ui import histogram_style as hs

Index = QModelIndex | QPersistentModelIndex
STATUS_TEXT = {lsuv.CONVERGED: "converged", lsuv.MAX_ITER: "hit max_iter",
               lsuv.ZERO_VARIANCE: "stopped: Var(z) = 0", lsuv.NON_FINITE: "stopped: not finite"}
HIGHLIGHT = {lsuv.MAX_ITER: "#fff1b8", lsuv.ZERO_VARIANCE: "#fdd9d7", lsuv.NON_FINITE: "#fdd9d7"}
NOTES_STOPPED = 4  # stopped layers explained one by one under the table; the rest in tooltips
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def number(x: float) -> str:
    """Four significant digits, so a converged Var(z) reads 0.9731 and not 1."""
    return f"{x:.4g}" if math.isfinite(x) else str(x)


class _ResultModel(QAbstractTableModel):
    COLUMNS: tuple[str, ...] = ()
    NUMERIC: frozenset[int] = frozenset()

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.result: lsuv.LsuvResult | None = None
        self.labels: list[str] = []

    def set_result(self, result: lsuv.LsuvResult | None, labels: Sequence[str] = ()) -> None:
        self.beginResetModel()
        self.result, self.labels = result, list(labels)
        self._rebuild()
        self.endResetModel()

    def _rebuild(self) -> None:
        pass

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def _decorate(self, index: Index, role: int, status: str, reason: str) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and status in HIGHLIGHT:
            return QColor(HIGHLIGHT[status])
        if role == Qt.ItemDataRole.ForegroundRole and status in HIGHLIGHT:
            return QColor(hs.TEXT)
        if role == Qt.ItemDataRole.ToolTipRole:
            return reason
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.NUMERIC:
            return int(RIGHT)
        return None

    def label(self, layer: int) -> str:
        return self.labels[layer] if layer < len(self.labels) else f"layer {layer}"


class LsuvLayerModel(_ResultModel):
    """Per layer: its label, how it ended, the rescales, the final gain and Var(z); the reason
    a layer did not converge is its tooltip (and the dialog's notes)."""

    COLUMNS = ("Layer", "Status", "Rescales", "Final gain", "Final Var(z)", "|Var(z) − 1|")
    NUMERIC = frozenset({2, 3, 4, 5})

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.result is None else len(self.result.layers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.result is None:
            return None
        layer = self.result.layers[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return self.label(index.row())
            if col == 1:
                return STATUS_TEXT.get(layer.status, layer.status)
            if col == 2:
                return str(layer.rescales)
            return number((layer.gain, layer.variance, abs(layer.variance - 1))[col - 3])
        return self._decorate(index, role, layer.status, layer.reason)


class LsuvStepModel(_ResultModel):
    """Every measurement in order: layer, iteration, Var(z), gain → new gain."""

    COLUMNS = ("Layer", "Iteration", "Var(z)", "Gain → new gain")
    NUMERIC = frozenset({0, 1, 2})

    def _rebuild(self) -> None:
        self._first: dict[int, int] = {}
        for row, step in enumerate(self.result.steps if self.result is not None else ()):
            self._first.setdefault(step.layer, row)

    def first_row(self, layer: int) -> int | None:
        """The row of ``layer``'s first measurement (its orthonormal start)."""
        return self._first.get(layer)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.result is None else len(self.result.steps)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.result is None:
            return None
        step = self.result.steps[index.row()]
        layer = self.result.layers[step.layer]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return str(step.layer)
            if col == 1:
                return str(step.iteration)
            if col == 2:
                return number(step.variance)
            if step.rescaled:
                return f"{number(step.gain)} → {number(step.new_gain)}"
            return f"{number(step.gain)} (final: {STATUS_TEXT.get(layer.status, layer.status)})"
        return self._decorate(index, role, layer.status, f"{self.label(step.layer)}: {layer.reason}")


def problem_notes(result: lsuv.LsuvResult) -> str:
    """Rich text: why the highlighted layers did not converge, grouped by how they stopped."""
    lines = []
    capped = [i for i, layer in enumerate(result.layers) if layer.status == lsuv.MAX_ITER]
    if capped:
        worst = max(abs(result.layers[i].variance - 1) for i in capped)
        lines.append(f"<b>{say.capital(say.layers(capped))}</b>: hit max_iter — still |Var(z) − 1| up to "
                     f"{worst:.3g} ≥ tol {result.tol:g} after {result.max_iter} rescales; raise max_iter or tol.")
    stopped = [i for i, layer in enumerate(result.layers) if layer.status not in (lsuv.CONVERGED, lsuv.MAX_ITER)]
    for i in stopped[:NOTES_STOPPED]:
        lines.append(f"<b>Layer {i}</b>: {html.escape(result.layers[i].reason)}.")
    if len(stopped) > NOTES_STOPPED:
        lines.append(f"… and {say.layers(stopped[NOTES_STOPPED:])} stopped too (each row's tooltip says why).")
    return "<br>".join(lines)


def summary_text(result: lsuv.LsuvResult) -> str:
    """One line: how many layers converged, and the range of the gains."""
    n = len(result.layers)
    bad = [i for i, layer in enumerate(result.layers) if layer.status != lsuv.CONVERGED]
    gains = f"gains {say.span(result.gains)}"
    if not bad:
        return f"All {n} layers converged: |Var(z) − 1| < {result.tol:g} · {gains}."
    return (f"{n - len(bad)} of {n} layers converged; {say.layers(bad)} did not (highlighted, with the reason) · "
            f"{gains}. Apply still sets every layer's last gain.")
