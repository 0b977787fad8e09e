"""The compute controller: debounce edits, run one simulation at a time, drop stale results.

Orange's worker shape (DESIGN.md): a new request cancels the running job; results return
on the GUI thread; a generation counter drops anything that is no longer current.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from initviz.engine import network
from initviz.engine.frame import compute_frame
from initviz.errors import ExperimentError


class _JobSignals(QObject):
    finished = Signal(int, object)  # generation, Frame
    failed = Signal(int, str)  # generation, message


class _Job(QRunnable):
    """Simulate one experiment snapshot in the worker thread."""

    def __init__(self, experiment: Any, generation: int, signals: _JobSignals, cancelled: threading.Event):
        super().__init__()
        self.experiment = experiment
        self.generation = generation
        self.signals = signals
        self.cancelled = cancelled

    def run(self) -> None:
        if self.cancelled.is_set():
            return
        try:
            frame = compute_frame(self.experiment, cancel=self.cancelled.is_set)
        except network.Cancelled:
            return
        except ExperimentError as err:
            self.signals.failed.emit(self.generation, str(err))
            return
        except Exception as err:  # shown to the user; the app goes on
            detail = traceback.format_exception_only(type(err), err)[-1].strip()
            self.signals.failed.emit(self.generation, f"simulation failed: {detail}")
            return
        self.signals.finished.emit(self.generation, frame)


class ComputeController(QObject):
    """``request(experiment)`` after every edit; ``frame_ready`` fires with the latest frame only."""

    frame_ready = Signal(object)  # Frame
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, debounce_ms: int = 30, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _JobSignals(self)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._timer = QTimer(self, singleShot=True, interval=debounce_ms)
        self._timer.timeout.connect(self._submit)
        self._pending: Any = None
        self._cancel = threading.Event()
        self.generation = 0
        self.jobs_started = 0

    def request(self, experiment: Any) -> None:
        """Schedule a simulation of ``experiment``; earlier requests become stale."""
        self.generation += 1
        self._pending = experiment
        self._cancel.set()
        self._timer.start()
        self.busy_changed.emit(True)

    def _submit(self) -> None:
        self._cancel = threading.Event()
        job = _Job(self._pending, self.generation, self._signals, self._cancel)
        self.jobs_started += 1
        self._pool.start(job)

    def _done(self, generation: int) -> bool:
        """True when ``generation`` is current (its job was the last one requested)."""
        if generation != self.generation:
            return False
        self.busy_changed.emit(False)
        return True

    def _on_finished(self, generation: int, frame: Any) -> None:
        if self._done(generation):
            self.frame_ready.emit(frame)

    def _on_failed(self, generation: int, message: str) -> None:
        if self._done(generation):
            self.failed.emit(message)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel pending work and wait for the worker (call before the app quits)."""
        self._timer.stop()
        self._cancel.set()
        self._pool.waitForDone(timeout_ms)
