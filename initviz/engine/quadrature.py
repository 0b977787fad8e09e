"""Gaussian expectations by probabilists' Gauss–Hermite quadrature.

E_{z~N(0,1)}[f(z)] ≈ Σ w_i f(x_i) / √(2π) with ``numpy.polynomial.hermite_e.hermegauss``.
An even node count keeps a node off ReLU's kink at 0 (FACTS.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np


@lru_cache(maxsize=8)
def hermite_nodes(n: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and normalised weights (summing to 1) of the n-point rule; ``n`` must be even."""
    if n % 2:
        raise ValueError("Gauss–Hermite node count must be even")
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / np.sqrt(2.0 * np.pi)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def gaussian_expectation(f: Callable[[np.ndarray], np.ndarray], variance: float = 1.0, n: int = 128) -> float:
    """E[f(√variance · z)] for z ~ N(0, 1)."""
    x, w = hermite_nodes(n)
    with np.errstate(all="ignore"):
        return float(np.dot(w, f(np.sqrt(variance) * x)))
