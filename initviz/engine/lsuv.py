"""Layer-sequential unit-variance init (LSUV; Mishkin & Matas 2015, "All you need is a good init").

Start from orthonormal weights (Saxe et al. 2013), then for each layer l in order, on the
experiment's input batch pushed through the layers already fixed:

    while |Var(z^l) − 1| ≥ tol and fewer than max_iter rescales:  W^l ← W^l / √Var(z^l)

Var is over every entry of the (batch, units) pre-activation, as in the paper. W^l = g·Q^l with
Q^l the layer's own orthogonal draw, so a rescale only changes the gain g_l. The result is
therefore an ordinary edit of the experiment: layer l's init becomes
``{"name": "orthogonal", "gain": g_l}``, and drawing that again from the layer's own stream
reproduces the LSUV weights exactly. Q^l is drawn once per layer by that same path
(:func:`initviz.engine.network.draw_layer`, orthogonal with gain 1, kept in float64), and each
trial gain repeats only what the orthogonal scheme does after its QR — multiply by the gain in
float64, then cast to the experiment's dtype — so every trial weight is bit for bit the one
``draw_layer`` gives for that gain, without a QR per measurement. Biases keep their scheme.

The engine never imports the document model: :func:`lsuv_inits` gives the init specs in their
JSON form, and :func:`lsuv_layers` rebuilds duck-typed layer specs (frozen dataclasses whose
init component is built as ``type(init)(name, params)``) for the model or UI to validate.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from initviz.engine import initializers, network
from initviz.errors import ExperimentError

DEFAULT_TOL = 0.1
DEFAULT_MAX_ITER = 10
CONVERGED, MAX_ITER, ZERO_VARIANCE, NON_FINITE = "converged", "max_iter", "zero_variance", "non_finite"


@dataclass(frozen=True)
class LsuvStep:
    """One measurement: Var(z) of ``layer`` at ``gain``, and the gain after this step
    (``gain / √variance`` when it rescaled, else unchanged)."""

    layer: int
    iteration: int  # 0 = the orthonormal start (gain 1)
    variance: float
    gain: float
    new_gain: float

    @property
    def rescaled(self) -> bool:
        return self.new_gain != self.gain


@dataclass(frozen=True)
class LsuvLayer:
    """Outcome for one layer: its gain, the Var(z) that gain gives, and why it stopped."""

    gain: float
    variance: float  # Var(z) with ``gain``, measured on the experiment's batch
    status: str  # converged | max_iter | zero_variance | non_finite
    rescales: int

    @property
    def hit_max_iter(self) -> bool:
        return self.status == MAX_ITER

    @property
    def reason(self) -> str:
        """One line for people."""
        return {
            CONVERGED: f"|Var(z) − 1| within tolerance after {self.rescales} rescale(s)",
            MAX_ITER: f"stopped after {self.rescales} rescales with Var(z) = {self.variance:.4g}",
            ZERO_VARIANCE: f"Var(z) = {self.variance:.4g} cannot be rescaled to 1: Var(z) = 0 or the "
                           "layer's input is constant (e.g. after a dead ReLU layer), so a_prev·W does not vary",
            NON_FINITE: f"Var(z) = {self.variance} (the signal overflowed): cannot rescale",
        }[self.status]


@dataclass(frozen=True)
class LsuvResult:
    """Per-layer gains and outcomes, and every measurement in order."""

    layers: tuple[LsuvLayer, ...]
    steps: tuple[LsuvStep, ...]
    tol: float
    max_iter: int

    @property
    def gains(self) -> tuple[float, ...]:
        return tuple(layer.gain for layer in self.layers)

    @property
    def converged(self) -> bool:
        return all(layer.status == CONVERGED for layer in self.layers)


class _Component:
    """A scheme spec as :func:`network.draw_layer` reads it: ``name`` and ``kwargs``."""

    def __init__(self, name: str, kwargs: dict[str, Any]):
        self.name, self.kwargs = name, kwargs


class _LayerView:
    """Layer spec ``spec`` with its init replaced."""

    def __init__(self, spec: Any, init: _Component):
        self.units, self.activation, self.bias, self.init = spec.units, spec.activation, spec.bias, init


class _WithInit:
    """An experiment seen with layer ``index``'s init replaced (and optionally another dtype): the
    same streams and fans, so :func:`network.draw_layer` draws what the edited experiment will."""

    def __init__(self, experiment: Any, index: int, init: _Component, dtype: Any = None):
        self._experiment = experiment
        self.seed = experiment.seed
        self.dtype = experiment.dtype if dtype is None else dtype
        self.layers = list(experiment.layers)
        self.layers[index] = _LayerView(self.layers[index], init)

    def fans(self, index: int) -> tuple[int, int]:
        return self._experiment.fans(index)


class _OrthogonalLayer:
    """Layer ``index`` with init orthogonal(gain) for any gain, from one QR.

    orthogonal(gain=g) draws ``(g * Q).astype(dtype)`` with Q the float64 orthonormal matrix of
    the layer's weight stream: the gain multiplies after the QR and before the cast. So Q is drawn
    once, as orthogonal(gain=1) in float64 (1.0 * Q is Q), and :meth:`at` repeats the multiply
    and the cast: the same operations on the same numbers, hence the same bits as
    :func:`network.draw_layer` for that gain. The bias and activation are drawn in the
    experiment's dtype with the init set to zeros (a bias never depends on the init; no QR)."""

    def __init__(self, experiment: Any, index: int):
        self._path, self._dtype = f"layers[{index}].init", experiment.dtype
        self._layer = network.draw_layer(_WithInit(experiment, index, _Component("zeros", {})), index)
        unit = _WithInit(experiment, index, _Component("orthogonal", {"gain": 1.0}), np.float64)
        self._q = network.draw_layer(unit, index).W

    def at(self, gain: float) -> network.LayerParameters:
        _, p = initializers.resolve("orthogonal", {"gain": gain}, self._path)  # refuses what draw_layer refuses
        return dataclasses.replace(self._layer, W=(p["gain"] * self._q).astype(self._dtype, copy=False))


