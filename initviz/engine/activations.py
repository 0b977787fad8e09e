"""Activation functions φ, their derivatives φ', and their gains.

Each entry of :data:`ACTIVATIONS` carries its parameters, forward and derivative (written as
the chain-rule factor dφ/dz, given z and the already computed a = φ(z)), the gain PyTorch's
``torch.nn.init.calculate_gain`` assigns it, and where it saturates. Functions keep the
input dtype (float32 stays float32).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from initviz.engine import special
from initviz.engine.params import Param, resolve_params
from initviz.engine.quadrature import gaussian_expectation
from initviz.errors import ExperimentError

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
LECUN_TANH_SCALE = 1.7159
SATURATION_LEVEL = 0.97  # |tanh(z)| above this counts as saturated (slope < 0.06)
GELU_TANH_C = math.sqrt(2.0 / math.pi)

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """A registry entry; ``forward(z, p)`` and ``derivative(z, a, p)`` take resolved params ``p``."""

    name: str
    description: str
    formula: str
    forward: Callable[[Array, Mapping[str, Any]], Array]
    derivative: Callable[[Array, Array, Mapping[str, Any]], Array]
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    torch_gain: Callable[[Mapping[str, Any]], float] | None = None
    saturation: Callable[[Mapping[str, Any]], tuple[float, float]] | None = field(default=None)
    """For bounded activations: (low, high) beyond which an activation counts as saturated."""


def _one(z: Array, v: float) -> Any:
    return z.dtype.type(v)


def _one_minus_square(a: Array) -> Array:
    """1 − a², in one new array."""
    d = a * a
    np.subtract(1.0, d, out=d)
    return d


def _sigmoid(z: Array) -> Array:
    # 0.5·tanh(z/2) + 0.5 is exact to 2e-16 and ~9x faster than 1/(1+exp(-z)) (FACTS.md).
    return 0.5 * np.tanh(0.5 * z) + 0.5


def _elu(z: Array, alpha: float) -> Array:
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def _elu_grad(z: Array, alpha: float) -> Array:
    return np.where(z > 0, _one(z, 1.0), alpha * np.exp(np.minimum(z, 0)))


# Beyond these |z| the factor saturates exactly in float32 and float64 (tanh(43.6) == 1,
# Φ(-40) == 0, σ(-40) == 0, pdf(40) == 0): clamping there changes no finite result and keeps
# ±inf inputs from forming inf·0 = NaN (and z³ from overflowing).
_TANH_CLAMP, _CDF_CLAMP = 10.0, 40.0


def _gelu_tanh(z: Array) -> Array:
    zc = np.clip(z, -_TANH_CLAMP, _TANH_CLAMP)
    return 0.5 * np.maximum(z, -_TANH_CLAMP) * (1.0 + np.tanh(GELU_TANH_C * (zc + 0.044715 * zc**3)))


def _gelu_tanh_grad(z: Array) -> Array:
    z = np.clip(z, -_TANH_CLAMP, _TANH_CLAMP)
    t = np.tanh(GELU_TANH_C * (z + 0.044715 * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_TANH_C * (1.0 + 3 * 0.044715 * z * z)


def _gelu(z: Array, p: Mapping[str, Any]) -> Array:
    if p["approximate"] == "tanh":
        return _gelu_tanh(z)
    z = np.maximum(z, -_CDF_CLAMP)
    return z * special.ndtr(z)


def _gelu_grad(z: Array, a: Array, p: Mapping[str, Any]) -> Array:
    if p["approximate"] == "tanh":
        return _gelu_tanh_grad(z)
    z = np.clip(z, -_CDF_CLAMP, _CDF_CLAMP)
    return special.ndtr(z) + z * special.norm_pdf(z)


def _silu(z: Array) -> Array:
    z = np.maximum(z, -_CDF_CLAMP)
    return z * _sigmoid(z)


def _silu_grad(z: Array, a: Array, p: Mapping[str, Any]) -> Array:
    z = np.clip(z, -_CDF_CLAMP, _CDF_CLAMP)
    s = _sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def _symmetric(level: float) -> Callable[[Mapping[str, Any]], tuple[float, float]]:
    return lambda p: (-level, level)


_ENTRIES = (
    Activation(
        "identity", "No nonlinearity: a deep net of these is a product of matrices.", "φ(z) = z",
        lambda z, p: z, lambda z, a, p: np.ones_like(z), aliases=("linear",), torch_gain=lambda p: 1.0,
    ),
    Activation(
        "relu", "Rectified linear unit; zeroes half of a symmetric input, halving its second moment.",
        "φ(z) = max(0, z)  (Nair & Hinton 2010)",
        lambda z, p: np.maximum(z, _one(z, 0.0)), lambda z, a, p: (z > 0).astype(z.dtype),
        torch_gain=lambda p: math.sqrt(2.0),
    ),
    Activation(
        "leaky_relu", "ReLU with a small slope for negative inputs.",
        "φ(z) = z if z > 0 else negative_slope·z  (Maas et al. 2013)",
        lambda z, p: np.where(z > 0, z, p["negative_slope"] * z),
        lambda z, a, p: np.where(z > 0, _one(z, 1.0), _one(z, p["negative_slope"])),
        params=(Param("negative_slope", "float", 0.01, "slope for z < 0", low=0.0),),
        torch_gain=lambda p: math.sqrt(2.0 / (1.0 + p["negative_slope"] ** 2)),
    ),
    Activation(
        "elu", "Exponential linear unit: smooth, saturates to −alpha for very negative inputs.",
        "φ(z) = z if z > 0 else alpha·(exp(z) − 1)  (Clevert et al. 2015)",
        lambda z, p: _elu(z, p["alpha"]), lambda z, a, p: _elu_grad(z, p["alpha"]),
        params=(Param("alpha", "float", 1.0, "negative saturation value", low=0.0),),
    ),
    Activation(
        "selu", "Scaled ELU: with LeCun normal weights, keeps mean 0 and variance 1 through depth.",
        "φ(z) = λ·(z if z > 0 else α·(exp(z) − 1)), α = 1.67326, λ = 1.05070  (Klambauer et al. 2017)",
        lambda z, p: SELU_SCALE * _elu(z, SELU_ALPHA), lambda z, a, p: SELU_SCALE * _elu_grad(z, SELU_ALPHA),
        torch_gain=lambda p: 0.75,
    ),
    Activation(
        "gelu", "Gaussian error linear unit: z weighted by the probability Φ(z).",
        "φ(z) = z·Φ(z); approximate='tanh': 0.5·z·(1 + tanh(√(2/π)(z + 0.044715 z³)))  (Hendrycks & Gimpel 2016)",
        _gelu, _gelu_grad, params=(Param("approximate", "choice", "none", "exact erf or tanh approximation", choices=("none", "tanh")),),
    ),
    Activation(
        "silu", "Sigmoid-weighted linear unit (swish).", "φ(z) = z·σ(z)  (Elfwing et al. 2017; Ramachandran et al. 2017)",
        lambda z, p: _silu(z), _silu_grad, aliases=("swish",),
    ),
    Activation(
        "tanh", "Hyperbolic tangent: bounded, saturates at ±1 where its slope vanishes.", "φ(z) = tanh(z)",
        lambda z, p: np.tanh(z), lambda z, a, p: _one_minus_square(a),
        torch_gain=lambda p: 5.0 / 3.0, saturation=_symmetric(SATURATION_LEVEL),
    ),
    Activation(
        "sigmoid", "Logistic sigmoid: bounded in (0, 1), slope at most 1/4, not zero-centred.",
        "φ(z) = 1 / (1 + exp(−z))",
        lambda z, p: _sigmoid(z), lambda z, a, p: a * (1.0 - a),
        torch_gain=lambda p: 1.0,
        saturation=lambda p: (0.5 - SATURATION_LEVEL / 2, 0.5 + SATURATION_LEVEL / 2),
    ),
    Activation(
        "softplus", "Smooth ReLU.", "φ(z) = log(1 + exp(z)); φ'(z) = σ(z)",
        lambda z, p: np.logaddexp(_one(z, 0.0), z), lambda z, a, p: _sigmoid(z),
    ),
    Activation(
        "lecun_tanh", "LeCun's scaled tanh, chosen so that φ(±1) = ±1.", "φ(z) = 1.7159·tanh(2z/3)  (LeCun et al. 1998)",
        lambda z, p: LECUN_TANH_SCALE * np.tanh((2.0 / 3.0) * z),
        lambda z, a, p: (LECUN_TANH_SCALE * 2.0 / 3.0) * (1.0 - (a / LECUN_TANH_SCALE) ** 2),
        saturation=_symmetric(SATURATION_LEVEL * LECUN_TANH_SCALE),
    ),
)

ACTIVATIONS: Mapping[str, Activation] = {a.name: a for a in _ENTRIES}
ALIASES: Mapping[str, str] = {alias: a.name for a in _ENTRIES for alias in a.aliases}


def names() -> list[str]:
    """Canonical activation names in registry order."""
    return list(ACTIVATIONS)


def get(name: str, path: str = "activation") -> Activation:
    """The registry entry for ``name`` (aliases allowed)."""
    entry = ACTIVATIONS.get(ALIASES.get(name, name)) if isinstance(name, str) else None
    if entry is None:
        allowed = ", ".join(list(ACTIVATIONS) + list(ALIASES))
        raise ExperimentError(path, f"unknown activation {name!r}; allowed: {allowed}")
    return entry


def resolve(name: str, given: Mapping[str, Any], path: str = "activation") -> tuple[Activation, dict[str, Any]]:
    """Entry and fully resolved parameters for an activation spec."""
    entry = get(name, path)
    return entry, resolve_params(entry.params, given, path, entry.name)


def gain(name: str, given: Mapping[str, Any] | None = None) -> float:
    """The gain for this activation: torch's ``calculate_gain`` value where torch defines one,
    else the second-moment gain 1/√E[φ(z)²], z ~ N(0, 1), which keeps E[a²] = 1 for unit
    inputs (for ReLU it equals torch's √2)."""
    entry, p = resolve(name, given or {})
    if entry.torch_gain is not None:
        return float(entry.torch_gain(p))
    second_moment = gaussian_expectation(lambda z: entry.forward(z, p) ** 2)
    return 1.0 / math.sqrt(second_moment)
