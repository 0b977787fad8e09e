"""Editors generated from a registry's :class:`~initviz.engine.params.Param` declarations.

A float gets a spin box; ``gain``, ``std`` and ``scale`` also get a slider (linear for gain,
logarithmic for the others); a float that may be ``"auto"`` gets an *auto* check box.
Every editor emits ``changed(name, value, merge_key)``; a slider drag carries one merge key
from press to release so it becomes a single undo step.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QSlider, QSpinBox, QWidget

from initviz.engine.params import Param
from initviz.ui.concepts import tip

SLIDER_STEPS = 400
# name -> (low, high, logarithmic)
SLIDER_SPANS = {"gain": (0.0, 4.0, False), "std": (1e-4, 10.0, True), "scale": (1e-2, 100.0, True)}


class _DragKey:
    """A fresh object per slider drag: edits with the same key merge into one undo step."""


class ParamEditor(QWidget):
    """One parameter: spin box (and slider / auto box where useful) or a choice combo."""

    changed = Signal(str, object, object)  # name, value, merge_key

    def __init__(self, param: Param, concept: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.param = param
        self._drag_key: _DragKey | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        text = (f"{concept}\n" if concept else "") + f"{param.name}: {param.doc}. Allowed: {param.allowed()}"
        self.setToolTip(text)
        self.combo = self.spin = self.slider = self.auto = None
        if param.kind == "choice":
            self.combo = QComboBox()
            self.combo.addItems(list(param.choices))
            self.combo.setToolTip(text)
            self.combo.currentTextChanged.connect(lambda text: self.changed.emit(param.name, text, None))
            row.addWidget(self.combo, 1)
            return
        self.spin = QSpinBox() if param.kind == "int" else QDoubleSpinBox()
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(text)
        if param.kind == "float":
            self.spin.setDecimals(6 if param.name == "std" else 3)
            self.spin.setSingleStep(0.01 if param.name in ("gain", "std", "sparsity") else 0.1)
        low = -1e9 if param.low is None else param.low
        high = 1e9 if param.high is None else (param.high - 1e-6 if param.high_open else param.high)
        self.spin.setRange(low, high)
        self.spin.valueChanged.connect(lambda v: self.changed.emit(param.name, v, None))
        row.addWidget(self.spin, 1)
        if param.name in SLIDER_SPANS:
            self.slider = QSlider(Qt.Orientation.Horizontal)
            self.slider.setRange(0, SLIDER_STEPS)
            self.slider.setToolTip(text)
            self.slider.sliderPressed.connect(self._start_drag)
            self.slider.sliderReleased.connect(self._end_drag)
            self.slider.valueChanged.connect(self._slider_moved)
            row.addWidget(self.slider, 2)
        if "auto" in param.choices:
            self.auto = QCheckBox("auto")
            self.auto.setToolTip(tip("gain_auto"))
            self.auto.toggled.connect(self._auto_toggled)
            row.addWidget(self.auto)

    # slider <-> value
    def _to_slider(self, value: float) -> int:
        low, high, log = SLIDER_SPANS[self.param.name]
        if log:
            value = math.log10(min(max(value, low), high))
            low, high = math.log10(low), math.log10(high)
        return round((min(max(value, low), high) - low) / (high - low) * SLIDER_STEPS)

    def _from_slider(self, position: int) -> float:
        low, high, log = SLIDER_SPANS[self.param.name]
        if log:
            return float(f"{10 ** (math.log10(low) + position / SLIDER_STEPS * (math.log10(high) - math.log10(low))):.4g}")
        return round(low + position / SLIDER_STEPS * (high - low), 4)

    def _start_drag(self) -> None:
        self._drag_key = _DragKey()

    def _end_drag(self) -> None:
        self._drag_key = None

    def _slider_moved(self, position: int) -> None:
        self.changed.emit(self.param.name, self._from_slider(position), self._drag_key)

    def _auto_toggled(self, on: bool) -> None:
        self.changed.emit(self.param.name, "auto" if on else float(self.spin.value()), None)

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting ``changed``."""
        widgets = [w for w in (self.combo, self.spin, self.slider, self.auto) if w is not None]
        for w in widgets:
            w.blockSignals(True)
        try:
            if self.combo is not None:
                self.combo.setCurrentText(str(value))
                return
            is_auto = value == "auto"
            if self.auto is not None:
                self.auto.setChecked(is_auto)
            self.spin.setEnabled(not is_auto)
            if self.slider is not None:
                self.slider.setEnabled(not is_auto)
            if not is_auto:
                self.spin.setValue(value)
                if self.slider is not None and self._drag_key is None:
                    self.slider.setValue(self._to_slider(float(value)))
        finally:
            for w in widgets:
                w.blockSignals(False)
