"""The advisor view: the engine's diagnoses as readable cards, each with its one-click fix.

A card shows the severity (icon, colour and the word, so it reads without colour too), the
title, the plain-language message with its number (selectable, to quote it), the layers it
concerns and a button with the fix's label. Several diagnoses often share one fix (30 ReLU
layers with Xavier: vanishing signal, vanishing gradients and the mismatch all say "use He"):
the button appears once, on the first card with that fix (errors come first), and the other
cards name it and point there, so one problem never looks like three things to click.

A click applies every edit of the fix as ONE undo step (a fresh merge key per click), after
checking the whole fix against the current experiment, so a fix is applied whole or not at
all; a refusal shows on the card. Frames arrive often during a slider drag: cards are keyed by
(code, occurrence) and updated in place, so unchanged findings keep their widgets.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from initviz.engine import advisor_rules
from initviz.engine.advisor import apply_fix_to_dict
from initviz.engine.diagnosis import Diagnosis, Fix
from initviz.model.document import Document, Event
from initviz.model.experiment import parse_experiment, to_dict
from initviz.ui import histogram_style as hs
from initviz.ui.diag_advisor_card import BODY_PT, AdvisorCard, text_label
from initviz.ui.quiet import set_text
from initviz.ui.refusal import ERROR_STYLE, apply_edit

HEALTHY = ("#2e7d32", "#e8f5e9")
CHECKED = {  # rule code -> what it looks for, for the "no problems" line
    "nonfinite": "NaN/±inf values",
    "symmetric": "symmetric (identical) units",
    "vanishing_activations": "vanishing signals",
    "exploding_activations": "exploding signals",
    "vanishing_gradients": "vanishing gradients",
    "exploding_gradients": "exploding gradients",
    "saturated": "saturated units",
    "dead_relu": "dead ReLUs",
    "init_mismatch": "whether each init suits its activation (He for ReLU, Xavier/LeCun for tanh and sigmoid, "
                     "LeCun normal for SELU)",
}


def fix_key(fix: Fix) -> str:
    """Identity of a fix for deduplication (components are dicts, so not hashable)."""
    edits = [[list(e.layers), e.field, e.component] for e in fix.edits]
    return json.dumps([fix.label, edits], sort_keys=True)


def card_keys(advice: Sequence[Diagnosis]) -> list[tuple[str, int]]:
    """(code, occurrence) per diagnosis: stable while a drag only changes the numbers."""
    seen: dict[str, int] = {}
    keys = []
    for d in advice:
        seen[d.code] = seen.get(d.code, -1) + 1
        keys.append((d.code, seen[d.code]))
    return keys


def healthy_text(n_layers: int) -> str:
    checks = [CHECKED.get(code, code.replace("_", " ")) for code in advisor_rules.RULES]
    listed = ", ".join(checks[:-1]) + " and " + checks[-1]
    return (f"No problems found: across the {n_layers} layer{'s' if n_layers != 1 else ''}, the advisor "
            f"checked {listed}.")


class _Column(QWidget):
    """The scrolled list: tall enough for its word-wrapped cards at the width it gets (a
    scroll area alone sizes it from one-line hints and would clip long messages)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a card's text or style changed its height
            self.fit()
        return handled

    def fit(self) -> None:
        height = self.layout().heightForWidth(self.width())
        if height > 0 and height != self.minimumHeight():
            self.setMinimumHeight(height)


