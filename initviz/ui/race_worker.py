"""A race in the background: the job that trains the experiment once per scheme on a worker
thread and reports each run's loss as it grows, so the curves are drawn while it trains.

:func:`run_race` is :func:`initviz.engine.race.race` opened up: the same engine pieces
(``scheme_parts``, ``with_init``, ``training.Trainer``, ``entry_of``, ``RaceResult``) in the same
order with the same data set and settings — so the numbers are the engine's (a test checks
them against ``race.race``) — but stepping each run itself, so it can send the partial loss
curve with the progress and keep the finished runs when the race is cancelled.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Signal

from initviz.engine import losses, race, training
from initviz.errors import ExperimentError
from initviz.ui.thread_priority import lower_this_thread
from initviz.ui.worker_errors import failure_message

DEFAULT_SCHEMES = "zeros,normal(std=0.01),normal(std=1),xavier_uniform,kaiming_normal,lecun_normal,orthogonal"
DEFAULT_TARGET_FRACTION = 0.5  # race.race's default target: half the chance loss
PROGRESS_EVERY_S = 0.1  # the partial curve is sent at most this often


def parse_target(text: str) -> float | None:
    """The target-loss field: empty means the engine's default (None); else a finite number > 0.
    Raises ExperimentError naming the field."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ExperimentError("target loss", f"got {text!r}; allowed: a number > 0, or empty for "
                                             f"{DEFAULT_TARGET_FRACTION:g} × the chance loss")
    return value


@dataclass(frozen=True)
class RaceProgress:
    """Where the race is: run ``index`` of ``runs`` (``label``) at ``step`` of ``steps``, its
    mini-batch losses so far, the target and chance losses, and ``entry`` once that run is done."""

    index: int
    runs: int
    label: str
    step: int
    steps: int
    train_loss: np.ndarray
    target_loss: float
    chance_loss: float
    entry: race.RaceEntry | None = None

    @property
    def text(self) -> str:
        return f"{self.index + 1} of {self.runs}: {self.label}, step {self.step}/{self.steps}"

    @property
    def fraction(self) -> float:
        """Share of all the race's steps done."""
        return (self.index * self.steps + self.step) / max(1, self.runs * self.steps)


@dataclass(frozen=True)
class RaceOutcome:
    """A finished or cancelled race: ``result`` holds every run that finished, in order;
    ``steps`` is the length of one run."""

    result: race.RaceResult
    cancelled: bool
    steps: int


def run_race(experiment: Any, schemes: Sequence[Any], target_loss: float | None = None,
             cancel: Callable[[], bool] | None = None, report: Callable[[RaceProgress], None] | None = None,
             snapshot_kinds: Sequence[str] = training.DEFAULT_SNAPSHOT_KINDS) -> RaceOutcome:
    """Train ``experiment`` on its data set once per scheme (every layer's weight init replaced),
    as :func:`race.race` does; ``report`` gets a :class:`RaceProgress` at the start of each run,
    at most every PROGRESS_EVERY_S while it trains and when it ends (with its entry)."""
    parts = [race.scheme_parts(s, f"schemes[{i}]") for i, s in enumerate(schemes)]
    if not parts:
        raise ExperimentError("schemes", "none ticked; tick at least one scheme to race")
    dataset = training.load_dataset(experiment)
    spec = training.settings_of(experiment)
    chance = losses.chance_loss(losses.get(experiment.loss).name, dataset.y_train, dataset.outputs)
    target = DEFAULT_TARGET_FRACTION * chance if target_loss is None else float(target_loss)
    steps = training.total_steps(spec, dataset.x_train.shape[0])
    send = report or (lambda _: None)
    entries: list[race.RaceEntry] = []
    for i, (name, given) in enumerate(parts):
        run_label = race.label(name, given)
        trainer = training.Trainer(race.with_init(experiment, name, given), dataset, spec, snapshot_kinds)

        def progress(entry: race.RaceEntry | None = None, trainer: training.Trainer = trainer,
                     i: int = i, run_label: str = run_label) -> RaceProgress:
            return RaceProgress(i, len(parts), run_label, trainer.step_count, trainer.total_steps,
                                np.array(trainer.train_loss, dtype=np.float64), target, chance, entry)

        send(progress())
        sent_at = [time.perf_counter()]

        def on_step(_step: int, _total: int, progress: Callable[..., RaceProgress] = progress) -> None:
            now = time.perf_counter()
            if now - sent_at[0] >= PROGRESS_EVERY_S:
                sent_at[0] = now
                send(progress())

        trainer.step(trainer.total_steps, cancel, on_step)
        if not trainer.done:
            return RaceOutcome(race.RaceResult(tuple(entries), target, chance), True, steps)
        entry = race.entry_of(run_label, {"name": name, **given}, trainer.history(run_label), target)
        entries.append(entry)
        send(progress(entry))
    return RaceOutcome(race.RaceResult(tuple(entries), target, chance), False, steps)


def retarget(result: race.RaceResult, target: float | None) -> race.RaceResult:
    """The same runs judged against another target (None: the default): steps to target and
    stalled are re-read from the histories, nothing is trained again."""
    target = DEFAULT_TARGET_FRACTION * result.chance_loss if target is None else float(target)
    entries = tuple(race.entry_of(e.label, e.init, e.history, target) for e in result.entries)
    return race.RaceResult(entries, target, result.chance_loss)


class RaceSignals(QObject):
    progress = Signal(int, object)  # race id, RaceProgress
    finished = Signal(int, object)  # race id, RaceOutcome
    failed = Signal(int, str)  # race id, message


class RaceJob(QRunnable):
    """:func:`run_race` on one experiment snapshot in the worker thread."""

    def __init__(self, race_id: int, experiment: Any, schemes: Sequence[Any], target: float | None,
                 cancel: threading.Event, signals: RaceSignals,
                 snapshot_kinds: Sequence[str] = training.DEFAULT_SNAPSHOT_KINDS):
        super().__init__()
        self.race_id, self.experiment, self.schemes, self.target = race_id, experiment, list(schemes), target
        self.cancel, self.signals, self.snapshot_kinds = cancel, signals, tuple(snapshot_kinds)

    def run(self) -> None:
        lower_this_thread()  # the GUI thread comes first
        try:
            outcome = run_race(self.experiment, self.schemes, self.target, self.cancel.is_set,
                               lambda p: self.signals.progress.emit(self.race_id, p), self.snapshot_kinds)
        except Exception as err:  # shown to the user; the app goes on
            self.signals.failed.emit(self.race_id, failure_message(err, "the race"))
            return
        self.signals.finished.emit(self.race_id, outcome)
