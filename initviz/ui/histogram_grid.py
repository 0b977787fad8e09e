"""The grid view: one row per layer, one column per visible tensor kind.

Cells are created when a row first appears and then only updated; the layout is rebuilt
only when the number of layers or the visible kinds change. The bottom row carries one
x axis per column; the small plots have none (FACTS.md).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsWidget

from initviz.ui import histogram_data as hd
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_cell import HistogramCell
from initviz.ui.histogram_items import ValueAxis
from initviz.ui.histogram_widgets import TextBlock

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
TWO_LINE_ROWS = 14  # beyond this many rows a label gets one line


def label_lines(label: str, two_lines: bool) -> list[str]:
    """"3 · tanh · xavier_uniform · 256" → ["3 · tanh", "xavier_uniform · 256"] when two lines fit."""
    parts = label.split(" · ")
    if not two_lines or len(parts) < 3:
        return [label]
    return [" · ".join(parts[:2]), " · ".join(parts[2:])]


def column_spans(frame: Any, kinds: tuple[str, ...]) -> dict[str, hd.Span | None]:
    """Per kind the union of finite min/max over every layer of the current frame (the ghost
    is drawn within it, clipped, so an old wide picture never squeezes the new one); None for
    a kind with no finite value anywhere."""
    return {kind: hd.union_span(hd.finite_span(layer.summaries.get(kind)) for layer in frame.layers)
            for kind in kinds}


def column_ranges(frame: Any, kinds: tuple[str, ...]) -> dict[str, hd.Span]:
    """The x-range shown down each column: :func:`column_spans`, padded and rounded."""
    return {kind: hd.display_range(span) for kind, span in column_spans(frame, kinds).items()}


def cell_range(summary: Any) -> hd.Span:
    return hd.display_range(hd.finite_span(summary))


def ghost_summary(ghost: Any | None, layer: int, kind: str) -> Any | None:
    if ghost is None or layer >= len(ghost.layers):
        return None
    return ghost.layers[layer].summaries.get(kind)


def discard(item: QGraphicsWidget) -> None:
    """Take a graphics widget out of its scene for good."""
    item.setParentItem(None)
    if item.scene() is not None:
        item.scene().removeItem(item)
    item.deleteLater()


class GridView(QGraphicsWidget):
    """Rows of :class:`HistogramCell` under column titles, with layer labels on the left."""

    def __init__(self, parent: QGraphicsWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGraphicsGridLayout(self)
        self._grid.setContentsMargins(6, 4, 10, 4)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(5)
        self._kinds: tuple[str, ...] = hs.DEFAULT_KINDS
        self._titles: dict[str, TextBlock] = {}
        self._axes: dict[str, ValueAxis] = {}
        self._rows: list[dict[str, HistogramCell]] = []
        self._labels: list[TextBlock] = []
        self._selected: int | None = None
        self._laid_out: tuple[int, tuple[str, ...]] | None = None

    # --- structure -------------------------------------------------------------------------

    def kinds(self) -> tuple[str, ...]:
        return self._kinds

    def row_count(self) -> int:
        return len(self._rows)

    def cell(self, layer: int, kind: str) -> HistogramCell:
        return self._rows[layer][kind]

    def row_label(self, layer: int) -> TextBlock:
        return self._labels[layer]

    def set_structure(self, n_layers: int, kinds: tuple[str, ...]) -> None:
        """Have ``n_layers`` rows of ``kinds``; touches the layout only when that changes."""
        self._kinds = tuple(kinds)
        if self._laid_out == (n_layers, self._kinds):
            return
        self._clear_layout()
        for row, label in zip(self._rows[n_layers:], self._labels[n_layers:]):
            for item in [label, *(cell.view for cell in row.values())]:
                discard(item)
        del self._rows[n_layers:]
        del self._labels[n_layers:]
        while len(self._rows) < n_layers:
            self._labels.append(TextBlock(point_size=10.5, align=RIGHT, shrinkable=True))
            self._rows.append({})
        for layer, row in enumerate(self._rows):
            for kind in self._kinds:
                if kind not in row:
                    row[kind] = HistogramCell(kind, layer)
        for kind in self._kinds:
            if kind not in self._titles:
                self._titles[kind] = TextBlock([hs.KIND_TITLES[kind]], point_size=13, bold=True,
                                               colour=hs.KIND_COLOURS[kind], elastic=True)
                self._axes[kind] = ValueAxis()
        self._relayout()

    def _clear_layout(self) -> None:
        while self._grid.count():
            self._grid.removeAt(self._grid.count() - 1)
        for item in self.childItems():
            if isinstance(item, QGraphicsWidget):
                item.hide()

    def _relayout(self) -> None:
        n = len(self._rows)
        for col, kind in enumerate(self._kinds, start=1):
            self._place(self._titles[kind], 0, col)
            self._grid.setColumnStretchFactor(col, 1)
            for layer in range(n):
                self._place(self._rows[layer][kind].view, layer + 1, col)
            if n:
                for layer in range(n - 1):
                    self._rows[layer][kind].attach_axis(None)
                self._rows[n - 1][kind].attach_axis(self._axes[kind])
                self._place(self._axes[kind], n + 1, col)
        self._grid.setColumnStretchFactor(0, 0)
        for layer, label in enumerate(self._labels):
            self._place(label, layer + 1, 0)
            self._grid.setRowStretchFactor(layer + 1, 1)
        for row in (0, n + 1):
            self._grid.setRowStretchFactor(row, 0)
        self._laid_out = (n, self._kinds)
        self._grid.activate()  # place the items now: a grab or a click may come before the event loop runs

    def _place(self, item: QGraphicsWidget, row: int, col: int) -> None:
        self._grid.addItem(item, row, col)
        item.show()

    # --- data ------------------------------------------------------------------------------

    def update_frame(self, frame: Any, labels: list[str], ghost: Any | None, log: bool, shared: bool) -> None:
        """Apply a frame: row labels, then every visible cell with its x-range."""
        self.set_structure(len(frame.layers), self._kinds)
        two_lines = len(frame.layers) <= TWO_LINE_ROWS
        for i, label in enumerate(self._labels):
            label.set_lines(label_lines(labels[i] if i < len(labels) else str(i), two_lines))
        columns = column_ranges(frame, self._kinds) if shared else None
        for layer_frame, row in zip(frame.layers, self._rows):
            for kind in self._kinds:
                summary = layer_frame.summaries[kind]
                g = ghost_summary(ghost, layer_frame.index, kind)
                x_range = columns[kind] if columns is not None else cell_range(summary)
                law = layer_frame.weight_law if kind == "weights" else None
                row[kind].show(summary, x_range, log, ghost=g, law=law, show_range=not shared)
        spans = column_spans(frame, self._kinds)
        for kind in self._kinds:  # own ranges: one row's axis would mislabel the others'
            self._axes[kind].setVisible(shared and spans[kind] is not None)

    # --- selection -------------------------------------------------------------------------

    def set_selected(self, layer: int | None) -> None:
        if self._selected is not None and self._selected < len(self._labels):
            self._labels[self._selected].set_highlight(None)
        self._selected = layer
        if layer is not None and layer < len(self._labels):
            self._labels[layer].set_highlight(hs.SELECTED_ROW)

    def layer_at(self, scene_pos: QPointF) -> int | None:
        """The layer whose row (label or any cell) is under ``scene_pos``."""
        for layer, label in enumerate(self._labels):
            top = label.sceneBoundingRect()
            if top.top() <= scene_pos.y() <= top.bottom():
                left = top.left()
                right = max((self._rows[layer][kind].view.sceneBoundingRect().right() for kind in self._kinds),
                            default=top.right())
                if left <= scene_pos.x() <= right:
                    return layer
        return None
