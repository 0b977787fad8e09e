"""Activation functions φ, their derivatives φ', and their gains.

Each entry of :data:`ACTIVATIONS` carries its parameters, forward and derivative (written as
the chain-rule factor dφ/dz, given z and the already computed a = φ(z)), the gain PyTorch's
``torch.nn.init.calculate_gain`` assigns it, and where it saturates. Functions keep the
input dtype (float32 stays float32). The exact GELU of a float32 array runs a float32 kernel
(``special.z_ndtr32``, a few ulp); its derivative reads Φ(z) = a/z off the forward result
instead of evaluating Φ a second time.
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


# Elementwise code below avoids np.where on a sign mask (a data-dependent branch per element:
# ~0.5 ms on 131k float32, more than np.tanh) and np.maximum/np.minimum with a scalar (~2x a
# two-sided np.clip); it writes into the arrays it allocated. Results are bit-identical to the
# straightforward formulas unless a comment says otherwise.


def _tanh_inplace(h: Array) -> Array:
    """tanh(h), written into h when h is an array (numpy scalars are immutable)."""
    return np.tanh(h, out=h) if isinstance(h, np.ndarray) else np.tanh(h)


def _step_blend(z: Array, above: float, below: Array | float) -> Array:
    """above where z > 0, else below (NaN: below), as H·above + (1 − H)·below with H = [z > 0]:
    exact, since one of the two products is 0, and branch-free."""
    h = (z > 0).astype(z.dtype)
    d = 1.0 - h
    d *= below
    if above != 1.0:
        h *= above
    d += h
    return d


def _sigmoid(z: Array) -> Array:
    # 0.5·tanh(z/2) + 0.5 is exact to 2e-16 and ~9x faster than 1/(1+exp(-z)) (FACTS.md).
    s = _tanh_inplace(0.5 * z)
    s *= 0.5
    s += 0.5
    return s


def _sigmoid_grad(a: Array) -> Array:
    d = 1.0 - a
    d *= a
    return d


def _relu(z: Array, p: Mapping[str, Any]) -> Array:
    """max(z, 0) as a one-sided clip in z's dtype: 3x faster than np.maximum with a scalar
    (23 vs 72 µs on 512 × 256 float32); NaN stays NaN; −0.0 stays −0.0 (equal to 0)."""
    return np.clip(z, _one(z, 0.0), _one(z, np.inf))


def _leaky_relu(z: Array, slope: float) -> Array:
    if slope == 0.0:
        return _relu(z, {})  # slope·z: 0·(−inf) would be NaN
    # max(z, slope·z) for slope <= 1, min for slope > 1: the same value as the two-branch formula
    return (np.maximum if slope <= 1.0 else np.minimum)(z, slope * z)


def _elu(z: Array, alpha: float, scale: float = 1.0) -> Array:
    """scale·(z if z > 0 else alpha·expm1(z)) as scale·max(z, 0) + (scale·alpha)·expm1(min(z, 0))
    (one term is 0; for scale ≠ 1 the constant scale·alpha is rounded once instead of twice)."""
    out = np.clip(z, 0.0, np.inf)
    if scale != 1.0:
        out *= scale
    neg = np.expm1(np.clip(z, -np.inf, 0.0))
    neg *= scale * alpha
    out += neg
    return out


def _elu_grad(z: Array, alpha: float, scale: float = 1.0) -> Array:
    e = np.exp(np.clip(z, -np.inf, 0.0))
    e *= scale * alpha
    return _step_blend(z, scale, e)


# Beyond these |z| the factor saturates exactly in float32 and float64 (tanh(43.6) == 1,
# Φ(-40) == 0, σ(-40) == 0, pdf(40) == 0): clamping there changes no finite result and keeps
# ±inf inputs from forming inf·0 = NaN (and z³ from overflowing).
_TANH_CLAMP, _CDF_CLAMP = 10.0, 40.0


def _gelu_tanh_inner(zc: Array) -> Array:
    """tanh(√(2/π)(z + 0.044715 z³)); z³ as z·z·z (np.power with 3 is a scalar libm loop, 30x
    slower; one more rounding, in a term added to z)."""
    u = zc * zc
    u *= zc
    u *= 0.044715
    u += zc
    u *= GELU_TANH_C
    return _tanh_inplace(u)


def _gelu_tanh(z: Array) -> Array:
    t = _gelu_tanh_inner(np.clip(z, -_TANH_CLAMP, _TANH_CLAMP))
    t += 1.0
    half_z = np.clip(z, -_TANH_CLAMP, np.inf)
    half_z *= 0.5
    t *= half_z
    return t


def _gelu_tanh_grad(z: Array) -> Array:
    """0.5·(1 + t) + 0.5·√(2/π)·z·(1 + 3·0.044715 z²)·(1 − t²)."""
    z = np.clip(z, -_TANH_CLAMP, _TANH_CLAMP)
    t = _gelu_tanh_inner(z)
    slope = z * z
    slope *= 3 * 0.044715
    slope += 1.0
    slope *= z
    slope *= 0.5 * GELU_TANH_C
    slope *= _one_minus_square(t)
    t += 1.0
    t *= 0.5
    t += slope
    return t


def _is_f32_array(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype == np.float32 and v.ndim > 0


# Below this |z|, Φ(z) = 1/2 in float32 (and a/z would see a's subnormal rounding).
_PHI_HALF_BELOW = np.float32(2.0**-32)
_CLIP32 = np.float32(special.X32_CLIP)


def _gelu_grad_f32(z: Array, a: Array) -> Array:
    """Φ(z) + z·φ(z), with Φ(z) = a/z read off the forward result a = z·Φ(z) (one division
    instead of a second Mills-ratio evaluation); |z| < 2^-32 gets Φ = 1/2 exactly."""
    if not (_is_f32_array(a) and a.shape == z.shape):
        a = special.z_ndtr32(z)
    zc = np.clip(z, -_CLIP32, _CLIP32)  # beyond ±16, Φ is 0 or 1 and φ underflows
    pdf_term = special.z_norm_pdf32_clipped(zc)
    cdf = np.clip(a, -_CLIP32, _CLIP32)  # a = z there: +inf -> 16/16
    with np.errstate(invalid="ignore", divide="ignore", under="ignore"):  # 0/0 at z = 0: see below
        cdf /= zc
        tiny = np.abs(zc, out=zc) < _PHI_HALF_BELOW
        np.copyto(cdf, np.float32(0.5), where=tiny)  # a sparse mask: one cheap pass
        cdf += pdf_term
    return cdf


def _gelu(z: Array, p: Mapping[str, Any]) -> Array:
    if p["approximate"] == "tanh":
        return _gelu_tanh(z)
    if _is_f32_array(z):
        return special.z_ndtr32(z)
    z = np.maximum(z, -_CDF_CLAMP)
    return z * special.ndtr(z)


def _gelu_grad(z: Array, a: Array, p: Mapping[str, Any]) -> Array:
    if p["approximate"] == "tanh":
        return _gelu_tanh_grad(z)
    if _is_f32_array(z):
        return _gelu_grad_f32(z, a)
    z = np.clip(z, -_CDF_CLAMP, _CDF_CLAMP)
    return special.ndtr(z) + z * special.norm_pdf(z)


def _silu(z: Array) -> Array:
    """z·σ(z) = (z/2)·(1 + tanh(z/2)): the same roundings as z·(0.5·tanh(z/2) + 0.5)."""
    half_z = np.clip(z, -_CDF_CLAMP, np.inf)
    half_z *= 0.5
    s = np.tanh(half_z)
    s += 1.0
    s *= half_z
    return s


def _silu_grad(z: Array, a: Array, p: Mapping[str, Any]) -> Array:
    """σ·(1 + z·(1 − σ)) with σ = (1 + t)/2, 1 − σ = (1 − t)/2, t = tanh(z/2): 1 − t is exact
    (for t ≥ 1/2), where 1 − σ from a rounded σ was not."""
    half_z = np.clip(z, -_CDF_CLAMP, _CDF_CLAMP)
    half_z *= 0.5
    t = np.tanh(half_z)
    d = 1.0 - t
    d *= half_z
    d += 1.0
    t += 1.0
    t *= 0.5
    t *= d
    return t


def _lecun_tanh(z: Array) -> Array:
    a = _tanh_inplace((2.0 / 3.0) * z)
    a *= LECUN_TANH_SCALE
    return a


def _lecun_tanh_grad(a: Array) -> Array:
    d = _one_minus_square(a / LECUN_TANH_SCALE)
    d *= LECUN_TANH_SCALE * 2.0 / 3.0
    return d


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
        _relu, lambda z, a, p: (z > 0).astype(z.dtype),
        torch_gain=lambda p: math.sqrt(2.0),
    ),
    Activation(
        "leaky_relu", "ReLU with a small slope for negative inputs.",
        "φ(z) = z if z > 0 else negative_slope·z  (Maas et al. 2013)",
        lambda z, p: _leaky_relu(z, p["negative_slope"]),
        lambda z, a, p: _step_blend(z, 1.0, p["negative_slope"]),
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
        lambda z, p: _elu(z, SELU_ALPHA, SELU_SCALE), lambda z, a, p: _elu_grad(z, SELU_ALPHA, SELU_SCALE),
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
        lambda z, p: _sigmoid(z), lambda z, a, p: _sigmoid_grad(a),
        torch_gain=lambda p: 1.0,
        saturation=lambda p: (0.5 - SATURATION_LEVEL / 2, 0.5 + SATURATION_LEVEL / 2),
    ),
    Activation(
        "softplus", "Smooth ReLU.", "φ(z) = log(1 + exp(z)); φ'(z) = σ(z)",
        lambda z, p: np.logaddexp(_one(z, 0.0), z), lambda z, a, p: _sigmoid(z),
    ),
    Activation(
        "lecun_tanh", "LeCun's scaled tanh, chosen so that φ(±1) = ±1.", "φ(z) = 1.7159·tanh(2z/3)  (LeCun et al. 1998)",
        lambda z, p: _lecun_tanh(z), lambda z, a, p: _lecun_tanh_grad(a),
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
