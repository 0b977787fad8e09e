"""LSUV (Mishkin & Matas 2015): unit variance layer by layer, as a reproducible orthogonal-gain edit."""

import ast
import dataclasses
import inspect
import math

import numpy as np
import pytest

from initviz.engine import jacobian, lsuv, network, symmetry
from initviz.errors import ExperimentError
from initviz.model import Component, parse_experiment
from initviz.model.experiment import parse_scheme


def make(activation, depth=8, width=48, dtype="float64", bias="zeros", init="xavier_uniform", features=32, batch=256):
    return parse_experiment({"dtype": dtype, "seed": 5, "input": {"features": features, "batch": batch},
                             "layers": [{"units": width, "activation": activation, "init": init, "bias": bias}
                                        for _ in range(depth)]})


def variances(experiment):
    return [float(np.var(layer.z, dtype=np.float64)) for layer in network.simulate(experiment).layers]


@pytest.mark.parametrize("activation, dtype, bias", [
    ("tanh", "float64", {"name": "normal", "std": 0.5}),
    ("relu", "float32", "zeros"),
    ("relu", "float64", {"name": "uniform", "a": -0.3, "b": 0.4}),
])
def test_every_layer_reaches_unit_variance_and_the_edit_reproduces_it(activation, dtype, bias):
    exp = make(activation, dtype=dtype, bias=bias)
    result = lsuv.lsuv(exp)
    assert result.converged and not any(layer.hit_max_iter for layer in result.layers)
    assert all(abs(layer.variance - 1) < 0.1 for layer in result.layers)
    assert all(layer.rescales >= 1 for layer in result.layers[1:])  # orthonormal alone does not give Var 1
    edited = exp.replace(layers=lsuv.lsuv_layers(exp, result))
    for spec, gain in zip(edited.layers, result.gains):
        assert spec.init == Component("orthogonal", (("gain", gain),))
    # Re-drawing orthogonal(gain) from each layer's own stream gives back the LSUV weights exactly.
    assert variances(edited) == [layer.variance for layer in result.layers]
    # The JSON form is what the document model parses into the same component.
    assert [parse_scheme(spec, "init") for spec in lsuv.lsuv_inits(result)] == [s.init for s in edited.layers]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_logged_measurement_is_what_a_real_draw_of_its_gain_gives(dtype):
    """LSUV draws Q once per layer and scales it per trial gain; re-drawing orthogonal(gain) for
    any logged step must give the same bits, for widening (Qᵀ) and narrowing (Q) layers alike."""
    layers = [{"units": w, "activation": "tanh", "init": "xavier_uniform", "bias": {"name": "normal", "std": 0.7}}
              for w in (24, 56, 16, 40)]
    exp = parse_experiment({"dtype": dtype, "seed": 9, "input": {"features": 32, "batch": 64}, "layers": layers})
    result = lsuv.lsuv(exp, tol=1e-6)
    assert len({step.gain for step in result.steps}) > 2 * len(layers)  # several trial gains per layer
    for step in result.steps:
        gains = [*result.gains[:step.layer], step.gain, *result.gains[step.layer + 1:]]
        trial = tuple(dataclasses.replace(spec, init=Component("orthogonal", (("gain", g),)))
                      for spec, g in zip(exp.layers, gains))
        assert variances(exp.replace(layers=trial))[step.layer] == step.variance


