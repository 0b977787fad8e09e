"""Accuracy and edge-case tests for initviz.engine.special (pure-numpy erf/erfc/ndtr/ndtri, and
the float32 kernels z_ndtr32 / z_norm_pdf32 behind the exact GELU, in float32 ulp).

Error bounds are the measured maxima with a small margin: against math.erf/erfc (glibc,
itself fdlibm) erf is within 1 ulp and erfc within 3 ulp; ndtri is within ~8e-16
relative of statistics.NormalDist().inv_cdf.
"""

import math
import statistics
import warnings
from decimal import Decimal, getcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from initviz.engine import special

BOUNDARIES = (0.25, 0.84375, 1.25, 1 / 0.35, 6.0, 28.0)
NORMAL = statistics.NormalDist()
TINY = np.finfo(np.float64).tiny  # smallest normal float64


def ulps(got, ref):
    """Distance in units of the last place of the reference (float64)."""
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    return np.abs(got - ref) / np.spacing(np.abs(ref))


def reference(fn, xs):
    return np.array([fn(float(v)) for v in np.ravel(xs)])


def boundary_points():
    pts = []
    for b in BOUNDARIES:
        near = b * (1 + np.linspace(-1e-6, 1e-6, 201))
        steps = np.array([np.nextafter(b, -np.inf), b, np.nextafter(b, np.inf)])
        pts.extend([near, -near, steps, -steps])
    return np.concatenate(pts)


def erf_grid():
    tiny = np.geomspace(5e-324, 1e-4, 4000)
    return np.concatenate([np.linspace(-10, 10, 200_001), tiny, -tiny, [0.0, -0.0],
                           [2.0 ** -28, 2.0 ** -56, 2.2e-308, 2.8e-306], boundary_points()])


# ---------------------------------------------------------------- erf / erfc accuracy
def test_erf_matches_math_erf_on_dense_grid():
    x = erf_grid()
    got = special.erf(x)
    ref = reference(math.erf, x)
    assert got.dtype == np.float64
    assert ulps(got, ref).max() <= 2  # measured 1
    normal = np.abs(ref) >= TINY  # subnormal results are covered by the ulp check
    assert np.max(np.abs(got - ref)[normal] / np.abs(ref[normal])) < 4e-16  # measured 2.2e-16


def test_erfc_matches_math_erfc_on_dense_grid():
    x = erf_grid()
    got = special.erfc(x)
    ref = reference(math.erfc, x)
    assert ulps(got, ref).max() <= 4  # measured 3 (math.erfc is itself up to 3 ulp off)
    assert np.max(np.abs(got - ref)[ref >= TINY] / ref[ref >= TINY]) < 1e-15  # measured 5.4e-16


def test_erfc_tail():
    x = np.linspace(10, 27.5, 35_001)
    got = special.erfc(x)
    ref = reference(math.erfc, x)
    normal = ref >= TINY
    # measured 2 (4 on a CPU with AVX512_ICL, where numpy's exp takes another SIMD kernel)
    assert ulps(got[normal], ref[normal]).max() <= 6
    assert np.abs(got[~normal] - ref[~normal]).max() <= 2 * 5e-324  # subnormal results
    assert special.erfc(10.0) == pytest.approx(2.088487583762545e-45, rel=1e-15)
    assert special.erfc(26.0) == pytest.approx(5.663192408856143e-296, rel=1e-15)
    assert special.erfc(28.0) == 0.0 and special.erfc(-30.0) == 2.0


def test_erf_limits_and_symmetry():
    assert special.erf(6.0) == 1.0 and special.erf(-7.5) == -1.0
    assert special.erf(1e300) == 1.0 and special.erf(-1e300) == -1.0
    x = erf_grid()
    np.testing.assert_array_equal(special.erf(-x), -special.erf(x))
    assert math.copysign(1.0, special.erf(-0.0)) == -1.0
    assert special.erf(5e-324) == 5e-324  # erf(x) ~ 1.128 x, rounded in the subnormal range


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-30, max_value=30, allow_subnormal=True))
def test_erf_erfc_property(x):
    assert ulps(special.erf(x), math.erf(x)) <= 2
    ref = math.erfc(x)
    assert ulps(special.erfc(x), ref) <= 4 or abs(special.erfc(x) - ref) <= 1e-323


