"""Klambauer, Unterthiner, Mayr & Hochreiter 2017: SELU (λ ≈ 1.0507, α ≈ 1.6733) with weights of
Σw = 0, Σw² = 1 (LeCun normal: Var(W) = 1/n) maps the mean and variance (μ, ν) of a layer's
activations to the next layer's through a map g with a stable, attracting fixed point (0, 1)
(Theorem 1). Its Jacobian there is [[0, 0.0888], [0, 0.7826]] (spectral norm 0.7877 < 1): a
deviation of the variance from 1 shrinks to 0.7826 of itself per layer.

Theory column: the mean-field map of random zero-mean weights, z^l ~ N(0, q^l) with
q^{l+1} = σ_w²·E[selu(z^l)²] (σ_w² = n·Var W = 1), iterated from each input's q^1 = E[x²]; at q = 1
it gives E[selu] = 0 and E[selu²] = 1, the paper's fixed point, and dν̃/dν = 0.78265 — the paper's
Jacobian entry, computed here by Gaussian quadrature (gaussian_moments).

Tolerances (n = 512, batch 128): one layer's variance over B·n entries has σ ≈ √(2/(n·B)) = 0.006,
raised by the correlation the shared weights give the rows. Over 30 seeds the spread (σ) of the
figures is 0.0053 (mean Var over layers 10–50), 0.0024 (largest |mean|, itself ≈ 0.0126 as the
largest of 41 noisy means), 0.014–0.016 (Var(a^50) from a perturbed start) and 0.0053 (the shrink
factor); the tolerances are about 4σ: 0.02, 0.03, 0.065 and 0.02.
"""

from __future__ import annotations

import math

import numpy as np

from initviz.engine import activations, network
from initviz.engine.gaussian_moments import moments
from initviz.model.builders import stack
from initviz.papers.base import Citation, Row, Target, draw_layers, extra_stream, variance

DEPTH, WIDTH, BATCH, SETTLED = 50, 512, 128, 10
STARTS = (2.0, 0.5)  # Var(x) of the perturbed inputs
CONTRACTION_STEPS = 5
PAPER_CONTRACTION = 0.782648  # ∂ν̃/∂ν in the Jacobian of g at (0, 1)

CITATION = Citation(
    "G. Klambauer, T. Unterthiner, A. Mayr, S. Hochreiter", 2017, "Self-Normalizing Neural Networks",
    "NeurIPS 2017 (NIPS 30)", "'Stable and Attracting Fixed Point (0, 1) for Normalized Weights': the "
    "mapping g, Theorem 1 and the Jacobian of g at (0, 1)")


def experiments(seed: int) -> dict[str, object]:
    """50 SELU layers of 512 units with LeCun normal weights."""
    return {"selu lecun_normal": stack(DEPTH, WIDTH, "selu", "lecun_normal", batch=BATCH, seed=seed,
                                       name="Klambauer 2017: SELU, LeCun normal")}


def mean_field_variances(input_second_moment: float, depth: int = DEPTH) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the activations of each layer by the mean-field map (σ_w² = 1)."""
    act, p = activations.resolve("selu", {})
    q, means, variances = input_second_moment, [], []
    for _ in range(depth):
        m = moments(act, p, 0.0, q, slopes=False)
        means.append(float(m.mean))
        variances.append(float(m.second - m.mean**2))
        q = float(m.second)
    return np.array(means), np.array(variances)


def contraction(variances: np.ndarray) -> float:
    """Mean over the first steps of (ν^{l+1} − 1)/(ν^l − 1)."""
    dev = np.asarray(variances)[:CONTRACTION_STEPS + 1] - 1.0
    return float(np.mean(dev[1:] / dev[:-1]))


def measure(seed: int) -> list[Row]:
    exp = experiments(seed)["selu lecun_normal"]
    params = draw_layers(exp)
    x = network.draw_input(exp)
    with np.errstate(all="ignore"):
        _, acts = network.forward(x, params)
    means = np.array([float(np.mean(a, dtype=np.float64)) for a in acts])
    variances = np.array([variance(a) for a in acts])
    th_mean, th_var = mean_field_variances(1.0)
    rows = [
        Row(f"Var(x) = 1: Var(a), mean of layers {SETTLED}–{DEPTH}", float(np.mean(variances[SETTLED - 1:])), 1.0,
            float(np.mean(th_var[SETTLED - 1:])), 0.02, note="fixed point ν = 1"),
        Row(f"Var(x) = 1: largest |mean(a)|, layers {SETTLED}–{DEPTH}", float(np.max(np.abs(means[SETTLED - 1:]))),
            0.0, round(float(np.max(np.abs(th_mean[SETTLED - 1:]))), 10), 0.03, note="fixed point μ = 0"),
    ]
    measured_c, theory_c = [], []
    rng = extra_stream(seed, 2)
    for start in STARTS:
        xs = (math.sqrt(start) * rng.standard_normal(x.shape)).astype(x.dtype)
        with np.errstate(all="ignore"):
            _, acts = network.forward(xs, params)
        v = np.array([variance(a) for a in acts])
        _, th = mean_field_variances(start)
        rows.append(Row(f"Var(x) = {start}: Var(a^{DEPTH})", float(v[-1]), "1 (attracting)", float(th[-1]), 0.065))
        measured_c.append(contraction(v))
        theory_c.append(contraction(th))
    rows.append(Row(f"(ν − 1) shrink per layer, first {CONTRACTION_STEPS} layers, mean of Var(x) = 2 and 0.5",
                    float(np.mean(measured_c)), PAPER_CONTRACTION, float(np.mean(theory_c)), 0.02,
                    note="paper: ∂ν̃/∂ν of the Jacobian at (0, 1)"))
    return rows


TARGET = Target(
    key="klambauer2017", citation=CITATION,
    claim="SELU with LeCun normal weights has a stable, attracting fixed point mean 0, variance 1; a variance "
          "deviation shrinks by 0.7826 per layer",
    setup=f"{DEPTH} dense SELU layers of {WIDTH} units, lecun_normal, zero biases, batch {BATCH}, float32; "
          f"N(0,1) input, and inputs with Var(x) = {STARTS[0]} and {STARTS[1]}",
    experiments=experiments, measure=measure,
    notes=("theory computes the Jacobian of g at (0, 1) as [[0, 0.08883], [0, 0.7826]], spectral norm 0.7877, "
           "the paper's values",
           "tolerances: about 4× each figure's spread over 30 seeds (finite n·B)"),
)
