"""Symmetry breaking, measured: do a layer's neurons compute different things?

A constant init gives every unit of a layer the same incoming weights, so every unit computes
the same activation and, by the chain rule, receives the same gradient: the layer behaves as
one neuron however wide it is (Goodfellow et al. 2016, §8.4). Random init breaks the symmetry.
Here ``a`` is one layer's activations of shape ``(batch, units)``: a unit is a *column*.

- :func:`similarity_matrix`: cosine similarity of every pair of units over the batch.
- :func:`distinct_neurons` / :func:`neuron_groups`: how many units are really different.
- :func:`effective_rank`: how many directions the layer's activations span (Roy & Vetterli 2007).
- :func:`layer_symmetry`: the distinct count of every layer of a simulation.

Non-finite activations are normal in an exploding network: nothing here raises or warns on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from initviz.engine.network import SimulationResult
from initviz.errors import ExperimentError

DEFAULT_RTOL = 1e-3
PROBE_SEED = 2007  # the fixed stream of the projection that orders units (no global RNG)
WINDOW = 8  # how far along the projection order a partial symmetry is searched for alike units
# Codes for non-finite entries after scaling finite ones into [-1, 1]: any two different kinds
# (finite, NaN, +inf, -inf) then differ by at least 2 > rtol.
_NAN_CODE, _INF_CODE = 3.0, 5.0


def _matrix(a: np.ndarray, name: str = "a") -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 2:
        raise ExperimentError(name, f"expected a (batch, units) matrix, got shape {a.shape}")
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    return a


# --- similarity --------------------------------------------------------------------------

def similarity_matrix(a: np.ndarray, max_units: int | None = None) -> np.ndarray:
    """Cosine similarity of the units' activation columns over the batch, float64 (units, units).

    S[j, k] = ⟨a_j, a_k⟩ / (‖a_j‖ ‖a_k‖), a_j = a[:, j]: 1 for units that fire identically
    (a symmetric, constant-init layer is all ones), about 0 for unrelated ones. It is not
    centred (a ReLU layer's shared positive mean shows as similarity).

    Conventions that keep it total: an all-zero unit has similarity 1 with every all-zero unit
    (itself included) and 0 with any other; a unit with a NaN or ±inf activation has NaN in its
    row and column (diagonal included). The diagonal of every other unit is exactly 1.
    ``max_units`` keeps the first units only (units are exchangeable under an i.i.d. init).
    Columns are scaled by their largest |value| before the norms, so nothing overflows.
    Cost: one (units × batch) @ (batch × units) product.
    """
    a = _matrix(a)[:, :max_units].astype(np.float64)  # a fresh copy we may edit
    nonfinite = ~np.isfinite(a).all(axis=0)
    a[:, nonfinite] = 0.0
    peak = np.abs(a).max(axis=0, initial=0.0)
    zero = peak == 0
    a /= np.where(zero, 1.0, peak)
    norm = np.sqrt(np.einsum("ij,ij->j", a, a))
    a /= np.where(zero, 1.0, norm)
    s = a.T @ a
    np.clip(s, -1.0, 1.0, out=s)
    s[np.ix_(zero, zero)] = 1.0  # zero columns were left at 0: they only meet each other here
    np.fill_diagonal(s, 1.0)
    s[nonfinite, :] = np.nan
    s[:, nonfinite] = np.nan
    return s


# --- distinct neurons --------------------------------------------------------------------

@lru_cache(maxsize=32)
def _probe(rows: int) -> np.ndarray:
    probe = np.random.default_rng(PROBE_SEED).standard_normal(rows)
    probe.setflags(write=False)
    return probe


def _projection(a: np.ndarray, scale: float) -> np.ndarray:
    """probe · a_j for every unit; in float32 when that can neither overflow nor lose the
    small values to subnormals (6× faster than converting a to float64), else in float64."""
    probe = _probe(a.shape[0])
    if a.dtype == np.float32 and 1e-30 < scale < 1e30:
        with np.errstate(all="ignore"):
            projection = probe.astype(np.float32) @ a
        if np.isfinite(projection).all():
            return projection
    return probe @ a


def _coded(a: np.ndarray) -> np.ndarray:
    """float64 copy with finite values scaled into [-1, 1], NaN -> 3, +inf -> 5, -inf -> -5."""
    finite = np.isfinite(a)
    c = np.where(finite, a, 0).astype(np.float64)
    peak = np.abs(c).max(initial=0.0)
    if peak > 0:
        c /= peak
    c[np.isnan(a)] = _NAN_CODE
    c[np.isposinf(a)] = _INF_CODE
    c[np.isneginf(a)] = -_INF_CODE
    return c


def neuron_groups(a: np.ndarray, rtol: float = DEFAULT_RTOL) -> np.ndarray:
    """A group id (0 … k−1) per unit; units with the same id compute the same activation.

    Rule: scale = max |a| over the layer's finite values; two units are *alike* when their
    columns differ by at most rtol·scale in every row (max norm). Units are sorted by a fixed
    random projection of their columns, r·a_j (r ~ N(0, I) from a fixed stream), and each is
    compared with its neighbour in that order; groups are the runs of alike neighbours. When
    that leaves a partial symmetry (1 < groups < units), each unit is also compared with the
    next ``WINDOW`` − 1 units, and groups become the connected components of alike pairs, so
    groups whose projections interleave (columns alike but noisy) still merge. (When every
    neighbour differs, the random-init case, that search is skipped to keep the cost down.)
    Columns equal up to rounding noise have projections equal up to that noise, so they sit
    together and always share a group. No grid is involved: rounding onto a grid would split
    equal-up-to-noise columns (float32 constant-init layers differ in the last bits between
    columns) whenever a grid line falls between them. Units differing by about the tolerance
    may land either way. NaN, +inf and −inf count as three values unlike each other and
    unlike any finite value. Ids follow the projection order. Cost: a pass for the scale, a
    (batch)·(batch, units) product, an argsort of the units, and one gather + difference of
    the columns (``WINDOW`` differences for a partial symmetry).
    """
    a = _matrix(a)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not 0 < rtol < 1:
        raise ExperimentError("rtol", f"got {rtol!r}; allowed: a number in (0, 1)")
    rows, units = a.shape
    if units == 0 or rows == 0:
        return np.zeros(units, dtype=np.intp)
    if np.isfinite(a).all():
        scale = max(-float(a.min()), float(a.max()))
    else:
        a, scale = _coded(a), 1.0
    order = np.argsort(_projection(a, scale), kind="stable")
    ordered = np.take(a, order, axis=1)
    tol = rtol * scale
    alike = _alike(ordered, 1, tol)
    sorted_ids = np.concatenate(([0], np.cumsum(~alike)))
    if 1 < sorted_ids[-1] + 1 < units:
        sorted_ids = _components(ordered, alike, tol)
    groups = np.empty(units, dtype=np.intp)
    groups[order] = sorted_ids
    return groups


def _alike(ordered: np.ndarray, d: int, tol: float) -> np.ndarray:
    """alike[i]: columns i and i + d differ by at most tol in every row."""
    with np.errstate(over="ignore"):  # float32 values near ±max differ by inf: still "> tol"
        return np.abs(ordered[:, d:] - ordered[:, :-d]).max(axis=0, initial=0.0) <= tol


def _components(ordered: np.ndarray, adjacent: np.ndarray, tol: float) -> np.ndarray:
    """Connected components (ids 0 … k−1 in order) of alike pairs up to WINDOW − 1 apart:
    min-label propagation with pointer jumping, O(log) rounds of vectorised updates."""
    units = ordered.shape[1]
    first, second = [np.flatnonzero(adjacent)], [np.flatnonzero(adjacent) + 1]
    for d in range(2, min(WINDOW, units)):
        i = np.flatnonzero(_alike(ordered, d, tol))
        first.append(i)
        second.append(i + d)
    i, j = np.concatenate(first), np.concatenate(second)
    label = np.arange(units)
    while True:
        low = np.minimum(label[i], label[j])
        new = label.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]
        if np.array_equal(new, label):
            return np.unique(label, return_inverse=True)[1]
        label = new


def distinct_neurons(a: np.ndarray, rtol: float = DEFAULT_RTOL) -> int:
    """How many different neurons the layer really has: the number of :func:`neuron_groups`.

    1 for a constant-init layer (every unit computes the same thing), ``units`` for a random
    init; all dead (all-zero) ReLU units count as one. 0 for a layer without units.
    ~0.3 ms for a (512, 256) float32 layer.
    """
    groups = neuron_groups(a, rtol)
    return int(groups.max()) + 1 if groups.size else 0


# --- effective rank ----------------------------------------------------------------------

def effective_rank(a: np.ndarray, max_rows: int | None = None) -> float:
    """exp of the Shannon entropy of the normalised singular values (Roy & Vetterli 2007).

    erank(a) = exp(−Σ p_k ln p_k), p_k = σ_k / Σσ: between 1 (rank one, e.g. a symmetric layer)
    and min(batch, units) (all singular values equal); a rank-r matrix with equal singular
    values gives exactly r. The matrix is used as it is (not centred).
    Cost: an SVD, O(rows·units·min(rows, units)) — 10–20 ms for (512, 256) on one core.
    ``max_rows`` uses the first rows only (batch rows are i.i.d.), which caps the result at
    ``max_rows``: keep it ≥ units for a faithful estimate. Returns 0.0 for an all-zero or
    empty matrix and NaN when any value is NaN or ±inf.
    """
    a = _matrix(a)[:max_rows]
    if a.size == 0:
        return 0.0
    if not np.isfinite(a).all():
        return math.nan
    peak = float(np.abs(a).max())
    if peak == 0:
        return 0.0
    s = np.linalg.svd(a.astype(np.float64) / peak, compute_uv=False)
    p = s[s > 0] / s.sum()
    return float(np.exp(-np.sum(p * np.log(p))))


# --- per layer ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerSymmetry:
    """How many of a layer's ``units`` are distinct neurons."""

    distinct: int
    units: int
    dead: int = 0  # units that are exactly 0 on the whole batch (dead ReLUs): alike, but not copies

    @property
    def copies(self) -> int:
        """Live units that copy another unit (dead units count as one group, not as copies)."""
        if self.dead >= self.units:
            return max(self.units - 1, 0)
        return max(self.units - self.distinct - max(self.dead - 1, 0), 0)

    @property
    def fraction(self) -> float:
        """distinct / units: 1 when the symmetry is fully broken, 1/units when not at all."""
        return self.distinct / self.units if self.units else 0.0


def layer_symmetry(result: SimulationResult, rtol: float = DEFAULT_RTOL) -> tuple[LayerSymmetry, ...]:
    """:func:`distinct_neurons` of every layer's activations (a few ms for 10 × (512, 256))."""
    return tuple(LayerSymmetry(distinct_neurons(layer.a, rtol), layer.a.shape[1], dead_units(layer.a))
                 for layer in result.layers)


def dead_units(a: np.ndarray) -> int:
    """Units whose activation is exactly 0 for every row of the batch."""
    with np.errstate(all="ignore"):
        return int(np.count_nonzero(~np.any(a != 0, axis=0)))


def layer_effective_ranks(result: SimulationResult, max_rows: int | None = None) -> tuple[float, ...]:
    """:func:`effective_rank` of every layer's activations (an SVD per layer: not per frame)."""
    return tuple(effective_rank(layer.a, max_rows) for layer in result.layers)
