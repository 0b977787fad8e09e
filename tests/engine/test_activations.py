"""Activations: forward against independent formulas, derivative against finite differences,
dtype preservation, behaviour at huge inputs, and gains (torch's table, else 1/√E[φ(z)²])."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from initviz.engine import activations as act
from initviz.engine import special
from initviz.engine.activations import ACTIVATIONS
from initviz.errors import ExperimentError

SELU_ALPHA = 1.6732632423543772  # Klambauer et al. 2017
SELU_SCALE = 1.0507009873554805
LECUN_A, LECUN_B = 1.7159, 2.0 / 3.0
_erf = np.vectorize(math.erf, otypes=[float])

# every activation with its defaults, plus non-default parameters
CASES = [(name, {}) for name in ACTIVATIONS] + [
    ("leaky_relu", {"negative_slope": 0.2}),
    ("leaky_relu", {"negative_slope": 0.0}),  # plain ReLU: 0·(−inf) must not give NaN
    ("leaky_relu", {"negative_slope": 1.5}),  # steeper than 1 on the left
    ("elu", {"alpha": 0.5}),
    ("gelu", {"approximate": "none"}),
    ("gelu", {"approximate": "tanh"}),
]


def case_id(case):
    name, given = case
    return name + "".join(f"-{k}={v}" for k, v in given.items())


def resolved(case):
    name, given = case
    entry, p = act.resolve(name, given)
    return entry, p


# --- independent reference formulas (float64, moderate z) ---------------------------------

def _gelu_ref(z, p):
    if p["approximate"] == "tanh":
        return 0.5 * z * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3)))
    return z * 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))


REFERENCE = {
    "identity": lambda z, p: z,
    "relu": lambda z, p: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z, p: np.where(z > 0, z, p["negative_slope"] * z),
    "elu": lambda z, p: np.where(z > 0, z, p["alpha"] * (np.exp(z) - 1.0)),
    "selu": lambda z, p: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1.0)),
    "gelu": _gelu_ref,
    "silu": lambda z, p: z / (1.0 + np.exp(-z)),
    "tanh": lambda z, p: np.sinh(z) / np.cosh(z),
    "sigmoid": lambda z, p: 1.0 / (1.0 + np.exp(-z)),
    "softplus": lambda z, p: np.log1p(np.exp(z)),
    "lecun_tanh": lambda z, p: LECUN_A * np.sinh(LECUN_B * z) / np.cosh(LECUN_B * z),
}

# limits at z -> -inf and +inf: (φ(-inf), φ(+inf), φ'(-inf), φ'(+inf))
LIMITS = {
    "identity": lambda p: (-np.inf, np.inf, 1.0, 1.0),
    "relu": lambda p: (0.0, np.inf, 0.0, 1.0),
    "leaky_relu": lambda p: (-np.inf if p["negative_slope"] > 0 else 0.0, np.inf, p["negative_slope"], 1.0),
    "elu": lambda p: (-p["alpha"], np.inf, 0.0, 1.0),
    "selu": lambda p: (-SELU_SCALE * SELU_ALPHA, np.inf, 0.0, SELU_SCALE),
    "gelu": lambda p: (0.0, np.inf, 0.0, 1.0),
    "silu": lambda p: (0.0, np.inf, 0.0, 1.0),
    "tanh": lambda p: (-1.0, 1.0, 0.0, 0.0),
    "sigmoid": lambda p: (0.0, 1.0, 0.0, 0.0),
    "softplus": lambda p: (0.0, np.inf, 0.0, 1.0),
    "lecun_tanh": lambda p: (-LECUN_A, LECUN_A, 0.0, 0.0),
}

# torch.nn.init.calculate_gain where torch has the activation
TORCH_GAINS = {
    "identity": lambda p: 1.0,
    "relu": lambda p: math.sqrt(2.0),
    "leaky_relu": lambda p: math.sqrt(2.0 / (1.0 + p["negative_slope"] ** 2)),
    "selu": lambda p: 0.75,
    "tanh": lambda p: 5.0 / 3.0,
    "sigmoid": lambda p: 1.0,
}

# even count, step 0.008: the nearest point to a kink at 0 is 0.004 away, far beyond the FD step
Z = np.linspace(-8.0, 8.0, 2000)


def test_every_activation_has_references():
    for name in ACTIVATIONS:
        assert name in REFERENCE and name in LIMITS, f"add reference formula and limits for {name!r}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_matches_reference_formula(case):
    entry, p = resolved(case)
    np.testing.assert_allclose(entry.forward(Z, p), REFERENCE[entry.name](Z, p), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_derivative_matches_central_differences(case):
    entry, p = resolved(case)
    h = 1e-6
    fd = (entry.forward(Z + h, p) - entry.forward(Z - h, p)) / (2 * h)
    a = entry.forward(Z, p)
    np.testing.assert_allclose(entry.derivative(Z, a, p), fd, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float32_stays_float32(case):
    entry, p = resolved(case)
    z32 = Z.astype(np.float32)
    a32 = entry.forward(z32, p)
    d32 = entry.derivative(z32, a32, p)
    assert a32.dtype == np.float32 and d32.dtype == np.float32
    a64 = entry.forward(z32.astype(np.float64), p)
    np.testing.assert_allclose(a32, a64, rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(d32, entry.derivative(z32.astype(np.float64), a64, p), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_huge_inputs_give_limits_without_warnings(case, dtype):
    """±1e30 and ±inf (exploding nets produce them): no warning, no NaN, the right limits."""
    entry, p = resolved(case)
    lo, hi, dlo, dhi = LIMITS[entry.name](p)
    z = np.array([-np.inf, -1e30, 1e30, np.inf], dtype=dtype)
    # numpy's default policy made explicit: underflow to 0 is the right answer, not an error
    with warnings.catch_warnings(), np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("error")
        a = entry.forward(z, p)
        d = entry.derivative(z, a, p)
    assert a.dtype == dtype and d.dtype == dtype
    assert not np.isnan(a).any() and not np.isnan(d).any(), (a, d)
    assert a[0] == pytest.approx(lo) and a[3] == pytest.approx(hi)
    assert d[0] == pytest.approx(dlo) and d[3] == pytest.approx(dhi) and np.all(np.isfinite(d))
    # at ±1e30: the limit where it is finite, else the asymptote slope · z
    big = float(z[2])
    want = [lo if math.isfinite(lo) else dlo * -big, hi if math.isfinite(hi) else dhi * big]
    np.testing.assert_allclose(a[1:3].astype(np.float64), want, rtol=1e-6)
    np.testing.assert_allclose(d[1:3].astype(np.float64), [dlo, dhi], rtol=1e-6, atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_derivative_is_a_fresh_array_and_inputs_stay_untouched(case, dtype):
    """The backward pass multiplies the derivative in place: it must own its memory."""
    entry, p = resolved(case)
    z = Z.astype(dtype)
    z_before = z.copy()
    a = entry.forward(z, p)
    a_before = a.copy()
    d = entry.derivative(z, a, p)
    assert not np.shares_memory(d, z) and not np.shares_memory(d, a)
    np.testing.assert_array_equal(z, z_before)
    np.testing.assert_array_equal(a, a_before)


# --- exact GELU in float32 (its own kernel, special.z_ndtr32) --------------------------------

def float32_ulps(got, ref):
    """Error in units of the float32 spacing at |ref| (equal values, infinities included: 0)."""
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(got - ref) / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    return np.where((got == ref) | (np.isnan(got) & np.isnan(ref)), 0.0, err)


def gelu_float32_grid():
    """Both signs of: a dense sweep to 16, tails beyond (up to the float32 maximum), tiny and
    subnormal inputs, runs of consecutive floats where the error peaks or results underflow."""
    runs = [np.float32(c).view(np.int32) + np.arange(-5000, 5001, dtype=np.int32)
            for c in (1.8415, 0.0082585, 0.7517916, 13.3, 14.4, 2.0**-32)]
    pos = np.concatenate([np.linspace(0.0, 16.0, 400_001, dtype=np.float32),
                          np.geomspace(1.4e-45, 16.0, 100_000).astype(np.float32),
                          np.concatenate(runs).view(np.float32),
                          np.float32([10.0, 16.0, 20.0, 40.0, 1e3, 1e30, np.finfo(np.float32).max, np.inf])])
    return np.concatenate([pos, -pos, np.float32([np.nan])])


def test_gelu_float32_matches_float64_exact_path_in_ulps():
    """float32 GELU within 4.2 ulp of the float64 path (every float32 checked: 4.19); its
    derivative Φ(z) + zφ(z) within 4.5 ulp of |Φ(z)| + |zφ(z)| (every float32: 4.46): relative to
    the terms, since the sum cancels at z ≈ −0.75, where no float32 formula is relatively exact."""
    entry, p = act.resolve("gelu", {"approximate": "none"})
    z = gelu_float32_grid()
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        a = entry.forward(z, p)
        d = entry.derivative(z, a, p)
    assert a.dtype == np.float32 and d.dtype == np.float32
    z64 = z.astype(np.float64)
    a64 = entry.forward(z64, p)
    d64 = entry.derivative(z64, a64, p)
    err = float32_ulps(a, a64)
    assert err.max() <= 4.2, (err.max(), z[err.argmax()])
    cdf = special.ndtr(z64)
    with np.errstate(invalid="ignore"):  # inf * 0 at z = ±inf, where Φ alone is the scale
        scale = np.where(np.isfinite(z64), cdf + np.abs(z64 * special.norm_pdf(z64)), cdf)
    err_d = np.abs(d.astype(np.float64) - d64) / np.spacing(scale.astype(np.float32)).astype(np.float64)
    finite = np.isfinite(z)
    assert err_d[finite].max() <= 4.5, (err_d[finite].max(), z[finite][err_d[finite].argmax()])
    # away from the zero of the derivative, plainly relative
    away = finite & (np.abs(z64 + 0.7517916) > 1.0)
    assert float32_ulps(d, d64)[away].max() <= 4.5
    specials = np.isinf(z) | np.isnan(z)
    np.testing.assert_array_equal(a[specials], a64[specials])
    np.testing.assert_array_equal(d[specials], d64[specials])


def test_gelu_float32_derivative_without_the_forward_result():
    """Given no usable a (None, wrong shape or dtype), the float32 derivative recomputes it."""
    entry, p = act.resolve("gelu", {})
    z = np.linspace(-9, 9, 1001, dtype=np.float32)
    want = entry.derivative(z, entry.forward(z, p), p)
    for a in (None, np.zeros(3, np.float32), entry.forward(z.astype(np.float64), p)):
        np.testing.assert_array_equal(entry.derivative(z, a, p), want)


# --- gains -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def normal_sample():
    return np.random.default_rng(20240601).standard_normal(1_000_000)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_gain(case, normal_sample):
    """torch's calculate_gain where torch defines one; else 1/√E[φ(z)²], z ~ N(0, 1),
    checked by Monte Carlo within a few standard errors."""
    name, given = case
    entry, p = resolved(case)
    g = act.gain(name, given)
    if entry.name in TORCH_GAINS:
        assert g == pytest.approx(TORCH_GAINS[entry.name](p), rel=1e-14)
        return
    y = entry.forward(normal_sample, p) ** 2
    se = y.std() / math.sqrt(y.size)
    assert abs(y.mean() - 1.0 / g**2) < 5.0 * se, f"{name}: E[φ²] {y.mean()} vs 1/gain² {1.0 / g**2} (se {se})"


def test_second_moment_rule_reproduces_torch_for_relu(normal_sample):
    """The rule used where torch is silent gives torch's √2 for ReLU: E[relu(z)²] = 1/2."""
    y = np.maximum(normal_sample, 0.0) ** 2
    assert abs(y.mean() - 0.5) < 5 * y.std() / math.sqrt(y.size)


