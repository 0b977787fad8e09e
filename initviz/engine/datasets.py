"""Labelled data sets to train on: generated problems and one small real data set.

:data:`DATASETS` is the registry: one :class:`DatasetEntry` per problem with its parameters,
a one-line description, the formula and its source. :func:`load` builds a :class:`Dataset`:

1. draw ``n`` examples from the stream ``SeedSequence(seed, spawn_key=(0,))`` (classes as equal
   as ``n`` allows; the teacher network draws from its own ``teacher_seed``);
2. split off ``round(n·test_fraction)`` test examples with the stream ``spawn_key=(1,)`` —
   stratified for classification (each class in proportion, largest remainder, every class
   keeping at least one training example), a plain random split for regression;
3. standardise every feature — and regression targets — with the TRAINING mean and standard
   deviation (population std; a constant feature is only centred), test with the same numbers.

The same name, parameters, ``n``, ``test_fraction`` and ``seed`` give bit-identical arrays.
Nothing touches the network at run time: the digits come from ``resources/data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from initviz.engine import problems
from initviz.engine.params import Param, resolve_params
from initviz.errors import ExperimentError, join_path

GENERATE_STREAM, SPLIT_STREAM = 0, 1
DEFAULT_N = 1000
MAX_N = 1_000_000
MAX_VALUES = 20_000_000  # n × features: 160 MB of float64 is the most a data set may take
MAX_SEED = 2**63 - 1
TASKS = ("classification", "regression")

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Dataset:
    """A train/test split ready to train on. Features are standardised with the training
    statistics; ``y`` holds int64 class labels ``(n,)`` for classification, float64 targets
    ``(n, outputs)`` (also standardised with training statistics) for regression."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int | None  # None for regression
    description: str

    @property
    def features(self) -> int:
        return self.x_train.shape[1]

    @property
    def outputs(self) -> int:
        """Units the network's last layer needs: the number of classes, or of regression targets."""
        return self.n_classes if self.n_classes is not None else self.y_train.shape[1]


@dataclass(frozen=True)
class DatasetEntry:
    """A registry entry. ``make(rng, n, p)`` returns raw ``(x, y)`` (see
    :mod:`~initviz.engine.problems`); ``features(p)`` and ``classes(p)`` (None for regression),
    ``targets(p)`` (regression outputs) tell the shapes without drawing anything."""

    name: str
    description: str
    formula: str
    source: str
    make: Callable[[np.random.Generator, int, Params], tuple[np.ndarray, np.ndarray]]
    features: Callable[[Params], int]
    classes: Callable[[Params], int | None]
    params: tuple[Param, ...] = ()
    targets: Callable[[Params], int] = lambda p: 1
    default_n: int = DEFAULT_N
    max_n: int = MAX_N
    width: Callable[[Params], int] | None = None
    """Values per example the generator holds at once (None: the features), for the size limit."""

    @property
    def task(self) -> str:
        return "regression" if self.classes({p.name: p.default for p in self.params}) is None else "classification"

    def outputs(self, p: Params) -> int:
        classes = self.classes(p)
        return classes if classes is not None else self.targets(p)


@dataclass(frozen=True)
class DatasetShape:
    """What a data set specification gives, known before drawing: resolved parameters, the
    number of examples and of test examples, features, outputs, and classes (None: regression)."""

    entry: DatasetEntry
    params: dict[str, Any]
    n: int
    n_test: int
    features: int
    outputs: int
    n_classes: int | None


def _noise(default: float) -> Param:
    return Param("noise", "float", default, "std of the Gaussian noise added to each coordinate", low=0.0)


