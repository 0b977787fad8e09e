"""The inspector: edit the selected layer(s) — units, activation, init scheme, bias.

Editing several selected layers sets the field on all of them. Every edit is a document
command; a refused one shows its reason in red and the editor falls back to the document.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QVBoxLayout, QWidget

from initviz.engine import activations, initializers
from initviz.model.document import Document, Event
from initviz.model.experiment import MAX_SIZE, Component
from initviz.ui.concepts import param_tip, tip
from initviz.ui.param_editors import ParamEditor
from initviz.ui.refusal import ERROR_STYLE, apply_edit

FIELDS = ("activation", "init", "bias")
TITLES = {"activation": "Activation φ", "init": "Weight init W", "bias": "Bias init b"}


def choices_for(field: str) -> list[str]:
    """Names offered in the combo: canonical names, then aliases."""
    if field == "activation":
        return activations.names() + list(activations.ALIASES)
    if field == "bias":
        return initializers.names(for_bias=True)
    return initializers.names() + list(initializers.ALIASES)


def entry_for(field: str, name: str) -> tuple[Sequence, str, str]:
    """(params, description, formula) of a registry entry."""
    if field == "activation":
        entry = activations.get(name)
        return entry.params, entry.description, entry.formula
    scheme = initializers.SCHEMES[initializers.ALIASES.get(name, (name, {}))[0]]
    return scheme.params, scheme.description, scheme.formula


class ComponentEditor(QGroupBox):
    """A name combo, the entry's formula and one editor per parameter."""

    def __init__(self, field: str, apply: Callable[[Callable[[], None]], None], parent: QWidget | None = None):
        super().__init__(TITLES[field], parent)
        self.field = field
        self._apply = apply
        self._indices: list[int] = []
        self._document: Document | None = None
        self._shown_name: str | None = None
        self.editors: dict[str, ParamEditor] = {}
        layout = QVBoxLayout(self)
        self.combo = QComboBox()
        self.combo.addItems(choices_for(field))
        self.combo.setMaxVisibleItems(30)
        self.combo.textActivated.connect(self._name_chosen)
        self.formula = QLabel(wordWrap=True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula.setStyleSheet("color: #444;")
        self.form = QFormLayout()
        layout.addWidget(self.combo)
        layout.addWidget(self.formula)
        layout.addLayout(self.form)

    def bind(self, document: Document, indices: list[int]) -> None:
        self._document, self._indices = document, indices

    def show_component(self, component: Component, mixed: bool) -> None:
        """Display ``component`` (the first selected layer's); rebuild editors only when its name changes."""
        self.combo.blockSignals(True)
        self.combo.setCurrentText(component.name)
        self.combo.blockSignals(False)
        self.combo.setToolTip(tip(self.field) + ("\n(Selected layers differ; a choice here sets all of them.)"
                                                 if mixed else ""))
        params, description, formula = entry_for(self.field, component.name)
        if component.name != self._shown_name:
            self._rebuild(params, component.name)
            self._shown_name = component.name
        self.formula.setText(f"{description}\n{formula}" + ("\n(selected layers differ)" if mixed else ""))
        resolved = self._resolved(component)
        for name, editor in self.editors.items():
            editor.set_value(resolved[name])

    def _resolved(self, component: Component) -> dict[str, Any]:
        if self.field == "activation":
            return activations.resolve(component.name, component.kwargs)[1]
        return initializers.resolve(component.name, component.kwargs, for_bias=self.field == "bias")[1]

    def _rebuild(self, params: Sequence, owner: str) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        for param in params:
            editor = ParamEditor(param, concept=param_tip(self.field, owner, param.name))
            editor.changed.connect(self._param_changed)
            self.editors[param.name] = editor
            self.form.addRow(param.name, editor)

    def _name_chosen(self, name: str) -> None:
        doc, indices = self._document, self._indices
        old = doc.experiment.layers[indices[0]]
        accepted = {p.name for p in entry_for(self.field, name)[0]}
        kept = tuple((k, v) for k, v in getattr(old, self.field).params if k in accepted)
        self._apply(lambda: doc.set_layer_field(indices, self.field, Component(name, kept)))

    def _param_changed(self, name: str, value: Any, merge_key: Any) -> None:
        doc, indices = self._document, self._indices
        self._apply(lambda: doc.set_layer_param(indices, self.field, name, value, merge_key=merge_key))


class Inspector(QWidget):
    """Editors for the selected layers; ``set_selection`` tells it which."""

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        self._indices: list[int] = []
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        layout.addWidget(self.title)
        units_row = QFormLayout()
        self.units = QSpinBox(keyboardTracking=False, minimum=1, maximum=min(MAX_SIZE, 2**31 - 1))
        self.units.setToolTip(tip("units"))
        self.units.valueChanged.connect(lambda v: self._apply(lambda: document.set_layer_field(self._indices, "units", v)))
        units_row.addRow("units", self.units)
        layout.addLayout(units_row)
        self.components = {field: ComponentEditor(field, self._apply) for field in FIELDS}
        for editor in self.components.values():
            layout.addWidget(editor)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.error)
        layout.addStretch(1)
        document.subscribe(self._on_event)
        self.set_selection([0])

    def set_selection(self, indices: Sequence[int]) -> None:
        n = len(self._document.experiment.layers)
        self._indices = sorted(i for i in set(indices) if 0 <= i < n) or [0]
        self.error.clear()
        self.refresh()

    def selection(self) -> list[int]:
        return list(self._indices)

    def _apply(self, edit: Callable[[], None]) -> None:
        apply_edit(edit, self.error, self.refresh)

    def _on_event(self, event: Event) -> None:
        n = len(self._document.experiment.layers)
        if any(i >= n for i in self._indices):
            self._indices = [i for i in self._indices if i < n] or [0]
        self.refresh()

    def refresh(self) -> None:
        layers = [self._document.experiment.layers[i] for i in self._indices]
        first = layers[0]
        if len(layers) == 1:
            self.title.setText(f"Layer {self._indices[0]}")
        else:
            shown = ", ".join(map(str, self._indices[:8])) + ("…" if len(layers) > 8 else "")
            self.title.setText(f"{len(layers)} layers: {shown}")
        self.units.blockSignals(True)
        self.units.setValue(first.units)
        self.units.blockSignals(False)
        for field, editor in self.components.items():
            editor.bind(self._document, self._indices)
            values = {getattr(layer, field) for layer in layers}
            editor.show_component(getattr(first, field), mixed=len(values) > 1)
