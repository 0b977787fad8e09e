"""Symmetry breaking: distinct neurons, cosine similarity, effective rank (Roy & Vetterli 2007)."""

import math

import numpy as np
import pytest

from initviz.engine import network, symmetry
from initviz.errors import ExperimentError
from initviz.model import parse_experiment


def make(init, activation="tanh", widths=(256, 257, 100, 3), dtype="float32", bias="zeros", features=64, batch=256):
    return parse_experiment({"dtype": dtype, "seed": 11, "input": {"features": features, "batch": batch},
                             "layers": [{"units": u, "activation": activation, "init": init, "bias": bias}
                                        for u in widths]})


def cosine_reference(a):
    a = a.astype(np.float64)
    norms = np.linalg.norm(a, axis=0)
    return (a.T @ a) / np.outer(norms, norms)


# --- distinct neurons --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_constant_init_leaves_one_neuron_per_layer(dtype, activation):
    """Every unit gets the same weights, so each layer computes one function, even where float32
    GEMM kernels round different columns differently in the last bits."""
    exp = make({"name": "constant", "value": 0.01}, activation, dtype=dtype, bias={"name": "constant", "value": 0.1})
    result = network.simulate(exp)
    layers = symmetry.layer_symmetry(result)
    assert [s.distinct for s in layers] == [1, 1, 1, 1]
    assert [s.units for s in layers] == [256, 257, 100, 3]
    assert layers[0].fraction == pytest.approx(1 / 256)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("init, activation", [("xavier_uniform", "tanh"), ("kaiming_normal", "relu"),
                                              ("lecun_normal", "sigmoid")])
def test_random_init_makes_every_neuron_distinct(dtype, init, activation):
    """Every unit distinct, except that ReLU units dead on the whole batch (all zero) are one."""
    result = network.simulate(make(init, activation, dtype=dtype))
    dead = [int((layer.a == 0).all(axis=0).sum()) for layer in result.layers]
    expected = [units - max(n - 1, 0) for units, n in zip((256, 257, 100, 3), dead)]
    assert [s.distinct for s in symmetry.layer_symmetry(result)] == expected
    assert sum(expected) >= 610  # dead units are rare at this depth
    assert symmetry.layer_symmetry(result)[0].fraction == 1.0


def prototypes(rng, batch=300, kinds=5, copies=(1, 4, 2, 7, 3), noise=0.0):
    base = rng.standard_normal((batch, kinds))
    which = np.repeat(np.arange(kinds), copies)
    rng.shuffle(which)
    return base[:, which] + noise * rng.standard_normal((batch, which.size)), which


def same_partition(labels, truth):
    """Two labelings describe the same grouping."""
    pairs = {(int(a), int(b)) for a, b in zip(labels, truth)}
    return len(pairs) == len(set(labels.tolist())) == len(set(truth.tolist()))


def test_groups_follow_duplicated_columns_up_to_noise():
    rng = np.random.default_rng(0)
    a, which = prototypes(rng, noise=1e-7)  # rounding-level differences: the same neuron
    groups = symmetry.neuron_groups(a)
    assert symmetry.distinct_neurons(a) == 5
    assert same_partition(groups, which)
    assert sorted(set(groups.tolist())) == [0, 1, 2, 3, 4]
    noisy, _ = prototypes(rng, noise=0.05)  # 50× the tolerance of 1e-3·max|a|: all different
    assert symmetry.distinct_neurons(noisy) == noisy.shape[1]
    assert symmetry.distinct_neurons(noisy, rtol=0.5) == 5  # a tolerance looser than the noise merges them


def test_dead_units_are_one_neuron_and_tolerance_is_relative_to_the_layer():
    rng = np.random.default_rng(1)
    a = np.maximum(rng.standard_normal((200, 12)), 0)
    a[:, [2, 5, 9]] = 0.0
    assert symmetry.distinct_neurons(a) == 10
    for scale in (1e-30, 1e30):  # the same layer at any scale
        assert symmetry.distinct_neurons(a * scale) == 10
        assert symmetry.distinct_neurons((a * scale).astype(np.float32)) == 10
    assert symmetry.distinct_neurons(np.zeros((4, 7))) == 1
    assert symmetry.distinct_neurons(np.zeros((4, 0))) == 0
    assert symmetry.distinct_neurons(np.zeros((0, 3))) == 1


def test_non_finite_values_group_by_kind_and_position_without_warnings():
    a = np.tile(np.linspace(-1, 1, 6)[:, None], (1, 8))
    a[2, [1, 2]] = np.nan  # columns 1 and 2 alike; unlike 0
    a[3, [3, 4]] = np.inf  # 3 and 4 alike
    a[3, 5] = -np.inf  # 5 alone
    a[2, 6] = np.inf  # +inf at another row: alone
    groups = symmetry.neuron_groups(a)
    assert groups[1] == groups[2] and groups[3] == groups[4] and groups[0] == groups[7]
    assert len({groups[0], groups[1], groups[3], groups[5], groups[6]}) == 5
    assert symmetry.distinct_neurons(a) == 5
    big = np.array([[3e38, -3e38], [3e38, 3e38]], dtype=np.float32)  # differences overflow float32
    assert symmetry.distinct_neurons(big) == 2
    assert symmetry.distinct_neurons(np.full((3, 4), np.nan)) == 1


