"""Initialization schemes: samplers with torch/Keras semantics, and the law each promises.

Layout: a dense weight is ``W`` of shape ``(fan_in, fan_out)`` with ``z = a_prev @ W + b``;
PyTorch stores the transpose. Formulas: REFERENCE.md, from ``torch/nn/init.py`` (2.13) and
Keras 3 ``random_initializers.py``. Samplers draw float64 from the generator they are given;
the network casts to the experiment's dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from initviz.engine import special
from initviz.engine.distributions import Distribution
from initviz.engine.params import Param, resolve_params
from initviz.errors import ExperimentError, join_path

TORCH_NONLINEARITIES = (
    "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu",
)
KERAS_TRUNCATION_STD = 0.87962566103423978  # std of N(0,1) cut at ±2
MAX_TAIL_STDS = 37.0  # Φ(−37) ≈ 6e−300, the last normal double: a truncation interval must start before it


@dataclass(frozen=True)
class Context:
    """What a scheme may need beyond its parameters: the fans and the layer's activation gain."""

    fan_in: int
    fan_out: int
    activation_gain: float = 1.0


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain: linear/conv/sigmoid 1, tanh 5/3, relu √2,
    leaky_relu √(2/(1+slope²)) (slope 0.01 when not given), selu 3/4."""
    if nonlinearity in ("linear", "identity", "sigmoid") or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


# --- laws --------------------------------------------------------------------------------

def _gain(p: Mapping[str, Any], ctx: Context) -> float:
    return ctx.activation_gain if p["gain"] == "auto" else p["gain"]


def _kaiming_std(p: Mapping[str, Any], ctx: Context) -> float:
    fan = ctx.fan_in if p["mode"] == "fan_in" else ctx.fan_out
    if p["nonlinearity"] == "auto":
        gain = ctx.activation_gain
    else:
        gain = calculate_gain(p["nonlinearity"], p["a"])
    return gain / math.sqrt(fan)


def _variance_scaling_law(p: Mapping[str, Any], ctx: Context) -> Distribution:
    fan = {"fan_in": ctx.fan_in, "fan_out": ctx.fan_out, "fan_avg": 0.5 * (ctx.fan_in + ctx.fan_out)}[p["mode"]]
    var = p["scale"] / max(1.0, fan)
    if p["distribution"] == "uniform":
        limit = math.sqrt(3.0 * var)
        return Distribution("uniform", low=-limit, high=limit)
    if p["distribution"] == "untruncated_normal":
        return Distribution("normal", std=math.sqrt(var))
    std = math.sqrt(var) / KERAS_TRUNCATION_STD
    return Distribution("truncated_normal", std=std, low=-2 * std, high=2 * std)


def _symmetric_uniform(bound: float) -> Distribution:
    return Distribution("uniform", low=-bound, high=bound)


def _eye_law(p: Mapping[str, Any], ctx: Context) -> Distribution:
    ones = min(ctx.fan_in, ctx.fan_out) / (ctx.fan_in * ctx.fan_out)
    return Distribution("none", atoms=((1.0, ones), (0.0, 1.0 - ones)))


def _sparse_law(p: Mapping[str, Any], ctx: Context) -> Distribution:
    zero_fraction = math.ceil(p["sparsity"] * ctx.fan_out) / ctx.fan_out
    return Distribution("normal", std=p["std"], atoms=((0.0, zero_fraction),))


# --- samplers ----------------------------------------------------------------------------

Sampler = Callable[[np.random.Generator, tuple[int, ...], Mapping[str, Any], Context], np.ndarray]


_F32_MAX = float(np.finfo(np.float32).max)


UnitDraws = Callable[[str, Callable[[], np.ndarray]], np.ndarray]
"""``units(name, make)``: the unit draw ``make()`` of this stream, possibly remembered from an
earlier call (``SimulationCache.unit_draws``); never written to."""


def fresh_draws(name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
    """The ``units`` that remembers nothing: every unit draw is drawn."""
    return make()


def sample_law(rng: np.random.Generator, shape: tuple[int, ...], law: Distribution, dtype: Any = np.float64,
               units: UnitDraws = fresh_draws) -> np.ndarray:
    """Draw from a constant, uniform, normal or truncated-normal law. For ``dtype`` float32,
    normal and uniform laws use numpy's float32 generators (half the work, no cast) while
    their parameters fit float32; everything else is drawn in float64.

    Normal and uniform draws are a unit draw (z ~ N(0, 1) or u ~ U[0, 1)) mapped by
    ``mean + std·z`` or ``low + (high − low)·u`` — the very operations of numpy's
    ``Generator.normal``/``uniform``, so the values are identical; ``units`` may hand back a
    remembered unit draw, which makes a gain or scale edit a multiply instead of a draw."""
    if law.kind in ("normal", "uniform"):
        f32 = np.dtype(dtype) == np.float32 and _fits_float32(law)
        t = np.float32 if f32 else np.float64
        if law.kind == "normal":
            unit = units(f"normal/{t.__name__}", lambda: rng.standard_normal(shape, dtype=t))
            scale, offset = law.std, law.mean
        else:
            unit = units(f"uniform/{t.__name__}", lambda: rng.random(shape, dtype=t))  # [0, 1)
            scale, offset = law.high - law.low, law.low
            if not math.isfinite(scale):
                raise OverflowError("high - low range exceeds valid bounds")  # as numpy's uniform says
        x = np.multiply(unit, t(scale))
        x += t(offset)
        return x
    if law.kind == "truncated_normal":
        return sample_truncated_normal(rng, shape, law.mean, law.std, law.low, law.high)
    if law.kind == "none" and len(law.atoms) == 1:
        return np.full(shape, law.atoms[0][0])
    raise ValueError(f"no direct sampler for law {law.kind!r}")


def _fits_float32(law: Distribution) -> bool:
    if law.kind == "normal":
        return abs(law.mean) + 40 * law.std < _F32_MAX
    return abs(law.low) + abs(law.high) < _F32_MAX


def sample_truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], mean: float, std: float,
                            low: float, high: float) -> np.ndarray:
    """Inverse-CDF sampling of N(mean, std²) on [low, high]: uniform on [Φ(α), Φ(β)], then Φ⁻¹,
    mirrored into the lower tail for precision. Same law as torch's ``trunc_normal_`` (which
    samples by rejection in 2.13), exact even for intervals far in a tail."""
    if std == 0:
        return np.full(shape, min(max(mean, low), high))
    alpha, beta = (low - mean) / std, (high - mean) / std
    flip = alpha > 0  # Φ is precise near 0, not near 1: sample the mirrored interval
    if flip:
        alpha, beta = -beta, -alpha
    lo, hi = special.ndtr(np.float64(alpha)), special.ndtr(np.float64(beta))
    x = special.ndtri(rng.uniform(lo, hi, size=shape))
    if flip:
        x = -x
    return np.clip(mean + std * x, low, high)


def _orthogonal(rng: np.random.Generator, shape: tuple[int, ...], p: Mapping[str, Any], ctx: Context) -> np.ndarray:
    """QR of a Gaussian matrix with q *= sign(diag(r)), times gain (Saxe et al. 2013; torch orthogonal_)."""
    rows, cols = shape
    big, small = max(rows, cols), min(rows, cols)
    q, r = np.linalg.qr(rng.standard_normal((big, small)))
    q *= np.sign(np.diag(r))
    w = q if rows >= cols else q.T
    return _gain(p, ctx) * w


def _eye(rng: np.random.Generator, shape: tuple[int, ...], p: Mapping[str, Any], ctx: Context) -> np.ndarray:
    return np.eye(*shape)


def _sparse(rng: np.random.Generator, shape: tuple[int, ...], p: Mapping[str, Any], ctx: Context) -> np.ndarray:
    """torch sparse_: N(0, std²), then in each input's row ceil(sparsity·fan_out) entries set to 0
    (a column of torch's (out, in) matrix is a row of our (in, out) one)."""
    w = rng.normal(0.0, p["std"], size=shape)
    n_zero = math.ceil(p["sparsity"] * shape[1])
    if n_zero:
        order = np.argsort(rng.random(shape), axis=1)[:, :n_zero]
        np.put_along_axis(w, order, 0.0, axis=1)
    return w


@dataclass(frozen=True)
class Scheme:
    """A registry entry. ``law(p, ctx)`` is the promised distribution of one entry;
    ``sampler`` overrides drawing from that law (orthogonal, eye, sparse)."""

    name: str
    description: str
    formula: str
    law: Callable[[Mapping[str, Any], Context], Distribution]
    params: tuple[Param, ...] = ()
    sampler: Sampler | None = None
    for_bias: bool = False

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...], p: Mapping[str, Any], ctx: Context,
               dtype: Any = np.float64, units: UnitDraws = fresh_draws) -> np.ndarray:
        """Draw an array of ``shape``: in ``dtype`` where the law has a direct float32 sampler,
        else float64 (the caller casts); ``units`` as in :func:`sample_law`."""
        if self.sampler is not None:
            return self.sampler(rng, shape, p, ctx)
        return sample_law(rng, shape, self.law(p, ctx), dtype, units)


