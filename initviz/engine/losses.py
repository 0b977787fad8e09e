"""Losses for training, each returning the loss and ∂L/∂a of the last layer.

The network's output ``a`` is the last layer's *activation* output: the chain rule through the
last activation is :func:`initviz.engine.network.backward`'s job, so a loss only knows ``a``.

- ``mse``: L = mean((a − t)²) over every entry (torch ``MSELoss()``); ∂L/∂a = 2(a − t)/size.
- ``cross_entropy``: softmax cross-entropy with the logits s = a, mean over the batch (torch
  ``CrossEntropyLoss()``): L = (1/N) Σ_n [logsumexp(s_n) − s_n,y_n]; ∂L/∂s = (softmax(s) − onehot(y))/N.
  logsumexp is computed as m + log Σ exp(s − m), m = max_k s_k, so large logits never overflow.

For cross-entropy the last layer should be linear (``identity``): logits must range over ℝ.
Any other activation still trains, but it bends the logits: ``relu`` clamps them at 0 (a unit
that goes dead stops learning its class), and bounded ones (``tanh``, ``sigmoid``) cap how
confident softmax can get, so the loss has a floor above 0 — with tanh and two classes the
best probability is e/(e + 1/e) ≈ 0.88, a loss ≥ 0.127.

Targets: regression data give float targets ``(N, outputs)``; labelled data give int labels
``(N,)``. ``mse`` on labels compares the outputs with one-hot vectors; ``accuracy`` is the
fraction whose argmax output is the label (None for regression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from initviz.errors import ExperimentError


def one_hot(labels: np.ndarray, n_classes: int, dtype: np.dtype | str = np.float64) -> np.ndarray:
    """(N,) int labels -> (N, n_classes) rows of 0 with a 1 at the label."""
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def _as_targets(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Float targets for ``a``: ``y`` itself, or one-hot rows when ``y`` holds labels."""
    if y.ndim == 1:
        return one_hot(y, a.shape[1], a.dtype)
    return y.astype(a.dtype, copy=False)


def mse(a: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L = mean((a − t)²) (torch ``MSELoss()``), ∂L/∂a = 2(a − t)/size; labels become one-hot t."""
    diff = a - _as_targets(a, y)
    loss = float(np.mean(np.square(diff, dtype=np.float64)))
    diff *= diff.dtype.type(2.0 / diff.size)
    return loss, diff


def softmax(s: np.ndarray) -> np.ndarray:
    """softmax over the last axis, shifted by the row maximum (exp never overflows)."""
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def cross_entropy(a: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy of logits ``a`` (N, classes) against int labels ``y`` (N,),
    mean over the batch (torch ``CrossEntropyLoss()``): L = mean(logsumexp(a) − a[y]),
    ∂L/∂a = (softmax(a) − onehot(y))/N."""
    if y.ndim != 1:
        raise ExperimentError("loss", "cross_entropy needs class labels; this data set is a regression "
                                      "(use mse)")
    n = a.shape[0]
    rows = np.arange(n)
    m = a.max(axis=1, keepdims=True)
    shifted = a - m
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    log_z = np.log(total[:, 0], dtype=np.float64)
    loss = float(np.mean(log_z - shifted[rows, y].astype(np.float64)))
    e /= total  # softmax
    e[rows, y] -= 1
    e *= e.dtype.type(1.0 / n)
    return loss, e


def accuracy(a: np.ndarray, y: np.ndarray) -> float | None:
    """Fraction of rows whose largest output is the label (a row with a NaN or ±inf output
    counts as wrong); None for regression targets."""
    if y.ndim != 1:
        return None
    right = (np.argmax(a, axis=1) == y) & np.isfinite(a).all(axis=1)
    return float(np.mean(right)) if y.size else None


@dataclass(frozen=True)
class Loss:
    """A registry entry: ``fn(a, y) -> (loss, ∂L/∂a)``, and whether it needs class labels."""

    name: str
    description: str
    formula: str
    fn: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
    needs_labels: bool


_ENTRIES = (
    Loss("mse", "Mean squared error over every output (labels become one-hot targets).",
         "L = mean((a − t)²)  (torch MSELoss)", mse, needs_labels=False),
    Loss("cross_entropy", "Softmax cross-entropy of the last layer's outputs as logits; "
                          "make the last layer linear.",
         "L = mean_n(logsumexp(a_n) − a_n,y_n)  (torch CrossEntropyLoss)", cross_entropy, needs_labels=True),
)
LOSSES = {loss.name: loss for loss in _ENTRIES}


def get(name: str, path: str = "loss") -> Loss:
    """The registry entry for ``name``; ExperimentError naming the allowed losses otherwise."""
    if name not in LOSSES:
        raise ExperimentError(path, f"got {name!r}; allowed: {', '.join(LOSSES)}")
    return LOSSES[name]


def chance_loss(name: str, y: np.ndarray, n_outputs: int) -> float:
    """The loss of the best constant prediction: ln(classes) for cross-entropy with balanced
    classes (the entropy of the label frequencies in general), the per-output variance of the
    targets (one-hot for labels) for mse. A yardstick for "has it learned anything"."""
    if y.ndim == 1:
        freq = np.bincount(y, minlength=n_outputs) / y.size
        if name == "cross_entropy":
            nz = freq[freq > 0]
            return float(-np.sum(nz * np.log(nz)))
        return float(np.mean(freq * (1 - freq)))
    return float(np.mean(np.var(y, axis=0)))