_ENTRIES = (
    DatasetEntry(
        "spirals", "Interleaved spiral arms, one class per arm: needs a deep nonlinear boundary.",
        "arm j: r = t, θ = 2π(turns·t + j/arms), t ~ U(0,1), + noise·N(0, I)", "CS231n toy spiral data",
        problems.spirals, lambda p: 2, lambda p: p["arms"],
        params=(Param("arms", "int", 3, "number of arms (= classes)", low=2, high=20),
                Param("turns", "float", 1.0, "turns each arm makes", low=0.0, low_open=True, high=10.0),
                _noise(0.05))),
    DatasetEntry(
        "moons", "Two interleaving half circles.",
        "(cos t, sin t) and (1 − cos t, ½ − sin t), t ~ U(0, π), + noise·N(0, I)", "scikit-learn make_moons",
        problems.moons, lambda p: 2, lambda p: 2, params=(_noise(0.1),)),
    DatasetEntry(
        "circles", "A small circle inside a large one: not linearly separable.",
        "radius 1 and radius factor, θ ~ U(0, 2π), + noise·N(0, I)", "scikit-learn make_circles",
        problems.circles, lambda p: 2, lambda p: 2,
        params=(Param("factor", "float", 0.5, "inner radius / outer radius", low=0.0, high=1.0,
                      low_open=True, high_open=True), _noise(0.05))),
    DatasetEntry(
        "xor", "Exclusive or of the two coordinates' signs: the classic problem a linear model cannot solve.",
        "class = [sign x₁ ≠ sign x₂], x uniform in its quadrant of [−1, 1]², + noise·N(0, I)",
        "Minsky & Papert 1969", problems.xor, lambda p: 2, lambda p: 2, params=(_noise(0.1),)),
    DatasetEntry(
        "blobs", "Gaussian clusters, one per class, in any number of dimensions.",
        "x = c_class + spread·N(0, I), centres c ~ U(−5, 5)^features", "scikit-learn make_blobs",
        problems.blobs, lambda p: p["features"], lambda p: p["classes"],
        params=(Param("classes", "int", 3, "number of clusters (= classes)", low=2, high=100),
                Param("features", "int", 2, "input dimensions", low=1, high=10_000),
                Param("spread", "float", 1.0, "std of each cluster", low=0.0, low_open=True))),
    DatasetEntry(
        "teacher", "Regression onto a fixed random tanh network (student–teacher).",
        "x ~ N(0, I); t = W_L·tanh(…tanh(W_1 x + b_1)…) + b_L (+ relative noise); W ~ N(0, 1/fan_in)",
        "Gardner & Derrida 1989; Saad & Solla 1995",
        problems.teacher, lambda p: p["features"], lambda p: None,
        params=(Param("features", "int", 10, "input dimensions", low=1, high=10_000),
                Param("outputs", "int", 1, "regression targets per example", low=1, high=1000),
                Param("hidden", "int", 32, "units per teacher hidden layer", low=1, high=1024),
                Param("depth", "int", 2, "teacher hidden layers", low=1, high=10),
                Param("noise", "float", 0.0, "noise std, relative to the targets' own std", low=0.0),
                Param("teacher_seed", "int", 0, "seed of the teacher's weights (independent of the data seed)",
                      low=0, high=MAX_SEED)),
        targets=lambda p: p["outputs"], width=lambda p: max(p["features"], p["hidden"], p["outputs"])),
    DatasetEntry(
        "digits", "8×8 handwritten digits, 0–9: 1,797 real images of 64 pixels (values 0–16).",
        "64 pixel counts per image (4×4 blocks of a 32×32 bitmap), standardised",
        "UCI Optical Recognition of Handwritten Digits, test set (Alpaydin & Kaynak 1998), CC BY 4.0",
        problems.digits, lambda p: problems.DIGITS_PIXELS,
        lambda p: problems.DIGITS_CLASSES, default_n=problems.DIGITS_IMAGES, max_n=problems.DIGITS_IMAGES),
)

DATASETS: Mapping[str, DatasetEntry] = {entry.name: entry for entry in _ENTRIES}


def names() -> list[str]:
    """Data set names in registry order."""
    return list(DATASETS)


def get(name: Any, path: str = "data.name") -> DatasetEntry:
    """The registry entry for ``name``."""
    entry = DATASETS.get(name) if isinstance(name, str) else None
    if entry is None:
        raise ExperimentError(path, f"unknown data set {name!r}; allowed: {', '.join(DATASETS)}")
    return entry


