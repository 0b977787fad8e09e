"""SymmetryView: do a layer's neurons compute different things? (Diagnose dock)

Two pictures of ``frame.diagnostics`` (:mod:`initviz.engine.diagnostics`): distinct neurons
per layer (:class:`~initviz.ui.diag_symmetry_parts.DistinctBars`), and one layer's
neuron-by-neuron similarity matrix (:class:`~initviz.ui.diag_symmetry_parts.SimilarityMap`)
with a caption that says what it means ("1 distinct neuron of 256: the layer acts as a single
neuron"). A constant init shows a stub bar and an all-orange matrix; a random init full bars
and a mostly white matrix with an orange diagonal.

Picking a layer (a click on its bar or label, or the combo box) emits
``similarity_layer_requested(k)``; the container asks the worker for that layer's matrix
and forwards the main window's own layer selection to :meth:`SymmetryView.set_layer`.
The two pictures sit side by side in a wide dock and stacked in a tall one.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QBoxLayout, QComboBox, QGraphicsWidget, QHBoxLayout, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

from initviz.ui import diag_plot as dp
from initviz.ui import histogram_style as hs
from initviz.ui.concepts import tip
from initviz.ui.diag_symmetry_parts import DISTINCT, DUPLICATED, DistinctBars, SimilarityMap
from initviz.ui.histogram_widgets import TextBlock

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
WIDE = 1.3
LEGEND = " &nbsp; ".join(f'<span style="color:{c}">&#9632;</span> {text}' for c, text in (
    (DISTINCT, "all distinct"), (DUPLICATED, "some are copies"), (hs.BADGE, "NaN/±inf"),
    ("#a9adb3", "units")))  # width / height above which the two pictures sit side by side


def similarity_caption(symmetry: Sequence[Any] | None, layer: int, matrix: np.ndarray) -> list[str]:
    """What the matrix of ``layer`` says, in one or two lines for a projector."""
    shown = matrix.shape[0]
    units = symmetry[layer].units if symmetry is not None and layer < len(symmetry) else shown
    distinct = symmetry[layer].distinct if symmetry is not None and layer < len(symmetry) else None
    dead = getattr(symmetry[layer], "dead", 0) if distinct is not None else 0
    bad = int(np.isnan(np.diagonal(matrix)).sum())
    if bad == shown:
        lines = [f"no finite activations in layer {layer}:", "every unit has NaN or ±inf values (red)"]
    elif units == 1:
        lines = ["a single neuron: nothing to compare"]
    elif distinct is None:
        lines = [f"{units:,} neurons"]
    elif dead >= units:
        lines = [f"all {units:,} units are 0 on the whole batch:", "no signal passes this layer"]
    elif distinct == 1:
        lines = [f"1 distinct neuron of {units:,}:", "the layer acts as a single neuron (symmetry not broken)"]
    elif dead > 1 and units - distinct == dead - 1:
        lines = [f"{units - dead:,} live neurons, all distinct;", f"{dead:,} dead (0 on the whole batch, counted as one)"]
    elif distinct == units:
        lines = [f"{distinct:,} of {units:,} neurons distinct"]
    else:
        lines = [f"{distinct:,} of {units:,} neurons distinct:", f"{units - distinct:,} copy another neuron"]
    notes = []
    if 0 < bad < shown:
        notes.append(f"{bad:,} unit{'s' if bad > 1 else ''} with NaN/±inf activations (red)")
    if shown < units:
        notes.append(f"matrix of the first {shown:,} units")
    if notes:
        lines.append(" · ".join(notes))
    return lines


def nonfinite_layers(frame: Any | None) -> list[bool]:
    """Per layer: do its activations hold NaN or ±inf? (False where the frame has no summary.)"""
    flags = []
    for layer in getattr(frame, "layers", ()):
        summary = layer.summaries.get("activations")
        stats = summary.stats if summary is not None else {}
        flags.append(bool(stats.get("n_nan", 0) or stats.get("n_inf", 0)))
    return flags


def _canvas() -> pg.GraphicsLayoutWidget:
    canvas = pg.GraphicsLayoutWidget()
    canvas.setBackground(hs.BACKGROUND)
    canvas.ci.setContentsMargins(6, 4, 10, 4)
    return canvas


def _spacer() -> QGraphicsWidget:
    """Takes the width the square similarity plot leaves, half on each side."""
    spacer = QGraphicsWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    spacer.setPreferredWidth(0)
    return spacer


class SymmetryView(QWidget):
    """Distinct neurons per layer and one layer's similarity matrix, from ``frame.diagnostics``."""

    similarity_layer_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(hs.font(dp.LABEL_PT))
        self._bars = DistinctBars()
        self._map = SimilarityMap()
        self._bars_title = TextBlock(["distinct neurons per layer"], dp.TITLE_PT, bold=True, elastic=True)
        self._bars_legend = pg.LabelItem(LEGEND, size=f"{dp.TICK_PT:g}pt", color=hs.MUTED_TEXT)
        self._map_title = TextBlock([""], dp.TITLE_PT, bold=True, elastic=True)
        self._caption = TextBlock([dp.COMPUTING], dp.LABEL_PT, elastic=True)
        self._left, self._right = _canvas(), _canvas()
        for row, item in enumerate((self._bars_title, self._bars.plot, self._bars_legend)):
            self._left.ci.addItem(item, row=row, col=0)
        self._left.ci.layout.setRowStretchFactor(1, 1)
        self._right.ci.addItem(self._map_title, row=0, col=0, colspan=4)
        self._right.ci.addItem(_spacer(), row=1, col=0)
        self._right.ci.addItem(self._map.plot, row=1, col=1)
        self._right.ci.addItem(self._map.bar, row=1, col=2)
        self._right.ci.addItem(_spacer(), row=1, col=3)
        self._right.ci.addItem(self._caption, row=2, col=0, colspan=4)
        self._right.ci.layout.setRowStretchFactor(1, 1)
        self._combo = QComboBox()
        self._combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._combo.setToolTip(tip("symmetry_layer"))
        self._combo.activated.connect(self._request)  # user choices only: set_layer stays silent
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 8, 0)
        header.addWidget(QLabel("similarity matrix of layer"))
        header.addWidget(self._combo)
        header.addStretch(1)
        self._pictures = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._pictures.setSpacing(0)
        self._pictures.addWidget(self._left, 1)
        self._pictures.addWidget(self._right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addLayout(self._pictures, 1)
        self._left.scene().sigMouseClicked.connect(self._on_click)
        self._frame: Any | None = None
        self._labels: list[str] = []
        self._layer: int | None = None
        self._shown_layer: int | None = None
        self._show_diagnostics(None)

    # --- data ------------------------------------------------------------------------------

    def show_frame(self, frame: Any, labels: list[str]) -> None:
        """Draw ``frame.diagnostics`` (None, or without symmetry / similarity: "computing…")."""
        self._frame = frame
        self._labels = list(labels)
        self._fill_combo(len(frame.layers) if frame is not None else 0)
        self._show_diagnostics(getattr(frame, "diagnostics", None))

    def frame(self) -> Any | None:
        return self._frame

    def needs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(tensor kinds, ``diagnostics.EXTRAS``) the worker must compute for this view: the
        activation summaries only mark layers with NaN/±inf (without them no bar is red)."""
        return ("activations",), ("symmetry", "similarity")

    def _show_diagnostics(self, diagnostics: Any | None) -> None:
        symmetry = getattr(diagnostics, "symmetry", None)
        self._bars.show(symmetry, self._labels, nonfinite_layers(self._frame))
        matrix = getattr(diagnostics, "similarity", None)
        self._shown_layer = getattr(diagnostics, "similarity_layer", None) if matrix is not None else None
        if self._layer is None or (self._layer >= len(self._labels) and self._labels):
            self._layer = self._shown_layer
        if matrix is None:
            self._map.show(None)
            self._caption.set_lines([dp.COMPUTING])
        else:
            self._map.show(matrix)
            self._caption.set_lines(similarity_caption(symmetry, self._shown_layer, matrix))
        self._mark_layer()

    def _fill_combo(self, n: int) -> None:
        items = [self._labels[i] if i < len(self._labels) else str(i) for i in range(n)]
        if items != [self._combo.itemText(i) for i in range(self._combo.count())]:
            self._combo.clear()
            self._combo.addItems(items)

    # --- layer choice ----------------------------------------------------------------------

    def set_layer(self, layer: int | None) -> None:
        """Mark ``layer`` as the one whose matrix is wanted (no signal); the container asks the
        worker for it. The matrix shown stays the frame's until a frame with that layer arrives."""
        self._layer = layer
        self._mark_layer()

    def layer(self) -> int | None:
        """The layer asked for (clicked, chosen or set), None before any."""
        return self._layer

    def shown_layer(self) -> int | None:
        """The layer whose matrix is drawn, None when none is."""
        return self._shown_layer

    def request_layer(self, layer: int) -> None:
        """What a click on ``layer`` does: mark it and emit ``similarity_layer_requested``."""
        self._request(layer)

    def _request(self, layer: int) -> None:
        self._layer = layer
        self._mark_layer()
        self.similarity_layer_requested.emit(layer)

    def _mark_layer(self) -> None:
        self._bars.set_selected(self._layer)
        if self._layer is not None and 0 <= self._layer < self._combo.count():
            self._combo.setCurrentIndex(self._layer)
        if self._shown_layer is None:
            title = "neuron-by-neuron similarity over the batch"
        else:
            title = f"layer {self._shown_layer}: neuron-by-neuron similarity over the batch"
        lines = [title]
        if self._layer is not None and self._shown_layer is not None and self._layer != self._shown_layer:
            lines.append(f"(layer {self._layer} asked for: computing…)")
        self._map_title.set_lines(lines)

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        layer = self._bars.layer_at(event.scenePos())
        if layer is not None:
            event.accept()
            self._request(layer)

    # --- layout ----------------------------------------------------------------------------

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        wide = self.width() >= WIDE * self.height()
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._pictures.direction() != direction:
            self._pictures.setDirection(direction)

    # --- inspection (tests, export) --------------------------------------------------------

    def distinct_curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(layer indices, distinct neurons) as drawn by the bars."""
        distinct, _ = self._bars.bar_widths()
        return np.arange(len(distinct)), distinct

    def units_data(self) -> np.ndarray:
        """Units per layer as drawn (the grey bars)."""
        return self._bars.bar_widths()[1]

    def counts_text(self) -> list[str]:
        """The "distinct/units" labels at the right of the bars."""
        return [text for _, text in self._bars.right_ticks()]

    def row_labels(self) -> list[str]:
        return [text for _, text in self._bars.left_ticks()]

    def image_data(self) -> np.ndarray | None:
        """The matrix in the image (NaN where units are non-finite), None when none is drawn."""
        return self._map.data()

    def caption(self) -> str:
        return " ".join(self._caption.lines())

    def title(self) -> str:
        return " ".join(self._map_title.lines())

    def placeholders(self) -> tuple[str, str]:
        """The placeholder text over the bars and over the matrix ("" where data is drawn)."""
        return self._bars.placeholder.shown_text(), self._map.placeholder.shown_text()

    def is_side_by_side(self) -> bool:
        return self._pictures.direction() == QBoxLayout.Direction.LeftToRight

    def bar_plot(self) -> pg.PlotItem:
        return self._bars.plot

    def combo(self) -> QComboBox:
        return self._combo
