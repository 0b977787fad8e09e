"""Data and training settings: which data set the net learns, and how (file format v2).

Choosing a data set resizes the net to fit it (input features, output units, loss) through
the document, so the change is one undo step; "none" removes the data and training sections.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

from initviz.engine import datasets
from initviz.model.document import Document, Event
from initviz.model.sections import OPTIMIZERS, TrainingSpec
from initviz.ui.concepts import tip
from initviz.ui.refusal import ERROR_STYLE, apply_edit, set_quietly

NO_DATA = "none (histograms only)"


class DataSettingsPanel(QWidget):
    """Data set, split and training settings, edited through the document."""

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        form = QFormLayout(self)
        self.data = QComboBox()
        self.data.addItems([NO_DATA, *datasets.names()])
        self.data.setToolTip(tip("data"))
        self.data.currentTextChanged.connect(self._set_data)
        self.n = QSpinBox(minimum=0, maximum=1_000_000, keyboardTracking=False, specialValueText="default")
        self.n.setToolTip(tip("examples"))
        self.n.valueChanged.connect(lambda v: self._set("data.n", v or None))
        self.test_fraction = _fraction(tip("test_fraction"))
        self.test_fraction.valueChanged.connect(lambda v: self._set("data.test_fraction", v))
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.optimizer.currentTextChanged.connect(lambda v: self._set("training.optimizer", v))
        self.learning_rate = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=10.0, singleStep=0.001,
                                            keyboardTracking=False)
        self.learning_rate.valueChanged.connect(lambda v: self._set("training.learning_rate", v))
        self.batch_size = QSpinBox(minimum=1, maximum=100_000, keyboardTracking=False)
        self.batch_size.valueChanged.connect(lambda v: self._set("training.batch_size", v))
        self.steps = QSpinBox(minimum=1, maximum=10_000_000, keyboardTracking=False)
        self.steps.valueChanged.connect(lambda v: self._set("training.steps", v))
        self.snapshot_every = QSpinBox(minimum=1, maximum=1_000_000, keyboardTracking=False)
        self.snapshot_every.setToolTip(tip("snapshot_every"))
        self.snapshot_every.valueChanged.connect(lambda v: self._set("training.snapshot_every", v))
        for widget, key in ((self.optimizer, "optimizer"), (self.learning_rate, "learning_rate"),
                            (self.batch_size, "batch_size"), (self.steps, "steps")):
            widget.setToolTip(tip(key))
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.training_rows = (self.n, self.test_fraction, self.optimizer, self.learning_rate, self.batch_size,
                              self.steps, self.snapshot_every)
        for label, widget in (("data", self.data), ("examples", self.n), ("held out", self.test_fraction),
                              ("optimizer", self.optimizer), ("learning rate", self.learning_rate),
                              ("batch size", self.batch_size), ("steps", self.steps),
                              ("snapshot every", self.snapshot_every)):
            form.addRow(label, widget)
        form.addRow(self.error)
        document.subscribe(self._on_event)
        self.refresh()

    def _set_data(self, name: str) -> None:
        value = None if name == NO_DATA else {"name": name}
        apply_edit(lambda: self._document.set_data(value), self.error, self.refresh)

    def _set(self, field: str, value: Any) -> None:
        if self._document.experiment.data is None:
            return
        apply_edit(lambda: self._document.set_setting(field, value), self.error, self.refresh)

    def _on_event(self, event: Event) -> None:
        if event.kind in ("settings", "reset"):
            self.refresh()

    def refresh(self) -> None:
        exp = self._document.experiment
        data, training = exp.data, exp.training or TrainingSpec()
        setters: list[tuple[QWidget, Callable[[], None]]] = [
            (self.data, lambda: self.data.setCurrentText(NO_DATA if data is None else data.name)),
            (self.n, lambda: self.n.setValue(0 if data is None or data.n is None else data.n)),
            (self.test_fraction, lambda: self.test_fraction.setValue(0.2 if data is None else data.test_fraction)),
            (self.optimizer, lambda: self.optimizer.setCurrentText(training.optimizer)),
            (self.learning_rate, lambda: self.learning_rate.setValue(training.learning_rate)),
            (self.batch_size, lambda: self.batch_size.setValue(training.batch_size)),
            (self.steps, lambda: self.steps.setValue(training.steps or 1)),
            (self.snapshot_every, lambda: self.snapshot_every.setValue(training.snapshot_every)),
        ]
        set_quietly(setters)
        for widget in self.training_rows:
            widget.setEnabled(data is not None)
        self.steps.setEnabled(data is not None and training.steps is not None)


def _fraction(tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox(decimals=2, minimum=0.05, maximum=0.9, singleStep=0.05, keyboardTracking=False)
    box.setToolTip(tip)
    return box
