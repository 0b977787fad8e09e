"""The race's loss curves: every run's training loss overlaid on a log axis, while it trains.

Each curve is the mini-batch loss smoothed by the trailing mean that decides when a run
reaches the target (:func:`initviz.engine.race.smoothed`, ``race.SMOOTHING`` steps), so a
curve crosses the dashed target line exactly at its "steps to target" (marked ●). A run that
diverged ends in ✕ where its loss became NaN (at the top edge when its last finite loss is off
the chart). The legend, beside the plot so it never hides a curve, says how each run ended.
Curves are created once per slot and updated with setData; ranges are set here, never auto.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QSizePolicy

from initviz.engine import race
from initviz.ui import histogram_style as hs
from initviz.ui.diag_plot import LABEL_PT, LINE_PX, TICK_PT, CentredText, fixed_plot
from initviz.ui.histogram_items import cosmetic_pen
from initviz.ui.race_style import RaceRow, colour, legend_text, line_style

CURVE_PX = 3.0
SELECTED_PX = 6.0
MARKER_SIZE = 16
CROSS_SIZE = 24
TOP_FACTOR = 4.0  # the chart shows losses up to this many times the chance loss (or target)
CROSS_INSET = 1.12  # a ✕ off the chart sits this factor below the top edge, whole
DASH = 5.0  # length of a stalled curve's dash, in pen widths
EMPTY_TEXT = "Run the race to draw each scheme's loss."
SIDE_LEGEND_MIN_PX = 1000  # narrower than this, the legend goes under the plot in two columns


def displayed_loss(train_loss: np.ndarray) -> np.ndarray:
    """What a curve draws: the smoothed mini-batch loss; values a log axis cannot show are NaN."""
    y = race.smoothed(np.asarray(train_loss, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(y) & (y > 0), y, math.nan)


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks of a log axis from ``low`` to ``high`` (positions in log10): 1-2-5 steps within
    three decades, else powers of ten only; numbers written out (0.5, 2, 1e−4)."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    steps = (1, 2, 5) if math.log10(high / low) <= 3 else (1,)
    values = [m * 10.0**k for k in decades for m in steps if low <= m * 10.0**k <= high]
    if len(values) < 2:
        values = [m * 10.0**k for k in decades for m in range(1, 10) if low <= m * 10.0**k <= high]
    return [(math.log10(v), hs.format_number(v)) for v in values]


class LegendSample(pg.ItemSample):
    """A legend sample as wide as a few dashes and centred on its text; clicks do nothing
    (pyqtgraph's would hide the curve behind the view's back)."""

    WIDTH, HEIGHT = 44.0, 22.0

    def __init__(self, item: pg.PlotDataItem):
        super().__init__(item)
        self.setFixedWidth(self.WIDTH)
        self.setFixedHeight(self.HEIGHT)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.WIDTH, self.HEIGHT)

    def paint(self, painter, *args) -> None:
        pen = QPen(self.item.opts["pen"])
        if pen.style() == Qt.PenStyle.CustomDashLine:
            pen.setStyle(Qt.PenStyle.SolidLine)  # a stalled run's dashes take turns; its colour is what tells
        painter.setPen(pen)
        painter.drawLine(2, int(self.HEIGHT / 2), int(self.WIDTH) - 2, int(self.HEIGHT / 2))

    def mouseClickEvent(self, event) -> None:
        event.ignore()


class RacePlot(pg.GraphicsLayoutWidget):
    """Overlaid smoothed loss curves (log y), target line, ● where a run reaches it, ✕ where
    it diverged, and a legend with each run's outcome."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground(hs.BACKGROUND)
        self.plot = fixed_plot(left="training loss (log scale)", bottom="step")
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.getAxis("bottom").setStyle(maxTickLevel=0)  # a grid line per labelled step only
        self.plot.setTitle(f"Training loss, mean of the last {race.SMOOTHING} mini-batches",
                           color=hs.TEXT, size=f"{LABEL_PT + 1:g}pt")
        self.addItem(self.plot, 0, 0)
        self.legend = pg.LegendItem(labelTextSize=f"{TICK_PT + 1:g}pt", labelTextColor=hs.TEXT,
                                    sampleType=LegendSample, verSpacing=0)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._legend_beside: bool | None = None
        self._legend_texts: list[str] = []
        self._legend_key: tuple = ()
        self._shown: tuple[Sequence[RaceRow], bool] = ((), False)  # the rows on screen and their staleness
        self._data: list[np.ndarray] = []
        self._target_text = ""
        self._place_legend(beside=True)
        self.ci.layout.setColumnStretchFactor(0, 1)
        self.target_line = pg.InfiniteLine(angle=0, movable=False)
        self.plot.addItem(self.target_line, ignoreBounds=True)
        self.target_line.hide()
        self.target_sample = pg.PlotDataItem()  # the target's legend line; not drawn in the plot
        self.reached = self.plot.plot([], [], pen=None, symbol="o", symbolSize=MARKER_SIZE)
        self.crosses = self.plot.plot([], [], pen=None, symbol="x", symbolSize=CROSS_SIZE)
        for item in (self.reached, self.crosses):
            item.setZValue(20)
        self.curves: list[pg.PlotDataItem] = []
        self.placeholder = CentredText(self.plot.vb, EMPTY_TEXT)
        self.placeholder.show_text(EMPTY_TEXT)

    # --- public --------------------------------------------------------------------------------
    def show_race(self, rows: Sequence[RaceRow], steps: int, target: float | None, chance: float | None,
                  stale: bool = False, selected: int | None = None) -> None:
        """Draw ``rows`` (in race order: row i has colour i) on an x range of ``steps``."""
        while len(self.curves) < len(rows):
            curve = self.plot.plot([], [], connect="finite")
            curve.setZValue(10)
            self.curves.append(curve)
        self._data = [displayed_loss(row.train_loss) for row in rows]
        self._shown = (rows, stale)
        stalled = [i for i, row in enumerate(rows) if row.entry is not None and row.entry.stalled]
        for i, curve in enumerate(self.curves):
            if i < len(rows) and self._data[i].size:
                curve.setPen(self._pen(i, i == selected, stale, stalled))
                curve.setZValue(15 if i == selected else 10)
                curve.setData(np.arange(1, self._data[i].size + 1, dtype=np.float64), self._data[i])
                curve.show()
            else:
                curve.setData([], [])
                curve.hide()
        low, high = self._y_range(target, chance)
        self.plot.setXRange(0, max(1, steps), padding=0.01)
        self.plot.setYRange(math.log10(low), math.log10(high), padding=0)
        self.plot.getAxis("left").setTicks([log_ticks(low, high), []])
        self._show_target(target, stale)
        self._show_markers(rows, target, high, stale)
        self._show_legend(rows, stale)
        if rows:
            self.placeholder.hide()
        else:
            self.placeholder.show_text(EMPTY_TEXT)

    def curve_data(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) drawn by curve ``index`` (what setData received)."""
        curve = self.curves[index]
        return np.asarray(curve.xData if curve.xData is not None else []), \
            np.asarray(curve.yData if curve.yData is not None else [])

    def marker_data(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, losses) of the ``"reached"`` ● or ``"diverged"`` ✕ markers."""
        item = self.reached if which == "reached" else self.crosses
        return np.asarray(item.xData if item.xData is not None else []), \
            np.asarray(item.yData if item.yData is not None else [])

    def legend_texts(self) -> list[str]:
        return list(self._legend_texts)

    def target_text(self) -> str:
        """The target's legend line ("" when there is no target)."""
        return self._target_text

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if hasattr(self, "legend"):  # pyqtgraph's constructor resizes before ours has run
            self._place_legend(beside=self.width() >= SIDE_LEGEND_MIN_PX)

    # --- inside --------------------------------------------------------------------------------
    def _place_legend(self, beside: bool) -> None:
        """Beside the plot when there is room, so it never hides a curve; else under it."""
        if beside == self._legend_beside:
            return
        if self._legend_beside is not None:
            self.ci.removeItem(self.legend)
        self._legend_beside = beside
        self._legend_key = ()
        self.legend.setColumnCount(1 if beside else 2)
        self.ci.addItem(self.legend, *((0, 1) if beside else (1, 0)))
        self.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._show_legend(*self._shown)  # short lines under the plot, long ones beside it

    def _fit_legend(self) -> None:
        size = self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        self.legend.setFixedWidth(size.width())
        self.legend.setFixedHeight(size.height())
        self.ci.layout.invalidate()  # LegendItem.updateSize moved it to (0, 0): the grid places it again,
        self.ci.layout.activate()  # now, so a picture taken before the next event loop pass is right

    @staticmethod
    def _pen(index: int, selected: bool, stale: bool, stalled: list[int]) -> QPen:
        """The run's colour; a stalled run is dashed, and several stalled runs (flat at the
        same chance loss, on top of each other) take turns along the line so each one shows."""
        pen = cosmetic_pen(colour(index, stale), SELECTED_PX if selected else CURVE_PX)
        pen.setStyle(line_style(index))
        if index in stalled:
            k, j = len(stalled), stalled.index(index)
            pen.setDashPattern([DASH, DASH * max(1, k - 1)])
            pen.setDashOffset(-DASH * j)
        return pen

    def _y_range(self, target: float | None, chance: float | None) -> tuple[float, float]:
        values = np.concatenate([d[np.isfinite(d)] for d in self._data] + [np.empty(0)])
        marks = [v for v in (target, chance) if v is not None and v > 0 and math.isfinite(v)]
        top = TOP_FACTOR * max(marks) if marks else math.inf
        values = np.concatenate([values, marks])
        if values.size == 0:
            return 0.1, 10.0
        low, high = float(values.min()), min(float(values.max()), top)
        return low / 1.25, max(high * 1.25, low * 4)

    def _show_target(self, target: float | None, stale: bool) -> None:
        """The dashed line across the chart; its value is the legend's first line (a label in
        the chart would sit on some curve)."""
        if target is None or not (target > 0 and math.isfinite(target)):
            self.target_line.hide()
            self._target_text = ""
            return
        pen = pg.mkPen(hs.GHOST_LINE if stale else hs.LAW, width=LINE_PX, style=Qt.PenStyle.DashLine)
        self.target_line.setPen(pen)
        self.target_sample.setPen(pen)
        self.target_line.setValue(math.log10(target))
        self.target_line.show()
        self._target_text = f"target loss {hs.format_number(target)}"

    def _show_markers(self, rows: Sequence[RaceRow], target: float | None, top: float, stale: bool) -> None:
        reached: list[tuple[float, float, int]] = []
        crosses: list[tuple[float, float, int]] = []
        for i, row in enumerate(rows):
            entry, y = row.entry, self._data[i]
            if entry is None:
                continue
            if entry.diverged:
                finite = y[:entry.history.diverged_at - 1]
                finite = finite[np.isfinite(finite)]
                last = min(float(finite[-1]), top / CROSS_INSET) if finite.size else top / CROSS_INSET
                crosses.append((float(entry.history.diverged_at), last, i))
            elif entry.steps_to_target is not None:
                reached.append((float(entry.steps_to_target), float(y[entry.steps_to_target - 1]), i))
        for item, points in ((self.reached, reached), (self.crosses, crosses)):
            if not points:
                item.setData([], [])
                continue
            x, y, who = zip(*points)
            item.setData(np.array(x), np.array(y), symbolBrush=[colour(i, stale) for i in who],
                         symbolPen=[cosmetic_pen(hs.LAW if not stale else hs.GHOST_LINE, 1.5) for _ in who])

    def _show_legend(self, rows: Sequence[RaceRow], stale: bool) -> None:
        """Rebuilt only when a line's text, the runs or the staleness change (not per frame)."""
        texts = [legend_text(row, short=not self._legend_beside) for row in rows]
        shown = [i for i in range(len(rows)) if self._data[i].size]
        key = (tuple(texts), tuple(shown), stale, self._target_text)
        self._legend_texts = texts
        if key == self._legend_key:
            return
        self._legend_key = key
        self.legend.clear()
        if self._target_text and shown:
            self.legend.addItem(self.target_sample, self._target_text)
        for i in shown:
            self.legend.addItem(self.curves[i], texts[i])
        for sample, label in self.legend.items:
            label.setText(label.text, color=hs.blend(hs.TEXT, "#ffffff", 0.5) if stale else hs.TEXT)
            self.legend.layout.setAlignment(sample, Qt.AlignmentFlag.AlignVCenter)
        self._fit_legend()
