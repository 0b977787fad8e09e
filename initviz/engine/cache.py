"""Incremental recompute: keep what an edit did not change.

An edit to layer k leaves the input, the targets, every other layer's weights (each layer
draws from its own stream) and the forward pass below k as they were. The cache hands back
the same arrays for those, so only layer k's draw, the forward pass from k up and the
backward pass are recomputed — and the statistics of unchanged tensors are reused too.
With ``keep_unit_draws`` (the app's worker), the unit draws behind each layer's weights
(z ~ N(0, 1), u ~ U[0, 1)) are kept as well, so a gain or scheme edit within the same family
rescales them instead of drawing again — at the price of one more weight-sized array per layer.
Used by one worker thread at a time.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

import numpy as np


class SimulationCache:
    """Memoises draws by what determines them, and the last forward pass by identity."""

    UNIT_BYTES_LIMIT = 256 * 2**20  # unit draws beyond this are drawn afresh each time, not kept

    def __init__(self, keep_unit_draws: bool = False) -> None:
        self.keep_unit_draws = keep_unit_draws
        self._draws: dict[Hashable, tuple[Any, tuple[Hashable, ...]]] = {}  # value, the unit draws it used
        self._units: dict[Hashable, np.ndarray] = {}
        self._recording: list[Hashable] | None = None
        self._forward: tuple[np.ndarray, list[Any], list[np.ndarray], list[np.ndarray]] | None = None
        self._summaries: dict[tuple[int, str], tuple[np.ndarray, Any]] = {}

    def draw(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """``make()`` once per key; keys not used by the latest simulation are forgotten by :meth:`keep`."""
        if key not in self._draws:
            self._recording = []
            try:
                value = make()
            finally:
                used, self._recording = tuple(self._recording), None
            self._draws[key] = (value, used)
        return self._draws[key][0]

    def unit_draws(self, stream: Hashable) -> Callable[[str, Callable[[], np.ndarray]], np.ndarray]:
        """The ``units`` memo of ``initializers.sample_law`` for one random stream (identified by
        everything its draws depend on: seed, layer, shape); a no-op memo unless ``keep_unit_draws``."""
        def units(name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
            if not self.keep_unit_draws:
                return make()
            key = (stream, name)
            if self._recording is not None:
                self._recording.append(key)
            if key in self._units:
                return self._units[key]
            unit = make()
            if unit.nbytes + sum(u.nbytes for u in self._units.values()) <= self.UNIT_BYTES_LIMIT:
                unit.setflags(write=False)
                self._units[key] = unit
            return unit
        return units

    def keep(self, keys: set[Hashable]) -> None:
        """Forget every draw whose key is not in ``keys`` (the current experiment's), and the unit
        draws none of the kept ones used."""
        self._draws = {k: v for k, v in self._draws.items() if k in keys}
        used = {unit for _, units in self._draws.values() for unit in units}
        self._units = {k: v for k, v in self._units.items() if k in used}

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
