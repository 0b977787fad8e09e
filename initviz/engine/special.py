"""Vectorized special functions in pure numpy: erf, erfc, the normal CDF, its inverse and pdf.

erf/erfc are a port of the piecewise rational approximations of fdlibm ``s_erf.c``
(Sun Microsystems 1993, as carried by FreeBSD msun and Go's ``math/erf.go``); the
coefficients below are copied from there.  ``ndtri`` uses Peter J. Acklam's rational
approximation of the normal quantile refined by one Halley step.

All functions accept numpy arrays or Python scalars, compute in float64 and return
the input's floating dtype (float32 stays float32; non-float input gives float64).
A 0-d input gives a numpy scalar.

``z_ndtr32`` and ``z_norm_pdf32`` are float32 array kernels for the exact GELU and its
derivative: a fixed sequence of whole-array operations (no masks, no gathers), mostly in place,
accurate to a few float32 ulp over the whole float32 range.
"""

import numpy as np

__all__ = ["erf", "erfc", "ndtr", "ndtri", "norm_pdf", "z_ndtr32", "z_norm_pdf32", "z_norm_pdf32_clipped"]

# --- fdlibm s_erf.c coefficients (polynomials in ascending powers) ------------------
_ERX = 8.45062911510467529297e-01  # erf(1) rounded to single precision
_EFX = 1.28379167095512586316e-01  # 2/sqrt(pi) - 1
# |x| < 0.84375: erf(x) = x + x * PP(x^2) / QQ(x^2)
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02,
       5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06)
# 0.84375 <= |x| < 1.25: erf(x) = erx + PA(s) / QA(s), s = |x| - 1
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
# 1.25 <= |x| < 1/0.35: erfc(x) = exp(-x^2 - 0.5625 + RA(s)/SA(s)) / x, s = 1/x^2
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
# 1/0.35 <= |x| < 28: same form with RB/SB
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)
_HI_WORD = np.uint64(0xFFFFFFFF00000000)  # keeps sign, exponent and 20 mantissa bits

# --- Acklam's inverse-normal coefficients (highest power first, as published) -------
_ACK_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
          1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACK_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
          6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ACK_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
          -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACK_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
          3.754408661907416e+00, 1.0)
_ACK_PLOW = 0.02425
_TINY = np.finfo(np.float64).tiny  # smallest normal float64

_CHUNK = 1 << 16  # elements per block in _apply (keeps temporaries in cache)
_SQRT1_2 = 0.70710678118654752440  # 1/sqrt(2)
_SQRT_2PI = 2.50662827463100050242  # sqrt(2*pi)


def _poly(z, coeffs):
    """Horner evaluation of sum(coeffs[k] * z**k) (ascending coefficients), in place."""
    r = z * coeffs[-1]
    r += coeffs[-2]
    for c in coeffs[-3::-1]:
        r *= z
        r += c
    return r


def _fill(out, src, mask, fn):
    """out[mask] = fn(src[mask]), skipping the gather/scatter if the mask covers everything.

    Integer indices (take / fancy assignment) are several times faster than boolean ones.
    """
    idx = np.flatnonzero(mask)
    if idx.size == mask.size:
        out[...] = fn(src)
    elif idx.size:
        out[idx] = fn(src.take(idx))


def _apply(core, x):
    """Run a float64 1-d core on x; restore shape and floating dtype, silence fp warnings."""
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        dtype = arr.dtype
    elif arr.dtype.kind in "biu":
        dtype = np.dtype(np.float64)
    else:
        raise TypeError(f"expected real numbers, got dtype {arr.dtype}")
    flat = np.ascontiguousarray(arr).ravel()
    out = np.empty(flat.shape, dtype)
    with np.errstate(all="ignore"):
        for i in range(0, flat.size, _CHUNK):  # cache-sized blocks: ~2-3x faster
            out[i:i + _CHUNK] = core(flat[i:i + _CHUNK].astype(np.float64))
    out = out.reshape(arr.shape)
    return out[()] if out.ndim == 0 else out


