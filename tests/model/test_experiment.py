"""The experiment file: defaults, round trips, and one clear error per bad field."""

import json

import pytest

from initviz.errors import ExperimentError
from initviz.model import Component, default_experiment, experiment_json, load_experiment, parse_experiment, save_experiment, to_dict
from initviz.model.files import parse_json_text

ISSUE_EXAMPLE = {
    "format": "initviz.experiment", "version": 1,
    "name": "Deep tanh, Xavier", "seed": 0, "dtype": "float32",
    "input": {"features": 784, "batch": 512, "distribution": "normal"},
    "loss": "mse",
    "layers": [
        {"type": "dense", "units": 256, "activation": "tanh", "init": "xavier_uniform", "bias": "zeros"},
        {"type": "dense", "units": 10, "activation": {"name": "leaky_relu", "negative_slope": 0.1},
         "init": {"name": "kaiming_normal", "mode": "fan_out", "nonlinearity": "leaky_relu", "a": 0.1},
         "bias": {"name": "constant", "value": 0.1}},
    ],
}


def minimal(**layer):
    return {"input": {"features": 4, "batch": 2}, "layers": [{"units": 3, "activation": "tanh", "init": "xavier_uniform", **layer}]}


def test_issue_example_loads_with_its_values():
    exp = parse_experiment(ISSUE_EXAMPLE)
    assert exp.name == "Deep tanh, Xavier" and exp.dtype == "float32" and exp.input.features == 784
    assert exp.layers[1].activation == Component("leaky_relu", (("negative_slope", 0.1),))
    assert exp.layers[1].init.kwargs == {"a": 0.1, "mode": "fan_out", "nonlinearity": "leaky_relu"}
    assert exp.fans(0) == (784, 256) and exp.fans(1) == (256, 10)


def test_defaults():
    exp = parse_experiment(minimal())
    assert (exp.seed, exp.dtype, exp.loss, exp.input.distribution) == (0, "float32", "mse", "normal")
    assert exp.layers[0].type == "dense" and exp.layers[0].bias == Component("zeros")


@pytest.mark.parametrize("source", [ISSUE_EXAMPLE, to_dict(default_experiment())])
def test_round_trip_is_exact(source, tmp_path):
    exp = parse_experiment(source)
    path = tmp_path / "e.json"
    save_experiment(exp, path)
    again = load_experiment(path)
    assert again == exp
    assert experiment_json(again) == path.read_text(encoding="utf-8")
    assert to_dict(again)["layers"] == json.loads(json.dumps(source["layers"]))


def test_aliases_and_given_params_are_kept_as_written():
    exp = parse_experiment(minimal(init={"name": "he_normal", "mode": "fan_out"}))
    assert to_dict(exp)["layers"][0]["init"] == {"name": "he_normal", "mode": "fan_out"}


BAD = [
    ({**minimal(), "seed": -1}, "seed", "whole number"),
    ({**minimal(), "seed": True}, "seed", "whole number"),
    ({**minimal(), "dtype": "float16"}, "dtype", "float32, float64"),
    ({**minimal(), "loss": "hinge"}, "loss", "mse"),
    ({**minimal(), "version": 3}, "version", "newer"),
    ({**minimal(), "format": "other"}, "format", "initviz.experiment"),
    ({**minimal(), "colour": "red"}, "colour", "unknown key"),
    ({"layers": minimal()["layers"]}, "input", "missing"),
    ({**minimal(), "input": {"features": 0, "batch": 2}}, "input.features", "from 1"),
    ({**minimal(), "input": {"features": 3, "batch": 2.5}}, "input.batch", "whole number"),
    ({**minimal(), "input": {"features": 3, "batch": 2, "distribution": "cauchy"}}, "input.distribution", "normal, uniform"),
    ({**minimal(), "layers": []}, "layers", "1 to"),
    ({**minimal(), "layers": "dense"}, "layers", "list"),
    (minimal(units=0), "layers[0].units", "from 1"),
    (minimal(units="ten"), "layers[0].units", "whole number"),
    (minimal(type="conv"), "layers[0].type", "dense"),
    (minimal(dropout=0.5), "layers[0].dropout", "unknown key"),
    (minimal(activation="rectifier"), "layers[0].activation", "relu"),
    (minimal(activation={"name": "leaky_relu", "slope": 0.1}), "layers[0].activation.slope", "negative_slope"),
    (minimal(activation={"negative_slope": 0.1}), "layers[0].activation.name", "missing"),
    (minimal(activation=3), "layers[0].activation", "name"),
    (minimal(init="kaiming"), "layers[0].init", "kaiming_normal"),
    (minimal(init={"name": "kaiming_normal", "mode": "fan_avg"}), "layers[0].init.mode", "'fan_in', 'fan_out'"),
    (minimal(init={"name": "normal", "std": -1}), "layers[0].init.std", "[0.0, inf)"),
    (minimal(init={"name": "normal", "std": float("nan")}), "layers[0].init.std", "finite"),
    (minimal(init={"name": "normal", "std": "big"}), "layers[0].init.std", "finite number"),
    (minimal(init={"name": "sparse", "sparsity": 1.0}), "layers[0].init.sparsity", "[0.0, 1.0)"),
    (minimal(init={"name": "uniform", "a": 1, "b": 0}), "layers[0].init.b", "≥ a"),
    (minimal(init={"name": "xavier_uniform", "gain": "max"}), "layers[0].init.gain", "'auto'"),
    (minimal(bias="xavier_uniform"), "layers[0].bias", "allowed for a bias"),
    (minimal(bias="orthogonal"), "layers[0].bias", "zeros"),
    ([1, 2], "experiment", "object"),
]


