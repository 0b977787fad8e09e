"""The layer-stack editor: the table of layers, its edit actions and the all-layers controls."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QTableView, QToolButton, QVBoxLayout, QWidget,
)

from initviz.errors import ExperimentError
from initviz.model.document import Document, Event
from initviz.model.experiment import Component
from initviz.ui.concepts import tip
from initviz.ui.inspector import choices_for
from initviz.ui.layer_model import LayerTableModel

ALL_LAYERS_PROMPT = {"activation": "All layers: activation…", "init": "All layers: init…"}


class LayerPanel(QWidget):
    """Table of layers with add/insert/duplicate/delete/move; emits ``selection_changed``."""

    selection_changed = Signal(list)
    error = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        self._emitted: list[int] = []
        self.model = LayerTableModel(document, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.table.setDragEnabled(True)
        self.table.setDropIndicatorShown(True)
        self.table.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        # Fit the columns to their text after edits settle: a resize-to-contents header asks every
        # row for every role after each edit (26 ms for 50 layers, 60 times a second in a drag).
        self._fit_columns = QTimer(self, singleShot=True, interval=150)
        self._fit_columns.timeout.connect(self.table.resizeColumnsToContents)
        for signal in (self.model.dataChanged, self.model.rowsInserted, self.model.modelReset, self.model.layoutChanged):
            signal.connect(self._fit_columns.start)
        self.table.selectionModel().selectionChanged.connect(self._emit_selection)
        self.actions_by_name = self._make_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        buttons = QGridLayout()  # two rows of three: the dock stays narrow enough for a 1280 px projector
        for k, name in enumerate(("add", "insert", "duplicate", "delete", "up", "down")):
            button = QToolButton()
            button.setDefaultAction(self.actions_by_name[name])
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button, k // 3, k % 3)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.all_layers = {field: self._all_layers_combo(field) for field in ALL_LAYERS_PROMPT}
        row = QHBoxLayout()
        for combo in self.all_layers.values():
            row.addWidget(combo, 1)
        layout.addLayout(row)
        self.count = QLabel()
        layout.addWidget(self.count)
        document.subscribe(self._on_event)
        self._on_event(Event("reset"))
        self.select([0])

    def _make_actions(self) -> dict[str, QAction]:
        specs = {
            "add": ("Add layer", "Ctrl+L", tip("add_layer"), self.add_layer),
            "insert": ("Insert layer", "Ins", tip("insert_layer"), self.insert_layer),
            "duplicate": ("Duplicate", "Ctrl+D", tip("duplicate"), self.duplicate),
            "delete": ("Delete", QKeySequence.StandardKey.Delete, tip("delete"), self.delete),
            "up": ("Move up", "Ctrl+Shift+Up", tip("move_up"), self.move_up),
            "down": ("Move down", "Ctrl+Shift+Down", tip("move_down"), self.move_down),
        }
        actions = {}
        for name, (text, shortcut, tooltip, slot) in specs.items():
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{tooltip} ({QKeySequence(shortcut).toString()})")
            action.triggered.connect(slot)
            actions[name] = action
        return actions

    def _all_layers_combo(self, field: str) -> QComboBox:
        combo = QComboBox()
        combo.addItem(ALL_LAYERS_PROMPT[field])
        combo.addItems(choices_for(field))
        combo.setToolTip(tip(f"all_{field}"))

        def chosen(i: int) -> None:
            if i > 0:
                self._run(lambda: self._document.set_all_layers(field, Component(combo.itemText(i))))
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        combo.currentIndexChanged.connect(chosen)
        return combo

    # --- selection ------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def select(self, rows: list[int]) -> None:
        model, selection = self.model, QItemSelection()
        for row in rows:
            if 0 <= row < model.rowCount():
                selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)
        if rows and 0 <= rows[0] < model.rowCount():
            self.table.selectionModel().setCurrentIndex(model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def _emit_selection(self, *_: object) -> None:
        rows = self.selected_rows()
        if rows != self._emitted:
            self._emitted = rows
            self.selection_changed.emit(rows)

    # --- edits ------------------------------------------------------------------------------
    def _run(self, edit) -> bool:
        try:
            edit()
        except ExperimentError as err:
            self.error.emit(str(err))
            return False
        return True

    def _rows_or_last(self) -> list[int]:
        return self.selected_rows() or [len(self._document.experiment.layers) - 1]

    def add_layer(self) -> None:
        layers = self._document.experiment.layers
        if self._run(lambda: self._document.insert_layers(len(layers), [layers[-1]])):
            self.select([len(layers)])

    def insert_layer(self) -> None:
        row = self._rows_or_last()[0]
        if self._run(lambda: self._document.insert_layers(row, [self._document.experiment.layers[row]])):
            self.select([row])

    def duplicate(self) -> None:
        rows = self._rows_or_last()
        if self._run(lambda: self._document.duplicate_layers(rows)):
            self.select([rows[-1] + 1 + k for k in range(len(rows))])

    def delete(self) -> None:
        rows = self.selected_rows()
        if rows and self._run(lambda: self._document.remove_layers(rows)):
            self.select([min(rows[0], len(self._document.experiment.layers) - 1)])

    def move_up(self) -> None:
        self._run(lambda: self._document.move_up(self.selected_rows()))

    def move_down(self) -> None:
        self._run(lambda: self._document.move_down(self.selected_rows()))

    def _on_event(self, event: Event) -> None:
        n = len(self._document.experiment.layers)
        self.count.setText(f"{n} layer{'s' if n != 1 else ''} · drag rows to reorder")
        self.actions_by_name["delete"].setEnabled(n > 1)
        if event.kind in ("reset", "removed") and not self.selected_rows():
            self.select([0])
        self._emit_selection()  # a move keeps the rows selected but changes their numbers
