"""One advisor card: a diagnosis with its severity, message, layers and one-click fix button.

The severity reads three ways — icon, colour and the word — so it survives a washed-out
projector and colour blindness. Text is selectable (quote the number in a lecture or a bug
report). A long fix label wraps inside its button instead of widening the dock.
"""

from __future__ import annotations

import html
from typing import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStyle, QStyleOptionButton, QVBoxLayout, QWidget,
)

from initviz.engine import advisor_wording as say
from initviz.engine.diagnosis import Diagnosis, Fix
from initviz.ui import histogram_style as hs
from initviz.ui.quiet import set_text
from initviz.ui.refusal import ERROR_STYLE

BODY_PT, TITLE_PT = 12, 13  # projector-first: nothing below 11 pt
SEVERITY = {  # severity: (word, accent, background, icon)
    "error": ("Error", "#c62828", "#fdecea", QStyle.StandardPixmap.SP_MessageBoxCritical),
    "warning": ("Warning", "#b26a00", "#fff4e0", QStyle.StandardPixmap.SP_MessageBoxWarning),
}
MIN_BUTTON_WIDTH = 220  # below its one-line width a fix button wraps its label instead of widening the dock
LABELS_IN_TOOLTIP = 40


def card_style(accent: str, background: str) -> str:
    return (f"QFrame#advisorCard {{ background: {background}; border: 1px solid {accent}; "
            f"border-left: 7px solid {accent}; border-radius: 4px; }} "
            f"QLabel {{ color: {hs.TEXT}; background: transparent; border: none; }}")


def common_tail(names: Sequence[str]) -> str:
    """The longest ending all ``names`` share that starts at a separator (" · relu · he · 64");
    "" when it would start inside a word or number ("12 · relu · 64" and "13 · relu · 164")."""
    tail = names[0]
    for name in names[1:]:
        k = 0
        while k < min(len(tail), len(name)) and tail[-1 - k] == name[-1 - k]:
            k += 1
        tail = tail[len(tail) - k:]
    if len(tail) == len(min(names, key=len)):  # a whole label: no boundary to check
        return tail
    while tail and (tail[0].isalnum() or tail[0] in "_."):
        tail = tail[1:]  # the shared part began inside a word or number
    return tail if tail.strip(" ·,:;-—–|") else ""


def layers_text(indices: Sequence[int], labels: Sequence[str]) -> tuple[str, str]:
    """Rich text naming the layers (what many of them share, else first … last) and a plain
    tooltip listing every label."""
    names = [labels[i] if 0 <= i < len(labels) else f"layer {i}" for i in indices]
    if not names:
        return "", ""
    if len(names) <= 3:
        text = f"<b>Layer{'s' if len(names) > 1 else ''}:</b> " + "; ".join(map(html.escape, names))
    elif tail := common_tail(names):
        text = f"<b>{say.capital(say.layers(indices))}</b>{html.escape(tail)} ({len(names)} layers)"
    else:
        text = (f"<b>{say.capital(say.layers(indices))}</b> ({len(names)} layers): "
                f"{html.escape(names[0])}  …  {html.escape(names[-1])}")
    more = len(names) - LABELS_IN_TOOLTIP
    tooltip = "\n".join(names[:LABELS_IN_TOOLTIP]) + (f"\n… and {more} more" if more > 0 else "")
    return text, tooltip


