"""A race: the same network, data and seeds trained once per init scheme.

Each run replaces every layer's weight init (biases keep theirs) and trains with the same
training settings, so the only difference is the init: the loss curves show which scheme
trains, which trains late, which stalls and which diverges. Per run the table gives:

- ``steps_to_target``: the first step whose smoothed mini-batch loss (trailing mean over
  ``SMOOTHING`` steps) is ≤ the target loss; None if never. The default target is half the
  chance loss (:func:`losses.chance_loss`: ln(classes) for balanced cross-entropy), i.e. the
  network has learned half of what a constant guess cannot.
- final loss on the tracked training rows and the held-out set, final accuracies;
- ``diverged``: the loss became NaN/inf (the run stopped there);
- ``stalled``: not diverged, never reached the target, and the mean loss over the last tenth
  of the steps is within 1% of the mean over the tenth before the half-way point — the loss
  decreased by < 1% over the last half. (A run that reached the target and then flattened
  out has converged, not stalled.)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from initviz.engine import initializers, losses, training
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.errors import ExperimentError

SMOOTHING = 10  # steps in the trailing mean that decides when a run reaches the target
STALL_TOLERANCE = 0.01  # a relative decrease under 1% over the last half is a stall


@dataclass(frozen=True)
class RaceEntry:
    """One scheme's run and its line in the race table."""

    label: str
    init: dict[str, Any]  # {"name": ..., **params}
    history: training.History
    steps_to_target: int | None
    final_train_loss: float
    final_test_loss: float
    final_train_acc: float | None
    final_test_acc: float | None
    diverged: bool
    stalled: bool

    @property
    def status(self) -> str:
        """diverged | stalled | reached | slow (trained, but not down to the target)."""
        if self.diverged:
            return "diverged"
        if self.stalled:
            return "stalled"
        return "reached" if self.steps_to_target is not None else "slow"


@dataclass(frozen=True)
class RaceResult:
    """Every run, in the order the schemes were given, and the target loss they raced to."""

    entries: tuple[RaceEntry, ...]
    target_loss: float
    chance_loss: float

    def table(self) -> list[dict[str, Any]]:
        """One JSON-ready row per scheme (NaN as None)."""
        return [{"scheme": e.label, "init": e.init, "steps_to_target": e.steps_to_target,
                 "final_train_loss": _json(e.final_train_loss), "final_test_loss": _json(e.final_test_loss),
                 "final_train_acc": _json(e.final_train_acc), "final_test_acc": _json(e.final_test_acc),
                 "diverged": e.diverged, "diverged_at": e.history.diverged_at, "stalled": e.stalled,
                 "status": e.status} for e in self.entries]

    def to_dict(self, histories: bool = True) -> dict[str, Any]:
        doc: dict[str, Any] = {"target_loss": self.target_loss, "chance_loss": self.chance_loss,
                               "table": self.table()}
        if histories:
            doc["histories"] = [e.history.to_dict() for e in self.entries]
        return doc

    def to_npz(self, path: str | os.PathLike) -> None:
        """Every run's arrays under ``r{i}_`` (:meth:`training.History.to_arrays`), the scheme
        labels in ``schemes``, and the table columns; written atomically."""
        arrays: dict[str, np.ndarray] = {"schemes": np.array([e.label for e in self.entries]),
                                         "target_loss": np.array(self.target_loss),
                                         "steps_to_target": np.array([-1 if e.steps_to_target is None
                                                                      else e.steps_to_target for e in self.entries]),
                                         "diverged": np.array([e.diverged for e in self.entries]),
                                         "stalled": np.array([e.stalled for e in self.entries])}
        for i, entry in enumerate(self.entries):
            arrays.update(entry.history.to_arrays(prefix=f"r{i}_"))
        training.write_npz(path, arrays)


def _json(value: Any) -> Any:
    return None if value is None or not math.isfinite(value) else float(value)


# --- schemes -----------------------------------------------------------------------------------

def scheme_parts(scheme: Any, path: str = "schemes") -> tuple[str, dict[str, Any]]:
    """(name, explicit parameters) of ``"he_normal"`` or ``{"name": "normal", "std": 0.01}``, checked
    against the scheme registry."""
    if isinstance(scheme, str):
        name, given = scheme, {}
    elif isinstance(scheme, dict) and isinstance(scheme.get("name"), str):
        name, given = scheme["name"], {k: v for k, v in scheme.items() if k != "name"}
    else:
        raise ExperimentError(path, f"got {scheme!r}; allowed: a scheme name or an object with 'name'")
    initializers.resolve(name, given, path)
    return name, given


def label(name: str, given: dict[str, Any]) -> str:
    """``normal(std=0.01)``; a bare name without parameters."""
    return name if not given else f"{name}({','.join(f'{k}={_short(v)}' for k, v in given.items())})"


