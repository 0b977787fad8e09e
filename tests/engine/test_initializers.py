"""Initialization schemes against the formulas of REFERENCE.md (torch / Keras semantics).

Every expectation here is computed independently from the code under test: the scheme
formulas are written out again below, truncated-normal moments come from numerical
integration, gains from torch's table. Samples are compared with a tolerance of a few
standard errors for the sample size; random streams are never compared draw by draw.
Layout: W has shape (fan_in, fan_out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pytest

from initviz.engine import initializers as init
from initviz.engine.initializers import ALIASES, SCHEMES, Context, calculate_gain
from initviz.errors import ExperimentError
from initviz.engine.distributions import Distribution

SHAPES = [(784, 256), (256, 784), (64, 64), (300, 10)]
PARAM_SHAPES = [(100, 300), (300, 10)]  # one wide, one tall: fan_in != fan_out both ways
N_TARGET = 100_000  # entries per case: enough draws of the shape to reach this
N_TARGET_PARAM = 50_000  # explicit-parameter cases (their laws are also checked exactly)
K_SE = 5.0  # tolerance in standard errors
KERAS_TRUNC = 0.87962566103423978  # std of N(0, 1) cut at ±2 (Keras constant)
ACT_GAIN = 1.3  # Context.activation_gain used for "auto"; distinct from every torch gain
SQRT2 = math.sqrt(2.0)


# --- the formulas, written out independently ------------------------------------------

def torch_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain, from REFERENCE.md."""
    table = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": SQRT2, "selu": 0.75}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope**2))
    return table[nonlinearity]


@lru_cache(maxsize=None)
def trunc_moments(mean: float, std: float, a: float, b: float) -> tuple[float, float, float, float]:
    """Mean, std and the densities at a and b of N(mean, std²) conditioned on [a, b],
    by trapezoidal integration on a fine grid (no closed form, no erf)."""
    x = np.linspace(a, b, 100_001)
    u = (x - mean) / std
    u0 = np.min(np.abs(u)) if (u[0] > 0 or u[-1] < 0) else 0.0
    w = np.exp(-0.5 * (u * u - u0 * u0))  # shifted so the far tail does not underflow
    z = np.trapezoid(w, x)
    m = np.trapezoid(x * w, x) / z
    var = np.trapezoid((x - m) ** 2 * w, x) / z
    return m, math.sqrt(var), w[0] / z, w[-1] / z


@dataclass(frozen=True)
class Expect:
    """What one entry of W must look like: mean, std, support, and the density at the
    support's ends (when > 0 the samples must come close to that end)."""

    mean: float
    std: float
    low: float = -math.inf
    high: float = math.inf
    density_low: float = 0.0
    density_high: float = 0.0


def uniform(low: float, high: float) -> Expect:
    d = 1.0 / (high - low)
    return Expect(0.5 * (low + high), (high - low) / math.sqrt(12.0), low, high, d, d)


def sym_uniform(bound: float) -> Expect:
    return uniform(-bound, bound)


def normal(std: float, mean: float = 0.0) -> Expect:
    return Expect(mean, std)


def truncated(mean: float, std: float, a: float, b: float) -> Expect:
    m, s, da, db = trunc_moments(mean, std, a, b)
    return Expect(m, s, a, b, da, db)


def keras_truncated(var: float) -> Expect:
    """Keras: N(0, σ²) cut at ±2σ, σ = √var / 0.8796..., so the result has std √var."""
    sigma = math.sqrt(var) / KERAS_TRUNC
    _, _, d_edge, _ = trunc_moments(0.0, sigma, -2 * sigma, 2 * sigma)
    return Expect(0.0, math.sqrt(var), -2 * sigma, 2 * sigma, d_edge, d_edge)


def constant(value: float) -> Expect:
    return Expect(value, 0.0, value, value)


