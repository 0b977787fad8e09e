"""The advisor's rules: one registry entry per diagnosis code.

A rule reads :class:`Facts` — the experiment, its :class:`~initviz.engine.frame.Frame`, the
rule-of-thumb analysis of every layer and the thresholds — and returns diagnoses. The numbers
it reads are per-layer standard deviations of the activations a = φ(z) and of the gradients
∂L/∂a on their way back, the saturated share and dead units of the activations, and the
NaN/±inf counts. A rule whose tensor kind is not in the frame says nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from initviz.engine import activations
from initviz.engine import advisor_wording as say
from initviz.engine.diagnosis import Diagnosis, Edit, Fix, Thresholds
from initviz.engine.rule_of_thumb import LIMITS, LayerInit

INPUT_STD = 1.0  # network.draw_input: N(0, 1) or U(±√3), unit variance either way
DEAD_PRONE = {"relu": lambda p: True, "leaky_relu": lambda p: p["negative_slope"] == 0}
"""Activations that output exactly 0 on a half-line, so a unit can be off for every input."""


@dataclass(frozen=True)
class Facts:
    """What every rule reads."""

    experiment: Any
    frame: Any
    inits: tuple[LayerInit, ...]
    thresholds: Thresholds
    distinct_neurons: Sequence[int | None] | None = None
    predictions: Sequence[Any] | None = None  # theory.predict(experiment), when already computed

    def stat(self, i: int, kind: str, key: str) -> Any:
        summary = self.frame.layers[i].summaries.get(kind)
        return None if summary is None else summary.stats.get(key)

    def series(self, kind: str) -> list[tuple[int, float]]:
        """(layer, std of ``kind``) for the layers where it is known and finite."""
        out = []
        for i in range(len(self.inits)):
            std = self.stat(i, kind, "std")
            if std is not None and math.isfinite(std):
                out.append((i, std))
        return out


# --- causes and fixes --------------------------------------------------------------------

def _groups(inits: Sequence[LayerInit], key: Callable[[LayerInit], Any]) -> list[list[LayerInit]]:
    out: dict[Any, list[LayerInit]] = {}
    for init in inits:
        out.setdefault(key(init), []).append(init)
    return list(out.values())


def _off_rule(facts: Facts, layers: Sequence[int]) -> list[LayerInit]:
    return [facts.inits[i] for i in layers if not facts.inits[i].matched and facts.inits[i].family is not None]


def _scale_words(group: list[LayerInit]) -> str:
    first = group[0]
    family = first.family
    fan = "n" if first.named else "fan_in"
    if first.named and family.modes and first.mode not in family.modes:
        why = (f"{first.written} divides by {first.mode}, not {' or '.join(family.modes)}, so the scale is only "
               "right when a layer's fan_in equals its fan_out")
    else:
        why = (family.too_small if first.gain < first.needed else family.too_large).format(
            factor=say.number(first.gain / first.needed))
    return (f"{say.capital(say.layers(i.index for i in group))} use{'s' if len(group) == 1 else ''} {first.written} "
            f"({fan}·Var(W) = {say.span(i.gain for i in group)}) with {first.activation}, which needs "
            f"{family.needs}: {why}.")


def _constant_words(group: list[LayerInit]) -> str:
    return (f"{say.capital(say.layers(i.index for i in group))} use{'s' if len(group) == 1 else ''} "
            f"{group[0].written}, which gives every weight the same value: the units of a layer cannot differ "
            "and the signal loses its variety.")


def cause(facts: Facts, layers: Sequence[int]) -> str:
    """Why, in a sentence or two: the biggest group of ``layers`` off the rule of thumb, large biases."""
    words = []
    off = _groups(_off_rule(facts, layers), lambda i: (i.written, i.activation))
    if off:
        group = max(off, key=len)
        words.append(_constant_words(group) if group[0].constant else _scale_words(group))
    big = [facts.inits[i] for i in layers if facts.inits[i].bias_rms >= facts.thresholds.large_bias]
    if big:
        words.append(f"The bias of {say.layers(i.index for i in big)} ({big[0].bias_written}, RMS "
                     f"{say.span(i.bias_rms for i in big)}) is large next to a unit-scale signal.")
    if not words:
        words.append("Every layer already follows the rule of thumb for its activation.")
        words.extend(dict.fromkeys(LIMITS[facts.inits[i].activation] for i in layers
                                   if facts.inits[i].activation in LIMITS))
    return " ".join(words)


def _the_layers(group: list[tuple[int, str]]) -> str:
    names = "/".join(dict.fromkeys(act for _, act in group))
    return f"{names} layer {group[0][0]}" if len(group) == 1 else f"the {len(group)} {names} layers"


def scale_fix(facts: Facts, layers: Sequence[int], bias: bool = True) -> Fix | None:
    """The rule-of-thumb scheme for each of ``layers`` off it; with ``bias``, zeros for large biases."""
    groups: dict[str, tuple[str, Any, list[tuple[int, str]]]] = {}
    for init in _off_rule(facts, layers):
        label, component = init.recommend()
        key = json.dumps(component, sort_keys=True)
        groups.setdefault(key, (label, component, []))[2].append((init.index, init.activation))
    edits = [Edit(tuple(i for i, _ in g), "init", comp) for _, comp, g in groups.values()]
    words = [f"use {label} for {_the_layers(g)}" for label, _, g in groups.values()]
    big = [i for i in layers if facts.inits[i].bias_rms >= facts.thresholds.large_bias] if bias else []
    if big:
        edits.append(Edit(tuple(big), "bias", "zeros"))
        words.append(f"set the bias of {say.layers(big)} to zeros")
    return Fix(say.capital(" and ".join(words)), tuple(edits)) if edits else None


# --- the signal along the stack ----------------------------------------------------------

def _ratio(before: float, after: float) -> float | None:
    if after > 0:
        return before / after
    return math.inf if before > 0 else None


def largest_change(points: list[tuple[int, float]], grow: bool) -> tuple[float, int, int] | None:
    """The largest fall (or rise, with ``grow``) of a positive series in its own order:
    max over i < j of v_i/v_j (v_j/v_i), as (ratio, i, j) positions; a fall to exactly 0 is ∞."""
    best, ref = None, None  # ref: the position of the lowest (grow) or highest value so far
    for pos, (_, v) in enumerate(points):
        if ref is not None:
            r = _ratio(v, points[ref][1]) if grow else _ratio(points[ref][1], v)
            if r is not None and (best is None or r > best[0]):
                best = (r, ref, pos)
        if grow and v > 0 and (ref is None or v < points[ref][1]):
            ref = pos
        elif not grow and (ref is None or v > points[ref][1]):
            ref = pos
    return best


def _along(points: list[tuple[int, float]], grow: bool, limit: float
           ) -> tuple[float, int, int, tuple[int, ...]] | None:
    """(ratio, from-label, to-label, layers past the limit) when the change reaches ``limit``."""
    found = largest_change(points, grow)
    if found is None or found[0] < limit:
        return None
    r, i, j = found
    ref = points[i][1]
    past = tuple(label for label, v in points[i + 1:]
                 if (r2 := (_ratio(v, ref) if grow else _ratio(ref, v))) is not None and r2 >= limit)
    return r, points[i][0], points[j][0], past


def _signal_rule(code: str, grow: bool) -> Callable[[Facts], list[Diagnosis]]:
    def rule(facts: Facts) -> list[Diagnosis]:
        points = facts.series("activations")
        if not points:
            return []
        t = facts.thresholds
        found = _along([(-1, INPUT_STD)] + points, grow, t.exploding_factor if grow else t.vanishing_factor)
        if found is None:
            return []
        r, i, j, past = found
        std_i, std_j = dict([(-1, INPUT_STD)] + points)[i], dict(points)[j]
        upstream = range(max(past) + 1)  # the cause of a forward change lies at or below where it shows
        if grow:
            title, how = "Signal explodes with depth", f"grows from {say.number(std_i)} in {say.where(i)} to " \
                f"{say.number(std_j)} in layer {j} (×{say.factor(r)} larger)."
        elif math.isinf(r):
            title, how = "No signal gets through", f"falls from {say.number(std_i)} in {say.where(i)} to exactly 0 " \
                f"in layer {j}: every unit there outputs the same value for every input, so nothing about the " \
                "input reaches the layers above."
        else:
            title, how = "Signal vanishes with depth", f"falls from {say.number(std_i)} in {say.where(i)} to " \
                f"{say.number(std_j)} in layer {j} (×{say.factor(r)} smaller)."
        return [Diagnosis(code, past, "error" if math.isinf(r) else "warning", title,
                          f"Activation std {how} {cause(facts, upstream)}", r, scale_fix(facts, upstream))]
    return rule


def _gradient_rule(code: str, grow: bool) -> Callable[[Facts], list[Diagnosis]]:
    def rule(facts: Facts) -> list[Diagnosis]:
        points = facts.series("activation_grads")[::-1]  # the order gradients travel: last layer first
        t = facts.thresholds
        found = _along(points, grow, t.gradient_exploding_factor if grow else t.gradient_vanishing_factor)
        if found is None:
            return []
        r, i, j, past = found
        std = dict(points)
        if math.isinf(r):
            how = (f"falls on its way back from std {say.number(std[i])} at layer {i} to exactly 0 at layer {j}: "
                   "the layers below get no gradient at all and cannot learn.")
        else:
            effect = "would take huge, unstable steps" if grow else "would barely learn"
            how = (f"{'grows' if grow else 'shrinks'} on its way back from std {say.number(std[i])} at layer {i} "
                   f"to {say.number(std[j])} at layer {j} (×{say.factor(r)} {'larger' if grow else 'smaller'}): "
                   f"the first layers {effect}.")
        message = f"The gradient ∂L/∂a {how} {cause(facts, range(len(facts.inits)))}"
        title = "Gradients explode toward the input" if grow else "Gradients vanish toward the input"
        severity = "error" if math.isinf(r) else "warning"
        return [Diagnosis(code, tuple(sorted(past)), severity, title, message, r,
                          scale_fix(facts, range(len(facts.inits))))]
    return rule


# --- per-layer rules ---------------------------------------------------------------------

def saturated(facts: Facts) -> list[Diagnosis]:
    fractions = {i: f for i in range(len(facts.inits))
                 if (f := facts.stat(i, "activations", "frac_saturated")) is not None
                 and f >= facts.thresholds.saturated_fraction}
    if not fractions:
        return []
    worst = max(fractions, key=fractions.get)
    init = facts.inits[worst]
    entry = activations.get(init.activation)
    lo, hi = entry.saturation(init.activation_params)
    message = (f"In layer {worst}, {say.percent(fractions[worst])} of the {init.activation} outputs are below "
               f"{say.number(lo)} or above {say.number(hi)}, where its slope is almost 0: gradients through "
               f"these units nearly vanish and they stop learning. {cause(facts, range(max(fractions) + 1))}")
    return [Diagnosis("saturated", tuple(fractions), "warning", "Units saturate", message, fractions[worst],
                      scale_fix(facts, range(max(fractions) + 1)))]


def dead_relu(facts: Facts) -> list[Diagnosis]:
    dead = {}
    for i, init in enumerate(facts.inits):
        n = facts.stat(i, "activations", "dead_units")
        prone = DEAD_PRONE.get(init.activation)
        if n is not None and prone and prone(init.activation_params) and not init.constant \
                and n / init.units >= facts.thresholds.dead_fraction:
            dead[i] = n / init.units
    if not dead:
        return []
    worst = max(dead, key=dead.get)
    units = facts.inits[worst].units
    message = (f"{round(dead[worst] * units)} of the {units} units of layer {worst} ({say.percent(dead[worst])}) "
               "output 0 for every input of the batch: a dead ReLU passes no gradient, so it cannot recover.")
    negative = [i for i in dead if facts.inits[i].bias_mean < 0]
    fix = None
    if negative:
        message += (f" The bias of {say.layers(negative)} ({facts.inits[negative[0]].bias_written}, mean "
                    f"{say.number(facts.inits[negative[0]].bias_mean)}) pushes the pre-activations below 0.")
        fix = Fix(f"Set the bias of {say.layers(negative)} to zeros", (Edit(tuple(negative), "bias", "zeros"),))
    return [Diagnosis("dead_relu", tuple(dead), "warning", "Dead ReLU units", message, dead[worst], fix)]


def _symmetric_layers(facts: Facts) -> dict[int, float]:
    """Layer -> the triggering number: distinct neurons when counted, else the weights' std.

    A layer whose output is the same for every input (activation std 0, e.g. all ReLUs dead)
    has one distinct neuron too; unless its weights are constant, that is no signal, not
    symmetry, and the signal rules report it."""
    if facts.distinct_neurons is not None:
        return {i: float(n) for i, n in enumerate(facts.distinct_neurons)
                if n == 1 and facts.inits[i].units > 1
                and (facts.inits[i].constant or facts.stat(i, "activations", "std") != 0)}
    out = {}
    for i, init in enumerate(facts.inits):
        std = facts.stat(i, "weights", "std")
        if init.units > 1 and (init.constant or std == 0):
            out[i] = 0.0
    return out


def symmetric(facts: Facts) -> list[Diagnosis]:
    found = _symmetric_layers(facts)
    if not found:
        return []
    first = facts.inits[min(found)]
    what = (f"every unit computes the same function ({say.number(found[first.index])} distinct neuron)"
            if facts.distinct_neurons is not None else
            f"all incoming weights are equal ({first.written}, weight std 0)")
    message = (f"In {say.layers(found)}, {what}: the {first.units} units of a layer produce the same output and get "
               "the same gradient, so they stay identical and the layer acts like a single unit. Random weights "
               "break this symmetry.")
    return [Diagnosis("symmetric", tuple(found), "error", "Symmetric units", message, found[first.index],
                      scale_fix(facts, tuple(found), bias=False))]


def _critical(facts: Facts, layers: Sequence[int]) -> bool:
    """True when mean-field theory puts every layer of ``layers`` at the edge of chaos (χ₁ within
    :data:`~initviz.engine.mean_field.CRITICAL_TOLERANCE` of 1) with a bias spread: an init tuned
    on purpose (Schoenholz et al. 2017), which the rule of thumb does not know about."""
    from initviz.engine import theory  # only when a mismatch is found: quadrature costs ms
    predicted = facts.predictions if facts.predictions is not None else theory.predict(facts.experiment)
    return all(predicted[i].applies and predicted[i].phase == "critical" and predicted[i].sigma_b2 > 0
               for i in layers)


def init_mismatch(facts: Facts) -> list[Diagnosis]:
    out = []
    mismatched = [i for i in facts.inits if i.mismatch]
    if mismatched and all(i.bias_rms > 0 for i in mismatched) and _critical(facts, [i.index for i in mismatched]):
        return out
    for group in _groups(mismatched, lambda i: (i.written, i.activation)):
        first = group[0]
        layers = tuple(i.index for i in group)
        message = f"{_scale_words(group)} (Rule of thumb for {first.family.name} activations: {first.family.source}.)"
        out.append(Diagnosis("init_mismatch", layers, "warning", f"{first.written} does not suit {first.activation}",
                             message, first.gain, scale_fix(facts, layers, bias=False)))
    return out


def nonfinite(facts: Facts) -> list[Diagnosis]:
    by_kind: dict[str, list[int]] = {}
    counted = 0
    for i, layer in enumerate(facts.frame.layers):
        for kind, summary in layer.summaries.items():
            n = summary.stats["n_nan"] + summary.stats["n_inf"]
            if n:
                by_kind.setdefault(kind, []).append(i)
                counted += n
    total = max(facts.frame.n_nonfinite, counted)
    if not total:
        return []
    where = "".join(f"{'; ' if k else ' '}{kind} of {say.layers(ls)}" for k, (kind, ls) in enumerate(by_kind.items()))
    where = f", in the{where}" if by_kind else ""
    dtype = facts.experiment.dtype
    message = (f"{total:,} values are NaN or ±inf{where}: numbers overflowed {dtype} (whose largest value is "
               f"{say.number(float(np.finfo(dtype).max))}), and everything computed from them is "
               f"lost. {cause(facts, range(len(facts.inits)))}")
    layers = tuple(sorted({i for ls in by_kind.values() for i in ls})) or tuple(range(len(facts.inits)))
    return [Diagnosis("nonfinite", layers, "error", "NaN or infinite values", message, float(total),
                      scale_fix(facts, range(len(facts.inits))))]


RULES: Mapping[str, Callable[[Facts], list[Diagnosis]]] = {
    "nonfinite": nonfinite,
    "symmetric": symmetric,
    "vanishing_activations": _signal_rule("vanishing_activations", grow=False),
    "exploding_activations": _signal_rule("exploding_activations", grow=True),
    "vanishing_gradients": _gradient_rule("vanishing_gradients", grow=False),
    "exploding_gradients": _gradient_rule("exploding_gradients", grow=True),
    "saturated": saturated,
    "dead_relu": dead_relu,
    "init_mismatch": init_mismatch,
}
"""Diagnosis code -> rule, in the order the advisor reports (errors are moved first)."""
