"""Dynamical isometry: the input-output Jacobian of the network and its singular values.

For one input row x, with z^l = a^{l-1} W^l + b^l, a^l = φ(z^l), a^0 = x (row vectors),

    J = ∂a^L/∂x = W^1 D^1 W^2 D^2 ⋯ W^L D^L,   D^l = diag(φ'(z^l)),

laid out like W: J[i, j] = ∂a^L_j / ∂x_i, shape (features, units_L). Its singular values say how
the network stretches an input perturbation; "dynamical isometry" is all of them near 1, which
makes very deep networks trainable (Saxe et al. 2013 for linear nets; Pennington, Schoenholz &
Ganguli 2017, "Resurrecting the sigmoid": orthogonal weights with tanh near criticality reach it,
ReLU networks cannot, whatever their init).

Works on a :class:`~initviz.engine.network.SimulationResult` (reusing its z), on anything shaped
like an experiment (drawing its layers), or on a list of layer parameters. Exploding networks
are normal: everything runs under ``np.errstate(all="ignore")`` and non-finite Jacobians are
counted, never raised on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from initviz.engine import network
from initviz.engine.memory import DEFAULT_BUDGET_BYTES, format_bytes
from initviz.errors import ExperimentError, MemoryBudgetError

# 8 Jacobians of the default 784 → 10 × 256 net pool 2,048 singular values for ~3 GFLOP of float32
# GEMM plus 8 eigvalsh(256): ≈ one simulate() of the same net (measured 53–70 ms on 2 loaded cores
# where simulate() took 57–77 ms); rows=4 halves it.
DEFAULT_ROWS = 8
DEFAULT_BAND = (0.5, 2.0)  # σ within a factor 2 of 1: that direction neither vanishes nor explodes


# --- Jacobians ---------------------------------------------------------------------------

def _from_source(source: Any, x_sample: np.ndarray | None, rows: int
                 ) -> tuple[np.ndarray, Sequence[Any], list[np.ndarray] | None, list[np.ndarray] | None]:
    """(x, layer parameters, zs, acts) — zs/acts only when a simulation already has them."""
    if isinstance(source, network.SimulationResult):
        params = source.layers
        if x_sample is None:
            x = source.x[:rows]
            return x, params, [layer.z[:rows] for layer in params], [layer.a[:rows] for layer in params]
    elif hasattr(source, "layers") and hasattr(source, "seed"):
        params = [network.draw_layer(source, i) for i in range(len(source.layers))]
        if x_sample is None:
            x_sample = network.draw_input(source)[:rows]
    else:
        params = list(source)
        if x_sample is None:
            raise ExperimentError("x_sample", "required when the source is a list of layer parameters")
    return np.asarray(x_sample), params, None, None


def _check(x: np.ndarray, params: Sequence[Any], budget: int) -> None:
    if not params:
        raise ExperimentError("layers", "the network has no layers")
    features, units = params[0].W.shape[0], params[-1].W.shape[1]
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] != features:
        raise ExperimentError("x_sample", f"expected a (rows ≥ 1, {features}) array, got shape {x.shape}")
    outer = features if _input_side_cheaper([p.W for p in params]) else units
    widest = max(max(p.W.shape) for p in params)
    need = 2 * x.shape[0] * outer * widest * params[0].W.dtype.itemsize  # the product and one GEMM output
    if need > budget:
        raise MemoryBudgetError("x_sample", f"{x.shape[0]} Jacobians need about {format_bytes(need)}, over the "
                                            f"budget of {format_bytes(budget)}; use fewer rows")


def input_output_jacobians(source: Any, x_sample: np.ndarray | None = None, rows: int = DEFAULT_ROWS,
                           memory_budget: int = DEFAULT_BUDGET_BYTES) -> np.ndarray:
    """J[r, i, j] = ∂a^L_j / ∂x_i at input row r, shape (rows, features, units_L), in the weights' dtype.

    ``source``: a SimulationResult (default rows: the first ``rows`` of its batch, its z reused),
    an experiment (its layers drawn; default rows: the first of its input batch) or a sequence of
    :class:`~initviz.engine.network.LayerParameters` (``x_sample`` required).
    J = W^1 D^1 ⋯ W^L D^L (D^l = diag φ'(z^l)) is multiplied from whichever end is cheaper:
    from the input, M ← (M W^l) D^l, costs rows·features·Σ_{l≥2} u_{l-1}u_l multiply-adds;
    from the output (like back-propagation, one row of J per output unit), rows·u_L·Σ_{l<L} u_l u_{l-1}.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ExperimentError("rows", f"got {rows!r}; allowed: a whole number ≥ 1")
    x, params, zs, acts = _from_source(source, x_sample, rows)
    _check(x, params, memory_budget)
    with np.errstate(all="ignore"):
        x = x.astype(params[0].W.dtype, copy=False)
        if zs is None:
            zs, acts = network.forward(x, list(params))
        slopes = [p.activation.derivative(z, a, p.activation_params) for p, z, a in zip(params, zs, acts)]
        Ws = [p.W for p in params]
        return _from_input(Ws, slopes) if _input_side_cheaper(Ws) else _from_output(Ws, slopes)


def _input_side_cheaper(Ws: Sequence[np.ndarray]) -> bool:
    features, units = Ws[0].shape[0], Ws[-1].shape[1]
    from_input = features * sum(W.shape[0] * W.shape[1] for W in Ws[1:])
    from_output = units * sum(W.shape[0] * W.shape[1] for W in Ws[:-1])
    return from_input < from_output


def _from_input(Ws: Sequence[np.ndarray], slopes: Sequence[np.ndarray]) -> np.ndarray:
    """M = W^1 D^1, then M ← (M W^l) D^l: the product built from the input side."""
    n = slopes[0].shape[0]
    M = Ws[0][None, :, :] * slopes[0][:, None, :]
    for W, d in zip(Ws[1:], slopes[1:]):
        M = (M.reshape(-1, W.shape[0]) @ W).reshape(n, -1, W.shape[1])
        M *= d[:, None, :]
    return M


def _from_output(Ws: Sequence[np.ndarray], slopes: Sequence[np.ndarray]) -> np.ndarray:
    """Jᵀ = D^L W^Lᵀ D^{L-1} ⋯ D^1 W^1ᵀ built from the output side; returned as J (a view)."""
    n = slopes[0].shape[0]
    R = slopes[-1][:, :, None] * Ws[-1].T[None, :, :]
    for W, d in zip(Ws[-2::-1], slopes[-2::-1]):
        R *= d[:, None, :]
        R = (R.reshape(-1, W.shape[1]) @ W.T).reshape(n, -1, W.shape[0])
    return R.transpose(0, 2, 1)


# --- singular values ---------------------------------------------------------------------

def singular_values(jacobians: np.ndarray, exact: bool = False) -> np.ndarray:
    """Singular values of each Jacobian, float64 (rows, min(features, units)), largest first.

    Each J is scaled by its largest |entry| c (no overflow or float32 underflow in the squares);
    then σ = c·√λ with λ the eigenvalues of the Gram matrix on the smaller side (JᵀJ or JJᵀ,
    ``np.linalg.eigvalsh``), computed in J's dtype: ~6× cheaper than an SVD, but σ below
    ~√eps·σ_max (3e-4 in float32, 1.5e-8 in float64) are not resolved and may read as 0.
    ``exact=True`` uses ``np.linalg.svd(compute_uv=False)`` in float64 instead.
    A Jacobian with a NaN or ±inf entry gets a row of NaN. Accepts one 2-D Jacobian too.
    """
    J = np.asarray(jacobians)
    J = J[None] if J.ndim == 2 else J
    n, features, units = J.shape
    out = np.full((n, min(features, units)), np.nan)
    with np.errstate(all="ignore"):
        finite = np.isfinite(J).all(axis=(1, 2))
        if not finite.any() or out.shape[1] == 0:
            return out
        Jf = J if finite.all() else J[finite]  # no copy in the usual case: J may be a transposed view
        peak = np.abs(Jf).max(axis=(1, 2))
        scaled = Jf / np.where(peak == 0, 1, peak)[:, None, None]
        if exact:
            s = np.linalg.svd(scaled.astype(np.float64), compute_uv=False)
        else:
            lhs = scaled if features <= units else scaled.transpose(0, 2, 1)
            gram = lhs @ lhs.transpose(0, 2, 1)
            s = np.sqrt(np.clip(np.linalg.eigvalsh(gram).astype(np.float64), 0, None))[:, ::-1]
        out[finite] = s * peak.astype(np.float64)[:, None]
    return out


# --- summary -----------------------------------------------------------------------------

@dataclass(frozen=True)
class JacobianSpectrum:
    """The pooled singular values σ of a few input-output Jacobians, in numbers.

    Isometry reads as ``mean_sq`` ≈ 1 with small ``var_sq`` and ``in_band`` ≈ 1. ``var_sq`` is
    the variance of σ² — the variance of the spectrum of JJᵀ, Pennington et al. 2017's σ²_{JJᵀ}.
    Statistics are NaN when no Jacobian was finite.
    """

    rows: int  # Jacobians measured
    nonfinite_rows: int  # of which had a NaN or ±inf entry (left out of the statistics)
    count: int  # singular values pooled
    mean_sq: float  # mean of σ² = mean over rows of ‖J‖_F² / min(features, units)
    var_sq: float  # variance of σ²
    s_min: float
    s_max: float
    in_band: float  # fraction of σ within ``band``
    band: tuple[float, float]

    @property
    def relative_spread(self) -> float:
        """var(σ²) / mean(σ²)²: the spread with the overall scale divided out (0 for isometry)."""
        return self.var_sq / self.mean_sq**2 if self.mean_sq > 0 else math.nan


def spectrum_summary(s: np.ndarray, band: tuple[float, float] = DEFAULT_BAND) -> JacobianSpectrum:
    """Summarise :func:`singular_values` output (rows of σ; NaN rows are non-finite Jacobians)."""
    s = np.atleast_2d(np.asarray(s, dtype=np.float64))
    low, high = band
    if not 0 <= low <= high:
        raise ExperimentError("band", f"got {band!r}; allowed: (low, high) with 0 ≤ low ≤ high")
    bad = np.isnan(s).any(axis=1)
    good = s[~bad].ravel()
    if good.size == 0:
        return JacobianSpectrum(s.shape[0], int(bad.sum()), 0, *(math.nan,) * 5, band=(low, high))
    with np.errstate(all="ignore"):
        sq = good * good
        return JacobianSpectrum(
            rows=s.shape[0], nonfinite_rows=int(bad.sum()), count=good.size,
            mean_sq=float(sq.mean()), var_sq=float(sq.var()), s_min=float(good.min()), s_max=float(good.max()),
            in_band=float(np.mean((good >= low) & (good <= high))), band=(low, high))


def jacobian_spectrum(source: Any, x_sample: np.ndarray | None = None, rows: int = DEFAULT_ROWS,
                      band: tuple[float, float] = DEFAULT_BAND) -> JacobianSpectrum:
    """:func:`input_output_jacobians` → :func:`singular_values` → :func:`spectrum_summary`."""
    return spectrum_summary(singular_values(input_output_jacobians(source, x_sample, rows)), band)
