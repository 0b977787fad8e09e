"""Experiments built in code: a stack of equal layers, a list of layers, and copies with every
layer's init or activation swapped.

Everything goes through the same validation as a file (:func:`parse_experiment` of the JSON
form), so a bad value raises :class:`~initviz.errors.ExperimentError` naming its field, exactly
as loading a file with that value would.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Sequence

from initviz.errors import ExperimentError
from initviz.model.experiment import (DataSpec, Experiment, LayerSpec, TrainingSpec, data_to_dict, parse_activation,
                                      parse_experiment, parse_scheme, task_of, to_dict, training_to_dict)
from initviz.model.sections import DEFAULT_LOSS, parse_data

Spec = Any  # a name ("he_normal"), a JSON object ({"name": "orthogonal", "gain": 2}) or a Component


def _json(component: Any) -> Any:
    """A component as JSON: names and dicts pass through; a Component gives its JSON form."""
    return component.to_json() if hasattr(component, "to_json") else component


def _layer_json(layer: Any, index: int) -> dict[str, Any]:
    if isinstance(layer, LayerSpec):
        return {"type": layer.type, "units": layer.units, "activation": layer.activation.to_json(),
                "init": layer.init.to_json(), "bias": layer.bias.to_json()}
    if isinstance(layer, dict):
        return {"activation": "tanh", "init": "xavier_uniform", **layer}
    raise ExperimentError(f"layers[{index}]", f"expected a LayerSpec or a dict like {{'units': 64, 'activation': "
                                              f"'relu', 'init': 'he_normal'}}, got {type(layer).__name__}")


def _section(value: Any, to_json: Any, kind: type) -> Any:
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, kind):
        return to_json(value)
    return {"name": value} if kind is DataSpec and isinstance(value, str) else value


def experiment(layers: Sequence[Any], *, features: int | None = None, batch: int = 512,
               distribution: str = "normal", seed: int = 0, dtype: str = "float32", loss: str | None = None,
               name: str = "Untitled experiment", data: Any = None, training: Any = None) -> Experiment:
    """An experiment from a list of layers (``LayerSpec`` or JSON-style dicts; a dict's
    activation and init default to tanh and xavier_uniform, as in :class:`LayerSpec`).

    ``features`` defaults to the data's features with ``data``, else to the first layer's
    width. ``data`` is a data set name (``"spirals"``), its JSON section or a DataSpec;
    ``training`` a JSON section or a TrainingSpec. ``loss`` defaults to cross_entropy for a
    classification data set and mse otherwise.

    >>> exp = experiment([{"units": 64, "activation": "relu", "init": "he_normal"},
    ...                   {"units": 10, "activation": "identity", "init": "xavier_normal"}], features=32)
    >>> exp.fans(1)
    (64, 10)
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        raise ExperimentError("layers", f"expected a list of layers, got {type(layers).__name__}")
    layer_list = [_layer_json(layer, i) for i, layer in enumerate(layers)]
    data_json = _section(data, data_to_dict, DataSpec)
    inp: dict[str, Any] = {"batch": batch, "distribution": distribution}
    if features is not None:
        inp["features"] = features
    elif data_json is None and layer_list:
        inp["features"] = layer_list[0].get("units")
    doc: dict[str, Any] = {"name": name, "seed": seed, "dtype": dtype, "input": inp, "layers": layer_list}
    if data_json is not None:
        doc["data"] = data_json
        doc["version"] = 2
    if training is not None:
        doc["training"] = _section(training, training_to_dict, TrainingSpec)
        doc["version"] = 2
    doc["loss"] = loss if loss is not None else _default_loss(data_json)
    if doc["loss"] == "cross_entropy":
        doc["version"] = 2
    return parse_experiment(doc)


def _default_loss(data_json: Any) -> str:
    if data_json is None:
        return "mse"
    _, shape = parse_data(data_json)
    return DEFAULT_LOSS[task_of(shape)]


def _outputs_of(data: Any) -> int | None:
    data_json = _section(data, data_to_dict, DataSpec)
    return None if data_json is None else parse_data(data_json)[1].outputs


