"""A Qt table model over the document's layer list (a thin adapter, napari-style).

The model mirrors ``document.experiment.layers`` and updates the mirror only from the
document's events, inside the matching begin/end calls, so views keep selection and
``QAbstractItemModelTester`` stays satisfied. Edits go back as document commands.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QByteArray, QMimeData, QModelIndex, Qt

from initviz.engine import activations, initializers
from initviz.errors import ExperimentError
from initviz.model.document import Document, Event
from initviz.model.experiment import Component, LayerSpec

MIME_ROWS = "application/x-initviz-layer-rows"
COLUMNS = ("units", "activation", "init", "bias")
_DROP_FLAGS = Qt.ItemFlag.ItemIsDropEnabled
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
_UNITS_FLAGS = _ROW_FLAGS | Qt.ItemFlag.ItemIsEditable


def describe(component: Component) -> str:
    """``leaky_relu(negative_slope=0.1)``; just the name when no parameters are given."""
    if not component.params:
        return component.name
    return f"{component.name}(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                            for k, v in component.params) + ")"


def layer_label(index: int, layer: LayerSpec) -> str:
    """One line per layer for plots: ``3 · tanh · xavier_uniform · 256``."""
    return f"{index} · {describe(layer.activation)} · {describe(layer.init)} · {layer.units}"


def _tooltip(column: int, layer: LayerSpec) -> str | None:
    if column == 1:
        entry = activations.get(layer.activation.name)
        return f"{entry.description}\n{entry.formula}"
    if column in (2, 3):
        component = layer.init if column == 2 else layer.bias
        name = initializers.ALIASES.get(component.name, (component.name, {}))[0]
        scheme = initializers.SCHEMES[name]
        return f"{scheme.description}\n{scheme.formula}"
    return None


class LayerTableModel(QAbstractTableModel):
    """Rows are layers (the vertical header is the index); columns units, activation, init, bias.
    Units are editable in place."""

    MAX_CELL_SIGNALS = 256  # beyond this many changed cells, one range signal repaints the table

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self._document = document
        self._layers: list[LayerSpec] = list(document.experiment.layers)
        self.last_error: str = ""
        self._described: dict[int, tuple[LayerSpec, tuple]] = {}
        self._unsubscribe = document.subscribe(self._on_event)

    # --- read ---------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._layers)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return str(section) if 0 <= section < len(self._layers) else None  # the layer index

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._layers):
            return None
        layer, column = self._layers[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._cells(layer)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(column, layer)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _cells(self, layer: LayerSpec) -> tuple:
        """The row's texts, described once per layer spec (a resize-to-contents header asks
        every row again after each edit)."""
        hit = self._described.get(id(layer))
        if hit is None or hit[0] is not layer:
            if len(self._described) > 4 * len(self._layers) + 64:
                self._described.clear()
            hit = (layer, (layer.units, describe(layer.activation), describe(layer.init), describe(layer.bias)))
            self._described[id(layer)] = hit
        return hit[1]

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return _DROP_FLAGS
        return _UNITS_FLAGS if index.column() == 0 else _ROW_FLAGS

    # --- write (through the document) ---------------------------------------------------
    def setData(self, index: QModelIndex, value: Any, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != 0:
            return False
        try:
            self._document.set_layer_field([index.row()], "units", int(value))
        except (ExperimentError, ValueError, TypeError) as err:
            self.last_error = str(err)
            return False
        return True

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_ROWS]

    def mimeData(self, indexes) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(MIME_ROWS, QByteArray(json.dumps(rows).encode()))
        return mime

    def dropMimeData(self, mime: QMimeData, action, row: int, column: int, parent: QModelIndex) -> bool:
        """Move the dragged rows to the drop row. Returns False on purpose: the move is done,
        so the view must not also remove the source rows as after a copy."""
        if action != Qt.DropAction.MoveAction or not mime.hasFormat(MIME_ROWS):
            return False
        rows = json.loads(bytes(mime.data(MIME_ROWS)).decode())
        target = row if row >= 0 else (parent.row() if parent.isValid() else len(self._layers))
        target -= sum(1 for r in rows if r < target)  # position among the rows that stay
        self._document.move_layers(rows, target)
        return False

    # --- mirror the document ------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        new = list(self._document.experiment.layers)
        if event.kind == "inserted":
            for start, end in _runs(event.indices):
                self.beginInsertRows(QModelIndex(), start, end)
                self._layers[start:start] = new[start:end + 1]
                self.endInsertRows()
            self._renumber_from(min(event.indices))
        elif event.kind == "removed":
            for start, end in reversed(_runs(event.indices)):
                self.beginRemoveRows(QModelIndex(), start, end)
                del self._layers[start:end + 1]
                self.endRemoveRows()
            self._renumber_from(min(event.indices))
        elif event.kind == "moved":
            self._apply_permutation(event.order, new)
        elif event.kind == "changed":
            old, self._layers = self._layers, new
            self._emit_changed(old, event.indices)
        elif event.kind == "reset":
            self.beginResetModel()
            self._layers = new
            self.endResetModel()
        if self._layers != new:  # e.g. "settings" never touches rows; anything else must agree
            self.beginResetModel()
            self._layers = new
            self.endResetModel()

    def _emit_changed(self, old: list[LayerSpec], rows: tuple[int, ...]) -> None:
        """dataChanged for the cells whose field changed, one by one: a view repaints a single
        cell alone but all of itself for a range (a gain drag over 50 layers changes one
        column: 50 cells, not the whole table, 60 times a second). Very many cells: one range."""
        cells = [(row, column) for row in rows if row < len(old) for column, field in enumerate(COLUMNS)
                 if getattr(old[row], field) != getattr(self._layers[row], field)]
        if len(cells) > self.MAX_CELL_SIGNALS:
            for start, end in _runs(rows):
                self.dataChanged.emit(self.index(start, 0), self.index(end, len(COLUMNS) - 1))
            return
        for row, column in cells:
            cell = self.index(row, column)
            self.dataChanged.emit(cell, cell)

    def _renumber_from(self, row: int) -> None:
        """The vertical header (layer index) of every row from ``row`` down shows a new number."""
        if row < len(self._layers):
            self.headerDataChanged.emit(Qt.Orientation.Vertical, row, len(self._layers) - 1)

    def _apply_permutation(self, order: tuple[int, ...], new: list[LayerSpec]) -> None:
        self.layoutAboutToBeChanged.emit()
        where = {old: pos for pos, old in enumerate(order)}
        for persistent in self.persistentIndexList():
            if persistent.isValid():
                moved = self.index(where[persistent.row()], persistent.column())
                self.changePersistentIndex(persistent, moved)
        self._layers = new
        self.layoutChanged.emit()

    def close(self) -> None:
        """Stop listening to the document."""
        self._unsubscribe()


def _runs(indices: tuple[int, ...]) -> list[tuple[int, int]]:
    """Sorted indices as inclusive runs: (1, 2, 3, 7) -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for i in sorted(indices):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
