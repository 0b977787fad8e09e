"""Format version 2: the data and training sections, cross_entropy, and version 1 files kept loading."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from initviz.engine import datasets
from initviz.errors import ExperimentError
from initviz.model import (
    DataSpec, Experiment, InputSpec, LayerSpec, TrainingSpec, experiment_json, fitted_to_data, load_experiment,
    parse_experiment, save_experiment, to_dict, validated,
)
from initviz.model.experiment import DEFAULT_STEPS, format_version

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parents[2] / "resources" / "examples"
V1_FILES = sorted((FIXTURES / "v1").glob("*.json"))
V2_FILES = sorted((FIXTURES / "v2").glob("*.json"))
SAVED_BY_INITVIZ = {"deep_relu_xavier.json", "deep_tanh_xavier.json", "digits_tanh_xavier.json",
                    "spirals_deep_relu_he.json", "teacher_selu_lecun.json"}


def net(*units, activation="tanh"):
    return [{"units": u, "activation": activation, "init": "xavier_uniform"} for u in units]


def v2(**changes):
    """A small valid version-2 experiment: moons, 2 → 8 → 2, cross_entropy."""
    base = {"version": 2, "input": {"batch": 16}, "loss": "cross_entropy", "data": {"name": "moons"},
            "layers": net(8, 2)}
    return {**base, **changes}


# --- version 1 files ------------------------------------------------------------------------

def test_there_are_version_1_fixtures():
    assert len(V1_FILES) >= 4 and len(V2_FILES) >= 4


@pytest.mark.parametrize("path", V1_FILES, ids=lambda p: p.name)
def test_version_1_fixtures_load_unchanged_and_save_as_version_1(path, tmp_path):
    exp = load_experiment(path)
    assert exp.data is None and exp.training is None and exp.loss == "mse"
    assert format_version(exp) == 1 and to_dict(exp)["version"] == 1
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert exp.input.features == raw["input"]["features"] and len(exp.layers) == len(raw["layers"])
    assert [layer.units for layer in exp.layers] == [layer["units"] for layer in raw["layers"]]
    save_experiment(exp, tmp_path / path.name)
    assert load_experiment(tmp_path / path.name) == exp
    if path.name in SAVED_BY_INITVIZ:
        assert experiment_json(exp) == path.read_text(encoding="utf-8")


def test_version_1_example_keeps_its_values():
    exp = load_experiment(FIXTURES / "v1" / "mixed_layers.json")
    assert exp.layers[1].init.kwargs == {"a": 0.1, "mode": "fan_out", "nonlinearity": "leaky_relu"}
    assert exp.layers[1].bias.kwargs == {"value": 0.1} and exp.fans(1) == (256, 10)


# --- version 2 files ------------------------------------------------------------------------

@pytest.mark.parametrize("path", V2_FILES, ids=lambda p: p.name)
def test_version_2_fixtures_round_trip(path, tmp_path):
    exp = load_experiment(path)
    assert exp.data is not None and format_version(exp) == 2
    save_experiment(exp, tmp_path / path.name)
    assert load_experiment(tmp_path / path.name) == exp
    if path.name in SAVED_BY_INITVIZ:
        assert experiment_json(exp) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_shipped_examples_load_and_their_networks_fit_their_data(path):
    exp = load_experiment(path)
    if exp.data is None:
        return
    shape = exp.data.shape()
    assert exp.input.features == shape.features and exp.layers[-1].units == shape.outputs
    assert (path.parent / path.name).read_text(encoding="utf-8") == experiment_json(exp)


def test_examples_with_data_are_shipped():
    names = {load_experiment(p).data.name for p in EXAMPLES.glob("*.json") if load_experiment(p).data}
    assert {"spirals", "digits", "teacher"} <= names


def test_sections_parse_with_their_values():
    exp = load_experiment(FIXTURES / "v2" / "spirals_deep_relu_he.json")
    assert exp.data == DataSpec("spirals", (("arms", 3), ("noise", 0.05)), n=1500, test_fraction=0.2, seed=0)
    assert exp.training == TrainingSpec("momentum", 0.01, 64, 3000, None, 0.9, 0.9, 0.999, 1e-8, 50, 0)
    assert exp.loss == "cross_entropy" and exp.input.features == 2 and len(exp.layers) == 30


def test_defaults_of_the_sections():
    exp = parse_experiment(v2(training={}))
    assert exp.data == DataSpec("moons") and exp.data.n is None
    assert exp.training == TrainingSpec() and exp.training.steps == DEFAULT_STEPS == 1000
    assert exp.input.features == 2  # taken from the data
    written = to_dict(exp)
    assert written["data"] == {"name": "moons", "test_fraction": 0.2, "seed": 0}
    assert written["training"]["steps"] == 1000 and "epochs" not in written["training"]


def test_epochs_instead_of_steps():
    exp = load_experiment(FIXTURES / "v2" / "epochs_minimal.json")
    assert exp.training.steps is None and exp.training.epochs == 5
    assert "steps" not in to_dict(exp)["training"]
    n_train = exp.data.shape().n - exp.data.shape().n_test
    assert n_train == 800 and exp.training.total_steps(n_train) == 5 * 13  # ⌈800 / 64⌉ = 13 (input.batch is not it)


def test_total_steps_and_effective_batch():
    spec = TrainingSpec(batch_size=64, steps=None, epochs=3)
    assert spec.effective_batch(1000) == 64 and spec.total_steps(1000) == 3 * 16
    assert spec.effective_batch(10) == 10 and spec.total_steps(10) == 3
    assert TrainingSpec(steps=7).total_steps(10**6) == 7


def test_data_params_keep_only_what_was_given_in_registry_order():
    exp = parse_experiment(v2(data={"name": "spirals", "params": {"noise": 0.2, "arms": 4}}, layers=net(8, 4)))
    assert exp.data.params == (("arms", 4), ("noise", 0.2))
    assert to_dict(exp)["data"]["params"] == {"arms": 4, "noise": 0.2}


def test_numbers_are_normalised():
    exp = parse_experiment(v2(data={"name": "moons", "n": 500.0, "test_fraction": 0.25},
                              training={"batch_size": 32.0, "learning_rate": 1}))
    assert exp.data.n == 500 and isinstance(exp.data.n, int)
    assert exp.training.batch_size == 32 and isinstance(exp.training.learning_rate, float)


def test_version_is_the_lowest_that_holds_the_file():
    plain = parse_experiment({"input": {"features": 3, "batch": 2}, "layers": net(2)})
    assert to_dict(plain)["version"] == 1 and "data" not in to_dict(plain) and "training" not in to_dict(plain)
    assert to_dict(parse_experiment(v2()))["version"] == 2
    assert to_dict(parse_experiment(v2(loss="mse")))["version"] == 2  # data alone needs 2
    missing = {k: v for k, v in v2().items() if k != "version"}
    assert parse_experiment(missing) == parse_experiment(v2())  # no version: the current one


def test_mse_on_a_classification_data_set_is_allowed():
    exp = parse_experiment(v2(loss="mse"))
    assert exp.loss == "mse" and exp.data.name == "moons"


def test_regression_data():
    exp = parse_experiment(v2(loss="mse", data={"name": "teacher", "params": {"features": 5, "outputs": 3}},
                              layers=net(8, 3)))
    assert exp.input.features == 5 and exp.data.shape().n_classes is None


def test_code_built_experiments_validate():
    exp = Experiment(layers=(LayerSpec(8), LayerSpec(2, init=LayerSpec(1).init)), input=InputSpec(features=2),
                     loss="cross_entropy", data=DataSpec("xor"), training=TrainingSpec(optimizer="adam"))
    assert validated(exp) == exp
    with pytest.raises(ExperimentError) as info:
        validated(dataclasses.replace(exp, training=TrainingSpec(epochs=3)))  # steps must be set to None
    assert info.value.path == "training.epochs"


def test_fitted_to_data():
    exp = Experiment(layers=(LayerSpec(8), LayerSpec(5)), input=InputSpec(features=784), loss="cross_entropy",
                     data=DataSpec("teacher", (("outputs", 2),)))
    fitted = fitted_to_data(exp)
    assert fitted.input.features == 10 and fitted.layers[-1].units == 2 and fitted.loss == "mse"
    assert fitted.layers[0] == exp.layers[0] and validated(fitted) == fitted
    no_data = dataclasses.replace(exp, data=None)
    assert fitted_to_data(no_data).loss == "mse" and fitted_to_data(no_data).layers == exp.layers


def test_data_spec_loads_its_data():
    spec = parse_experiment(v2(data={"name": "moons", "n": 100, "seed": 4})).data
    ds = spec.load()
    again = datasets.load("moons", n=100, seed=4)
    assert np.array_equal(ds.x_train, again.x_train) and np.array_equal(ds.y_test, again.y_test)


# --- errors ---------------------------------------------------------------------------------

BAD = [
    (v2(version=1), "data", "needs format version 2; the file says version 1"),
    ({**v2(version=1), "data": None, "training": {}}, "data", "needs format version 2"),
    ({"version": 1, "input": {"features": 2, "batch": 2}, "layers": net(2), "training": {}}, "training",
     "needs format version 2"),
    ({"version": 1, "input": {"features": 2, "batch": 2}, "layers": net(2), "loss": "cross_entropy"}, "loss",
     "needs format version 2"),
    (v2(version=3), "version", "newer than this initviz reads (up to 2)"),
    (v2(data="moons"), "data", "expected an object"),
    (v2(data={"params": {}}), "data.name", "missing"),
    (v2(data={"name": "mnist"}), "data.name", "allowed: spirals, moons"),
    (v2(data={"name": "moons", "colour": 1}), "data.colour", "unknown key; allowed: name, params, n"),
    (v2(data={"name": "moons", "params": {"noise": -0.1}}), "data.params.noise", "[0.0, inf)"),
    (v2(data={"name": "moons", "params": {"arms": 3}}), "data.params.arms", "allowed parameters: noise"),
    (v2(data={"name": "moons", "n": 3}), "data.n", "[4, 1000000]"),
    (v2(data={"name": "moons", "test_fraction": 1.5}), "data.test_fraction", "(0.0, 1.0)"),
    (v2(data={"name": "moons", "seed": -1}), "data.seed", "whole number"),
    (v2(training={"optimizer": "rmsprop"}), "training.optimizer", "'sgd', 'momentum', 'adam'"),
    (v2(training={"learning_rate": 0}), "training.learning_rate", "(0.0, inf)"),
    (v2(training={"learning_rate": "fast"}), "training.learning_rate", "finite number"),
    (v2(training={"batch_size": 0}), "training.batch_size", "[1, 10000000]"),
    (v2(training={"steps": 10, "epochs": 2}), "training.epochs", "not both"),
    (v2(training={"steps": 0}), "training.steps", "whole number in [1, "),
    (v2(training={"momentum": 1.0}), "training.momentum", "[0.0, 1.0)"),
    (v2(training={"beta2": -0.1}), "training.beta2", "[0.0, 1.0)"),
    (v2(training={"eps": 0}), "training.eps", "(0.0, 1.0]"),
    (v2(training={"snapshot_every": 0.5}), "training.snapshot_every", "whole number"),
    (v2(training={"nesterov": True}), "training.nesterov", "unknown key; allowed: optimizer, learning_rate"),
    (v2(training=[]), "training", "expected an object"),
    ({**v2(), "data": None}, "data", "expected an object"),
    ({k: v for k, v in v2(training={}, loss="mse").items() if k != "data"} | {"input": {"features": 2, "batch": 2}},
     "training", "needs a 'data' section"),
    ({"input": {"features": 2, "batch": 2}, "layers": net(2), "loss": "cross_entropy"}, "loss",
     "needs a classification data set"),
    (v2(data={"name": "teacher", "params": {"features": 2, "outputs": 2}}), "loss",
     "'teacher' is a regression; allowed: mse"),
    (v2(loss="hinge"), "loss", "mse, cross_entropy"),
    (v2(input={"features": 3, "batch": 2}), "input.features", "'moons' has 2 features"),
    (v2(layers=net(8, 3)), "layers[1].units", "needs 2 units, one per class of the data set 'moons'"),
    (v2(loss="mse", data={"name": "teacher", "params": {"features": 2}}), "layers[1].units",
     "needs 1 unit, one per regression target"),
    ({"input": {"batch": 2}, "layers": net(2)}, "input.features", "missing"),
]


@pytest.mark.parametrize("data, path, allowed", BAD, ids=[f"{b[1]}:{b[2][:30]}" for b in BAD])
def test_bad_sections_name_the_field_and_what_is_allowed(data, path, allowed):
    with pytest.raises(ExperimentError) as info:
        parse_experiment(data)
    assert info.value.path == path
    assert allowed in str(info.value)
