"""The two pictures of :class:`~initviz.ui.diag_symmetry.SymmetryView`.

- :class:`DistinctBars`: per layer, horizontal bars on a log₂ count axis — a grey bar for the
  layer's units and in front of it a bar for its distinct neurons, so "all distinct" reads as
  a full bar and a symmetric layer as a stub at 1. Layer labels on the left (one row per layer,
  top to bottom, as in the histogram grid), "distinct/units" on the right.
- :class:`SimilarityMap`: the units × units cosine-similarity matrix of one layer on a
  diverging map from −1 (blue) through 0 (white) to +1 (orange), with a colour bar. Units with
  non-finite activations (NaN rows and columns) show in red, the house colour of non-finite
  values, which the diverging map does not use.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGraphicsRectItem, QSizePolicy

from initviz.ui import diag_plot as dp
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_items import NO_PEN, cosmetic_pen

DISTINCT = "#2166ac"  # every neuron distinct: the symmetry is broken
DUPLICATED = "#b35806"  # some neurons are copies of others: the orange of similarity +1
UNITS = "#d2d4d8"
BAR_THICKNESS = 0.7
LOG_FLOOR = 0.6  # the count axis starts below 1, so a single distinct neuron is a visible stub
TICK_PX = 46.0  # a count label ("1,024") needs this many pixels
ROW_PX = 20.0  # a row label needs this many pixels; rows closer than that share labels
DIVERGING = ((0.0, "#2166ac"), (0.25, "#92c5de"), (0.5, "#f7f7f7"), (0.75, "#fdb863"), (1.0, "#b35806"))


def diverging_map() -> pg.ColorMap:
    """Blue (−1) – white (0) – orange (+1): colour-blind safe, and leaves red to non-finite units."""
    return pg.ColorMap([p for p, _ in DIVERGING], [QColor(c) for _, c in DIVERGING])


def count_ticks(max_units: int, width_px: float = 1e9) -> list[tuple[float, str]]:
    """Ticks at powers of two from 1 up to ``max_units`` (log₁₀ positions), both ends always,
    between them every 2nd, 3rd, … power so that labels are about TICK_PX apart over ``width_px``."""
    top = max(int(math.ceil(math.log2(max(max_units, 1)))), 0)
    decades = math.log10(2**top) - math.log10(LOG_FLOOR)
    per_power = width_px * math.log10(2) / decades if decades > 0 else width_px
    step = max(1, math.ceil(TICK_PX / max(per_power, 1e-9)))
    powers = [p for p in range(0, top + 1, step) if p == 0 or top - p >= step] + ([top] if top > 0 else [])
    return [(math.log10(2**p), f"{2**p:,}") for p in powers]


def row_step(rows: int, height_px: float) -> int:
    """Label every n-th row so labels are at least ROW_PX apart (1, 2, 5, 10, 20, … )."""
    if rows <= 0 or height_px <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if height_px * step / rows >= ROW_PX:
            return step
    return max(rows // 2, 1)


def labelled_rows(rows: int, step: int, must: set[int]) -> list[int]:
    """The rows ``must`` and every ``step``-th row that keeps ``step`` rows away from them."""
    extra = [i for i in range(0, rows, step) if all(abs(i - m) >= step for m in must)]
    return sorted(set(extra) | {m for m in must if 0 <= m < rows})


def row_label(label: str) -> str:
    """"3 · tanh · xavier_uniform · 256" → "3 · tanh · xavier_uniform": the units are on the right."""
    parts = label.split(" · ")
    return " · ".join(parts[:-1]) if len(parts) >= 4 else label


class DistinctBars:
    """Distinct neurons per layer; ``layer_at`` maps a click to a layer."""

    def __init__(self) -> None:
        self.plot = dp.fixed_plot(bottom="distinct neurons (log scale)")
        self.plot.showAxis("right")
        dp.style_axis(self.plot.getAxis("right"))
        self.plot.invertY(True)
        vb = self.plot.vb
        self.selection = QGraphicsRectItem()
        self.selection.setPen(cosmetic_pen(hs.SELECTION, dp.LINE_PX))
        self.selection.setBrush(QBrush(QColor(hs.SELECTED_ROW)))
        self.selection.setZValue(-10)
        self.selection.hide()
        vb.addItem(self.selection, ignoreBounds=True)
        self.units = pg.BarGraphItem(x0=[], y=[], height=BAR_THICKNESS, width=[], brush=UNITS, pen=NO_PEN)
        self.distinct = pg.BarGraphItem(x0=[], y=[], height=BAR_THICKNESS * 0.6, width=[], brushes=[], pen=NO_PEN)
        for z, item in enumerate((self.units, self.distinct)):
            item.setZValue(z)
            vb.addItem(item)
        self.placeholder = dp.CentredText(vb)
        vb.sigResized.connect(self._label_rows)
        self._labels: list[str] = []
        self._counts: list[tuple[int, int]] = []
        self._nonfinite: list[bool] = []
        self._selected: int | None = None
        self._ticks: tuple[list, list] = ([], [])
        self._max_units = 1

    def show(self, symmetry: Sequence[Any] | None, labels: Sequence[str],
             nonfinite: Sequence[bool] = ()) -> None:
        """Bars for ``symmetry`` (LayerSymmetry per layer); None: the "computing…" placeholder.
        ``nonfinite[i]``: layer i has NaN/±inf activations — its units then are not copies of one
        another but unmeasurable, so its bar is red and labelled so."""
        if symmetry is None:
            self._counts, self._nonfinite = [], []
            for item in (self.units, self.distinct, self.selection):
                item.hide()
            self._label_rows()
            self.placeholder.show_text(dp.COMPUTING)
            return
        self.placeholder.hide()
        self._counts = [(int(s.distinct), int(s.units)) for s in symmetry]
        self._copies = [int(getattr(s, "copies", s.units - s.distinct)) for s in symmetry]
        n = len(self._counts)
        self._labels = [labels[i] if i < len(labels) else str(i) for i in range(n)]
        self._nonfinite = [bool(nonfinite[i]) if i < len(nonfinite) else False for i in range(n)]
        rows = np.arange(n, dtype=np.float64)
        base = math.log10(LOG_FLOOR)
        units = np.array([u for _, u in self._counts], dtype=np.float64)
        distinct = np.array([d for d, _ in self._counts], dtype=np.float64)
        self.units.setOpts(x0=np.full(n, base), y=rows, width=np.log10(np.maximum(units, LOG_FLOOR)) - base)
        self.distinct.setOpts(x0=np.full(n, base), y=rows, brushes=[QBrush(QColor(self._colour(i))) for i in range(n)],
                              width=np.log10(np.maximum(distinct, LOG_FLOOR)) - base)
        self.units.show()
        self.distinct.show()
        self._max_units = int(units.max(initial=1.0))
        top = math.log10(2 ** math.ceil(math.log2(max(self._max_units, 2))))
        self.plot.setRange(xRange=(base, top + 0.08 * (top - base)), yRange=(-0.5, max(n, 1) - 0.5), padding=0.0)
        self.set_selected(self._selected)

    def _colour(self, layer: int) -> str:
        if self._nonfinite[layer]:
            return hs.BADGE
        return DUPLICATED if self._copies[layer] else DISTINCT  # dead units are alike, not copies

    def _label_rows(self, *_: Any) -> None:
        """Row labels (thinned to fit, the first, last and selected layers always) and counts."""
        n = len(self._counts)
        must = {0, n - 1} | ({self._selected} if self._selected is not None and self._selected < n else set())
        rows = labelled_rows(n, row_step(n, self.plot.vb.height()), must if n else set())
        left = [(float(i), row_label(self._labels[i])) for i in rows]
        right = [(float(i), self._count_text(i)) for i in rows]
        bottom = count_ticks(self._max_units, self.plot.vb.width()) if n else []
        self._ticks = (left, right)
        for name, ticks in (("left", left), ("right", right), ("bottom", bottom)):
            axis = self.plot.getAxis(name)
            axis.setTicks([ticks, []])
            if name != "bottom":
                dp.fit_axis_width(axis, [text for _, text in ticks])

    def _count_text(self, layer: int) -> str:
        distinct, units = self._counts[layer]
        return f"{distinct:,}/{units:,}" + (" NaN/±inf" if self._nonfinite[layer] else "")

    def set_selected(self, layer: int | None) -> None:
        self._selected = layer
        self._label_rows()
        if layer is None or not 0 <= layer < len(self._counts):
            self.selection.hide()
            return
        (x0, x1), _ = self.plot.vb.viewRange()
        self.selection.setRect(QRectF(x0, layer - 0.5, x1 - x0, 1.0))
        self.selection.show()

    def layer_at(self, scene_pos: QPointF) -> int | None:
        """The layer row under a scene position over the plot or its axes, None elsewhere."""
        if not self._counts or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        y = self.plot.vb.mapSceneToView(scene_pos).y()
        layer = int(math.floor(y + 0.5))
        return layer if 0 <= layer < len(self._counts) else None

    def counts(self) -> list[tuple[int, int]]:
        return list(self._counts)

    def bar_widths(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct, units) as drawn, converted back from the log axis."""
        if not self._counts:
            return np.zeros(0), np.zeros(0)
        base = math.log10(LOG_FLOOR)
        return (10 ** (np.asarray(self.distinct.opts["width"]) + base),
                10 ** (np.asarray(self.units.opts["width"]) + base))

    def left_ticks(self) -> list[tuple[float, str]]:
        """(row, layer label) on the left axis (thinned when rows are dense)."""
        return list(self._ticks[0]) if self._counts else []

    def right_ticks(self) -> list[tuple[float, str]]:
        """(row, "distinct/units") on the right axis."""
        return list(self._ticks[1]) if self._counts else []


