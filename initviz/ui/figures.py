"""Any view as a figure: PNG at a chosen pixel size, SVG, or an image on the clipboard.

A :class:`Figure` is one widget, or several laid side by side (the training plots beside the
decision regions). Drawing resizes each part to its place, lets its layouts settle, paints it
with ``QWidget.render`` and gives it its old size back, so a live view can be exported without
a visible flicker (nothing is repainted in between). A figure never shown (headless, a fresh
copy) is shown off screen (``WA_DontShowOnScreen``) while it is drawn, so its docks and tabs
are laid out as in a window.

High-DPI: a PNG is painted into a ``QImage`` of exactly the asked pixels, laid out at
``size / scale`` logical pixels — the screen's devicePixelRatio never enters (``widget.grab()``
would return ratio × the size). ``scale`` 2 draws the same layout twice as sharp. SVG goes
through ``QSvgGenerator`` (pyqtgraph's SVGExporter fails with Qt 6.12, FACTS.md), with the
widget's logical DPI as resolution so axes line up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from PySide6.QtCore import QBuffer, QCoreApplication, QEvent, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette, QResizeEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QLayout, QWidget

from initviz.model.files import atomic_write_bytes
from initviz.ui.restyle import Style, restyle_tree

Parts = Callable[[QSize], list[tuple[QWidget, QRect]]]


@dataclass
class Figure:
    """A view to draw: ``widget``, or the ``parts`` it is made of for a given size."""

    title: str
    widget: QWidget
    parts: Parts | None = None
    keep: list = field(default_factory=list)  # objects that must live as long as the figure
    style: Style | None = None  # a theme, re-applied after the layout at the figure's size

    def layout(self, size: QSize) -> list[tuple[QWidget, QRect]]:
        return self.parts(size) if self.parts is not None else [(self.widget, QRect(QPoint(0, 0), size))]


def _settle() -> None:
    """Apply pending layouts (Qt and pyqtgraph post them) without painting anything."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def _deliver_resizes(widget: QWidget) -> None:
    """Send the resize events a hidden widget (a fresh figure, a tab behind another) keeps
    pending, parents before children, so its layouts and canvases take the new size now."""
    for w in [widget, *widget.findChildren(QWidget)]:
        if w.testAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent):
            w.setAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent, False)
            QCoreApplication.sendEvent(w, QResizeEvent(w.size(), w.size()))


def _resize(widget: QWidget, size: QSize) -> None:
    widget.resize(size)
    _deliver_resizes(widget)


def paint(figure: Figure, painter: QPainter, size: QSize) -> None:
    """Draw ``figure`` laid out at ``size`` (logical pixels) with ``painter``; a part inside a
    layout is freed from it meanwhile, and everything gets its old size back afterwards."""
    placed = figure.layout(size)
    frozen: list[QLayout] = []
    shown = _show_off_screen({id(w.window()): w.window() for w, _ in placed if not w.window().isVisible()})
    old = [(widget, widget.size()) for widget, _ in placed]
    try:
        for widget, rect in placed:
            parent = widget.parentWidget()
            layout = parent.layout() if parent is not None and not widget.isWindow() else None
            if layout is not None and layout.isEnabled():
                layout.setEnabled(False)
                frozen.append(layout)
            _resize(widget, rect.size())
        _settle()
        for widget, rect in placed:
            if figure.style is not None:  # items made while laying out (a legend) take the theme too
                restyle_tree(widget, figure.style)
            QWidget.render(widget, painter, rect.topLeft())  # pyqtgraph views override render()
    finally:
        for widget, before in old:
            if widget.size() != before:
                _resize(widget, before)
        for layout in frozen:
            layout.setEnabled(True)
            layout.invalidate()
            layout.activate()
        _settle()
        for window in shown:
            window.hide()
            window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, False)


def _show_off_screen(windows: dict[int, QWidget]) -> list[QWidget]:
    """Show never-shown figures (headless, fresh copies) without putting them on screen, so every
    layout, dock and tab is realised as in a window."""
    for window in windows.values():
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.show()
    return list(windows.values())


def background(figure: Figure) -> QColor:
    return figure.widget.palette().color(QPalette.ColorRole.Window)


def to_image(figure: Figure, size: tuple[int, int], scale: float = 1.0) -> QImage:
    """The figure as an image of exactly ``size`` pixels, laid out at ``size / scale``."""
    width, height = size
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(background(figure))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        paint(figure, painter, QSize(round(width / scale), round(height / scale)))
    finally:
        painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("could not encode the image as PNG")
    return bytes(buffer.data())


def save_png(figure: Figure, path: str, size: tuple[int, int], scale: float = 1.0) -> None:
    """Write the figure as a PNG of exactly ``size`` pixels (atomic; errors: ExperimentError)."""
    atomic_write_bytes(path, png_bytes(to_image(figure, size, scale)))


def svg_bytes(figure: Figure, size: tuple[int, int]) -> bytes:
    """The figure as an SVG document of ``size`` (user units = logical pixels)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(*size))
    generator.setViewBox(QRect(0, 0, *size))
    generator.setResolution(figure.widget.logicalDpiX())
    generator.setTitle(f"initviz — {figure.title}")
    painter = QPainter(generator)
    try:
        painter.fillRect(QRect(0, 0, *size), background(figure))
        paint(figure, painter, QSize(*size))
    finally:
        painter.end()
    # Qt writes the size in millimetres at the given resolution; say pixels, as asked
    head, sep, rest = bytes(buffer.data()).partition(b"\n viewBox=")
    head = re.sub(rb'<svg width="[^"]*" height="[^"]*"', f'<svg width="{size[0]}" height="{size[1]}"'.encode(), head)
    return head + sep + rest


def save_svg(figure: Figure, path: str, size: tuple[int, int]) -> None:
    atomic_write_bytes(path, svg_bytes(figure, size))


def save(figure: Figure, path: str, size: tuple[int, int], scale: float = 1.0) -> None:
    """PNG or SVG by the file's suffix."""
    if path.lower().endswith(".svg"):
        save_svg(figure, path, size)
    else:
        save_png(figure, path, size, scale)


def copy_to_clipboard(figure: Figure, size: tuple[int, int], scale: float = 1.0) -> QImage:
    """Put the figure on the clipboard as an image of ``size`` pixels; returns the image."""
    image = to_image(figure, size, scale)
    QGuiApplication.clipboard().setImage(image)
    return image