# ------------------------------------------------------------- dtypes, shapes, specials
@pytest.mark.parametrize("fn", [special.erf, special.erfc, special.ndtr, special.norm_pdf])
def test_float32_dtype_preserved_and_accurate(fn):
    rng = np.random.default_rng(0)
    x = np.concatenate([3 * rng.standard_normal(20_000), np.linspace(-10, 10, 2001)])
    x = x.astype(np.float32).reshape(-1, 7)
    got = fn(x)
    assert got.dtype == np.float32 and got.shape == x.shape
    exact = fn(x.astype(np.float64)).astype(np.float32)  # float64 result rounded once
    np.testing.assert_array_equal(got, exact)


def test_erf_float32_is_correctly_rounded_math_erf():
    x = np.linspace(-10, 10, 100_001, dtype=np.float32)
    for fn, ref_fn in ((special.erf, math.erf), (special.erfc, math.erfc)):
        ref = reference(ref_fn, x).astype(np.float32)
        assert ulps(fn(x), ref).max() <= 1  # measured 0


def test_ndtri_float32():
    p = np.linspace(0.001, 0.999, 999, dtype=np.float32)
    got = special.ndtri(p)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, special.ndtri(p.astype(np.float64)), rtol=1e-6, atol=1e-7)


def test_scalars_ints_shapes_and_no_mutation():
    assert isinstance(special.erf(0.5), np.float64)
    assert special.erf(0.5) == math.erf(0.5)
    assert isinstance(special.erf(np.float32(0.5)), np.float32)
    assert special.erf(np.array(0.5)).shape == ()
    assert special.erf(np.arange(3)).dtype == np.float64
    assert special.erf(np.array([], dtype=np.float32)).shape == (0,)
    x = np.linspace(-3, 3, 24).reshape(4, 6)
    before = x.copy()
    for fn in (special.erf, special.erfc, special.ndtr, special.norm_pdf):
        np.testing.assert_array_equal(fn(x[:, ::2]), fn(np.ascontiguousarray(x[:, ::2])))
    np.testing.assert_array_equal(x, before)
    big = np.linspace(-8, 8, 300_001)  # spans several internal chunks
    np.testing.assert_array_equal(special.erf(big)[::1000], special.erf(big[::1000]))


def test_nan_inf_huge_without_warnings():
    x = np.array([np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 0.0])
    errstate = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e, c = special.erf(x), special.erfc(x)
        n, d = special.ndtr(x), special.norm_pdf(x)
        q = special.ndtri(np.array([np.nan, -1.0, 2.0, np.inf, 0.0, 1.0, 5e-324, 0.5]))
        special.erf(np.array([np.nan, np.inf, -np.inf, 3e38, 1e-45], dtype=np.float32))
        special.ndtri(np.float32(1e-45))
    assert np.geterr() == errstate
    np.testing.assert_array_equal(e, [np.nan, 1, -1, 1, -1, special.erf(5e-324), 0])
    np.testing.assert_array_equal(c, [np.nan, 0, 2, 0, 2, 1, 1])
    np.testing.assert_array_equal(n, [np.nan, 1, 0, 1, 0, 0.5, 0.5])
    np.testing.assert_array_equal(d, [np.nan, 0, 0, 0, 0, d[-1], d[-1]])
    assert d[-1] == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-16)
    np.testing.assert_array_equal(q[:6], [np.nan, np.nan, np.nan, np.nan, -np.inf, np.inf])
    assert q[6] == pytest.approx(-38.467405617144346, rel=2e-9)  # unrefined Acklam
    assert q[7] == 0.0


# ---------------------------------------------------------------------- ndtr / ndtri
def ndtr_reference(x):
    """Phi(x) from math.erfc with the rounding of x/sqrt(2) corrected to first order."""
    getcontext().prec = 40
    t_exact = -Decimal(x) / Decimal(2).sqrt()
    t = float(t_exact)
    d = float(t_exact - Decimal(t))
    ratio = 2 / math.sqrt(math.pi) * math.exp(-t * t) / math.erfc(t) if t < 26 else 2 * t
    return 0.5 * math.erfc(t) * (1 - d * ratio)


def test_ndtr_against_corrected_math_erfc():
    x = np.concatenate([np.linspace(-37.5, 8.0, 9101), boundary_points() * -math.sqrt(2)])
    got = special.ndtr(x)
    ref = reference(ndtr_reference, x)
    normal = ref >= TINY
    assert np.max(np.abs(got - ref)[normal] / ref[normal]) < 2e-15  # measured 6.2e-16 vs mpmath
    assert np.all(ulps(got[~normal], ref[~normal]) <= 2)


