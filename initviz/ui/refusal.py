"""Run one document edit from an editor; a refused edit shows its reason and restores the editor."""

from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtWidgets import QLabel, QWidget

from initviz.errors import ExperimentError

ERROR_STYLE = "color: #b00020; font-weight: bold;"


def apply_edit(edit: Callable[[], None], error_label: QLabel, restore: Callable[[], None]) -> bool:
    """Call ``edit``; on :class:`ExperimentError` show "Refused — reason" and call ``restore``."""
    try:
        edit()
    except ExperimentError as err:
        error_label.setText(f"Refused — {err}")
        restore()
        return False
    error_label.clear()
    return True


def set_quietly(setters: Sequence[tuple[QWidget, Callable[[], None]]]) -> None:
    """Show the document's values in editors without their change signals editing it back."""
    for widget, setter in setters:
        widget.blockSignals(True)
        setter()
        widget.blockSignals(False)
