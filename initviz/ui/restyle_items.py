"""What a theme can recolour on a drawn item, and how: one list of *slots* per item type.

A slot is ``(role, value, setter)``: the value the item holds now (a QPen, QBrush, QColor or
HTML text) and how to set a new one. Roles say what the value draws:
``line`` (data: curves, histograms — widths scale in presentation mode), ``edge`` (frames,
axes, outlines), ``text`` and ``fill``. :mod:`initviz.ui.restyle` maps every value through
the style and keeps the original, so switching back restores exactly what the view drew.
Images (heatmaps, the phase diagram) keep their colour maps: their colours are data, and a
lightness fold would make a map non-monotonic.

pyqtgraph items are set through their own API (``setPen`` and friends), so the values survive
their own redraws; our lean histogram items keep colours in ``_pen``/``_colour``/``_highlight``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QAbstractGraphicsShapeItem, QGraphicsItem, QGraphicsSimpleTextItem, QGraphicsTextItem

Slot = tuple[str, Any, Callable[[Any], None]]
CUSTOM_ATTRIBUTES = ("_pen", "_colour", "_highlight", "_brush")  # our own items' colours


def _pen(value: Any) -> QPen:
    return value if isinstance(value, QPen) else pg.mkPen(value)


def _single_brush(value: Any) -> bool:
    return value is not None and not isinstance(value, (list, tuple, np.ndarray))


def _saturated_fill(item: QGraphicsItem | None) -> bool:
    """A parent filled with a strong colour (a red badge): text on it keeps its colour."""
    if not isinstance(item, QAbstractGraphicsShapeItem):
        return False
    colour = item.brush().color()
    return item.brush().style() != pg.QtCore.Qt.BrushStyle.NoBrush and colour.hslSaturationF() > 0.5


def _plot_data_slots(item: pg.PlotDataItem) -> list[Slot]:
    o = item.opts
    slots: list[Slot] = [("line", _pen(o["pen"]), item.setPen)]
    if o.get("symbolPen") is not None:
        slots.append(("edge", _pen(o["symbolPen"]), item.setSymbolPen))
    if _single_brush(o.get("symbolBrush")) and o.get("symbol") is not None:
        slots.append(("fill", pg.mkBrush(o["symbolBrush"]), item.setSymbolBrush))
    if o.get("fillBrush") is not None:
        slots.append(("fill", pg.mkBrush(o["fillBrush"]), item.setFillBrush))
    return slots


def _bar_slots(item: pg.BarGraphItem) -> list[Slot]:
    o = item.opts
    slots: list[Slot] = []
    if _single_brush(o.get("brush")):
        slots.append(("fill", pg.mkBrush(o["brush"]), lambda b: item.setOpts(brush=b)))
    brushes = o.get("brushes")
    if isinstance(brushes, (list, tuple)) and brushes:
        slots.append(("fill", tuple(pg.mkBrush(b) for b in brushes), lambda bs: item.setOpts(brushes=list(bs))))
    return slots


def _text_item_slots(item: QGraphicsTextItem) -> list[Slot]:
    if isinstance(item.parentItem(), pg.TextItem):
        return []  # the TextItem sets its child's colour itself
    if _saturated_fill(item.parentItem()):
        return []
    return [("text", item.defaultTextColor(), item.setDefaultTextColor), ("text", item.toHtml(), item.setHtml)]


def _shape_slots(item: QAbstractGraphicsShapeItem) -> list[Slot]:
    if isinstance(item, QGraphicsSimpleTextItem):
        return [("text", item.brush(), item.setBrush)]
    role = "line" if isinstance(item, (pg.QtWidgets.QGraphicsPathItem, pg.QtWidgets.QGraphicsPolygonItem)) else "edge"
    return [(role, item.pen(), item.setPen), ("fill", item.brush(), item.setBrush)]


def _custom_slots(item: QGraphicsItem) -> list[Slot]:
    if _saturated_fill(item.parentItem()):
        return []
    slots: list[Slot] = []
    for name in CUSTOM_ATTRIBUTES:
        value = getattr(item, name, None)
        if isinstance(value, (QPen, QBrush, QColor)):
            def setter(v: Any, name: str = name) -> None:
                setattr(item, name, v)
                item.update()
            slots.append(("text" if name == "_pen" else "fill", value, setter))
    return slots


def item_slots(item: QGraphicsItem) -> list[Slot]:
    """The recolourable values of ``item`` (empty for items that draw no colour of their own)."""
    parent = item.parentItem()
    if isinstance(parent, pg.PlotDataItem):
        return []  # its curve and symbols follow the PlotDataItem's options
    if isinstance(item, pg.PlotDataItem):
        return _plot_data_slots(item)
    if isinstance(item, pg.PlotCurveItem):
        slots: list[Slot] = [("line", _pen(item.opts["pen"]), item.setPen)]
        if item.opts.get("brush") is not None:
            slots.append(("fill", pg.mkBrush(item.opts["brush"]), item.setBrush))
        return slots
    if isinstance(item, pg.ScatterPlotItem):  # per-point brushes (classes) stay; only the outline
        return [("edge", _pen(item.opts["pen"]), item.setPen)]
    if isinstance(item, pg.InfiniteLine):
        return [("line", item.pen, item.setPen)]
    if isinstance(item, pg.AxisItem):
        return [("edge", item.pen(), item.setPen), ("text", item.textPen(), item.setTextPen)]
    if isinstance(item, pg.TextItem):
        def set_fill(b: QBrush) -> None:
            item.fill = b
            item.update()
        return [("text", QColor(item.color), item.setColor), ("fill", QBrush(item.fill), set_fill)]
    if isinstance(item, pg.LegendItem):
        return [("edge", _pen(item.opts["pen"]), item.setPen), ("fill", pg.mkBrush(item.opts["brush"]), item.setBrush)]
    if isinstance(item, pg.TargetItem):
        return [("edge", item.pen, item.setPen), ("fill", item.brush, item.setBrush)]
    if isinstance(item, pg.BarGraphItem):
        return _bar_slots(item)
    if isinstance(item, QGraphicsTextItem):
        return _text_item_slots(item)
    if isinstance(item, QAbstractGraphicsShapeItem):
        return _shape_slots(item)
    return _custom_slots(item)
