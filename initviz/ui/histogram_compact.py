"""The compact view for deep stacks: per kind one layer × value heatmap, and a detail row.

Each heatmap row is one layer's histogram re-binned onto common edges over the column's
shared range and scaled to its own maximum, so the shape of every layer reads at any depth
and the drift of the range with depth shows as the picture narrowing or spreading. The
columns past the data hold a red strip for layers with NaN/±inf values; a layer with no
finite values at all is tinted. Under the heatmaps, the full histograms of the layer under
the mouse (or the last clicked one).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QLinearGradient, QPainter
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsRectItem, QGraphicsWidget, QSizePolicy

from initviz.ui import histogram_data as hd
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_cell import HistogramCell
from initviz.ui.histogram_items import ValueAxis, cosmetic_pen
from initviz.ui.histogram_widgets import LayerAxis, TextBlock
from initviz.ui.histogram_grid import cell_range, column_ranges, column_spans, ghost_summary

BINS = hd.COMPACT_BINS
STRIP = 6  # columns of the non-finite strip at the right end of each heatmap
GAP = 1
MAX_LAYER_TICKS = 20


def with_strip_room(x_range: hd.Span) -> hd.Span:
    """Extend a range to the right so that GAP + STRIP of BINS columns lie past the data."""
    lo, hi = x_range
    return lo, lo + (hi - lo) * BINS / (BINS - GAP - STRIP)


def heat_image(hists: list[Any], fractions: list[float], x_range: hd.Span, log: bool, lut: np.ndarray) -> np.ndarray:
    """Layers × BINS × RGBA: the per-row normalised density, tinted rows without finite values,
    and the strip whose red deepens with the share of non-finite values."""
    rows = hd.heat_rows(hists, x_range, log, BINS)
    empty = np.isnan(rows).all(axis=1)
    index = np.clip(np.nan_to_num(rows, nan=0.0) * (len(lut) - 1), 0, len(lut) - 1).round().astype(np.intp)
    rgba = lut[index]
    no_data = QColor(hs.NO_DATA)
    rgba[empty] = (no_data.red(), no_data.green(), no_data.blue(), 255)
    rgba[:, BINS - STRIP - GAP:] = 255
    for i, fraction in enumerate(fractions):
        if fraction > 0:
            c = hs.blend(hs.BADGE, "#ffffff", 0.6 * (1.0 - fraction))
            rgba[i, BINS - STRIP:] = (c.red(), c.green(), c.blue(), 255)
    return rgba


def layer_ticks(n: int) -> list[tuple[float, str]]:
    """Row centres labelled with the layer index, thinned to at most MAX_LAYER_TICKS labels."""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        step = candidate
        if math.ceil(n / candidate) <= MAX_LAYER_TICKS:
            break
    return [(i + 0.5, str(i)) for i in range(0, n, step)]


class HeatLegend(QGraphicsWidget):
    """"0 [ramp] row max   ■ NaN/±Inf": what the colours of one heatmap mean."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self._lut = hs.kind_ramp(kind, 8)
        self._font = hs.font(9.5)
        self._metrics = QFontMetricsF(self._font)
        self._high = "row max"
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_log(self, log: bool) -> None:
        high = "row max (log)" if log else "row max"
        if high != self._high:
            self._high = high
            self.updateGeometry()
            self.update()

    def sizeHint(self, which: Qt.SizeHint, constraint: QSizeF = QSizeF()) -> QSizeF:
        height = self._metrics.height() + 8
        if which == Qt.SizeHint.MinimumSize:
            return QSizeF(60, height)
        if which == Qt.SizeHint.MaximumSize:
            return QSizeF(1e6, height)
        return QSizeF(60, height)

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        painter.setFont(self._font)
        painter.setPen(QColor(hs.MUTED_TEXT))
        h, width = self.rect().height(), self.rect().width()
        advance = self._metrics.horizontalAdvance
        text = advance("0") + advance(self._high) + 14
        nan_part = 33 + advance("NaN/±Inf")
        show_nan = width - text - nan_part >= 30
        x = 2.0
        painter.drawText(QPointF(x, h - 7), "0")
        x += advance("0") + 5
        bar = QRectF(x, 4, max(20.0, min(90.0, width - text - (nan_part if show_nan else 0))), h - 9)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for i, (r, g, b, _) in enumerate(self._lut):
            gradient.setColorAt(i / (len(self._lut) - 1), QColor(int(r), int(g), int(b)))
        painter.fillRect(bar, QBrush(gradient))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        x = bar.right() + 5
        painter.drawText(QPointF(x, h - 7), self._high)
        if show_nan:
            x += advance(self._high) + 16
            painter.fillRect(QRectF(x, 4, 12, h - 9), QColor(hs.BADGE))
            painter.drawText(QPointF(x + 17, h - 7), "NaN/±Inf")