# --- erf / erfc pieces; a = |x| (or signed x where noted), float64 1-d ---------------
def _small_y(a):  # |x| < 0.84375: erf(x) = x + x*y
    z = a * a
    y = _poly(z, _PP) / _poly(z, _QQ)
    y[a < 2.0 ** -28] = _EFX  # fdlibm: erf(x) = x + efx*x for tiny x
    return y


def _erf_small(a):
    b = 8.0 * a  # scaled by 8 so x*y keeps precision for subnormal x (exact otherwise)
    return 0.125 * (b + b * _small_y(a))


def _erf_mid(a):  # 0.84375 <= |x| < 1.25: P/Q with erf(x) = erx + P/Q
    s = a - 1.0
    return _poly(s, _PA) / _poly(s, _QA)


def _erfc_tail(a, x=None):
    """erfc(a) for 1.25 <= a < 28.  If x is given (a = |x|/sqrt(2) rounded), the factor
    exp(-a^2) is computed as exp(-x^2/2) from x itself, so the rounding of a does not
    get amplified by 2*a^2 (used by ndtr)."""
    s = 1.0 / (a * a)
    rs = np.empty_like(a)
    near = a < 1.0 / 0.35
    _fill(rs, s, near, lambda t: _poly(t, _RA) / _poly(t, _SA))
    _fill(rs, s, ~near, lambda t: _poly(t, _RB) / _poly(t, _SB))
    w, c = (a, 1.0) if x is None else (np.abs(x), 0.5)
    z = (w.view(np.uint64) & _HI_WORD).view(np.float64)  # c*z*z + 0.5625 is exact
    return np.exp(-c * z * z - 0.5625) * np.exp(c * (z - w) * (z + w) + rs) / a


def _erf64(x):
    a = np.abs(x)
    out = np.minimum(a, 1.0)  # 1 for |x| >= 6 (incl. inf), NaN stays NaN
    _fill(out, a, a < 0.84375, _erf_small)
    _fill(out, a, (a >= 0.84375) & (a < 1.25), lambda t: _ERX + _erf_mid(t))
    _fill(out, a, (a >= 1.25) & (a < 6.0), lambda t: 1.0 - _erfc_tail(t))
    return np.copysign(out, x, out=out)


def _erfc_small(x):  # signed x, |x| < 0.84375
    xy = x * _small_y(np.abs(x))
    return np.where(x < 0.25, 1.0 - (x + xy), 0.5 - (xy + (x - 0.5)))


def _erfc_mid(x):  # signed x, 0.84375 <= |x| < 1.25
    pq = _erf_mid(np.abs(x))
    return np.where(x > 0, (1.0 - _ERX) - pq, 1.0 + (_ERX + pq))


def _erfc_big(x):  # signed x, 1.25 <= |x| < 28
    r = _erfc_tail(np.abs(x))
    return np.where(x > 0, r, 2.0 - r)


def _erfc64(x):
    a = np.abs(x)
    out = np.where(x < 0, 2.0, 0.0)  # |x| >= 28 (incl. inf)
    np.copyto(out, x, where=np.isnan(x))
    _fill(out, x, a < 0.84375, _erfc_small)
    _fill(out, x, (a >= 0.84375) & (a < 1.25), _erfc_mid)
    _fill(out, x, (a >= 1.25) & (a < 28.0), _erfc_big)
    return out


def _ndtr64(x):
    t = -x * _SQRT1_2
    out = np.empty_like(x)
    tail = (t >= 1.25) & (t < 28.0)  # Phi(x) = erfc(t)/2 small: use the exact-square tail
    _fill(out, t, ~tail, lambda v: 0.5 * _erfc64(v))
    _fill(out, x, tail, lambda v: 0.5 * _erfc_tail(-v * _SQRT1_2, v))
    return out


