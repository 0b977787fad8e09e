"""The record of a training run: :class:`History`, its arrays (``.npz``) and JSON forms.

A :class:`~initviz.engine.training.Trainer` builds it (``trainer.history()``); a race keeps one per
run. JSON has no NaN or infinity: :meth:`History.to_dict` writes them as null.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from initviz.atomic import atomic_write_bytes
from initviz.engine import stats


@dataclass(frozen=True)
class History:
    """A finished (or paused) run. Per step: ``steps`` (1…n) and the mini-batch ``train_loss``
    (the loss *before* that step's update; NaN at ``diverged_at``). Per evaluation (index e):
    ``eval_steps[e]`` updates applied, ``eval_train_loss``/``train_acc`` on the fixed training
    rows, ``test_loss``/``test_acc`` held out (accuracies NaN for regression),
    ``snapshots[e][layer][kind]`` a :class:`stats.TensorSummary`, ``update_ratio[e, layer]``,
    ``distinct[e, layer]``."""

    label: str
    loss: str
    optimizer: str
    classification: bool
    units: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    eval_steps: np.ndarray
    eval_train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    update_ratio: np.ndarray
    distinct: np.ndarray
    snapshots: tuple[tuple[dict[str, stats.TensorSummary], ...], ...]
    snapshot_kinds: tuple[str, ...]
    diverged_at: int | None
    seconds: float

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def stat(self, kind: str, name: str) -> np.ndarray:
        """(evaluations, layers) array of one statistic (``"std"``, ``"mean"``, …) of one kind, None as NaN."""
        return np.array([[_nan(layer[kind].stats.get(name)) for layer in snap] for snap in self.snapshots],
                        dtype=np.float64).reshape(len(self.snapshots), len(self.units))

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Every array of the run, per-layer statistics and histograms included, for ``np.savez``."""
        out = {name: getattr(self, name) for name in _ARRAY_FIELDS}
        out["diverged_at"] = np.array(-1 if self.diverged_at is None else self.diverged_at)
        for kind in self.snapshot_kinds:
            names = list(self.snapshots[0][0][kind].stats) if self.snapshots and len(self.units) else []
            for name in names:
                out[f"{kind}_{name}"] = self.stat(kind, name)
            hists = [[layer[kind].histogram for layer in snap] for snap in self.snapshots]
            out[f"{kind}_edges"] = np.array([[h.edges for h in row] for row in hists], dtype=np.float64)
            out[f"{kind}_counts"] = np.array([[h.counts for h in row] for row in hists], dtype=np.int64)
        return {prefix + k: np.asarray(v) for k, v in out.items()}

    def to_npz(self, path: str | os.PathLike) -> None:
        """Write :meth:`to_arrays` to ``path`` atomically."""
        write_npz(path, self.to_arrays())

    def to_dict(self, histograms: bool = False) -> dict[str, Any]:
        """A JSON-ready document (NaN and ±inf as None); histograms only when asked."""
        evals = []
        for e, step in enumerate(self.eval_steps):
            layers = []
            for i, snap in enumerate(self.snapshots[e]):
                entry: dict[str, Any] = {"update_ratio": _json(self.update_ratio[e, i]),
                                         "distinct": int(self.distinct[e, i])}
                for kind, summary in snap.items():
                    entry[kind] = {k: _json(v) for k, v in summary.stats.items()}
                    if histograms:
                        entry[kind]["edges"] = [float(v) for v in summary.histogram.edges]
                        entry[kind]["counts"] = [int(v) for v in summary.histogram.counts]
                layers.append(entry)
            evals.append({"step": int(step), "train_loss": _json(self.eval_train_loss[e]),
                          "train_acc": _json(self.train_acc[e]), "test_loss": _json(self.test_loss[e]),
                          "test_acc": _json(self.test_acc[e]), "layers": layers})
        return {"label": self.label, "loss": self.loss, "optimizer": self.optimizer,
                "classification": self.classification, "units": [int(u) for u in self.units],
                "steps": [int(s) for s in self.steps], "train_loss": [_json(v) for v in self.train_loss],
                "diverged_at": self.diverged_at, "seconds": self.seconds, "evaluations": evals}


_ARRAY_FIELDS = ("units", "steps", "train_loss", "eval_steps", "eval_train_loss", "train_acc", "test_loss",
                 "test_acc", "update_ratio", "distinct")


def _nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def _json(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` to ``path`` atomically (:func:`initviz.atomic.atomic_write_bytes`): an
    interrupted write leaves the old file intact. OS failures become an
    :class:`~initviz.errors.ExperimentError`."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
