"""Parity with PyTorch: autograd gradients, torch.nn.init distributions, calculate_gain.

torch is never a dependency of initviz; this module is skipped when it is not installed.
Run it from a venv that has the CPU wheel (FACTS.md: ``pip install torch==2.13.0``).

Layout: initviz's ``W`` is (fan_in, fan_out) with ``z = a_prev @ W + b``; torch stores the
(out, in) transpose, so every torch weight is transposed before comparing. Random streams
differ between the two, so schemes are compared by distribution (bounds, mean, std, a
two-sample Kolmogorov–Smirnov test), never draw by draw (REFERENCE.md).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import initviz  # noqa: E402
from initviz.engine import activations, initializers  # noqa: E402

pytestmark = pytest.mark.torch

# numpy's OpenBLAS and torch's OpenMP pools fight on few cores (FACTS.md).
torch.set_num_threads(1)


# --- 1. forward values and gradients against autograd -------------------------------------

LECUN_TANH_SCALE = 1.7159


def torch_activation(spec):
    """torch's version of an activation spec, built from the spec itself (torch's defaults
    for omitted parameters), not from initviz's resolution of it."""
    name, kw = (spec, {}) if isinstance(spec, str) else (spec["name"], {k: v for k, v in spec.items() if k != "name"})
    table = {
        "identity": lambda z: z,
        "linear": lambda z: z,
        "relu": F.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, **kw),
        "elu": lambda z: F.elu(z, **kw),
        "selu": F.selu,
        "gelu": lambda z: F.gelu(z, **kw),
        "silu": F.silu,
        "swish": F.silu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "softplus": F.softplus,  # linear above z = 20 (threshold); the nets below stay far from it
        "lecun_tanh": lambda z: LECUN_TANH_SCALE * torch.tanh(2.0 * z / 3.0),
    }
    return table[name]


ACTIVATION_SPECS = [
    "identity", "linear", "relu", "leaky_relu", {"name": "leaky_relu", "negative_slope": 0.2},
    "elu", {"name": "elu", "alpha": 0.7}, "selu", "gelu", {"name": "gelu", "approximate": "tanh"},
    "silu", "swish", "tanh", "sigmoid", "softplus", "lecun_tanh",
]


def spec_id(spec):
    return spec if isinstance(spec, str) else "-".join(str(v) for v in spec.values())


def experiment(layers, dtype="float64", features=7, batch=9, seed=11, distribution="normal"):
    return {"dtype": dtype, "seed": seed, "input": {"features": features, "batch": batch, "distribution": distribution},
            "layers": layers}


def torch_run(result, specs):
    """Rebuild the net in torch from initviz's drawn x, t, W, b; run autograd on the MSE loss."""
    x, t = torch.from_numpy(result.x), torch.from_numpy(result.t)
    Ws, bs, zs, acts = [], [], [], []
    a = x
    for layer, spec in zip(result.layers, specs):
        W = torch.from_numpy(layer.W.copy()).requires_grad_()
        b = torch.from_numpy(layer.b.copy()).requires_grad_()
        z = a @ W + b
        z.retain_grad()
        a = torch_activation(spec)(z)
        a.retain_grad()
        Ws.append(W), bs.append(b), zs.append(z), acts.append(a)
    loss = F.mse_loss(a, t)  # mean((a_last - t)²)
    loss.backward()
    return loss, Ws, bs, zs, acts


