"""Experiment settings: name, seed (with reseed), input features, batch, distribution, dtype."""

from __future__ import annotations

import secrets
from typing import Any, Callable

from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from initviz.model.document import Document, Event
from initviz.model.experiment import DTYPES, INPUT_DISTRIBUTIONS, MAX_SIZE
from initviz.ui.concepts import tip
from initviz.ui.refusal import ERROR_STYLE, apply_edit, set_quietly

SEED_LIMIT = 2**31 - 1  # what a QSpinBox holds; files may carry larger seeds


class SettingsPanel(QWidget):
    """Edits the experiment-wide fields through the document."""

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setToolTip(tip("name"))
        self.name.editingFinished.connect(lambda: self._set("name", self.name.text()))
        self.seed = QSpinBox(minimum=0, maximum=SEED_LIMIT, keyboardTracking=False)
        self.seed.setToolTip(tip("seed"))
        self.seed.valueChanged.connect(lambda v: self._set("seed", v))
        self.reseed = QPushButton("Reseed")
        self.reseed.setToolTip(tip("reseed"))
        self.reseed.clicked.connect(lambda: self._set("seed", secrets.randbelow(SEED_LIMIT)))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.reseed)
        self.features = QSpinBox(minimum=1, maximum=MAX_SIZE, keyboardTracking=False)
        self.features.setToolTip(tip("features"))
        self.features.valueChanged.connect(lambda v: self._set("input.features", v))
        self.batch = QSpinBox(minimum=1, maximum=MAX_SIZE, keyboardTracking=False)
        self.batch.setToolTip(tip("batch"))
        self.batch.valueChanged.connect(lambda v: self._set("input.batch", v))
        self.distribution = QComboBox()
        self.distribution.addItems(list(INPUT_DISTRIBUTIONS))
        self.distribution.setToolTip(tip("input_distribution"))
        self.distribution.currentTextChanged.connect(lambda v: self._set("input.distribution", v))
        self.dtype = QComboBox()
        self.dtype.addItems(list(DTYPES))
        self.dtype.setToolTip(tip("dtype"))
        self.dtype.currentTextChanged.connect(lambda v: self._set("dtype", v))
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        form.addRow("name", self.name)
        form.addRow("seed", seed_row)
        form.addRow("input features", self.features)
        form.addRow("batch", self.batch)
        form.addRow("input", self.distribution)
        form.addRow("dtype", self.dtype)
        form.addRow(self.error)
        document.subscribe(self._on_event)
        self.refresh()

    def _set(self, field: str, value: Any) -> None:
        apply_edit(lambda: self._document.set_setting(field, value), self.error, self.refresh)

    def _on_event(self, event: Event) -> None:
        if event.kind in ("settings", "reset"):
            self.refresh()

    def refresh(self) -> None:
        exp = self._document.experiment
        setters: list[tuple[QWidget, Callable[[], None]]] = [
            (self.name, lambda: self.name.setText(exp.name)),
            (self.seed, lambda: self.seed.setValue(min(exp.seed, SEED_LIMIT))),
            (self.features, lambda: self.features.setValue(exp.input.features)),
            (self.batch, lambda: self.batch.setValue(exp.input.batch)),
            (self.distribution, lambda: self.distribution.setCurrentText(exp.input.distribution)),
            (self.dtype, lambda: self.dtype.setCurrentText(exp.dtype)),
        ]
        set_quietly(setters)
