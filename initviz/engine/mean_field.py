"""Mean-field signal propagation: the length map, χ, its fixed point and the phase of a layer.

The math behind :mod:`initviz.engine.theory` (which re-exports it and adds per-experiment
predictions).

For ``z^l = a^{l-1} W^l + b^l`` with zero-mean weights of variance σ_w²/fan_in and biases with
E[b] = μ_b, E[b²] = σ_b² (Poole et al. 2016, "Exponential expressivity in deep neural networks
through transient chaos"; Schoenholz et al. 2017, "Deep information propagation"):

- length map: ``q^l = σ_w² E[φ(z^{l-1})²] + σ_b²`` with q = E[z²] and z^{l-1} ~ N(μ_b, q^{l-1} − μ_b²),
  i.e. the papers' ``σ_w² E_z[φ(√q z)²] + σ_b²`` when μ_b = 0. A bias with a mean (constant 0.1)
  shifts the Gaussian: left out, E[relu(z)²] at q = 1 would be off by 16% a layer.
- ``χ = σ_w² E[φ'(z)²]``: the factor by which back-propagated gradient variance grows per layer;
  ``χ₁`` is χ at the fixed point q* of the length map. χ₁ < 1 ordered (gradients vanish over
  ``depth_scale = −1/ln χ₁`` layers), χ₁ > 1 chaotic (they explode), χ₁ = 1 the edge of chaos.

Every function takes numbers or broadcastable arrays and returns a float or an array. Overflow,
divergence (q* = inf) and undefined values (NaN) are results, never warnings or exceptions.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from initviz.engine import activations
from initviz.engine.gaussian_moments import MIN_VARIANCE, moments

CRITICAL_TOLERANCE = 0.05
"""|χ₁ − 1| ≤ this counts as critical: the gradient variance then changes by at most a factor
1.05^L — e (2.7) over 20 layers, 12 over 50 — against 2e-9 over 20 layers for χ₁ = 1/e. Nets
in this lab are 10–50 layers deep, and the depth scale there is ≥ 19.5 layers."""
DIVERGENCE_CAP = 1e150  # a fixed point above this (in variance) counts as q* = inf
FIXED_TOLERANCE = 1e-12  # |map(v) − v| ≤ this × v at the start: v is fixed (rounding, not dynamics)
COLLAPSE_FLOOR = 1e-14  # ... below this × the start variance (or MIN_VARIANCE) counts as q* = μ_b² (variance 0)
START_FLOOR = 1e-280  # a start variance below this starts here, with room above MIN_VARIANCE to scan
SCAN_FACTOR = 4.0  # first geometric step of the bracket search; it squares each step ...
MAX_SCAN_FACTOR = 1e16  # ... up to this
PHASES = ("ordered", "critical", "chaotic")

Array = np.ndarray


def _out(x: Any) -> Any:
    """A float for a 0-d result, else the array."""
    x = np.asarray(x, dtype=np.float64)
    return float(x) if x.ndim == 0 else x


def times(a: Any, b: Any) -> Array:
    """a·b with 0·inf = 0: zero weights (σ_w² = 0) pass no signal, however large it is."""
    return np.where(a == 0, 0.0, a * b)


def _variance(q: Array, bias_mean: Array) -> Array:
    """Var(z) = q − μ_b² (clamped at 0; q < μ_b² cannot happen along the map)."""
    return np.maximum(q - bias_mean * bias_mean, 0.0)


def length_map_step(activation: str, params: Mapping[str, Any] | None, sigma_w2: Any, sigma_b2: Any,
                    q_prev: Any, bias_mean: Any = 0.0) -> Any:
    """``q^l = σ_w² E[φ(z)²] + σ_b²``, z ~ N(μ_b, q_prev − μ_b²) (Poole et al. 2016, eq. 3).

    Closed form for identity/relu/leaky_relu (E[relu(√q z)²] = q/2), quadrature otherwise."""
    act, p = activations.resolve(activation, params or {})
    sw2, sb2, q, mu = (np.asarray(v, dtype=np.float64) for v in (sigma_w2, sigma_b2, q_prev, bias_mean))
    with np.errstate(all="ignore"):
        return _out(times(sw2, moments(act, p, mu, _variance(q, mu), slopes=False).second) + sb2)


def chi(activation: str, params: Mapping[str, Any] | None, sigma_w2: Any, q: Any, bias_mean: Any = 0.0) -> Any:
    """``χ = σ_w² E[φ'(z)²]``, z ~ N(μ_b, q − μ_b²) (Schoenholz et al. 2017, eq. 5; χ₁ at q = q*)."""
    act, p = activations.resolve(activation, params or {})
    sw2, q, mu = (np.asarray(v, dtype=np.float64) for v in (sigma_w2, q, bias_mean))
    with np.errstate(all="ignore"):
        return _out(times(sw2, moments(act, p, mu, _variance(q, mu)).slope2))


def fixed_point(activation: str, params: Mapping[str, Any] | None, sigma_w2: Any, sigma_b2: Any,
                bias_mean: Any = 0.0, q0: Any = 1.0) -> Any:
    """q* = σ_w² E[φ(z*)²] + σ_b², the fixed point the length map reaches from ``q0`` (default 1,
    the unit input): inf when q grows without bound, μ_b² (0 for zero-mean biases) when it
    collapses, e.g. tanh with σ_b = 0 and σ_w² ≤ 1.

    Not found by iterating the map, which crawls at the edge of chaos (tanh, σ_w² = 1, σ_b = 0:
    q^l ≈ 1/(2l)): in variance v = q − μ_b², G(v) = map(v) − v is evaluated at q0's variance;
    its sign says where the iterates go (with zero-mean biases the map increases with v for
    every registry activation, so they move monotonically towards the nearest root on that
    side; with a bias mean it need not, and the nearest root is still the answer). That root
    is bracketed by growing geometric steps (×4, ×16, ×256, … up to ×1e16) — none above
    1e-14·v0: collapse; none below 1e150: divergence — halved in log scale to a factor 4 and
    refined by the Illinois method to 1e-14 relative."""
    act, p = activations.resolve(activation, params or {})
    arrays = (np.asarray(v, dtype=np.float64) for v in (sigma_w2, sigma_b2, bias_mean, q0))
    sw2, sb2, mu, q0 = np.broadcast_arrays(*arrays)
    shape = sw2.shape
    sw2, mu, q0 = sw2.ravel(), mu.ravel(), q0.ravel()
    with np.errstate(all="ignore"):
        var_b = np.maximum(sb2.ravel() - mu * mu, 0.0)
        v0 = q0 - mu * mu
        v0 = np.where(np.isfinite(v0), np.maximum(v0, START_FLOOR), 1.0)

        def gap(v: Array, idx: Array) -> Array:
            # var_b + (map − v), not (map + var_b) − v: ReLU at σ_w² = 2 keeps its +σ_b² at v = 1e20
            return var_b[idx] + (times(sw2[idx], moments(act, p, mu[idx], v, slopes=False).second) - v)

        v_star = _fixed_variance(gap, v0)
        return _out((v_star + mu * mu).reshape(shape))


def _fixed_variance(gap: Callable[[Array, Array], Array], v0: Array) -> Array:
    """The root of ``gap`` nearest ``v0`` on the side where gap(v0) points (see fixed_point)."""
    everything = np.arange(len(v0))
    g0 = gap(v0, everything)
    fixed = np.abs(g0) <= FIXED_TOLERANCE * v0  # e.g. ReLU at σ_w² = 2(1 + 2e-16), σ_b = 0: every q is fixed
    result = np.where(fixed, v0, np.nan)
    lo, hi, g_lo, g_hi = (np.full(len(v0), np.nan) for _ in range(4))
    for upward in (True, False):
        idx = np.flatnonzero(~fixed & (g0 > 0 if upward else g0 < 0))
        v, g, factor = v0[idx], g0[idx], SCAN_FACTOR
        while idx.size:
            nxt = v * factor if upward else v / factor
            g_nxt = gap(nxt, idx)
            found = (g_nxt <= 0) if upward else (g_nxt >= 0)
            a, b, ga, gb = (v, nxt, g, g_nxt) if upward else (nxt, v, g_nxt, g)
            at = idx[found]
            lo[at], hi[at], g_lo[at], g_hi[at] = a[found], b[found], ga[found], gb[found]
            floor = np.maximum(COLLAPSE_FLOOR * v0[idx], MIN_VARIANCE)  # below it the moments see MIN_VARIANCE
            beyond = ~found & ((nxt > DIVERGENCE_CAP) if upward else (nxt < floor))
            result[idx[beyond]] = np.inf if upward else 0.0
            keep = ~found & ~beyond & ~np.isnan(g_nxt)
            idx, v, g = idx[keep], nxt[keep], g_nxt[keep]
            factor = min(factor * factor, MAX_SCAN_FACTOR)  # divergence is found in ~15 steps, not 250
    bracketed = np.flatnonzero(~np.isnan(lo))
    if bracketed.size:
        brackets = _narrow(gap, bracketed, lo[bracketed], hi[bracketed], g_lo[bracketed], g_hi[bracketed])
        result[bracketed] = _illinois(gap, bracketed, *brackets)
    return result


def _narrow(fn: Callable[[Array, Array], Array], idx: Array, a: Array, b: Array, fa: Array, fb: Array
            ) -> tuple[Array, Array, Array, Array]:
    """Halve brackets 0 < a < b in log scale (at √(ab)) until b ≤ SCAN_FACTOR·a: regula falsi
    is slow on a bracket spanning decades."""
    a, b, fa, fb = a.copy(), b.copy(), fa.copy(), fb.copy()
    for _ in range(64):  # the whole double range is 2^11 octaves: 64 halvings of its log are plenty
        wide = np.flatnonzero(b > SCAN_FACTOR * a)
        if not wide.size:
            break
        m = np.sqrt(a[wide] * b[wide])
        fm = fn(m, idx[wide])
        left = np.sign(fm) == np.sign(fb[wide])  # the root lies in [a, m]
        b[wide], fb[wide] = np.where(left, m, b[wide]), np.where(left, fm, fb[wide])
        a[wide], fa[wide] = np.where(left, a[wide], m), np.where(left, fa[wide], fm)
    return a, b, fa, fb


def _illinois(fn: Callable[[Array, Array], Array], idx: Array, a: Array, b: Array, fa: Array, fb: Array,
              rtol: float = 1e-14, max_iter: int = 100) -> Array:
    """Roots of ``fn(x, idx)`` in brackets [a, b] (fa·fb ≤ 0), by regula falsi with the Illinois
    halving of a retained end (Dowell & Jarratt 1971): superlinear, never leaves the bracket."""
    a, b, fa, fb = a.copy(), b.copy(), fa.copy(), fb.copy()
    for _ in range(max_iter):
        active = np.flatnonzero((np.abs(b - a) > rtol * np.maximum(np.abs(a), np.abs(b))) & (fb != 0) & ~np.isnan(fb))
        if not active.size:
            break
        ai, bi, fai, fbi = a[active], b[active], fa[active], fb[active]
        c = bi - fbi * (bi - ai) / (fbi - fai)
        inside = np.isfinite(c) & (c >= np.minimum(ai, bi)) & (c <= np.maximum(ai, bi))
        c = np.where(inside, c, 0.5 * (ai + bi))
        fc = fn(c, idx[active])
        switch = fc * fbi < 0
        a[active] = np.where(switch, bi, ai)
        fa[active] = np.where(switch, fbi, 0.5 * fai)
        b[active], fb[active] = c, fc
    return np.where(np.isnan(fb), np.nan, np.where(fa == 0, a, b))


def chi1(activation: str, params: Mapping[str, Any] | None, sigma_w2: Any, sigma_b2: Any,
         bias_mean: Any = 0.0, q0: Any = 1.0) -> Any:
    """χ₁ = σ_w² E[φ'(z*)²] at the fixed point q* (Schoenholz et al. 2017, eq. 5). At q* = 0
    it is the limit q → 0+ (σ_w²φ'(0)², or σ_w²/2 for ReLU); at q* = inf the limit q → inf."""
    q_star = fixed_point(activation, params, sigma_w2, sigma_b2, bias_mean, q0)
    return chi(activation, params, sigma_w2, q_star, bias_mean)


def phase(chi1_value: float, tol: float = CRITICAL_TOLERANCE) -> str:
    """"ordered" (χ₁ < 1 − tol), "critical" (|χ₁ − 1| ≤ tol, see :data:`CRITICAL_TOLERANCE`),
    "chaotic" (χ₁ > 1 + tol), or "undefined" for NaN."""
    if math.isnan(chi1_value):
        return "undefined"
    if abs(chi1_value - 1.0) <= tol:
        return "critical"
    return "ordered" if chi1_value < 1.0 else "chaotic"


def depth_scale(chi1_value: float) -> float:
    """ξ = −1/ln χ₁ (Schoenholz et al. 2017, ξ_∇): gradient variance changes by a factor e every
    |ξ| layers; positive when it shrinks (ordered), negative when it grows (chaotic); inf at
    χ₁ = 1, 0 at χ₁ = 0, NaN for NaN."""
    if chi1_value == 1.0:
        return math.inf
    with np.errstate(all="ignore"):
        return float(-1.0 / np.log(np.float64(chi1_value)))


def chi1_grid(activation: str, params: Mapping[str, Any] | None, sigma_w2_values: Any, sigma_b2_values: Any,
              bias_mean: float = 0.0, q0: float = 1.0) -> np.ndarray:
    """χ₁ on the grid: ``out[i, j] = χ₁(σ_w²[i], σ_b²[j])``, shape (len(σ_w²), len(σ_b²)) (σ_w² along
    the first axis, x in an image). The phase diagram of Poole et al. 2016, fig. 1 / Schoenholz
    et al. 2017, fig. 1."""
    sw2, sb2 = np.meshgrid(np.asarray(sigma_w2_values, dtype=np.float64), np.asarray(sigma_b2_values, dtype=np.float64),
                           indexing="ij")
    return np.asarray(chi1(activation, params, sw2, sb2, bias_mean, q0), dtype=np.float64).reshape(sw2.shape)


def critical_line(activation: str, params: Mapping[str, Any] | None, sigma_b2_values: Any,
                  sigma_w2_range: tuple[float, float] = (1e-3, 64.0), bias_mean: float = 0.0,
                  q0: float = 1.0) -> Any:
    """For each σ_b², the σ_w² in ``sigma_w2_range`` where χ₁ = 1 (the edge of chaos), found by
    the Illinois method to 1e-12 relative; NaN where χ₁ − 1 has the same sign at both ends.
    Where q* jumps to inf inside the range and χ₁ jumps across 1 with it, the jump."""
    sb2 = np.atleast_1d(np.asarray(sigma_b2_values, dtype=np.float64))
    lo, hi = (np.full(sb2.shape, float(v)) for v in sigma_w2_range)

    def excess(sw2: Array, idx: Array) -> Array:
        return np.asarray(chi1(activation, params, sw2, sb2[idx], bias_mean, q0)) - 1.0

    everything = np.arange(len(sb2))
    f_lo, f_hi = excess(lo, everything), excess(hi, everything)
    ok = np.flatnonzero(f_lo * f_hi <= 0)
    result = np.full(sb2.shape, np.nan)
    if ok.size:
        result[ok] = _illinois(excess, ok, lo[ok], hi[ok], f_lo[ok], f_hi[ok], rtol=1e-12)
    return _out(result.reshape(np.shape(sigma_b2_values)))