def assert_close(ours, theirs, what, rtol, atol_frac):
    """Relative agreement, with an absolute floor ``atol_frac·max|torch|`` (sums in a different
    order leave ~1e-15·max|x| of cancellation noise in near-zero float64 entries)."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} vs torch {theirs.dtype}"
    scale = float(np.max(np.abs(theirs))) if theirs.size else 0.0
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol_frac * scale, err_msg=what)


def check_parity(exp, specs, rtol=1e-10, atol_frac=1e-12):
    result = initviz.simulate(exp)
    loss, Ws, bs, zs, acts = torch_run(result, specs)
    assert_close(result.loss, loss, "loss", rtol, atol_frac)
    for i, (layer, W, b, z, a) in enumerate(zip(result.layers, Ws, bs, zs, acts)):
        where = f"layer {i} ({spec_id(specs[i])})"
        assert_close(layer.z, z, f"{where} z", rtol, atol_frac)
        assert_close(layer.a, a, f"{where} a", rtol, atol_frac)
        assert_close(layer.da, a.grad, f"{where} da = ∂L/∂a", rtol, atol_frac)
        assert_close(layer.dz, z.grad, f"{where} dz = ∂L/∂z", rtol, atol_frac)
        assert_close(layer.dW, W.grad, f"{where} dW", rtol, atol_frac)
        assert_close(layer.db, b.grad, f"{where} db", rtol, atol_frac)


@pytest.mark.parametrize("spec", ACTIVATION_SPECS, ids=spec_id)
def test_gradients_match_autograd(spec):
    """Three layers of one activation (then a tanh head), several schemes, non-zero biases."""
    bias = {"name": "normal", "std": 0.3}
    layers = [
        {"units": 6, "activation": spec, "init": {"name": "xavier_normal", "gain": 1.5}, "bias": bias},
        {"units": 5, "activation": spec, "init": "kaiming_uniform", "bias": bias},
        {"units": 8, "activation": spec, "init": "orthogonal", "bias": {"name": "uniform", "a": -0.5, "b": 0.5}},
        {"units": 4, "activation": "tanh", "init": "lecun_normal", "bias": bias},
    ]
    check_parity(experiment(layers), [layer["activation"] for layer in layers])


@pytest.mark.parametrize("spec", ACTIVATION_SPECS, ids=spec_id)
def test_gradients_match_autograd_as_output_layer(spec):
    """The activation on the last layer, where da comes straight from the loss."""
    layers = [
        {"units": 5, "activation": "tanh", "init": "xavier_uniform", "bias": {"name": "normal", "std": 0.1}},
        {"units": 3, "activation": spec, "init": {"name": "normal", "std": 1.0}, "bias": {"name": "normal", "std": 0.5}},
    ]
    check_parity(experiment(layers, features=4, batch=6, seed=5), [layer["activation"] for layer in layers])


def test_gradients_match_autograd_deep_mixed_stack():
    """Every activation in one deep stack, uneven widths, uniform input, batch of one row too."""
    widths = [9, 4, 7, 12, 3, 6, 5, 10, 8, 6, 7, 5, 4, 9, 6, 3]
    specs = ACTIVATION_SPECS[::-1]
    layers = [{"units": w, "activation": s, "init": {"name": "xavier_normal", "gain": "auto"},
               "bias": {"name": "normal", "std": 0.2}} for w, s in zip(widths, specs)]
    check_parity(experiment(layers, features=11, batch=13, seed=2, distribution="uniform"), specs)
    check_parity(experiment(layers, features=11, batch=1, seed=3), specs)


def test_gradients_match_autograd_single_layer():
    layers = [{"units": 3, "activation": "sigmoid", "init": "torch_default", "bias": "torch_default"}]
    check_parity(experiment(layers, features=5, batch=4), ["sigmoid"])


def test_gradients_match_autograd_float32():
    """float32 stays float32 in both; values agree to float32 precision."""
    specs = ["tanh", {"name": "gelu", "approximate": "none"}, "silu", {"name": "elu", "alpha": 0.5}, "sigmoid"]
    layers = [{"units": 16, "activation": s, "init": "xavier_uniform", "bias": {"name": "normal", "std": 0.1}}
              for s in specs]
    check_parity(experiment(layers, dtype="float32", features=20, batch=32), specs, rtol=1e-4, atol_frac=1e-5)


# --- 2. scheme distributions against torch.nn.init ----------------------------------------

FAN_IN, FAN_OUT = 300, 400  # unequal, so a swapped layout changes He and the sparse zeros
KS_ALPHA = 1e-6  # false-alarm rate per comparison; seeds are fixed, so the suite is deterministic


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov–Smirnov D = sup |F_a − F_b| (exact with ties and atoms)."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, side="right") / a.size
                                - np.searchsorted(b, grid, side="right") / b.size)))


def ks_critical(n: int, m: int, alpha: float = KS_ALPHA) -> float:
    return math.sqrt(-0.5 * math.log(alpha / 2)) * math.sqrt((n + m) / (n * m))


def std_tolerance(sample: np.ndarray) -> float:
    """6 standard errors of the difference of two sample stds, relative (SE of a std is
    √((κ − 1)/(4n)) relative, κ the kurtosis)."""
    c = sample - sample.mean()
    m2 = np.mean(c * c)
    kurt = np.mean(c**4) / m2**2 if m2 > 0 else 1.0
    return 6.0 * math.sqrt(2.0) * math.sqrt(max(kurt - 1.0, 1e-3) / (4 * sample.size))


def uniform_support(low, high):
    return low, high, 1.0 / (high - low), 1.0 / (high - low)


def trunc_support(mean, std, a, b):
    """Support [a, b] and the density at each end, for the edge tolerance."""
    phi = lambda u: math.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda u: 0.5 * math.erfc(-u / math.sqrt(2))  # noqa: E731
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = cdf(beta) - cdf(alpha)
    return a, b, phi(alpha) / (std * z), phi(beta) / (std * z)


def _kaiming(fn, **kw):
    return lambda w: fn(w, **kw)


# (id, initviz name, initviz params, activation gain of the layer, torch init on the (out, in) tensor,
#  support (low, high, density at low, density at high) or None for unbounded laws)
XU = math.sqrt(6.0 / (FAN_IN + FAN_OUT))
nn_init = torch.nn.init
SCHEME_CASES = [
    ("xavier_uniform", "xavier_uniform", {}, 1.0, nn_init.xavier_uniform_, uniform_support(-XU, XU)),
    ("xavier_uniform-gain", "xavier_uniform", {"gain": 5 / 3}, 1.0, lambda w: nn_init.xavier_uniform_(w, gain=5 / 3),
     uniform_support(-5 / 3 * XU, 5 / 3 * XU)),
    ("xavier_uniform-auto-tanh", "xavier_uniform", {"gain": "auto"}, 5 / 3,
     lambda w: nn_init.xavier_uniform_(w, gain=nn_init.calculate_gain("tanh")), uniform_support(-5 / 3 * XU, 5 / 3 * XU)),
    ("xavier_normal", "xavier_normal", {}, 1.0, nn_init.xavier_normal_, None),
    ("xavier_normal-gain", "xavier_normal", {"gain": 0.5}, 1.0, lambda w: nn_init.xavier_normal_(w, gain=0.5), None),
    ("glorot_uniform-alias", "glorot_uniform", {}, 1.0, nn_init.xavier_uniform_, uniform_support(-XU, XU)),
]
for _dist, _fn in (("uniform", nn_init.kaiming_uniform_), ("normal", nn_init.kaiming_normal_)):
    for _mode in ("fan_in", "fan_out"):
        _fan = FAN_IN if _mode == "fan_in" else FAN_OUT
        for _nl, _a in (("relu", 0.0), ("leaky_relu", 0.0), ("leaky_relu", 0.2)):
            _bound = math.sqrt(3.0) * nn_init.calculate_gain(_nl, _a) / math.sqrt(_fan)
            SCHEME_CASES.append((
                f"kaiming_{_dist}-{_mode}-{_nl}-a{_a}", f"kaiming_{_dist}", {"mode": _mode, "nonlinearity": _nl, "a": _a},
                1.0, _kaiming(_fn, a=_a, mode=_mode, nonlinearity=_nl),
                uniform_support(-_bound, _bound) if _dist == "uniform" else None))
_HE = math.sqrt(3.0) * math.sqrt(2.0) / math.sqrt(FAN_IN)
SCHEME_CASES += [
    ("kaiming_uniform-defaults", "kaiming_uniform", {}, 1.0, nn_init.kaiming_uniform_, uniform_support(-_HE, _HE)),
    ("kaiming_normal-defaults", "kaiming_normal", {}, 1.0, nn_init.kaiming_normal_, None),
    ("he_uniform-alias", "he_uniform", {}, 1.0, _kaiming(nn_init.kaiming_uniform_, nonlinearity="relu"),
     uniform_support(-_HE, _HE)),
    ("he_normal-alias", "he_normal", {}, 1.0, _kaiming(nn_init.kaiming_normal_, nonlinearity="relu"), None),
    ("kaiming_normal-auto-selu", "kaiming_normal", {"nonlinearity": "auto"}, 0.75,
     _kaiming(nn_init.kaiming_normal_, nonlinearity="selu"), None),
    ("kaiming_normal-fan_out-tanh", "kaiming_normal", {"mode": "fan_out", "nonlinearity": "tanh"}, 1.0,
     _kaiming(nn_init.kaiming_normal_, mode="fan_out", nonlinearity="tanh"), None),
    ("trunc_normal-defaults", "trunc_normal", {}, 1.0, nn_init.trunc_normal_, trunc_support(0.0, 1.0, -2.0, 2.0)),
    ("trunc_normal-shifted", "trunc_normal", {"mean": 1.0, "std": 0.5, "a": 0.8, "b": 3.0}, 1.0,
     lambda w: nn_init.trunc_normal_(w, mean=1.0, std=0.5, a=0.8, b=3.0), trunc_support(1.0, 0.5, 0.8, 3.0)),
    ("trunc_normal-one-sided-tail", "trunc_normal", {"mean": 0.0, "std": 1.0, "a": 1.0, "b": 4.0}, 1.0,
     lambda w: nn_init.trunc_normal_(w, mean=0.0, std=1.0, a=1.0, b=4.0), trunc_support(0.0, 1.0, 1.0, 4.0)),
    ("uniform-defaults", "uniform", {}, 1.0, nn_init.uniform_, uniform_support(0.0, 1.0)),
    ("uniform", "uniform", {"a": -0.5, "b": 1.5}, 1.0, lambda w: nn_init.uniform_(w, a=-0.5, b=1.5),
     uniform_support(-0.5, 1.5)),
    ("normal-defaults", "normal", {}, 1.0, nn_init.normal_, None),
    ("normal", "normal", {"mean": 0.3, "std": 2.0}, 1.0, lambda w: nn_init.normal_(w, mean=0.3, std=2.0), None),
    ("orthogonal-gain2", "orthogonal", {"gain": 2.0}, 1.0, lambda w: nn_init.orthogonal_(w, gain=2.0), (-2.0, 2.0, 0, 0)),
    ("sparse", "sparse", {"sparsity": 0.3, "std": 0.02}, 1.0, lambda w: nn_init.sparse_(w, sparsity=0.3, std=0.02), None),
]


def sample_pair(name, params, gain, torch_init, fan_in=FAN_IN, fan_out=FAN_OUT, seed=0):
    """(ours (fan_in, fan_out), torch's weight transposed to (fan_in, fan_out), law promised by initviz)."""
    scheme, p = initializers.resolve(name, params)
    ctx = initializers.Context(fan_in, fan_out, gain)
    ours = scheme.sample(np.random.default_rng(seed), (fan_in, fan_out), p, ctx)
    torch.manual_seed(seed)
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch_init(w)
    return ours, w.numpy().T.copy(), scheme.law(p, ctx)


def check_same_distribution(ours, theirs, law, support, what):
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    assert np.all(np.isfinite(ours)), f"{what}: non-finite values"
    n = theirs.size
    o_mean, t_mean, o_std, t_std = ours.mean(), theirs.mean(), ours.std(), theirs.std()
    stats = (f"{what}: initviz mean {o_mean:.6g} std {o_std:.6g} min {ours.min():.6g} max {ours.max():.6g}; "
             f"torch mean {t_mean:.6g} std {t_std:.6g} min {theirs.min():.6g} max {theirs.max():.6g}; "
             f"initviz law mean {law.expectation():.6g} std {math.sqrt(law.variance()):.6g}")
    # spread: the two samples, and initviz's promised law against torch's sample
    tol = std_tolerance(theirs)
    assert abs(o_std / t_std - 1) < tol, f"std differs beyond sampling tolerance {tol:.3g}: {stats}"
    assert abs(math.sqrt(law.variance()) / t_std - 1) < tol, f"law std vs torch sample: {stats}"
    mean_tol = 6.0 * math.sqrt(2.0 / n) * t_std
    assert abs(o_mean - t_mean) < mean_tol, f"mean differs beyond {mean_tol:.3g}: {stats}"
    assert abs(law.expectation() - t_mean) < mean_tol, f"law mean vs torch sample: {stats}"
    # shape of the whole distribution
    d, crit = ks_statistic(ours, theirs), ks_critical(ours.size, theirs.size)
    assert d < crit, f"two-sample KS D = {d:.4g} ≥ {crit:.4g}: {stats}"
    # hard bounds: both inside the support, and both reaching its ends where the density is positive
    if support is not None:
        low, high, f_low, f_high = support
        slack = 1e-12 * max(abs(low), abs(high))
        for label, s in (("initviz", ours), ("torch", theirs)):
            assert s.min() >= low - slack and s.max() <= high + slack, f"{label} outside [{low}, {high}]: {stats}"
        # a sample of n misses an end with density f by more than g with probability exp(−n·f·g)
        for end, f, o_x, t_x in ((low, f_low, ours.min(), theirs.min()), (high, f_high, ours.max(), theirs.max())):
            if f > 0:
                edge_tol = 40.0 / (n * f)
                assert abs(o_x - end) < edge_tol and abs(t_x - end) < edge_tol and abs(o_x - t_x) < edge_tol, \
                    f"extremes do not reach {end} within {edge_tol:.3g}: {stats}"


@pytest.mark.parametrize("case", SCHEME_CASES, ids=[c[0] for c in SCHEME_CASES])
def test_scheme_distribution_matches_torch_init(case):
    case_id, name, params, gain, torch_init, support = case
    ours, theirs, law = sample_pair(name, params, gain, torch_init)
    check_same_distribution(ours, theirs, law, support, case_id)


@pytest.mark.parametrize("fans", [(FAN_IN, FAN_OUT), (FAN_OUT, FAN_IN), (50, 50)], ids=["wide", "tall", "square"])
def test_orthogonal_matches_torch(fans):
    """Both are (semi-)orthonormal with singular values all equal to the gain."""
    fan_in, fan_out = fans
    gain = 2.0
    ours, theirs, _ = sample_pair("orthogonal", {"gain": gain}, 1.0, lambda w: nn_init.orthogonal_(w, gain=gain),
                                  fan_in, fan_out)
    small = min(fan_in, fan_out)
    for label, w in (("initviz", ours), ("torch", theirs)):
        gram = w.T @ w if fan_in >= fan_out else w @ w.T  # the smaller side is orthonormal
        np.testing.assert_allclose(gram, gain**2 * np.eye(small), atol=1e-12, err_msg=f"{label}: WᵀW ≠ gain²·I")
        sv = np.linalg.svd(w, compute_uv=False)
        np.testing.assert_allclose(sv, gain, rtol=1e-12, err_msg=f"{label}: singular values")
    # entries: std gain/√max(fans) in both (exactly, since Σw² = gain²·min(fans))
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=1e-2)