def stack(depth: int, width: int, activation: Spec = "tanh", init: Spec = "xavier_uniform", bias: Spec = "zeros", *,
          outputs: int | None = None, output_activation: Spec | None = None, output_init: Spec | None = None,
          features: int | None = None, **options: Any) -> Experiment:
    """``depth`` dense layers: ``depth − 1`` hidden layers of ``width`` units, then an output
    layer of ``outputs`` units (default: ``width``, or one per class or target of ``data``).

    The output layer takes ``output_activation`` (default: ``activation``, or ``identity`` when
    training on data) and ``output_init`` (default: ``init``). ``features`` defaults to
    ``width`` (or the data's). Other keywords go to :func:`experiment` (batch, seed, dtype,
    loss, name, data, training, distribution).

    >>> exp = stack(30, 256, "relu", "he_normal", dtype="float64")
    >>> len(exp.layers), exp.layers[0].init.name, exp.fans(0)
    (30, 'he_normal', (256, 256))
    """
    for name, value in (("depth", depth), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ExperimentError(name, f"got {value!r}; allowed: a whole number ≥ 1")
    data = options.get("data")
    if outputs is None:
        outputs = _outputs_of(data) or width
    if output_activation is None:
        output_activation = "identity" if data is not None else activation
    hidden = {"units": width, "activation": _json(activation), "init": _json(init), "bias": _json(bias)}
    last = {"units": outputs, "activation": _json(output_activation),
            "init": _json(init if output_init is None else output_init), "bias": _json(bias)}
    if features is None and data is None:
        features = width
    return experiment([dict(hidden) for _ in range(depth - 1)] + [last], features=features, **options)


def _indices(experiment: Experiment, layers: Iterable[int] | None) -> list[int]:
    if layers is None:
        return list(range(len(experiment.layers)))
    chosen = list(layers)
    for i in chosen:
        if isinstance(i, bool) or not isinstance(i, int) or not -len(experiment.layers) <= i < len(experiment.layers):
            raise ExperimentError("layers", f"got {i!r}; allowed: layer indices from 0 to {len(experiment.layers) - 1}")
    return [i % len(experiment.layers) for i in chosen]


def _with(experiment: Experiment, field: str, component: Any, layers: Iterable[int] | None) -> Experiment:
    chosen = _indices(experiment, layers)
    specs = list(experiment.layers)
    for i in chosen:
        path = f"layers[{i}].{field}"
        parsed = parse_activation(_json(component), path) if field == "activation" else \
            parse_scheme(_json(component), path, for_bias=field == "bias")
        specs[i] = dataclasses.replace(specs[i], **{field: parsed})
    return parse_experiment(to_dict(dataclasses.replace(experiment, layers=tuple(specs))))


def with_init(experiment: Experiment, init: Spec, layers: Iterable[int] | None = None) -> Experiment:
    """A copy with the weight init of every layer (or of the ``layers`` indices) replaced.

    >>> with_init(stack(3, 8), {"name": "orthogonal", "gain": 2.0}).layers[2].init.kwargs
    {'gain': 2.0}
    """
    return _with(experiment, "init", init, layers)


def with_activation(experiment: Experiment, activation: Spec, layers: Iterable[int] | None = None) -> Experiment:
    """A copy with the activation of every layer (or of the ``layers`` indices) replaced.

    >>> [layer.activation.name for layer in with_activation(stack(3, 8), "relu", layers=[0, 1]).layers]
    ['relu', 'relu', 'tanh']
    """
    return _with(experiment, "activation", activation, layers)


def with_bias(experiment: Experiment, bias: Spec, layers: Iterable[int] | None = None) -> Experiment:
    """A copy with the bias init of every layer (or of the ``layers`` indices) replaced.

    >>> with_bias(stack(2, 4), {"name": "constant", "value": 0.1}).layers[0].bias.to_json()
    {'name': 'constant', 'value': 0.1}
    """
    return _with(experiment, "bias", bias, layers)
