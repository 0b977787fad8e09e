"""The compute controller: debounce edits, run one simulation at a time, drop stale results.

Orange's worker shape (DESIGN.md): one worker; requests that arrive while it is busy are
coalesced into one follow-up job of the latest state; results come back on the GUI thread
and carry a generation, so one older than what is on screen is dropped. A running job
finishes (during a slider drag its frame is the most recent picture there is, so the view
follows the slider) unless it has run longer than ``cancel_after_ms``: then a newer request
cancels it, so a slow net does not delay the final state.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from initviz.engine import network
from initviz.engine.cache import SimulationCache
from initviz.engine.frame import compute_frame
from initviz.engine.stats import KINDS
from initviz.errors import ExperimentError


class _JobSignals(QObject):
    finished = Signal(int, object)  # generation, Frame or None when cancelled
    failed = Signal(int, str)  # generation, message


class _Job(QRunnable):
    """Simulate one experiment snapshot in the worker thread."""

    def __init__(self, experiment: Any, kinds: tuple[str, ...], generation: int, signals: _JobSignals,
                 cancelled: threading.Event, cache: SimulationCache):
        super().__init__()
        self.cache = cache
        self.kinds = kinds
        self.experiment = experiment
        self.generation = generation
        self.signals = signals
        self.cancelled = cancelled

    def run(self) -> None:
        try:
            frame = compute_frame(self.experiment, cancel=self.cancelled.is_set, cache=self.cache, kinds=self.kinds)
        except network.Cancelled:
            frame = None
        except ExperimentError as err:
            self.signals.failed.emit(self.generation, str(err))
            return
        except Exception as err:  # shown to the user; the app goes on
            detail = traceback.format_exception_only(type(err), err)[-1].strip()
            self.signals.failed.emit(self.generation, f"simulation failed: {detail}")
            return
        self.signals.finished.emit(self.generation, frame)


class ComputeController(QObject):
    """``request(experiment)`` after every edit; ``frame_ready`` fires with frames in order."""

    frame_ready = Signal(object)  # Frame
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, debounce_ms: int = 30, cancel_after_ms: int = 400, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _JobSignals(self)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._timer = QTimer(self, singleShot=True, interval=debounce_ms)
        self._timer.timeout.connect(self._submit)
        self.cancel_after_ms = cancel_after_ms
        self._pending: Any = None
        self._pending_kinds: tuple[str, ...] = KINDS
        self._pending_generation = 0
        self._running_generation = 0  # 0: idle
        self._running_since = 0.0
        self._cancel = threading.Event()
        self._cache = SimulationCache()  # only the one worker touches it, one job at a time
        self.generation = 0  # of the latest request
        self.shown_generation = 0  # of the latest frame or error delivered
        self.jobs_started = 0

    @property
    def busy(self) -> bool:
        return bool(self._running_generation or self._pending is not None)

    def request(self, experiment: Any, kinds: tuple[str, ...] = KINDS) -> None:
        """Schedule a simulation of ``experiment`` with summaries of ``kinds``; it supersedes
        every earlier request."""
        self.generation += 1
        self._pending, self._pending_kinds, self._pending_generation = experiment, tuple(kinds), self.generation
        if not self._timer.isActive():  # a window from the first request, not restarted by later
            self._timer.start()         # ones: a burst becomes one job, a long drag still gets frames
        self.busy_changed.emit(True)

    def _submit(self) -> None:
        if self._pending is None:
            return
        if self._running_generation:  # one worker: run the latest state when this one ends
            if (time.perf_counter() - self._running_since) * 1000 > self.cancel_after_ms:
                self._cancel.set()
            return
        self._cancel = threading.Event()
        job = _Job(self._pending, self._pending_kinds, self._pending_generation, self._signals, self._cancel, self._cache)
        self._running_generation, self._running_since = self._pending_generation, time.perf_counter()
        self._pending = None
        self.jobs_started += 1
        self._pool.start(job)

    def _job_ended(self, generation: int) -> bool:
        """Start any coalesced follow-up; True when ``generation`` is newer than what is shown."""
        self._running_generation = 0
        self._submit()
        fresh = generation > self.shown_generation
        if fresh:
            self.shown_generation = generation
        if not self.busy:
            self.busy_changed.emit(False)
        return fresh

    def _on_finished(self, generation: int, frame: Any) -> None:
        if self._job_ended(generation if frame is not None else 0):
            self.frame_ready.emit(frame)

    def _on_failed(self, generation: int, message: str) -> None:
        if self._job_ended(generation) and generation == self.generation:
            self.failed.emit(message)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel pending work and wait for the worker (call before the app quits)."""
        self._timer.stop()
        self._pending = None
        self._cancel.set()
        self._pool.waitForDone(timeout_ms)