@pytest.mark.parametrize("fans", [(FAN_IN, FAN_OUT), (FAN_OUT, FAN_IN), (7, 10)], ids=["wide", "tall", "small"])
def test_sparse_zero_counts_match_torch(fans):
    """torch zeroes ceil(sparsity·out) entries in each column of its (out, in) tensor,
    i.e. in each row of ours: the counts must be identical, not just close."""
    fan_in, fan_out = fans
    ours, theirs, law = sample_pair("sparse", {"sparsity": 0.3, "std": 0.02}, 1.0,
                                    lambda w: nn_init.sparse_(w, sparsity=0.3, std=0.02), fan_in, fan_out)
    per_input_ours = np.count_nonzero(ours == 0, axis=1)
    per_input_torch = np.count_nonzero(theirs == 0, axis=1)  # a row of ours = a column of torch's tensor
    expected = math.ceil(0.3 * fan_out)
    np.testing.assert_array_equal(per_input_torch, expected, err_msg="torch's own count (layout check)")
    np.testing.assert_array_equal(per_input_ours, per_input_torch, err_msg="zeros per input (torch column)")
    # the zeros fall on different outputs for different inputs in both
    assert np.count_nonzero(ours == 0, axis=0).std() > 0
    # the non-zero weights: N(0, std²)
    nz_o, nz_t = ours[ours != 0], theirs[theirs != 0]
    np.testing.assert_allclose(nz_o.std(), nz_t.std(), rtol=max(0.02, std_tolerance(nz_t)))
    np.testing.assert_allclose(law.variance(), theirs.var(), rtol=max(0.02, 2 * std_tolerance(theirs)))


