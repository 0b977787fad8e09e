"""The optional ``data`` and ``training`` sections of an experiment (format version 2) and the
rules that tie a network to its data: which loss suits which task, how many inputs and outputs
the data asks for (:func:`check_fit`, :func:`fitted_to_data`).

Everything here is re-exported by :mod:`initviz.model.experiment`, the place to import it from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from initviz.engine import datasets
from initviz.engine.params import Param, resolve_params
from initviz.engine.training import DEFAULT_STEPS, TrainingSettings as TrainingSpec  # noqa: F401 (re-exported)
from initviz.errors import ExperimentError, join_path
from initviz.model.fields import MAX_SEED, MAX_SIZE, check_keys, ordered_params, read_int

if TYPE_CHECKING:
    from initviz.model.experiment import Experiment


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


# --- parsing and JSON form -----------------------------------------------------------------

def parse_data(data: Any, path: str = "data") -> tuple[DataSpec, datasets.DatasetShape]:
    """The ``data`` section and what it gives (features, outputs, classes, split sizes)."""
    check_keys(data, path, ("name", "params", "n", "test_fraction", "seed"), required=("name",))
    given = data.get("params", {})
    shape = datasets.resolve(data["name"], given, data.get("n"), data.get("test_fraction", 0.2), path)
    spec = DataSpec(
        name=shape.entry.name,
        params=ordered_params(given, shape.params),
        n=shape.n if data.get("n") is not None else None,
        test_fraction=float(data.get("test_fraction", 0.2)),
        seed=read_int(data, "seed", path, 0, 0, MAX_SEED),
    )
    return spec, shape


def parse_training(data: Any, path: str = "training") -> TrainingSpec:
    """The ``training`` section; ``steps`` defaults to :data:`DEFAULT_STEPS` unless ``epochs`` is given."""
    check_keys(data, path, tuple(p.name for p in TRAINING_PARAMS))
    p = resolve_params(TRAINING_PARAMS, data, path, "training")
    if p["steps"] is not None and p["epochs"] is not None:
        raise ExperimentError(join_path(path, "epochs"), "give steps or epochs, not both")
    if p["epochs"] is None and p["steps"] is None:
        p["steps"] = DEFAULT_STEPS
    return TrainingSpec(**p)


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


# --- fitting the network to the data -------------------------------------------------------

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
