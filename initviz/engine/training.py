"""Training a dense stack on a data set: the fourth lesson, a poor init trains slowly or stalls.

One step (mini-batch SGD family, torch semantics; :mod:`initviz.engine.optimizers`):

    zs, acts = network.forward(x_batch, params)           z = a_prev @ W + b, a = φ(z)
    L, da_last = loss(acts[-1], y_batch)                 :mod:`initviz.engine.losses`
    grads = network.backward(x_batch, params, zs, acts, da_last)    the chain rule, reused
    optimizer.step(params, grads)                        W, b updated in place (the trainer's copies)

The weights start as :func:`network.draw_layer` draws them (each layer's own stream of the
experiment seed), so training starts from exactly the network the histogram view shows.
Mini-batches come from the *training* seed's own stream (spawn key ``BATCH_STREAM``): every
epoch is a fresh permutation of the training rows cut into batches (the last one of an epoch
holds what is left, as torch's DataLoader does; a batch larger than the training set is the
whole set). The rows whose loss and
accuracy are tracked (``EVAL_ROWS``) and the probe batch whose histograms are kept
(``PROBE_ROWS``) are drawn once from the stream ``EVAL_STREAM``.

At step 0, every ``snapshot_every`` steps and at the end an :class:`Evaluation` records the
loss and accuracy on those training rows and on the held-out set, and per layer: summaries
(:func:`stats.layer_summaries`) of the probe batch's tensors, the update:data ratio
std(ΔW)/std(W) of the last update (Karpathy's rule of thumb: ~1e-3), and the distinct neurons
(:func:`symmetry.distinct_neurons` of the probe activations). A non-finite training loss
stops the run: ``diverged_at`` is that step; nothing warns or raises (``np.errstate``).
The run's record is a :class:`~initviz.engine.history.History` (also importable from here).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from initviz.engine import datasets, losses, network, optimizers, stats, symmetry
from initviz.engine.history import History, write_npz  # noqa: F401  (both re-exported)
from initviz.engine.memory import DEFAULT_BUDGET_BYTES, estimate_bytes, format_bytes
from initviz.errors import ExperimentError, MemoryBudgetError

BATCH_STREAM, EVAL_STREAM = 3, 4  # spawn keys under the training seed (network uses 0–2 under the experiment seed)
EVAL_ROWS = 1024  # training rows whose loss and accuracy are tracked
PROBE_ROWS = 256  # rows of the fixed batch whose per-layer histograms are snapshotted
CHUNK_ROWS = 2048  # evaluation forward passes go in chunks of this many rows
DEFAULT_SNAPSHOT_KINDS = ("weights", "activations", "activation_grads")

Progress = Callable[[int, int], None]  # (steps done, steps in all)


DEFAULT_STEPS = 1000


@dataclass(frozen=True)
class TrainingSettings:
    """How to train: optimizer (sgd | momentum | adam) and its settings, ``batch_size``, how long
    (``steps``, or ``epochs`` with ``steps=None``), snapshot interval and the seed of the batch
    order. ``momentum`` is read by the momentum optimizer, ``beta1``/``beta2``/``eps`` by Adam;
    all are kept whichever optimizer is chosen. The defaults (plain SGD, η = 0.01, 1000 steps of
    64) are what an experiment without a ``training`` section trains with; the model's
    ``TrainingSpec`` is this class."""

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
        """``steps``, or ``epochs`` × ⌈n_train / batch⌉ (:func:`total_steps`)."""
        return total_steps(self, n_train)


def settings_of(experiment: Any, spec: Any = None) -> Any:
    """``spec``, else the experiment's ``training`` section, else :class:`TrainingSettings`; checked."""
    spec = spec if spec is not None else getattr(experiment, "training", None) or TrainingSettings()
    for field, low in (("batch_size", 1), ("steps", 0), ("epochs", 0), ("snapshot_every", 1), ("seed", 0)):
        value = getattr(spec, field, None)
        if value is None and field in ("steps", "epochs"):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ExperimentError(f"training.{field}", f"got {value!r}; allowed: a whole number ≥ {low}")
    if spec.steps is None and getattr(spec, "epochs", None) is None:
        raise ExperimentError("training.steps", "missing: give steps or epochs")
    optimizers.make(spec)  # checks the optimizer's name and settings
    return spec


