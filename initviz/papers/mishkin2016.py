"""Mishkin & Matas 2016, "All you need is a good init" (LSUV, Algorithm 1): start from orthonormal
weights, then for each layer in order rescale W by 1/√Var(z) on a batch until
|Var(z) − 1| < Tol_var (0.1) or T_max (10) iterations — every layer then has unit-variance output.

Theory column. Without LSUV, orthonormal weights keep |a W| = |a| and a ReLU halves E[a²], so
Var(z^L) = 2^−(L−1) (mean-field, theory.predict). With LSUV, Var(z) of a fixed batch is exactly
quadratic in the gain (z = g·a_prev·Q, zero biases), so one rescale lands on 1 up to rounding:
every layer converges within one rescale, and layer l ≥ 2 gets the gain that restores unit
variance after the activation of a unit-variance z, 1/√E[φ(z)²], z ~ N(0, 1): √2 for ReLU,
1.5925 for tanh (Gaussian quadrature, gaussian_moments).

Tolerances: the calibration batch is held to the algorithm's own Tol_var = 0.1; a fresh batch
re-estimates Var(z) at fixed weights (spread over 30 seeds of its largest |Var(z) − 1|: 0.012 for
ReLU, whose rows grow collinear with depth, 0.002 for tanh), also allowed 0.1. Mean gains: one
layer's gain fluctuates with its Var(z) estimate; over 30 seeds the mean over 15 layers has a
spread of 1.3% (ReLU) and 0.02% (tanh, with a finite-width bias of −0.03%): allowed 5% and 0.2%.
Without LSUV, ln Var(z^L) of a ReLU net fluctuates with variance ≈ 5·(L−1)/n (Hanin & Rolnick
2018): σ = 0.78 bits in log₂ (0.55 measured over 30 seeds), allowed 2.3 (3σ).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from initviz.engine import activations, lsuv, network, theory
from initviz.engine.gaussian_moments import moments
from initviz.model.builders import stack
from initviz.papers.base import Citation, Row, Target, draw_layers, extra_stream, variance

DEPTH, WIDTH, BATCH = 16, 256, 256
TOL_VAR, T_MAX = 0.1, 10
GAIN_TOL = {"relu": 0.05, "tanh": 0.002}
BITS_TOL = round(3 * math.sqrt(5 * (DEPTH - 1) / WIDTH) / math.log(2), 1)

CITATION = Citation(
    "D. Mishkin, J. Matas", 2016, "All you need is a good init", "ICLR 2016 (arXiv:1511.06422, 2015)",
    "§2 'Layer-sequential unit-variance orthogonal initialization', Algorithm 1 (Tol_var = 0.1, T_max = 10)")


def experiments(seed: int) -> dict[str, object]:
    """16 layers of 256 units with orthonormal weights: ReLU and tanh."""
    return {act: stack(DEPTH, WIDTH, act, "orthogonal", batch=BATCH, seed=seed, name=f"Mishkin 2016: {act}")
            for act in GAIN_TOL}


def unit_variance_gain(activation: str) -> float:
    """1/√E[φ(z)²], z ~ N(0, 1): the gain that gives Var(z) = 1 after a unit-variance layer."""
    act, p = activations.resolve(activation, {})
    return 1.0 / math.sqrt(float(moments(act, p, 0.0, 1.0, slopes=False).second))


def measure(seed: int) -> list[Row]:
    rows = []
    for act, exp in experiments(seed).items():
        fresh = extra_stream(seed, 3).standard_normal((BATCH, WIDTH)).astype(exp.dtype)
        orthonormal = draw_layers(exp)  # Q_l: LSUV's weights are g_l·Q_l (engine/lsuv.py)
        if act == "relu":
            with np.errstate(all="ignore"):
                zs, _ = network.forward(network.draw_input(exp), orthonormal)
            q_top = theory.predict(exp)[-1].q
            rows.append(Row(f"{act}: orthonormal alone, log2 Var(z^{DEPTH})", math.log2(variance(zs[-1])), None,
                            math.log2(q_top), BITS_TOL, note="ReLU halves E[a²] each layer"))
        result = lsuv.lsuv(exp, tol=TOL_VAR, max_iter=T_MAX)
        fitted = [dataclasses.replace(layer, W=(gain * layer.W).astype(layer.W.dtype))
                  for layer, gain in zip(orthonormal, result.gains)]
        with np.errstate(all="ignore"):
            zs, _ = network.forward(fresh, fitted)
        converged = sum(layer.status == lsuv.CONVERGED for layer in result.layers)
        rows += [
            Row(f"{act}: LSUV, layers converged", converged, f"all {DEPTH}", DEPTH, 0),
            Row(f"{act}: LSUV, rescales of the slowest layer", max(layer.rescales for layer in result.layers),
                f"≤ T_max = {T_MAX}", 1, 0, note="Var(z) ∝ gain² exactly: one rescale"),
            Row(f"{act}: LSUV, largest |Var(z) − 1|, calibration batch",
                max(abs(layer.variance - 1) for layer in result.layers), f"< Tol_var = {TOL_VAR}", 0.0, TOL_VAR),
            Row(f"{act}: LSUV, largest |Var(z) − 1|, fresh batch", max(abs(variance(z) - 1) for z in zs), None, 0.0,
                TOL_VAR, note="the LSUV weights g_l·Q_l on a new N(0,1) batch"),
            Row(f"{act}: LSUV gain, mean of layers 2–{DEPTH}", float(np.mean(result.gains[1:])), None,
                unit_variance_gain(act), GAIN_TOL[act], relative=True, note="1/√E[φ(z)²], z ~ N(0,1)"),
        ]
    return rows


TARGET = Target(
    key="mishkin2016", citation=CITATION,
    claim="LSUV (orthonormal init, then each layer rescaled in order until |Var(z) − 1| < 0.1) gives every layer "
          "unit-variance output within T_max = 10 iterations",
    setup=f"{DEPTH} dense layers of {WIDTH} units, ReLU and tanh, orthogonal weights, zero biases, batch {BATCH}, "
          "float32; LSUV on the experiment's own N(0,1) batch (engine/lsuv.py), checked on a fresh batch",
    experiments=experiments, measure=measure,
    notes=(f"tolerances: Tol_var = {TOL_VAR} for Var(z); gains ±5% (ReLU) and ±0.2% (tanh), ≥ 4× their spread "
           f"over 30 seeds; orthonormal-alone ReLU ±{BITS_TOL} bits (3σ, Var ln q ≈ 5·(L−1)/n)",
           "not reproduced: the paper's CIFAR/ImageNet training results"),
)