def test_the_log_records_each_measurement_and_rescale():
    exp = make("tanh", depth=3, bias={"name": "normal", "std": 0.7})
    result = lsuv.lsuv(exp, tol=1e-3)
    by_layer = [[s for s in result.steps if s.layer == i] for i in range(3)]
    for layer, steps in zip(result.layers, by_layer):
        assert [s.iteration for s in steps] == list(range(len(steps)))
        assert steps[0].gain == 1.0  # the orthonormal start
        for before, after in zip(steps, steps[1:]):
            assert before.rescaled and after.gain == before.new_gain
            assert before.new_gain == pytest.approx(before.gain / math.sqrt(before.variance), rel=1e-15)
        assert not steps[-1].rescaled
        assert steps[-1].variance == layer.variance and steps[-1].gain == layer.gain
        assert layer.rescales == len(steps) - 1
        assert abs(layer.variance - 1) < 1e-3
    assert max(layer.rescales for layer in result.layers) >= 2  # the bias makes one rescale inexact
    unit = make("tanh", depth=1, init="orthogonal", bias={"name": "normal", "std": 0.7})
    assert by_layer[0][0].variance == variances(unit)[0]  # iteration 0 is the orthonormal init itself


def test_max_iter_is_flagged():
    result = lsuv.lsuv(make("tanh", depth=3, bias={"name": "normal", "std": 0.7}), tol=1e-12, max_iter=1)
    assert all(layer.hit_max_iter and layer.rescales == 1 for layer in result.layers)
    assert len(result.steps) == 6 and not result.converged
    assert "stopped after 1 rescales" in result.layers[0].reason


def test_dead_relu_layer_stops_with_a_reason_not_a_division_by_zero():
    """A bias of −100 kills every unit of layer 0 whatever its gain; the layers above see zeros."""
    exp = make("relu", depth=3)
    dead = dataclasses.replace(exp.layers[0], bias=Component("constant", (("value", -100.0),)))
    exp = exp.replace(layers=(dead, *exp.layers[1:]))
    result = lsuv.lsuv(exp)
    assert [layer.status for layer in result.layers] == ["converged", "zero_variance", "zero_variance"]
    assert result.layers[1].variance == 0.0 and result.layers[1].gain == 1.0
    assert "dead ReLU" in result.layers[1].reason


def test_overflow_stops_with_non_finite_status():
    """float32: a bias at 3e38 swamps layer 0 (Var(z) = 0 exactly); layer 1 sums it to ±inf."""
    layers = [{"units": 16, "activation": "identity", "init": "xavier_uniform",
               "bias": {"name": "constant", "value": 3e38}},
              {"units": 16, "activation": "identity", "init": "xavier_uniform"}]
    exp = parse_experiment({"dtype": "float32", "seed": 1, "input": {"features": 16, "batch": 64}, "layers": layers})
    result = lsuv.lsuv(exp)
    assert [layer.status for layer in result.layers] == ["zero_variance", "non_finite"]
    assert "overflowed" in result.layers[1].reason


@pytest.mark.parametrize("field, value", [("tol", 0), ("tol", -0.1), ("tol", math.nan), ("tol", math.inf),
                                          ("tol", True), ("tol", "0.1"), ("max_iter", 0), ("max_iter", 2.0),
                                          ("max_iter", True)])
def test_parameters_are_validated_with_the_field_named(field, value):
    with pytest.raises(ExperimentError, match=f"^{field}: got"):
        lsuv.lsuv(make("tanh", depth=1), **{field: value})


def test_cancel_stops_between_measurements():
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(network.Cancelled):
        lsuv.lsuv(make("tanh", depth=4), cancel=cancel)


def test_layer_count_must_match():
    result = lsuv.lsuv(make("tanh", depth=2))
    with pytest.raises(ExperimentError, match="^layers: "):
        lsuv.lsuv_layers(make("tanh", depth=3), result)


@pytest.mark.parametrize("module", [lsuv, jacobian, symmetry], ids=lambda m: m.__name__)
def test_engine_modules_import_only_numpy_the_engine_and_errors(module):
    """DESIGN.md: the engine never imports the document model or Qt (importing ``initviz`` itself
    loads the model, so the check reads the module's own imports)."""
    tree = ast.parse(inspect.getsource(module))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    ours = {name for name in imported if name.split(".")[0] == "initviz"}
    assert ours and all(name.startswith(("initviz.engine", "initviz.errors")) for name in ours), ours
    assert not {name.split(".")[0] for name in imported} & {"PySide6", "pyqtgraph", "shiboken6"}
