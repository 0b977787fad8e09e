"""The experiment document: frozen dataclasses, validation, versioned JSON.

An experiment file is data only: loading parses JSON and checks every field against the
scheme and activation registries; nothing in it is executed. Every problem raises
:class:`~initviz.errors.ExperimentError` naming the field path and what is allowed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from initviz.engine import activations, initializers
from initviz.errors import ExperimentError, join_path

FORMAT = "initviz.experiment"
VERSION = 1
DTYPES = ("float32", "float64")
INPUT_DISTRIBUTIONS = ("normal", "uniform")
LOSSES = ("mse",)
LAYER_TYPES = ("dense",)
MAX_LAYERS = 1000
MAX_SIZE = 10_000_000  # units, features or batch; the memory guard judges the product
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Component:
    """A scheme or activation: its name as written and the parameters given explicitly.

    Parameters are kept in registry order; defaults are not stored, so a file round-trips.
    """

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    def to_json(self) -> str | dict[str, Any]:
        return self.name if not self.params else {"name": self.name, **self.kwargs}


@dataclass(frozen=True)
class InputSpec:
    """The input batch: ``batch`` rows of ``features`` values, N(0,1) or unit-variance uniform."""

    features: int = 784
    batch: int = 512
    distribution: str = "normal"


@dataclass(frozen=True)
class LayerSpec:
    """A dense layer: ``z = a_prev @ W + b``, ``a = activation(z)``."""

    units: int
    activation: Component = Component("tanh")
    init: Component = Component("xavier_uniform")
    bias: Component = Component("zeros")
    type: str = "dense"


@dataclass(frozen=True)
class Experiment:
    """A whole experiment: input, layer stack, loss, seed and dtype."""

    layers: tuple[LayerSpec, ...]
    name: str = "Untitled experiment"
    seed: int = 0
    dtype: str = "float32"
    input: InputSpec = field(default_factory=InputSpec)
    loss: str = "mse"

    def fans(self, index: int) -> tuple[int, int]:
        """(fan_in, fan_out) of layer ``index``."""
        fan_in = self.input.features if index == 0 else self.layers[index - 1].units
        return fan_in, self.layers[index].units

    def replace(self, **changes: Any) -> "Experiment":
        """A validated copy with top-level fields changed."""
        return validated(dataclasses.replace(self, **changes))


def default_experiment() -> Experiment:
    """The built-in start: 10 dense tanh layers of 256 units with Xavier init (Glorot & Bengio 2010)."""
    layers = tuple(LayerSpec(256) for _ in range(10))
    return Experiment(layers=layers, name="Deep tanh, Xavier")


# --- parsing -----------------------------------------------------------------------------

def _keys(data: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(data, dict):
        raise ExperimentError(path or "experiment", f"expected an object, got {type(data).__name__}")
    for key in data:
        if key not in allowed:
            raise ExperimentError(join_path(path, str(key)), f"unknown key; allowed: {', '.join(allowed)}")
    for key in required:
        if key not in data:
            raise ExperimentError(join_path(path, key), "missing")
    return data


def _int(data: Mapping, key: str, path: str, default: int, low: int, high: int) -> int:
    value = data.get(key, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ExperimentError(join_path(path, key), f"got {value!r}; allowed: a whole number from {low} to {high}")
    return value


def _choice(data: Mapping, key: str, path: str, default: str, allowed: tuple[str, ...]) -> str:
    value = data.get(key, default)
    if value not in allowed or not isinstance(value, str):
        raise ExperimentError(join_path(path, key), f"got {value!r}; allowed: {', '.join(allowed)}")
    return value


def _component_parts(data: Any, path: str, what: str) -> tuple[Any, dict]:
    if isinstance(data, str):
        return data, {}
    if isinstance(data, dict):
        if "name" not in data:
            raise ExperimentError(join_path(path, "name"), f"missing: the {what} name")
        params = {k: v for k, v in data.items() if k != "name"}
        return data["name"], params
    raise ExperimentError(path, f"expected a {what} name or an object with 'name', got {type(data).__name__}")


def _ordered(params: Mapping[str, Any], resolved: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, resolved[k]) for k in resolved if k in params)


def parse_activation(data: Any, path: str) -> Component:
    name, given = _component_parts(data, path, "activation")
    if not isinstance(name, str):
        raise ExperimentError(join_path(path, "name"), f"expected a string, got {name!r}")
    _, resolved = activations.resolve(name, given, path)
    return Component(name, _ordered(given, resolved))


def parse_scheme(data: Any, path: str, for_bias: bool = False) -> Component:
    name, given = _component_parts(data, path, "init scheme")
    if not isinstance(name, str):
        raise ExperimentError(join_path(path, "name"), f"expected a string, got {name!r}")
    _, resolved = initializers.resolve(name, given, path, for_bias=for_bias)
    return Component(name, _ordered(given, resolved))


def parse_layer(data: Any, path: str) -> LayerSpec:
    _keys(data, path, ("type", "units", "activation", "init", "bias"), required=("units", "activation", "init"))
    return LayerSpec(
        type=_choice(data, "type", path, "dense", LAYER_TYPES),
        units=_int(data, "units", path, 0, 1, MAX_SIZE),
        activation=parse_activation(data["activation"], join_path(path, "activation")),
        init=parse_scheme(data["init"], join_path(path, "init")),
        bias=parse_scheme(data.get("bias", "zeros"), join_path(path, "bias"), for_bias=True),
    )


def parse_experiment(data: Any) -> Experiment:
    """Validate a decoded JSON object and build the :class:`Experiment`."""
    top = ("format", "version", "name", "seed", "dtype", "input", "loss", "layers")
    _keys(data, "", top, required=("input", "layers"))
    if data.get("format", FORMAT) != FORMAT:
        raise ExperimentError("format", f"got {data['format']!r}; allowed: {FORMAT!r}")
    version = data.get("version", VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ExperimentError("version", f"got {version!r}; allowed: a whole number from 1 to {VERSION}")
    if version > VERSION:
        raise ExperimentError("version", f"file is format version {version}, newer than this initviz reads "
                                         f"(up to {VERSION}); upgrade initviz to open it")
    name = data.get("name", "Untitled experiment")
    if not isinstance(name, str) or len(name) > 500:
        raise ExperimentError("name", f"expected a string of at most 500 characters, got {name!r:.60}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escape ("\ud800") could never be saved
        raise ExperimentError("name", "contains a character that is not valid Unicode text") from None
    inp = _keys(data["input"], "input", ("features", "batch", "distribution"), required=("features", "batch"))
    layers = data["layers"]
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ExperimentError("layers", f"expected a list of 1 to {MAX_LAYERS} layers")
    return Experiment(
        name=name,
        seed=_int(data, "seed", "", 0, 0, MAX_SEED),
        dtype=_choice(data, "dtype", "", "float32", DTYPES),
        loss=_choice(data, "loss", "", "mse", LOSSES),
        input=InputSpec(
            features=_int(inp, "features", "input", 784, 1, MAX_SIZE),
            batch=_int(inp, "batch", "input", 512, 1, MAX_SIZE),
            distribution=_choice(inp, "distribution", "input", "normal", INPUT_DISTRIBUTIONS),
        ),
        layers=tuple(parse_layer(layer, join_path("layers", i)) for i, layer in enumerate(layers)),
    )


def to_dict(experiment: Experiment) -> dict[str, Any]:
    """The JSON form of an experiment (the inverse of :func:`parse_experiment`)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": experiment.name,
        "seed": experiment.seed,
        "dtype": experiment.dtype,
        "input": dataclasses.asdict(experiment.input),
        "loss": experiment.loss,
        "layers": [
            {"type": layer.type, "units": layer.units, "activation": layer.activation.to_json(),
             "init": layer.init.to_json(), "bias": layer.bias.to_json()}
            for layer in experiment.layers
        ],
    }


def validated(experiment: Experiment) -> Experiment:
    """Re-check an experiment built in code; returns the normalised equivalent."""
    return parse_experiment(to_dict(experiment))
