"""Incremental recompute: keep what an edit did not change.

An edit to layer k leaves the input, the targets, every other layer's weights (each layer
draws from its own stream) and the forward pass below k as they were. The cache hands back
the same arrays for those, so only layer k's draw, the forward pass from k up and the
backward pass are recomputed — and the statistics of unchanged tensors are reused too.
Used by one worker thread at a time.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

import numpy as np


class SimulationCache:
    """Memoises draws by what determines them, and the last forward pass by identity."""

    def __init__(self) -> None:
        self._draws: dict[Hashable, Any] = {}
        self._forward: tuple[np.ndarray, list[Any], list[np.ndarray], list[np.ndarray]] | None = None
        self._summaries: dict[tuple[int, str], tuple[np.ndarray, Any]] = {}

    def draw(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """``make()`` once per key; keys not used by the latest simulation are forgotten by :meth:`keep`."""
        if key not in self._draws:
            self._draws[key] = make()
        return self._draws[key]

    def keep(self, keys: set[Hashable]) -> None:
        """Forget every draw whose key is not in ``keys`` (the current experiment's)."""
        self._draws = {k: v for k, v in self._draws.items() if k in keys}

    def reusable_forward(self, x: np.ndarray, params: list[Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """z and a of the longest prefix of layers whose input and weights are the very arrays of
        the last forward pass."""
        if self._forward is None or self._forward[0] is not x:
            return [], []
        _, old_params, zs, acts = self._forward
        n = 0
        while n < min(len(params), len(old_params)) and params[n] is old_params[n]:
            n += 1
        return zs[:n], acts[:n]

    def remember_forward(self, x: np.ndarray, params: list[Any], zs: list[np.ndarray], acts: list[np.ndarray]) -> None:
        self._forward = (x, list(params), list(zs), list(acts))

    def summary(self, array: np.ndarray, kind: str, make: Callable[[], Any]) -> Any:
        """The summary of ``array`` as ``kind``, reused while the very same array is summarised again."""
        key = (id(array), kind)
        hit = self._summaries.get(key)
        if hit is not None and hit[0] is array:
            return hit[1]
        value = make()
        self._summaries[key] = (array, value)
        return value

    def keep_summaries(self, arrays: list[np.ndarray]) -> None:
        """Forget summaries of arrays that are no longer part of the latest result."""
        alive = {id(a) for a in arrays}
        self._summaries = {k: v for k, v in self._summaries.items() if k[0] in alive}