@pytest.mark.parametrize("fans", [(FAN_IN, FAN_OUT), (FAN_OUT, FAN_IN), (6, 6)], ids=["wide", "tall", "square"])
def test_eye_matches_torch_exactly(fans):
    fan_in, fan_out = fans
    ours, theirs, law = sample_pair("eye", {}, 1.0, nn_init.eye_, fan_in, fan_out)
    np.testing.assert_array_equal(ours, theirs)
    assert law.expectation() == pytest.approx(theirs.mean(), rel=1e-12)
    assert law.variance() == pytest.approx(theirs.var(), rel=1e-12)


def test_torch_default_weight_matches_fresh_linear():
    torch.manual_seed(1)
    lin = torch.nn.Linear(FAN_IN, FAN_OUT, dtype=torch.float64)
    theirs = lin.weight.detach().numpy().T.copy()
    scheme, p = initializers.resolve("torch_default", {})
    ctx = initializers.Context(FAN_IN, FAN_OUT, 1.0)
    ours = scheme.sample(np.random.default_rng(1), (FAN_IN, FAN_OUT), p, ctx)
    bound = 1.0 / math.sqrt(FAN_IN)
    check_same_distribution(ours, theirs, scheme.law(p, ctx), uniform_support(-bound, bound), "torch_default weight")


