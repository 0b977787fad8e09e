"""The training dock's time plots: loss, accuracy, update:data ratio per layer, and one layer's
distribution over training (TensorBoard-style bands).

Each plot is built once per dock and updated with ``setData`` as a run's history grows. The
x axis spans the whole run from its start, so the curve crawls left to right towards the
end; y ranges are set from the data (no auto-range, FACTS.md). A vertical cursor marks the
snapshot chosen on the scrubber. Curve values are kept in their own units (``curve_data``)
for tests and export; log axes get only positive finite values (others are gaps).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from initviz.ui import histogram_style as hs
from initviz.ui.diag_plot import LINE_PX, TITLE_PT, CentredText, fit_axis_width, fixed_plot, style_axis

TRAIN = "#2166ac"
HELD_OUT = "#d07a10"
GUIDE = "#6e7278"
CURSOR = "#111111"
SMOOTHING = 20  # steps in the trailing mean of the per-step training loss
GUIDE_RATIO = 1e-3  # Karpathy's rule of thumb for std(ΔW)/std(W)


def pen(colour: Any, width: float = LINE_PX, dashed: bool = False) -> Any:
    return pg.mkPen(colour, width=width, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)


def trailing_mean(values: np.ndarray, window: int = SMOOTHING) -> np.ndarray:
    """Mean of the last ``window`` values at each position (fewer at the start); NaN once a
    non-finite value enters the window."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values.copy()
    clean = np.where(np.isfinite(values), values, 0.0)
    bad = np.cumsum(~np.isfinite(values))
    total = np.cumsum(clean)
    start = np.maximum(np.arange(values.size) - window + 1, 0)
    lower = np.where(start > 0, total[start - 1], 0.0)
    lower_bad = np.where(start > 0, bad[start - 1], 0)
    out = (total - lower) / (np.arange(values.size) - start + 1)
    out[bad - lower_bad > 0] = math.nan
    return out


LEGEND_PT = 11.0


def title(text: str, legend: list[tuple[str, str]] = ()) -> str:
    """A plot title followed by coloured legend entries ("━ train", "━ held-out")."""
    parts = [f"<span style='color:{hs.TEXT}'><b>{text}</b></span>"]
    parts += [f"<span style='color:{colour}; font-size:{LEGEND_PT:g}pt'>━&nbsp;{name}</span>" for name, colour in legend]
    return "&nbsp;&nbsp;".join(parts)


def band_key(colour: str) -> str:
    """The bands' key for the x axis label: a swatch and a name per band (the line is the mean)."""
    swatches = [f"<span style='color:{hs.blend(colour, amount=a).name()}'>█</span>&nbsp;{name}" for name, a in BAND_NAMES]
    return "step &nbsp; " + "&nbsp; ".join(swatches)


def free_title_width(plot: pg.PlotItem) -> None:
    """Let the layout give the title less width than its text (the text is then cut): pyqtgraph
    makes a title's full width the plot's minimum, which pushes a grid past its window."""
    label = plot.titleLabel
    update_min = label.updateMin

    def updated() -> None:
        update_min()
        label.setMinimumWidth(0)
        height = label._sizeHint[Qt.SizeHint.MinimumSize][1]
        label._sizeHint[Qt.SizeHint.MinimumSize] = label._sizeHint[Qt.SizeHint.PreferredSize] = (0, height)
        label.updateGeometry()

    label.updateMin = updated


class LogAxis(pg.AxisItem):
    """A log axis labelled at powers of ten (also at 2× and 5× when it spans under 2.5 decades),
    at most ~6 labels, written as plain numbers (0.001, 1e−5): pyqtgraph's own labels every
    minor tick and they overlap."""

    def logTickValues(self, minVal: float, maxVal: float, size: float, stdTicks: Any) -> list:
        lo, hi = sorted((minVal, maxVal))
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 600:
            return []
        self._span = hi - lo
        decades = range(math.floor(lo), math.ceil(hi) + 1)
        inside = [d for d in decades if lo <= d <= hi]
        step = max(1, math.ceil(len(inside) / 6))
        major = [float(d) for d in inside if d % step == 0]
        minor = [d + math.log10(m) for d in decades for m in range(2, 10) if lo <= d + math.log10(m) <= hi]
        return [(1.0, major), (None, minor if step == 1 and self._span < 8 else [])]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        labelled = {0.0, math.log10(2), math.log10(5)} if getattr(self, "_span", 10) < 2.5 else {0.0}
        out = []
        for v in values:
            fraction = v - math.floor(v + 1e-9)
            show = any(abs(fraction - f) < 1e-6 or abs(fraction - f - 1) < 1e-6 for f in labelled)
            out.append(hs.format_number(10.0 ** v) if show else "")
        return out


