"""Input-output Jacobians against finite differences; dynamical isometry (Pennington et al. 2017)."""

import dataclasses
import math

import numpy as np
import pytest

from initviz.engine import jacobian, network
from initviz.errors import ExperimentError, MemoryBudgetError
from initviz.model import parse_experiment


def make(widths, activation="tanh", init="xavier_normal", dtype="float64", features=5, batch=6, seed=7,
         bias=None):
    bias = bias or {"name": "normal", "std": 0.3}
    return parse_experiment({"dtype": dtype, "seed": seed, "input": {"features": features, "batch": batch},
                             "layers": [{"units": u, "activation": activation, "init": init, "bias": bias}
                                        for u in widths]})


def finite_difference_jacobians(params, x, eps=1e-6):
    """J[r, i, j] = (a^L_j(x_r + eps e_i) − a^L_j(x_r − eps e_i)) / 2eps."""
    out = np.zeros((x.shape[0], x.shape[1], params[-1].W.shape[1]))
    for r in range(x.shape[0]):
        for i in range(x.shape[1]):
            up, down = x[r:r + 1].copy(), x[r:r + 1].copy()
            up[0, i] += eps
            down[0, i] -= eps
            out[r, i] = (network.forward(up, params)[1][-1][0] - network.forward(down, params)[1][-1][0]) / (2 * eps)
    return out


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "selu", "gelu", {"name": "elu", "alpha": 0.7}],
                         ids=str)
@pytest.mark.parametrize("widths, features", [((6, 4, 3), 5), ((3, 7, 9), 2)], ids=["from-output", "from-input"])
def test_jacobian_matches_finite_differences(activation, widths, features):
    exp = make(widths, activation, features=features)
    params = [network.draw_layer(exp, i) for i in range(len(widths))]
    Ws = [p.W for p in params]
    assert jacobian._input_side_cheaper(Ws) == (features == 2)  # both multiplication orders are exercised
    x = network.draw_input(exp)
    J = jacobian.input_output_jacobians(params, x)
    assert J.shape == (6, features, widths[-1]) and J.dtype == np.float64
    np.testing.assert_allclose(J, finite_difference_jacobians(params, x), rtol=1e-6, atol=1e-9)


def test_both_orders_and_every_source_agree():
    exp = make((6, 4, 3), "tanh", features=5)
    result = network.simulate(exp)
    params = [network.draw_layer(exp, i) for i in range(3)]
    zs, acts = network.forward(result.x[:4], params)
    slopes = [p.activation.derivative(z, a, p.activation_params) for p, z, a in zip(params, zs, acts)]
    Ws = [p.W for p in params]
    np.testing.assert_allclose(jacobian._from_input(Ws, slopes), jacobian._from_output(Ws, slopes), rtol=1e-12)
    from_result = jacobian.input_output_jacobians(result, rows=4)  # reuses the simulation's z
    np.testing.assert_allclose(from_result, jacobian.input_output_jacobians(exp, rows=4), rtol=1e-12)
    np.testing.assert_allclose(from_result, jacobian.input_output_jacobians(params, result.x[:4]), rtol=1e-12)
    np.testing.assert_allclose(from_result, jacobian.input_output_jacobians(result, result.x[:4]), rtol=1e-12)
    assert jacobian.input_output_jacobians(exp).shape[0] == 6  # rows capped by the batch


def test_float32_jacobians_agree_with_float64():
    """The same float32 network, differentiated in float32 and (cast up) in float64."""
    exp = make((40, 30, 20), features=25, batch=8, dtype="float32")
    params = [network.draw_layer(exp, i) for i in range(3)]
    x = network.draw_input(exp)
    J32 = jacobian.input_output_jacobians(params, x)
    wide = [dataclasses.replace(p, W=p.W.astype(np.float64), b=p.b.astype(np.float64)) for p in params]
    J64 = jacobian.input_output_jacobians(wide, x.astype(np.float64))
    assert J32.dtype == np.float32 and J64.dtype == np.float64
    np.testing.assert_allclose(J32, J64, rtol=1e-3, atol=1e-5 * np.abs(J64).max())


# --- singular values ---------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 30, 12), (3, 12, 30)])
def test_gram_singular_values_match_the_svd(shape):
    rng = np.random.default_rng(0)
    J = rng.standard_normal(shape)
    exact = np.linalg.svd(J, compute_uv=False)
    np.testing.assert_allclose(jacobian.singular_values(J, exact=True), exact, rtol=1e-12)
    np.testing.assert_allclose(jacobian.singular_values(J), exact, rtol=1e-9)
    single = jacobian.singular_values(J.astype(np.float32))
    np.testing.assert_allclose(single, exact, rtol=1e-4, atol=1e-4 * exact.max())
    np.testing.assert_allclose(jacobian.singular_values(J[0]), exact[:1], rtol=1e-9)


