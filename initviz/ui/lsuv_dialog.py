"""The LSUV dialog: run layer-sequential unit-variance init on the open experiment, read how
every layer converged, and apply the gains as one undoable edit.

LSUV (Mishkin & Matas 2015) runs in a background thread (a 50×512 net takes many seconds),
polls a cancel flag before each measurement, and reports back on the GUI thread with a run
id, so a cancelled run that ends late is ignored. Apply replaces every layer's init by
``orthogonal(gain = g_l)`` (``engine.lsuv.lsuv_layers``) in ONE undo step, and only while
the document still holds the experiment the gains were fitted on.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QProgressBar, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget,
)

from initviz.engine import advisor_wording as say
from initviz.engine import lsuv
from initviz.errors import ExperimentError
from initviz.model.document import Document, Event
from initviz.model.experiment import Experiment
from initviz.ui import histogram_style as hs
from initviz.ui.layer_model import layer_label
from initviz.ui.lsuv_tables import LsuvLayerModel, LsuvStepModel, problem_notes, summary_text
from initviz.ui.lsuv_worker import LsuvJob, RunSignals, parse_settings
from initviz.ui.refusal import ERROR_STYLE, apply_edit

BODY_PT = 12
INVALID_FIELD = "border: 2px solid #b00020;"


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    view.setFont(hs.font(BODY_PT))
    view.horizontalHeader().setFont(hs.font(BODY_PT, bold=True))
    return view


def _titled(title: str, widget: QWidget, below: QWidget | None = None) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 6, 0, 0)
    heading = QLabel(title)
    heading.setFont(hs.font(BODY_PT, bold=True))
    layout.addWidget(heading)
    layout.addWidget(widget, 1)
    if below is not None:
        layout.addWidget(below)
    return box


class LsuvDialog(QDialog):
    """LSUV settings, Run/Cancel, the per-layer table and the step log, Apply and Close.

    Signals: ``finished_run(result)`` after every run (the LsuvResult, or None when it was
    cancelled or failed); ``applied(label)`` after Apply, with the undo label."""

    finished_run = Signal(object)
    applied = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("LSUV initialisation")
        self.setFont(hs.font(BODY_PT))
        self.resize(980, 760)
        self._document = document
        self._result: lsuv.LsuvResult | None = None
        self._ran_on: Experiment | None = None
        self._applied_label = ""
        self._run_id = 0
        self._job_experiment: Experiment | None = None
        self._running = False
        self._cancel = threading.Event()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = RunSignals(self)
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._build()
        self._unsubscribe: Callable[[], None] | None = None
        self._listen()
        self._validate()

    # --- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        intro = QLabel("Layer-sequential unit-variance init (Mishkin &amp; Matas 2015): every layer starts "
                       "orthonormal and is rescaled, W ← W / √Var(z), on the experiment's input batch until "
                       "|Var(z) − 1| &lt; tol. Apply sets each init to <b>orthogonal(gain)</b> in one undo step.",
                       wordWrap=True)
        intro.setFont(hs.font(BODY_PT))
        self.tol = QLineEdit(f"{lsuv.DEFAULT_TOL:g}")
        self.tol.setToolTip("Stop rescaling a layer when |Var(z) − 1| is below this")
        self.max_iter = QLineEdit(str(lsuv.DEFAULT_MAX_ITER))
        self.max_iter.setToolTip("At most this many rescales per layer")
        for field in (self.tol, self.max_iter):
            field.setMaximumWidth(140)
            field.textChanged.connect(self._validate)
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel run")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        form = QFormLayout()
        form.addRow("tolerance: stop at |Var(z) − 1| <", self.tol)
        form.addRow("max iterations per layer", self.max_iter)
        controls = QHBoxLayout()
        controls.addLayout(form)
        controls.addStretch(1)
        controls.addWidget(self.run_button, 0, Qt.AlignmentFlag.AlignBottom)
        controls.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.error = QLabel(wordWrap=True, visible=False)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setFont(hs.font(BODY_PT, bold=True))
        self.progress = QProgressBar(visible=False, maximum=0)
        self.status = QLabel("Not run yet.", wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layer_model, self.step_model = LsuvLayerModel(self), LsuvStepModel(self)
        self.layer_table, self.step_table = _table(self.layer_model), _table(self.step_model)
        header = self.layer_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.layer_table.selectionModel().currentRowChanged.connect(self._show_steps_of)
        self.notes = QLabel(wordWrap=True, visible=False)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(_titled("Per layer", self.layer_table, self.notes))
        split.addWidget(_titled("Step log: every measurement, in order", self.step_table))
        split.setSizes([420, 300])
        buttons = QDialogButtonBox()
        self.apply_button = buttons.addButton("Apply", QDialogButtonBox.ButtonRole.ApplyRole)
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(controls)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)

    # --- public --------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    def result(self) -> lsuv.LsuvResult | None:
        """The last finished run's result (None before one finished)."""
        return self._result

    def settings(self) -> tuple[float, int]:
        """(tol, max_iter) from the fields; raises ExperimentError naming the invalid field."""
        return parse_settings(self.tol.text(), self.max_iter.text())

    def run(self) -> bool:
        """Start LSUV on the document's experiment in the background; False when the settings
        are invalid (shown inline) or a run is already going."""
        if self._running or not self._validate():
            return False
        tol, max_iter = self.settings()
        self._run_id += 1
        self._cancel = threading.Event()
        experiment = self._job_experiment = self._document.experiment
        self._set_running(True, f"Running LSUV on {len(experiment.layers)} layers…")
        self._pool.start(LsuvJob(self._run_id, experiment, tol, max_iter, self._cancel, self._signals))
        return True

    def run_blocking(self) -> lsuv.LsuvResult | None:
        """Run LSUV in this thread and show the result (scripts, screenshots); None when the
        settings are invalid or it failed (the reason shows inline)."""
        if self._running or not self._validate():
            return None
        tol, max_iter = self.settings()
        experiment = self._document.experiment
        try:
            result = lsuv.lsuv(experiment, tol, max_iter)
        except ExperimentError as err:
            self._show_error(str(err))
            return None
        self._show_result(result, experiment)
        return result

    def cancel(self) -> None:
        """Ask the running LSUV to stop before its next measurement."""
        if self._running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    def apply(self) -> bool:
        """Replace every layer's init by orthogonal(gain) as ONE undo step; False when there is
        nothing to apply or the experiment changed since the run (shown inline)."""
        result, document = self._result, self._document
        if result is None or self._ran_on is None:
            return False
        if document.experiment != self._ran_on:
            self._show_error("Refused — the experiment changed since LSUV ran: run it again.")
            return False
        label = f"LSUV init (orthogonal, gains {say.span(result.gains)})"
        specs = lsuv.lsuv_layers(self._ran_on, result)
        applied = apply_edit(lambda: document.set_layers(range(len(specs)), specs, label=label), self.error,
                             lambda: None)
        self._show_error(self.error.text())
        if not applied:
            return False
        if document.experiment == self._ran_on:
            self.status.setText("Nothing to change: every layer already has these orthogonal gains.")
            return False
        self._applied_label = label
        self.status.setText(self._apply_state())
        self.applied.emit(label)
        return True

    def done(self, code: int) -> None:
        """Closing stops a running LSUV and stops listening to the document (until shown again)."""
        self._cancel.set()
        self._pool.waitForDone(30000)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        super().done(code)

    def showEvent(self, event: QShowEvent) -> None:
        self._listen()
        self.status.setText(self._apply_state())
        super().showEvent(event)

    # --- inside --------------------------------------------------------------------------------
    def _listen(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = unsubscribe = self._document.subscribe(self._on_event)
            self.destroyed.connect(lambda *_: unsubscribe())  # also when a parent deletes it unclosed

    def _validate(self) -> bool:
        bad = ""
        try:
            self.settings()
        except ExperimentError as err:
            bad = err.path
            self._show_error(str(err))
        else:
            self._show_error("")
        self.tol.setStyleSheet(INVALID_FIELD if bad == "tol" else "")
        self.max_iter.setStyleSheet(INVALID_FIELD if bad == "max_iter" else "")
        self.run_button.setEnabled(not bad and not self._running)
        return not bad

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _set_running(self, running: bool, text: str) -> None:
        self._running = running
        self.progress.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.run_button.setEnabled(not running)
        self.tol.setReadOnly(running)
        self.max_iter.setReadOnly(running)
        self.status.setText(text)
        if running:
            self._show_error("")
        self._validate()
        self._apply_state()

    def _on_progress(self, run_id: int, measurements: int) -> None:
        if run_id == self._run_id and self._running and not self._cancel.is_set():
            layers = len(self._document.experiment.layers)
            self.status.setText(f"Running LSUV on {layers} layers… {measurements} measurements so far.")

    def _on_done(self, run_id: int, result: lsuv.LsuvResult | None) -> None:
        if run_id != self._run_id:
            return
        if result is None:
            self._set_running(False, "Cancelled — nothing was changed."
                              + (" The table shows the previous run." if self._result is not None else ""))
        else:
            self._show_result(result, self._job_experiment)
        self.finished_run.emit(result)

    def _on_failed(self, run_id: int, message: str) -> None:
        if run_id != self._run_id:
            return
        self._set_running(False, "LSUV did not run.")
        self._show_error(f"Refused — {message}")
        self.finished_run.emit(None)

    def _show_result(self, result: lsuv.LsuvResult, experiment: Experiment) -> None:
        self._result, self._ran_on, self._applied_label = result, experiment, ""
        labels = [layer_label(i, layer) for i, layer in enumerate(experiment.layers)]
        self.layer_model.set_result(result, labels)
        self.step_model.set_result(result, labels)
        for table in (self.layer_table, self.step_table):
            table.resizeColumnsToContents()
        notes = problem_notes(result)
        self.notes.setText(notes)
        self.notes.setVisible(bool(notes))
        self._set_running(False, summary_text(result))

    def _show_steps_of(self, current: Any, _previous: Any = None) -> None:
        row = self.step_model.first_row(current.row()) if current.isValid() else None
        if row is not None:
            self.step_table.scrollTo(self.step_model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)

    def _apply_state(self) -> str:
        """Enable Apply only for a result fitted on the experiment now in the document; the
        line that says why."""
        current = self._result is not None and self._document.experiment == self._ran_on
        self.apply_button.setEnabled(current and not self._running)
        if self._result is None:
            return "Not run yet."
        if current:
            self._applied_label = ""  # an undo brought back the experiment the gains fit
            return summary_text(self._result)
        if self._applied_label:
            return f"Applied: {self._applied_label} — one undo step (Edit ▸ Undo reverts it)."
        return "The experiment changed since this run: run LSUV again to apply its gains."

    def _on_event(self, event: Event) -> None:
        if not self._running:
            self.status.setText(self._apply_state())
