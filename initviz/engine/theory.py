"""Mean-field theory of signal propagation (issue 5, "Diagnose depth"): predictions for every
layer of an experiment, to draw beside its measurements, and the phase-diagram functions of
:mod:`initviz.engine.mean_field`, re-exported here.

Each layer's scheme maps to σ_w² = fan_in·Var(W) and its bias to μ_b = E[b], σ_b² = E[b²]
(REFERENCE.md, "Mean-field signal propagation"). Forward, from q_in = E[x²] (1 for both input
distributions, which have unit variance):

    q^0 = σ_w² q_in + σ_b²,   q^l = σ_w² E[φ(z^{l-1})²] + σ_b²,   z^l ~ N(μ_b, q^l − μ_b²).

Backward (MSE loss over N = batch·units outputs, t ~ N(0, 1) — network.py). The textbook step
(Schoenholz et al. 2017) treats the gradient as independent of the forward signal:

    E[(da^{l-1})²] = fan_out_l·Var(W^l)·E[(da^l)²]·E[φ'(z^l)²]   (da^{l-1} = dz^l W^lᵀ sums over fan_out),

the ``backward_factor`` of each layer. But the loss gradient da^L = 2(a^L − t)/N contains the
forward signal itself, and that part survives the sum over fan_out: by Stein's lemma on
W^l_ji inside z^l_i, E[Σ_i W_ji dz_i] = fan_out·Var(W)·E[∂dz/∂z]·a^{l-1}_j, a term coherent with
a^{l-1}. Left out, it under-predicts Var(da) by 25–35% from the first step on (ReLU/He,
SELU/LeCun; 2–3% for tanh/Xavier), and by 12–37% at the input layer of a 20-layer net.
So da^l = r^l + κ_l·a^l, r independent of the forward signal, with

    start (last layer L): E[r²] = 4/N² (from t), κ = 2/N  —  Var(da^L) = 4(Var(a^L) + 1)/N²,
    E[(r^{l-1})²] = fan_out·Var(W^l)·(E[r²]·E[φ'²] + κ_l²·E[φ²φ'²]),
    κ_{l-1} = fan_out·Var(W^l)·κ_l·E[φ'² + φφ''],
    Var(da^{l-1}) = E[(r^{l-1})²] + κ_{l-1}²·Var(a^{l-1}),

the expectations taken at z^l ~ N(μ_b, q^l − μ_b²). For ReLU E[φφ''] = 0; for tanh it is
negative and the coherent part fades with depth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from initviz.engine import activations, initializers, network
from initviz.engine.distributions import Distribution
from initviz.engine.gaussian_moments import Moments, moments
from initviz.engine.mean_field import (CRITICAL_TOLERANCE, PHASES, chi, chi1, chi1_grid, critical_line, depth_scale,
                                       fixed_point, length_map_step, phase, times)

__all__ = [
    "CRITICAL_TOLERANCE", "INPUT_SECOND_MOMENT", "LayerTheory", "MEAN_TOLERANCE", "PHASES", "bias_law", "chi", "chi1",
    "chi1_grid", "critical_line", "depth_scale", "fixed_point", "length_map_step", "phase", "predict",
]

MEAN_TOLERANCE = 0.01
"""A weight law with fan_in·E[W]²/Var(W) above this breaks the theory: each unit then adds a
coherent fan_in·E[W]·E[a] whose square, relative to the random part σ_w²E[a²], is at most this
ratio — 1% of q, below what the tests can resolve."""
INPUT_SECOND_MOMENT = {"normal": 1.0, "uniform": 1.0}
"""q_in = E[x²] per input distribution (network.draw_input: N(0, 1) and U(±√3))."""


@dataclass(frozen=True)
class LayerTheory:
    """The mean-field prediction for one layer (``applies=False``: see ``reason``; the numbers are
    then those of a zero-mean law with the same variance, and should not be drawn as a prediction).

    ``q`` is E[z²]; ``preactivation_var`` = q − μ_b² is what the measured z variance estimates.
    ``chi`` = σ_w²·E[φ'(z^l)²] at this layer's q; ``backward_factor`` = fan_out·Var(W)·E[φ'(z^l)²],
    the textbook factor from E[(da^l)²] to E[(da^{l-1})²] for this layer's real shape (fan_out, not
    fan_in: da^{l-1} = dz^l W^lᵀ). ``grad_var`` is the predicted Var(da^l), from the two-channel
    recursion of the module docstring. ``q_star``, ``chi1``, ``phase`` and ``depth_scale`` describe an infinitely
    deep stack of this layer (fixed point reached from this layer's q)."""

    index: int
    applies: bool
    reason: str
    weight_mean: float
    sigma_w2: float
    bias_mean: float
    sigma_b2: float
    q: float
    preactivation_mean: float
    preactivation_var: float
    activation_mean: float
    activation_second_moment: float
    activation_std: float
    chi: float
    backward_factor: float
    grad_var: float
    q_star: float
    chi1: float
    phase: str
    depth_scale: float


def _safe(fn: Callable[[], float], overflow: float = math.inf) -> float:
    """A law's moment, or ``overflow`` where Python floats overflow (U(±1e200) has variance 3e399,
    and its mean, computed alongside, is then unknown: NaN)."""
    try:
        return float(fn())
    except OverflowError:
        return overflow


def bias_law(experiment: Any, index: int) -> Distribution:
    """The distribution layer ``index``'s bias scheme promises for one bias."""
    bias = experiment.layers[index].bias
    scheme, p = initializers.resolve(bias.name, bias.kwargs, f"layers[{index}].bias", for_bias=True)
    return scheme.law(p, network.layer_context(experiment, index))


@dataclass(frozen=True)
class _Layer:
    """What the forward sweep knows about one layer."""

    fan_out: int
    weight_mean: float
    weight_var: float
    sigma_w2: float
    bias_mean: float
    sigma_b2: float
    q: float
    activation: str
    params: tuple
    m: Moments
    reason: str


def _mean_field_break(fan_in: int, mean: float, var: float) -> str:
    with np.errstate(all="ignore"):
        ratio = float(np.float64(fan_in) * mean * mean / np.float64(var)) if var else math.inf
    if mean == 0 or not ratio > MEAN_TOLERANCE:  # NaN (a mean lost to overflow) claims nothing
        return ""
    return (f"weights have mean {mean:.3g} (fan_in·E[W]²/Var(W) = {ratio:.3g} > {MEAN_TOLERANCE}): each unit adds "
            f"a coherent fan_in·E[W]·E[a] that mean-field theory, which assumes zero-mean weights, leaves out")


def _forward(experiment: Any) -> list[_Layer]:
    second = INPUT_SECOND_MOMENT[experiment.input.distribution]
    layers = []
    for i, spec in enumerate(experiment.layers):
        fan_in, fan_out = experiment.fans(i)
        w_law, b_law = network.weight_law(experiment, i), bias_law(experiment, i)
        w_mean, w_var = _safe(w_law.expectation, math.nan), _safe(w_law.variance)
        b_mean, b_second = _safe(b_law.expectation, math.nan), _safe(b_law.second_moment)
        act, p = activations.resolve(spec.activation.name, spec.activation.kwargs, f"layers[{i}].activation")
        with np.errstate(all="ignore"):
            sigma_w2 = float(np.float64(fan_in) * w_var)
            q = float(times(np.float64(sigma_w2), np.float64(second)) + b_second)
            m = moments(act, p, b_mean, max(q - b_mean * b_mean, 0.0) if not math.isnan(q) else q)
        layers.append(_Layer(fan_out, w_mean, w_var, sigma_w2, b_mean, b_second, q, act.name,
                             tuple(sorted(p.items())), m, _mean_field_break(fan_in, w_mean, w_var)))
        second = float(m.second)
    return layers


def _grad_vars(experiment: Any, layers: list[_Layer], last_grad_var: float | None) -> list[float]:
    """Var(da^l) per layer, by the two-channel recursion of the module docstring."""
    last = layers[-1].m
    n = float(experiment.input.batch * experiment.layers[-1].units)
    with np.errstate(all="ignore"):
        var_a = np.float64(last.second - last.mean * last.mean)
        scale = 1.0 if last_grad_var is None else np.float64(last_grad_var) / (4.0 * (var_a + 1.0) / (n * n))
        noise, coherent = scale * 4.0 / (n * n), np.sqrt(scale) * 2.0 / n
        grads = [float(noise + coherent * coherent * var_a)]
        for i in range(len(layers) - 1, 0, -1):
            m, gain = layers[i].m, np.float64(layers[i].fan_out * layers[i].weight_var)
            noise = times(gain, noise * m.slope2 + coherent * coherent * m.second_slope2)
            coherent = times(gain, coherent * m.product_slope)
            below = layers[i - 1].m
            grads.append(float(noise + coherent * coherent * (below.second - below.mean * below.mean)))
    return grads[::-1]


def _phases(layers: list[_Layer]) -> list[tuple[float, float]]:
    """(q*, χ₁) per layer, one vectorized fixed-point search per activation."""
    out: list[tuple[float, float]] = [(math.nan, math.nan)] * len(layers)
    groups: dict[tuple, list[int]] = {}
    for i, layer in enumerate(layers):
        groups.setdefault((layer.activation, layer.params), []).append(i)
    for (name, params), idx in groups.items():
        sw2, sb2, mu, q0 = (np.array([getattr(layers[i], f) for i in idx])
                            for f in ("sigma_w2", "sigma_b2", "bias_mean", "q"))
        q_star = np.atleast_1d(fixed_point(name, dict(params), sw2, sb2, mu, q0))
        at_q_star = np.atleast_1d(chi(name, dict(params), sw2, q_star, mu))
        for k, i in enumerate(idx):
            out[i] = (float(q_star[k]), float(at_q_star[k]))
    return out


def predict(experiment: Any, last_grad_var: float | None = None) -> list[LayerTheory]:
    """Mean-field predictions for every layer of ``experiment`` (see the module docstring).

    The gradient chain starts from the theory's own Var(da^L) = 4(Var(a^L) + 1)/N², a pure
    prediction; pass ``last_grad_var`` (e.g. the measured Var(da) of the last layer) to test the
    backward theory alone. A layer whose weights have a mean marks every layer ``applies=False``,
    since every forward and backward prediction passes through it."""
    layers = _forward(experiment)
    grads = _grad_vars(experiment, layers, last_grad_var)
    broken = next((i for i, layer in enumerate(layers) if layer.reason), None)
    result = []
    for i, (layer, grad, (q_star, chi1_value)) in enumerate(zip(layers, grads, _phases(layers))):
        reason = layer.reason or ("" if broken is None else f"layers[{broken}] breaks the mean-field assumptions, "
                                                            "and every prediction passes through it")
        m = layer.m
        with np.errstate(all="ignore"):
            std = float(np.sqrt(max(float(m.second - m.mean**2), 0.0))) if np.isfinite(m.second) else float(m.second)
            chi_value = float(times(np.float64(layer.sigma_w2), m.slope2))
            backward = float(times(np.float64(layer.fan_out * layer.weight_var), m.slope2))
            mu2 = layer.bias_mean * layer.bias_mean
        result.append(LayerTheory(
            index=i, applies=not reason, reason=reason, weight_mean=layer.weight_mean, sigma_w2=layer.sigma_w2,
            bias_mean=layer.bias_mean, sigma_b2=layer.sigma_b2, q=layer.q, preactivation_mean=layer.bias_mean,
            preactivation_var=max(layer.q - mu2, 0.0) if not math.isnan(layer.q) else math.nan,
            activation_mean=float(m.mean), activation_second_moment=float(m.second), activation_std=std, chi=chi_value,
            backward_factor=backward, grad_var=grad, q_star=q_star, chi1=chi1_value, phase=phase(chi1_value),
            depth_scale=depth_scale(chi1_value)))
    return result