def test_torch_default_bias_matches_fresh_linear():
    """The bias bound is 1/√fan_in too; a wide layer gives enough bias values to compare."""
    fan_in, fan_out = 7, 120_000
    torch.manual_seed(2)
    lin = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64)
    theirs = lin.bias.detach().numpy().copy()
    scheme, p = initializers.resolve("torch_default", {}, for_bias=True)
    ctx = initializers.Context(fan_in, fan_out, 1.0)
    ours = scheme.sample(np.random.default_rng(2), (fan_out,), p, ctx)
    bound = 1.0 / math.sqrt(fan_in)
    check_same_distribution(ours, theirs, scheme.law(p, ctx), uniform_support(-bound, bound), "torch_default bias")


def test_torch_default_in_a_simulation_matches_linear_layout():
    """Through simulate(): W (fan_in, fan_out) and b both U(±1/√fan_in) — fan_in, not fan_out."""
    exp = {"dtype": "float64", "seed": 4, "input": {"features": 500, "batch": 2},
           "layers": [{"units": 40, "activation": "identity", "init": "torch_default", "bias": "torch_default"}]}
    layer = initviz.simulate(exp).layers[0]
    torch.manual_seed(4)
    lin = torch.nn.Linear(500, 40, dtype=torch.float64)
    assert layer.W.shape == tuple(lin.weight.T.shape) and layer.b.shape == tuple(lin.bias.shape)
    bound = 1.0 / math.sqrt(500)
    for ours, theirs in ((layer.W, lin.weight), (layer.b, lin.bias)):
        theirs = theirs.detach().numpy()
        assert np.abs(ours).max() <= bound and np.abs(theirs).max() <= bound
        assert np.abs(ours).max() > 0.9 * bound and np.abs(theirs).max() > 0.9 * bound


