"""The training worker: builds a run's Trainer and steps it in short chunks off the GUI thread.

One job runs at a time (the controller's pool has one thread), so a run's :class:`Trainer` is
only ever touched by one thread. A job steps until its target (every remaining step, n steps,
or the next snapshot), until its cancel handle is set (pause, stop, an edit) or until the run
is done; after every chunk of about ``chunk_s`` seconds it sends a frozen :class:`History`
copy. Chunks also end at snapshot steps, so the decision regions of a 2-D classifier are
computed from exactly the network that snapshot measured.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Signal

from initviz.engine import losses, training
from initviz.ui.thread_priority import lower_this_thread
from initviz.ui.worker_errors import failure_message

ALL = -1  # a job target: every remaining step
TO_SNAPSHOT = 0  # a job target: up to the next snapshot step


@dataclass(frozen=True)
class RunInfo:
    """What a run trains, known once its data set is loaded: the experiment it belongs to, its
    length, the task and, for 2-D classification, the data extent and training points."""

    run_id: int
    experiment: Any
    total_steps: int
    snapshot_every: int
    n_classes: int | None  # None: regression
    chance_loss: float  # the loss of the best constant guess (losses.chance_loss)
    description: str
    x_train: np.ndarray
    y_train: np.ndarray
    extent: tuple[tuple[float, float], tuple[float, float]] | None  # 2-D classification only

    @property
    def has_regions(self) -> bool:
        """Decision regions can be drawn: 2 input features and class labels."""
        return self.extent is not None


@dataclass(frozen=True)
class Regions:
    """The predicted class over the input plane at one snapshot: ``predicted[iy, ix]`` and its
    ``confidence`` in [0, 1] (the top softmax probability rescaled from [1/k, 1]; 1 for mse)."""

    step: int
    predicted: np.ndarray  # (resolution, resolution) uint8/int
    confidence: np.ndarray  # (resolution, resolution) float32
    x_range: tuple[float, float]
    y_range: tuple[float, float]


@dataclass(frozen=True)
class ChunkUpdate:
    """The run after a chunk: its history, regions of the snapshots taken in the chunk (by
    evaluation index) and the speed of the job so far (steps per wall-clock second)."""

    history: training.History
    regions: tuple[tuple[int, Regions], ...]
    steps_per_second: float


class WorkerSignals(QObject):
    ready = Signal(int, object)  # run_id, RunInfo (the trainer is built)
    update = Signal(int, object)  # run_id, ChunkUpdate
    ended = Signal(int, int)  # run_id, job_id
    failed = Signal(int, str)  # run_id, message for people


class Run:
    """One run: its id, the experiment it trains, and the trainer (touched by the worker only)."""

    def __init__(self, run_id: int, experiment: Any):
        self.run_id = run_id
        self.experiment = experiment
        self.trainer: training.Trainer | None = None
        self.extent: Any = None


def regions_of(trainer: training.Trainer, extent: Any, resolution: int) -> Regions:
    """The decision regions of the trainer's network as it is now."""
    grid = training.decision_grid(trainer, extent[0], extent[1], resolution)
    if trainer.loss.needs_labels:
        k = grid.scores.shape[-1]
        top = np.nan_to_num(grid.scores.max(axis=-1), nan=0.0)
        confidence = np.clip((top - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    else:
        confidence = np.ones(grid.predicted.shape)
    dtype = np.uint8 if grid.scores.shape[-1] <= 256 else np.int64
    return Regions(trainer.step_count, grid.predicted.astype(dtype), confidence.astype(np.float32),
                   extent[0], extent[1])


class TrainingJob(QRunnable):
    """Build the run's trainer if needed, then step it towards ``target`` (:data:`ALL`,
    :data:`TO_SNAPSHOT` or a number of steps) in chunks."""

    def __init__(self, run: Run, job_id: int, target: int, cancel: threading.Event, signals: WorkerSignals,
                 chunk_s: float, resolution: int, memory_budget: int):
        super().__init__()
        self.run_, self.job_id, self.target, self.cancel = run, job_id, target, cancel
        self.signals, self.chunk_s, self.resolution, self.memory_budget = signals, chunk_s, resolution, memory_budget

    def run(self) -> None:
        lower_this_thread()  # the GUI thread comes first
        run_id = self.run_.run_id
        try:
            if self.run_.trainer is None:
                self._build()
            self._train()
        except Exception as err:  # shown to the user; the app goes on
            self.signals.failed.emit(run_id, failure_message(err, "training"))
        self.signals.ended.emit(run_id, self.job_id)

    def _build(self) -> None:
        run = self.run_
        experiment = run.experiment
        dataset = training.load_dataset(experiment)
        trainer = training.Trainer(experiment, dataset, memory_budget=self.memory_budget)
        two_d = dataset.features == 2 and dataset.n_classes is not None
        run.extent = training.data_extent(dataset) if two_d else None
        chance = losses.chance_loss(trainer.loss.name, dataset.y_train, dataset.outputs)
        run.trainer = trainer
        info = RunInfo(run.run_id, experiment, trainer.total_steps, int(trainer.spec.snapshot_every),
                       dataset.n_classes, chance, dataset.description, dataset.x_train, dataset.y_train, run.extent)
        self.signals.ready.emit(run.run_id, info)
        regions = ((0, regions_of(trainer, run.extent, self.resolution)),) if two_d else ()
        self.signals.update.emit(run.run_id, ChunkUpdate(trainer.history(), regions, 0.0))

    def _steps_wanted(self, trainer: training.Trainer) -> int:
        left = trainer.total_steps - trainer.step_count
        if self.target == ALL:
            return left
        if self.target == TO_SNAPSHOT:
            every = int(trainer.spec.snapshot_every)
            return min(left, every - trainer.step_count % every)
        return min(left, self.target)

    def _train(self) -> None:
        trainer, run = self.run_.trainer, self.run_
        wanted, taken = self._steps_wanted(trainer), 0
        every = int(trainer.spec.snapshot_every)
        began = time.perf_counter()
        while taken < wanted and not trainer.done and not self.cancel.is_set():
            deadline = time.perf_counter() + self.chunk_s
            stop = lambda: self.cancel.is_set() or time.perf_counter() > deadline  # noqa: E731
            regions = []
            while taken < wanted and not trainer.done and not stop():
                n_evals = len(trainer.evaluations)
                got = trainer.step(min(wanted - taken, every - trainer.step_count % every), stop)
                taken += got
                if run.extent is not None and len(trainer.evaluations) > n_evals:
                    regions.append((len(trainer.evaluations) - 1, regions_of(trainer, run.extent, self.resolution)))
                if got == 0:
                    break
            seconds = time.perf_counter() - began  # the job's pace, snapshots and regions included
            self.signals.update.emit(run.run_id, ChunkUpdate(trainer.history(), tuple(regions),
                                                             taken / seconds if seconds > 0 else 0.0))