def text_label(point_size: int, bold: bool = False, selectable: bool = False, rich: bool = False) -> QLabel:
    """A word-wrapped label in the projector font; plain text unless ``rich``."""
    label = QLabel(wordWrap=True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setFont(hs.font(point_size, bold))
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                      | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label


class WrappingButton(QPushButton):
    """A push button whose text wraps at word boundaries to the width it is given."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        policy = QSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self.setText("\n".join(self._lines(self.width())))
            self.updateGeometry()

    def _padding(self) -> QSize:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        probe = QSize(200, 20)  # any size above the style's minimum button size
        return self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option, probe, self) - probe

    def _lines(self, width: int) -> list[str]:
        metrics, room = self.fontMetrics(), max(width - self._padding().width(), 1)
        lines: list[str] = []
        for word in self._full.split():
            if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= room:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return lines or [""]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return len(self._lines(width)) * self.fontMetrics().lineSpacing() + self._padding().height()

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self._full) + self._padding().width() + 2
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = min(self.sizeHint().width(), MIN_BUTTON_WIDTH)
        return QSize(width, self.heightForWidth(width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.setText("\n".join(self._lines(event.size().width())))
        super().resizeEvent(event)


class AdvisorCard(QFrame):
    """One diagnosis; ``fix_clicked`` carries its fix when this card owns the button."""

    fix_clicked = Signal(object)  # Fix

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("advisorCard")
        self.diagnosis: Diagnosis | None = None
        self._severity: str | None = None
        self._shown: tuple | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 12, 10)
        top = QHBoxLayout()
        self.icon = QLabel()
        self.title = text_label(TITLE_PT, bold=True, selectable=True)
        self.severity = text_label(BODY_PT, bold=True)
        self.severity.setWordWrap(False)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1)
        top.addWidget(self.severity, 0, Qt.AlignmentFlag.AlignTop)
        self.message = text_label(BODY_PT, selectable=True)
        self.layers = text_label(BODY_PT, selectable=True, rich=True)
        self.fix_button = WrappingButton()
        self.fix_button.setFont(hs.font(BODY_PT, bold=True))
        self.fix_button.clicked.connect(lambda: self.fix_clicked.emit(self.diagnosis.fix))
        self.fix_note = text_label(BODY_PT, selectable=True, rich=True)
        self.error = text_label(BODY_PT, selectable=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.status = text_label(BODY_PT)
        layout.addLayout(top)
        for widget in (self.message, self.layers, self.fix_button, self.fix_note, self.error, self.status):
            layout.addWidget(widget)
        for widget in (self.fix_button, self.fix_note, self.error, self.status):
            widget.hide()

    @property
    def fix_label(self) -> str:
        """The label of the fix this card's button applies ('' when it has no button)."""
        return self.fix_button.full_text() if self.fix_button.isVisibleTo(self) else ""

    def show_diagnosis(self, diagnosis: Diagnosis, labels: Sequence[str], shared_with: str | None) -> None:
        """Display ``diagnosis``; ``shared_with``: the title of the card above that owns its fix.
        Only the texts that differ are set again (no relayout when nothing changed)."""
        self.clear_status()
        shown = (diagnosis, tuple(labels), shared_with)
        if shown == self._shown:
            return
        self._shown, self.diagnosis = shown, diagnosis
        self._style(diagnosis.severity)
        set_text(self.title, diagnosis.title)
        set_text(self.message, diagnosis.message)
        text, tooltip = layers_text(diagnosis.layers, labels)
        set_text(self.layers, text)
        self.layers.setToolTip(tooltip)
        self.layers.setVisible(bool(text))
        self._show_fix(diagnosis.fix, shared_with)

    def _style(self, severity: str) -> None:
        if severity == self._severity:
            return
        self._severity = severity
        word, accent, background, icon = SEVERITY.get(severity, SEVERITY["warning"])
        self.setStyleSheet(card_style(accent, background))
        self.severity.setText(word)
        self.severity.setStyleSheet(f"color: {accent};")
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(28, 28))

    def _show_fix(self, fix: Fix | None, shared_with: str | None) -> None:
        owner = fix is not None and shared_with is None
        self.fix_button.setVisible(owner)
        self.fix_note.setVisible(fix is not None and not owner)
        if owner:
            self.fix_button.set_full_text(fix.label)
            self.fix_button.setToolTip(f"{fix.label}\n(one undo step: Edit ▸ Undo reverts it)")
            self.fix_button.setAccessibleName(fix.label)
        elif fix is not None:
            set_text(self.fix_note, f"<b>Fix:</b> “{html.escape(fix.label)}” — the same one-click fix as on "
                                     f"“{html.escape(shared_with)}” above.")
        self.fix_button.setEnabled(True)

    def show_applied(self) -> None:
        self.fix_button.setEnabled(False)
        self.status.setText("✓ Applied — re-checking the net…")
        self.status.show()

    def clear_status(self) -> None:
        self.fix_button.setEnabled(True)
        self.status.hide()
