"""Setters that leave a widget alone when the value is already shown.

Qt relayouts a label for ``setText`` and re-polishes a widget for ``setStyleSheet`` even when
nothing changes, and a slider drag sends some 60 edits a second to every view that listens.
"""

from __future__ import annotations

from typing import Any


def set_text(widget: Any, text: str) -> None:
    """``widget.setText(text)`` unless it already shows ``text`` (QLabel, QLineEdit, QAction…)."""
    if widget.text() != text:
        widget.setText(text)


def set_style(widget: Any, css: str) -> None:
    """``widget.setStyleSheet(css)`` unless it already has that style sheet."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)
