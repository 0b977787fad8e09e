"""Forward and backward passes of a dense stack, in numpy (the chain rule, layer by layer).

Forward:  z^l = a^{l-1} @ W^l + b^l,  a^l = φ(z^l),  a^0 = x.
Loss:     L = mean((a^L − t)²)  (torch ``MSELoss()``), t ~ N(0, 1).
Backward: da^L = 2(a^L − t)/N;  dz = da ⊙ φ'(z);  dW = a^{l-1}ᵀ dz;  db = Σ_batch dz;
          da^{l-1} = dz W^lᵀ.

Works on anything shaped like :class:`initviz.model.Experiment` (duck typing keeps the
engine free of the document model). Overflow is a normal outcome here: it runs under
``np.errstate(all="ignore")`` and yields inf/NaN that the statistics count.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from initviz.engine import activations, initializers
from initviz.engine.cache import SimulationCache
from initviz.engine.distributions import Distribution
from initviz.engine.memory import DEFAULT_BUDGET_BYTES, estimate_bytes, format_bytes
from initviz.errors import ExperimentError, MemoryBudgetError

INPUT_STREAM, TARGET_STREAM, LAYER_STREAM = 0, 1, 2
WEIGHT_PART, BIAS_PART = 0, 1


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent generator for one purpose: (input), (targets), (layer i, weights|bias).

    ``SeedSequence(seed, spawn_key=key)`` gives each key its own stream, so changing one
    layer never reshuffles another."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


@dataclass(frozen=True)
class LayerParameters:
    """A layer's drawn weights and its resolved activation."""

    W: np.ndarray
    b: np.ndarray
    activation: activations.Activation
    activation_params: Mapping[str, Any]


@dataclass
class LayerResult:
    """Everything one layer computed, all in the experiment's dtype."""

    W: np.ndarray
    b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    da: np.ndarray
    dz: np.ndarray
    dW: np.ndarray | None  # None when the caller did not ask for weight gradients
    db: np.ndarray
    activation: activations.Activation
    activation_params: Mapping[str, Any]


@dataclass
class SimulationResult:
    """Input ``x``, targets ``t``, scalar ``loss`` and one :class:`LayerResult` per layer."""

    x: np.ndarray
    t: np.ndarray
    loss: np.floating
    layers: list[LayerResult]


def draw_input(experiment: Any) -> np.ndarray:
    """The input batch: N(0, 1), or U(±√3) (unit variance) for ``distribution="uniform"``."""
    spec = experiment.input
    rng = stream(experiment.seed, INPUT_STREAM)
    shape = (spec.batch, spec.features)
    if spec.distribution == "uniform":
        x = rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), size=shape)
    else:
        x = rng.standard_normal(shape)
    return x.astype(experiment.dtype, copy=False)


def draw_targets(experiment: Any) -> np.ndarray:
    """Regression targets t ~ N(0, 1) of shape (batch, units of the last layer)."""
    rng = stream(experiment.seed, TARGET_STREAM)
    shape = (experiment.input.batch, experiment.layers[-1].units)
    return rng.standard_normal(shape).astype(experiment.dtype, copy=False)


@contextmanager
def _too_large(path: str):
    """Valid but astronomically large parameters (U(±1e308), slope 1e200) overflow inside numpy
    or math: report them as the experiment's problem, with the layer's path."""
    try:
        yield
    except (OverflowError, FloatingPointError) as err:
        raise ExperimentError(path, f"parameters too large to compute with ({err})") from None


def layer_context(experiment: Any, index: int) -> initializers.Context:
    """Fans and activation gain of layer ``index``, as its init scheme sees them."""
    spec = experiment.layers[index]
    fan_in, fan_out = experiment.fans(index)
    with _too_large(f"layers[{index}].activation"):
        gain = activations.gain(spec.activation.name, spec.activation.kwargs)
    return initializers.Context(fan_in, fan_out, gain)


def weight_law(experiment: Any, index: int) -> Distribution:
    """The distribution layer ``index``'s init scheme promises for one weight."""
    init = experiment.layers[index].init
    scheme, p = initializers.resolve(init.name, init.kwargs, f"layers[{index}].init")
    ctx = layer_context(experiment, index)
    with _too_large(f"layers[{index}].init"):
        return scheme.law(p, ctx)


def draw_layer(experiment: Any, index: int,
               units: initializers.UnitDraws = initializers.fresh_draws) -> LayerParameters:
    """Draw W (fan_in, fan_out) and b (fan_out,) of layer ``index`` from its own streams
    (``units``: a memo of unit draws, as in ``initializers.sample_law``)."""
    spec = experiment.layers[index]
    fan_in, fan_out = experiment.fans(index)
    path = f"layers[{index}]"
    act, act_params = activations.resolve(spec.activation.name, spec.activation.kwargs, f"{path}.activation")
    ctx = layer_context(experiment, index)
    scheme, p = initializers.resolve(spec.init.name, spec.init.kwargs, f"{path}.init")
    bias_scheme, bias_p = initializers.resolve(spec.bias.name, spec.bias.kwargs, f"{path}.bias", for_bias=True)
    dtype = experiment.dtype
    with np.errstate(all="ignore"):  # float32 overflow to inf is counted, not warned
        with _too_large(f"{path}.init"):
            W = scheme.sample(stream(experiment.seed, LAYER_STREAM, index, WEIGHT_PART), (fan_in, fan_out), p, ctx,
                              dtype, lambda name, make: units(f"W/{name}", make))
        with _too_large(f"{path}.bias"):
            b = bias_scheme.sample(stream(experiment.seed, LAYER_STREAM, index, BIAS_PART), (fan_out,), bias_p, ctx,
                                   dtype, lambda name, make: units(f"b/{name}", make))
        return LayerParameters(W.astype(dtype, copy=False), b.astype(dtype, copy=False), act, act_params)


