"""LSUV in the background: validated settings, and the job that runs ``engine.lsuv.lsuv`` on a
worker thread, counting measurements (through the cancel poll) for the progress line."""

from __future__ import annotations

import math
import threading
import time

from PySide6.QtCore import QObject, QRunnable, Signal

from initviz.engine import lsuv, network
from initviz.errors import ExperimentError
from initviz.ui.thread_priority import lower_this_thread
from initviz.ui.worker_errors import failure_message
from initviz.model.experiment import Experiment

MAX_ITER_LIMIT = 1000  # the step log holds up to layers × (max_iter + 1) rows
PROGRESS_EVERY_S = 0.1


def parse_settings(tol_text: str, max_iter_text: str) -> tuple[float, int]:
    """(tol, max_iter) from the fields; ExperimentError naming the field when one is invalid
    (the rules of ``engine.lsuv.lsuv``, plus an upper bound on max_iter for the log)."""
    text = tol_text.strip()
    try:
        tol = float(text)
    except ValueError:
        tol = math.nan
    if not (math.isfinite(tol) and tol > 0):
        raise ExperimentError("tol", f"got {text!r}; allowed: a finite number > 0, e.g. {lsuv.DEFAULT_TOL}")
    text = max_iter_text.strip()
    try:
        max_iter = int(text)
    except ValueError:
        max_iter = 0
    if not 1 <= max_iter <= MAX_ITER_LIMIT:
        raise ExperimentError("max_iter", f"got {text!r}; allowed: a whole number from 1 to {MAX_ITER_LIMIT}")
    return tol, max_iter


class RunSignals(QObject):
    progress = Signal(int, int)  # run id, measurements so far
    done = Signal(int, object)  # run id, LsuvResult or None when cancelled
    failed = Signal(int, str)  # run id, message


class LsuvJob(QRunnable):
    """lsuv() on one experiment snapshot in the worker thread."""

    def __init__(self, run_id: int, experiment: Experiment, tol: float, max_iter: int,
                 cancel: threading.Event, signals: RunSignals):
        super().__init__()
        self.run_id, self.experiment, self.tol, self.max_iter = run_id, experiment, tol, max_iter
        self.cancel, self.signals = cancel, signals
        self._measurements, self._reported_at = 0, 0.0

    def _poll(self) -> bool:
        """lsuv polls this before each measurement: count them for the progress line."""
        self._measurements += 1
        now = time.perf_counter()
        if now - self._reported_at >= PROGRESS_EVERY_S:
            self._reported_at = now
            self.signals.progress.emit(self.run_id, self._measurements)
        return self.cancel.is_set()

    def run(self) -> None:
        lower_this_thread()  # the GUI thread comes first
        try:
            result = lsuv.lsuv(self.experiment, self.tol, self.max_iter, cancel=self._poll)
        except network.Cancelled:
            result = None
        except Exception as err:  # shown in the dialog; the app goes on
            self.signals.failed.emit(self.run_id, failure_message(err))
            return
        self.signals.done.emit(self.run_id, result)
