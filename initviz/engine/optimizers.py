"""Optimizers with PyTorch's update rules (no weight decay, no dampening, no Nesterov).

Each one is a small class whose ``step(params, grads)`` updates every layer's ``W`` and ``b`` in
place: ``params`` are the trainer's own copies (:class:`initviz.engine.network.LayerParameters`,
never the simulation cache's arrays) and ``grads`` the matching ``(dW, db)`` pairs. After a
step, ``last_updates`` holds the change applied to each ``(W, b)`` (what the update:data ratio
std(ΔW)/std(W) reads) and ``t`` the number of steps taken.

- SGD:      p ← p − lr·g
- momentum: v ← μ·v + g;  p ← p − lr·v   (torch SGD(momentum=μ); v starts at 0, so v₁ = g₁)
- Adam:     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·m̂/(√v̂ + ε)
            with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)  (Kingma & Ba 2015; torch Adam)
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from initviz.errors import ExperimentError

Grads = Sequence[tuple[np.ndarray, np.ndarray]]


def _arrays(params: Sequence[Any]) -> list[np.ndarray]:
    """W and b of every layer, in order: W0, b0, W1, b1, …"""
    return [array for layer in params for array in (layer.W, layer.b)]


def _flat(grads: Grads) -> list[np.ndarray]:
    return [g for pair in grads for g in pair]


class Optimizer:
    """Shared bookkeeping: the step count and the last change of every parameter."""

    def __init__(self, learning_rate: float):
        self.learning_rate = float(learning_rate)
        self.t = 0
        self.last_updates: list[tuple[np.ndarray, np.ndarray]] = []

    def step(self, params: Sequence[Any], grads: Grads) -> None:
        self.t += 1
        changes = []
        for i, (p, g) in enumerate(zip(_arrays(params), _flat(grads))):
            delta = self._delta(i, g)  # a fresh array: p ← p + delta
            p += delta
            changes.append(delta)
        self.last_updates = list(zip(changes[0::2], changes[1::2]))

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    """p ← p − lr·g."""

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        return g * g.dtype.type(-self.learning_rate)


class Momentum(Optimizer):
    """v ← μ·v + g; p ← p − lr·v (torch ``SGD(momentum=μ)``)."""

    def __init__(self, learning_rate: float, momentum: float = 0.9):
        super().__init__(learning_rate)
        self.momentum = float(momentum)
        self.velocity: dict[int, np.ndarray] = {}

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        v = self.velocity.get(i)
        if v is None:
            v = self.velocity[i] = g.copy()
        else:
            v *= v.dtype.type(self.momentum)
            v += g
        return v * v.dtype.type(-self.learning_rate)


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr·m̂/(√v̂ + ε), bias-corrected (torch ``Adam``)."""

    def __init__(self, learning_rate: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m: dict[int, np.ndarray] = {}
        self.v: dict[int, np.ndarray] = {}

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        t = g.dtype.type
        m = self.m.setdefault(i, np.zeros_like(g))
        v = self.v.setdefault(i, np.zeros_like(g))
        m *= t(self.beta1)
        m += t(1 - self.beta1) * g
        v *= t(self.beta2)
        v += t(1 - self.beta2) * (g * g)
        # torch's arrangement: denom = √v/√(1−β₂ᵗ) + ε, step = lr/(1−β₁ᵗ)
        denom = np.sqrt(v)
        denom /= t(math.sqrt(1 - self.beta2 ** self.t))
        denom += t(self.eps)
        delta = m / denom
        delta *= t(-self.learning_rate / (1 - self.beta1 ** self.t))
        return delta


def _positive(value: Any, path: str, upper: float | None = None) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or value < 0 or (upper is not None and value >= upper) or (upper is None and value == 0):
        allowed = f"a number in [0, {upper})" if upper is not None else "a finite number > 0"
        raise ExperimentError(path, f"got {value!r}; allowed: {allowed}")
    return float(value)


def _sgd(spec: Any, path: str) -> Optimizer:
    return SGD(_positive(spec.learning_rate, f"{path}.learning_rate"))


def _momentum(spec: Any, path: str) -> Optimizer:
    return Momentum(_positive(spec.learning_rate, f"{path}.learning_rate"),
                    _positive(spec.momentum, f"{path}.momentum", 1.0))


def _adam(spec: Any, path: str) -> Optimizer:
    return Adam(_positive(spec.learning_rate, f"{path}.learning_rate"), _positive(spec.beta1, f"{path}.beta1", 1.0),
                _positive(spec.beta2, f"{path}.beta2", 1.0), _positive(spec.eps, f"{path}.eps"))


OPTIMIZERS: dict[str, Callable[[Any, str], Optimizer]] = {"sgd": _sgd, "momentum": _momentum, "adam": _adam}
"""name -> builder from a training spec (fields learning_rate, momentum, beta1, beta2, eps)."""


def make(spec: Any, path: str = "training") -> Optimizer:
    """The optimizer a training spec names (``optimizer``: sgd | momentum | adam), its settings checked."""
    builder = OPTIMIZERS.get(spec.optimizer) if isinstance(spec.optimizer, str) else None
    if builder is None:
        raise ExperimentError(f"{path}.optimizer", f"got {spec.optimizer!r}; allowed: {', '.join(OPTIMIZERS)}")
    return builder(spec, path)
