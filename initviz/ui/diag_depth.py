"""Depth profile: how the spread of signals and gradients changes layer by layer, measured
beside the mean-field prediction (Poole et al. 2016; Schoenholz et al. 2017).

Solid lines are measured on the simulated batch, dashed lines are the theory of
``engine.theory.predict``: activation std √(E[φ²] − E[φ]²) at the predicted q^l, and gradient
std from the predicted backward factors fan_out·Var(W)·E[φ'(z)²]. The grad:data ratio is
std(∂L/∂W) / std(W). The table under the plot gives every number and measured ÷ theory.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from initviz.ui import histogram_style as hs

NEEDS_KINDS = ("weights", "activations", "activation_grads", "weight_grads")
NEEDS_EXTRAS = ("theory",)
COLUMNS = ("layer", "act std", "theory", "÷", "grad std", "theory", "÷", "grad:data", "phase")
SERIES = {  # name: (legend, colour, dashed)
    "activations": ("activation std (measured)", hs.KIND_COLOURS["activations"], False),
    "activations_theory": ("activation std (theory)", hs.KIND_COLOURS["activations"], True),
    "gradients": ("gradient std ∂L/∂a (measured)", hs.KIND_COLOURS["activation_grads"], False),
    "gradients_theory": ("gradient std (theory)", hs.KIND_COLOURS["activation_grads"], True),
    "grad_data": ("grad:data  std(∂L/∂W) / std(W)", hs.KIND_COLOURS["weight_grads"], False),
}


def positive_or_nan(values: list[Any]) -> np.ndarray:
    """Values a log axis can show; zero, negative, missing or non-finite become NaN (a gap)."""
    out = np.array([v if isinstance(v, (int, float)) else math.nan for v in values], dtype=np.float64)
    out[~np.isfinite(out) | (out <= 0)] = math.nan
    return out


def _std(layer: Any, kind: str) -> float | None:
    summary = layer.summaries.get(kind)
    return None if summary is None else summary.stats["std"]


def measured_profile(frame: Any) -> dict[str, list[float | None]]:
    """Per layer: activation std, gradient std and std(dW)/std(W), from the frame's statistics."""
    acts, grads, ratio = [], [], []
    for layer in frame.layers:
        acts.append(_std(layer, "activations"))
        grads.append(_std(layer, "activation_grads"))
        w, dw = _std(layer, "weights"), _std(layer, "weight_grads")
        ratio.append(dw / w if w and dw is not None and math.isfinite(w) and math.isfinite(dw) else None)
    return {"activations": acts, "gradients": grads, "grad_data": ratio}


def theory_profile(theory: Any) -> dict[str, list[float | None]]:
    """Per layer: predicted activation std and gradient std (None where the theory does not apply)."""
    acts = [t.activation_std if t.applies else None for t in theory]
    grads = [math.sqrt(t.grad_var) if t.applies and t.grad_var >= 0 else None for t in theory]
    return {"activations_theory": acts, "gradients_theory": grads}


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.3g}"


def _ratio(measured: Any, predicted: Any) -> str:
    if not measured or not predicted or not math.isfinite(measured) or not math.isfinite(predicted):
        return "—"
    return f"×{measured / predicted:.2f}"


