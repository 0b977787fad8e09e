"""Each preset shows, in numbers, what its explanation (resources/presets/index.json) tells students."""

import dataclasses
import math

import numpy as np
import pytest

from initviz.engine import jacobian, mean_field, network, symmetry, theory, training
from initviz.model import Component
from initviz.presets import load_preset
from tests.test_presets import LN10, component, simulate, with_layers


def test_zero_init_has_one_distinct_neuron_per_layer_and_stays_at_chance():
    experiment = load_preset("zero_init").experiment
    result, a_std, da_std, _ = simulate(experiment)
    assert [s.distinct for s in symmetry.layer_symmetry(result)] == [1] * len(experiment.layers)
    hidden = result.layers[:-1]
    assert all(np.all(layer.a == 0) and np.all(layer.dW == 0) and np.all(layer.da == 0) for layer in hidden)
    dataset = training.load_dataset(experiment)
    trainer = training.Trainer(experiment, dataset, dataclasses.replace(training.settings_of(experiment), steps=10))
    trainer.step(10)
    assert np.allclose(trainer.train_loss, LN10, atol=0.01)  # ln 10: chance on 10 classes
    history = trainer.history()
    assert history.distinct[-1, :-1].tolist() == [1] * (len(experiment.layers) - 1)


def test_too_small_vanishes_by_the_predicted_factor_per_layer():
    result, a_std, da_std, _ = simulate(load_preset("too_small").experiment)
    factor = 0.01 * math.sqrt(256 / 2)  # z std ×σ·√fan_in, ReLU keeps half the second moment
    ratios = a_std[1:] / a_std[:-1]
    assert np.allclose(ratios, factor, rtol=0.1)
    assert a_std[-1] < 1e-9 < a_std[0] * 1e-7 and 0.08 < a_std[0] < 0.11  # 3e-10 and 0.09 in the text
    assert da_std[0] / da_std[-1] < 1e-8  # 5e-14 vs 1.5e-5


def test_too_large_explodes_by_the_predicted_factor_and_tanh_would_saturate():
    experiment = load_preset("too_large").experiment
    result, a_std, da_std, _ = simulate(experiment)
    assert np.allclose(a_std[1:] / a_std[:-1], math.sqrt(256 / 2), rtol=0.1)  # ≈ 11 per layer
    assert 8 < a_std[0] < 11 and 1e10 < a_std[-1] < 1e11
    assert float(result.loss) > 1e20 and da_std[0] > 1e15
    tanh = with_layers(experiment, activation=Component("tanh"))
    _, _, _, summaries = simulate(tanh)
    assert min(s["activations"].stats["frac_saturated"] for s in summaries) > 0.85  # 89% in the text


def test_xavier_tanh_keeps_the_signal_and_the_gradient():
    _, a_std, da_std, summaries = simulate(load_preset("xavier_tanh").experiment)
    assert 0.6 < a_std[0] < 0.66 and 0.2 < a_std[-1] < 0.25
    assert da_std.max() / da_std.min() < 3  # "within a factor 2.5"
    assert all(s["activations"].stats["frac_saturated"] < 1e-3 for s in summaries[1:])


def test_glorot_standard_gradients_decay_and_normalized_ones_do_not():
    _, a_std, da_std, summaries = simulate(load_preset("glorot2010_standard").experiment)
    _, a_norm, da_norm, summaries_norm = simulate(load_preset("glorot2010_normalized").experiment)
    assert da_std[0] / da_std[-1] < 0.15  # 10× shrink going down (about 1/√3 per layer)
    assert da_norm[0] / da_norm[-1] > 0.5  # under 2×
    assert a_std[-1] / a_std[0] < 0.12 and a_norm[-1] / a_norm[0] > 0.45
    for s in (summaries, summaries_norm):  # weight gradients alike in every layer, either way
        dw = np.array([layer["weight_grads"].stats["std"] for layer in s])
        assert dw.max() / dw.min() < 1.2


def test_he2015_xavier_halves_the_variance_per_layer_and_he_keeps_it():
    relu_layers = 30
    _, a_xavier, da_xavier, _ = simulate(load_preset("he2015_xavier").experiment)
    _, a_he, da_he, _ = simulate(load_preset("he2015_he").experiment)
    per_layer = (a_xavier[relu_layers - 1] / a_xavier[0]) ** (1 / (relu_layers - 1))
    assert per_layer == pytest.approx(2 ** -0.5, abs=0.03)
    assert a_xavier[relu_layers - 1] / a_xavier[0] < 1e-4  # 0.37 → 1.6e-5
    assert a_he[:relu_layers].max() / a_he[:relu_layers].min() < 2  # 0.75 – 1.03
    assert da_he[:relu_layers].max() / da_he[:relu_layers].min() < 1.5
    assert da_xavier[0] / da_xavier[relu_layers - 1] < 1e-4


