"""What the Diagnose views need beside the histograms, computed in the worker with the frame.

Each extra is asked for by name (``EXTRAS``) so a hidden view costs nothing:

- ``theory``: mean-field predictions per layer (:func:`theory.predict`), cheap (quadrature).
- ``symmetry``: distinct neurons per layer (:func:`symmetry.layer_symmetry`), a few ms.
- ``similarity``: the neuron-by-neuron similarity matrix of one chosen layer.
- ``jacobian``: singular values of the input-output Jacobian of a few input rows (≈ one simulation).
- ``advice``: the advisor's diagnoses (uses ``symmetry`` when computed).
- ``phase``: χ₁ over the (σ_w², σ_b²) plane for the stack's activation, the edge of chaos and
  the experiment's own point (Poole et al. 2016, fig. 1); the map is memoised per activation.

Arrays crossing to the GUI thread are small: per-layer numbers, one units×units matrix, a few
hundred singular values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from initviz.engine import advisor, jacobian, mean_field, symmetry, theory
from initviz.engine.diagnosis import Diagnosis
from initviz.engine.network import SimulationResult

EXTRAS = ("theory", "symmetry", "similarity", "jacobian", "advice", "phase")
PHASE_GRID = (48, 32)  # σ_w² × σ_b² points of the χ₁ map (a tanh map costs ~0.3 s, once per activation)
SIMILARITY_MAX_UNITS = 512  # the matrix a view can show legibly; wider layers show their first units


@dataclass(frozen=True)
class Diagnostics:
    """The extras asked for; None for those that were not."""

    theory: tuple[theory.LayerTheory, ...] | None = None
    symmetry: tuple[symmetry.LayerSymmetry, ...] | None = None
    similarity_layer: int | None = None
    similarity: np.ndarray | None = None  # (units, units) cosine similarity of that layer's neurons
    singular_values: np.ndarray | None = None  # (rows, k) of the input-output Jacobians, largest first
    jacobian: jacobian.JacobianSpectrum | None = None
    advice: tuple[Diagnosis, ...] | None = None
    phase: "PhaseMap | None" = None


@dataclass(frozen=True)
class PhaseMap:
    """χ₁(σ_w², σ_b²) on a grid for one activation, its χ₁ = 1 line, and where the experiment is.

    ``chi1[i, j]`` is at (``sigma_w2[i]``, ``sigma_b2[j]``); ``critical_sigma_w2[j]`` is the σ_w²
    with χ₁ = 1 at ``sigma_b2[j]`` (NaN where none in range). The point is the mean over the
    layers with this activation; ``layers`` lists them."""

    activation: str
    params: tuple[tuple[str, Any], ...]
    sigma_w2: np.ndarray
    sigma_b2: np.ndarray
    chi1: np.ndarray
    critical_sigma_w2: np.ndarray
    point: tuple[float, float]
    layers: tuple[int, ...]


def check_extras(extras: Any) -> frozenset[str]:
    unknown = set(extras) - set(EXTRAS)
    if unknown:
        raise ValueError(f"extras: unknown {sorted(unknown)}; allowed: {', '.join(EXTRAS)}")
    return frozenset(extras)


def compute_diagnostics(experiment: Any, result: SimulationResult, frame: Any, extras: frozenset[str],
                        similarity_layer: int | None = None, cache: Any = None) -> Diagnostics:
    """The ``extras`` of ``experiment`` as simulated in ``result`` (summarised in ``frame``).

    With a ``cache`` (a :class:`SimulationCache`), per-layer symmetry counts of unchanged
    activations are reused."""
    found: dict[str, Any] = {}
    predictions = tuple(theory.predict(experiment)) if extras & {"theory", "phase"} else None
    if "theory" in extras:
        found["theory"] = predictions
    if "symmetry" in extras or "advice" in extras:
        found["symmetry"] = _symmetry(result, cache)
    if "similarity" in extras and result.layers:
        layer = min(max(similarity_layer or 0, 0), len(result.layers) - 1)
        found["similarity_layer"] = layer
        found["similarity"] = symmetry.similarity_matrix(result.layers[layer].a, SIMILARITY_MAX_UNITS)
    if "jacobian" in extras:
        s = jacobian.singular_values(jacobian.input_output_jacobians(result))
        found["singular_values"], found["jacobian"] = s, jacobian.spectrum_summary(s)
    if "phase" in extras and experiment.layers:
        found["phase"] = phase_map(experiment, predictions)
    if "advice" in extras:
        counts = [layer.distinct for layer in found["symmetry"]]
        found["advice"] = tuple(advisor.diagnose(experiment, frame, counts, predictions=predictions))
        if "symmetry" not in extras:
            del found["symmetry"]
    return Diagnostics(**found)


def _symmetry(result: SimulationResult, cache: Any) -> tuple[symmetry.LayerSymmetry, ...]:
    def one(a: np.ndarray) -> symmetry.LayerSymmetry:
        return symmetry.LayerSymmetry(symmetry.distinct_neurons(a), a.shape[1], symmetry.dead_units(a))
    if cache is None:
        return tuple(one(layer.a) for layer in result.layers)
    return tuple(cache.summary(layer.a, "distinct", lambda a=layer.a: one(a)) for layer in result.layers)


def phase_map(experiment: Any, predictions: tuple[theory.LayerTheory, ...]) -> PhaseMap:
    """The :class:`PhaseMap` of the stack's most common activation, on axes that hold its edge of
    chaos and the experiment's point with room to drag."""
    names = [(layer.activation.name, tuple(sorted(layer.activation.kwargs.items()))) for layer in experiment.layers]
    activation, params = max(set(names), key=names.count)
    layers = tuple(i for i, key in enumerate(names) if key == (activation, params))
    sw2 = float(np.mean([predictions[i].sigma_w2 for i in layers]))
    sb2 = float(np.mean([predictions[i].sigma_b2 for i in layers]))
    sw2_max, sb2_max = _span(sw2, _critical_at_zero_bias(activation, params)), _span(sb2, 0.25)
    grid = _grid(activation, params, sw2_max, sb2_max)
    return PhaseMap(activation, params, *grid, point=(sw2, sb2), layers=layers)


def _span(value: float, typical: float) -> float:
    """An axis end ≥ 2× the typical value that holds ``value``, rounded up to 1, 2 or 5 × 10^k
    (so small drags do not change the grid)."""
    need = float(f"{max(2.0 * typical, 1.25 * value if np.isfinite(value) else 0.0, 1e-3):.6g}")
    k = np.floor(np.log10(need))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10**k >= need:
            return float(m * 10**k)
    return float(10 ** (k + 1))


def _critical_at_zero_bias(activation: str, params: tuple) -> float:
    value = float(np.atleast_1d(mean_field.critical_line(activation, dict(params), [0.0]))[0])
    return value if np.isfinite(value) else 2.0


@lru_cache(maxsize=16)
def _grid(activation: str, params: tuple, sw2_max: float, sb2_max: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_w, n_b = PHASE_GRID
    sw2 = np.linspace(sw2_max / n_w, sw2_max, n_w)
    sb2 = np.linspace(0.0, sb2_max, n_b)
    chi1 = mean_field.chi1_grid(activation, dict(params), sw2, sb2)
    line = np.asarray(mean_field.critical_line(activation, dict(params), sb2, (sw2[0] / 4, sw2_max * 4)))
    for array in (sw2, sb2, chi1, line):
        array.setflags(write=False)
    return sw2, sb2, chi1, line
