"""The public Python API for notebooks: build or load experiments, simulate, get statistics as
plain dicts and histograms as numpy arrays, mean-field theory, train, race inits, reproduce papers.

Everything is re-exported from :mod:`initviz`; the README's "Python API" section is its reference.
Statistics and theory come back as plain Python types with NaN and ±inf written as None, so
``json.dumps(..., allow_nan=False)`` works on them; the CLI's ``stats --json`` is built here too.

>>> import initviz
>>> exp = initviz.stack(30, 256, "relu", "he_normal", batch=128)
>>> stats = initviz.statistics(exp)
>>> round(256 * stats[0]["weights"]["std"] ** 2, 1)   # He: Var(W) = 2/fan_in
2.0
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import numpy as np

from initviz.api_runs import (  # noqa: F401  (re-exported)
    list_presets, load_preset, load_sweep, race, reproduce, reproductions, run_sweep, train,
)
from initviz.engine import lsuv as _lsuv
from initviz.engine import network, stats, theory as _theory
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.errors import ExperimentError
from initviz.model import Experiment, load_experiment
from initviz.model.builders import experiment, stack, with_activation, with_bias, with_init

KINDS = stats.KINDS


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _experiment(source: Any, seed: int | None = None) -> Experiment:
    exp = load_experiment(source)
    return exp if seed is None else exp.replace(seed=seed)


def simulate(experiment: Any, *, seed: int | None = None,
             memory_budget: int = DEFAULT_BUDGET_BYTES) -> network.SimulationResult:
    """One forward and backward pass (MSE loss against N(0,1) targets) of an experiment — an
    Experiment, a JSON dict or a file path — in its dtype. ``seed`` replaces the experiment's.

    Returns a SimulationResult: ``x``, ``t``, ``loss`` and ``layers[i]`` with ``W, b, z, a, da,
    dz, dW, db`` as numpy arrays.

    >>> result = simulate(stack(3, 16, "tanh"), seed=1)
    >>> result.layers[0].a.shape
    (512, 16)
    """
    return network.simulate(_experiment(experiment, seed), memory_budget=memory_budget)


def theory_entry(layer: _theory.LayerTheory) -> dict[str, Any]:
    """One layer's mean-field prediction as JSON (inf and NaN as None), without its index."""
    return {k: _finite_or_none(v) for k, v in dataclasses.asdict(layer).items() if k != "index"}


def _summaries(source: Any, result: network.SimulationResult | None, kinds: Sequence[str], bins: int,
               seed: int | None) -> tuple[Experiment | None, network.SimulationResult, list[dict]]:
    for kind in kinds:
        if kind not in KINDS:
            raise ExperimentError("kinds", f"unknown {kind!r}; allowed: {', '.join(KINDS)}")
    if isinstance(source, network.SimulationResult):
        exp, result = None, source
    else:
        exp = _experiment(source, seed)
        result = network.simulate(exp) if result is None else result
    return exp, result, stats.result_summaries(result, tuple(kinds), bins)


def _layer_head(exp: Experiment | None, result: network.SimulationResult, i: int) -> dict[str, Any]:
    if exp is None:
        fan_in, fan_out = result.layers[i].W.shape
        return {"index": i, "units": fan_out, "activation": result.layers[i].activation.name, "init": None,
                "bias": None, "fan_in": fan_in, "fan_out": fan_out}
    spec = exp.layers[i]
    fan_in, fan_out = exp.fans(i)
    return {"index": i, "units": spec.units, "activation": spec.activation.to_json(), "init": spec.init.to_json(),
            "bias": spec.bias.to_json(), "fan_in": fan_in, "fan_out": fan_out}


def statistics(source: Any, result: network.SimulationResult | None = None, *, theory: bool = False,
               kinds: Sequence[str] = KINDS, seed: int | None = None) -> list[dict[str, Any]]:
    """Per-layer statistics as plain dicts: ``index, units, activation, init, bias, fan_in,
    fan_out`` and, per kind (``weights, preactivations, activations, activation_grads,
    weight_grads``), ``count, mean, std, min, max, p01, p99, frac_zero, n_nan, n_inf, n_posinf,
    n_neginf`` — activations also ``frac_saturated`` (None for unbounded ones) and
    ``dead_units``. Non-finite values are None. With ``theory=True`` each layer also has
    ``"theory"``: its mean-field prediction (see :func:`theory`).

    ``source`` is an experiment (simulated here; ``seed`` replaces its seed) — or pass the
    ``result`` of :func:`simulate` beside it to reuse it, or a SimulationResult alone (then the
    init and bias are None: the result does not know them).

    >>> layers = statistics(stack(5, 64, "tanh", "xavier_uniform"))
    >>> layers[0]["activations"]["frac_saturated"] < 0.05, layers[4]["weights"]["n_nan"]
    (True, 0)
    """
    exp, result, summaries = _summaries(source, result, kinds, stats.DEFAULT_BINS, seed)
    predictions = _theory.predict(exp) if theory and exp is not None else None
    if theory and exp is None:
        raise ExperimentError("theory", "needs the experiment, not a SimulationResult alone")
    layers = []
    for i, per_kind in enumerate(summaries):
        entry = _layer_head(exp, result, i)
        for kind, summary in per_kind.items():
            entry[kind] = {k: _finite_or_none(v) for k, v in summary.stats.items()}
        if predictions is not None:
            entry["theory"] = theory_entry(predictions[i])
        layers.append(entry)
    return layers