def _gain_param(doc: str = "multiplier; 'auto' = the gain of the layer's activation") -> Param:
    return Param("gain", "float", 1.0, doc, low=0.0, choices=("auto",))


_KAIMING_PARAMS = (
    Param("a", "float", 0.0, "negative slope used when nonlinearity is leaky_relu"),
    Param("mode", "choice", "fan_in", "fan_in keeps forward variance, fan_out backward", choices=("fan_in", "fan_out")),
    Param("nonlinearity", "choice", "leaky_relu", "whose gain to use; 'auto' = the layer's activation",
          choices=TORCH_NONLINEARITIES + ("auto",)),
)
_STD = Param("std", "float", 1.0, "standard deviation", low=0.0)

_ENTRIES = (
    Scheme("zeros", "All zeros: no symmetry breaking.", "w = 0",
           lambda p, c: Distribution("none", atoms=((0.0, 1.0),)), for_bias=True),
    Scheme("ones", "All ones.", "w = 1", lambda p, c: Distribution("none", atoms=((1.0, 1.0),)), for_bias=True),
    Scheme("constant", "Every weight the same value: no symmetry breaking.", "w = value",
           lambda p, c: Distribution("none", atoms=((p["value"], 1.0),)),
           params=(Param("value", "float", 0.0, "the constant"),), for_bias=True),
    Scheme("uniform", "Uniform on [a, b], blind to the layer's size.", "w ~ U(a, b)",
           lambda p, c: Distribution("uniform", low=p["a"], high=p["b"]),
           params=(Param("a", "float", 0.0, "lower bound"), Param("b", "float", 1.0, "upper bound")), for_bias=True),
    Scheme("normal", "Gaussian with a fixed std, blind to the layer's size.", "w ~ N(mean, std²)",
           lambda p, c: Distribution("normal", mean=p["mean"], std=p["std"]),
           params=(Param("mean", "float", 0.0, "mean"), _STD), for_bias=True),
    Scheme("trunc_normal", "Gaussian cut to [a, b] (absolute bounds, not multiples of std).",
           "w ~ N(mean, std²) conditioned on a ≤ w ≤ b  (torch trunc_normal_)",
           lambda p, c: Distribution("truncated_normal", mean=p["mean"], std=p["std"], low=p["a"], high=p["b"]),
           params=(Param("mean", "float", 0.0, "mean before truncation"),
                   Param("std", "float", 1.0, "std before truncation", low=0.0),
                   Param("a", "float", -2.0, "absolute lower cut"), Param("b", "float", 2.0, "absolute upper cut")),
           for_bias=True),
    Scheme("xavier_uniform", "Glorot's normalized init: keeps forward and backward variance for linear/tanh.",
           "w ~ U(±gain·√(6/(fan_in+fan_out)))  (Glorot & Bengio 2010)",
           lambda p, c: _symmetric_uniform(_gain(p, c) * math.sqrt(6.0 / (c.fan_in + c.fan_out))),
           params=(_gain_param(),)),
    Scheme("xavier_normal", "Glorot init, Gaussian form.", "w ~ N(0, gain²·2/(fan_in+fan_out))  (Glorot & Bengio 2010)",
           lambda p, c: Distribution("normal", std=_gain(p, c) * math.sqrt(2.0 / (c.fan_in + c.fan_out))),
           params=(_gain_param(),)),
    Scheme("kaiming_uniform", "He init, uniform form: variance 2/fan for ReLU.",
           "w ~ U(±√3·gain/√fan), gain = calculate_gain(nonlinearity, a)  (He et al. 2015)",
           lambda p, c: _symmetric_uniform(math.sqrt(3.0) * _kaiming_std(p, c)), params=_KAIMING_PARAMS),
    Scheme("kaiming_normal", "He init: keeps the signal's variance through ReLU layers.",
           "w ~ N(0, gain²/fan), gain = calculate_gain(nonlinearity, a)  (He et al. 2015)",
           lambda p, c: Distribution("normal", std=_kaiming_std(p, c)), params=_KAIMING_PARAMS),
    Scheme("lecun_uniform", "LeCun init, uniform form (untruncated).", "w ~ U(±√(3/fan_in))  (LeCun et al. 1998)",
           lambda p, c: _symmetric_uniform(math.sqrt(3.0 / c.fan_in))),
    Scheme("lecun_normal", "LeCun init: variance 1/fan_in; with SELU, self-normalizing (untruncated).",
           "w ~ N(0, 1/fan_in)  (LeCun et al. 1998; Klambauer et al. 2017)",
           lambda p, c: Distribution("normal", std=1.0 / math.sqrt(c.fan_in))),
    Scheme("orthogonal", "A random (semi-)orthogonal matrix: all singular values equal gain.",
           "W = gain·Q, Q from QR of a Gaussian matrix with sign fix  (Saxe et al. 2013)",
           lambda p, c: Distribution("normal", std=_gain(p, c) / math.sqrt(max(c.fan_in, c.fan_out)), approximate=True),
           params=(_gain_param(),), sampler=_orthogonal),
    Scheme("eye", "Identity matrix (ones on the main diagonal).", "W = I  (torch eye_)", _eye_law, sampler=_eye),
    Scheme("sparse", "Mostly zeros: a fraction of each input's outgoing weights set to 0, the rest N(0, std²).",
           "w ~ N(0, std²), then ceil(sparsity·fan_out) zeros per input  (Martens 2010; torch sparse_)",
           _sparse_law, params=(Param("sparsity", "float", 0.1, "fraction set to zero", low=0.0, high=1.0, high_open=True),
                                Param("std", "float", 0.01, "std of the non-zero weights", low=0.0)),
           sampler=_sparse),
    Scheme("variance_scaling", "Keras' general rule: variance = scale / fan, three distributions.",
           "var = scale / max(1, fan); truncated_normal: N(0, σ²) cut at ±2σ, σ = √var / 0.8796  (Keras 3)",
           _variance_scaling_law,
           params=(Param("scale", "float", 1.0, "variance multiplier", low=0.0, low_open=True),
                   Param("mode", "choice", "fan_in", "which fan divides", choices=("fan_in", "fan_out", "fan_avg")),
                   Param("distribution", "choice", "truncated_normal", "'normal' means truncated_normal (Keras)",
                         choices=("truncated_normal", "untruncated_normal", "uniform", "normal")))),
    Scheme("torch_default", "What nn.Linear does: Glorot's 'standard' init, variance 1/(3·fan_in).",
           "w ~ U(±1/√fan_in)  (torch nn.Linear; Glorot & Bengio 2010 'standard')",
           lambda p, c: _symmetric_uniform(1.0 / math.sqrt(c.fan_in)), for_bias=True),
)

