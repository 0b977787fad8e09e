"""Forward/backward against finite differences; determinism; streams; overflow; memory guard."""

import tracemalloc
import warnings

import numpy as np
import pytest

import initviz
from initviz.engine import activations, network
from initviz.errors import MemoryBudgetError
from initviz.model import parse_experiment


def make(layers, dtype="float64", features=7, batch=5, seed=3, distribution="normal"):
    return parse_experiment({"dtype": dtype, "seed": seed,
                             "input": {"features": features, "batch": batch, "distribution": distribution},
                             "layers": layers})


def loss_of(x, t, params):
    _, acts = network.forward(x, params)
    return float(np.mean((acts[-1] - t) ** 2))


ACTS = [
    "identity", "relu", {"name": "leaky_relu", "negative_slope": 0.2}, {"name": "elu", "alpha": 0.7}, "selu",
    "gelu", {"name": "gelu", "approximate": "tanh"}, "silu", "tanh", "sigmoid", "softplus", "lecun_tanh",
]


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a if isinstance(a, str) else "-".join(map(str, a.values())))
def test_backward_matches_finite_differences(act):
    exp = make([{"units": 6, "activation": act, "init": "xavier_normal", "bias": {"name": "normal", "std": 0.3}},
                {"units": 4, "activation": act, "init": {"name": "normal", "std": 0.6}, "bias": {"name": "normal", "std": 0.3}},
                {"units": 3, "activation": "tanh", "init": "lecun_normal"}])
    result = network.simulate(exp)
    params = [network.draw_layer(exp, i) for i in range(len(exp.layers))]
    x, t = result.x, result.t
    assert float(result.loss) == pytest.approx(loss_of(x, t, params), rel=1e-12)
    eps = 1e-6
    for i, layer in enumerate(result.layers):
        for name, grad in (("W", layer.dW), ("b", layer.db)):
            tensor = getattr(params[i], name)
            numeric = np.zeros_like(tensor)
            for idx in np.ndindex(tensor.shape):
                old = tensor[idx]
                tensor[idx] = old + eps
                up = loss_of(x, t, params)
                tensor[idx] = old - eps
                down = loss_of(x, t, params)
                tensor[idx] = old
                numeric[idx] = (up - down) / (2 * eps)
            np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9, err_msg=f"layer {i} d{name}")


