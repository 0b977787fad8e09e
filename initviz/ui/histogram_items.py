"""Lean graphics pieces for the histogram cells: plot area, step histogram, line, text, axis.

Measured here on a 60-cell grid (12 layers × 5 kinds, 1600×1000, offscreen), pyqtgraph's
general-purpose items cost more than the drawing: PlotCurveItem's bounds (nanmin/nanmax
plus pixel padding) and segment-wise fill paths ~0.5 ms per curve, ViewBox range
bookkeeping and signals ~0.15 ms per cell, AxisItem ~1.2 ms per axis whenever its range
moves. These pieces keep pyqtgraph's data model — ``setData(edges, counts)`` with
``len(edges) == len(counts) + 1`` as in ``stepMode="center"``, ``getData()``,
``setRange``/``viewRange`` — but draw with Qt's own C++ items (no Python call per paint),
and have no context menu, so the Downsample / Clip-to-view options that break on step data
(FACTS.md) never apply.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QStaticText, QTransform
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsPathItem, QGraphicsPolygonItem, QGraphicsRectItem,
                               QGraphicsWidget, QSizePolicy)

from initviz.ui import histogram_data as hd
from initviz.ui import histogram_style as hs

NO_PEN = QPen(Qt.PenStyle.NoPen)


def cosmetic_pen(colour: Any, width: float = 1.0) -> QPen:
    """A pen whose width is in pixels whatever the data scale."""
    pen = QPen(colour if isinstance(colour, QColor) else QColor(colour))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    return pen


class _Shape:
    """Data plus one Qt item drawing it; visibility and z-order pass through to the item."""

    item: QGraphicsItem

    def __init__(self) -> None:
        self._x = np.zeros(0)
        self._y = np.zeros(0)

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        return self._x, self._y

    def show(self) -> None:
        self.item.show()

    def hide(self) -> None:
        self.item.hide()

    def drawn(self) -> bool:
        """Shown (ignoring whether the cell holding it is on screen)."""
        return self.item.isVisibleTo(self.item.parentItem())


class StepShape(_Shape):
    """A step histogram over ``edges``, filled down to 0; with ``outline_pen`` also a second,
    unfilled copy (``outline``) that can sit above other shapes. Both share one polygon."""

    def __init__(self, pen: QPen | None = None, brush: QBrush | None = None, outline_pen: QPen | None = None) -> None:
        super().__init__()
        self.item = QGraphicsPolygonItem()
        self.item.setPen(pen if pen is not None else NO_PEN)
        self.item.setBrush(brush if brush is not None else QBrush(Qt.BrushStyle.NoBrush))
        self.outline: QGraphicsPolygonItem | None = None
        if outline_pen is not None:
            self.outline = QGraphicsPolygonItem()
            self.outline.setPen(outline_pen)

    def setData(self, edges: np.ndarray, counts: np.ndarray) -> None:
        edges = np.asarray(edges, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.float64)
        if len(edges) != len(counts) + 1:
            raise ValueError(f"edges: need len(counts) + 1 = {len(counts) + 1} values, got {len(edges)}")
        self._x, self._y = edges, counts
        polygon = pg.functions.arrayToQPolygonF(np.repeat(edges, 2),
                                                np.concatenate(([0.0], np.repeat(counts, 2), [0.0])))
        self.item.setPolygon(polygon)
        if self.outline is not None:
            self.outline.setPolygon(polygon)

    def show(self) -> None:
        self.item.show()
        if self.outline is not None:
            self.outline.show()

    def hide(self) -> None:
        self.item.hide()
        if self.outline is not None:
            self.outline.hide()


class LineShape(_Shape):
    """A polyline through (x, y); with ``pairs``, separate segments between point pairs."""

    def __init__(self, pen: QPen, pairs: bool = False) -> None:
        super().__init__()
        self._connect = "pairs" if pairs else "all"  # pairs: few segments (atoms)
        self.item = QGraphicsPathItem()
        self.item.setPen(pen)

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        path = QPainterPath()
        if self._connect == "pairs":
            for x0, y0, x1, y1 in np.column_stack([self._x, self._y]).reshape(-1, 4).tolist():
                path.moveTo(x0, y0)
                path.lineTo(x1, y1)
        else:
            path.addPolygon(pg.functions.arrayToQPolygonF(self._x, self._y))
        self.item.setPath(path)


class CellView(QGraphicsWidget):
    """A plot area: a background, children in data coordinates, clipped to the rectangle.

    The part of ``pg.ViewBox`` the cells need: ``setRange`` is one ``setTransform``;
    ``viewRange()`` answers like a ViewBox's.
    """

    sigResized = Signal(object)

    def __init__(self, background: str | None = None, frame: str | None = None) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # A background fill costs ~40 µs per cell here (painting is fill-rate bound on these
        # VMs); a hairline frame costs next to nothing.
        self._background = QGraphicsRectItem(self)
        self._background.setPen(cosmetic_pen(frame) if frame else NO_PEN)
        self._background.setBrush(QBrush(QColor(background)) if background else QBrush(Qt.BrushStyle.NoBrush))
        self._background.setZValue(-100)
        self._origin = QGraphicsRectItem(self)  # an empty rect: draws nothing, carries the data transform
        self._origin.setPen(NO_PEN)
        self._origin.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self._range = ((0.0, 1.0), (0.0, 1.0))

    def addItem(self, item: QGraphicsItem) -> None:
        item.setParentItem(self._origin)

    def setRange(self, xRange: tuple[float, float], yRange: tuple[float, float]) -> None:  # noqa: N803 (as pyqtgraph)
        self._range = ((float(xRange[0]), float(xRange[1])), (float(yRange[0]), float(yRange[1])))
        self._apply()

    def viewRange(self) -> list[list[float]]:
        return [list(self._range[0]), list(self._range[1])]

    def _apply(self) -> None:
        (x0, x1), (y0, y1) = self._range
        w, h = self.size().width(), self.size().height()
        sx = w / (x1 - x0) if x1 > x0 else 1.0
        sy = h / (y1 - y0) if y1 > y0 else 1.0
        self._origin.setTransform(QTransform(sx, 0.0, 0.0, -sy, -x0 * sx, h + y0 * sy))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._background.setRect(self.rect().adjusted(0.5, 0.5, -0.5, -0.5))
        self._apply()
        self.sigResized.emit(self)


class TextWidths:
    """Width of a line of text as the sum of cached per-character advances.

    Shaping a whole string (QFontMetricsF.horizontalAdvance) costs ~15 µs; the cells place
    60+ changing numbers per frame. Kerning is ignored: at most a pixel off for digits.
    """

    def __init__(self, font: QFont) -> None:
        self._metrics = QFontMetricsF(font)
        self._advances: dict[str, float] = {}

    def width(self, text: str) -> float:
        advances = self._advances
        total = 0.0
        for char in text:
            advance = advances.get(char)
            if advance is None:
                advance = advances[char] = self._metrics.horizontalAdvance(char)
            total += advance
        return total

    def height(self) -> float:
        return self._metrics.height()


class StaticTextItem(QGraphicsItem):
    """One line of text in pixel coordinates, laid out once per change (QStaticText);
    QGraphicsSimpleTextItem lays its text out again on every paint."""

    def __init__(self, parent: QGraphicsItem | None, font: QFont, colour: str) -> None:
        super().__init__(parent)
        self._font = font
        self._metrics = TextWidths(font)
        self._pen = QPen(QColor(colour))
        self._text = ""
        self._static = QStaticText()
        self._static.setTextFormat(Qt.TextFormat.PlainText)
        self._rect = QRectF()
        self.hide()

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self.prepareGeometryChange()
        self._text = text
        self._static.setText(text)
        self._rect = QRectF(0.0, 0.0, self._metrics.width(text), self._metrics.height())
        self.setVisible(bool(text))
        self.update()

    def text(self) -> str:
        return self._text

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        painter.setFont(self._font)
        painter.setPen(self._pen)
        painter.drawStaticText(QPointF(0.0, 0.0), self._static)


class ValueAxis(QGraphicsWidget):
    """A horizontal value axis under a plot: baseline, round ticks, short labels.

    Told its range (never linked to a view), it rebuilds its ticks only when the range or its
    width changes, and draws pre-laid-out labels.
    """

    TICK = 5.0
    MIN_SPACING = 55.0  # px between labels

    def __init__(self, point_size: float = 9.5) -> None:
        super().__init__()
        self._font = hs.font(point_size)
        self._metrics = QFontMetricsF(self._font)
        self._pen = cosmetic_pen(hs.AXIS)
        self._range = (0.0, 1.0)
        self._ticks: list[tuple[float, QStaticText, float]] = []
        self._built_for: tuple | None = None
        height = self.TICK + 3 + self._metrics.height() + 2
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setPreferredHeight(height)
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)

    def sizeHint(self, which: Qt.SizeHint, constraint: QSizeF = QSizeF()) -> QSizeF:
        height = self.TICK + 3 + self._metrics.height() + 2
        if which == Qt.SizeHint.MaximumSize:
            return QSizeF(1e6, height)
        return QSizeF(0.0, height)

    def setRange(self, low: float, high: float) -> None:  # noqa: N802 (pyqtgraph's name)
        if (low, high) != self._range:
            self._range = (float(low), float(high))
            self.update()

    def range(self) -> tuple[float, float]:
        return self._range

    def tick_values(self) -> list[float]:
        """The labelled values for the current range and width."""
        lo, hi = self._range
        width = max(self.size().width(), 1.0)
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            return []
        step = hd.nice_step((hi - lo) / max(width / self.MIN_SPACING, 2.0))  # at least 3 labels
        first = math.ceil(lo / step)
        count = int(math.floor(hi / step)) - first + 1
        values = [(first + i) * step for i in range(max(count, 0))]
        return [0.0 if abs(v) < step * 1e-9 else v for v in values]

    def _build(self) -> None:
        key = (self._range, self.size().width())
        if key == self._built_for:
            return
        self._built_for = key
        values = self.tick_values()
        spacing = values[1] - values[0] if len(values) > 1 else (self._range[1] - self._range[0])
        lo, hi = self._range
        width = self.size().width()
        self._ticks = []
        for value, text in zip(values, hs.tick_labels(values, spacing)):
            x = (value - lo) / (hi - lo) * width
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            self._ticks.append((x, static, self._metrics.horizontalAdvance(text)))

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        self._build()
        width = self.size().width()
        painter.setPen(self._pen)
        painter.setFont(self._font)
        painter.drawLine(QPointF(0.0, 0.5), QPointF(width, 0.5))
        for x, static, text_width in self._ticks:
            painter.drawLine(QPointF(x, 0.0), QPointF(x, self.TICK))
            if 0.0 <= x - text_width / 2 and x + text_width / 2 <= width:  # else it would touch the next column's
                painter.drawStaticText(QPointF(x - text_width / 2, self.TICK + 2), static)