SCHEMES: Mapping[str, Scheme] = {s.name: s for s in _ENTRIES}

ALIASES: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "glorot_uniform": ("xavier_uniform", {}),
    "glorot_normal": ("xavier_normal", {}),
    "he_uniform": ("kaiming_uniform", {"nonlinearity": "relu"}),
    "he_normal": ("kaiming_normal", {"nonlinearity": "relu"}),
    "keras_he_normal": ("variance_scaling", {"scale": 2.0, "mode": "fan_in"}),
    "keras_he_uniform": ("variance_scaling", {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}),
    "keras_glorot_normal": ("variance_scaling", {"scale": 1.0, "mode": "fan_avg"}),
    "keras_lecun_normal": ("variance_scaling", {"scale": 1.0, "mode": "fan_in"}),
    "keras_lecun_uniform": ("variance_scaling", {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}),
}
"""Alias -> (scheme, defaults it overrides). torch names (he_*) are untruncated; keras_* truncate."""

BIAS_SCHEMES = tuple(s.name for s in _ENTRIES if s.for_bias)


def names(for_bias: bool = False) -> list[str]:
    """Canonical scheme names (only the ones valid for a bias vector when ``for_bias``)."""
    return [s.name for s in _ENTRIES if s.for_bias or not for_bias]