# --- 3. calculate_gain --------------------------------------------------------------------

@pytest.mark.parametrize("nonlinearity", initializers.TORCH_NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity):
    try:
        nn_init.calculate_gain(nonlinearity)
    except ValueError as error:
        pytest.skip(f"torch {torch.__version__} rejects {nonlinearity!r}: {error}")
    for param in (None, 0, 0.2, 1.0, 3):  # torch ignores param except for leaky_relu
        expected = nn_init.calculate_gain(nonlinearity, param)
        got = initializers.calculate_gain(nonlinearity, param)
        assert got == pytest.approx(expected, rel=1e-15, abs=0), f"calculate_gain({nonlinearity!r}, {param!r})"


@pytest.mark.parametrize("name, params, torch_args", [
    ("identity", {}, ("linear",)), ("linear", {}, ("linear",)), ("relu", {}, ("relu",)),
    ("leaky_relu", {}, ("leaky_relu",)), ("leaky_relu", {"negative_slope": 0.2}, ("leaky_relu", 0.2)),
    ("selu", {}, ("selu",)), ("tanh", {}, ("tanh",)), ("sigmoid", {}, ("sigmoid",)),
], ids=lambda v: str(v) if not isinstance(v, (dict, tuple)) else "-".join(map(str, (v.values() if isinstance(v, dict) else v))))
def test_activation_gain_matches_torch(name, params, torch_args):
    """The activations torch knows get torch's gain (the layer gain behind 'auto')."""
    assert activations.gain(name, params) == pytest.approx(nn_init.calculate_gain(*torch_args), rel=1e-15, abs=0)