def test_singular_values_survive_tiny_huge_and_non_finite_jacobians():
    rng = np.random.default_rng(1)
    J = rng.standard_normal((4, 9, 6)).astype(np.float32)
    exact = np.linalg.svd(J.astype(np.float64), compute_uv=False)
    J[0] *= np.float32(1e-30)  # squares underflow float32 without the scaling
    J[1] *= np.float32(1e30)  # squares overflow float32 without the scaling
    J[2, 3, 1] = np.nan
    J[3, 0, 0] = np.inf
    s = jacobian.singular_values(J)
    np.testing.assert_allclose(s[0], exact[0] * 1e-30, rtol=1e-4)
    np.testing.assert_allclose(s[1], exact[1] * 1e30, rtol=1e-4)
    assert np.isnan(s[2:]).all()
    summary = jacobian.spectrum_summary(s)
    assert (summary.rows, summary.nonfinite_rows, summary.count) == (4, 2, 12)
    empty = jacobian.spectrum_summary(s[2:])
    assert empty.count == 0 and math.isnan(empty.mean_sq) and math.isnan(empty.in_band)
    zero = jacobian.spectrum_summary(jacobian.singular_values(np.zeros((2, 3, 3))))
    assert zero.mean_sq == 0 and zero.in_band == 0 and math.isnan(zero.relative_spread)


def test_summary_numbers():
    s = np.array([[2.0, 1.0, 0.5, 0.25]])
    summary = jacobian.spectrum_summary(s)
    sq = s.ravel() ** 2
    assert summary.mean_sq == pytest.approx(sq.mean())
    assert summary.var_sq == pytest.approx(sq.var())
    assert summary.relative_spread == pytest.approx(sq.var() / sq.mean() ** 2)
    assert (summary.s_min, summary.s_max, summary.in_band) == (0.25, 2.0, 0.75)
    assert jacobian.spectrum_summary(s, band=(0.9, 1.1)).in_band == 0.25
    with pytest.raises(ExperimentError, match="^band: "):
        jacobian.spectrum_summary(s, band=(2.0, 1.0))


def test_exploding_network_gives_non_finite_rows_without_warnings():
    exp = make((64,) * 20, "identity", {"name": "normal", "std": 30.0}, dtype="float32", features=64, batch=8)
    spectrum = jacobian.jacobian_spectrum(exp)
    assert spectrum.rows == 8 and spectrum.nonfinite_rows == 8 and spectrum.count == 0


# --- dynamical isometry ------------------------------------------------------------------

def deep(init, activation, seed):
    return parse_experiment({"dtype": "float64", "seed": seed, "input": {"features": 128, "batch": 8},
                             "layers": [{"units": 128, "activation": activation, "init": init}] * 10})


def test_orthogonal_tanh_is_isometric_and_he_relu_is_not():
    """Pennington, Schoenholz & Ganguli 2017 at depth 10, width 128: orthogonal weights (gain 1,
    σ_b = 0) with tanh in its near-linear regime (inputs scaled to 0.05, so q ≈ 0.0025) put every
    singular value in [0.85, 1] — tanh' ≤ 1 and orthogonal W cap them at 1 — with var(σ²)/mean(σ²)²
    below 1e-2 (measured ~5e-4). He init with ReLU keeps mean(σ²) ≈ 1 too, but its spectrum is
    spread: relative spread above 10 (measured ~20), fewer than 20 % of σ in [0.5, 2]. Asserted:
    the ReLU spread is ≥ 1000× the tanh one (measured ~4 × 10⁴; the same for seeds 0–5)."""
    seed = 0
    tanh_net = network.simulate(deep("orthogonal", "tanh", seed))
    ortho = jacobian.jacobian_spectrum(tanh_net, 0.05 * tanh_net.x)
    assert ortho.count == 8 * 128
    assert 0.9 < ortho.mean_sq <= 1.0
    assert 0.85 < ortho.s_min and ortho.s_max <= 1.0 + 1e-9
    assert ortho.in_band == 1.0
    assert ortho.relative_spread < 1e-2

    relu_net = network.simulate(deep("kaiming_normal", "relu", seed))
    he = jacobian.jacobian_spectrum(relu_net)
    assert 0.5 < he.mean_sq < 2.0
    assert he.relative_spread > 10
    assert he.in_band < 0.2
    assert he.relative_spread > 1000 * ortho.relative_spread

    # The same tanh net on its unit-variance inputs (q ≈ 1: tanh bent) is no longer isometric:
    # mean(σ²) falls below 0.2 (measured ~0.075) and fewer than 10 % of σ stay in [0.5, 2].
    saturated = jacobian.jacobian_spectrum(tanh_net)
    assert saturated.mean_sq < 0.2 and saturated.in_band < 0.1


# --- validation --------------------------------------------------------------------------

def test_bad_inputs_name_the_field():
    exp = make((4, 3), features=5)
    params = [network.draw_layer(exp, i) for i in range(2)]
    with pytest.raises(ExperimentError, match="^x_sample: required"):
        jacobian.input_output_jacobians(params)
    with pytest.raises(ExperimentError, match=r"^x_sample: expected a \(rows ≥ 1, 5\)"):
        jacobian.input_output_jacobians(params, np.zeros((3, 4)))
    with pytest.raises(ExperimentError, match="^rows: "):
        jacobian.input_output_jacobians(exp, rows=0)
    with pytest.raises(ExperimentError, match="^layers: "):
        jacobian.input_output_jacobians([], np.zeros((1, 5)))
    with pytest.raises(MemoryBudgetError, match="^x_sample: "):
        jacobian.input_output_jacobians(exp, memory_budget=100)