def ndtri_probabilities():
    rng = np.random.default_rng(1)
    lower = np.geomspace(1e-300, 0.5, 4000)
    upper = 1 - np.geomspace(1e-16, 0.5, 4000)
    edges = [0.02425, np.nextafter(0.02425, 0), np.nextafter(0.02425, 1), 1 - 0.02425,
             0.5, 0.5 + 1e-10, 0.5 - 1e-12, np.nextafter(0.5, 1), 1 - 1e-16, 1e-300]
    return np.concatenate([lower, upper, rng.uniform(0, 1, 4000), edges])


def test_ndtri_against_normaldist():
    p = ndtri_probabilities()
    got = special.ndtri(p)
    ref = reference(NORMAL.inv_cdf, p)
    err = np.abs(got - ref)
    assert np.all(err <= 2e-15 * np.abs(ref))  # measured 7.7e-16 (NormalDist: ~7e-16 itself)
    assert special.ndtri(0.5) == 0.0


def test_ndtri_monotone_across_regions():
    p = np.sort(np.concatenate([np.linspace(0.0242, 0.0243, 20_001),
                                np.linspace(0.9757, 0.97585, 20_001), np.linspace(0.01, 0.99, 9801)]))
    x = special.ndtri(p)
    assert np.all(np.diff(x) >= 0)


def test_round_trip_x_ndtr_ndtri():
    x = np.linspace(-37.5, 0.5, 38_001)
    back = special.ndtri(special.ndtr(x))
    assert np.all(np.abs(back - x) <= 1e-14 * np.abs(x) + 1e-15)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-300, max_value=1 - 1e-16))
def test_ndtri_property(p):
    x = special.ndtri(p)
    ref = NORMAL.inv_cdf(p)
    assert abs(x - ref) <= 2e-15 * abs(ref)
    if p <= 0.5:  # ndtr(x) has relative condition ~x^2 w.r.t. the relative error of x
        assert abs(special.ndtr(x) - p) <= p * 5e-16 * (4 + x * x)  # measured 4.2e-16


def test_norm_pdf():
    x = np.linspace(-8, 8, 1601)
    ref = reference(lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi), x)
    # measured 2.2e-16 (4.4e-16 where numpy's exp runs its AVX512_ICL kernel)
    np.testing.assert_allclose(special.norm_pdf(x), ref, rtol=1e-15, atol=0)
    assert special.norm_pdf(0.0) == pytest.approx(0.3989422804014327, rel=1e-16)


# ------------------------------------------------------- float32 kernels for the exact GELU
F32_MAX = float(np.finfo(np.float32).max)


def f32_ulps(got, ref):
    """|got - ref| in units of the float32 spacing at |ref| (ref in float64; subnormal spacing
    at and below the smallest normal). Equal values (infinities, NaN with NaN) count 0; NaN
    against a number gives NaN, which fails any bound."""
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, spacing(inf)
        err = np.abs(got - ref) / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    return np.where(same, 0.0, err)


def f32_runs(centres, count=20_001):
    """`count` consecutive float32 values around each centre."""
    steps = np.arange(count, dtype=np.int64) - count // 2
    return np.concatenate([(np.float32(c).view(np.int32) + steps).astype(np.int32).view(np.float32)
                           for c in centres])


def f32_grid():
    """Dense float32 grid: every region of z*Phi(z) and z*phi(z), the tails to 16 and beyond,
    tiny and subnormal inputs, runs of consecutive floats where results turn subnormal or
    underflow, and the specials."""
    tiny = np.geomspace(1.4e-45, 16.0, 200_000).astype(np.float32)
    runs = f32_runs([1.8415, 1.8228207, 13.1, 13.6, 14.4, 5.9, 0.7517916, 3.4325969, 2.0**-32, 1.0, 1e-38])
    specials = np.float32([0.0, 16.0, 16.000002, 20.0, 1e3, 1e30, F32_MAX, np.inf, 1.4e-45, 2.0**-149])
    rng = np.random.default_rng(7)
    pos = np.concatenate([np.linspace(0.0, 16.0, 500_001, dtype=np.float32), tiny, runs, specials])
    return np.concatenate([pos, -pos, (3 * rng.standard_normal(300_000)).astype(np.float32)])


