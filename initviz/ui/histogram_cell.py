"""One histogram cell: a tensor's histogram in a small, fixed-range plot area.

A :class:`HistogramCell` is a bare plot area (:class:`CellView`: no axes, menu or mouse
zoom) holding shapes created once and updated with ``setData``: the step histogram (opaque
fill), the ghost behind it with its outline in front, the promised density and atoms for
weights, a stats line, the value range (when the cell has no axis) and a red non-finite
badge, placed in pixel coordinates. Ranges are always set here, never auto-ranged (FACTS.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor

from initviz.engine.distributions import Distribution
from initviz.engine.stats import Histogram, TensorSummary
from initviz.ui import histogram_data as hd
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_items import CellView, LineShape, StaticTextItem, StepShape, ValueAxis, cosmetic_pen
from initviz.ui.histogram_widgets import Badge

TEXT_MARGIN = 4.0
GRID_HEADROOM = 1.32  # the top quarter of a cell stays free for its text
DETAIL_HEADROOM = 1.18


class HistogramCell:
    """One tensor's histogram; ``show`` draws a summary, the getters report what is drawn."""

    def __init__(self, kind: str, layer: int = 0, point_size: float = 9.5, detail: bool = False) -> None:
        self.kind = kind
        self.layer = layer
        self.headroom = DETAIL_HEADROOM if detail else GRID_HEADROOM
        self.view = CellView(frame=hs.CELL_FRAME)
        self.view.setMinimumSize(24, 12)
        colour = hs.KIND_COLOURS[kind]
        # The ghost: filled behind the current histogram, its outline in front of it.
        self.ghost = StepShape(brush=QBrush(QColor(hs.GHOST_FILL)), outline_pen=cosmetic_pen(hs.GHOST_LINE, 1.0))
        # a 1 px outline: wider cosmetic pens take Qt's stroker path, 5x slower for 60 cells
        self.curve = StepShape(pen=cosmetic_pen(colour, 1.0), brush=QBrush(hs.blend(colour, amount=0.35)))
        self.law = LineShape(cosmetic_pen(hs.LAW, 2.0)) if kind == "weights" else None
        self.atoms = LineShape(cosmetic_pen(hs.LAW, 2.5), pairs=True) if kind == "weights" else None
        layers = [self.ghost.item, self.curve.item, self.ghost.outline]
        layers += [shape.item for shape in (self.law, self.atoms) if shape is not None]
        for z, item in enumerate(layers):
            item.setZValue(z)
            item.hide()
            self.view.addItem(item)
        self.stats = StaticTextItem(self.view, hs.font(point_size), hs.TEXT)
        self.range_text = StaticTextItem(self.view, hs.font(point_size - 0.5), hs.MUTED_TEXT)
        self.badge = Badge(self.view, point_size)
        for item in (self.stats, self.range_text):
            item.setZValue(20)
        self.view.sigResized.connect(self._place_texts)
        self.axis: ValueAxis | None = None
        self._range: tuple[float, float, float, float] | None = None
        self._law_key: tuple | None = None
        self._law_peak = 0.0

    # --- drawing ---------------------------------------------------------------------------

    def show(self, summary: TensorSummary, x_range: hd.Span, log: bool, ghost: TensorSummary | None = None,
             law: Distribution | None = None, show_range: bool = False) -> None:
        """Draw ``summary`` (and the ghost / law when given) over ``x_range``; ``show_range`` writes
        the finite min … max in the cell (for cells without an axis of their own)."""
        hist = summary.histogram
        y_max = 0.0
        if hist.n_binned:
            y = hd.y_values(hist.counts, log)
            self.curve.setData(hist.edges, y)
            self.curve.show()
            y_max = float(y.max())
        else:
            self.curve.hide()
        if self.law is not None:
            y_max = max(y_max, self._show_law(law, hist, x_range, log))
        ghost_max = self._show_ghost(ghost, hist, log)
        if y_max <= 0:
            y_max = ghost_max
        self._set_range(x_range, y_max * self.headroom if y_max > 0 else 1.0)
        self._set_texts(summary, show_range)

    def _show_law(self, law: Distribution | None, hist: Histogram, x_range: hd.Span, log: bool) -> float:
        key = (law, hist.n_binned, hd.bin_width(hist), x_range, log)
        if key != self._law_key:  # else the law and its scale are the same as last frame
            self._law_key = key
            self._law_peak = self._draw_law(law, hist, x_range, log)
        return self._law_peak

    def _draw_law(self, law: Distribution | None, hist: Histogram, x_range: hd.Span, log: bool) -> float:
        peak = 0.0
        curve = hd.law_curve(law, hist, x_range)
        if curve is None:
            self.law.hide()
        else:
            y = hd.y_values(curve[1], log)
            self.law.setData(curve[0], y)
            self.law.show()
            peak = float(y.max())
        ax, ay = hd.atom_segments(law, hist)
        if ax.size:
            ay = hd.y_values(ay, log)
            self.atoms.setData(ax, ay)
            self.atoms.show()
            peak = max(peak, float(ay.max()))
        else:
            self.atoms.hide()
        return peak

    def _show_ghost(self, ghost: TensorSummary | None, current: Histogram, log: bool) -> float:
        if ghost is None or ghost.histogram.n_binned == 0:
            self.ghost.hide()
            return 0.0
        g = ghost.histogram
        y = hd.y_values(g.counts * hd.ghost_scale(current, g), log)
        self.ghost.setData(g.edges, y)
        self.ghost.show()
        return float(y.max())

    def _set_range(self, x_range: hd.Span, y_top: float) -> None:
        wanted = (x_range[0], x_range[1], 0.0, y_top)
        if wanted == self._range:
            return
        if self.axis is not None:
            self.axis.setRange(*x_range)
        self._range = wanted
        self.view.setRange(xRange=x_range, yRange=(0.0, y_top))

    def attach_axis(self, axis: ValueAxis | None) -> None:
        """Keep ``axis`` showing this cell's x-range (None detaches)."""
        self.axis = axis
        if axis is not None and self._range is not None:
            axis.setRange(*self._range[:2])

    def _set_texts(self, summary: TensorSummary, show_range: bool) -> None:
        s = summary.stats
        span = hd.finite_span(summary) if show_range else None
        texts = (hs.stats_text(self.kind, s),
                 hs.badge_text(s.get("n_nan", 0), s.get("n_posinf", 0), s.get("n_neginf", 0)),
                 f"{hs.format_number(span[0])} … {hs.format_number(span[1])}" if span else "")
        if texts != (self.stats.text(), self.badge.text(), self.range_text.text()):
            self.stats.setText(texts[0])
            self.badge.set_text(texts[1])
            self.range_text.setText(texts[2])
            self._place_texts()

    def _place_texts(self, *_: Any) -> None:
        """Stats at the top right; range and badge stacked at the top left, or under the stats
        when the cell is too narrow for both."""
        width = self.view.size().width()
        box = self.stats.boundingRect()
        self.stats.setPos(QPointF(max(width - box.width() - TEXT_MARGIN, TEXT_MARGIN), 1.0))
        left = [item for item in (self.range_text, self.badge) if item.text()]
        if not left:
            return
        widest = max(item.boundingRect().width() for item in left)
        y = 2.0 if widest + box.width() + 3 * TEXT_MARGIN <= width else box.height() + 2.0
        for item in left:
            item.setPos(TEXT_MARGIN, y)
            y += item.boundingRect().height() + 1.0

    # --- inspection (tests, export) --------------------------------------------------------

    def curve_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(edges, heights) of the drawn histogram, None when nothing finite is drawn."""
        return self.curve.getData() if self.curve.drawn() else None

    def ghost_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self.ghost.getData() if self.ghost.drawn() else None

    def law_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self.law.getData() if self.law is not None and self.law.drawn() else None

    def atom_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self.atoms.getData() if self.atoms is not None and self.atoms.drawn() else None

    def x_range(self) -> tuple[float, float]:
        return tuple(self.view.viewRange()[0])

    def y_range(self) -> tuple[float, float]:
        return tuple(self.view.viewRange()[1])

    def stats_line(self) -> str:
        return self.stats.text()

    def badge_line(self) -> str:
        return self.badge.text()

    def range_line(self) -> str:
        return self.range_text.text()

    def scene_rect(self) -> QRectF:
        return self.view.sceneBoundingRect()
