"""The compute controller: debounce edits, run one simulation at a time, drop stale results.

Orange's worker shape (DESIGN.md): one worker; requests that arrive while it is busy are
coalesced into one follow-up job of the latest state; results come back on the GUI thread
and carry a generation, so one older than what is on screen is dropped. A running job
finishes (during a slider drag its frame is the most recent picture there is, so the view
follows the slider) unless it has run longer than ``cancel_after_ms``: then a newer request
cancels it, so a slow net does not delay the final state.

Previews: while edits keep coming (a drag) and the last full simulation of this shape took
longer than ``preview_budget_ms``, the worker simulates only the first rows of the batch
(the same rows: each input row is drawn in order from the input stream), scaled so a frame
fits the budget, and the picture follows the slider. When the edits stop, the full batch is
simulated and replaces the preview; a newer edit cancels that refinement at once.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from initviz.engine import network
from initviz.engine.cache import SimulationCache
from initviz.engine.frame import compute_frame
from initviz.engine.stats import KINDS
from initviz.ui.thread_priority import lower_this_thread
from initviz.ui.worker_errors import failure_message


class _JobSignals(QObject):
    finished = Signal(int, object)  # generation, Frame or None when cancelled
    failed = Signal(int, str)  # generation, message


@dataclasses.dataclass(frozen=True)
class _Request:
    experiment: Any
    kinds: tuple[str, ...]
    generation: int
    rows: int | None = None  # a preview on the first rows of the batch; None: the whole batch
    extras: tuple[str, ...] = ()  # diagnostics.EXTRAS to compute too
    similarity_layer: int | None = None


class _Job(QRunnable):
    """Simulate one experiment snapshot in the worker thread."""

    def __init__(self, request: _Request, signals: _JobSignals, cancelled: threading.Event, cache: SimulationCache):
        super().__init__()
        self.request, self.signals, self.cancelled, self.cache = request, signals, cancelled, cache

    def run(self) -> None:
        lower_this_thread()  # the GUI thread comes first
        request = self.request
        try:
            frame = compute_frame(request.experiment, cancel=self.cancelled.is_set, cache=self.cache,
                                  kinds=request.kinds, rows=request.rows, extras=request.extras,
                                  similarity_layer=request.similarity_layer)
        except network.Cancelled:
            frame = None
        except Exception as err:  # shown to the user; the app goes on
            self.signals.failed.emit(request.generation, failure_message(err, "simulation"))
            return
        self.signals.finished.emit(request.generation, frame)


def _shape(experiment: Any) -> tuple:
    """What the cost of a simulation depends on."""
    return (experiment.input.features, experiment.input.batch, experiment.dtype,
            tuple(layer.units for layer in experiment.layers))


class ComputeController(QObject):
    """``request(experiment)`` after every edit; ``frame_ready`` fires with frames in order."""

    frame_ready = Signal(object)  # Frame
    failed = Signal(str)
    busy_changed = Signal(bool)

    MIN_PREVIEW_ROWS = 32

    def __init__(self, debounce_ms: int = 0, cancel_after_ms: int = 400, preview_budget_ms: float = 40,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _JobSignals(self)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._timer = QTimer(self, singleShot=True, interval=debounce_ms)
        self._timer.timeout.connect(self._submit)
        self.cancel_after_ms = cancel_after_ms
        self.preview_budget_ms = preview_budget_ms
        self._pending: _Request | None = None
        self._latest: _Request | None = None  # the newest request, kept to refine a preview of it
        self._last_request_at = -1e9
        self._running: _Request | None = None
        self._running_since = 0.0
        self._full_ms: dict[tuple, float] = {}  # the last full simulation's time, by shape
        self._cancel = threading.Event()
        # only the one worker touches it, one job at a time; unit draws kept: a gain drag rescales them
        self._cache = SimulationCache(keep_unit_draws=True)
        self.generation = 0  # of the latest request
        self.shown_generation = 0  # of the latest frame or error delivered
        self.shown_preview = False  # whether that frame was a preview
        self.jobs_started = 0

    @property
    def busy(self) -> bool:
        return bool(self._running is not None or self._pending is not None)

    def request(self, experiment: Any, kinds: tuple[str, ...] = KINDS, interactive: bool = False,
                extras: tuple[str, ...] = (), similarity_layer: int | None = None) -> None:
        """Schedule a simulation of ``experiment`` with summaries of ``kinds`` (and the diagnostics
        ``extras``); it supersedes every earlier request. ``interactive``: part of a drag (a
        preview may stand in)."""
        now = time.perf_counter()
        interactive = interactive or now - self._last_request_at < 0.15  # edits in quick succession
        self._last_request_at = now
        self.generation += 1
        self._latest = _Request(experiment, tuple(kinds), self.generation, None, tuple(extras), similarity_layer)
        self._pending = dataclasses.replace(self._latest, rows=self._preview_rows(experiment) if interactive else None)
        if self._running is not None and self._running.rows is None and self._pending.rows is not None \
                and self._running.generation < self.generation:
            self._cancel.set()  # a full simulation would hold up the drag: let the preview run
        if not self._timer.isActive():  # a window from the first request, not restarted by later
            self._timer.start()         # ones: a burst becomes one job, a long drag still gets frames
        self.busy_changed.emit(True)

    def _preview_rows(self, experiment: Any) -> int | None:
        """Rows of the batch that fit the preview budget, or None when the whole batch does."""
        full_ms = self._full_ms.get(_shape(experiment))
        batch = experiment.input.batch
        if full_ms is None or full_ms <= self.preview_budget_ms:
            return None
        rows = int(batch * self.preview_budget_ms / full_ms) // self.MIN_PREVIEW_ROWS * self.MIN_PREVIEW_ROWS
        rows = max(rows, self.MIN_PREVIEW_ROWS)
        return rows if rows < batch else None

    def _submit(self) -> None:
        if self._pending is None:
            return
        if self._running is not None:  # one worker: run the latest state when this one ends
            if (time.perf_counter() - self._running_since) * 1000 > self.cancel_after_ms:
                self._cancel.set()
            return
        self._cancel = threading.Event()
        self._running, self._running_since = self._pending, time.perf_counter()
        self._pending = None
        self.jobs_started += 1
        self._pool.start(_Job(self._running, self._signals, self._cancel, self._cache))

    def _job_ended(self, generation: int, preview: bool) -> bool:
        """Start any coalesced follow-up (or the full batch after a preview); True when the result
        of ``generation`` is newer than what is shown."""
        self._running = None
        if self._pending is None and preview and self._latest is not None and self._latest.generation == generation:
            self._pending = self._latest  # the drag has paused: refine the preview
        self._submit()
        fresh = generation > self.shown_generation or (generation == self.shown_generation and self.shown_preview
                                                       and not preview)
        if fresh:
            self.shown_generation, self.shown_preview = generation, preview
        if not self.busy:
            self.busy_changed.emit(False)
        return fresh

    def _on_finished(self, generation: int, frame: Any) -> None:
        if frame is None:
            self._job_ended(0, False)
            return
        preview = frame.preview_of is not None
        if not preview and self._running is not None:
            self._full_ms[_shape(self._running.experiment)] = frame.seconds * 1000
        if self._job_ended(generation, preview):
            self.frame_ready.emit(frame)

    def _on_failed(self, generation: int, message: str) -> None:
        if self._job_ended(generation, False) and generation == self.generation:
            self.failed.emit(message)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel pending work and wait for the worker (call before the app quits)."""
        self._timer.stop()
        self._pending = self._latest = None
        self._cancel.set()
        self._pool.waitForDone(timeout_ms)