def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_schemes(text: str) -> list[dict[str, Any]]:
    """``"zeros,normal(std=0.01),he_normal"`` -> scheme specs; values are JSON numbers, true/false
    or bare words (strings)."""
    specs = []
    for i, item in enumerate(_split_top_level(text)):
        match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?:\((.*)\))?\s*", item)
        if not match:
            raise ExperimentError(f"schemes[{i}]", f"cannot read {item.strip()!r}; write name or name(key=value,...)")
        spec: dict[str, Any] = {"name": match.group(1)}
        for pair in filter(str.strip, (match.group(2) or "").split(",")):
            key, eq, value = pair.partition("=")
            if not eq or not key.strip():
                raise ExperimentError(f"schemes[{i}]", f"cannot read {pair.strip()!r}; write key=value")
            spec[key.strip()] = _value(value.strip())
        specs.append(spec)
    if not specs:
        raise ExperimentError("schemes", "no scheme given; e.g. zeros,normal(std=0.01),xavier_uniform,he_normal")
    return specs


def _split_top_level(text: str) -> list[str]:
    """Split at the commas outside parentheses; empty items are dropped."""
    items, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return [item for item in items if item.strip()]


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def with_init(experiment: Any, name: str, given: dict[str, Any]) -> Any:
    """``experiment`` with every layer's weight init replaced by the scheme (duck typed: frozen
    dataclasses whose init class is built as ``Init(name, params)``, as in :mod:`lsuv`)."""
    _, resolved = initializers.resolve(name, given)
    params = tuple((k, resolved[k]) for k in resolved if k in given)
    layers = tuple(dataclasses.replace(layer, init=type(layer.init)(name, params)) for layer in experiment.layers)
    return dataclasses.replace(experiment, layers=layers)


# --- the race --------------------------------------------------------------------------------

def smoothed(loss: np.ndarray, window: int = SMOOTHING) -> np.ndarray:
    """Trailing mean over ``window`` steps (fewer at the start)."""
    if loss.size == 0:
        return loss
    csum = np.concatenate(([0.0], np.cumsum(loss)))
    ends = np.arange(1, loss.size + 1)
    starts = np.maximum(ends - window, 0)
    return (csum[ends] - csum[starts]) / (ends - starts)


def steps_to(loss: np.ndarray, target: float) -> int | None:
    """The first step (1-based) whose smoothed loss is ≤ ``target``."""
    with np.errstate(invalid="ignore"):
        hits = np.flatnonzero(smoothed(loss) <= target)
    return int(hits[0]) + 1 if hits.size else None


def is_stalled(loss: np.ndarray) -> bool:
    """Mean loss of the last tenth ≥ (1 − 1%) × mean loss of the tenth before the middle."""
    n = loss.size
    if n < 4 or not np.isfinite(loss).all():
        return False
    w, mid = max(1, n // 10), n // 2
    before, last = float(np.mean(loss[mid - w:mid])), float(np.mean(loss[n - w:]))
    return last >= (1 - STALL_TOLERANCE) * before


def entry_of(scheme_label: str, init: dict[str, Any], history: training.History, target: float) -> RaceEntry:
    """A run's line of the table."""
    reached = None if history.diverged else steps_to(history.train_loss, target)
    final = -1  # the last evaluation: the end of the run (or where it diverged)
    return RaceEntry(
        label=scheme_label, init=init, history=history, steps_to_target=reached,
        final_train_loss=float(history.eval_train_loss[final]), final_test_loss=float(history.test_loss[final]),
        final_train_acc=_acc(history.train_acc[final]), final_test_acc=_acc(history.test_acc[final]),
        diverged=history.diverged,
        stalled=not history.diverged and reached is None and is_stalled(history.train_loss))


def _acc(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def race(experiment: Any, dataset: Any, schemes: Sequence[Any], spec: Any = None,
         cancel: Callable[[], bool] | None = None, progress: training.Progress | None = None,
         target_loss: float | None = None, snapshot_kinds: Sequence[str] = training.DEFAULT_SNAPSHOT_KINDS,
         memory_budget: int = DEFAULT_BUDGET_BYTES) -> RaceResult:
    """Train ``experiment`` once per scheme (names or ``{"name": ..., **params}``), every layer's
    weight init replaced; same data, experiment seed and training settings. ``progress(done,
    total)`` counts steps over all runs; ``cancel`` raises :class:`initviz.engine.network.Cancelled`."""
    parts = [scheme_parts(s, f"schemes[{i}]") for i, s in enumerate(schemes)]
    if not parts:
        raise ExperimentError("schemes", "no scheme given")
    spec = training.settings_of(experiment, spec)
    loss_name = losses.get(experiment.loss).name
    chance = losses.chance_loss(loss_name, dataset.y_train, dataset.outputs)
    target = 0.5 * chance if target_loss is None else float(target_loss)
    per_run = training.total_steps(spec, dataset.x_train.shape[0])
    total = len(parts) * per_run
    entries = []
    for i, (name, given) in enumerate(parts):
        done = i * per_run
        run_progress = (lambda step, _, done=done: progress(done + step, total)) if progress else None
        history = training.train(with_init(experiment, name, given), dataset, spec, cancel, run_progress,
                                 snapshot_kinds, memory_budget, label=label(name, given))
        entries.append(entry_of(label(name, given), {"name": name, **given}, history, target))
    return RaceResult(tuple(entries), target, chance)