def test_gain_accepts_aliases_and_params():
    assert act.gain("linear") == 1.0
    assert act.gain("swish") == act.gain("silu")
    assert act.gain("leaky_relu", {"negative_slope": 0.2}) == pytest.approx(math.sqrt(2.0 / 1.04))
    assert act.gain("elu", {"alpha": 0.5}) != act.gain("elu")


# --- aliases, errors, saturation -------------------------------------------------------------

@pytest.mark.parametrize("alias, target", [("linear", "identity"), ("swish", "silu")])
def test_aliases(alias, target):
    assert act.ALIASES[alias] == target
    entry, p = act.resolve(alias, {})
    assert entry is ACTIVATIONS[target] and act.get(alias) is ACTIVATIONS[target]
    np.testing.assert_array_equal(entry.forward(Z, p), ACTIVATIONS[target].forward(Z, p))


def test_every_alias_resolves_to_a_registered_activation():
    for alias, target in act.ALIASES.items():
        assert act.get(alias) is ACTIVATIONS[target] and alias not in ACTIVATIONS


@pytest.mark.parametrize("name, given, field, allowed", [
    ("rleu", {}, "layers[0].activation", ["relu", "gelu", "swish", "linear"]),
    ("gelu", {"approximate": "fast"}, "layers[0].activation.approximate", ["'none'", "'tanh'"]),
    ("leaky_relu", {"slope": 0.1}, "layers[0].activation.slope", ["negative_slope"]),
    ("leaky_relu", {"negative_slope": -0.1}, "layers[0].activation.negative_slope", ["[0.0, inf)"]),
    ("relu", {"alpha": 1.0}, "layers[0].activation.alpha", ["none"]),
])
def test_resolve_errors_name_field_and_allowed_values(name, given, field, allowed):
    with pytest.raises(ExperimentError) as err:
        act.resolve(name, given, path="layers[0].activation")
    msg = str(err.value)
    assert err.value.path == field and field in msg
    for word in allowed:
        assert word in msg, f"{word!r} missing from {msg!r}"


