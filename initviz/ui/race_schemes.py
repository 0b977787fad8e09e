"""The race's scheme list: tick the schemes to race, add any scheme text, remove or reset.

Added text goes through :func:`initviz.engine.race.parse_schemes` and is checked against the
scheme registry (``race.scheme_parts``) before anything is added: a bad entry shows the
engine's message (it names the item and the field) under the field, and the list is unchanged.
An unknown name gets the closest known names instead of the engine's list of all of them
(that list is the error's tooltip).
"""

from __future__ import annotations

import difflib
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
    QWidget,
)

from initviz.engine import initializers, race
from initviz.errors import ExperimentError
from initviz.ui import histogram_style as hs
from initviz.ui.race_worker import DEFAULT_SCHEMES
from initviz.ui.refusal import ERROR_STYLE

BODY_PT = 12
INVALID_FIELD = "border: 2px solid #b00020;"
# A widget with a style sheet stops inheriting its parent's font: every sheet here names the size.
BODY_CSS = f"font-size: {BODY_PT}pt;"
SPEC_ROLE = Qt.ItemDataRole.UserRole


def describe(name: str, given: dict[str, Any]) -> str:
    """Tooltip of a scheme: the registry's one-line description and formula."""
    scheme, _ = initializers.resolve(name, given)
    alias = f" (= {scheme.name})" if scheme.name != name else ""
    return f"{name}{alias}: {scheme.description}\n{scheme.formula}"


def _checked(spec: dict[str, Any], index: int) -> tuple[str, dict[str, Any]]:
    """``race.scheme_parts``; an unknown name's error suggests the closest names instead of
    listing all of them (the full list goes to the error's tooltip, as ``err.full``)."""
    path = f"schemes[{index}]"
    try:
        return race.scheme_parts(spec, path)
    except ExperimentError as err:
        name = spec.get("name")
        known = initializers.names() + list(initializers.ALIASES)
        if name in known or not err.reason.startswith("unknown init scheme"):
            raise
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else "; hover here for the known names"
        short = ExperimentError(err.path, f"unknown init scheme {name!r}{hint}")
        short.full = str(err)
        raise short from None


class SchemeList(QWidget):
    """Checkable schemes, an "add" field with an inline error, Remove and Defaults.

    ``checked()`` gives the ticked schemes as ``{"name": ..., **params}`` in list order;
    ``changed`` fires after every tick, addition or removal."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setFont(hs.font(BODY_PT))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(self.list.fontMetrics().height() * 6)
        self.list.setMaximumHeight(self.list.fontMetrics().height() * 12)
        self.list.itemChanged.connect(lambda *_: self.changed.emit())
        self.field = QLineEdit()
        self.field.setPlaceholderText("add: e.g. normal(std=0.1), he_uniform")
        self.field.setToolTip("One or more schemes, comma-separated: name or name(key=value, …)")
        self.field.returnPressed.connect(self.add_from_field)
        self.field.textChanged.connect(lambda *_: self._show_error(""))
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_from_field)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected schemes from the list")
        self.remove_button.clicked.connect(self.remove_selected)
        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setToolTip(f"Back to the default list: {DEFAULT_SCHEMES.replace(',', ', ')}")
        self.defaults_button.clicked.connect(self.reset)
        self.error = QLabel(wordWrap=True, visible=False)
        self.error.setStyleSheet(ERROR_STYLE + BODY_CSS)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        add_row = QHBoxLayout()
        add_row.addWidget(self.field, 1)
        add_row.addWidget(self.add_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.defaults_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addLayout(add_row)
        layout.addWidget(self.error)
        self.reset()

    # --- reading ---------------------------------------------------------------------------
    def labels(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def checked(self) -> list[dict[str, Any]]:
        """The ticked schemes, in list order."""
        items = (self.list.item(i) for i in range(self.list.count()))
        return [dict(item.data(SPEC_ROLE)) for item in items if item.checkState() == Qt.CheckState.Checked]

    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""

    # --- editing ---------------------------------------------------------------------------
    def set_checked(self, label: str, checked: bool) -> None:
        for item in self.list.findItems(label, Qt.MatchFlag.MatchExactly):
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def add_text(self, text: str) -> bool:
        """Parse and check ``text`` (one or more schemes); add the new ones ticked, tick the ones
        already listed. False, with the reason shown inline, when any item is invalid."""
        try:
            parts = [_checked(spec, i) for i, spec in enumerate(race.parse_schemes(text))]
        except ExperimentError as err:
            self._show_error(f"Cannot add {text.strip()!r} — {err}", getattr(err, "full", ""))
            return False
        self.list.blockSignals(True)
        for name, given in parts:
            self._add(name, given)
        self.list.blockSignals(False)
        self._show_error("")
        self.changed.emit()
        return True

    def add_from_field(self) -> bool:
        if self.add_text(self.field.text()):
            self.field.clear()
            return True
        return False

    def remove_selected(self) -> None:
        rows = sorted((self.list.row(item) for item in self.list.selectedItems()), reverse=True)
        for row in rows:
            self.list.takeItem(row)
        if rows:
            self.changed.emit()

    def reset(self) -> None:
        """The default list, every scheme ticked."""
        self.list.clear()
        self.add_text(DEFAULT_SCHEMES)

    def set_editable(self, editable: bool) -> None:
        """Read-only while a race runs (the race keeps the list it started with anyway)."""
        for widget in (self.list, self.field, self.add_button, self.remove_button, self.defaults_button):
            widget.setEnabled(editable)

    # --- inside ----------------------------------------------------------------------------
    def _add(self, name: str, given: dict[str, Any]) -> None:
        text = race.label(name, given)
        found = self.list.findItems(text, Qt.MatchFlag.MatchExactly)
        item = found[0] if found else QListWidgetItem(text)
        if not found:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setData(SPEC_ROLE, {"name": name, **given})
            item.setToolTip(describe(name, given))
            self.list.addItem(item)
        item.setCheckState(Qt.CheckState.Checked)

    def _show_error(self, text: str, detail: str = "") -> None:
        self.error.setText(text)
        self.error.setToolTip(detail)
        self.error.setVisible(bool(text))
        self.field.setStyleSheet((INVALID_FIELD if text else "") + BODY_CSS)
