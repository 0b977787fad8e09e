"""One picture's worth of numbers: what a view needs from a simulation, and nothing more.

A :class:`Frame` holds per layer the statistics and histograms of each tensor kind and the
law the init scheme promises. It is small (kilobytes), so it crosses threads cheaply;
the raw activations stay in the worker (DESIGN.md, data flow step 4).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, Callable

from initviz.engine import network, stats
from initviz.engine.advisor import ADVISOR_KINDS
from initviz.engine.cache import SimulationCache
from initviz.engine.diagnostics import Diagnostics, check_extras, compute_diagnostics
from initviz.engine.distributions import Distribution
from initviz.engine.memory import DEFAULT_BUDGET_BYTES


PREVIEW_CAP = 1 << 14  # values binned per tensor in a preview: the shape of a histogram, in a fraction of the time


@dataclass(frozen=True)
class LayerFrame:
    """Summaries of one layer by kind (``stats.KINDS``) and its weights' promised law."""

    index: int
    summaries: dict[str, stats.TensorSummary]
    weight_law: Distribution


@dataclass(frozen=True)
class Frame:
    """Everything a histogram view draws for one experiment state."""

    layers: tuple[LayerFrame, ...]
    loss: float
    seconds: float
    n_nonfinite: int = 0  # NaN and ±inf values over every tensor of every layer, summarised or not
    kinds: tuple[str, ...] = stats.KINDS  # the kinds summarised (the ones on screen)
    rows: int = 0  # rows of the input batch simulated
    preview_of: int | None = None  # the whole batch, when only its first ``rows`` were simulated
    diagnostics: Diagnostics | None = None  # the extras asked for (diagnostics.EXTRAS)


def compute_frame(experiment: Any, bins: int = stats.DEFAULT_BINS, memory_budget: int = DEFAULT_BUDGET_BYTES,
                  cancel: Callable[[], bool] = network._never, cache: SimulationCache | None = None,
                  kinds: tuple[str, ...] = stats.KINDS, rows: int | None = None, extras: Any = (),
                  similarity_layer: int | None = None) -> Frame:
    """Simulate ``experiment`` and summarise the given ``kinds`` of every layer (raises
    ``network.Cancelled``); the other kinds are only scanned for NaN and ±inf (weight
    gradients, not needed by anything else, are then not computed at all).

    With a ``cache`` kept between calls, only what an edit changed is recomputed. ``rows``: a
    preview on the first rows of the input batch (the very rows the whole batch starts with:
    input and targets are drawn row by row from their streams), whose histograms bin a fixed
    sample of at most ``PREVIEW_CAP`` values per tensor, and take the mean and std of bigger
    tensors from that sample too (counts, extremes and NaN/±inf still use every value).
    ``extras``: names from ``diagnostics.EXTRAS`` to compute as well (the advisor's needs add
    its kinds)."""
    unknown = set(kinds) - set(stats.KINDS)
    if unknown:
        raise ValueError(f"kinds: unknown {sorted(unknown)}; allowed: {', '.join(stats.KINDS)}")
    extras = check_extras(extras)
    if "advice" in extras:
        kinds = tuple(kinds) + ADVISOR_KINDS
    kinds = tuple(k for k in stats.KINDS if k in kinds)
    start = time.perf_counter()
    batch = experiment.input.batch
    preview_of = None
    cap = stats.DEFAULT_CAP
    if rows is not None and rows < batch:
        if rows < 1:
            raise ValueError(f"rows: got {rows}; allowed: 1 to the batch size {batch}")
        experiment, preview_of = experiment.replace(input=dataclasses.replace(experiment.input, batch=rows)), batch
        cap = PREVIEW_CAP
    preview = preview_of is not None
    cache = cache or SimulationCache()
    result = network.simulate(experiment, memory_budget=memory_budget, cancel=cancel, cache=cache,
                              weight_grads="weight_grads" in kinds)
    layers, arrays, nonfinite = [], [], 0
    for i, layer in enumerate(result.layers):
        if cancel():
            raise network.Cancelled
        summaries = {}
        for kind in stats.KINDS:
            array = getattr(layer, stats.KIND_FIELDS[kind])
            if array is None:  # not computed: not shown
                continue
            arrays.append(array)
            if kind in kinds:
                summaries[kind] = cache.summary(
                    array, f"{kind}/{bins}/{cap}/{preview}",
                    lambda: stats.layer_summaries(layer, (kind,), bins, cap, preview)[kind])
                nonfinite += summaries[kind].stats["n_nan"] + summaries[kind].stats["n_inf"]
            else:
                nonfinite += cache.summary(array, "nonfinite", lambda: stats.count_nonfinite(array))
        layers.append(LayerFrame(i, summaries, network.weight_law(experiment, i)))
    cache.keep_summaries(arrays)
    frame = Frame(tuple(layers), float(result.loss), 0.0, nonfinite, kinds, experiment.input.batch, preview_of)
    if extras:
        if cancel():
            raise network.Cancelled
        diagnostics = compute_diagnostics(experiment, result, frame, extras, similarity_layer, cache)
        frame = dataclasses.replace(frame, diagnostics=diagnostics)
    return dataclasses.replace(frame, seconds=time.perf_counter() - start)