class AdvisorView(QWidget):
    """The advisor's findings for the frame on screen; ``fix_applied`` carries the undo label."""

    fix_applied = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        self._advice: tuple[Diagnosis, ...] | None = None
        self._labels: list[str] = []
        self._n_layers = 0
        self._preview = False
        self._stale = False
        self._cards: dict[tuple[str, int], AdvisorCard] = {}
        self.header = text_label(BODY_PT, bold=True)
        self.error = text_label(BODY_PT, selectable=True)  # a refusal of a fix applied without a card
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.placeholder = text_label(BODY_PT, selectable=True)
        self._list = QVBoxLayout()
        self._list.setSpacing(10)
        self._list.addWidget(self.placeholder)
        self._list.addStretch(1)
        self._column = _Column()
        self._column.setLayout(self._list)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._column)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.error)
        layout.addWidget(scroll, 1)
        unsubscribe = document.subscribe(self._on_event)
        self.destroyed.connect(lambda *_: unsubscribe())
        self.show_frame(None, [])

    # --- what the window calls -------------------------------------------------------------
    def needs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Kinds and diagnostics extras the worker must compute (the advice adds its own kinds)."""
        return (), ("advice",)

    def show_frame(self, frame: Any, labels: Sequence[str]) -> None:
        """Show the advice of ``frame``; ``labels``: one line per layer of the experiment the
        frame was computed from. ``frame`` None: "computing…". A frame without advice (computed
        without the "advice" extra) keeps the findings on screen, marked as being re-checked,
        rather than blanking them for a moment."""
        diagnostics = getattr(frame, "diagnostics", None)
        advice = None if diagnostics is None else diagnostics.advice
        if frame is not None and advice is None and self._advice is not None:
            self._stale = True
            self._update_header()
            return
        self._stale = False
        self._preview = bool(getattr(frame, "preview_of", None))
        self._n_layers = len(frame.layers) if frame is not None else 0
        labels = list(labels)
        if advice is None or advice != self._advice or labels != self._labels:
            self._advice, self._labels = advice, labels
            self._update_cards(advice or ())
        else:
            for card in self._cards.values():
                card.clear_status()
        self._update_placeholder()
        self._update_header()
        self._column.fit()

    def cards(self) -> list[AdvisorCard]:
        """The cards on screen, in order."""
        return [self._list.itemAt(k).widget() for k in range(self._list.count())
                if isinstance(self._list.itemAt(k).widget(), AdvisorCard)]

    def advice(self) -> tuple[Diagnosis, ...] | None:
        return self._advice

    def apply_fix(self, fix: Fix, card: AdvisorCard | None = None) -> bool:
        """Make every edit of ``fix`` as one undo step ("Advisor: <label>"); False when refused
        (the reason shows on ``card``) or when it changes nothing."""
        document, before = self._document, self._document.experiment
        label = f"Advisor: {fix.label}"
        merge_key = object()  # a fresh key: this click's edits merge with each other only

        def edit() -> None:
            parse_experiment(apply_fix_to_dict(to_dict(before), fix))  # whole or not at all
            for e in fix.edits:
                document.set_layer_field(e.layers, e.field, e.component, merge_key=merge_key, label=label)

        def roll_back() -> None:
            if document.experiment != before and document.undo_text == label:
                document.undo()

        error = card.error if card is not None else self.error
        applied = apply_edit(edit, error, roll_back)
        error.setVisible(bool(error.text()))
        if not applied or document.experiment == before:
            return False
        if card is not None:
            card.show_applied()
        self.fix_applied.emit(label)
        return True

    # --- inside ----------------------------------------------------------------------------
    def _update_cards(self, advice: Sequence[Diagnosis]) -> None:
        old, self._cards, owners = self._cards, {}, {}
        for key, diagnosis in zip(card_keys(advice), advice):
            card = old.pop(key, None)
            if card is None:
                card = AdvisorCard()
                card.fix_clicked.connect(lambda fix, c=card: self.apply_fix(fix, c))
            owner = owners.setdefault(fix_key(diagnosis.fix), diagnosis) if diagnosis.fix else diagnosis
            card.show_diagnosis(diagnosis, self._labels, None if owner is diagnosis else owner.title)
            self._cards[key] = card
        for card in old.values():
            self._list.removeWidget(card)
            card.hide()
            card.deleteLater()
        wanted = list(self._cards.values())
        if self.cards() != wanted:
            for card in wanted:
                self._list.removeWidget(card)
            for k, card in enumerate(wanted):
                self._list.insertWidget(1 + k, card)  # after the placeholder, before the stretch

    def _update_placeholder(self) -> None:
        if self._advice is None:
            text, colours = "Computing the advisor's checks…", None
        elif not self._advice:
            text, colours = "✓ " + healthy_text(self._n_layers), HEALTHY
        else:
            text, colours = "", None
        set_text(self.placeholder, text)
        self.placeholder.setVisible(bool(text))
        if colours:
            accent, background = colours
            style = (f"color: {hs.TEXT}; background: {background}; border: 1px solid {accent}; "
                     f"border-left: 7px solid {accent}; border-radius: 4px; padding: 10px;")
        else:
            style = f"color: {hs.MUTED_TEXT}; padding: 10px;"
        if self.placeholder.styleSheet() != style:
            self.placeholder.setStyleSheet(style)

    def _update_header(self) -> None:
        advice = self._advice
        if advice is None:
            text = "computing…"
        elif not advice:
            text = f"No problems found · {len(advisor_rules.RULES)} checks passed"
        else:
            errors = sum(d.severity == "error" for d in advice)
            fixes = len({fix_key(d.fix) for d in advice if d.fix})
            text = (f"{len(advice)} finding{'s' if len(advice) != 1 else ''}: {errors} error{'s' if errors != 1 else ''}, "
                    f"{len(advice) - errors} warning{'s' if len(advice) - errors != 1 else ''} · "
                    f"{fixes} one-click fix{'es' if fixes != 1 else ''}")
        if self._preview and advice is not None:
            text += " · on a preview of the batch"
        if self._stale:
            text += " · checking again…"
        set_text(self.header, text)

    def _on_event(self, event: Event) -> None:
        self._stale = True
        self._update_header()
