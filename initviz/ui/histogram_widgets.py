"""Text pieces of the histogram views: titles and row labels, the non-finite badge, the layer axis."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QStaticText
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsWidget, QSizePolicy

from initviz.ui import histogram_style as hs
from initviz.ui.histogram_items import NO_PEN, StaticTextItem, cosmetic_pen


class TextBlock(QGraphicsWidget):
    """Lines of text that ask the layout for the room they need (never clipped sideways).

    ``shrinkable``: may get less height than its lines (many rows); ``elastic``: asks for no
    width beyond what the layout gives, so stretch factors alone share out the columns, and
    shrinks its font (to 60 % at most) when squeezed.
    """

    def __init__(self, lines: list[str] | tuple[str, ...] = (), point_size: float = 11.0, bold: bool = False,
                 colour: str = hs.TEXT, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter,
                 shrinkable: bool = False, elastic: bool = False) -> None:
        super().__init__()
        self._font = hs.font(point_size, bold)
        self._metrics = QFontMetricsF(self._font)
        self._colour = QColor(colour)
        self._align = align
        self._shrinkable = shrinkable
        self._elastic = elastic
        self._highlight: QColor | None = None
        self._lines: list[str] = []
        self._statics: list[tuple[QStaticText, float]] = []
        self._fitted: tuple[float, QFont, float] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.set_lines(lines)

    def set_lines(self, lines: list[str] | tuple[str, ...]) -> None:
        lines = list(lines)
        if lines == self._lines:
            return
        self._lines = lines
        self._statics = []
        for line in lines:
            static = QStaticText(line)
            static.setTextFormat(Qt.TextFormat.PlainText)
            self._statics.append((static, self._metrics.horizontalAdvance(line)))
        self._fitted = None
        self.updateGeometry()
        self.update()

    def lines(self) -> list[str]:
        return list(self._lines)

    def set_highlight(self, colour: str | None) -> None:
        self._highlight = QColor(colour) if colour else None
        self.update()

    def highlighted(self) -> bool:
        return self._highlight is not None

    def _text_width(self) -> float:
        return max((w for _, w in self._statics), default=0.0)

    def sizeHint(self, which: Qt.SizeHint, constraint: QSizeF = QSizeF()) -> QSizeF:
        width = 0.0 if self._elastic else self._text_width() + 12.0
        height = self._metrics.lineSpacing() * max(len(self._lines), 1) + 6.0
        if which == Qt.SizeHint.MinimumSize:
            return QSizeF(width, 0.0 if self._shrinkable else height)
        if which == Qt.SizeHint.MaximumSize:
            return QSizeF(1e6, 1e6)
        return QSizeF(width, height)

    def _font_for(self, width: float) -> tuple[QFont, float]:
        """The font and scale to draw with in ``width`` px (shrunk only for elastic blocks)."""
        needed = self._text_width()
        if not self._elastic or needed <= width or needed <= 0:
            return self._font, 1.0
        if self._fitted is None or self._fitted[0] != width:
            scale = max(width / needed, 0.6)
            smaller = QFont(self._font)
            smaller.setPointSizeF(self._font.pointSizeF() * scale)
            self._fitted = (width, smaller, scale)
        return self._fitted[1], self._fitted[2]

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        rect = self.rect()
        if self._highlight is not None:
            painter.fillRect(rect, self._highlight)
        box = rect.adjusted(6, 0, -6, 0)
        font, scale = self._font_for(box.width())
        painter.setFont(font)
        painter.setPen(self._colour)
        line_height = self._metrics.lineSpacing() * scale
        top = box.top() + (box.height() - line_height * len(self._statics)) / 2
        for i, (static, width) in enumerate(self._statics):
            width *= scale
            if self._align & Qt.AlignmentFlag.AlignRight:
                x = box.right() - width
            elif self._align & Qt.AlignmentFlag.AlignLeft:
                x = box.left()
            else:
                x = box.left() + (box.width() - width) / 2
            painter.drawStaticText(QPointF(x, top + i * line_height), static)


class Badge(QGraphicsRectItem):
    """White text on red: the non-finite counts of a tensor; hidden when there are none."""

    def __init__(self, parent: Any, point_size: float = 9.5) -> None:
        super().__init__(parent)
        self.setBrush(QBrush(QColor(hs.BADGE)))
        self.setPen(NO_PEN)
        self._label = StaticTextItem(self, hs.font(point_size, bold=True), "#ffffff")
        self._label.setPos(4, 1)
        self.setZValue(20)
        self._text = ""
        self.hide()

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self._label.setText(text)
        box = self._label.boundingRect()
        self.setRect(QRectF(0, 0, box.width() + 8, box.height() + 2))
        self.setVisible(bool(text))

    def text(self) -> str:
        return self._text


class LayerAxis(pg.AxisItem):
    """The compact view's vertical layer axis: explicit ticks at row centres."""

    def __init__(self, point_size: float = 10.0) -> None:
        super().__init__("left", pen=cosmetic_pen(hs.AXIS), textPen=cosmetic_pen(hs.AXIS))
        self.setStyle(tickFont=hs.font(point_size), tickTextOffset=4, tickLength=-5, autoExpandTextSpace=True)
        self.enableAutoSIPrefix(False)
        self.setLabel("layer", color=hs.AXIS, **{"font-size": "11pt"})

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        # The axis picture sets a clip rect; the canvas skips Qt's per-item save/restore
        # (DontSavePainterState), so the axis restores the painter itself.
        painter.save()
        try:
            super().paint(painter, option, widget)
        finally:
            painter.restore()