class Heatmap:
    """One kind's layer × value image with hover and selection outlines."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.lut = hs.kind_ramp(kind)
        self.view = pg.ViewBox(enableMouse=False, enableMenu=False, invertY=True, defaultPadding=0.0)
        self.view.setBackgroundColor(hs.CELL_BACKGROUND)
        self.view.disableAutoRange()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image, ignoreBounds=True)
        self.hover = self._outline(hs.HOVER, 1.5, 5)
        self.selection = self._outline(hs.SELECTION, 2.5, 6)
        self.x_range: hd.Span = (-1.0, 1.0)
        self.rows = 0

    def _outline(self, colour: str, width: float, z: float) -> QGraphicsRectItem:
        rect = QGraphicsRectItem()
        rect.setPen(cosmetic_pen(colour, width))
        rect.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        rect.setZValue(z)
        rect.hide()
        self.view.addItem(rect, ignoreBounds=True)
        return rect

    def show(self, rgba: np.ndarray, x_range: hd.Span) -> None:
        self.x_range, self.rows = x_range, rgba.shape[0]
        self.image.setImage(rgba, autoLevels=False)
        self.image.setRect(QRectF(x_range[0], 0.0, x_range[1] - x_range[0], float(self.rows)))
        self.view.setRange(xRange=x_range, yRange=(0.0, float(self.rows)), padding=0.0)

    def mark(self, outline: QGraphicsRectItem, layer: int | None) -> None:
        if layer is None or layer >= self.rows:
            outline.hide()
            return
        lo, hi = self.x_range
        outline.setRect(QRectF(lo, float(layer), hi - lo, 1.0))
        outline.show()

    def layer_at(self, scene_pos: QPointF) -> int | None:
        if not self.rows or not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        y = self.view.mapSceneToView(scene_pos).y()
        return int(min(max(math.floor(y), 0), self.rows - 1))


class CompactView(QGraphicsWidget):
    """Heatmaps side by side over a shared layer axis, legends, and a detail row beneath."""

    def __init__(self, parent: QGraphicsWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGraphicsGridLayout(self)
        self._grid.setContentsMargins(6, 4, 10, 4)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(4)
        self._kinds: tuple[str, ...] = hs.DEFAULT_KINDS
        self._parts: dict[str, dict[str, Any]] = {}
        self._layer_axis = LayerAxis()
        self._detail_title = TextBlock(point_size=12, bold=True, align=Qt.AlignmentFlag.AlignLeft
                                       | Qt.AlignmentFlag.AlignVCenter)
        self._laid_out: tuple[str, ...] | None = None
        self.hovered: int | None = None
        self.selected: int | None = None
        self._state: dict[str, Any] | None = None

    # --- structure -------------------------------------------------------------------------

    def kinds(self) -> tuple[str, ...]:
        return self._kinds

    def heatmap(self, kind: str) -> Heatmap:
        return self._parts[kind]["heatmap"]

    def detail_cell(self, kind: str) -> HistogramCell:
        return self._parts[kind]["detail"]

    def detail_title(self) -> str:
        return " ".join(self._detail_title.lines())

    def set_kinds(self, kinds: tuple[str, ...]) -> None:
        self._kinds = tuple(kinds)
        for kind in self._kinds:
            if kind not in self._parts:
                self._parts[kind] = {
                    "title": TextBlock([hs.KIND_TITLES[kind]], point_size=13, bold=True, colour=hs.KIND_COLOURS[kind],
                                       elastic=True),
                    "heatmap": Heatmap(kind), "axis": ValueAxis(), "legend": HeatLegend(kind),
                    "detail": HistogramCell(kind, detail=True), "detail_axis": ValueAxis(),
                }
                self._parts[kind]["detail"].view.setMinimumHeight(130)
        if self._laid_out != self._kinds:
            self._relayout()

    def _relayout(self) -> None:
        while self._grid.count():
            self._grid.removeAt(self._grid.count() - 1)
        for item in self.childItems():
            if isinstance(item, QGraphicsWidget):
                item.hide()
        for col, kind in enumerate(self._kinds, start=1):
            parts = self._parts[kind]
            parts["detail"].attach_axis(parts["detail_axis"])
            for row, key in enumerate(("title", "heatmap", "axis", "legend")):
                self._place(parts[key] if key != "heatmap" else parts[key].view, row, col)
            self._place(parts["detail"].view, 5, col)
            self._place(parts["detail_axis"], 6, col)
            self._grid.setColumnStretchFactor(col, 1)
        if self._kinds:
            self._layer_axis.linkToView(self._parts[self._kinds[0]]["heatmap"].view)
        self._place(self._layer_axis, 1, 0)
        self._grid.addItem(self._detail_title, 4, 0, 1, len(self._kinds) + 1)
        self._detail_title.show()
        for row, stretch in enumerate((0, 5, 0, 0, 0, 2, 0)):
            self._grid.setRowStretchFactor(row, stretch)
        self._laid_out = self._kinds
        self._grid.activate()  # place the items now: a grab or a click may come before the event loop runs

    def _place(self, item: QGraphicsWidget, row: int, col: int) -> None:
        self._grid.addItem(item, row, col)
        item.show()

    # --- data ------------------------------------------------------------------------------

    def update_frame(self, frame: Any, labels: list[str], ghost: Any | None, log: bool, shared: bool) -> None:
        """Apply a frame: every heatmap, the layer axis, and the detail row."""
        self.set_kinds(self._kinds)
        n = len(frame.layers)
        columns = {k: with_strip_room(r) for k, r in column_ranges(frame, self._kinds).items()}
        spans = column_spans(frame, self._kinds)
        for kind in self._kinds:
            summaries = [layer.summaries[kind] for layer in frame.layers]
            rgba = heat_image([s.histogram for s in summaries], [hd.nonfinite_fraction(s) for s in summaries],
                              columns[kind], log, self._parts[kind]["heatmap"].lut)
            self._parts[kind]["heatmap"].show(rgba, columns[kind])
            self._parts[kind]["axis"].setRange(*columns[kind])
            for axis in ("axis", "detail_axis"):  # no value scale where no value is finite
                self._parts[kind][axis].setVisible(spans[kind] is not None)
            self._parts[kind]["legend"].set_log(log)
        self._layer_axis.setTicks([layer_ticks(n)])
        if self.selected is not None and self.selected >= n:
            self.selected = None
        if self.hovered is not None and self.hovered >= n:
            self.hovered = None
        self._state = {"frame": frame, "labels": labels, "ghost": ghost, "log": log, "shared": shared,
                       "columns": columns}
        self._show_detail()

    def detail_layer(self) -> int:
        """The layer shown under the heatmaps: hovered, else selected, else the first."""
        return self.hovered if self.hovered is not None else (self.selected if self.selected is not None else 0)

    def _show_detail(self) -> None:
        state = self._state
        if state is None:
            return
        layer = self.detail_layer()
        frame, labels = state["frame"], state["labels"]
        label = labels[layer] if layer < len(labels) else str(layer)
        how = "under the mouse" if self.hovered is not None else ("selected" if self.selected is not None
                                                                  else "hover a row, click to keep it")
        self._detail_title.set_lines([f"layer {label}   ({how})"])
        layer_frame = frame.layers[layer]
        for kind in self._kinds:
            summary = layer_frame.summaries[kind]
            g = ghost_summary(state["ghost"], layer, kind)
            x_range = state["columns"][kind] if state["shared"] else cell_range(summary)
            cell = self._parts[kind]["detail"]
            cell.layer = layer
            cell.show(summary, x_range, state["log"], ghost=g,
                      law=layer_frame.weight_law if kind == "weights" else None)
            heat = self._parts[kind]["heatmap"]
            heat.mark(heat.hover, self.hovered if self.hovered != self.selected else None)
            heat.mark(heat.selection, self.selected)

    # --- interaction -----------------------------------------------------------------------

    def layer_at(self, scene_pos: QPointF) -> int | None:
        for kind in self._kinds:
            layer = self._parts[kind]["heatmap"].layer_at(scene_pos)
            if layer is not None:
                return layer
        return None

    def set_hovered(self, layer: int | None) -> None:
        if layer != self.hovered:
            self.hovered = layer
            self._show_detail()

    def set_selected(self, layer: int | None) -> None:
        if layer != self.selected:
            self.selected = layer
            self._show_detail()