def _check(tol: Any, max_iter: Any) -> None:
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not (math.isfinite(tol) and tol > 0):
        raise ExperimentError("tol", f"got {tol!r}; allowed: a finite number > 0")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ExperimentError("max_iter", f"got {max_iter!r}; allowed: a whole number ≥ 1")


def _never() -> bool:
    return False


def lsuv(experiment: Any, tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER,
         cancel: Callable[[], bool] = _never) -> LsuvResult:
    """Find LSUV gains g_l for every layer of ``experiment`` on its own input batch.

    Per layer: measure Var(z) at gain g (starting at 1) and stop when |Var(z) − 1| < tol
    (converged), when Var(z) = 0 or Var(a_prev·W) = 0 (zero_variance: dividing by √Var(z) is
    impossible or cannot help), when Var(z) is not finite (non_finite), or after ``max_iter``
    rescales g ← g/√Var(z) (max_iter; that last measurement is kept); otherwise rescale.
    The next layer sees the activations at the final gain. ``cancel`` is polled before each
    measurement (raises :class:`network.Cancelled`). Cost: one QR of the layer's weight shape
    per layer, and per measurement a multiply by the gain and one layer's forward pass (plus
    a_prev·W when it does not converge). Raises ExperimentError
    naming ``tol`` or ``max_iter`` when they are invalid.
    """
    _check(tol, max_iter)
    network.check_memory(experiment)
    a_prev = network.draw_input(experiment)
    layers, steps = [], []
    with np.errstate(all="ignore"):
        for index in range(len(experiment.layers)):
            layer, a_prev, log = _fit_layer(experiment, index, a_prev, tol, max_iter, cancel)
            layers.append(layer)
            steps.extend(log)
    return LsuvResult(tuple(layers), tuple(steps), float(tol), max_iter)


def _fit_layer(experiment: Any, index: int, a_prev: np.ndarray, tol: float, max_iter: int,
               cancel: Callable[[], bool]) -> tuple[LsuvLayer, np.ndarray, list[LsuvStep]]:
    gain, log, draw = 1.0, [], None
    for iteration in range(max_iter + 1):
        if cancel():
            raise network.Cancelled
        if draw is None:  # after the first poll: the QR is the expensive part
            draw = _OrthogonalLayer(experiment, index)
        params = draw.at(gain)
        zs, acts = network.forward(a_prev, [params])
        variance = float(np.var(zs[0], dtype=np.float64))
        status = _status(variance, tol, a_prev, params.W, iteration == max_iter)
        new_gain = gain / math.sqrt(variance) if status is None else gain
        log.append(LsuvStep(index, iteration, variance, gain, new_gain))
        if status is not None:
            return LsuvLayer(gain, variance, status, iteration), acts[0], log
        gain = new_gain
    raise AssertionError("unreachable: the last iteration always has a status")


def _status(variance: float, tol: float, a_prev: np.ndarray, W: np.ndarray, last: bool) -> str | None:
    """Why to stop at this measurement, or None to rescale."""
    if not math.isfinite(variance):
        return NON_FINITE
    if abs(variance - 1.0) < tol:
        return CONVERGED
    if variance == 0 or np.var(a_prev @ W, dtype=np.float64) == 0:
        return ZERO_VARIANCE
    return MAX_ITER if last else None


def lsuv_inits(result: LsuvResult) -> tuple[dict[str, Any], ...]:
    """Each layer's new init in its JSON form, ``{"name": "orthogonal", "gain": g_l}``."""
    return tuple({"name": "orthogonal", "gain": float(layer.gain)} for layer in result.layers)


def lsuv_layers(experiment: Any, result: LsuvResult) -> tuple[Any, ...]:
    """``experiment``'s layer specs with each init replaced by orthogonal(gain = g_l).

    Works on any frozen dataclass layer spec whose ``init`` class is built as
    ``Init(name, params)`` with params a tuple of (key, value) pairs (the model's Component):
    pass the tuple to ``experiment.replace(layers=...)``, which validates it.
    """
    if len(result.layers) != len(experiment.layers):
        raise ExperimentError("layers", f"the LSUV result has {len(result.layers)} layers, "
                                        f"the experiment {len(experiment.layers)}")
    return tuple(
        dataclasses.replace(spec, init=type(spec.init)("orthogonal", (("gain", float(fit.gain)),)))
        for spec, fit in zip(experiment.layers, result.layers))