def resolve(name: Any, params: Params | None = None, n: int | None = None, test_fraction: float = 0.2,
            path: str = "data") -> DatasetShape:
    """Check a data set specification without drawing anything and say what it will give.

    Errors name the field under ``path``: ``data.name``, ``data.params.noise``, ``data.n``,
    ``data.test_fraction``."""
    entry = get(name, join_path(path, "name"))
    given = {} if params is None else params
    if not isinstance(given, Mapping):
        raise ExperimentError(join_path(path, "params"), f"expected an object, got {type(given).__name__}")
    p = resolve_params(entry.params, given, join_path(path, "params"), entry.name)
    features, classes = entry.features(p), entry.classes(p)
    width = entry.width(p) if entry.width else features
    n = entry.default_n if n is None else _check_n(entry, n, width, classes, join_path(path, "n"))
    fraction = Param("test_fraction", "float", 0.2, low=0.0, high=1.0, low_open=True, high_open=True)
    test_fraction = fraction.check(test_fraction, join_path(path, "test_fraction"))
    n_test = round(n * test_fraction)
    if not 1 <= n_test <= n - (classes or 1):
        least = "every class" if classes else "the training set"
        raise ExperimentError(join_path(path, "test_fraction"),
                              f"got {test_fraction!r}: {n_test} of {n} examples would be held out; "
                              f"allowed: at least 1 test example and one example of {least} left to train on")
    return DatasetShape(entry, p, n, n_test, features, entry.outputs(p), classes)


def _check_n(entry: DatasetEntry, n: Any, width: int, classes: int | None, path: str) -> int:
    """Two examples per class (one to train, one to test) up to the entry's size, and at most
    :data:`MAX_VALUES` values in all (``width`` values per example)."""
    n = Param("n", "int", None, low=2 * (classes or 1), high=entry.max_n).check(n, path)
    if n * width > MAX_VALUES:
        raise ExperimentError(path, f"got {n}; allowed: at most {MAX_VALUES // width} examples of {width} values "
                                    f"each (a data set holds at most {MAX_VALUES:,} values)")
    return n


def stratified_split(y: np.ndarray, n_test: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices, each in random order: every class contributes to the test set
    in proportion to its size (largest remainder) and keeps at least one training example."""
    test = problems.stratified_pick(y, n_test, rng, min_left=1)
    train = np.setdiff1d(np.arange(len(y)), test, assume_unique=True)
    return rng.permutation(train), rng.permutation(test)


def random_split(n: int, n_test: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices of a random split with ``n_test`` test rows."""
    order = rng.permutation(n)
    return order[n_test:], order[:n_test]


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(train − μ)/σ and (test − μ)/σ with μ, σ per column of ``train`` (σ = 1 where a column
    of the training set is constant, e.g. a digits pixel that is always blank)."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1.0
    return (train - mean) / std, (test - mean) / std


def _stream(seed: int, key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def load(name: str, params: Params | None = None, n: int | None = None, test_fraction: float = 0.2,
         seed: int = 0) -> Dataset:
    """Draw, split and standardise a data set (see the module docstring for the three steps).

    ``n`` defaults to the entry's size (1000 generated examples; all 1,797 digits)."""
    shape = resolve(name, params, n, test_fraction)
    seed = Param("seed", "int", 0, low=0, high=MAX_SEED).check(seed, "data.seed")
    entry, p = shape.entry, shape.params
    x, y = entry.make(_stream(seed, GENERATE_STREAM), shape.n, p)
    split_rng = _stream(seed, SPLIT_STREAM)
    if shape.n_classes is None:
        train, test = random_split(shape.n, shape.n_test, split_rng)
        y_train, y_test = standardise(y[train], y[test])
    else:
        train, test = stratified_split(y, shape.n_test, split_rng)
        y_train, y_test = y[train], y[test]
    x_train, x_test = standardise(x[train], x[test])
    return Dataset(entry.name, x_train, y_train, x_test, y_test, shape.n_classes,
                   describe(shape, len(train), len(test)))


def describe(shape: DatasetShape, n_train: int, n_test: int) -> str:
    """One line: the entry's description, its parameters, the split and the shapes."""
    params = ", ".join(f"{k}={v}" for k, v in shape.params.items())
    what = (f"{shape.n_classes} classes" if shape.n_classes is not None
            else f"{shape.outputs} regression target{'s' if shape.outputs > 1 else ''}")
    return (f"{shape.entry.name}{f' ({params})' if params else ''}: {shape.entry.description} "
            f"{n_train} train / {n_test} test examples; {shape.features} features, {what}.")