# --- inverse normal CDF ----------------------------------------------------------------
def _halley(x, e):
    """One Halley step for Phi(x) = p given e = Phi(x) - p."""
    h = np.exp(0.25 * x * x)  # exp(x^2/2) = h*h without overflow for |x| < 38.6
    u = (e * _SQRT_2PI * h) * h  # e / pdf(x)
    step = u / (1.0 + 0.5 * x * u)
    return np.where(np.isfinite(step), x - step, x)


def _ndtri_central(p):  # 0.02425 <= p <= 0.97575; q = p - 0.5 is exact
    q = p - 0.5
    r = q * q
    x = q * _poly(r, _ACK_A[::-1]) / _poly(r, _ACK_B[::-1])
    return _halley(x, 0.5 * _erf64(x * _SQRT1_2) - q)


def _ndtri_tail(p):  # 0 < p < 0.02425 or 0.97575 < p < 1; 1 - p is exact for p > 0.5
    lower = p < 0.5
    pt = np.where(lower, p, 1.0 - p)
    q = np.sqrt(-2.0 * np.log(pt))
    x = _poly(q, _ACK_C[::-1]) / _poly(q, _ACK_D[::-1])  # x < 0
    # For subnormal pt, Phi(x) is too coarsely quantized for the step: keep Acklam (< 2e-9).
    x = np.where(pt >= _TINY, _halley(x, _ndtr64(x) - pt), x)
    return np.where(lower, x, -x)


def _ndtri64(p):
    out = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, np.nan))
    central = (p >= _ACK_PLOW) & (p <= 1.0 - _ACK_PLOW)
    _fill(out, p, central, _ndtri_central)
    _fill(out, p, (p > 0) & (p < 1) & ~central, _ndtri_tail)
    return out


# --- public API ---------------------------------------------------------------------------
def erf(x):
    """Error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise.

    Port of fdlibm s_erf.c (FreeBSD msun / Go math.Erf); errors below ~1 ulp in float64.
    erf(+-inf) = +-1, NaN propagates.
    """
    return _apply(_erf64, x)


def erfc(x):
    """Complementary error function erfc(x) = 1 - erf(x), accurate in the tail.

    Port of fdlibm s_erf.c (FreeBSD msun / Go math.Erfc). erfc(inf) = 0,
    erfc(-inf) = 2, NaN propagates; underflows to 0 for x > ~26.6.
    """
    return _apply(_erfc64, x)


def ndtr(x):
    """Standard normal CDF Phi(x) = 0.5 * erfc(-x / sqrt(2)), via the fdlibm erfc port.

    For x < -1.77 the exp(-x^2/2) factor is formed from x directly (not from the rounded
    x/sqrt(2)), keeping the relative error small deep in the lower tail.
    """
    return _apply(_ndtr64, x)


def ndtri(p):
    """Inverse standard normal CDF: x with Phi(x) = p.

    Acklam's rational approximation (rel. error 1.15e-9) followed by one Halley step
    x -= u / (1 + x*u/2), u = (Phi(x) - p) / pdf(x), with Phi from the erf/erfc port
    (central region: Phi(x) - p = erf(x/sqrt(2))/2 - (p - 1/2); tails use min(p, 1 - p)).
    ndtri(0) = -inf, ndtri(1) = inf, NaN outside [0, 1]. For subnormal p (or 1 - p)
    the unrefined Acklam value is returned (relative error < 2e-9).
    """
    return _apply(_ndtri64, p)


def norm_pdf(x):
    """Standard normal density exp(-x^2 / 2) / sqrt(2*pi)."""
    return _apply(lambda t: np.exp(-0.5 * t * t) / _SQRT_2PI, x)


