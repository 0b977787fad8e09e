"""The figures of one sweep cell, from one forward+backward pass (and optionally a training run).

Per layer l = 1 … L the std of the activations a^l and of the gradients ∂L/∂a^l over the batch
(population std of the finite values, in float64; NaN when none is finite), then:

- ``a_std_first``/``a_std_last``, ``a_ratio`` = a_std_last / a_std_first (signal kept across depth);
- ``grad_std_first``/``grad_std_last``, ``grad_ratio`` = grad_std_first / grad_std_last (how the
  gradient grew on its way back), ``log10_grad_ratio``, and ``log10_grad_growth`` =
  log10_grad_ratio / (L − 1), the measured growth of the gradient's std per layer. Mean-field
  theory predicts ½·log10 χ₁ per layer deep in the stack (Schoenholz et al. 2017): 0 on the edge
  of chaos χ₁ = 1;
- ``chi1``, ``phase`` (ordered | critical | chaotic, or n/a where the theory does not apply),
  ``net_sigma_w2`` = fan_in·Var(W), ``net_sigma_b2`` = E[b²] and ``net_activation`` of the
  stack's middle layer (index L // 2, a hidden-to-hidden layer; the first when L < 3: the first
  layer's fan_in is the input's, which says little about the stack), from
  :func:`initviz.engine.theory.predict`, ``theory_log10_grad_ratio`` (½·log10 of the predicted
  Var(da^1)/Var(da^L)), ``net_layers`` = L;
- ``sim_loss`` (the MSE against t ~ N(0, 1) of the pass) and ``n_nonfinite`` (NaN/±inf values
  in every z, a and ∂L/∂a);
- ``a_std_profile``/``grad_std_profile``: the per-layer stds, written ``;``-joined in the CSV.

With ``train_steps``: the network trains that many steps with the experiment's ``training``
settings on its ``data`` (:func:`initviz.engine.training.train`); ``train_loss``/``train_acc`` on
the tracked training rows and ``test_loss``/``test_acc`` held out at the end (accuracies NaN for
regression), ``diverged_at`` the step where the loss became non-finite (empty: never).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from initviz.engine import network, stats, theory, training
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.sweep.table import compact

SIM_COLUMNS = (
    "net_layers", "net_activation", "net_sigma_w2", "net_sigma_b2",
    "a_std_first", "a_std_last", "a_ratio", "log10_a_ratio",
    "grad_std_first", "grad_std_last", "grad_ratio", "log10_grad_ratio", "log10_grad_growth",
    "chi1", "phase", "theory_log10_grad_ratio", "sim_loss", "n_nonfinite",
    "a_std_profile", "grad_std_profile",
)
TRAIN_COLUMNS = ("train_steps", "train_loss", "train_acc", "test_loss", "test_acc", "diverged_at")


def metric_columns(train: bool) -> tuple[str, ...]:
    return SIM_COLUMNS + (TRAIN_COLUMNS if train else ())


def finite_std(values: np.ndarray) -> float:
    """Population std of the finite values, accumulated in float64 (0 exactly for a constant
    tensor, NaN when no value is finite)."""
    flat = values.ravel()
    with np.errstate(all="ignore"):
        if not math.isfinite(float(np.add.reduce(flat, dtype=np.float64))):
            flat = flat[np.isfinite(flat)]
        if flat.size == 0:
            return math.nan
        if flat.min() == flat.max():
            return 0.0
        return float(np.std(flat, dtype=np.float64))


def _div(a: float, b: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.float64(a) / np.float64(b))


def _log10(x: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.log10(np.float64(x)))


def middle_layer(n_layers: int) -> int:
    """The layer whose mean-field figures stand for the stack: L // 2 (the first when L < 3)."""
    return n_layers // 2 if n_layers >= 3 else 0


def activation_text(experiment: Any, index: int) -> str:
    """A layer's activation: its name, or compact JSON with its parameters."""
    return compact(experiment.layers[index].activation.to_json())


def simulation_metrics(experiment: Any, memory_budget: int = DEFAULT_BUDGET_BYTES) -> dict[str, Any]:
    """The ``SIM_COLUMNS`` of one experiment (see the module docstring)."""
    result = network.simulate(experiment, memory_budget=memory_budget, weight_grads=False)
    a_profile = [finite_std(layer.a) for layer in result.layers]
    grad_profile = [finite_std(layer.da) for layer in result.layers]
    bad = sum(stats.count_nonfinite(t) for layer in result.layers for t in (layer.z, layer.a, layer.da))
    loss = float(result.loss)
    del result  # free the tensors before the theory (and training) run
    predictions = theory.predict(experiment)
    n = len(predictions)
    middle = predictions[middle_layer(n)]
    a_ratio, grad_ratio = _div(a_profile[-1], a_profile[0]), _div(grad_profile[0], grad_profile[-1])
    log_grad = _log10(grad_ratio)
    return {
        "net_layers": n, "net_activation": activation_text(experiment, middle_layer(n)),
        "net_sigma_w2": middle.sigma_w2, "net_sigma_b2": middle.sigma_b2,
        "a_std_first": a_profile[0], "a_std_last": a_profile[-1], "a_ratio": a_ratio, "log10_a_ratio": _log10(a_ratio),
        "grad_std_first": grad_profile[0], "grad_std_last": grad_profile[-1], "grad_ratio": grad_ratio,
        "log10_grad_ratio": log_grad, "log10_grad_growth": log_grad / (n - 1) if n > 1 else math.nan,
        "chi1": middle.chi1, "phase": middle.phase if middle.applies else "n/a",
        "theory_log10_grad_ratio": 0.5 * _log10(_div(predictions[0].grad_var, predictions[-1].grad_var)),
        "sim_loss": loss, "n_nonfinite": int(bad),
        "a_std_profile": a_profile, "grad_std_profile": grad_profile,
    }


def training_metrics(experiment: Any, steps: int, memory_budget: int = DEFAULT_BUDGET_BYTES) -> dict[str, Any]:
    """The ``TRAIN_COLUMNS``: ``steps`` steps of the experiment's training settings."""
    dataset = training.load_dataset(experiment)
    spec = dataclasses.replace(training.settings_of(experiment), steps=steps, epochs=None, snapshot_every=steps)
    history = training.train(experiment, dataset, spec, snapshot_kinds=(), memory_budget=memory_budget)
    return {
        "train_steps": steps, "train_loss": float(history.eval_train_loss[-1]), "train_acc": float(history.train_acc[-1]),
        "test_loss": float(history.test_loss[-1]), "test_acc": float(history.test_acc[-1]),
        "diverged_at": history.diverged_at,
    }


def measure(experiment: Any, train_steps: int | None = None,
            memory_budget: int = DEFAULT_BUDGET_BYTES) -> dict[str, Any]:
    """Every metric of one cell: what a worker process (or a Dask worker) runs."""
    out = simulation_metrics(experiment, memory_budget)
    if train_steps is not None:
        out.update(training_metrics(experiment, train_steps, memory_budget))
    return out
