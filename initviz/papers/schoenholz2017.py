"""Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017: signals propagate through a random tanh
net over a depth scale set by χ₁ = σ_w²·E[φ'(√q* z)²] alone.

In the ordered phase (χ₁ < 1) two inputs' correlation c^l tends to c* = 1 and, near it,
1 − c^{l+1} = χ₁·(1 − c^l): the correlation depth scale is ξ_c = −1/ln χ₁. Back-propagated
gradients change by χ₁ per layer in either phase: E[(∂L/∂a^{l−1})²] = χ₁·E[(∂L/∂a^l)²], so
ξ_∇ = −1/ln χ₁ (negative in the chaotic phase, where they grow). Both diverge at the edge of
chaos χ₁ = 1 — for tanh with σ_b² = 0.05 at σ_w² = 1.761 (mean_field.critical_line).

Measured on W ~ N(0, σ_w²/n), b ~ N(0, σ_b²), n = 512, with 32 input pairs of correlation 0.99
scaled so that q^1 = q* (E[x²] = (q* − σ_b²)/σ_w²): ξ_c from the least-squares slope of
ln mean(1 − c^l) over all layers; ξ_∇ from the slope of ln E[(∂L/∂a^l)²] with an independent N(0,1)
top gradient. The theory column is χ₁ of mean_field.chi1 at the fixed point q*.

Tolerances: at finite width q^l and the per-layer factors fluctuate (∝ 1/√n, shared by every pair
and every gradient row through the common weights), so the slopes do too; over 30 seeds the
relative spread of ξ̂ is about 3.2% (ξ = 3.6), 5.6% (ξ = 7.8) and 3.9% (ξ_∇ = −8.0), of q* (a mean
over layers) 2.8%, 1.6% and 0.8%. Tolerances are 4× these: 13%, 23%, 16%; 11%, 7%, 3%.
"""

from __future__ import annotations

import math

import numpy as np

from initviz.engine import mean_field
from initviz.model.builders import stack
from initviz.papers.base import Citation, Row, Target, draw_layers, extra_stream, log_slope, propagate, \
    second_moment

WIDTH, PAIRS, SIGMA_B2, INPUT_CORRELATION = 512, 32, 0.05, 0.99
# σ_w², depth, ordered?, tolerance of ξ, tolerance of q* (relative; 4× the spread over 30 seeds)
POINTS = ((1.0, 24, True, 0.13, 0.11), (1.3, 40, True, 0.23, 0.07), (2.5, 30, False, 0.16, 0.03))

CITATION = Citation(
    "S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein", 2017, "Deep Information Propagation",
    "ICLR 2017", "'Asymptotic expansions and depth scales' (ξ_q, ξ_c of the length and correlation maps) "
    "and 'Gradient backpropagation' (ξ_∇)")


def _net(sigma_w2: float, depth: int, seed: int) -> object:
    return stack(depth, WIDTH, "tanh", {"name": "normal", "std": math.sqrt(sigma_w2 / WIDTH)},
                 {"name": "normal", "std": math.sqrt(SIGMA_B2)}, batch=2 * PAIRS, dtype="float64", seed=seed,
                 name=f"Schoenholz 2017: tanh, σ_w² = {sigma_w2}, σ_b² = {SIGMA_B2}")


def experiments(seed: int) -> dict[str, object]:
    """Deep tanh stacks of 512 units with W ~ N(0, σ_w²/n), b ~ N(0, 0.05), at three σ_w²."""
    return {f"sigma_w2 = {sw2}": _net(sw2, depth, seed) for sw2, depth, *_ in POINTS}


def input_pairs(seed: int, q_star: float, sigma_w2: float) -> np.ndarray:
    """2·PAIRS rows: u_k, then 0.99·u_k + √(1 − 0.99²)·v_k, scaled so that q^1 = q*."""
    rng = extra_stream(seed, 1)
    u, v = rng.standard_normal((PAIRS, WIDTH)), rng.standard_normal((PAIRS, WIDTH))
    c = INPUT_CORRELATION
    scale = math.sqrt(max(q_star - SIGMA_B2, 0.0) / sigma_w2)
    return scale * np.concatenate([u, c * u + math.sqrt(1 - c * c) * v])


def one_minus_correlation(z: np.ndarray) -> float:
    """mean over pairs of 1 − c, c = z_a·z_b/(|z_a||z_b|) (the papers' q_ab/√(q_aa q_bb))."""
    za, zb = z[:PAIRS], z[PAIRS:]
    c = np.einsum("ij,ij->i", za, zb) / np.sqrt(np.einsum("ij,ij->i", za, za) * np.einsum("ij,ij->i", zb, zb))
    return float(np.mean(1.0 - c))


def measure(seed: int) -> list[Row]:
    rows = []
    for sigma_w2, depth, ordered, tol, q_tol in POINTS:
        exp = _net(sigma_w2, depth, seed)
        q_star = float(mean_field.fixed_point("tanh", None, sigma_w2, SIGMA_B2))
        chi1 = float(mean_field.chi("tanh", None, sigma_w2, q_star))
        xi = mean_field.depth_scale(chi1)
        layers = propagate(exp, input_pairs(seed, q_star, sigma_w2), draw_layers(exp))
        label = f"σ_w² = {sigma_w2}"
        rows.append(Row(f"{label}: q* (mean E[z²] over layers)", float(np.mean([second_moment(l.z) for l in layers])),
                        "fixed point of the length map", q_star, q_tol, relative=True))
        if ordered:
            slope = log_slope([one_minus_correlation(l.z) for l in layers])
            rows.append(Row(f"{label}: ξ_c (correlation depth scale)", -1.0 / slope, "−1/ln χ₁ (ordered phase)", xi,
                            tol, relative=True, note=f"χ₁ = {chi1:.4f}"))
        grad_slope = log_slope([second_moment(l.da) for l in layers])
        rows.append(Row(f"{label}: ξ_∇ (gradient depth scale)", 1.0 / grad_slope, "−1/ln χ₁", xi, tol,
                        relative=True, note=f"χ₁ = {chi1:.4f}; {'ordered: vanish' if ordered else 'chaotic: explode'}"))
    return rows


TARGET = Target(
    key="schoenholz2017", citation=CITATION,
    claim="random tanh nets propagate correlations and gradients over a depth scale ξ = −1/ln χ₁, which diverges "
          "at the order-to-chaos transition χ₁ = 1",
    setup=f"tanh stacks of {WIDTH} units, W ~ N(0, σ_w²/n), b ~ N(0, {SIGMA_B2}), float64, at σ_w² = "
          f"{', '.join(str(p[0]) for p in POINTS)} (depths {', '.join(str(p[1]) for p in POINTS)}; edge of chaos "
          f"at 1.761); {PAIRS} input pairs of correlation {INPUT_CORRELATION} with q^1 = q*; top gradient N(0,1)",
    experiments=experiments, measure=measure,
    notes=("tolerances: 4× the spread of each figure over 30 seeds (finite width n = 512: q^l and the per-layer "
           "factors fluctuate ∝ 1/√n through the shared weights)",
           "not reproduced: ξ_c in the chaotic phase (c* < 1; needs the bivariate map), and trainability vs depth"),
)