def check_memory(experiment: Any, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> int:
    """Estimated bytes of the simulation; raises :class:`MemoryBudgetError` over ``budget_bytes``."""
    need = estimate_bytes(experiment.input.features, experiment.input.batch,
                          [layer.units for layer in experiment.layers], experiment.dtype)
    if need > budget_bytes:
        raise MemoryBudgetError(
            "experiment", f"needs about {format_bytes(need)}, over the memory budget of {format_bytes(budget_bytes)}; "
                          "reduce the batch, the widths or the depth, or raise the budget")
    return need


class Cancelled(Exception):
    """Raised inside :func:`simulate` when its ``cancel`` callback returns True."""


def _never() -> bool:
    return False


def simulate(experiment: Any, memory_budget: int = DEFAULT_BUDGET_BYTES,
             cancel: Callable[[], bool] = _never, cache: SimulationCache | None = None,
             weight_grads: bool = True) -> SimulationResult:
    """Run the forward pass on the input batch and the backward pass of the MSE loss.

    ``cancel`` is polled between layers; when it returns True, :class:`Cancelled` is raised.
    With a ``cache`` (kept between calls), unchanged draws and forward layers are reused.
    ``weight_grads=False`` skips dW = a^{l-1}ᵀ dz (a third of the GEMMs) when no one looks at it."""
    check_memory(experiment, memory_budget)
    cache = cache or SimulationCache()
    seed, dtype = experiment.seed, experiment.dtype
    x_key = ("x", seed, dtype, experiment.input)
    t_key = ("t", seed, dtype, experiment.input.batch, experiment.layers[-1].units)
    x = cache.draw(x_key, lambda: draw_input(experiment))
    t = cache.draw(t_key, lambda: draw_targets(experiment))
    keys, params = {x_key, t_key}, []
    for i, layer in enumerate(experiment.layers):
        _poll(cancel)
        key = ("layer", seed, dtype, i, experiment.fans(i), layer)
        keys.add(key)
        units = cache.unit_draws(("units", seed, i, experiment.fans(i)))
        params.append(cache.draw(key, lambda i=i, units=units: draw_layer(experiment, i, units)))
    cache.keep(keys)
    with np.errstate(all="ignore"):
        zs, acts = cache.reusable_forward(x, params)
        zs, acts = forward(x, params, cancel, zs, acts)
        cache.remember_forward(x, params, zs, acts)
        diff = acts[-1] - t
        loss = np.mean(diff * diff, dtype=x.dtype)
        da_last = (2.0 / diff.size) * diff
        layers = backward(x, params, zs, acts, da_last, cancel, weight_grads)
    return SimulationResult(x=x, t=t, loss=loss, layers=layers)


def _poll(cancel: Callable[[], bool]) -> None:
    if cancel():
        raise Cancelled


def forward(x: np.ndarray, params: list[LayerParameters], cancel: Callable[[], bool] = _never,
            zs: list[np.ndarray] | None = None, acts: list[np.ndarray] | None = None
            ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations and activations of every layer, continuing after the given ``zs``/``acts``
    of the first layers."""
    zs, acts = list(zs or []), list(acts or [])
    a = acts[-1] if acts else x
    for layer in params[len(acts):]:
        _poll(cancel)
        z = a @ layer.W
        if layer.b.any():  # a zero bias (the default) adds nothing but a pass over z
            z += layer.b
        a = layer.activation.forward(z, layer.activation_params)
        zs.append(z)
        acts.append(a)
    return zs, acts


def backward(x: np.ndarray, params: list[LayerParameters], zs: list[np.ndarray], acts: list[np.ndarray],
             da_last: np.ndarray, cancel: Callable[[], bool] = _never, weight_grads: bool = True
             ) -> list[LayerResult]:
    """Gradients of every layer, from the last one down, given ∂L/∂a of the last layer
    (dW left None unless ``weight_grads``)."""
    results: list[LayerResult] = [None] * len(params)  # type: ignore[list-item]
    da = da_last
    for i in range(len(params) - 1, -1, -1):
        _poll(cancel)
        layer, z, a = params[i], zs[i], acts[i]
        dz = layer.activation.derivative(z, a, layer.activation_params)  # a fresh array
        dz *= da
        a_prev = x if i == 0 else acts[i - 1]
        dW = a_prev.T @ dz if weight_grads else None
        db = dz.sum(axis=0)
        results[i] = LayerResult(layer.W, layer.b, z, a, da, dz, dW, db, layer.activation, layer.activation_params)
        if i:
            da = dz @ layer.W.T
    return results
