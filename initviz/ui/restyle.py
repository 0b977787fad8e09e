"""The style hook: recolour, thicken, enlarge and zoom what a widget tree already draws.

Views build their pens and fonts once, from :mod:`histogram_style`; a theme or presentation
mode changes them afterwards, here, for any widget tree — the window or a figure being
exported. A :class:`Style` maps every colour (``colours``), multiplies data-line widths
(``line_scale``), explicit widget fonts and style-sheet font sizes (``font_scale``), and
zooms every pyqtgraph canvas (``zoom``: the scene is laid out smaller and drawn magnified, so
its text and marks grow and cosmetic pens keep their width).

Each restyled value keeps its original beside it (``QGraphicsItem.data`` / a dynamic
property), so the identity style puts back exactly what the view drew; a value the view set
anew since is taken as the new original. :class:`Restyler` keeps a live window restyled:
scenes are re-walked when they change, widgets every :data:`REFRESH_MS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QWidget

from initviz.ui.restyle_items import item_slots

ITEM_STATE = 0x1D5E  # QGraphicsItem.data key: (style, originals, applied)
SHEET_STATE, FONT_STATE, ZOOM_STATE = "initviz_sheet", "initviz_font", "initviz_zoom"
REFRESH_MS = 400
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)\s*pt")


def _keep(colour: QColor) -> QColor:
    return colour


@dataclass(frozen=True)
class Style:
    """How to draw: ``colours`` maps a colour (alpha kept by the caller); scales are factors."""

    colours: Callable[[QColor], QColor] = _keep
    line_scale: float = 1.0
    font_scale: float = 1.0
    zoom: float = 1.0

    @property
    def identity(self) -> bool:
        return self.colours is _keep and self.line_scale == 1.0 and self.font_scale == 1.0 and self.zoom == 1.0


IDENTITY = Style()


def colour(style: Style, value: QColor) -> QColor:
    mapped = QColor(style.colours(QColor(value)))
    mapped.setAlpha(value.alpha())
    return mapped


def _text(style: Style, text: str, fonts: bool) -> str:
    text = HEX.sub(lambda m: colour(style, QColor(m.group(0))).name(), text)
    if fonts and style.font_scale != 1.0:
        text = FONT_SIZE.sub(lambda m: f"font-size: {float(m.group(1)) * style.font_scale:.3g}pt", text)
    return text


def map_value(style: Style, role: str, value: Any) -> Any:
    """``value`` as ``style`` draws it (see :mod:`restyle_items` for the roles)."""
    if isinstance(value, QPen):
        pen = QPen(value)
        if pen.style() != Qt.PenStyle.NoPen:
            if pen.brush().gradient() is None:
                pen.setColor(colour(style, pen.color()))
            if role == "line" and style.line_scale != 1.0:
                pen.setWidthF(max(pen.widthF(), 1.0) * style.line_scale)
        return pen
    if isinstance(value, QBrush):
        brush = QBrush(value)
        if brush.style() != Qt.BrushStyle.NoBrush and brush.gradient() is None and brush.texture().isNull():
            brush.setColor(colour(style, brush.color()))
        return brush
    if isinstance(value, QColor):
        return colour(style, value)
    if isinstance(value, str):
        return _text(style, value, fonts=False)
    if isinstance(value, tuple):
        return tuple(map_value(style, role, v) for v in value)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def restyle_item(item: QGraphicsItem, style: Style) -> bool:
    """Draw ``item`` in ``style``; True when something was set."""
    slots = item_slots(item)
    if not slots:
        return False
    current = [value for _, value, _ in slots]
    state = QGraphicsItem.data(item, ITEM_STATE)  # pyqtgraph items shadow data/setData
    if state is not None and len(state[2]) != len(current):
        state = None  # the item's kind of drawing changed (a symbol added): start afresh
    if state is None and style.identity:
        return False
    if state is not None and state[0] == style and _same(state[2], current):
        return False
    # per value: what we set is still there -> its original stands; else the view set a new one
    original = [state[1][i] if state is not None and _same(state[2][i], now) else now
                for i, now in enumerate(current)]
    changed = False
    for (role, now, setter), first in zip(slots, original):
        wanted = map_value(style, role, first)
        if not _same(now, wanted):
            setter(wanted)
            changed = True
    applied = [value for _, value, _ in item_slots(item)] if changed else current
    QGraphicsItem.setData(item, ITEM_STATE, None if style.identity else (style, original, applied))
    return changed


def _restyle_state(widget: QWidget, key: str, current: Any, style: Style, make: Callable[[Any], Any],
                   apply: Callable[[Any], None], active: bool) -> None:
    """The (style, original, applied) bookkeeping of one widget value kept in a dynamic property."""
    state = widget.property(key)
    unchanged = state is not None and _same(state[2], current)
    if unchanged and state[0] == style:
        return
    if state is None and not active:
        return
    original = state[1] if unchanged else current
    wanted = make(original)
    if not _same(current, wanted):
        apply(wanted)
    widget.setProperty(key, None if style.identity else (style, original, wanted))


def restyle_widget(widget: QWidget, style: Style, root: bool = False) -> None:
    """Style-sheet colours and font sizes, and the font (explicit fonts, or the root's)."""
    sheet = widget.styleSheet()
    if sheet or widget.property(SHEET_STATE) is not None:
        _restyle_state(widget, SHEET_STATE, sheet, style, lambda s: _text(style, s, fonts=True),
                       widget.setStyleSheet, not style.identity)
    explicit = widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)
    if root or explicit or widget.property(FONT_STATE) is not None:
        state = widget.property(FONT_STATE)
        was_explicit = state[1][0] if state is not None else explicit
        current = (was_explicit, widget.font())

        def scaled(original: tuple[bool, QFont]) -> tuple[bool, QFont]:
            font = QFont(original[1])
            if style.font_scale != 1.0:
                if font.pointSizeF() > 0:
                    font.setPointSizeF(font.pointSizeF() * style.font_scale)
                elif font.pixelSize() > 0:
                    font.setPixelSize(round(font.pixelSize() * style.font_scale))
            return original[0], font

        def apply(value: tuple[bool, QFont]) -> None:
            restoring = style.font_scale == 1.0 and not value[0]
            widget.setFont(QFont() if restoring else value[1])

        _restyle_state(widget, FONT_STATE, current, style, scaled, apply, style.font_scale != 1.0)


