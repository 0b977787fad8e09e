"""Glorot & Bengio 2010, §4.2.1: with the "standard" init U(±1/√n) (n·Var[W] = 1/3) the
back-propagated gradients shrink going down a tanh net and the activations shrink going up; the
"normalized" init U(±√6/√(n_j + n_{j+1})) (Var[W] = 2/(n_j + n_{j+1}), n·Var[W] = 1 for equal
widths) keeps them — while the weight gradients have about the same variance in every layer
either way.

The paper's eqs. 12–16 hold in the linear regime (f'(s) ≈ 1): for d equal layers
Var[∂C/∂s^i] = [n·Var W]^{d−i}·Var[∂C/∂s^d] and Var[∂C/∂w^i] = [n·Var W]^d·Var[x]·Var[∂C/∂s^d],
the same for every layer. Over the 4 steps of a 5-layer net that is (1/3)^4 = 1/81 for the
standard init and 1 for the normalized one. tanh is not linear at unit variance, so the
"theory" column is the mean-field prediction for tanh (theory.predict: Gaussian expectations
of tanh and tanh'² at each layer's q; Var[∂C/∂W^l] = B·E[(a^{l−1})²]·E[(dz^l)²] for a batch of B
rows with gradients independent of the forward pass).

Tolerances: a variance over B·n entries that share one weight matrix has relative σ ≈ √(2/(n·B))
per layer — 0.4% at n = 512, B = 256 — about 0.8% over the 4 layers of a ratio; measured over 30
seeds the ratios spread by 0.8–1.6% (the weight gradients most: each is a sum over the batch).
5% is over 3× the largest.
"""

from __future__ import annotations

import numpy as np

from initviz.engine import theory
from initviz.model.builders import stack
from initviz.papers.base import Citation, Row, Target, propagate, second_moment

DEPTH, WIDTH, BATCH = 5, 512, 256
RATIO_TOL = 0.05
LINEAR = {"standard": 1 / 3, "normalized": 1.0}  # n·Var[W] for equal widths
SCHEMES = {"standard": "torch_default", "normalized": "xavier_uniform"}

CITATION = Citation(
    "X. Glorot, Y. Bengio", 2010, "Understanding the difficulty of training deep feedforward neural networks",
    "AISTATS 2010, PMLR 9", "§4.2.1 'Theoretical Considerations', eqs. 12–16 (standard init: eq. 1)")


def experiments(seed: int) -> dict[str, object]:
    """5 tanh layers of 512 units: standard U(±1/√n) (torch_default) and normalized (xavier_uniform)."""
    return {label: stack(DEPTH, WIDTH, "tanh", scheme, batch=BATCH, seed=seed, name=f"Glorot 2010: {label} init")
            for label, scheme in SCHEMES.items()}


def _theory(exp: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per layer: E[a²], E[dz²] (top E[da²] = 1) and Var[dW] — mean-field, gradients independent."""
    predicted = theory.predict(exp)
    a2 = np.array([t.activation_second_moment for t in predicted])
    slope2 = np.array([t.chi / t.sigma_w2 for t in predicted])  # E[φ'(z^l)²]
    da2 = np.ones(len(predicted))
    for l in range(len(predicted) - 1, 0, -1):
        da2[l - 1] = da2[l] * predicted[l].backward_factor
    dz2 = da2 * slope2
    inputs = np.concatenate(([1.0], a2[:-1]))  # E[x²] = 1, then E[(a^{l-1})²]
    return a2, dz2, BATCH * inputs * dz2


def measure(seed: int) -> list[Row]:
    rows = []
    for label, exp in experiments(seed).items():
        layers = propagate(exp, weight_grads=True)
        a2 = np.array([second_moment(layer.a) for layer in layers])
        dz2 = np.array([second_moment(layer.dz) for layer in layers])
        dw2 = np.array([second_moment(layer.dW) for layer in layers])
        n_var = float(np.mean([layer.W.shape[0] * np.var(layer.W, dtype=np.float64) for layer in layers]))
        a2_th, dz2_th, dw2_th = _theory(exp)
        linear = LINEAR[label] ** (DEPTH - 1)
        rows += [
            Row(f"{label}: n·Var[W]", n_var, LINEAR[label], LINEAR[label], 0.01, relative=True,
                note="the scheme itself (eq. 1 / eq. 16)"),
            Row(f"{label}: Var[a^5]/Var[a^1]", a2[-1] / a2[0], linear, a2_th[-1] / a2_th[0], RATIO_TOL, relative=True,
                note="paper: [n·Var W]^4, linear regime"),
            Row(f"{label}: Var[dC/ds^1]/Var[dC/ds^5]", dz2[0] / dz2[-1], linear, dz2_th[0] / dz2_th[-1], RATIO_TOL,
                relative=True, note="back-propagated gradient; paper: [n·Var W]^4, linear regime"),
            Row(f"{label}: Var[dC/dW^1]/Var[dC/dW^5]", dw2[0] / dw2[-1], 1.0, dw2_th[0] / dw2_th[-1], RATIO_TOL,
                relative=True, note="weight gradient; paper: the same in every layer, linear regime"),
        ]
    return rows


TARGET = Target(
    key="glorot2010", citation=CITATION,
    claim="standard init U(±1/√n) has n·Var[W] = 1/3: back-propagated gradients shrink ×1/3 per layer going down "
          "(linear regime); normalized init keeps n·Var[W] = 1; weight gradients alike in every layer",
    setup=f"{DEPTH} dense tanh layers of {WIDTH} units, N(0,1) input of {WIDTH} features, batch {BATCH}, float32, "
          "zero biases; torch_default (standard) vs xavier_uniform (normalized); top gradient N(0,1) independent "
          "of the forward pass",
    experiments=experiments, measure=measure,
    notes=("paper = the linear-regime formulas; theory = mean-field for tanh (the gap between them is tanh's "
           "curvature at unit variance)",
           "tolerances: n·Var[W] ±1% (sampling of n² weights: σ ≈ 0.2%); ratios ±5% (σ ≈ √(2k/(n·B)) ≈ 0.8% over "
           "k = 4 layers; 0.8–1.6% over 30 seeds)"),
)
