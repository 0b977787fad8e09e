"""Shared pieces of the Diagnose views: projector-sized plots, axes and a centred placeholder.

Plots here are fixed: no mouse zoom, no context menu (its Downsample / Clip-to-view entries
break on step data, FACTS.md), no auto-range — each view sets its ranges from the data.
Text is at least 11 pt and lines at least 2 px, for a projector at the back of a room.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from initviz.ui import histogram_style as hs
from initviz.ui.histogram_items import cosmetic_pen

TICK_PT = 11.0
LABEL_PT = 12.0
TITLE_PT = 13.0
LINE_PX = 2.0
COMPUTING = "computing…"


def style_axis(axis: pg.AxisItem, label: str | None = None) -> None:
    """Projector-sized ticks and label, our colours, no SI prefixes (we format numbers ourselves)."""
    axis.setPen(cosmetic_pen(hs.AXIS, LINE_PX))
    axis.setTextPen(cosmetic_pen(hs.AXIS))
    axis.setStyle(tickFont=hs.font(TICK_PT), tickTextOffset=5, tickLength=-6, autoExpandTextSpace=True)
    axis.enableAutoSIPrefix(False)
    if label:
        axis.setLabel(label, color=hs.AXIS, **{"font-size": f"{LABEL_PT:g}pt"})


def fit_axis_width(axis: pg.AxisItem, texts: list[str]) -> None:
    """Give a vertical axis the width its tick texts need now: pyqtgraph drops texts that do not
    fit and widens the axis only after a paint, so the first picture (an export) would lack them."""
    metrics = QFontMetricsF(hs.font(TICK_PT))
    widest = max((metrics.horizontalAdvance(t) for t in texts), default=0.0)
    label = axis.label.isVisible() and axis.labelText
    axis.setWidth(int(widest + 18 + (metrics.height() + 8 if label else 0)))


def fixed_plot(left: str | None = None, bottom: str | None = None, **axes: pg.AxisItem) -> pg.PlotItem:
    """A PlotItem that never auto-ranges and ignores the mouse, with styled axes."""
    plot = pg.PlotItem(axisItems=axes or None)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(False, False)
    plot.disableAutoRange()
    plot.vb.setDefaultPadding(0.0)
    for name in ("left", "bottom"):
        style_axis(plot.getAxis(name), left if name == "left" else bottom)
    return plot


class CentredText(QGraphicsSimpleTextItem):
    """Text kept centred in a view box (in pixels, not data coordinates): a placeholder."""

    def __init__(self, view: pg.ViewBox, text: str = COMPUTING, point_size: float = TITLE_PT) -> None:
        super().__init__(text)
        self._view = view
        self.setParentItem(view)
        self.setFont(hs.font(point_size))
        self.setBrush(QColor(hs.MUTED_TEXT))
        self.setZValue(100)
        self.at_top = False  # True: centred across, near the top (clear of a guide line in the middle)
        view.sigResized.connect(self.recentre)
        self.hide()

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.show()
        self.recentre()

    def shown_text(self) -> str:
        """The text on screen, "" when hidden."""
        return self.text() if self.isVisible() else ""

    def recentre(self, *_: Any) -> None:
        box, rect = self.boundingRect(), self._view.rect()
        top = 6.0 if self.at_top else (rect.height() - box.height()) / 2
        self.setPos(max((rect.width() - box.width()) / 2, 2.0), max(top, 2.0))
