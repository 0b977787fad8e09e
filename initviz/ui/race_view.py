"""Race: train the experiment once per init scheme and compare — the fourth lesson, seen.

A dock tab or a dialog's body: the side panel (:mod:`race_controls`: schemes, target loss,
Run / Cancel), live loss curves (:mod:`race_plot`), the table (:mod:`race_table`) and "Use
this scheme". The race runs on one worker thread (:mod:`race_worker`); its progress and
partial curves come back on the GUI thread tagged with the race's id, so a cancelled race
that reports late is ignored.

Results belong to the experiment they were run on. They depend on everything in it except
the layers' weight inits (the race replaces them), its name, and the histogram batch
(``input.batch``/``input.distribution``, unused by training): any other edit marks them stale
— greyed, with a note — and an undo back to that experiment makes them current again. So
"Use this scheme" (one undoable edit of every layer's init) keeps them current.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Callable

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget,
)

from initviz.engine import race
from initviz.errors import ExperimentError
from initviz.model.document import Document, Event
from initviz.model.experiment import Component, Experiment, parse_scheme
from initviz.ui import histogram_style as hs
from initviz.ui.race_controls import RaceControls
from initviz.ui.race_plot import RacePlot
from initviz.ui.race_schemes import BODY_CSS, BODY_PT
from initviz.ui.race_style import CANCELLED, DONE, RUNNING, STALE_TEXT, RaceRow, summary_text
from initviz.ui.race_table import RaceTableModel, symmetry_note
from initviz.ui.race_worker import RaceJob, RaceOutcome, RaceProgress, RaceSignals, retarget, run_race
from initviz.ui.refusal import ERROR_STYLE, apply_edit

STALE_NOTE = ("The experiment changed since this race ran: the results are for the earlier version "
              "(greyed). Run the race again to update them.")
BANNER_STYLE = (f"background: #fff1b8; color: #1a1a1a; padding: 6px; border: 1px solid #d9c46a; "
                f"font-size: {BODY_PT}pt; font-weight: bold;")


def race_key(experiment: Experiment) -> Experiment:
    """What a race's results depend on: the experiment without its name, weight inits and
    histogram batch."""
    layers = tuple(dataclasses.replace(layer, init=Component("zeros")) for layer in experiment.layers)
    return dataclasses.replace(experiment, name="", layers=layers,
                               input=dataclasses.replace(experiment.input, batch=1, distribution="normal"))


class RaceView(QWidget):
    """Race the ticked schemes on the document's experiment.

    Signals: ``finished_race(outcome)`` after every race (a :class:`RaceOutcome`, None when it
    failed); ``applied(label)`` after "Use this scheme", with the undo label. Call
    :meth:`shutdown` before the window closes (it cancels and waits for the worker)."""

    finished_race = Signal(object)
    applied = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFont(hs.font(BODY_PT))
        self._document = document
        self._rows: list[RaceRow] = []
        self._result: race.RaceResult | None = None
        self._ran_on: Experiment | None = None
        self._steps, self._target, self._chance = 0, None, None
        self._race_id, self._running, self._saved = 0, False, None
        self._shown_state: tuple = ()
        self._cancel = [threading.Event()]  # the running race's; a list so `destroyed` can reach it
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = RaceSignals()  # no parent: a job finishing after the view is gone still has it
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._build()
        self._unsubscribe: Callable[[], None] | None = document.subscribe(self._on_event)
        self.destroyed.connect(lambda *_, u=self._unsubscribe, c=self._cancel: (c[0].set(), u()))
        self._refresh()

    def _build(self) -> None:
        self.controls = c = RaceControls()
        self.schemes, self.target, self.target_note, self.settings_line = c.schemes, c.target, c.target_note, \
            c.settings_line
        self.run_button, self.cancel_button, self.status, self.error = c.run_button, c.cancel_button, c.status, c.error
        c.schemes.changed.connect(self._refresh_controls)
        c.target.textChanged.connect(self._on_target_edited)
        c.run_button.clicked.connect(self.run)
        c.cancel_button.clicked.connect(self.cancel)
        self.stale_banner = QLabel(STALE_NOTE, wordWrap=True, visible=False)
        self.stale_banner.setStyleSheet(BANNER_STYLE)
        self.plot = RacePlot()
        self.model = RaceTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setFont(hs.font(BODY_PT, bold=True))
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._refresh())
        self.notes = QLabel(wordWrap=True, visible=False)
        self.use_button = QPushButton("Use this scheme")
        self.use_button.setToolTip("Set the selected run's scheme as the init of every layer (one undo step)")
        self.use_button.clicked.connect(self.use_selected)
        self.use_error = QLabel(wordWrap=True)
        self.use_error.setStyleSheet(ERROR_STYLE + BODY_CSS)
        use_row = QHBoxLayout()
        use_row.addWidget(self.use_button)
        use_row.addWidget(self.use_error, 1)
        top, bottom = QWidget(), QWidget()
        top_layout, bottom_layout = QVBoxLayout(top), QVBoxLayout(bottom)
        top_layout.addWidget(self.stale_banner)
        top_layout.addWidget(self.plot, 1)
        bottom_layout.addWidget(self.table, 1)
        bottom_layout.addWidget(self.notes)
        bottom_layout.addLayout(use_row)
        for layout in (top_layout, bottom_layout):
            layout.setContentsMargins(0, 0, 0, 0)
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(top)
        results.addWidget(bottom)
        results.setSizes([520, 300])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(c)
        split.addWidget(results)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

    # --- public --------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def stale(self) -> bool:
        """True when results are shown for an experiment the document no longer holds."""
        return self._ran_on is not None and race_key(self._ran_on) != race_key(self._document.experiment)

    def result(self) -> race.RaceResult | None:
        """The last race's finished runs, judged against the current target (None before one)."""
        return self._result

    def rows(self) -> list[RaceRow]:
        return list(self._rows)

    def run(self) -> bool:
        """Start the race on the document's experiment in the background; False (reason shown
        inline) when nothing is ticked, the target is invalid, there is no data, or one runs."""
        if self._running or self.controls.problem(self._document.experiment, False):
            return False
        schemes = self._start()
        self._cancel[0] = cancel = threading.Event()
        self._set_running(True, f"Starting the race of {len(schemes)} schemes…")
        self._pool.start(RaceJob(self._race_id, self._ran_on, schemes, self._target, cancel, self._signals))
        return True

    def run_blocking(self) -> RaceOutcome | None:
        """Race in this thread and show the result (scripts, screenshots); None when it cannot run."""
        if self._running or self.controls.problem(self._document.experiment, False):
            return None
        schemes = self._start()
        try:
            outcome = run_race(self._ran_on, schemes, self._target)
        except ExperimentError as err:
            self._on_failed(self._race_id, str(err))
            return None
        self._on_finished(self._race_id, outcome)
        return outcome

    def cancel(self) -> None:
        """Stop the race before its next step; the runs that finished are kept."""
        if self._running:
            self._cancel[0].set()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    def use_selected(self) -> bool:
        """Set the selected finished run's scheme as every layer's init, as ONE undo step."""
        index = self._selected()
        if index is None or self._rows[index].entry is None:
            return False
        row = self._rows[index]
        if index == self._in_use():
            self.status.setText(f"Every layer already uses {row.label}.")
            return False
        label = f"Init of every layer: {row.label} (from the race)"
        document = self._document
        done = apply_edit(lambda: document.set_layer_field(range(len(document.experiment.layers)), "init",
                                                           dict(row.init), label=label), self.use_error, lambda: None)
        if done:
            self.status.setText(f"Applied: {label} — one undo step.")
            self.applied.emit(label)
        return done

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel a running race, wait for the worker and stop listening to the document."""
        self._cancel[0].set()
        self._pool.waitForDone(timeout_ms)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # --- the race ------------------------------------------------------------------------------
    def _start(self) -> list[dict]:
        """A new race id, its rows and the experiment it runs on; the old state kept for a failure."""
        schemes = self.schemes.checked()
        self._saved = (self._rows, self._result, self._ran_on, self._steps, self._target, self._chance)
        self._race_id += 1
        self._ran_on = self._document.experiment
        self._rows = [RaceRow(race.label(*race.scheme_parts(s)), s) for s in schemes]
        self._result, self._steps, self._target, self._chance = None, 0, self.controls.target_value(), None
        return schemes

    def _on_progress(self, race_id: int, p: RaceProgress) -> None:
        if race_id != self._race_id or not self._running:
            return
        self._steps, self._chance = p.steps, p.chance_loss
        self._target = p.target_loss
        state = DONE if p.entry is not None else RUNNING
        self._rows[p.index] = RaceRow(p.label, self._rows[p.index].init, state, p.train_loss, p.entry, p.steps)
        self.controls.show_progress(p.fraction, None if self._cancel[0].is_set() else p.text)
        self._refresh()

    def _on_finished(self, race_id: int, outcome: RaceOutcome) -> None:
        if race_id != self._race_id:
            return
        result = outcome.result
        if result.entries:  # judged against the field as it is now (it may have changed meanwhile)
            result = retarget(result, self.controls.target_value(fallback=result.target_loss))
        self._result, self._chance, self._target, self._steps = result, result.chance_loss, result.target_loss, \
            outcome.steps
        for i, row in enumerate(self._rows):
            if i < len(result.entries):
                entry = result.entries[i]
                self._rows[i] = RaceRow(row.label, row.init, DONE, entry.history.train_loss, entry, outcome.steps)
            else:
                self._rows[i] = dataclasses.replace(row, state=CANCELLED)
        self._set_running(False, summary_text(result, outcome.cancelled, len(self._rows), outcome.steps))
        self.finished_race.emit(outcome)

    def _on_failed(self, race_id: int, message: str) -> None:
        if race_id != self._race_id:
            return
        self._rows, self._result, self._ran_on, self._steps, self._target, self._chance = self._saved
        self._set_running(False, "The race did not run.")
        self.controls.show_error(f"Refused — {message}")
        self.finished_race.emit(None)

    def _set_running(self, running: bool, text: str) -> None:
        self._running = running
        self.controls.set_running(running, text)
        self._refresh()

    # --- keeping the parts in line -------------------------------------------------------------
    def _selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows and rows[0].row() < len(self._rows) else None

    def _in_use(self) -> int | None:
        """The row whose scheme every layer of the experiment uses now."""
        inits = {layer.init for layer in self._document.experiment.layers}
        for i, row in enumerate(self._rows):
            if row.entry is not None and inits == {parse_scheme(row.init, "init")}:
                return i
        return None

    def _on_target_edited(self) -> None:
        invalid = object()
        target = self.controls.target_value(fallback=invalid)
        if target is not invalid and not self._running and self._result is not None and self._result.entries:
            self._result = retarget(self._result, target)
            self._target = self._result.target_loss
            entries = self._result.entries
            self._rows = [dataclasses.replace(row, entry=entries[i]) if i < len(entries) else row
                          for i, row in enumerate(self._rows)]
        self._refresh()

    def _on_event(self, event: Event) -> None:
        """A document edit: redraw only when it changed whether the results are current or
        which scheme is in use (a slider drag elsewhere sends many edits)."""
        if (self.stale, self._in_use()) != self._shown_state:
            self._refresh()
        else:
            self._refresh_controls()

    def _refresh_controls(self) -> str:
        self.controls.show_context(self._document.experiment, self._target, self._chance)
        return self.controls.problem(self._document.experiment, self._running)

    def _refresh(self) -> None:
        """Bring every part in line with the rows, the document and the selection."""
        stale, selected, in_use = self.stale, self._selected(), self._in_use()
        self._shown_state = (stale, in_use)
        self.stale_banner.setVisible(stale)
        self.plot.show_race(self._rows, self._steps, self._target, self._chance, stale, selected)
        self.model.set_rows(self._rows)
        self.model.set_state(stale, in_use)
        note = symmetry_note(self._rows)
        self.notes.setText(note)
        self.notes.setVisible(bool(note))
        self.notes.setStyleSheet((f"color: {STALE_TEXT};" if stale else "") + BODY_CSS)
        self.use_button.setEnabled(selected is not None and self._rows[selected].entry is not None)
        self._refresh_controls()
