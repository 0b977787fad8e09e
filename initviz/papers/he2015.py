"""He et al. 2015, §2.2: a ReLU halves the second moment, so Var(W) = 1/n shrinks the signal by
1/√2 a layer and Var(W) = 2/n holds it — forward and backward.

Forward (eqs. 7–9): Var[y_l] = ½·n_l·Var[w_l]·Var[y_{l−1}], so over L layers
Var[y_L]/Var[y_1] = Π_{l=2..L} ½·n_l·Var[w_l]: 2^−29 in variance, 2^−14.5 in std, for 30 layers
with n·Var[w] = 1 ("Xavier" for equal widths); 1 with n·Var[w] = 2 (eq. 10). Backward, the same
product with n̂_l = fan_out: Var[Δx_2] = Var[Δx_{L+1}]·Π ½·n̂_l·Var[w_l].

Tolerances. The per-layer factor is a ratio of sums over n units that share one weight matrix;
its mean over the 29 steps has relative σ ≤ √(5/(n·29)) = 2.6% at n = 256 (the single-input
bound: ReLU makes the rows of a batch collinear with depth, so the batch does not average the
weights' fluctuation away) — tolerance 8% (3σ). The whole-depth ratio compounds them: ln of a
ReLU net's squared signal length has variance ≈ 5·Σ1/n_l (Hanin & Rolnick 2018), 5·29/256, i.e.
σ = 0.54 bits in log₂ of the std ratio — tolerance 1.6 bits (3σ; over 30 seeds the spread is 0.43).
"""

from __future__ import annotations

import math

import numpy as np

from initviz.engine import theory
from initviz.model.builders import stack
from initviz.papers.base import Citation, Row, Target, propagate, second_moment

DEPTH, WIDTH, BATCH = 30, 256, 64
STEPS = DEPTH - 1
FACTOR_TOL = round(3 * math.sqrt(5 / (WIDTH * STEPS)), 2)  # relative, on the mean per-layer factor: 0.08
BITS_TOL = round(3 * math.sqrt(5 * STEPS / WIDTH) / (2 * math.log(2)), 1)  # absolute, log2 of a std ratio
SCHEMES = {"1/n (Xavier)": ("xavier_normal", 0.5), "2/n (He)": ("he_normal", 1.0)}

CITATION = Citation(
    "K. He, X. Zhang, S. Ren, J. Sun", 2015,
    "Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification", "ICCV 2015",
    "§2.2 'Forward Propagation Case' (eqs. 7–10), 'Backward Propagation Case', 'Comparisons with Xavier'")


def experiments(seed: int) -> dict[str, object]:
    """The two 30-layer ReLU stacks: Var(W) = 1/n and 2/n."""
    return {label: stack(DEPTH, WIDTH, "relu", scheme, batch=BATCH, seed=seed, name=f"He 2015: {label}")
            for label, (scheme, _) in SCHEMES.items()}


def _log2_std_ratio(top: float, bottom: float) -> float:
    return 0.5 * math.log2(top / bottom)


def _exact(value: float) -> float:
    """A theory value without its last-bit rounding (2^-29 ratios of floats give 5e-15, not 0)."""
    return round(float(value), 10)


def measure(seed: int) -> list[Row]:
    rows = []
    for label, exp in experiments(seed).items():
        half = SCHEMES[label][1]
        layers = propagate(exp)
        q = np.array([second_moment(layer.z) for layer in layers])
        g = np.array([second_moment(layer.da) for layer in layers])
        predicted = theory.predict(exp)
        q_th = np.array([t.q for t in predicted])
        back_th = np.array([t.backward_factor for t in predicted])  # Var(da^{l-1}) / Var(da^l)
        paper_bits = STEPS * 0.5 * math.log2(half)
        rows += [
            Row(f"{label}: forward factor Var(z^l+1)/Var(z^l), mean of {STEPS}", float(np.mean(q[1:] / q[:-1])),
                half, _exact(np.mean(q_th[1:] / q_th[:-1])), FACTOR_TOL, relative=True,
                note="eq. 8: ½·n·Var[w]"),
            Row(f"{label}: log2 std(z^{DEPTH})/std(z^1)", _log2_std_ratio(q[-1], q[0]), paper_bits,
                _exact(_log2_std_ratio(q_th[-1], q_th[0])), BITS_TOL, note="eq. 9 over 29 layers"),
            Row(f"{label}: backward factor Var(da^l-1)/Var(da^l), mean of {STEPS}", float(np.mean(g[:-1] / g[1:])),
                half, _exact(np.mean(back_th[1:])), FACTOR_TOL, relative=True, note="½·n̂·Var[w], n̂ = fan_out"),
            Row(f"{label}: log2 std(da^1)/std(da^{DEPTH})", _log2_std_ratio(g[0], g[-1]), paper_bits,
                _exact(0.5 * np.sum(np.log2(back_th[1:]))), BITS_TOL, note="backward product over 29 layers"),
        ]
    return rows


TARGET = Target(
    key="he2015", citation=CITATION,
    claim="ReLU with Var(W) = 1/n shrinks the signal by 1/√2 per layer (2^-14.5 in std over 30 layers); "
          "Var(W) = 2/n keeps it, forward and backward",
    setup=f"{DEPTH} dense ReLU layers of {WIDTH} units, N(0,1) input of {WIDTH} features, batch {BATCH}, float32, "
          "zero biases; xavier_normal (Var 1/n) vs he_normal (Var 2/n); top gradient N(0,1) independent of the "
          "forward pass",
    experiments=experiments, measure=measure,
    notes=(f"tolerances: per-layer factor ±{100 * FACTOR_TOL:.0f}% (3σ, σ = √(5/(n·29))); whole depth ±{BITS_TOL} "
           "bits (3σ, Var ln|z|² ≈ 5·Σ1/n_l, Hanin & Rolnick 2018)",
           "not reproduced: training the 22- and 30-layer nets of the paper's Figs. 2–3 (use `initviz train "
           "--schemes`)"),
)