# --- float32 kernels -----------------------------------------------------------------------
# exp(-x^2/2) = 2^n * 2^f: y = -x^2*log2(e)/2 is formed in float64 (x^2 is exact there), so n =
# rint(y) and f = y - n in [-1/2, 1/2] carry no rounding of x^2 into the result; 2^n is built
# from exponent bits as 2^(n + 64) (normal for |x| <= X32_CLIP) and the 2^-64 goes into a
# constant factor, so results that underflow are rounded once, at the last product.
X32_CLIP = 16.0  # exp(-x^2/2) underflows float32 (even times x) from |x| ~ 14.4: clip inf here
_LOG2E_HALF = 0.72134752044448170368  # log2(e)/2
_POW2_BIAS = 127 + 64
_2M64 = 2.0**-64
# 2^f - 1 = f*(A1 + f*(A2 + ... + f*A6)) on |f| <= 1/2 (the form of Cephes' exp2f). Fitted for
# this module: minimax in the relative error of 2^f (Lawson-weighted least squares on 20001
# Chebyshev points), coefficients rounded to float32 one at a time from the highest, the lower
# ones refitted each time; error in exact arithmetic 0.26 * 2^-24.
_EXP2M1 = (0.6931471824645996, 0.24022646248340607, 0.05550328642129898,
           0.009618489071726799, 0.0013399930903688073, 0.00015345810970757157)
# Scaled Mills ratio R(x) = Phi(-x) * exp(x^2/2) = (c + x*N(x)/D(x)) / (x + 2c), c = 1/sqrt(2 pi)
# rounded to float32. c/(x + 2c) has R's value 1/2 at 0 and its asymptote c/x; the rational
# closes the remaining gap (at most 18.5 %), so its rounding errors reach R damped at least
# 5-fold. N cubic, D monic quintic, all coefficients positive (Horner is stable for x >= 0).
# Fitted for this module on [0, 15]: minimax of |x*N/D - (R*(x + 2c) - c)| / (c + eps) by Lawson
# iteration on the linearized problem, float32 rounding one coefficient at a time (highest first,
# rest refitted); error in exact arithmetic 0.14 * 2^-24 relative to R.
_MILLS_C = 0.3989422917366028  # float32(1/sqrt(2*pi))
_MILLS_N = (12.72400188446045, 8.18775749206543, 2.394918918609619, 0.31828758120536804)
_MILLS_D = (70.0312728881836, 121.95052337646484, 91.59489440917969, 37.785057067871094,
            8.773887634277344)


# the same constants as float32 scalars, 2^-64 folded in where the note above says
_F32 = np.float32
_EXP2M1_32 = tuple(_F32(c) for c in _EXP2M1)
_MILLS_N_32 = tuple(_F32(c * _2M64) for c in _MILLS_N)  # exact: 2^-64 only shifts the exponent
_MILLS_D_32 = tuple(_F32(c) for c in _MILLS_D)
_MILLS_C_32, _MILLS_2C_32 = _F32(_MILLS_C * _2M64), _F32(2.0 * _MILLS_C)
_ZERO_32, _CLIP_32 = _F32(0.0), _F32(X32_CLIP)


def _exp2_split(x):
    """(f, pow2) with exp(-x^2/2) = 2^-64 * pow2 * 2^f, |f| <= 1/2, pow2 = 2^(n+64) exactly.

    x: float32, |x| <= X32_CLIP (NaN gives NaN in f)."""
    y = x.astype(np.float64)
    np.multiply(y, y, out=y)
    y *= -_LOG2E_HALF
    n = np.rint(y)
    y -= n
    f = y.astype(np.float32)
    bits = n.astype(np.int32)  # NaN casts to garbage here; f is NaN, so the product is NaN
    bits += _POW2_BIAS
    bits <<= 23
    return f, bits.view(np.float32)


def _exp2m1(f):
    """2^f - 1 for float32 |f| <= 1/2, in one new array."""
    q = f * _EXP2M1_32[5]
    for c in _EXP2M1_32[4::-1]:
        q += c
        q *= f
    return q


