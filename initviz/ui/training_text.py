"""The training dock's status line: one plain sentence per state, for a room to read."""

from __future__ import annotations

import math
from typing import Any

from initviz.errors import ExperimentError
from initviz.model.experiment import TrainingSpec
from initviz.ui.histogram_style import format_number

WARNING = "⚠"


def planned_steps(experiment: Any) -> int | None:
    """Steps a run of ``experiment`` would take (None without a usable data set)."""
    if experiment.data is None:
        return None
    try:
        shape = experiment.data.shape()
    except ExperimentError:
        return None
    return (experiment.training or TrainingSpec()).total_steps(shape.n - shape.n_test)


def ready(experiment: Any) -> str:
    """What Start would train, or why it cannot."""
    if experiment.data is None:
        return f"{WARNING} No data set: choose one (the experiment's data section) to train this network."
    try:
        shape = experiment.data.shape()
    except ExperimentError as err:
        return failed(str(err))
    spec = experiment.training or TrainingSpec()
    n_train = shape.n - shape.n_test
    total = spec.total_steps(n_train)
    return (f"Ready: Start (F5) trains on {shape.entry.name} ({n_train:,} train / {shape.n_test:,} held out): "
            f"{total:,} steps of {spec.effective_batch(n_train)}, {spec.optimizer} η = {format_number(spec.learning_rate)}.")


def _of(controller: Any) -> str:
    total = controller.info.total_steps if controller.info is not None else None
    return f"step {controller.step_count:,}" + (f" of {total:,}" if total else "")


def _held_out(history: Any) -> str:
    parts = []
    if len(history.test_loss) and math.isfinite(history.test_loss[-1]):
        parts.append(f"held-out loss {format_number(float(history.test_loss[-1]))}")
    if len(history.test_acc) and math.isfinite(history.test_acc[-1]):
        parts.append(f"held-out accuracy {100 * history.test_acc[-1]:.1f} %")
    return " · ".join(parts)


def status(controller: Any) -> str:
    """The status line for the controller's state."""
    state, history = controller.state, controller.history
    if state == "idle":
        return ready(controller.document.experiment)
    if state == "starting":
        return "Preparing the data and the network…"
    if state == "running":
        speed = f" · {controller.steps_per_second:,.0f} steps/s" if controller.steps_per_second > 0 else ""
        return f"Training · {_of(controller)}{speed}"
    if state == "paused":
        return f"Paused at {_of(controller)}: F5 resumes, F10 takes one step."
    if state == "finished" and history is not None:
        scores = _held_out(history)
        return (f"Finished {controller.step_count:,} steps in {history.seconds:.1f} s"
                + (f" · {scores}" if scores else "") + ".")
    if state == "diverged" and history is not None:
        return diverged(controller)
    if state == "stopped":
        return f"Stopped at {_of(controller)}. Start begins a new run."
    return controller.status


def diverged(controller: Any) -> str:
    """Where and why the run blew up."""
    experiment = controller._run.experiment if controller._run is not None else controller.document.experiment
    spec = experiment.training or TrainingSpec()
    return (f"{WARNING} Diverged at step {controller.history.diverged_at:,}: the training loss became NaN or "
            f"infinite, so training stopped there. The learning rate (η = {format_number(spec.learning_rate)}) "
            f"or the initial weights are too large.")


def failed(message: str) -> str:
    return f"{WARNING} Cannot train — {message}"


def stale(controller: Any, was_live: bool) -> str:
    """The run no longer matches the experiment being edited."""
    if was_live:
        return (f"{WARNING} Stopped at {_of(controller)}: the experiment was edited during the run. The curves "
                f"belong to the experiment as it was; Start trains the edited one.")
    return (f"{WARNING} The experiment was edited: these curves belong to it as it was before. "
            f"Start trains the edited one.")