def stats_document(experiment: Experiment, result: network.SimulationResult,
                   predictions: list[_theory.LayerTheory] | None = None) -> dict[str, Any]:
    """The JSON document of ``initviz stats --json``: name, dtype, seed, loss and
    :func:`statistics` of every layer (with ``"theory"`` when ``predictions`` are given)."""
    layers = statistics(experiment, result)
    if predictions is not None:
        for entry, prediction in zip(layers, predictions):
            entry["theory"] = theory_entry(prediction)
    return {"name": experiment.name, "dtype": experiment.dtype, "seed": experiment.seed,
            "loss": _finite_or_none(float(result.loss)), "layers": layers}


def histograms(source: Any, bins: int = stats.DEFAULT_BINS, result: network.SimulationResult | None = None, *,
               kinds: Sequence[str] = KINDS, seed: int | None = None) -> dict[str, np.ndarray]:
    """Every layer's histograms as numpy arrays, per kind: ``{kind}_edges`` (layers, bins + 1),
    ``{kind}_counts`` (layers, bins) of the finite values, and ``{kind}_n_nan``,
    ``{kind}_n_posinf``, ``{kind}_n_neginf``, ``{kind}_n_binned`` (layers,). Each layer's bins
    span its own [min, max]; tensors above 2^18 values are binned from a fixed sample of them
    (``n_binned`` says how many). Same ``source`` forms as :func:`statistics`.

    >>> h = histograms(stack(4, 32, "relu", "he_normal"), bins=20, kinds=["activations"])
    >>> h["activations_counts"].shape, int(h["activations_counts"][0].sum())
    ((4, 20), 16384)
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 4096:
        raise ExperimentError("bins", f"got {bins!r}; allowed: a whole number from 1 to 4096")
    _, _, summaries = _summaries(source, result, kinds, bins, seed)
    out: dict[str, np.ndarray] = {}
    for kind in kinds:
        hists = [layer[kind].histogram for layer in summaries]
        out[f"{kind}_edges"] = np.array([h.edges for h in hists], dtype=np.float64)
        out[f"{kind}_counts"] = np.array([h.counts for h in hists], dtype=np.int64)
        for name in ("n_nan", "n_posinf", "n_neginf", "n_binned"):
            out[f"{kind}_{name}"] = np.array([getattr(h, name) for h in hists], dtype=np.int64)
    return out


def theory(experiment: Any, last_grad_var: float | None = None) -> list[dict[str, Any]]:
    """Mean-field predictions per layer (Poole et al. 2016; Schoenholz et al. 2017) as plain
    dicts: ``index, applies, reason, sigma_w2, sigma_b2, q, preactivation_var, activation_mean,
    activation_std, chi, backward_factor, grad_var, q_star, chi1, phase, depth_scale`` and the
    means; inf and NaN as None. ``last_grad_var`` starts the gradient chain from a measured
    Var(∂L/∂a) of the last layer instead of the predicted one.

    >>> layers = theory(stack(10, 256, "relu", "he_normal"))
    >>> round(layers[0]["chi1"], 6), layers[0]["phase"]
    (1.0, 'critical')
    """
    return [{"index": t.index, **theory_entry(t)} for t in _theory.predict(load_experiment(experiment), last_grad_var)]


def lsuv(experiment: Any, tol: float = _lsuv.DEFAULT_TOL, max_iter: int = _lsuv.DEFAULT_MAX_ITER) -> Experiment:
    """The experiment with LSUV inits (Mishkin & Matas 2016): every layer's weights become
    ``orthogonal(gain=g_l)`` with the gains that give unit-variance pre-activations on its batch.

    >>> fitted = lsuv(stack(8, 64, "relu"))
    >>> round(statistics(fitted)[-1]["preactivations"]["std"], 2)
    1.0
    """
    exp = load_experiment(experiment)
    return exp.replace(layers=_lsuv.lsuv_layers(exp, _lsuv.lsuv(exp, tol, max_iter)))


# Not `presets()` or `sweep()`: initviz.presets and initviz.sweep are modules, and importing one
# rebinds that attribute of the package, which would shadow the function.
__all__ = [
    "experiment", "histograms", "list_presets", "load_preset", "load_sweep", "lsuv", "race", "reproduce",
    "reproductions", "run_sweep", "simulate", "stack", "statistics", "stats_document", "theory", "theory_entry",
    "train", "with_activation", "with_bias", "with_init",
]