def test_he2015_training_moves_with_he_and_stays_at_chance_with_xavier():
    losses = {}
    for name in ("he2015_he", "he2015_xavier"):
        experiment = load_preset(name).experiment
        spec = dataclasses.replace(training.settings_of(experiment), snapshot_every=10**6)
        trainer = training.Trainer(experiment, training.load_dataset(experiment), spec)
        trainer.step(8)
        losses[name] = np.array(trainer.train_loss)
    assert np.allclose(losses["he2015_xavier"], LN10, atol=2e-3)  # the output is ~1e-5: logits all alike
    assert losses["he2015_he"][0] > 2.9 and losses["he2015_he"].min() < LN10 - 0.05


def test_selu_lecun_keeps_mean_zero_and_std_one():
    experiment = load_preset("selu_lecun").experiment
    _, a_std, _, summaries = simulate(experiment)
    assert np.all(np.abs(a_std - 1) < 0.03)
    assert all(abs(s["activations"].stats["mean"]) < 0.01 for s in summaries)
    _, a_he, _, _ = simulate(with_layers(experiment, init=component("he_normal")))
    assert np.mean(np.diff(a_he) > 0) > 0.9 and 6 < a_he[-1] < 8  # "grows layer after layer, to 6.9"


def test_orthogonal_linear_keeps_every_length_and_singular_value():
    experiment = load_preset("orthogonal_linear").experiment
    result = network.simulate(experiment)
    x = result.x.astype(np.float64)
    lengths = np.linalg.norm(x, axis=1)
    for layer in result.layers:
        assert np.allclose(np.linalg.norm(layer.a.astype(np.float64), axis=1), lengths, rtol=1e-5)
    spectrum = jacobian.jacobian_spectrum(result, rows=4)
    assert spectrum.s_min == pytest.approx(1, abs=1e-4) and spectrum.s_max == pytest.approx(1, abs=1e-4)
    gaussian = network.simulate(with_layers(experiment, init=component("lecun_normal")))
    kept = np.linalg.norm(gaussian.layers[-1].a.astype(np.float64), axis=1) / lengths
    assert kept.min() < 0.6 and kept.max() > 1.5  # "from 0.5 to 1.7 times the input's"
    wide = jacobian.jacobian_spectrum(gaussian, rows=4)
    assert wide.s_min < 0.01 and wide.s_max > 5


def test_edge_of_chaos_is_critical_between_an_ordered_and_a_chaotic_neighbour():
    experiment = load_preset("edge_of_chaos").experiment
    predictions = theory.predict(experiment)
    assert all(abs(p.chi1 - 1) < 0.05 and p.phase == "critical" for p in predictions)
    assert predictions[0].sigma_b2 == pytest.approx(0.05, rel=1e-6)
    assert predictions[0].sigma_w2 == pytest.approx(mean_field.critical_line("tanh", None, 0.05), rel=0.01)
    _, _, da, _ = simulate(experiment)
    assert da.max() / da.min() < 1.3  # 2.9e-5 – 3.5e-5
    for sigma_w2, chi1, phase in ((1.0, 0.76, "ordered"), (4.0, 1.34, "chaotic")):
        neighbour = with_layers(experiment, init=component(
            {"name": "variance_scaling", "scale": sigma_w2, "mode": "fan_in", "distribution": "untruncated_normal"}))
        assert theory.predict(neighbour)[-1].chi1 == pytest.approx(chi1, abs=0.01)
        assert theory.predict(neighbour)[-1].phase == phase
        _, _, da_n, _ = simulate(neighbour)
        change = da_n[-1] / da_n[0]
        assert (change > 40) if phase == "ordered" else (1 / change > 40)  # 67 and 65 in the text


def test_torch_default_shrinks_until_the_bias_holds_the_signal():
    experiment = load_preset("torch_default").experiment
    result, a_std, da_std, summaries = simulate(experiment)
    assert summaries[0]["weights"].stats["std"] == pytest.approx(1 / math.sqrt(3 * 256), rel=0.02)
    assert a_std[1] / a_std[0] == pytest.approx(1 / math.sqrt(6), rel=0.05)
    assert np.all((a_std[4:] > 0.015) & (a_std[4:] < 0.03))  # "about 0.02 from layer 5 on"
    predicted = np.array([p.activation_std for p in theory.predict(experiment)])
    assert np.allclose(a_std, predicted, rtol=0.25)  # the bias floor is the mean-field fixed point
    assert 2000 < da_std[-1] / da_std[0] < 6000  # "3,500×"


