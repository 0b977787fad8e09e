"""The training controller: Start / Pause / Stop / Step for the document's experiment.

Orange's worker shape (DESIGN.md): one worker thread (a QThreadPool of one), every job gets its
own cancel handle, results come back on the GUI thread tagged with a run id, and anything from
a run that is no longer current is dropped. A run trains one frozen experiment: an edit that
changes what would be trained stops the run and marks it stale, so curves of one experiment
are never continued with another's network. Pause and Stop take effect within one training
step; the buttons' state changes at once.

States: ``idle`` (no run), ``starting`` (loading data, drawing the network), ``running``,
``paused``, ``finished``, ``diverged``, ``stopped``, ``stale`` (edited since) and ``failed``.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.ui import training_text as text
from initviz.ui.training_worker import ALL, TO_SNAPSHOT, ChunkUpdate, Regions, Run, RunInfo, TrainingJob, WorkerSignals

STATES = ("idle", "starting", "running", "paused", "finished", "diverged", "stopped", "stale", "failed")
LIVE = ("starting", "running")  # a job is working towards its target
RESUMABLE = ("paused",)


def training_key(experiment: Any) -> Any:
    """What a run depends on: everything but the name and the histogram view's input batch
    (``input.batch``/``distribution`` feed the histogram simulation, not the trainer)."""
    if experiment is None:
        return None
    return dataclasses.replace(experiment, name="", input=dataclasses.replace(experiment.input, batch=1,
                                                                               distribution="normal"))


class TrainingController(QObject):
    """Runs the document's experiment in the background in chunks (see the module docstring).

    ``document`` needs ``experiment`` and ``subscribe(callback) -> unsubscribe``. Signals carry
    the run id; a view draws only the current ``run_id``'s results. Call :meth:`shutdown` when
    done. ``chunk_ms``: work between two updates; ``grid_resolution``: decision-region pixels per
    side (the grid is recomputed at every snapshot of a 2-D classifier)."""

    state_changed = Signal(str)
    status_changed = Signal(str)  # one line for people
    run_ready = Signal(int, object)  # run_id, RunInfo
    history_changed = Signal(int, object)  # run_id, History (a frozen copy, after every chunk)
    regions_ready = Signal(int, int, object)  # run_id, evaluation index, Regions
    progress = Signal(int, int, int, float)  # run_id, step, total steps, steps per second
    diverged = Signal(int, int)  # run_id, the step whose loss was NaN/inf
    failed = Signal(int, str)  # run_id, message

    def __init__(self, document: Any, chunk_ms: float = 50.0, grid_resolution: int = 64,
                 memory_budget: int = DEFAULT_BUDGET_BYTES, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.chunk_s = chunk_ms / 1000.0
        self.grid_resolution = grid_resolution
        self.memory_budget = memory_budget
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = WorkerSignals(self)
        self._signals.ready.connect(self._on_ready)
        self._signals.update.connect(self._on_update)
        self._signals.ended.connect(self._on_ended)
        self._signals.failed.connect(self._on_failed)
        self._run: Run | None = None
        self._cancel = threading.Event()
        self._job_id = 0
        self._jobs_in_flight = 0
        self.run_id = 0
        self.state = "idle"
        self.status = ""
        self.info: RunInfo | None = None
        self.history: Any = None  # the current run's latest History
        self.regions: dict[int, Regions] = {}  # evaluation index -> decision regions
        self.steps_per_second = 0.0
        self._unsubscribe = document.subscribe(self._on_document)
        self._set_state("idle")

    # --- commands -------------------------------------------------------------------------

    def start(self) -> None:
        """Resume a paused run, else start a new run of the current experiment (no-op while running)."""
        if self.state in LIVE:
            return
        if self.state in RESUMABLE:
            self._submit(ALL, "running")
        else:
            self._new_run(ALL)

    def pause(self) -> None:
        """Stop stepping after the current step; :meth:`start` resumes the same run."""
        if self.state in LIVE:
            self._cancel.set()
            self._set_state("paused")

    def stop(self) -> None:
        """End the run (it cannot be resumed); its curves stay on screen."""
        if self.state in LIVE or self.state in RESUMABLE:
            self._cancel.set()
            self._set_state("stopped")

    def step(self, n: int = 1) -> None:
        """Take ``n`` steps and pause (a new run when none can resume; ignored while running)."""
        if n < 1 or self.state in LIVE:
            return
        if self.state in RESUMABLE:
            self._submit(n, "running")
        else:
            self._new_run(n)

    def step_snapshot(self) -> None:
        """Train up to the next snapshot step and pause."""
        if self.state in LIVE:
            return
        if self.state in RESUMABLE:
            self._submit(TO_SNAPSHOT, "running")
        else:
            self._new_run(TO_SNAPSHOT)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel the job, stop listening to the document and wait for the worker (call before
        the window closes: the document would otherwise keep calling a deleted controller)."""
        self._cancel.set()
        self._unsubscribe()
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)

    # --- state ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.state in LIVE

    @property
    def worker_idle(self) -> bool:
        """No job is queued or running (a paused or stopped job may take one more step to end)."""
        return self._jobs_in_flight == 0

    @property
    def step_count(self) -> int:
        """Updates applied in the current run: batches seen, less the one whose loss diverged."""
        if self.history is None:
            return 0
        return len(self.history.steps) - (1 if self.history.diverged else 0)

    def _new_run(self, target: int) -> None:
        self._cancel.set()  # whatever still runs belongs to an older run
        self.run_id += 1
        self._run = Run(self.run_id, self.document.experiment)
        self.info, self.history, self.regions, self.steps_per_second = None, None, {}, 0.0
        self._submit(target, "starting")

    def _submit(self, target: int, state: str) -> None:
        self._cancel = threading.Event()
        self._job_id += 1
        self._jobs_in_flight += 1
        self._set_state(state)
        self._pool.start(TrainingJob(self._run, self._job_id, target, self._cancel, self._signals, self.chunk_s,
                                     self.grid_resolution, self.memory_budget))

    def _set_state(self, state: str, status: str | None = None) -> None:
        changed = state != self.state
        self.state = state
        self._set_status(status if status is not None else text.status(self))
        if changed or state == "idle":
            self.state_changed.emit(state)

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)

    def _current(self, run_id: int) -> bool:
        return self._run is not None and run_id == self._run.run_id and self.state != "stale"

    # --- from the worker ------------------------------------------------------------------

    def _on_ready(self, run_id: int, info: RunInfo) -> None:
        if not self._current(run_id):
            return
        self.info = info
        if self.state == "starting":
            self._set_state("running")
        self.run_ready.emit(run_id, info)

    def _on_update(self, run_id: int, update: ChunkUpdate) -> None:
        if not self._current(run_id):
            return
        self.history = update.history
        if update.steps_per_second > 0:
            self.steps_per_second = update.steps_per_second
        for index, regions in update.regions:
            self.regions[index] = regions
            self.regions_ready.emit(run_id, index, regions)
        self.history_changed.emit(run_id, update.history)
        total = self.info.total_steps if self.info is not None else 0
        self.progress.emit(run_id, self.step_count, total, self.steps_per_second)
        if self.state in RESUMABLE and self._run_over():  # the steps taken after the pause ended the run
            self._settle(run_id)
        elif self.state != "failed":  # a pause or stop takes effect after updates already on their way
            self._set_status(text.status(self))

    def _on_ended(self, run_id: int, job_id: int) -> None:
        self._jobs_in_flight -= 1
        if not self._current(run_id) or job_id != self._job_id or self.state not in LIVE:
            return  # paused, stopped or superseded: the state was set when that happened
        self._settle(run_id)

    def _run_over(self) -> bool:
        history = self.history
        return history is not None and (history.diverged or (self.info is not None
                                                              and self.step_count >= self.info.total_steps))

    def _settle(self, run_id: int) -> None:
        """The state after a job reached its target: diverged, finished, or paused (a Step)."""
        if self.history is not None and self.history.diverged:
            self._set_state("diverged")
            self.diverged.emit(run_id, int(self.history.diverged_at))
        elif self._run_over():
            self._set_state("finished")
        else:
            self._set_state("paused")

    def _on_failed(self, run_id: int, message: str) -> None:
        if not self._current(run_id):
            return
        self._cancel.set()
        self._set_state("failed", text.failed(message))
        self.failed.emit(run_id, message)

    # --- the document ---------------------------------------------------------------------

    def _on_document(self, event: Any) -> None:
        if self.state in ("idle", "failed"):
            self._set_state("idle")  # the edit may have fixed what failed: say what Start would do now
            return
        if self.state == "stale" or self._run is None:
            return
        if training_key(self.document.experiment) == training_key(self._run.experiment):
            return
        was_live = self.state in LIVE or self.state in RESUMABLE
        self._cancel.set()
        self._set_state("stale", text.stale(self, was_live))