def positive(values: Any) -> np.ndarray:
    """A float64 copy in which zero, negative and non-finite values are NaN (gaps on a log axis)."""
    out = np.array(values, dtype=np.float64).ravel()
    out[~np.isfinite(out) | (out <= 0)] = math.nan
    return out


def log_range(*arrays: np.ndarray) -> tuple[float, float] | None:
    """log10 of the smallest and largest positive finite value, a little apart."""
    values = np.concatenate([positive(a) for a in arrays]) if arrays else np.array([])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    lo, hi = math.log10(values.min()), math.log10(values.max())
    pad = max(0.05 * (hi - lo), 0.1)
    return lo - pad, hi + pad


class TimePlot:
    """A fixed plot over training steps with a snapshot cursor and a centred note."""

    def __init__(self, left: str, log_y: bool = False):
        self.plot = fixed_plot(left=left, bottom="step")
        if log_y:
            axis = LogAxis("left")
            self.plot.setAxisItems({"left": axis})
            style_axis(axis, left)
        self.plot.setLogMode(x=False, y=log_y)
        fit_axis_width(self.plot.getAxis("left"), ["0.0005"])  # one width: the plots line up
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        free_title_width(self.plot)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pen(CURSOR, LINE_PX, dashed=True))
        self.cursor.setZValue(50)
        self.cursor.hide()
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self.note = CentredText(self.plot.vb)
        self.data: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def curve(self, colour: Any, width: float = LINE_PX, dashed: bool = False, symbol: str | None = None,
              z: float = 0) -> pg.PlotDataItem:
        item = self.plot.plot([], [], pen=pen(colour, width, dashed), connect="finite", symbol=symbol, symbolSize=8,
                              symbolBrush=colour, symbolPen=None)
        item.setZValue(z)
        return item

    def set_title(self, text: str, legend: list[tuple[str, str]] = ()) -> None:
        self.plot.setTitle(title(text, legend), size=f"{TITLE_PT:g}pt")

    def set_steps(self, total: int) -> None:
        self.plot.setXRange(0, max(total, 1), padding=0.02)

    def set_cursor(self, step: int | None) -> None:
        if step is None:
            self.cursor.hide()
        else:
            self.cursor.setValue(step)
            self.cursor.show()

    def put(self, name: str, item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray, log: bool = False) -> None:
        """Show ``y`` over ``x`` (kept as given in :attr:`data`); a log axis sees positive values only."""
        self.data[name] = (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        shown = positive(y) if log else np.asarray(y, dtype=np.float64)
        if np.isfinite(shown).any():
            item.setData(np.asarray(x, dtype=np.float64), shown)
            item.show()
        else:
            item.setData([], [])
            item.hide()


class LossPlot(TimePlot):
    """Per-step training loss (faint raw, dark smoothed) and held-out loss at each snapshot, log y;
    the dashed line is the chance loss (the best constant guess)."""

    def __init__(self) -> None:
        super().__init__("loss (log scale)", log_y=True)
        self.set_title("loss", [("train", TRAIN), ("held-out", HELD_OUT)])
        self.raw = self.curve(hs.blend(TRAIN, amount=0.7), LINE_PX, z=1)
        self.smoothed = self.curve(TRAIN, 3.0, z=2)
        for item in (self.raw, self.smoothed):  # long runs: draw about one point per pixel, extremes kept
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        self.held_out = self.curve(HELD_OUT, 3.0, symbol="o", z=3)
        self.chance = pg.InfiniteLine(angle=0, movable=False, pen=pen(GUIDE, LINE_PX, dashed=True),
                                      label="chance", labelOpts={"position": 0.98, "color": GUIDE,
                                                                 "anchors": [(1, 0), (1, 0)]})  # under the line
        self.chance.label.setFont(hs.font(11))
        self.plot.addItem(self.chance, ignoreBounds=True)
        self.plot.setYRange(-2, 1)  # 0.01 to 10 until there is data
        self._chance = math.nan
        self.set_chance(math.nan)

    def set_chance(self, value: float) -> None:
        self._chance = value
        if value > 0 and math.isfinite(value):
            self.chance.setValue(math.log10(value))
            self.chance.show()
        else:
            self.chance.hide()

    def show_history(self, history: Any) -> None:
        self.put("train", self.raw, history.steps, history.train_loss, log=True)
        self.put("train_smoothed", self.smoothed, history.steps, trailing_mean(history.train_loss), log=True)
        self.put("held_out", self.held_out, history.eval_steps, history.test_loss, log=True)
        span = log_range(history.train_loss, history.test_loss, np.array([self._chance]))
        if span is not None:
            self.plot.setYRange(*span, padding=0)


class AccuracyPlot(TimePlot):
    """Training-rows and held-out accuracy (%) at each snapshot; dashed: chance (1/classes)."""

    def __init__(self) -> None:
        super().__init__("accuracy %")
        self.set_title("accuracy", [("train", TRAIN), ("held-out", HELD_OUT)])
        self.train = self.curve(TRAIN, 3.0, symbol="o", z=2)
        self.held_out = self.curve(HELD_OUT, 3.0, symbol="o", z=3)
        self.chance = pg.InfiniteLine(angle=0, movable=False, pen=pen(GUIDE, LINE_PX, dashed=True),
                                      label="chance", labelOpts={"position": 0.98, "color": GUIDE,
                                                                 "anchors": [(1, 1), (1, 1)]})
        self.chance.label.setFont(hs.font(11))
        self.chance.hide()
        self.plot.addItem(self.chance, ignoreBounds=True)
        self.plot.setYRange(-3, 103, padding=0)  # 0 and 100 inside the range keep their tick labels

    def set_classes(self, n_classes: int | None) -> None:
        if n_classes:
            self.chance.setValue(100.0 / n_classes)
            self.chance.show()
            self.note.hide()
        else:
            self.chance.hide()
            self.note.show_text("regression: no accuracy")

    def show_history(self, history: Any) -> None:
        self.put("train", self.train, history.eval_steps, 100.0 * history.train_acc)
        self.put("held_out", self.held_out, history.eval_steps, 100.0 * history.test_acc)


class RatioPlot(TimePlot):
    """std(ΔW)/std(W) of the last update, per layer over training (log y), with the ~1e-3 guide:
    far below, the layer hardly learns; far above, its weights are being thrown about."""

    def __init__(self) -> None:
        super().__init__("std(ΔW) / std(W)", log_y=True)
        self.set_title("update : data ratio", [("chosen layer", CURSOR)])
        self.plot.setLabel("bottom", "step · lines: first layer dark → last light",
                           color=hs.AXIS, **{"font-size": f"{LEGEND_PT:g}pt"})
        self.guide = pg.InfiniteLine(angle=0, movable=False, pos=math.log10(GUIDE_RATIO),
                                     pen=pen(GUIDE, LINE_PX, dashed=True), label="~1e−3 rule of thumb",
                                     labelOpts={"position": 0.02, "color": hs.MUTED_TEXT, "anchors": [(0, 1), (0, 1)],
                                                "fill": hs.BACKGROUND})
        self.guide.label.setFont(hs.font(11))
        self.guide.setZValue(20)  # the label stays readable above the curves
        self.plot.addItem(self.guide, ignoreBounds=True)
        self.plot.setYRange(-5, -1)
        self.note.at_top = True  # the guide runs through the middle
        self.lines: list[pg.PlotDataItem] = []
        self.chosen = 0
        self._colours = pg.colormap.get("viridis")

    def _ensure(self, n: int) -> None:
        while len(self.lines) < n:
            self.lines.append(self.curve(hs.GHOST_LINE))
        for i, line in enumerate(self.lines):
            if i >= n:
                line.setData([], [])
                line.hide()

    def _style(self, n: int) -> None:
        for i in range(n):
            chosen = i == self.chosen
            colour = CURSOR if chosen else self._colours.map(0.8 * i / max(n - 1, 1), mode="qcolor")
            self.lines[i].setPen(pen(colour, 4.0 if chosen else LINE_PX))
            self.lines[i].setZValue(10 if chosen else 1)

    def choose(self, layer: int) -> None:
        self.chosen = layer
        self._style(sum(1 for name in self.data if name.startswith("layer ")))

    def show_history(self, history: Any) -> None:
        n = history.update_ratio.shape[1]
        self._ensure(n)
        self.data = {}
        for i in range(n):
            self.put(f"layer {i}", self.lines[i], history.eval_steps, history.update_ratio[:, i], log=True)
        self._style(n)
        span = log_range(history.update_ratio, np.array([GUIDE_RATIO]))
        if span is not None:
            self.plot.setYRange(*span, padding=0)
        note = ratio_note(history)
        if note:
            self.note.show_text(note)
        else:
            self.note.hide()


def ratio_note(history: Any) -> str:
    """Why some layers have no update:data line ("" when all do): inf when W is constant but
    moves, 0/0 when neither W nor its update has any spread (all-equal weights, e.g. zeros, whose
    gradients are all equal too: the layer never breaks its symmetry). Before the first update
    every ratio is NaN; a diverged run's NaN is said by the loss plot."""
    measured = history.eval_steps > 0
    if history.diverged_at is not None:
        measured &= history.eval_steps < history.diverged_at
    ratios = history.update_ratio[measured]
    if np.isinf(ratios).any():
        return "∞ (not drawn): a layer's weights are constant"
    if np.isnan(ratios).any():
        return "0/0 (not drawn): a layer's weights and\ntheir updates are all equal"
    return ""


BANDS = (("min", "max", 0.85), ("p01", "p99", 0.6), ("low", "high", 0.3))  # (lower, upper, blend to white)
BAND_NAMES = (("±σ", 0.3), ("1–99 %", 0.6), ("min–max", 0.85))


class BandsPlot(TimePlot):
    """One layer's tensor over training: min–max, 1–99 % and mean ± std bands around the mean."""

    def __init__(self) -> None:
        super().__init__("value")
        self.edges: dict[str, pg.PlotCurveItem] = {}
        self.fills: list[pg.FillBetweenItem] = []
        for z, (lower, upper, _) in enumerate(BANDS):
            self.edges[lower], self.edges[upper] = pg.PlotCurveItem(), pg.PlotCurveItem()
            fill = pg.FillBetweenItem(self.edges[lower], self.edges[upper])
            fill.setZValue(z)
            self.plot.addItem(fill)
            self.fills.append(fill)
        self.mean = self.curve(hs.TEXT, 3.0, z=5)
        self.kind = "activations"
        self._key_colour = ""
        self.set_title("distribution over training")

    def show_history(self, history: Any, layer: int, kind: str) -> None:
        self.kind = kind
        colour = hs.KIND_COLOURS.get(kind, hs.TEXT)
        self.set_title(f"{hs.KIND_TITLES.get(kind, kind)} · layer {layer}")
        if colour != self._key_colour:
            self._key_colour = colour
            self.plot.setLabel("bottom", band_key(colour), color=hs.AXIS, **{"font-size": f"{LEGEND_PT:g}pt"})
        if kind not in history.snapshot_kinds or layer >= len(history.units):
            self.data = {}
            self.note.show_text(f"no {kind} in this run's snapshots")
            return
        self.note.hide()
        stats = {name: history.stat(kind, name)[:, layer] for name in ("mean", "std", "min", "max", "p01", "p99")}
        with np.errstate(over="ignore", invalid="ignore"):  # an exploding net's values may overflow
            stats["low"], stats["high"] = stats["mean"] - stats["std"], stats["mean"] + stats["std"]
        x = history.eval_steps.astype(np.float64)
        ok = np.all([np.isfinite(v) for v in stats.values()], axis=0)  # fills need every edge
        self.data = {name: (x, stats[name]) for name in ("mean", "low", "high", "min", "max", "p01", "p99")}
        for fill, (lower, upper, amount) in zip(self.fills, BANDS):
            fill.setBrush(pg.mkBrush(hs.blend(colour, amount=amount)))
            for name in (lower, upper):
                self.edges[name].setData(x[ok], stats[name][ok])
        self.mean.setPen(pen(hs.blend(colour, "#000000", 0.3), 3.0))
        self.mean.setData(x[ok], stats["mean"][ok])
        if ok.any():
            lo, hi = float(stats["min"][ok].min()), float(stats["max"][ok].max())
            pad = 0.05 * (hi - lo) if math.isfinite(hi - lo) and hi > lo else max(abs(hi) * 0.05, 1e-3)
            self.plot.setYRange(lo - pad, hi + pad, padding=0)
        else:
            self.note.show_text("no finite values")
