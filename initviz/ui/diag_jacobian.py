"""JacobianView: how the whole network stretches an input perturbation (Diagnose dock).

A histogram of the singular values σ of the input-output Jacobians in ``frame.diagnostics``
(:mod:`initviz.engine.jacobian`), pooled over the few input rows measured, on a log-σ axis:
"dynamical isometry" (Saxe et al. 2013; Pennington, Schoenholz & Ganguli 2017) is every σ
near 1 — a narrow spike on the line σ = 1, inside the shaded band [0.5, 2] — as orthogonal
weights with tanh near criticality give; ReLU nets spread σ over orders of magnitude, which
a log axis shows as width, where a linear axis would crush everything small against 0.

The axis never shrinks below 10⁻³ … 10³, so a spike and a spread look different at a glance
(an auto-ranged axis would blow both up to full width), and grows by whole decades to hold
any value (huge σ of an exploding net included). σ = 0 — a rank-deficient Jacobian, e.g. a
constant init, whose σ below the solver's resolution also read 0 — has no place on a log
axis: it gets its own grey bar left of the axis, labelled "0". Non-finite Jacobians are left
out of the histogram and counted in a red badge and the readout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

from initviz.engine.jacobian import DEFAULT_BAND
from initviz.ui import diag_plot as dp
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_items import NO_PEN, StepShape, cosmetic_pen
from initviz.ui.histogram_widgets import Badge, TextBlock

MIN_DECADES = (-3, 3)  # the σ axis shows at least 10⁻³ … 10³
BINS_PER_DECADE = 8
MAX_BINS = 240  # beyond 30 decades, bins widen instead of multiplying
ZERO_GAP = 1.0  # decades between the "0" bar and the axis
ZERO_WIDTH = 0.6
DECADE_PX = 52.0  # a decade label needs this many pixels
SIGMA = hs.KIND_COLOURS["activation_grads"]  # the Jacobian is what back-propagation multiplies by
BAND = "#cde9dd"  # the green of "healthy", pre-blended (opaque: FACTS.md)
ZERO = "#8a8e94"
RIGHT_ROOM = 0.3  # decades past the last tick, so its label is not cut (pyqtgraph drops it)
SUBTITLE = "isometry: every σ near 1 · shaded: σ in [{}, {}]"


@dataclass(frozen=True)
class SigmaHistogram:
    """σ of the finite Jacobians binned on log₁₀ σ; zeros apart (no log), non-finite rows left out."""

    edges: np.ndarray  # log10 σ, len(counts) + 1
    counts: np.ndarray
    zeros: int  # σ = 0 exactly (below resolution, or a rank-deficient Jacobian)
    rows: int  # Jacobians measured
    nonfinite_rows: int  # of which had a NaN or ±inf σ
    low: int  # log10 of the axis ends, whole decades
    high: int

    @property
    def finite(self) -> int:
        return int(self.counts.sum()) + self.zeros


def sigma_histogram(s: np.ndarray) -> SigmaHistogram:
    """Bin ``singular_values`` output (rows of σ; rows with NaN/±inf are non-finite Jacobians)
    on log₁₀ σ over whole decades, at least ``MIN_DECADES``, BINS_PER_DECADE bins a decade (wider
    bins beyond MAX_BINS), centred on the decades: an isometric spike at σ = 1 fills one bin."""
    s = np.atleast_2d(np.asarray(s, dtype=np.float64))
    good_rows = np.isfinite(s).all(axis=1)
    good = s[good_rows].ravel()
    positive = np.log10(good[good > 0])
    low, high = MIN_DECADES
    if positive.size:
        low = min(low, math.floor(positive.min()))
        high = max(high, math.ceil(positive.max()))
    width = 1 / BINS_PER_DECADE if (high - low) * BINS_PER_DECADE <= MAX_BINS else math.ceil((high - low) / MAX_BINS)
    centres = np.arange(low, high + width / 2, width)  # σ = 1 (and every decade) is a bin's centre, not an edge
    edges = np.append(centres - width / 2, centres[-1] + width / 2)
    counts = np.histogram(positive, bins=edges)[0] if positive.size else np.zeros(centres.size, dtype=np.int64)
    return SigmaHistogram(edges, counts, int((good <= 0).sum()), s.shape[0], int((~good_rows).sum()), low, high)


def trimmed(edges: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bins from the first to the last non-empty one (no flat line along the whole axis)."""
    full = np.flatnonzero(counts)
    if full.size == 0:
        return edges[:1], counts[:0]
    return edges[full[0]:full[-1] + 2], counts[full[0]:full[-1] + 1]


