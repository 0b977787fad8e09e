"""Saxe, McClelland & Ganguli 2013/2014: in a deep linear net, orthogonal weights make the
input-output Jacobian J = W^1 W^2 ⋯ W^L an orthogonal matrix — every singular value exactly 1 at
any depth (dynamical isometry) — while scaled Gaussian weights, Var(W) = 1/n, keep only the
mean of σ² at 1: the spectrum spreads with depth.

Theory for the Gaussian case: for L square n×n factors with Var = 1/n the squared singular values
follow the Fuss–Catalan law as n → ∞, with mean 1 and variance L (Pennington, Schoenholz &
Ganguli 2017). At finite n the exact expectations follow from two Wick contractions per layer:
with A = M Mᵀ for the product M of the layers above, u = (tr A)², v = tr(A²),

    E[u'] = u + 2v/n,   E[v'] = u/n + (1 + 1/n)·v,   from u = n², v = n (A = I),

so E[mean σ⁴] = v/n and E[var σ²] = v/n − u/n² exactly (n = 256: 4.04 at L = 4, 16.56 at L = 16).

Tolerances: orthogonal — float64 rounding, ~L·√n·ε ≈ 1e-13, allowed 1e-9. Gaussian — the
spectrum's tail (its largest σ) fluctuates from net to net: over 30 seeds the mean of 4 nets has
a spread (σ) of 2.4% (L = 4) and 10% (L = 16) in var σ², and of 0.008 and 0.036 in mean σ²; the
tolerances are about 4σ: 10% and 40%, and ±0.15.
"""

from __future__ import annotations

import numpy as np

from initviz.engine import jacobian
from initviz.model.builders import stack
from initviz.papers.base import Citation, Row, Target

WIDTH, NETS = 256, 4
ORTHOGONAL_DEPTHS, GAUSSIAN_DEPTHS = (4, 32), (4, 16)
SPREAD_TOL = {4: 0.10, 16: 0.40}
MEAN_TOL = 0.15

CITATION = Citation(
    "A. M. Saxe, J. L. McClelland, S. Ganguli", 2014,
    "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks", "ICLR 2014 "
    "(arXiv:1312.6120, 2013)", "the discussion of random orthogonal initializations and dynamical isometry")


def _linear(depth: int, init: str, seed: int) -> object:
    return stack(depth, WIDTH, "identity", init, batch=1, dtype="float64", seed=seed,
                 name=f"Saxe 2013: {depth} linear layers, {init}")


def _seeds(seed: int) -> list[int]:
    """NETS independent nets per run: seeds seed·NETS … seed·NETS + NETS − 1 (distinct across runs)."""
    return [seed * NETS + k for k in range(NETS)]


def experiments(seed: int) -> dict[str, object]:
    """Deep linear stacks of 256 units: orthogonal and lecun_normal (Var 1/n), at several depths."""
    out = {f"orthogonal, depth {d}": _linear(d, "orthogonal", seed) for d in ORTHOGONAL_DEPTHS}
    out.update({f"gaussian 1/n, depth {d}, net {k}": _linear(d, "lecun_normal", s)
                for d in GAUSSIAN_DEPTHS for k, s in enumerate(_seeds(seed))})
    return out


def singular_values(exp: object) -> np.ndarray:
    """σ of the input-output Jacobian (one row suffices: a linear net's J does not depend on x)."""
    return jacobian.singular_values(jacobian.input_output_jacobians(exp, rows=1), exact=True)[0]


def fuss_catalan_moments(depth: int, n: int) -> tuple[float, float]:
    """Exact E[mean σ²] and E[var σ²] of a product of ``depth`` n×n Gaussian matrices, Var = 1/n."""
    u, v = float(n) ** 2, float(n)
    for _ in range(depth):
        u, v = u + 2 * v / n, u / n + (1 + 1 / n) * v
    return 1.0, v / n - u / n**2


def measure(seed: int) -> list[Row]:
    rows = []
    for d in ORTHOGONAL_DEPTHS:
        s = singular_values(_linear(d, "orthogonal", seed))
        rows.append(Row(f"orthogonal, depth {d}: max |σ − 1|", float(np.max(np.abs(s - 1))), 0.0, 0.0, 1e-9,
                        note="every singular value of J is 1"))
    for d in GAUSSIAN_DEPTHS:
        spectra = [singular_values(_linear(d, "lecun_normal", s)) ** 2 for s in _seeds(seed)]
        mean_th, var_th = fuss_catalan_moments(d, WIDTH)
        rows.append(Row(f"gaussian 1/n, depth {d}: mean σ²", float(np.mean([sq.mean() for sq in spectra])),
                        "1 (norm kept on average)", mean_th, MEAN_TOL, note=f"mean of {NETS} nets"))
        rows.append(Row(f"gaussian 1/n, depth {d}: var σ²", float(np.mean([sq.var() for sq in spectra])),
                        "grows with depth", var_th, SPREAD_TOL[d], relative=True,
                        note=f"Fuss–Catalan, exact at n = {WIDTH}; mean of {NETS} nets"))
    return rows


TARGET = Target(
    key="saxe2013", citation=CITATION,
    claim="orthogonal init gives deep linear nets an input-output Jacobian whose singular values are all 1 at any "
          "depth; scaled Gaussian init keeps mean σ² = 1 but its spectrum spreads with depth",
    setup=f"linear (identity) dense stacks of {WIDTH} units, float64: orthogonal at depths "
          f"{', '.join(map(str, ORTHOGONAL_DEPTHS))}; lecun_normal (Var 1/n) at depths "
          f"{', '.join(map(str, GAUSSIAN_DEPTHS))}, {NETS} nets each; J = W^1⋯W^L, exact SVD",
    experiments=experiments, measure=measure,
    notes=("tolerances: orthogonal 1e-9 (float64 rounding ≈ 1e-13); gaussian mean σ² ±0.15, var σ² ±10% (L = 4) "
           "and ±40% (L = 16): about 4× the spread of a mean of 4 nets over 30 seeds",
           "not reproduced: the depth-independent learning times (a training sweep over depths)"),
)