@pytest.mark.parametrize("data, path, allowed", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_values_name_the_field_and_what_is_allowed(data, path, allowed):
    with pytest.raises(ExperimentError) as info:
        parse_experiment(data)
    assert isinstance(info.value, ValueError)
    assert info.value.path == path
    assert allowed in str(info.value)


@pytest.mark.parametrize("text, expected", [
    ('{"layers": [', "not valid JSON"),
    ('{"seed": NaN}', "NaN is not allowed"),
    ('{"seed": Infinity}', "Infinity is not allowed"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_bad_json_text(text, expected):
    with pytest.raises(ExperimentError, match=expected):
        parse_json_text(text)


def test_files_utf8_bom_accepted_utf16_refused(tmp_path):
    text = experiment_json(default_experiment())
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_experiment(bom) == default_experiment()
    utf16 = tmp_path / "u16.json"
    utf16.write_bytes(text.encode("utf-16"))
    with pytest.raises(ExperimentError, match="UTF-16"):
        load_experiment(utf16)


def test_missing_and_oversized_files(tmp_path):
    with pytest.raises(ExperimentError, match="cannot read"):
        load_experiment(tmp_path / "nope.json")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (6 * 1024 * 1024))
    with pytest.raises(ExperimentError, match="at most"):
        load_experiment(big)


def test_atomic_save_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "e.json"
    save_experiment(default_experiment(), path)
    before = path.read_bytes()
    import initviz.model.files as files

    def boom(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(ExperimentError, match="No space left"):
        save_experiment(parse_experiment(ISSUE_EXAMPLE), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["e.json"]


def test_replace_revalidates():
    with pytest.raises(ExperimentError, match="seed"):
        default_experiment().replace(seed=-5)


def one_layer(**layer):
    return {"input": {"features": 4, "batch": 3}, "layers": [{"units": 2, "activation": "relu", "init": "he_normal", **layer}]}


@pytest.mark.parametrize("data, path", [
    (one_layer(init={"name": "trunc_normal", "a": 40, "b": 41}), "layers[0].init"),
    (one_layer(init={"name": "normal", "std": 10**400}), "layers[0].init.std"),
    ({**one_layer(), "name": "\ud800"}, "name"),
])
def test_values_beyond_double_precision_are_refused(data, path):
    with pytest.raises(ExperimentError) as info:
        parse_experiment(data)
    assert info.value.path == path


def test_integer_literal_beyond_the_digit_limit():
    with pytest.raises(ExperimentError, match="file: not a usable JSON number"):
        parse_json_text('{"seed": ' + "9" * 5000 + "}")


@pytest.mark.parametrize("layer, path", [
    ({"init": {"name": "uniform", "a": -1e308, "b": 1e308}}, "layers[0].init"),
    ({"bias": {"name": "uniform", "a": -1e308, "b": 1e308}}, "layers[0].bias"),
    ({"init": {"name": "kaiming_normal", "a": 1e200}}, "layers[0].init"),
    ({"activation": {"name": "leaky_relu", "negative_slope": 1e308}, "init": "xavier_uniform"}, "layers[0].activation"),
])
def test_parameters_too_large_to_compute_are_reported_with_their_path(layer, path):
    import initviz
    with pytest.raises(ExperimentError) as info:
        initviz.simulate(one_layer(**layer))
    assert info.value.path == path and "too large" in str(info.value)