def unit_ticks(units: int, most: int = 7) -> list[tuple[float, str]]:
    """Unit indices at pixel centres (unit i spans [i, i + 1]), at most ``most`` or so of them."""
    step = next((c for c in (1, 2, 5, 10, 20, 50, 100, 200, 500) if units / c <= most), 1000)
    return [(i + 0.5, str(i)) for i in range(0, units, step)]


class SimilarityMap:
    """One layer's similarity matrix as an image, with a colour bar and a red underlay for NaN."""

    def __init__(self) -> None:
        self.plot = dp.fixed_plot(left="unit", bottom="unit")
        self.plot.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        cmap = diverging_map()
        self.image.setLookupTable(cmap.getLookupTable(nPts=256))
        self.image.setLevels((-1.0, 1.0))
        self.nonfinite = QGraphicsRectItem()  # NaN pixels are transparent: this shows through them
        self.nonfinite.setBrush(QBrush(QColor(hs.BADGE)))
        self.nonfinite.setPen(NO_PEN)
        self.nonfinite.setZValue(-1)
        self.plot.vb.addItem(self.nonfinite)
        self.plot.vb.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=cmap, interactive=False, width=22,
                                   colorMapMenu=False, pen=cosmetic_pen(hs.AXIS, 1.0))
        dp.style_axis(self.bar.axis, "cosine similarity")
        ticks = [(-1.0, "−1"), (-0.5, "−0.5"), (0.0, "0"), (0.5, "0.5"), (1.0, "1")]
        self.bar.axis.setTicks([ticks, []])
        dp.fit_axis_width(self.bar.axis, [text for _, text in ticks])  # ColorBarItem's 45 px is too narrow
        self.placeholder = dp.CentredText(self.plot.vb)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.plot.vb.sigResized.connect(self._fit_square)
        self._data: np.ndarray | None = None

    def _fit_square(self, *_: Any) -> None:
        """Keep matrix cells square: cap the plot's width so the image is as wide as it is tall
        (the layout's spacers take the rest); a narrow plot stays as it is."""
        view = self.plot.vb.rect()
        wanted = self.plot.size().width() - view.width() + view.height()
        if abs(wanted - self.plot.maximumWidth()) > 1.0:
            self.plot.setMaximumWidth(wanted)

    def show(self, matrix: np.ndarray | None, placeholder: str = dp.COMPUTING) -> None:
        if matrix is None or matrix.size == 0:
            self._data = None
            self.image.hide()
            self.nonfinite.hide()
            self.placeholder.show_text(placeholder)
            self._set_ticks([])
            return
        self.placeholder.hide()
        self._data = np.asarray(matrix, dtype=np.float64)
        n = self._data.shape[0]
        self.image.setImage(self._data, autoLevels=False, levels=(-1.0, 1.0))
        self.image.setRect(QRectF(0.0, 0.0, float(n), float(n)))
        self.nonfinite.setRect(QRectF(0.0, 0.0, float(n), float(n)))
        self.nonfinite.setVisible(bool(np.isnan(self._data).any()))
        self.image.show()
        self.plot.setRange(xRange=(0.0, float(n)), yRange=(0.0, float(n)), padding=0.0)
        self._set_ticks(unit_ticks(n))

    def _set_ticks(self, ticks: list[tuple[float, str]]) -> None:
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setTicks([ticks, []])

    def data(self) -> np.ndarray | None:
        return None if self._data is None else self._data.copy()