REF_DEFAULTS = {  # REFERENCE.md's defaults (sparse: the engine's 0.1, torch has none)
    "constant": {"value": 0.0},
    "uniform": {"a": 0.0, "b": 1.0},
    "normal": {"mean": 0.0, "std": 1.0},
    "trunc_normal": {"mean": 0.0, "std": 1.0, "a": -2.0, "b": 2.0},
    "xavier_uniform": {"gain": 1.0},
    "xavier_normal": {"gain": 1.0},
    "kaiming_uniform": {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"},
    "kaiming_normal": {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"},
    "orthogonal": {"gain": 1.0},
    "sparse": {"sparsity": 0.1, "std": 0.01},
    "variance_scaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
}


def _gain(p, g):
    return g if p["gain"] == "auto" else p["gain"]


def _kaiming_std(p, fi, fo, g):
    fan = fi if p["mode"] == "fan_in" else fo
    gain = g if p["nonlinearity"] == "auto" else torch_gain(p["nonlinearity"], p["a"])
    return gain / math.sqrt(fan)


def _variance_scaling(p, fi, fo):
    fan = {"fan_in": fi, "fan_out": fo, "fan_avg": 0.5 * (fi + fo)}[p["mode"]]
    var = p["scale"] / max(1.0, fan)
    if p["distribution"] == "uniform":
        return sym_uniform(math.sqrt(3.0 * var))
    if p["distribution"] == "untruncated_normal":
        return normal(math.sqrt(var))
    return keras_truncated(var)  # "truncated_normal" and Keras' "normal"


def _eye(fi, fo):
    ones = min(fi, fo) / (fi * fo)
    return Expect(ones, math.sqrt(ones * (1 - ones)), 0.0, 1.0)


def _sparse(p, fi, fo):
    zero_fraction = math.ceil(p["sparsity"] * fo) / fo
    return Expect(0.0, p["std"] * math.sqrt(1.0 - zero_fraction))


FORMULAS = {  # canonical name -> (params, fan_in, fan_out, activation gain) -> Expect
    "zeros": lambda p, fi, fo, g: constant(0.0),
    "ones": lambda p, fi, fo, g: constant(1.0),
    "constant": lambda p, fi, fo, g: constant(p["value"]),
    "uniform": lambda p, fi, fo, g: uniform(p["a"], p["b"]),
    "normal": lambda p, fi, fo, g: normal(p["std"], p["mean"]),
    "trunc_normal": lambda p, fi, fo, g: truncated(p["mean"], p["std"], p["a"], p["b"]),
    "xavier_uniform": lambda p, fi, fo, g: sym_uniform(_gain(p, g) * math.sqrt(6.0 / (fi + fo))),
    "xavier_normal": lambda p, fi, fo, g: normal(_gain(p, g) * math.sqrt(2.0 / (fi + fo))),
    "kaiming_uniform": lambda p, fi, fo, g: sym_uniform(math.sqrt(3.0) * _kaiming_std(p, fi, fo, g)),
    "kaiming_normal": lambda p, fi, fo, g: normal(_kaiming_std(p, fi, fo, g)),
    "lecun_uniform": lambda p, fi, fo, g: sym_uniform(math.sqrt(3.0 / fi)),
    "lecun_normal": lambda p, fi, fo, g: normal(1.0 / math.sqrt(fi)),
    # entries of a semi-orthogonal matrix: Σw² = gain²·min(fi, fo) exactly, mean 0
    "orthogonal": lambda p, fi, fo, g: normal(_gain(p, g) / math.sqrt(max(fi, fo))),
    "eye": lambda p, fi, fo, g: _eye(fi, fo),
    "sparse": lambda p, fi, fo, g: _sparse(p, fi, fo),
    "variance_scaling": lambda p, fi, fo, g: _variance_scaling(p, fi, fo),
    "torch_default": lambda p, fi, fo, g: sym_uniform(1.0 / math.sqrt(fi)),
}

ALIAS_FORMULAS = {  # alias -> (fan_in, fan_out) -> Expect; written from REFERENCE.md, not from ALIASES
    "glorot_uniform": lambda fi, fo: sym_uniform(math.sqrt(6.0 / (fi + fo))),
    "glorot_normal": lambda fi, fo: normal(math.sqrt(2.0 / (fi + fo))),
    "he_uniform": lambda fi, fo: sym_uniform(math.sqrt(6.0 / fi)),
    "he_normal": lambda fi, fo: normal(math.sqrt(2.0 / fi)),
    "keras_he_normal": lambda fi, fo: keras_truncated(2.0 / fi),
    "keras_he_uniform": lambda fi, fo: sym_uniform(math.sqrt(6.0 / fi)),
    "keras_glorot_normal": lambda fi, fo: keras_truncated(2.0 / (fi + fo)),
    "keras_lecun_normal": lambda fi, fo: keras_truncated(1.0 / fi),
    "keras_lecun_uniform": lambda fi, fo: sym_uniform(math.sqrt(3.0 / fi)),
}

ALL_NAMES = list(SCHEMES) + list(ALIASES)


def expected(name: str, given: dict, fi: int, fo: int, g: float = ACT_GAIN) -> Expect:
    if name in ALIAS_FORMULAS:
        assert not given, "alias cases are checked with their defaults"
        return ALIAS_FORMULAS[name](fi, fo)
    return FORMULAS[name]({**REF_DEFAULTS.get(name, {}), **given}, fi, fo, g)


# --- sampling helpers --------------------------------------------------------------------

@dataclass(frozen=True)
class Stats:
    n: int
    mean: float
    std: float
    m4: float  # fourth central moment, for the standard error of the std
    min: float
    max: float
    all_finite: bool
    dtype: np.dtype
    shape: tuple


def _freeze(d: dict) -> tuple:
    return tuple(sorted(d.items()))


@lru_cache(maxsize=None)
def sample_stats(name: str, frozen_given: tuple, shape: tuple, n_target: int = N_TARGET, seed: int = 0,
                 dtype: str = "float64") -> Stats:
    """Draw W of ``shape`` repeatedly (one generator) until ``n_target`` entries; summarise."""
    scheme, p = init.resolve(name, dict(frozen_given))
    ctx = Context(shape[0], shape[1], activation_gain=ACT_GAIN)
    rng = np.random.default_rng(seed)
    draws = max(1, math.ceil(n_target / (shape[0] * shape[1])))
    ws = [scheme.sample(rng, shape, p, ctx, dtype=np.dtype(dtype)) for _ in range(draws)]
    w = np.concatenate([x.ravel() for x in ws]).astype(np.float64)
    m = w.mean()
    return Stats(w.size, float(m), float(w.std()), float(np.mean((w - m) ** 4)), float(w.min()), float(w.max()),
                 bool(np.isfinite(w).all()), ws[0].dtype, ws[0].shape)


def assert_moments(s: Stats, mean: float, std: float, what: str) -> None:
    """Sample mean/std within K_SE standard errors of (mean, std)."""
    se_mean = std / math.sqrt(s.n)
    se_std = math.sqrt(max(s.m4 - s.std**4, 0.0) / s.n) / (2 * s.std) if s.std > 0 else 0.0
    tiny = 1e-12 * (abs(mean) + std + 1e-300)
    assert abs(s.mean - mean) <= K_SE * se_mean + tiny, f"{what}: sample mean {s.mean} vs {mean} (se {se_mean})"
    assert abs(s.std - std) <= K_SE * se_std + tiny, f"{what}: sample std {s.std} vs {std} (se {se_std})"


def assert_support(s: Stats, e: Expect, what: str) -> None:
    """Inside [low, high]; and within a few expected gaps of each end where the density there is > 0
    (P(no draw within t of an end) = exp(-n·t·density) = e^-25)."""
    width = e.high - e.low
    assert s.min >= e.low and s.max <= e.high, f"{what}: range [{s.min}, {s.max}] outside [{e.low}, {e.high}]"
    for end, got, density in ((e.low, s.min, e.density_low), (e.high, s.max, e.density_high)):
        if density > 0:
            t = 25.0 / (s.n * density)
            if t < 0.1 * width:
                assert abs(got - end) <= t, f"{what}: extreme {got} not within {t} of the bound {end}"


def check_scheme(name: str, given: dict, shape: tuple, n_target: int = N_TARGET) -> None:
    fi, fo = shape
    e = expected(name, given, fi, fo)
    s = sample_stats(name, _freeze(given), shape, n_target)
    what = f"{name}{given} {shape}"
    assert s.shape == shape and s.dtype == np.float64 and s.all_finite, what
    assert_support(s, e, what)
    assert_moments(s, e.mean, e.std, what)


# --- every scheme and alias, default parameters, several shapes --------------------------

def test_every_registered_name_has_a_reference_formula():
    assert set(SCHEMES) <= set(FORMULAS), "add the formula of the new scheme to FORMULAS"
    assert set(ALIASES) <= set(ALIAS_FORMULAS), "add the formula of the new alias to ALIAS_FORMULAS"


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ALL_NAMES)
def test_default_sample_matches_formula(name, shape):
    check_scheme(name, {}, shape)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_float32_draws_match_the_formula(name):
    """float32 experiments draw normal and uniform laws with numpy's float32 generators: same
    law, bounds kept to float32 rounding."""
    shape = (256, 784)
    e = expected(name, {}, *shape)
    s = sample_stats(name, (), shape, N_TARGET, dtype="float32")
    scheme, p = init.resolve(name, {})
    law = scheme.law(p, Context(*shape, activation_gain=ACT_GAIN))
    direct = scheme.sampler is None and law.kind in ("normal", "uniform")
    assert s.dtype == (np.float32 if direct else np.float64) and s.all_finite
    assert float(np.float32(e.low)) <= s.min and s.max <= float(np.float32(e.high))
    assert_moments(s, e.mean, e.std, f"{name} float32")


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ALL_NAMES)
def test_law_agrees_with_formula_and_with_samples(name, shape):
    """The law drawn as the theory overlay (and used for σ_w² = fan_in·Var(W)) is the formula,
    and its expectation/variance match what the sampler actually produces."""
    fi, fo = shape
    scheme, p = init.resolve(name, {})
    law = scheme.law(p, Context(fi, fo, activation_gain=ACT_GAIN))
    e = expected(name, {}, fi, fo)
    assert law.expectation() == pytest.approx(e.mean, rel=1e-7, abs=1e-12)
    assert math.sqrt(law.variance()) == pytest.approx(e.std, rel=1e-7, abs=1e-12)
    s = sample_stats(name, (), shape, N_TARGET)
    assert_moments(s, law.expectation(), math.sqrt(law.variance()), f"law of {name} {shape}")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_law_pdf_matches_sample_histogram(name):
    """pdf integrates to the continuous mass and matches a histogram of the samples
    (atoms, e.g. sparse's zeros, are excluded from the pdf and from the compared bins)."""
    shape = (500, 200)
    fi, fo = shape
    scheme, p = init.resolve(name, {})
    ctx = Context(fi, fo, activation_gain=ACT_GAIN)
    law = scheme.law(p, ctx)
    if law.kind == "none":
        assert np.all(law.pdf(np.linspace(-3, 3, 101)) == 0)
        return
    w = scheme.sample(np.random.default_rng(7), shape, p, ctx).ravel()
    lo, hi = w.min(), w.max()
    span = max(hi - lo, 1e-12)
    grid = np.linspace(lo - 2 * span, hi + 2 * span, 400_001)
    assert np.trapezoid(law.pdf(grid), grid) == pytest.approx(law.continuous_mass, rel=1e-3)
    edges = np.linspace(lo, hi, 41)
    counts, _ = np.histogram(w, edges)
    fine = np.linspace(edges[0], edges[-1], 40 * 200 + 1)  # integrate the pdf over each bin
    dens = law.pdf(fine)
    bin_mass = np.array([np.trapezoid(dens[i * 200:(i + 1) * 200 + 1], fine[i * 200:(i + 1) * 200 + 1])
                         for i in range(40)])
    expect = w.size * bin_mass
    atom_bins = [np.searchsorted(edges, v, side="right") - 1 for v, _ in law.atoms]
    keep = (expect > 50) & ~np.isin(np.arange(40), atom_bins)
    assert keep.sum() >= 10
    dev = np.abs(counts[keep] - expect[keep]) / np.sqrt(expect[keep])
    assert dev.max() < 5.0, f"{name}: histogram deviates from pdf by {dev.max():.1f} sigma"