def resolve(name: Any, given: Mapping[str, Any], path: str = "init", for_bias: bool = False
            ) -> tuple[Scheme, dict[str, Any]]:
    """Entry and fully resolved parameters for a scheme spec; checks it suits a bias if asked."""
    target, overrides = ALIASES.get(name, (name, {})) if isinstance(name, str) else (None, {})
    scheme = SCHEMES.get(target) if isinstance(target, str) else None
    if scheme is None:
        allowed = ", ".join(names(for_bias) + ([] if for_bias else list(ALIASES)))
        raise ExperimentError(join_path(path, "name") if isinstance(given, dict) and given else path,
                              f"unknown init scheme {name!r}; allowed: {allowed}")
    if for_bias and not scheme.for_bias:
        raise ExperimentError(path, f"scheme {name!r} needs a weight matrix (it uses fans or matrix shape); "
                                    f"allowed for a bias: {', '.join(BIAS_SCHEMES)}")
    p = resolve_params(scheme.params, {**overrides, **given}, path, str(name))
    _check_relations(scheme, p, path)
    return scheme, p


def _check_relations(scheme: Scheme, p: Mapping[str, Any], path: str) -> None:
    if scheme.name == "uniform" and p["a"] > p["b"]:
        raise ExperimentError(join_path(path, "b"), f"must be ≥ a ({p['a']}); got {p['b']}")
    if scheme.name == "trunc_normal" and p["a"] >= p["b"]:
        raise ExperimentError(join_path(path, "b"), f"must be > a ({p['a']}); got {p['b']}")
    if scheme.name == "trunc_normal" and p["std"] > 0:
        nearer = min(abs(p["a"] - p["mean"]), abs(p["b"] - p["mean"])) / p["std"]
        if not p["a"] <= p["mean"] <= p["b"] and nearer > MAX_TAIL_STDS:
            raise ExperimentError(path, f"[a, b] lies {nearer:.3g} std from the mean, where the normal's "
                                        f"mass underflows double precision; allowed: within {MAX_TAIL_STDS} std")