def _zoom_view(view: QGraphicsView, zoom: float) -> None:
    """Lay a pyqtgraph canvas out at 1/zoom of its size and draw it magnified (1: as Qt sizes it)."""
    if not isinstance(view, pg.GraphicsView):
        return
    was = view.property(ZOOM_STATE) or 1.0
    if was == zoom:
        return
    view.setProperty(ZOOM_STATE, zoom if zoom != 1.0 else None)
    size = view.size()
    if zoom == 1.0:
        view.setRange(QRectF(0, 0, size.width(), size.height()), padding=0, disableAutoPixel=False)
        view.autoPixelRange = True
        view.resizeEvent(None)
    else:
        view.setRange(QRectF(0, 0, size.width() / zoom, size.height() / zoom), padding=0)


def restyle_view(view: QGraphicsView, style: Style) -> None:
    """The canvas background, its zoom and every item of its scene."""
    brush = view.backgroundBrush()
    state = view.property("initviz_background")
    unchanged = state is not None and brush == state[2]
    if not (unchanged and state[0] == style) and (state is not None or not style.identity):
        original = state[1] if unchanged else QBrush(brush)
        wanted = map_value(style, "fill", original)
        view.setBackgroundBrush(wanted)
        view.setProperty("initviz_background", None if style.identity else (style, original, wanted))
    _zoom_view(view, style.zoom)
    for item in view.scene().items():
        restyle_item(item, style)
        drawn = getattr(item, "item", None)  # a legend sample drawing an item kept out of the plot
        if isinstance(item, pg.ItemSample) and isinstance(drawn, QGraphicsItem) and drawn.scene() is None:
            if restyle_item(drawn, style):
                item.update()


def restyle_widgets(root: QWidget, style: Style) -> list[QWidget]:
    """Style sheets and fonts of ``root`` and every widget under it; returns the widgets."""
    widgets = root.findChildren(QWidget)
    for widget in widgets:  # children before the root: their fonts are scaled from their own size
        restyle_widget(widget, style)
    restyle_widget(root, style, root=True)
    return [root, *widgets]


def restyle_tree(root: QWidget, style: Style) -> None:
    """Draw ``root`` and everything under it in ``style`` (once; see :class:`Restyler`)."""
    for view in [w for w in restyle_widgets(root, style) if isinstance(w, QGraphicsView)]:
        restyle_view(view, style)


class Restyler(QObject):
    """Keeps a live widget tree in a style: canvases are re-walked soon after they change (new
    curves, pens a view set anew), widgets every :data:`REFRESH_MS` while the style is not the
    identity; zoomed canvases keep their zoom when resized."""

    def __init__(self, root: QWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.root = root
        self.style = IDENTITY
        self._dirty: set[QGraphicsView] = set()
        self._watched: set[int] = set()
        self._soon = QTimer(self, singleShot=True, interval=0, timeout=self._refresh_dirty)
        self._timer = QTimer(self, interval=REFRESH_MS, timeout=self._refresh_widgets)

    def set_style(self, style: Style) -> None:
        if style.identity and self.style.identity:
            return  # nothing was restyled: nothing to walk (start-up with the system theme)
        self.style = style
        self.refresh()
        self._timer.stop() if style.identity else self._timer.start()

    def refresh(self) -> None:
        restyle_tree(self.root, self.style)
        for view in [self.root, *self.root.findChildren(pg.GraphicsView)]:
            if isinstance(view, pg.GraphicsView):
                self._watch(view)

    def _refresh_widgets(self) -> None:
        try:
            widgets = restyle_widgets(self.root, self.style)
        except RuntimeError:  # the window is being deleted
            self._timer.stop()
            return
        for widget in widgets:
            if isinstance(widget, pg.GraphicsView):
                self._watch(widget)

    def _watch(self, view: pg.GraphicsView) -> None:
        if id(view) in self._watched:
            return
        self._watched.add(id(view))
        view.installEventFilter(self)
        view.scene().changed.connect(lambda *_, v=view: self._changed(v))
        view.destroyed.connect(lambda *_, key=id(view): self._watched.discard(key))
        self._changed(view)  # a canvas that appeared since: restyle what it holds

    def _changed(self, view: pg.GraphicsView) -> None:
        if not self.style.identity:
            self._dirty.add(view)
            self._soon.start()

    def _refresh_dirty(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for view in dirty:
            try:
                restyle_view(view, self.style)
            except RuntimeError:  # deleted meanwhile
                pass

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        zoom = watched.property(ZOOM_STATE) if isinstance(watched, pg.GraphicsView) else None
        if zoom and event.type() == QEvent.Type.Resize:
            size = event.size()
            watched.range = QRectF(0, 0, size.width() / zoom, size.height() / zoom)
        return False
