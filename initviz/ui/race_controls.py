"""The race's side panel: schemes, target loss, what a run trains, Run / Cancel, progress.

It knows no document and starts nothing: :class:`~initviz.ui.race_view.RaceView` connects
the buttons and tells it what to show; :meth:`RaceControls.problem` says (inline) why a race
cannot start.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QScrollArea, QVBoxLayout,
    QWidget,
)

from initviz.errors import ExperimentError
from initviz.model.experiment import Experiment, TrainingSpec
from initviz.ui import histogram_style as hs
from initviz.ui.concepts import tip
from initviz.ui.quiet import set_style, set_text
from initviz.ui.race_schemes import BODY_CSS, BODY_PT, INVALID_FIELD, SchemeList
from initviz.ui.race_worker import DEFAULT_TARGET_FRACTION, parse_target
from initviz.ui.refusal import ERROR_STYLE


def settings_text(experiment: Experiment) -> str:
    """One sentence on what each run trains, or why nothing can."""
    data = experiment.data
    if data is None:
        return "This experiment has no data set to train on: give it one (its data section) to race schemes."
    shape = data.shape()
    spec = experiment.training or TrainingSpec()
    n_train = shape.n - shape.n_test
    return (f"Each run trains the {len(experiment.layers)} layers on {data.name} ({n_train} train / "
            f"{shape.n_test} held out) with {spec.optimizer}, η {spec.learning_rate:g}, batch "
            f"{spec.effective_batch(n_train)}, {spec.total_steps(n_train)} steps: same data, seeds and "
            f"settings; only the weight init changes.")


class RaceControls(QScrollArea):
    """The panel, in a scroll area so a short dock still reaches every control."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.schemes = SchemeList()
        self.target = QLineEdit()
        self.target.setPlaceholderText(f"auto: {DEFAULT_TARGET_FRACTION:g} × chance loss")
        self.target.setToolTip("A run reaches the target at the first step whose smoothed mini-batch loss is at "
                               "or below it. Changing it re-reads the finished runs: nothing retrains.")
        self.target_note = QLabel(wordWrap=True)
        self.target_note.setStyleSheet(f"color: {hs.MUTED_TEXT}; font-size: {BODY_PT - 1}pt;")
        self.settings_line = QLabel(wordWrap=True)
        self.error = QLabel(wordWrap=True, visible=False)
        self.error.setStyleSheet(ERROR_STYLE + BODY_CSS)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_button = QPushButton("Run race")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        for button, key in ((self.run_button, "race_run"), (self.cancel_button, "race_cancel"),
                            (self.schemes.add_button, "race_add")):
            button.setToolTip(tip(key))
        self.progress = QProgressBar(visible=False, maximum=1000, textVisible=False)
        self.status = QLabel("Not run yet.", wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QLabel("Schemes to race")
        heading.setFont(hs.font(BODY_PT, bold=True))
        form = QFormLayout()
        form.addRow("Target loss", self.target)
        form.addRow(self.target_note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        inside = QWidget()
        layout = QVBoxLayout(inside)
        layout.addWidget(heading)
        layout.addWidget(self.schemes)
        layout.addLayout(form)
        layout.addWidget(self.settings_line)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.setWidget(inside)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(320)

    def problem(self, experiment: Experiment, running: bool) -> str:
        """Why Run may not start now ("" when it may), shown inline; Run is enabled to match."""
        reason = ""
        if experiment.data is None:
            reason = "Refused — the experiment has no data set to train on."
        elif not self.schemes.checked():
            reason = "Tick at least one scheme to race."
        else:
            try:
                parse_target(self.target.text())
            except ExperimentError as err:
                reason = f"Refused — {err}"
        bad_target = reason.startswith("Refused — target loss")
        set_style(self.target, (INVALID_FIELD if bad_target else "") + BODY_CSS)
        if not running:
            self.show_error(reason)
        self.run_button.setEnabled(not running and not reason)
        return reason

    def show_error(self, text: str) -> None:
        set_text(self.error, text)
        self.error.setVisible(bool(text))

    def set_running(self, running: bool, text: str) -> None:
        self.progress.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.show_error("")
        self.cancel_button.setEnabled(running)
        self.schemes.set_editable(not running)
        self.status.setText(text)

    def show_progress(self, fraction: float, text: str | None) -> None:
        self.progress.setValue(round(1000 * fraction))
        if text is not None:
            self.status.setText(text)

    def show_context(self, experiment: Experiment, target: float | None, chance: float | None) -> None:
        """The settings sentence and, once a race told it, the target the runs are judged by."""
        set_text(self.settings_line, settings_text(experiment))
        if chance is None or target is None:
            return
        chance_text = hs.format_number(chance)
        auto = not self.target.text().strip()
        set_text(self.target_note, f"= {hs.format_number(target)} ({DEFAULT_TARGET_FRACTION:g} × chance {chance_text})"
                 if auto else f"chance loss {chance_text}")

    def target_value(self, fallback: Any = None) -> float | None:
        """The field's target (None: the engine's default); ``fallback`` when it is invalid."""
        try:
            return parse_target(self.target.text())
        except ExperimentError:
            return fallback