def test_z_ndtr32_within_4_2_ulp_of_float64():
    z = f32_grid()
    got = special.z_ndtr32(z)
    assert got.dtype == np.float32 and got.shape == z.shape
    z64 = z.astype(np.float64)
    with np.errstate(invalid="ignore"):  # inf * 1
        ref = np.where(np.isinf(z64), np.maximum(z64, 0.0), z64 * special.ndtr(z64))
    err = f32_ulps(got, ref)
    assert err.max() <= 4.2, (err.max(), z[err.argmax()])  # every float32: 4.19 at z = -1.8415
    assert err[z >= 0].max() <= 3.0  # every float32: 2.91
    subnormal = np.abs(ref) < np.finfo(np.float32).tiny
    assert err[subnormal].max() <= 1.9  # every float32: 1.87
    assert np.all(got[z == np.inf] == np.inf) and np.all(got[z == -np.inf] == 0.0)


def test_z_norm_pdf32_within_3_ulp_of_float64():
    z = f32_grid()
    got = special.z_norm_pdf32(z)
    assert got.dtype == np.float32
    z64 = z.astype(np.float64)
    ref = np.where(np.isinf(z64), 0.0, z64 * special.norm_pdf(np.where(np.isinf(z64), 0.0, z64)))
    err = f32_ulps(got, ref)
    assert err.max() <= 2.93, (err.max(), z[err.argmax()])  # every float32: 2.92 at z = 3.4326
    np.testing.assert_array_equal(special.z_norm_pdf32_clipped(np.clip(z, -16, 16)), got)


def test_float32_kernels_specials_no_warnings_no_mutation():
    z = np.float32([np.nan, np.inf, -np.inf, F32_MAX, -F32_MAX, 0.0, -0.0, 1.4e-45, -1.4e-45, 1.0])
    before = z.copy()
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        a, d = special.z_ndtr32(z), special.z_norm_pdf32(z)
    np.testing.assert_array_equal(z, before)
    np.testing.assert_array_equal(a[:7], [np.nan, np.inf, 0, F32_MAX, 0, 0, 0])
    assert a[7] in (0.0, np.float32(1.4e-45)) and a[8] in (0.0, -np.float32(1.4e-45))  # 0.5 ulp ties
    assert f32_ulps(a[9], NORMAL.cdf(1.0)) <= 1.0
    np.testing.assert_array_equal(d[:9], [np.nan, 0, 0, 0, 0, 0, 0, 0, 0])
    assert math.copysign(1.0, special.z_ndtr32(np.float32([-0.0]))[0]) == -1.0


def test_float32_kernels_scalars_shapes_and_layouts():
    assert isinstance(special.z_ndtr32(0.5), np.float32) and isinstance(special.z_norm_pdf32(2), np.float32)
    assert special.z_ndtr32(np.array(0.5)) == special.z_ndtr32(np.float32([0.5]))[0]
    assert special.z_ndtr32(np.array([], np.float32)).shape == (0,)
    x = np.random.default_rng(3).standard_normal((40, 30)).astype(np.float32)
    for fn in (special.z_ndtr32, special.z_norm_pdf32):
        full = fn(x)
        np.testing.assert_array_equal(fn(x[:, ::3]), full[:, ::3])
        np.testing.assert_array_equal(fn(x.T), full.T)
        np.testing.assert_array_equal(fn(x.astype(np.float64)), full)  # float64 in: rounded first
    with pytest.raises(TypeError):
        special.z_ndtr32(np.array([1j]))


def test_float32_kernel_coefficients_meet_their_stated_errors():
    """The polynomial and rational behind the kernels, evaluated in float64: 2^f within
    0.3 * 2^-24 on |f| <= 1/2, the scaled Mills ratio Phi(-x) exp(x^2/2) within 0.2 * 2^-24 on
    [0, 15] (the rounding of the float32 arithmetic comes on top: see the ulp tests)."""
    u = 2.0**-24
    f = np.linspace(-0.5, 0.5, 100_001)
    p = np.polynomial.polynomial.polyval(f, (0.0,) + special._EXP2M1)
    assert np.max(np.abs((1.0 + p) / np.exp2(f) - 1.0)) <= 0.3 * u
    x = np.linspace(0.0, 15.0, 150_001)
    c = special._MILLS_C
    n = np.polynomial.polynomial.polyval(x, special._MILLS_N)
    d = np.polynomial.polynomial.polyval(x, special._MILLS_D + (1.0,))
    approx = (c + x * n / d) / (x + 2 * c)
    exact = special.ndtr(-x) * np.exp(0.5 * x * x)
    assert np.max(np.abs(approx / exact - 1.0)) <= 0.2 * u
    assert c == np.float32(1 / math.sqrt(2 * math.pi))