def test_activation_gradient_is_dloss_da():
    """da of layer i is ∂L/∂a_i: perturb a_i's input path through z_{i+1} by finite differences."""
    exp = make([{"units": 5, "activation": "tanh", "init": "xavier_normal"},
                {"units": 4, "activation": "sigmoid", "init": "xavier_normal"}])
    result = network.simulate(exp)
    l0, l1 = result.layers
    eps = 1e-6

    def loss_from_a0(a0):
        a1 = l1.activation.forward(a0 @ l1.W + l1.b, l1.activation_params)
        return float(np.mean((a1 - result.t) ** 2))

    numeric = np.zeros_like(l0.a)
    for idx in np.ndindex(l0.a.shape):
        a = l0.a.copy()
        a[idx] += eps
        up = loss_from_a0(a)
        a[idx] -= 2 * eps
        numeric[idx] = (up - loss_from_a0(a)) / (2 * eps)
    np.testing.assert_allclose(l0.da, numeric, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(l1.da, 2 * (l1.a - result.t) / l1.a.size, rtol=1e-12)


def test_shapes_and_dtype_float32_end_to_end():
    exp = make([{"units": 9, "activation": "relu", "init": "he_normal"}, {"units": 2, "activation": "gelu", "init": "orthogonal"}],
               dtype="float32", features=11, batch=13)
    result = network.simulate(exp)
    assert result.x.shape == (13, 11) and result.t.shape == (13, 2)
    assert result.loss.dtype == np.float32
    expected = {"W": (11, 9), "b": (9,), "z": (13, 9), "a": (13, 9), "da": (13, 9), "dz": (13, 9), "dW": (11, 9), "db": (9,)}
    for name, shape in expected.items():
        tensor = getattr(result.layers[0], name)
        assert tensor.shape == shape and tensor.dtype == np.float32, name
    for layer in result.layers:
        for name in expected:
            assert getattr(layer, name).dtype == np.float32


def test_same_experiment_gives_bit_identical_results():
    exp = initviz.default_experiment()
    r1, r2 = network.simulate(exp), network.simulate(exp)
    assert r1.loss == r2.loss
    for a, b in zip(r1.layers, r2.layers):
        for name in ("W", "b", "z", "a", "da", "dW"):
            assert np.array_equal(getattr(a, name), getattr(b, name))


def test_changing_one_layer_keeps_every_other_layers_weights():
    base = make([{"units": 8, "activation": "tanh", "init": "xavier_uniform", "bias": {"name": "normal", "std": 1}}] * 5)
    edited_layers = [dict(units=8, activation="tanh", init="xavier_uniform", bias={"name": "normal", "std": 1})] * 5
    edited_layers[2] = {"units": 8, "activation": "relu", "init": "he_normal", "bias": {"name": "uniform", "a": -1, "b": 1}}
    edited = make(edited_layers)
    for i in range(5):
        p, q = network.draw_layer(base, i), network.draw_layer(edited, i)
        same = np.array_equal(p.W, q.W) and np.array_equal(p.b, q.b)
        assert same == (i != 2), i
    assert np.array_equal(network.draw_input(base), network.draw_input(edited))
    assert np.array_equal(network.draw_targets(base), network.draw_targets(edited))


def test_seed_changes_everything():
    a, b = make([{"units": 4, "activation": "tanh", "init": "xavier_uniform"}], seed=1), make(
        [{"units": 4, "activation": "tanh", "init": "xavier_uniform"}], seed=2)
    assert not np.array_equal(network.draw_layer(a, 0).W, network.draw_layer(b, 0).W)
    assert not np.array_equal(network.draw_input(a), network.draw_input(b))


def test_uniform_input_has_unit_variance():
    exp = make([{"units": 3, "activation": "identity", "init": "eye"}], features=200, batch=2000, distribution="uniform")
    x = network.draw_input(exp)
    assert np.abs(x).max() <= np.sqrt(3)
    assert x.var() == pytest.approx(1.0, abs=0.01)


def test_exploding_net_counts_nonfinite_values_without_warnings():
    from initviz.engine import stats
    layers = [{"units": 64, "activation": "relu", "init": {"name": "normal", "std": 5.0}}] * 40
    exp = make(layers, dtype="float32", features=64, batch=32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = network.simulate(exp)
        summaries = stats.result_summaries(result)
    last = summaries[-1]["activations"]
    assert last.stats["n_inf"] + last.stats["n_nan"] > 0
    for layer in summaries:
        for kind, s in layer.items():
            h = s.histogram
            assert h.n_finite + h.n_nan + h.n_posinf + h.n_neginf == s.stats["count"], kind
            assert int(h.counts.sum()) == h.n_binned
    assert not np.isfinite(result.loss)


def test_vanishing_relu_net_with_xavier_halves_variance_per_layer():
    """He et al. 2015: Var(W) = 1/n with ReLU shrinks the second moment by 1/2 per layer."""
    layers = [{"units": 512, "activation": "relu", "init": {"name": "kaiming_normal", "nonlinearity": "linear"}}] * 20
    result = network.simulate(make(layers, dtype="float64", features=512, batch=256))
    ms = [float(np.mean(layer.z ** 2)) for layer in result.layers]
    ratios = np.array(ms[1:]) / np.array(ms[:-1])
    assert ratios.mean() == pytest.approx(0.5, rel=0.05)


def test_memory_guard_refuses_huge_net_without_allocating():
    exp = make([{"units": 200_000, "activation": "relu", "init": "he_normal"}] * 3, features=200_000, batch=100_000)
    tracemalloc.start()
    try:
        with pytest.raises(MemoryBudgetError, match="memory budget"):
            network.simulate(exp)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_memory_budget_is_configurable():
    exp = make([{"units": 64, "activation": "relu", "init": "he_normal"}], features=64, batch=64)
    need = network.check_memory(exp)
    with pytest.raises(MemoryBudgetError):
        network.simulate(exp, memory_budget=need - 1)
    network.simulate(exp, memory_budget=need)


def test_estimate_covers_what_a_simulation_holds():
    exp = make([{"units": 300, "activation": "tanh", "init": "xavier_uniform"}] * 3, dtype="float32", features=200, batch=128)
    result = network.simulate(exp)
    held = result.x.nbytes + result.t.nbytes + sum(
        getattr(layer, n).nbytes for layer in result.layers for n in ("W", "b", "z", "a", "da", "dz", "dW", "db"))
    assert held <= network.check_memory(exp) <= 3 * held


def test_gain_auto_uses_the_layers_activation():
    exp = make([{"units": 400, "activation": "tanh", "init": {"name": "xavier_normal", "gain": "auto"}}], features=400)
    W = network.draw_layer(exp, 0).W
    assert W.std() == pytest.approx(5 / 3 * np.sqrt(2 / 800), rel=0.02)
    assert activations.gain("tanh") == pytest.approx(5 / 3)