def total_steps(spec: Any, n_train: int) -> int:
    """``steps``, or ``epochs`` × ⌈n_train / batch⌉ (an epoch's last batch may be smaller)."""
    if spec.steps is not None:
        return int(spec.steps)
    return int(spec.epochs) * -(-n_train // min(int(spec.batch_size), n_train))


def load_dataset(experiment: Any) -> Any:
    """The data set the experiment's ``data`` section names (:func:`datasets.load`)."""
    data = getattr(experiment, "data", None)
    if data is None:
        raise ExperimentError("data", 'missing: training needs a data set, e.g. "data": {"name": "spirals"} '
                                      f"(input.features must match it); data sets: {', '.join(datasets.names())}")
    return datasets.load(data.name, dict(data.params), n=data.n, test_fraction=data.test_fraction, seed=data.seed)


def _check_fit(experiment: Any, dataset: Any, loss: losses.Loss) -> None:
    """The network's input width and output units must match the data set."""
    features = experiment.fans(0)[0]
    if features != dataset.x_train.shape[1]:
        raise ExperimentError("input.features", f"got {features}; the data set {dataset.name!r} has "
                                                f"{dataset.x_train.shape[1]} features")
    last = len(experiment.layers) - 1
    outputs = dataset.n_classes if dataset.n_classes is not None else dataset.y_train.shape[1]
    if experiment.layers[last].units != outputs:
        what = "classes" if dataset.n_classes is not None else "outputs"
        raise ExperimentError(f"layers[{last}].units", f"got {experiment.layers[last].units}; the data set "
                                                       f"{dataset.name!r} has {outputs} {what}")
    if loss.needs_labels and dataset.n_classes is None:
        raise ExperimentError("loss", f"{loss.name} needs class labels; {dataset.name!r} is a regression (use mse)")


@dataclass(frozen=True)
class Evaluation:
    """The network after ``step`` updates: losses and accuracies (None for regression), and per
    layer the probe summaries, update:data ratio (NaN before the first update) and distinct neurons."""

    step: int
    train_loss: float  # on the fixed EVAL_ROWS training rows
    train_acc: float | None
    test_loss: float
    test_acc: float | None
    layers: tuple[dict[str, stats.TensorSummary], ...]
    update_ratio: np.ndarray  # (layers,)
    distinct: np.ndarray  # (layers,)


class Trainer:
    """A training run that can be stepped, paused and resumed: ``step(n)`` runs up to ``n`` more
    steps; ``params`` (the trainer's own copies), ``train_loss`` (per step), ``evaluations`` and
    ``diverged_at`` are its current state, :meth:`history` a frozen copy of it."""

    def __init__(self, experiment: Any, dataset: Any, spec: Any = None,
                 snapshot_kinds: Sequence[str] = DEFAULT_SNAPSHOT_KINDS, memory_budget: int = DEFAULT_BUDGET_BYTES):
        self.spec = settings_of(experiment, spec)
        self.loss = losses.get(experiment.loss)
        _check_fit(experiment, dataset, self.loss)
        bad = [k for k in snapshot_kinds if k not in stats.KINDS]
        if bad:
            raise ExperimentError("snapshot_kinds", f"got {bad[0]!r}; allowed: {', '.join(stats.KINDS)}")
        self.snapshot_kinds = tuple(snapshot_kinds)
        self.dataset = dataset
        dtype = np.dtype(experiment.dtype)
        self.x_train, self.x_test = (np.ascontiguousarray(x, dtype=dtype) for x in (dataset.x_train, dataset.x_test))
        self.y_train, self.y_test = dataset.y_train, dataset.y_test
        n = self.x_train.shape[0]
        if n == 0:
            raise ExperimentError("data.n", f"the data set {dataset.name!r} has no training rows")
        self.batch_size = min(int(self.spec.batch_size), n)
        self.total_steps = total_steps(self.spec, n)
        units = [layer.units for layer in experiment.layers]
        _check_memory(self.x_train.shape[1], max(self.batch_size, min(n, CHUNK_ROWS)), units, experiment.dtype,
                      memory_budget)
        self.params = [_own_copy(network.draw_layer(experiment, i)) for i in range(len(units))]
        self.optimizer = optimizers.make(self.spec)
        self._batches = network.stream(int(self.spec.seed), BATCH_STREAM)
        self._order, self._cursor = np.empty(0, dtype=np.intp), 0
        self.eval_rows = network.stream(int(self.spec.seed), EVAL_STREAM).permutation(n)[:EVAL_ROWS]
        self.probe_rows = self.eval_rows[:PROBE_ROWS]
        self.step_count = 0  # updates applied
        self.train_loss: list[float] = []  # one per batch seen
        self.diverged_at: int | None = None
        self.seconds = 0.0
        self.evaluations: list[Evaluation] = []
        self._record()

    @property
    def done(self) -> bool:
        return self.diverged_at is not None or self.step_count >= self.total_steps

    def step(self, n: int = 1, cancel: Callable[[], bool] | None = None, progress: Progress | None = None) -> int:
        """Run up to ``n`` steps (fewer at the end, on divergence or when ``cancel()`` turns True:
        a pause, resumed by the next call). Returns the steps taken."""
        start, taken = time.perf_counter(), 0
        with np.errstate(all="ignore"):
            while taken < n and not self.done and not (cancel and cancel()):
                self._one_step()
                taken += 1
                if self.done or self.step_count % int(self.spec.snapshot_every) == 0:
                    self._record()
                if progress:
                    progress(self.step_count, self.total_steps)
        self.seconds += time.perf_counter() - start
        return taken

    def _next_batch(self) -> np.ndarray:
        if self._cursor >= self._order.size:
            self._order, self._cursor = self._batches.permutation(self.x_train.shape[0]), 0
        rows = self._order[self._cursor:self._cursor + self.batch_size]
        self._cursor += self.batch_size
        return rows

    def _one_step(self) -> None:
        rows = self._next_batch()
        x = self.x_train[rows]
        zs, acts = network.forward(x, self.params)
        loss, da_last = self.loss.fn(acts[-1], self.y_train[rows])
        self.train_loss.append(loss)
        if not math.isfinite(loss):
            self.diverged_at = len(self.train_loss)
            return
        layers = network.backward(x, self.params, zs, acts, da_last)
        self.optimizer.step(self.params, [(r.dW, r.db) for r in layers])
        self.step_count += 1

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """The last layer's activations for ``x``, computed in chunks of CHUNK_ROWS rows."""
        with np.errstate(all="ignore"):
            parts = [network.forward(x[i:i + CHUNK_ROWS], self.params)[1][-1] for i in range(0, len(x), CHUNK_ROWS)]
        return np.concatenate(parts) if parts else np.empty((0, self.params[-1].W.shape[1]), self.x_train.dtype)

    def _scores(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        if len(x) == 0:
            return math.nan, None
        a = self.outputs(x)
        return self.loss.fn(a, y)[0], losses.accuracy(a, y)

    def _record(self) -> None:
        if self.evaluations and self.evaluations[-1].step == self.step_count:
            return  # a divergence right after a snapshot: the network is the one already recorded
        with np.errstate(all="ignore"):
            self.evaluations.append(self.evaluate())

    def evaluate(self) -> Evaluation:
        """Measure the network as it is now (also what a paused GUI can call for a fresh snapshot)."""
        with np.errstate(all="ignore"):
            train_loss, train_acc = self._scores(self.x_train[self.eval_rows], self.y_train[self.eval_rows])
            test_loss, test_acc = self._scores(self.x_test, self.y_test)
            x, y = self.x_train[self.probe_rows], self.y_train[self.probe_rows]
            zs, acts = network.forward(x, self.params)
            da_last = self.loss.fn(acts[-1], y)[1]
            probe = network.backward(x, self.params, zs, acts, da_last,
                                     weight_grads="weight_grads" in self.snapshot_kinds)
            summaries = tuple(_summaries(r, self.snapshot_kinds) for r in probe)
            distinct = np.array([symmetry.distinct_neurons(r.a) for r in probe], dtype=np.int64)
        return Evaluation(self.step_count, train_loss, train_acc, test_loss, test_acc, summaries,
                          self.update_ratios(), distinct)

    def update_ratios(self) -> np.ndarray:
        """std(ΔW)/std(W) per layer for the last update (NaN before the first; inf when W is constant)."""
        updates = self.optimizer.last_updates
        if not updates:
            return np.full(len(self.params), np.nan)
        with np.errstate(all="ignore"):
            return np.array([np.std(dW, dtype=np.float64) / np.std(p.W, dtype=np.float64)
                             for (dW, _), p in zip(updates, self.params)])

    def history(self, label: str = "") -> History:
        """A frozen copy of the run so far."""
        evals = self.evaluations
        return History(
            label=label, loss=self.loss.name, optimizer=self.spec.optimizer,
            classification=self.dataset.n_classes is not None,
            units=np.array([p.W.shape[1] for p in self.params], dtype=np.int64),
            steps=np.arange(1, len(self.train_loss) + 1, dtype=np.int64),
            train_loss=np.array(self.train_loss, dtype=np.float64),
            eval_steps=np.array([e.step for e in evals], dtype=np.int64),
            eval_train_loss=_floats(e.train_loss for e in evals), train_acc=_floats(e.train_acc for e in evals),
            test_loss=_floats(e.test_loss for e in evals), test_acc=_floats(e.test_acc for e in evals),
            update_ratio=np.array([e.update_ratio for e in evals]).reshape(len(evals), len(self.params)),
            distinct=np.array([e.distinct for e in evals], dtype=np.int64).reshape(len(evals), len(self.params)),
            snapshots=tuple(e.layers for e in evals), snapshot_kinds=self.snapshot_kinds,
            diverged_at=self.diverged_at, seconds=self.seconds)


def _summaries(layer: network.LayerResult, kinds: tuple[str, ...]) -> dict[str, stats.TensorSummary]:
    """:func:`stats.layer_summaries` of float64 copies (same values, same statistics): its float32
    binning overflows on a subnormal-only span (a vanishing N(0, 0.01²) ReLU stack reaches 1e-43)."""
    out = {}
    for kind in kinds:
        out[kind] = stats.summarize(getattr(layer, stats.KIND_FIELDS[kind]).astype(np.float64))
        if kind == "activations":
            out[kind].stats.update(stats.activation_extras(layer))
    return out


def _floats(values: Any) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def _own_copy(layer: network.LayerParameters) -> network.LayerParameters:
    """Fresh W and b the optimizer may change in place (draws may be shared with a cache)."""
    return network.LayerParameters(layer.W.copy(), layer.b.copy(), layer.activation, layer.activation_params)


def _check_memory(features: int, rows: int, units: list[int], dtype: str, budget: int) -> None:
    """A forward/backward pass of ``rows`` (:func:`estimate_bytes`) plus four more copies of the
    parameters: the trainer's own, Adam's m and v, and the last update."""
    n_params = sum(fi * fo + fo for fi, fo in zip([features] + units[:-1], units))
    need = estimate_bytes(features, rows, units, dtype) + 4 * n_params * np.dtype(dtype).itemsize
    if need > budget:
        raise MemoryBudgetError("training", f"needs about {format_bytes(need)}, over the memory budget of "
                                            f"{format_bytes(budget)}; reduce the batch size, widths or depth")


def train(experiment: Any, dataset: Any, spec: Any = None, cancel: Callable[[], bool] | None = None,
          progress: Progress | None = None, snapshot_kinds: Sequence[str] = DEFAULT_SNAPSHOT_KINDS,
          memory_budget: int = DEFAULT_BUDGET_BYTES, label: str = "") -> History:
    """Train ``experiment``'s network on ``dataset`` for :func:`total_steps` steps (see the module
    docstring); raises :class:`network.Cancelled` when ``cancel()`` turns True."""
    trainer = Trainer(experiment, dataset, spec, snapshot_kinds, memory_budget)
    trainer.step(trainer.total_steps, cancel, progress)
    if not trainer.done:
        raise network.Cancelled
    return trainer.history(label)


# --- decision regions of 2-D classifiers ----------------------------------------------------

@dataclass(frozen=True)
class DecisionGrid:
    """The network's answer on a grid over the input plane: ``scores[iy, ix]`` holds softmax
    probabilities (cross-entropy) or the raw outputs (mse) at (xs[ix], ys[iy]); ``predicted``
    their argmax, the class whose region the point lies in."""

    xs: np.ndarray
    ys: np.ndarray
    scores: np.ndarray  # (len(ys), len(xs), outputs)
    predicted: np.ndarray  # (len(ys), len(xs))


def decision_grid(source: Trainer | Sequence[network.LayerParameters], x_range: tuple[float, float],
                  y_range: tuple[float, float], resolution: int = 100, loss: str = "cross_entropy") -> DecisionGrid:
    """Evaluate the network of a :class:`Trainer` (its loss decides the scores) or a list of layer
    parameters on a ``resolution`` × ``resolution`` grid; needs a network with 2 inputs."""
    if isinstance(source, Trainer):
        params, loss = source.params, source.loss.name
    else:
        params = list(source)
    if params[0].W.shape[0] != 2:
        raise ExperimentError("input.features", f"decision regions need 2 input features, got {params[0].W.shape[0]}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 4096:
        raise ExperimentError("resolution", f"got {resolution!r}; allowed: a whole number from 2 to 4096")
    xs, ys = np.linspace(*x_range, resolution), np.linspace(*y_range, resolution)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(params[0].W.dtype)
    with np.errstate(all="ignore"):
        a = np.concatenate([network.forward(points[i:i + CHUNK_ROWS], params)[1][-1]
                            for i in range(0, len(points), CHUNK_ROWS)])
        scores = losses.softmax(a) if losses.get(loss).needs_labels else a
    scores = scores.reshape(resolution, resolution, -1)
    return DecisionGrid(xs, ys, scores, np.argmax(scores, axis=-1))


def data_extent(dataset: Any, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y ranges covering every point of a 2-D data set, widened by ``margin`` of the span."""
    x = np.concatenate([dataset.x_train, dataset.x_test])[:, :2]
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-12)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))