class DepthProfileView(QWidget):
    """Std of activations and gradients against layer index (log scale), with theory dashed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._canvas = pg.GraphicsLayoutWidget()
        self._canvas.setBackground(hs.BACKGROUND)
        self.plot = self._canvas.addPlot()
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "layer")
        self.plot.setLabel("left", "std (log scale)")
        legend = pg.LegendItem(labelTextSize="11pt", labelTextColor=hs.TEXT, colCount=2)
        self._canvas.nextRow()
        self._canvas.addItem(legend)  # under the plot: a legend inside it would hide the top layers
        self.curves: dict[str, pg.PlotDataItem] = {}
        for name, (title, colour, dashed) in SERIES.items():
            pen = pg.mkPen(colour, width=3, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
            symbol = None if dashed else "o"
            self.curves[name] = self.plot.plot([], [], pen=pen, symbol=symbol, symbolSize=7,
                                               symbolBrush=colour, symbolPen=None, connect="finite")
            legend.addItem(self.curves[name], title)
        for axis in ("bottom", "left"):
            self.plot.getAxis(axis).setTickFont(hs.font(11))
            # An SI prefix on a log axis rescales the tick labels ("(x1e+18)" beside 1e-13 … 1e-3):
            # every std then reads 1e18 times too small.
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        # Room for the widest tick ("0.001", "10⁻¹⁰") beside the title: pyqtgraph widens an axis
        # only after a paint, so a first picture (an export) had them overlap.
        self.plot.getAxis("left").setWidth(78)
        self.note = QLabel(wordWrap=True)
        self.note.setStyleSheet(f"color: {hs.MUTED_TEXT}; font-size: 11pt;")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._canvas, 3)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 2)
        self._data: dict[str, np.ndarray] = {}

    def needs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Kinds and diagnostics extras this view draws from."""
        return NEEDS_KINDS, NEEDS_EXTRAS

    def show_frame(self, frame: Any, labels: list[str]) -> None:
        """Draw ``frame``'s profile (``labels`` unused: the x axis and the table give layer indices)."""
        measured = measured_profile(frame)
        diagnostics = frame.diagnostics
        theory = diagnostics.theory if diagnostics is not None and diagnostics.theory is not None else None
        predicted = theory_profile(theory) if theory is not None else {k: [] for k in ("activations_theory",
                                                                                           "gradients_theory")}
        x = np.arange(len(frame.layers), dtype=np.float64)
        for name, values in {**measured, **predicted}.items():
            y = positive_or_nan(values)
            self._data[name] = y
            curve = self.curves[name]
            if np.isfinite(y).any():
                curve.setData(x[: len(y)], y)
                curve.show()
            else:
                curve.setData([], [])
                curve.hide()
        self.note.setText(self._note(theory, frame))
        self._fill_table(frame, labels, measured, predicted, theory)

    def curve_data(self, name: str) -> np.ndarray:
        """The values plotted for one series (NaN where nothing is drawn)."""
        return self._data.get(name, np.array([]))

    @staticmethod
    def _note(theory: Any, frame: Any) -> str:
        parts = []
        if theory is None:
            parts.append("Theory: computing…")
        else:
            broken = next((t.reason for t in theory if not t.applies), "")
            if broken:
                parts.append(f"Theory not drawn: {broken}.")
            elif theory:
                t = theory[-1]
                trend = ""
                if t.phase == "critical" or abs(t.depth_scale) > 1e4:
                    trend = ": gradient variance neither shrinks nor grows with depth"
                elif math.isfinite(t.depth_scale) and t.depth_scale != 0:
                    way = "shrinks" if t.depth_scale > 0 else "grows"
                    trend = f": gradient variance {way} by a factor e every {abs(t.depth_scale):.3g} layers"
                parts.append(f"Mean-field: χ₁ = {t.chi1:.3g} at the last layer's fixed point → {t.phase}{trend}.")
        if frame.preview_of:
            parts.append(f"Measured on a preview of {frame.rows} of {frame.preview_of} rows.")
        return " ".join(parts)

    def _fill_table(self, frame: Any, labels: list[str], measured: dict, predicted: dict, theory: Any) -> None:
        n = len(frame.layers)
        self.table.setRowCount(n)
        for i in range(n):
            act_t = predicted["activations_theory"][i] if i < len(predicted["activations_theory"]) else None
            grad_t = predicted["gradients_theory"][i] if i < len(predicted["gradients_theory"]) else None
            act, grad = measured["activations"][i], measured["gradients"][i]
            phase = theory[i].phase if theory is not None and i < len(theory) and theory[i].applies else "—"
            cells = (str(i), _fmt(act), _fmt(act_t), _ratio(act, act_t),
                     _fmt(grad), _fmt(grad_t), _ratio(grad, grad_t), _fmt(measured["grad_data"][i]), phase)
            for column, text in enumerate(cells):
                item = self.table.item(i, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(i, column, item)
                if item.text() != text:
                    item.setText(text)

    def table_text(self) -> list[list[str]]:
        """The table as text, row by row (for tests and export)."""
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]