def _mills_num(x):
    """(c + x*N(x)/D(x)) * 2^-64 for float32 0 <= x <= X32_CLIP: R(x)*(x + 2c)*2^-64."""
    num = x * _MILLS_N_32[3]
    for c in _MILLS_N_32[2::-1]:
        num += c
        num *= x
    den = x + _MILLS_D_32[4]
    for c in _MILLS_D_32[3::-1]:
        den *= x
        den += c
    num /= den
    num += _MILLS_C_32
    return num


def _f32_kernel(kernel):
    """Let a float32 array kernel take any real array or scalar: converted to float32 (no copy
    for a float32 array), 0-d in -> numpy scalar out, like the float64 functions."""
    def run(z):
        arr = np.asarray(z)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"expected real numbers, got dtype {arr.dtype}")
        arr = arr.astype(np.float32, copy=False)
        return kernel(arr.reshape(1))[0] if arr.ndim == 0 else kernel(arr)
    run.__name__, run.__qualname__, run.__doc__ = kernel.__name__, kernel.__qualname__, kernel.__doc__
    return run


@_f32_kernel
def z_ndtr32(z):
    """z * Phi(z) for a float32 array, Phi the standard normal CDF (the exact GELU).

    Computed as max(z, 0) - x Phi(-x), x = |z|, which cancels on neither side, with
    Phi(-x) = exp(-x^2/2) R(x), R(x) = (c + x N(x)/D(x)) / (x + 2c), c = 1/sqrt(2 pi)
    (coefficients: _MILLS_N, _MILLS_D), and exp(-x^2/2) = 2^n 2^f split exactly
    (``_exp2_split``, polynomial _EXP2M1); x Phi(-x) = W + (2^f - 1) W with
    W = 2^n x/(x + 2c) (c + x N/D), so the polynomial's rounding enters damped.
    Error against float64 z * ndtr(z), checked for every float32 z: at most 4.2 ulp (4.19 at
    z = -1.8415; 2.9 for z >= 0); where the result is subnormal (z < -13.1), 1.9 units of the
    smallest subnormal. +-inf gives +inf / 0, NaN gives NaN, no floating-point warnings.
    """
    with np.errstate(under="ignore", invalid="ignore"):
        x = np.abs(z)
        np.clip(x, _ZERO_32, _CLIP_32, out=x)  # x Phi(-x) underflows from 14.4 on
        f, pow2 = _exp2_split(x)
        tail = _exp2m1(f)
        num = _mills_num(x)
        w = np.add(x, _MILLS_2C_32, out=f)  # f is used up
        np.divide(x, w, out=w)  # x / (x + 2c)
        w *= pow2  # exact
        w *= num
        tail *= w
        tail += w  # x Phi(-x)
        out = np.clip(z, _ZERO_32, _F32(np.inf), out=x)
        out -= tail
    return out


@_f32_kernel
def z_norm_pdf32(z):
    """z * exp(-z^2/2) / sqrt(2 pi) for a float32 array (the second term of the GELU
    derivative), from the same exact exponent split as ``z_ndtr32``: at most 2.93 float32 ulp
    (every float32 checked). |z| beyond 16 (inf included) gives +-0; NaN gives NaN; no
    floating-point warnings."""
    return z_norm_pdf32_clipped(np.clip(z, -_CLIP_32, _CLIP_32))


@_f32_kernel
def z_norm_pdf32_clipped(z):
    """``z_norm_pdf32`` for float32 z already clipped to +-X32_CLIP (z is not modified)."""
    with np.errstate(under="ignore", invalid="ignore"):
        f, pow2 = _exp2_split(z)
        q = _exp2m1(f)
        g = np.multiply(z, pow2, out=pow2)  # exact
        q *= g
        q += g
        q *= _MILLS_C_32  # the only rounding into the subnormal range
    return q