BOUNDED = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "lecun_tanh": (-LECUN_A, LECUN_A)}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_saturation_bounds(name):
    """Bounded activations count |a| beyond 97% of the half-range as saturated (there the slope
    is 1 − 0.97² ≈ 6% of its maximum, the same criterion for all three); unbounded ones have none."""
    entry, p = act.resolve(name, {})
    if name not in BOUNDED:
        assert entry.saturation is None
        return
    lo, hi = entry.saturation(p)
    r_lo, r_hi = BOUNDED[name]
    mid, half = 0.5 * (r_lo + r_hi), 0.5 * (r_hi - r_lo)
    assert lo == pytest.approx(mid - 0.97 * half) and hi == pytest.approx(mid + 0.97 * half)
    # the slope where the output crosses the bound, relative to the slope at 0
    z = np.linspace(0.0, 20.0, 2_000_001)
    a = entry.forward(z, p)
    k = np.searchsorted(a, hi)
    rel_slope = entry.derivative(z[k:k + 1], a[k:k + 1], p)[0] / entry.derivative(z[:1], a[:1], p)[0]
    assert rel_slope == pytest.approx(1.0 - 0.97**2, rel=1e-4)
    assert rel_slope < 0.06
    sat = entry.forward(np.array([-10.0, 10.0]), p)
    assert sat[0] < lo and sat[1] > hi