def decade_text(k: int) -> str:
    """10**k as people write it: 0.001 … 1000 plainly, 1e−5 and 1e6 beyond."""
    if -3 <= k <= 3:
        return f"{10.0**k:.{max(-k, 0)}f}"
    return f"1e{k}".replace("-", "−")


def decade_ticks(low: int, high: int, width_px: float, zero: float | None) -> list[tuple[float, str]]:
    """Decade ticks with 1 (σ = 1) always among them, thinned to fit ``width_px``; "0" at the zero bar."""
    per_decade = width_px / max(high - low + (ZERO_GAP + 1 if zero is not None else 0), 1)
    step = next((c for c in (1, 2, 5, 10, 20, 50, 100) if per_decade * c >= DECADE_PX), 200)
    ticks = [(float(k), decade_text(k)) for k in range(low, high + 1) if k % step == 0]
    return ([(zero, "0")] if zero is not None else []) + ticks


def readout_lines(spectrum: Any) -> list[str]:
    """The numbers of a :class:`~initviz.engine.jacobian.JacobianSpectrum`, for a projector."""
    low, high = spectrum.band
    band = f"{hs.percent(spectrum.in_band)}" if math.isfinite(spectrum.in_band) else "—"
    values = (f"σ from {hs.format_number(spectrum.s_min)} to {hs.format_number(spectrum.s_max)}"
              if spectrum.count else "no finite σ")
    return [f"mean σ² {hs.format_number(spectrum.mean_sq)} · spread var(σ²)/mean(σ²)² "
            f"{hs.format_number(spectrum.relative_spread)}",
            f"in [{low:g}, {high:g}]: {band} · {values}",
            f"{spectrum.rows} Jacobians measured · {spectrum.nonfinite_rows} non-finite · {spectrum.count:,} σ"]