# --- explicit parameter cases -----------------------------------------------------------

PARAM_CASES = [
    ("xavier_uniform", {"gain": 2.0}),
    ("xavier_uniform", {"gain": "auto"}),
    ("xavier_normal", {"gain": 0.5}),
    ("xavier_normal", {"gain": "auto"}),
    *[(scheme, {"mode": mode, "nonlinearity": nl, **extra})
      for scheme in ("kaiming_uniform", "kaiming_normal")
      for mode in ("fan_in", "fan_out")
      for nl, extra in (("relu", {}), ("leaky_relu", {}), ("leaky_relu", {"a": 0.2}), ("tanh", {}),
                        ("selu", {}), ("linear", {}), ("sigmoid", {}), ("auto", {}))],
    ("he_uniform", {}),
    ("he_normal", {}),
    ("normal", {"mean": 0.5, "std": 0.1}),
    ("uniform", {"a": -0.3, "b": 0.7}),
    ("trunc_normal", {"mean": 1.0, "std": 0.5, "a": 0.8, "b": 3.0}),
    ("trunc_normal", {"mean": 0.0, "std": 0.02, "a": -0.04, "b": 0.04}),
    ("trunc_normal", {"mean": 0.0, "std": 1.0, "a": -1.0, "b": 3.0}),
    *[("variance_scaling", {"scale": scale, "mode": mode, "distribution": dist})
      for scale in (2.5,)  # scale 1 is the default: covered by the default and keras_* cases
      for mode in ("fan_in", "fan_out", "fan_avg")
      for dist in ("truncated_normal", "untruncated_normal", "uniform", "normal")],
    ("orthogonal", {"gain": 2.5}),
    ("orthogonal", {"gain": "auto"}),
    ("sparse", {"sparsity": 0.5, "std": 0.1}),
]