@pytest.mark.parametrize("rtol", [0, -1e-3, 1, 2, math.nan])
def test_rtol_is_validated(rtol):
    with pytest.raises(ExperimentError, match="^rtol: "):
        symmetry.distinct_neurons(np.ones((2, 2)), rtol=rtol)


def test_input_must_be_a_matrix():
    with pytest.raises(ExperimentError, match="^a: "):
        symmetry.distinct_neurons(np.ones(5))


# --- similarity --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_similarity_matches_cosine_reference(dtype):
    rng = np.random.default_rng(2)
    a = (rng.standard_normal((128, 40)) + 0.3 * rng.standard_normal(40)).astype(dtype)
    s = symmetry.similarity_matrix(a)
    assert s.dtype == np.float64 and s.shape == (40, 40)
    np.testing.assert_allclose(s, cosine_reference(a), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.diag(s), 1.0)
    np.testing.assert_array_equal(s, s.T)
    np.testing.assert_array_equal(symmetry.similarity_matrix(a, max_units=7), s[:7, :7])


def test_similarity_of_a_constant_init_layer_is_all_ones():
    result = network.simulate(make({"name": "constant", "value": 0.02}, widths=(64,)))
    np.testing.assert_allclose(symmetry.similarity_matrix(result.layers[0].a), 1.0, atol=1e-6)


def test_similarity_conventions_for_zero_and_non_finite_units():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((50, 6))
    a[:, [1, 4]] = 0.0
    a[7, 5] = np.nan
    a[:, 3] *= 1e300  # scaled before the norms: no overflow
    a[:, 2] = a[:, 3] * 1e-300 * 2.0
    s = symmetry.similarity_matrix(a)
    assert s[1, 4] == s[4, 1] == s[1, 1] == s[4, 4] == 1.0
    assert s[1, 0] == s[0, 4] == 0.0
    assert np.isnan(s[5]).all() and np.isnan(s[:, 5]).all()
    assert s[2, 3] == pytest.approx(1.0, abs=1e-12)
    finite = [0, 2, 3]
    np.testing.assert_allclose(s[np.ix_(finite, finite)], cosine_reference(a[:, finite] / np.abs(a[:, finite]).max(0)),
                               atol=1e-12)


# --- effective rank ----------------------------------------------------------------------

def test_effective_rank_of_known_rank_matrices():
    rng = np.random.default_rng(4)
    U, _ = np.linalg.qr(rng.standard_normal((200, 30)))
    V, _ = np.linalg.qr(rng.standard_normal((60, 30)))
    for k in (1, 7, 30):
        equal = U[:, :k] @ V[:, :k].T * 3.0  # k equal singular values
        assert symmetry.effective_rank(equal) == pytest.approx(k, rel=1e-9)
    sigma = np.array([4.0, 2.0, 1.0, 1.0])
    uneven = U[:, :4] * sigma @ V[:, :4].T
    p = sigma / sigma.sum()
    expected = math.exp(-(p * np.log(p)).sum())  # 3.36: between 2 and the rank 4
    assert symmetry.effective_rank(uneven) == pytest.approx(expected, rel=1e-9)
    assert symmetry.effective_rank(uneven.astype(np.float32)) == pytest.approx(expected, rel=1e-5)


def test_effective_rank_edges_and_row_sampling():
    rng = np.random.default_rng(5)
    full = rng.standard_normal((400, 20))
    assert 15 < symmetry.effective_rank(full) < 20
    assert symmetry.effective_rank(full, max_rows=100) == pytest.approx(symmetry.effective_rank(full[:100]))
    assert symmetry.effective_rank(full, max_rows=5) <= 5
    assert symmetry.effective_rank(np.zeros((3, 3))) == 0.0
    assert symmetry.effective_rank(np.zeros((0, 3))) == 0.0
    full[0, 0] = np.inf
    assert math.isnan(symmetry.effective_rank(full))
    result = network.simulate(make({"name": "constant", "value": 0.02}, widths=(32, 16), dtype="float64"))
    assert symmetry.layer_effective_ranks(result) == pytest.approx((1.0, 1.0), abs=1e-6)


def test_dead_relu_units_are_alike_but_not_copies():
    from initviz.engine.symmetry import LayerSymmetry, dead_units
    a = np.random.default_rng(0).normal(size=(64, 10))
    a[:, [2, 5, 7]] = 0.0  # three dead units
    assert dead_units(a) == 3
    s = LayerSymmetry(symmetry.distinct_neurons(a), 10, dead_units(a))
    assert s.distinct == 8 and s.copies == 0  # the dead units form one group; nothing is copied
    a[:, 9] = a[:, 0]  # a real copy
    assert LayerSymmetry(symmetry.distinct_neurons(a), 10, dead_units(a)).copies == 1
    assert LayerSymmetry(1, 10, 10).copies == 9  # all dead: nothing distinct
