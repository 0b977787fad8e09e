"""The experiment document: frozen dataclasses, validation, versioned JSON.

An experiment file is data only: loading parses JSON and checks every field against the
scheme, activation and data set registries; nothing in it is executed. Every problem raises
:class:`~initviz.errors.ExperimentError` naming the field path and what is allowed.

Format versions: 1 is the network alone; 2 adds the optional ``data`` and ``training``
sections and the ``cross_entropy`` loss. A file is written with the lowest version that holds
everything in it, so an experiment that uses nothing new still saves as version 1 (and opens in
older initviz); version 1 files load unchanged; a version above :data:`VERSION` is refused.

The ``data`` and ``training`` sections, the loss rules and the fit of a network to its data live
in :mod:`initviz.model.sections`; they are re-exported here, the place to import them from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from initviz.engine import activations, initializers
from initviz.errors import ExperimentError, join_path
from initviz.model.fields import MAX_SEED, MAX_SIZE, check_keys, ordered_params, read_choice, read_int
from initviz.model.sections import (  # noqa: F401  (re-exported)
    DEFAULT_LOSS, DEFAULT_STEPS, LOSS_RULES, LOSSES, MAX_STEPS, OPTIMIZERS, TRAINING_PARAMS, DataSpec, Loss,
    TrainingSpec, check_fit, data_to_dict, fitted_to_data, parse_data, parse_training, task_of, training_to_dict,
)

FORMAT = "initviz.experiment"
VERSION = 2
DTYPES = ("float32", "float64")
INPUT_DISTRIBUTIONS = ("normal", "uniform")
LAYER_TYPES = ("dense",)
MAX_LAYERS = 1000


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
    """A whole experiment: input, layer stack, loss, seed and dtype; optionally the ``data`` to
    train on and the ``training`` settings (format version 2).

    With ``data``, ``input.features`` equals the data's features and the last layer has one unit
    per class (classification) or per target (regression). ``training`` needs ``data``; without
    ``training`` a trainer uses ``TrainingSpec()``."""

    layers: tuple[LayerSpec, ...]
    name: str = "Untitled experiment"
    seed: int = 0
    dtype: str = "float32"
    input: InputSpec = field(default_factory=InputSpec)
    loss: str = "mse"
    data: DataSpec | None = None
    training: TrainingSpec | None = None

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

def _component_parts(data: Any, path: str, what: str) -> tuple[Any, dict]:
    if isinstance(data, str):
        return data, {}
    if isinstance(data, dict):
        if "name" not in data:
            raise ExperimentError(join_path(path, "name"), f"missing: the {what} name")
        params = {k: v for k, v in data.items() if k != "name"}
        return data["name"], params
    raise ExperimentError(path, f"expected a {what} name or an object with 'name', got {type(data).__name__}")


def parse_activation(data: Any, path: str) -> Component:
    name, given = _component_parts(data, path, "activation")
    if not isinstance(name, str):
        raise ExperimentError(join_path(path, "name"), f"expected a string, got {name!r}")
    _, resolved = activations.resolve(name, given, path)
    return Component(name, ordered_params(given, resolved))


def parse_scheme(data: Any, path: str, for_bias: bool = False) -> Component:
    name, given = _component_parts(data, path, "init scheme")
    if not isinstance(name, str):
        raise ExperimentError(join_path(path, "name"), f"expected a string, got {name!r}")
    _, resolved = initializers.resolve(name, given, path, for_bias=for_bias)
    return Component(name, ordered_params(given, resolved))


def parse_layer(data: Any, path: str) -> LayerSpec:
    check_keys(data, path, ("type", "units", "activation", "init", "bias"),
               required=("units", "activation", "init"))
    return LayerSpec(
        type=read_choice(data, "type", path, "dense", LAYER_TYPES),
        units=read_int(data, "units", path, 0, 1, MAX_SIZE),
        activation=parse_activation(data["activation"], join_path(path, "activation")),
        init=parse_scheme(data["init"], join_path(path, "init")),
        bias=parse_scheme(data.get("bias", "zeros"), join_path(path, "bias"), for_bias=True),
    )


def _version(data: Mapping) -> int:
    """The file's format version, refused when newer than this initviz or too old for what the
    file uses (a ``data`` section in a version 1 file)."""
    version = data.get("version", VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ExperimentError("version", f"got {version!r}; allowed: a whole number from 1 to {VERSION}")
    if version > VERSION:
        raise ExperimentError("version", f"file is format version {version}, newer than this initviz reads "
                                         f"(up to {VERSION}); upgrade initviz to open it")
    for key in ("data", "training"):
        if key in data and version < 2:
            raise ExperimentError(key, f"the {key!r} section needs format version 2; the file says version {version}")
    loss = LOSS_RULES.get(data.get("loss")) if isinstance(data.get("loss"), str) else None
    if loss is not None and loss.version > version:
        raise ExperimentError("loss", f"{loss.name!r} needs format version {loss.version}; "
                                      f"the file says version {version}")
    return version


def _name(data: Mapping) -> str:
    name = data.get("name", "Untitled experiment")
    if not isinstance(name, str) or len(name) > 500:
        raise ExperimentError("name", f"expected a string of at most 500 characters, got {name!r:.60}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escape ("\ud800") could never be saved
        raise ExperimentError("name", "contains a character that is not valid Unicode text") from None
    return name


def parse_experiment(data: Any) -> Experiment:
    """Validate a decoded JSON object and build the :class:`Experiment`.

    With a ``data`` section, ``input.features`` may be left out: it is the data's features."""
    top = ("format", "version", "name", "seed", "dtype", "input", "loss", "data", "training", "layers")
    check_keys(data, "", top, required=("input", "layers"))
    if data.get("format", FORMAT) != FORMAT:
        raise ExperimentError("format", f"got {data['format']!r}; allowed: {FORMAT!r}")
    _version(data)
    name = _name(data)
    data_spec, shape = parse_data(data["data"]) if "data" in data else (None, None)
    inp = check_keys(data["input"], "input", ("features", "batch", "distribution"),
                     required=("batch",) if shape else ("features", "batch"))
    layers = data["layers"]
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ExperimentError("layers", f"expected a list of 1 to {MAX_LAYERS} layers")
    experiment = Experiment(
        name=name,
        seed=read_int(data, "seed", "", 0, 0, MAX_SEED),
        dtype=read_choice(data, "dtype", "", "float32", DTYPES),
        loss=read_choice(data, "loss", "", "mse", LOSSES),
        input=InputSpec(
            features=read_int(inp, "features", "input", shape.features if shape else 784, 1, MAX_SIZE),
            batch=read_int(inp, "batch", "input", 512, 1, MAX_SIZE),
            distribution=read_choice(inp, "distribution", "input", "normal", INPUT_DISTRIBUTIONS),
        ),
        layers=tuple(parse_layer(layer, join_path("layers", i)) for i, layer in enumerate(layers)),
        data=data_spec,
        training=parse_training(data["training"]) if "training" in data else None,
    )
    check_fit(experiment, shape)
    return experiment


def format_version(experiment: Experiment) -> int:
    """The lowest format version that holds everything in ``experiment``."""
    new_sections = experiment.data is not None or experiment.training is not None
    loss = LOSS_RULES.get(experiment.loss) if isinstance(experiment.loss, str) else None
    return max(loss.version if loss else 1, 2 if new_sections else 1)


def to_dict(experiment: Experiment) -> dict[str, Any]:
    """The JSON form of an experiment (the inverse of :func:`parse_experiment`)."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": format_version(experiment),
        "name": experiment.name,
        "seed": experiment.seed,
        "dtype": experiment.dtype,
        "input": dataclasses.asdict(experiment.input),
        "loss": experiment.loss,
    }
    if experiment.data is not None:
        out["data"] = data_to_dict(experiment.data)
    if experiment.training is not None:
        out["training"] = training_to_dict(experiment.training)
    out["layers"] = [
        {"type": layer.type, "units": layer.units, "activation": layer.activation.to_json(),
         "init": layer.init.to_json(), "bias": layer.bias.to_json()}
        for layer in experiment.layers
    ]
    return out


def validated(experiment: Experiment) -> Experiment:
    """Re-check an experiment built in code; returns the normalised equivalent."""
    return parse_experiment(to_dict(experiment))
