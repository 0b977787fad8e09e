"""The experiment document: frozen dataclasses, validation, versioned JSON.

An experiment file is data only: loading parses JSON and checks every field against the
scheme, activation and data set registries; nothing in it is executed. Every problem raises
:class:`~initviz.errors.ExperimentError` naming the field path and what is allowed.

Format versions: 1 is the network alone; 2 adds the optional ``data`` and ``training``
sections and the ``cross_entropy`` loss. A file is written with the lowest version that holds
everything in it, so an experiment that uses nothing new still saves as version 1 (and opens in
older initviz); version 1 files load unchanged; a version above :data:`VERSION` is refused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from initviz.engine import activations, datasets, initializers
from initviz.engine.params import Param, resolve_params
from initviz.errors import ExperimentError, join_path

FORMAT = "initviz.experiment"
VERSION = 2
DTYPES = ("float32", "float64")
INPUT_DISTRIBUTIONS = ("normal", "uniform")
LAYER_TYPES = ("dense",)
MAX_LAYERS = 1000
MAX_SIZE = 10_000_000  # units, features or batch; the memory guard judges the product
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Loss:
    """A loss the file may name: which data it suits and the first format version that has it."""

    name: str
    description: str
    tasks: tuple[str, ...]  # data set tasks it trains on ("classification", "regression")
    needs_data: bool = False
    version: int = 1


LOSS_RULES: Mapping[str, Loss] = {loss.name: loss for loss in (
    Loss("mse", "mean of (a_last − t)²: t ~ N(0,1) without data, the targets of a regression data set, "
                "or one-hot class labels", ("classification", "regression")),
    Loss("cross_entropy", "softmax of the last layer's z, then the mean negative log-likelihood of the labels",
         ("classification",), needs_data=True, version=2),
)}
LOSSES = tuple(LOSS_RULES)

OPTIMIZERS: Mapping[str, str] = {
    "sgd": "w ← w − η·g",
    "momentum": "v ← μ·v + g; w ← w − η·v  (heavy ball, Polyak 1964; torch SGD momentum)",
    "adam": "m, v ← moving averages of g, g² (β1, β2), bias-corrected; "
            "w ← w − η·m̂/(√v̂ + ε)  (Kingma & Ba 2015)",
}
DEFAULT_STEPS = 1000
MAX_STEPS = 10**9
TRAINING_PARAMS = (
    Param("optimizer", "choice", "sgd", "update rule", choices=tuple(OPTIMIZERS)),
    Param("learning_rate", "float", 0.01, "step size η", low=0.0, low_open=True),
    Param("batch_size", "int", 64, "examples per step (a batch over the training set's size takes all of it)",
          low=1, high=MAX_SIZE),
    Param("steps", "int", None, "updates to make (or give epochs)", low=1, high=MAX_STEPS),
    Param("epochs", "int", None, "passes over the training set (instead of steps)", low=1, high=MAX_STEPS),
    Param("momentum", "float", 0.9, "μ of the momentum optimizer", low=0.0, high=1.0, high_open=True),
    Param("beta1", "float", 0.9, "Adam's decay of the gradient average", low=0.0, high=1.0, high_open=True),
    Param("beta2", "float", 0.999, "Adam's decay of the squared-gradient average", low=0.0, high=1.0, high_open=True),
    Param("eps", "float", 1e-8, "Adam's ε", low=0.0, low_open=True, high=1.0),
    Param("snapshot_every", "int", 50, "steps between recorded snapshots", low=1, high=MAX_STEPS),
    Param("seed", "int", 0, "seed of the batch order", low=0, high=MAX_SEED),
)


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
class DataSpec:
    """What to train on: a data set of :data:`initviz.engine.datasets.DATASETS` by ``name``,
    its explicitly given ``params`` (registry order; defaults are not stored), ``n`` examples
    (None: the data set's own size), the held-out ``test_fraction`` and the data ``seed``
    (separate from the experiment's seed: new weights do not mean new data)."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    n: int | None = None
    test_fraction: float = 0.2
    seed: int = 0

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    def shape(self) -> datasets.DatasetShape:
        """Features, outputs, classes and split sizes, without drawing anything."""
        return datasets.resolve(self.name, self.kwargs, self.n, self.test_fraction)

    def load(self) -> datasets.Dataset:
        """Draw, split and standardise the data (:func:`initviz.engine.datasets.load`)."""
        return datasets.load(self.name, self.kwargs, self.n, self.test_fraction, self.seed)


@dataclass(frozen=True)
class TrainingSpec:
    """How to train: optimizer (:data:`OPTIMIZERS`) and its settings, ``batch_size``, how long
    (``steps``, or ``epochs`` with ``steps=None``), snapshot interval and the seed of the batch
    order. ``momentum`` is read by the momentum optimizer, ``beta1``/``beta2``/``eps`` by Adam;
    all are kept whichever optimizer is chosen."""

    optimizer: str = "sgd"
    learning_rate: float = 0.01
    batch_size: int = 64
    steps: int | None = DEFAULT_STEPS
    epochs: int | None = None
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    snapshot_every: int = 50
    seed: int = 0

    def effective_batch(self, n_train: int) -> int:
        """Examples per step: ``batch_size``, or the whole training set when it is smaller."""
        return min(self.batch_size, n_train)

    def total_steps(self, n_train: int) -> int:
        """``steps``, or ``epochs`` × ⌈n_train / batch⌉."""
        if self.steps is not None:
            return self.steps
        per_epoch = -(-n_train // self.effective_batch(n_train))
        return (self.epochs or 1) * per_epoch


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


def parse_data(data: Any, path: str = "data") -> tuple[DataSpec, datasets.DatasetShape]:
    """The ``data`` section and what it gives (features, outputs, classes, split sizes)."""
    _keys(data, path, ("name", "params", "n", "test_fraction", "seed"), required=("name",))
    given = data.get("params", {})
    shape = datasets.resolve(data["name"], given, data.get("n"), data.get("test_fraction", 0.2), path)
    spec = DataSpec(
        name=shape.entry.name,
        params=_ordered(given, shape.params),
        n=shape.n if data.get("n") is not None else None,
        test_fraction=float(data.get("test_fraction", 0.2)),
        seed=_int(data, "seed", path, 0, 0, MAX_SEED),
    )
    return spec, shape


def parse_training(data: Any, path: str = "training") -> TrainingSpec:
    """The ``training`` section; ``steps`` defaults to :data:`DEFAULT_STEPS` unless ``epochs`` is given."""
    _keys(data, path, tuple(p.name for p in TRAINING_PARAMS))
    p = resolve_params(TRAINING_PARAMS, data, path, "training")
    if p["steps"] is not None and p["epochs"] is not None:
        raise ExperimentError(join_path(path, "epochs"), "give steps or epochs, not both")
    if p["epochs"] is None and p["steps"] is None:
        p["steps"] = DEFAULT_STEPS
    return TrainingSpec(**p)


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
    _keys(data, "", top, required=("input", "layers"))
    if data.get("format", FORMAT) != FORMAT:
        raise ExperimentError("format", f"got {data['format']!r}; allowed: {FORMAT!r}")
    _version(data)
    name = _name(data)
    data_spec, shape = parse_data(data["data"]) if "data" in data else (None, None)
    inp = _keys(data["input"], "input", ("features", "batch", "distribution"),
                required=("batch",) if shape else ("features", "batch"))
    layers = data["layers"]
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ExperimentError("layers", f"expected a list of 1 to {MAX_LAYERS} layers")
    experiment = Experiment(
        name=name,
        seed=_int(data, "seed", "", 0, 0, MAX_SEED),
        dtype=_choice(data, "dtype", "", "float32", DTYPES),
        loss=_choice(data, "loss", "", "mse", LOSSES),
        input=InputSpec(
            features=_int(inp, "features", "input", shape.features if shape else 784, 1, MAX_SIZE),
            batch=_int(inp, "batch", "input", 512, 1, MAX_SIZE),
            distribution=_choice(inp, "distribution", "input", "normal", INPUT_DISTRIBUTIONS),
        ),
        layers=tuple(parse_layer(layer, join_path("layers", i)) for i, layer in enumerate(layers)),
        data=data_spec,
        training=parse_training(data["training"]) if "training" in data else None,
    )
    check_fit(experiment, shape)
    return experiment


def task_of(shape: datasets.DatasetShape | None) -> str | None:
    """"classification", "regression", or None without data."""
    if shape is None:
        return None
    return "regression" if shape.n_classes is None else "classification"


def check_fit(experiment: Experiment, shape: datasets.DatasetShape | None) -> None:
    """The network, the loss and the training settings must suit the data (or its absence)."""
    loss = LOSS_RULES[experiment.loss]
    if experiment.training is not None and shape is None:
        raise ExperimentError("training", "needs a 'data' section: the data set to train on")
    if shape is None:
        if loss.needs_data:
            plain = ", ".join(n for n, r in LOSS_RULES.items() if not r.needs_data)
            raise ExperimentError("loss", f"{loss.name!r} needs a classification data set in 'data'; "
                                          f"allowed without data: {plain}")
        return
    name, task = experiment.data.name, task_of(shape)
    if task not in loss.tasks:
        suited = ", ".join(n for n, r in LOSS_RULES.items() if task in r.tasks)
        raise ExperimentError("loss", f"got {loss.name!r}; the data set {name!r} is a {task}; allowed: {suited}")
    if experiment.input.features != shape.features:
        raise ExperimentError("input.features", f"got {experiment.input.features}; the data set {name!r} has "
                                                f"{shape.features} features (leave input.features out to take it "
                                                f"from the data)")
    last = len(experiment.layers) - 1
    if experiment.layers[last].units != shape.outputs:
        each = "class" if task == "classification" else "regression target"
        raise ExperimentError(join_path(join_path("layers", last), "units"),
                              f"got {experiment.layers[last].units}; the last layer needs {shape.outputs} "
                              f"unit{'s' if shape.outputs > 1 else ''}, one per {each} of the data set {name!r}")


def format_version(experiment: Experiment) -> int:
    """The lowest format version that holds everything in ``experiment``."""
    new_sections = experiment.data is not None or experiment.training is not None
    loss = LOSS_RULES.get(experiment.loss) if isinstance(experiment.loss, str) else None
    return max(loss.version if loss else 1, 2 if new_sections else 1)


def data_to_dict(spec: DataSpec) -> dict[str, Any]:
    """The JSON form of a ``data`` section (params and n only when given)."""
    out: dict[str, Any] = {"name": spec.name}
    if spec.params:
        out["params"] = spec.kwargs
    if spec.n is not None:
        out["n"] = spec.n
    out.update(test_fraction=spec.test_fraction, seed=spec.seed)
    return out


def training_to_dict(spec: TrainingSpec) -> dict[str, Any]:
    """The JSON form of a ``training`` section (``steps`` or ``epochs``, whichever is set)."""
    out = dataclasses.asdict(spec)
    for key in ("steps", "epochs"):
        if out[key] is None:
            del out[key]
    return out


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


DEFAULT_LOSS = {"classification": "cross_entropy", "regression": "mse"}


def fitted_to_data(experiment: Experiment) -> Experiment:
    """A copy whose network suits its data: ``input.features`` from the data, the last layer's
    units one per class or target, and ``mse`` instead of a loss the data's task cannot take.
    Without data: ``mse`` instead of a loss that needs data. Not validated (the caller validates)."""
    rule = LOSS_RULES.get(experiment.loss) if isinstance(experiment.loss, str) else None
    if experiment.data is None:
        return dataclasses.replace(experiment, loss="mse") if rule and rule.needs_data else experiment
    shape = experiment.data.shape()
    layers = experiment.layers[:-1] + (dataclasses.replace(experiment.layers[-1], units=shape.outputs),)
    loss = experiment.loss
    if rule and task_of(shape) not in rule.tasks:
        loss = DEFAULT_LOSS[task_of(shape)]
    return dataclasses.replace(experiment, layers=layers, loss=loss,
                               input=dataclasses.replace(experiment.input, features=shape.features))