def _case_id(case):
    name, given = case
    return name + ("-" + "-".join(f"{k}={v}" for k, v in given.items()) if given else "")


@pytest.mark.parametrize("shape", PARAM_SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", PARAM_CASES, ids=_case_id)
def test_parameterised_sample_matches_formula(case, shape):
    name, given = case
    check_scheme(name, given, shape, N_TARGET_PARAM)


@pytest.mark.parametrize("shape", PARAM_SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", PARAM_CASES, ids=_case_id)
def test_parameterised_law_matches_formula(case, shape):
    name, given = case
    fi, fo = shape
    scheme, p = init.resolve(name, given)
    law = scheme.law(p, Context(fi, fo, activation_gain=ACT_GAIN))
    e = expected(name, given, fi, fo)
    assert law.expectation() == pytest.approx(e.mean, rel=1e-7, abs=1e-12)
    assert math.sqrt(law.variance()) == pytest.approx(e.std, rel=1e-7, abs=1e-12)


def test_gain_auto_uses_the_layers_activation_gain():
    """gain='auto' / nonlinearity='auto' read Context.activation_gain, nothing else."""
    shape = (300, 10)
    for name, given, unit in (("xavier_normal", {"gain": "auto"}, math.sqrt(2.0 / 310)),
                              ("kaiming_normal", {"nonlinearity": "auto"}, 1.0 / math.sqrt(300)),
                              ("orthogonal", {"gain": "auto"}, None)):
        scheme, p = init.resolve(name, given)
        for g in (0.5, 5.0 / 3.0, 3.0):
            w = scheme.sample(np.random.default_rng(3), shape, p, Context(*shape, activation_gain=g))
            if unit is None:
                np.testing.assert_allclose(w.T @ w, g * g * np.eye(10), atol=1e-10)
            else:
                assert abs(w.std() - g * unit) < K_SE * g * unit / math.sqrt(2 * w.size)


def test_he_aliases_are_kaiming_with_relu_and_take_overrides():
    for alias, target in (("he_uniform", "kaiming_uniform"), ("he_normal", "kaiming_normal")):
        a_scheme, a_p = init.resolve(alias, {})
        t_scheme, t_p = init.resolve(target, {"nonlinearity": "relu"})
        assert a_scheme is t_scheme and a_p == t_p
    # a user-given field beats the alias' defaults
    fi, fo = 784, 256
    scheme, p = init.resolve("he_normal", {"mode": "fan_out"})
    law = scheme.law(p, Context(fi, fo))
    assert math.sqrt(law.variance()) == pytest.approx(math.sqrt(2.0 / fo), rel=1e-12)


def test_keras_aliases_truncate_and_torch_names_do_not():
    fi, fo = 784, 256
    ctx = Context(fi, fo)
    for name in ("keras_he_normal", "keras_glorot_normal", "keras_lecun_normal"):
        scheme, p = init.resolve(name, {})
        assert scheme.name == "variance_scaling" and scheme.law(p, ctx).kind == "truncated_normal"
    for name in ("he_normal", "glorot_normal", "lecun_normal", "kaiming_normal", "xavier_normal"):
        scheme, p = init.resolve(name, {})
        assert scheme.law(p, ctx).kind == "normal"


# --- truncated normal ----------------------------------------------------------------------

def test_trunc_normal_default_std_is_0_8796():
    m, s, _, _ = trunc_moments(0.0, 1.0, -2.0, 2.0)
    assert s == pytest.approx(0.87962566103423978, rel=1e-9) and m == pytest.approx(0.0, abs=1e-12)
    scheme, p = init.resolve("trunc_normal", {})
    assert math.sqrt(scheme.law(p, Context(1, 1)).variance()) == pytest.approx(0.87962566103423978, rel=1e-12)
    check_scheme("trunc_normal", {}, (784, 256))


def test_trunc_normal_bounds_are_absolute_not_multiples_of_std():
    """mean=1, std=0.5, a=0.8, b=3: values fill [0.8, 3]; relative bounds would give [1.4, 2.5]."""
    given = {"mean": 1.0, "std": 0.5, "a": 0.8, "b": 3.0}
    scheme, p = init.resolve("trunc_normal", given)
    w = scheme.sample(np.random.default_rng(11), (784, 256), p, Context(784, 256))
    assert w.min() >= 0.8 and w.max() <= 3.0
    assert w.min() < 0.8 + 1e-3  # the density at a is high: the draws reach it
    assert np.mean(w < 1.4) > 0.3
    check_scheme("trunc_normal", given, (784, 256))


TAILS = [
    {"mean": 0.0, "std": 1.0, "a": 5.0, "b": 6.0},
    {"mean": 0.0, "std": 1.0, "a": -6.0, "b": -5.0},
    {"mean": 0.0, "std": 1.0, "a": 8.0, "b": 9.0},
    {"mean": 0.0, "std": 1.0, "a": -9.0, "b": -8.0},
    {"mean": 0.0, "std": 1.0, "a": 10.0, "b": 12.0},
    {"mean": 3.0, "std": 2.0, "a": 15.0, "b": 16.0},
]


@pytest.mark.parametrize("given", TAILS, ids=lambda g: f"mean={g['mean']}-std={g['std']}-[{g['a']},{g['b']}]")
def test_trunc_normal_far_in_a_tail_is_finite_and_correct(given):
    shape = (400, 250)
    e = expected("trunc_normal", given, *shape)
    s = sample_stats("trunc_normal", _freeze(given), shape, N_TARGET)
    assert s.all_finite and given["a"] <= s.min and s.max <= given["b"]
    assert_support(s, e, str(given))
    assert_moments(s, e.mean, e.std, str(given))
    scheme, p = init.resolve("trunc_normal", given)
    law = scheme.law(p, Context(*shape))
    assert law.expectation() == pytest.approx(e.mean, rel=1e-7)
    assert math.sqrt(law.variance()) == pytest.approx(e.std, rel=1e-5)
    x = np.linspace(given["a"], given["b"], 7)
    dens = law.pdf(x)
    assert np.all(np.isfinite(dens))
    assert dens[0] == pytest.approx(e.density_low, rel=1e-5)


# --- variance_scaling (Keras) --------------------------------------------------------------

@pytest.mark.parametrize("dist", ["truncated_normal", "normal"])
def test_keras_normal_is_truncated_at_two_sigma_with_std_sqrt_var(dist):
    """Keras: std of the result = √(scale/fan); values cut at 2σ, σ = √var / 0.87962566103423978."""
    fi, fo = 784, 256
    scale = 2.0
    scheme, p = init.resolve("variance_scaling", {"scale": scale, "mode": "fan_in", "distribution": dist})
    w = scheme.sample(np.random.default_rng(5), (fi, fo), p, Context(fi, fo))
    sigma = math.sqrt(scale / fi) / KERAS_TRUNC
    assert np.abs(w).max() <= 2 * sigma
    assert np.abs(w).max() > 2 * sigma * (1 - 1e-3)
    m4 = np.mean((w - w.mean()) ** 4)
    se = math.sqrt((m4 - w.var() ** 2) / w.size) / (2 * w.std())
    assert abs(w.std() - math.sqrt(scale / fi)) < K_SE * se


def test_variance_scaling_uses_max_one_fan():
    scheme, p = init.resolve("variance_scaling", {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"})
    law = scheme.law(p, Context(1, 0))  # fan_avg 0.5 -> divided by 1
    assert law.high == pytest.approx(math.sqrt(3.0))


# --- orthogonal, eye, sparse, constants ---------------------------------------------------

@pytest.mark.parametrize("shape, gain", [
    ((784, 256), 1.0), ((256, 784), "auto"), ((64, 64), 1.0), ((64, 64), 2.5), ((64, 64), "auto"),
    ((300, 10), 2.5), ((10, 300), 1.0), ((5, 1), "auto"), ((1, 5), 2.5),
], ids=str)
def test_orthogonal_is_gain_times_semi_orthogonal(shape, gain):
    """WᵀW = gain²·I when W is tall (fan_in ≥ fan_out), WWᵀ = gain²·I when wide."""
    fi, fo = shape
    scheme, p = init.resolve("orthogonal", {"gain": gain})
    w = scheme.sample(np.random.default_rng(2), shape, p, Context(fi, fo, activation_gain=ACT_GAIN))
    g = ACT_GAIN if gain == "auto" else gain
    gram = w.T @ w if fi >= fo else w @ w.T
    np.testing.assert_allclose(gram, g * g * np.eye(min(fi, fo)), atol=1e-10 * g * g)


@pytest.mark.parametrize("shape", [(8, 8), (12, 5), (5, 12)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_orthogonal_sign_fix_makes_entries_symmetric(shape):
    """Without q *= sign(diag(r)) Householder QR gives W[0, 0] < 0 every time; with it the
    matrix is Haar-distributed and W[0, 0] is symmetric about 0."""
    scheme, p = init.resolve("orthogonal", {})
    rng = np.random.default_rng(9)
    n = 600
    corner = np.array([scheme.sample(rng, shape, p, Context(*shape))[0, 0] for _ in range(n)])
    positive = np.mean(corner > 0)
    assert abs(positive - 0.5) < K_SE * 0.5 / math.sqrt(n)
    assert abs(corner.mean()) < K_SE * corner.std() / math.sqrt(n)


@pytest.mark.parametrize("shape", SHAPES + [(3, 7)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_eye_has_ones_on_the_main_diagonal(shape):
    scheme, p = init.resolve("eye", {})
    w = scheme.sample(np.random.default_rng(0), shape, p, Context(*shape))
    i, j = np.indices(shape)
    assert w.shape == shape
    assert np.all(w[i == j] == 1.0) and np.all(w[i != j] == 0.0)


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.25, 0.3, 0.5, 0.95])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sparse_zeros_per_input_row(shape, sparsity):
    """torch zeroes ceil(sparsity·rows) entries in each column of its (out, in) matrix:
    in our (in, out) layout that is ceil(sparsity·fan_out) zeros in each input's row."""
    fi, fo = shape
    std = 0.05
    scheme, p = init.resolve("sparse", {"sparsity": sparsity, "std": std})
    w = scheme.sample(np.random.default_rng(4), shape, p, Context(fi, fo))
    n_zero = math.ceil(sparsity * fo)
    assert np.all(np.sum(w == 0.0, axis=1) == n_zero)
    nonzero = w[w != 0.0]
    assert nonzero.size == fi * (fo - n_zero)
    if nonzero.size > 1000:
        assert abs(nonzero.std() - std) < K_SE * std / math.sqrt(2 * nonzero.size)
    if 0 < n_zero < fo:  # the zeros are placed at random, not in the same columns for every row
        assert len({tuple(np.flatnonzero(row == 0.0)) for row in w[:50]}) > 1


@pytest.mark.parametrize("name, given, value", [
    ("zeros", {}, 0.0), ("ones", {}, 1.0), ("constant", {}, 0.0), ("constant", {"value": 0.37}, 0.37),
    ("constant", {"value": -2}, -2.0),
])
def test_constant_schemes_are_exact(name, given, value):
    for shape in SHAPES + [(7,)]:
        scheme, p = init.resolve(name, given, for_bias=len(shape) == 1)
        w = scheme.sample(np.random.default_rng(0), shape, p, Context(shape[0], shape[-1]))
        assert w.shape == shape and w.dtype == np.float64 and np.all(w == value)


BIAS_OK = {"zeros", "ones", "constant", "uniform", "normal", "trunc_normal", "torch_default"}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_bias_sampling_or_rejection(name):
    """Schemes that need fans or a matrix are refused for a bias; the others draw a vector
    (torch_default from the weight's fan_in, like nn.Linear)."""
    if name not in BIAS_OK:
        with pytest.raises(ExperimentError) as err:
            init.resolve(name, {}, path="layers[2].bias_init", for_bias=True)
        msg = str(err.value)
        assert "layers[2].bias_init" in msg and all(b in msg for b in BIAS_OK)
        assert name not in init.names(for_bias=True)
        return
    scheme, p = init.resolve(name, {}, for_bias=True)
    fi, fo = 784, 256
    b = scheme.sample(np.random.default_rng(0), (fo,), p, Context(fi, fo))
    e = expected(name, {}, fi, fo)
    assert b.shape == (fo,) and np.all((b >= e.low) & (b <= e.high))
    if name == "torch_default":
        assert np.abs(b).max() <= 1.0 / math.sqrt(fi) and b.std() > 0.5 / math.sqrt(3 * fi)


# --- calculate_gain ------------------------------------------------------------------------

@pytest.mark.parametrize("nonlinearity, param, value", [
    ("linear", None, 1.0), ("identity", None, 1.0), ("conv1d", None, 1.0), ("conv2d", None, 1.0),
    ("conv3d", None, 1.0), ("conv_transpose2d", None, 1.0), ("sigmoid", None, 1.0),
    ("tanh", None, 5.0 / 3.0), ("relu", None, math.sqrt(2.0)),
    ("leaky_relu", None, math.sqrt(2.0 / (1.0 + 0.01**2))), ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)),
    ("leaky_relu", 0.0, math.sqrt(2.0)), ("leaky_relu", 1.0, 1.0), ("selu", None, 0.75),
])
def test_calculate_gain_matches_torch(nonlinearity, param, value):
    assert calculate_gain(nonlinearity, param) == pytest.approx(value, rel=1e-15)


def test_calculate_gain_covers_every_kaiming_choice():
    for nl in init.TORCH_NONLINEARITIES:
        assert calculate_gain(nl) == pytest.approx(torch_gain(nl), rel=1e-15)
    with pytest.raises(ValueError):
        calculate_gain("gelu")


# --- resolve() errors ----------------------------------------------------------------------

PATH = "layers[1].init"


@pytest.mark.parametrize("name, given, for_bias, field, allowed", [
    ("xavier_unifrom", {}, False, PATH, ["xavier_uniform", "kaiming_normal", "he_normal", "keras_he_normal"]),
    ("xavier_unifrom", {}, True, PATH, ["zeros", "trunc_normal", "torch_default"]),
    ("xavier_uniform", {"gian": 2.0}, False, PATH + ".gian", ["gain"]),
    ("kaiming_normal", {"mode": "fan_avg"}, False, PATH + ".mode", ["'fan_in'", "'fan_out'"]),
    ("kaiming_uniform", {"nonlinearity": "gelu"}, False, PATH + ".nonlinearity", ["'relu'", "'tanh'", "'auto'"]),
    ("variance_scaling", {"distribution": "gamma"}, False, PATH + ".distribution",
     ["'truncated_normal'", "'untruncated_normal'", "'uniform'", "'normal'"]),
    ("xavier_normal", {"gain": "big"}, False, PATH + ".gain", ["'auto'", "[0.0, inf)"]),
    ("normal", {"std": -1.0}, False, PATH + ".std", ["[0.0, inf)"]),
    ("trunc_normal", {"std": -0.5}, False, PATH + ".std", ["[0.0, inf)"]),
    ("sparse", {"sparsity": 1.0}, False, PATH + ".sparsity", ["[0.0, 1.0)"]),
    ("sparse", {"sparsity": -0.1}, False, PATH + ".sparsity", ["[0.0, 1.0)"]),
    ("uniform", {"a": 2.0, "b": 1.0}, False, PATH + ".b", ["≥ a", "2.0"]),
    ("trunc_normal", {"a": 1.0, "b": 1.0}, False, PATH + ".b", ["> a", "1.0"]),
    ("variance_scaling", {"scale": 0.0}, False, PATH + ".scale", ["(0.0, inf)"]),
    ("normal", {"std": float("nan")}, False, PATH + ".std", ["finite"]),
    ("xavier_uniform", {}, True, PATH, ["zeros", "ones", "constant", "uniform", "normal", "trunc_normal",
                                        "torch_default"]),
    ("kaiming_normal", {}, True, PATH, ["torch_default"]),
    ("orthogonal", {}, True, PATH, ["zeros"]),
    ("he_normal", {}, True, PATH, ["zeros"]),
])
def test_resolve_errors_name_the_field_and_the_allowed_values(name, given, for_bias, field, allowed):
    with pytest.raises(ExperimentError) as err:
        init.resolve(name, given, path=PATH, for_bias=for_bias)
    msg = str(err.value)
    assert field in msg and err.value.path.startswith(PATH), msg
    for word in allowed:
        assert word in msg, f"{word!r} missing from {msg!r}"
    assert "\n" not in msg


def test_resolve_error_field_path_is_exact_for_parameters():
    with pytest.raises(ExperimentError) as err:
        init.resolve("kaiming_normal", {"mode": "sideways"}, path=PATH)
    assert err.value.path == PATH + ".mode"
    with pytest.raises(ExperimentError) as err:
        init.resolve("normal", {"std": -1.0}, path=PATH)
    assert err.value.path == PATH + ".std"


def test_unknown_scheme_with_a_non_string_name():
    with pytest.raises(ExperimentError) as err:
        init.resolve(3, {}, path=PATH)
    assert PATH in str(err.value) and "xavier_uniform" in str(err.value)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("law", [Distribution("normal", mean=0.25, std=0.0731), Distribution("uniform", low=-0.4, high=0.15)],
                         ids=["normal", "uniform"])
def test_sample_law_is_a_unit_draw_mapped_by_numpys_own_operations(law, dtype):
    """The unit draw + affine map gives numpy's normal/uniform values bit for bit (float64), and
    the float32 generators' values scaled in float32; a remembered unit gives the same array."""
    from initviz.engine.initializers import sample_law
    shape = (64, 48)
    ours = sample_law(np.random.default_rng(9), shape, law, dtype)
    rng = np.random.default_rng(9)
    if dtype == np.float64:
        theirs = rng.normal(law.mean, law.std, shape) if law.kind == "normal" else rng.uniform(law.low, law.high, shape)
    else:
        u = rng.standard_normal(shape, dtype=np.float32) if law.kind == "normal" else rng.random(shape, dtype=np.float32)
        a, b = (law.std, law.mean) if law.kind == "normal" else (law.high - law.low, law.low)
        theirs = u * np.float32(a) + np.float32(b)
    assert ours.dtype == dtype and np.array_equal(ours, theirs)
    kept = {}
    remembered = sample_law(np.random.default_rng(9), shape, law, dtype,
                            lambda name, make: kept.setdefault(name, make()))
    again = sample_law(np.random.default_rng(123), shape, law, dtype, lambda name, make: kept[name])
    assert np.array_equal(remembered, ours) and np.array_equal(again, ours)
