"""Cells: the cartesian product in a fixed order, each field applied as documented."""

import math

import pytest

from initviz.engine import network, theory
from initviz.errors import ExperimentError
from initviz.model import parse_experiment
from initviz.sweep import expand, load_sweep

from tests.sweep.helpers import BASE, layers_for, tiny_spec


def cells_of(**changes):
    return expand(load_sweep(tiny_spec(**changes)))


def test_order_is_nested_loops_in_grid_order_with_seed_innermost():
    cells = cells_of()
    assert [c.index for c in cells] == list(range(8))
    assert [dict(c.values) for c in cells[:3]] == [{"init": "xavier_normal", "depth": 2, "seed": 0},
                                                   {"init": "xavier_normal", "depth": 2, "seed": 1},
                                                   {"init": "xavier_normal", "depth": 4, "seed": 0}]
    assert cells[7].key == '{"depth":4,"init":"he_normal","seed":1}'
    assert [c.key for c in cells] == [c.key for c in cells_of()]  # stable


def test_depth_and_init_build_the_experiment_written_by_hand():
    for cell in cells_of():
        v = dict(cell.values)
        by_hand = parse_experiment({**BASE, "seed": v["seed"], "layers": layers_for(v["depth"], v["init"])})
        assert cell.experiment == by_hand


def test_width_and_activation_spare_the_output_layer_of_a_data_set():
    spec = {"experiment": {"preset": "spirals_deep_relu_he"}, "grid": {"width": [7], "activation": ["tanh"]}}
    exp = expand(load_sweep(spec))[0].experiment
    assert [layer.units for layer in exp.layers[:-1]] == [7] * 29 and exp.layers[-1].units == 3
    assert {layer.activation.name for layer in exp.layers[:-1]} == {"tanh"}
    assert exp.layers[-1].activation.name == "identity"
    plain = expand(load_sweep(tiny_spec(grid={"width": [7], "activation": ["relu"]}, seeds=None)))[0].experiment
    assert [(layer.units, layer.activation.name) for layer in plain.layers] == [(7, "relu"), (7, "relu")]


def test_sigma_w2_and_sigma_b2_set_normal_laws_with_those_moments():
    cells = cells_of(grid={"depth": [3], "sigma_w2": [0.5, 2.0], "sigma_b2": [0.0, 0.09]}, seeds=None)
    for cell in cells:
        v, exp = dict(cell.values), cell.experiment
        for i in range(len(exp.layers)):
            fan_in = exp.fans(i)[0]
            law = network.weight_law(exp, i)
            assert law.kind == "normal" and law.mean == 0
            assert fan_in * law.variance() == pytest.approx(v["sigma_w2"], rel=1e-12)
            assert theory.bias_law(exp, i).second_moment() == pytest.approx(v["sigma_b2"], rel=1e-12, abs=0)
        assert exp.layers[0].bias.name == ("zeros" if v["sigma_b2"] == 0 else "normal")


def test_gain_sets_the_gain_of_xavier_and_orthogonal_and_refuses_other_schemes():
    cells = cells_of(grid={"init": ["xavier_uniform", "orthogonal"], "gain": [0.5, 2.0]}, seeds=None)
    for cell in cells:
        v = dict(cell.values)
        assert all(layer.init.kwargs["gain"] == v["gain"] for layer in cell.experiment.layers)
        law = network.weight_law(cell.experiment, 0)
        if v["init"] == "xavier_uniform":  # U(±gain·√(6/(fan_in+fan_out))): variance gain²·2/(fan_in+fan_out)
            assert law.variance() == pytest.approx(v["gain"] ** 2 * 2 / (12 + 10))
    with pytest.raises(ExperimentError) as info:
        cells_of(grid={"init": ["xavier_normal", "he_normal"], "gain": [1.5]})
    assert info.value.path == "cells[2]" and "'he_normal' has no gain" in info.value.reason
    assert "init=he_normal, gain=1.5" in info.value.reason


def test_dotted_paths_reach_any_field_of_the_file():
    spec = {"experiment": {"preset": "spirals_deep_relu_he"},
            "grid": {"training.learning_rate": [0.1, 0.2], "data.params.noise": [0.2], "input.distribution": ["uniform"]}}
    cells = expand(load_sweep(spec))
    assert [c.experiment.training.learning_rate for c in cells] == [0.1, 0.2]
    assert dict(cells[0].experiment.data.params)["noise"] == 0.2
    assert cells[0].experiment.input.distribution == "uniform"
    with pytest.raises(ExperimentError) as info:
        expand(load_sweep({**spec, "grid": {"training.learning_rate": [-1.0]}}))
    assert info.value.path == "cells[0]" and "training.learning_rate" in info.value.reason


def test_cells_over_the_memory_budget_are_refused_before_any_compute():
    with pytest.raises(ExperimentError) as info:
        expand(load_sweep(tiny_spec(grid={"batch": [10, 10**7]}, seeds=None)), memory_budget=2**20)
    assert info.value.path == "cells[1]" and "memory budget" in info.value.reason


def test_seed_changes_the_draws_and_nothing_else():
    a, b = cells_of()[:2]
    assert a.experiment.replace(seed=1) == b.experiment
    assert not math.isclose(float(network.simulate(a.experiment).loss), float(network.simulate(b.experiment).loss))