class JacobianView(QWidget):
    """The singular value spectrum of the input-output Jacobian, from ``frame.diagnostics``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas = pg.GraphicsLayoutWidget()
        self._canvas.setBackground(hs.BACKGROUND)
        self._canvas.ci.setContentsMargins(6, 4, 14, 4)
        self._title = TextBlock(["input-output Jacobian: singular values σ"], dp.TITLE_PT, bold=True, elastic=True)
        self._subtitle = TextBlock([SUBTITLE.format(*DEFAULT_BAND)], dp.TICK_PT, colour=hs.MUTED_TEXT, elastic=True)
        self._plot = dp.fixed_plot(left="singular values", bottom="σ (log scale)")
        self._readout = TextBlock([dp.COMPUTING], dp.LABEL_PT, elastic=True)
        for row, item in enumerate((self._title, self._subtitle, self._plot, self._readout)):
            self._canvas.ci.addItem(item, row=row, col=0)
        self._canvas.ci.layout.setRowStretchFactor(2, 1)
        self._build_items()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._canvas)
        self._plot.vb.sigResized.connect(self._set_ticks)
        self._hist: SigmaHistogram | None = None
        self._frame: Any | None = None
        self.show_frame(None, [])

    def _build_items(self) -> None:
        vb = self._plot.vb
        self._band = QGraphicsRectItem()
        self._band.setBrush(QBrush(QColor(BAND)))
        self._band.setPen(NO_PEN)
        self._band.setZValue(-10)
        self._curve = StepShape(pen=cosmetic_pen(hs.blend(SIGMA, "#000000", 0.3), dp.LINE_PX),
                                brush=QBrush(hs.blend(SIGMA, amount=0.35)))
        self._zero_bar = QGraphicsRectItem()
        self._zero_bar.setBrush(QBrush(QColor(ZERO)))
        self._zero_bar.setPen(NO_PEN)
        for z, item in enumerate((self._curve.item, self._zero_bar)):
            item.setZValue(z)
        for item in (self._band, self._curve.item, self._zero_bar):
            vb.addItem(item, ignoreBounds=True)
        self._one = pg.InfiniteLine(0.0, angle=90, pen=cosmetic_pen(hs.LAW, 2.5), label="σ = 1",
                                    labelOpts={"position": 0.93, "color": hs.TEXT, "anchors": [(0, 0.5), (0, 0.5)]})
        self._one.label.setFont(hs.font(dp.TICK_PT, bold=True))
        self._one.setZValue(5)
        vb.addItem(self._one, ignoreBounds=True)
        self._badge = Badge(vb, dp.TICK_PT)
        self._badge.setPos(6, 6)
        self._placeholder = dp.CentredText(vb)

    # --- data ------------------------------------------------------------------------------

    def show_frame(self, frame: Any, labels: list[str]) -> None:
        """Draw ``frame.diagnostics.singular_values`` (None: "computing…"); ``labels`` are unused
        (the Jacobian is the whole network's) but accepted like every view's."""
        self._frame = frame
        diagnostics = getattr(frame, "diagnostics", None)
        s = getattr(diagnostics, "singular_values", None)
        spectrum = getattr(diagnostics, "jacobian", None)
        if s is None or spectrum is None:
            self._show_nothing(dp.COMPUTING)
            self._readout.set_lines([dp.COMPUTING])
            return
        self._hist = hist = sigma_histogram(s)
        self._readout.set_lines(readout_lines(spectrum))
        self._subtitle.set_lines([SUBTITLE.format(*(f"{v:g}" for v in spectrum.band))])
        self._badge.set_text(f"{hist.nonfinite_rows} of {hist.rows} Jacobians NaN/±inf" if hist.nonfinite_rows else "")
        if hist.finite == 0:
            self._show_nothing(f"no finite Jacobian: all {hist.rows} have NaN or ±inf")
            self._badge.set_text(f"{hist.nonfinite_rows} of {hist.rows} Jacobians NaN/±inf")
            return
        self._placeholder.hide()
        self._draw(hist, spectrum.band)

    def _draw(self, hist: SigmaHistogram, band: tuple[float, float]) -> None:
        top = max(float(hist.counts.max(initial=0)), float(hist.zeros), 1.0) * 1.15
        self._curve.setData(*trimmed(hist.edges, hist.counts))
        (self._curve.show if hist.counts.any() else self._curve.hide)()
        left = float(hist.edges[0])
        if hist.zeros:
            centre = hist.low - ZERO_GAP - ZERO_WIDTH / 2
            self._zero_bar.setRect(QRectF(centre - ZERO_WIDTH / 2, 0.0, ZERO_WIDTH, float(hist.zeros)))
            left = centre - ZERO_WIDTH
        self._zero_bar.setVisible(hist.zeros > 0)
        low, high = (math.log10(v) if v > 0 else hist.low for v in band)
        self._band.setRect(QRectF(low, 0.0, high - low, top))
        self._band.show()
        self._one.show()
        self._plot.setRange(xRange=(left, hist.high + RIGHT_ROOM), yRange=(0.0, top), padding=0.0)
        self._set_ticks()

    def _show_nothing(self, text: str) -> None:
        self._hist = None
        for item in (self._curve, self._zero_bar, self._band, self._one):
            item.hide()
        self._badge.set_text("")
        self._placeholder.show_text(text)
        self._set_ticks()

    def _set_ticks(self, *_: Any) -> None:
        hist = self._hist
        bottom = self._plot.getAxis("bottom")
        self._plot.getAxis("left").setTicks(None if hist is not None else [[], []])
        if hist is None:
            bottom.setTicks([[], []])
            return
        zero = hist.low - ZERO_GAP - ZERO_WIDTH / 2 if hist.zeros else None
        bottom.setTicks([decade_ticks(hist.low, hist.high, self._plot.vb.width(), zero), []])

    def frame(self) -> Any | None:
        return self._frame

    def needs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(tensor kinds, ``diagnostics.EXTRAS``) the worker must compute for this view."""
        return (), ("jacobian",)

    # --- inspection (tests, export) --------------------------------------------------------

    def histogram_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(edges in log₁₀ σ, counts) as drawn, None when no histogram is drawn."""
        return self._curve.getData() if self._curve.drawn() else None

    def zero_count(self) -> int:
        """σ = 0 in the grey bar left of the axis (0 when it is hidden)."""
        return int(round(self._zero_bar.rect().height())) if self._zero_bar.isVisible() else 0

    def readout(self) -> str:
        return "\n".join(self._readout.lines())

    def badge(self) -> str:
        return self._badge.text()

    def placeholder(self) -> str:
        return self._placeholder.shown_text()

    def x_range(self) -> tuple[float, float]:
        return tuple(self._plot.vb.viewRange()[0])

    def tick_texts(self) -> list[str]:
        return [text for _, text in decade_ticks(self._hist.low, self._hist.high, self._plot.vb.width(),
                                                 0.0 if self._hist.zeros else None)] if self._hist else []
