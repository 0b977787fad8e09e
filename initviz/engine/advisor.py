"""The advisor: per layer, a plain-language diagnosis with its number and a one-click fix.

It reads a simulated :class:`~initviz.engine.frame.Frame` beside its experiment and checks
what the papers warn about (REFERENCE.md):

- vanishing / exploding signals and gradients: the std of a = φ(z), or of ∂L/∂a on its way
  back, changes by more than a factor (100) along the stack (He et al. 2015: 1/n variance
  shrinks a ReLU signal by 1/√2 a layer; Glorot & Bengio 2010 for tanh);
- saturated bounded units, dead ReLUs, symmetric (constant) layers, NaN/±inf;
- the init/activation mismatch of the rule of thumb — He for ReLU-like, Xavier or LeCun for
  tanh/sigmoid, LeCun normal for SELU (``rule_of_thumb.FAMILIES``).

Rules live in ``advisor_rules.RULES``; the vocabulary (:class:`Diagnosis`, :class:`Fix`,
:class:`Edit`, :class:`Thresholds`) in ``diagnosis``. Like the rest of the engine it only
duck-types the experiment; :func:`apply_fix_to_dict` edits its JSON form.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

from initviz.engine import advisor_rules, rule_of_thumb
from initviz.engine.diagnosis import FIELDS, Diagnosis, Edit, Fix, Thresholds
from initviz.errors import ExperimentError, join_path

__all__ = ["ADVISOR_KINDS", "Diagnosis", "Edit", "Fix", "Thresholds", "apply_fix_to_dict", "diagnose"]

ADVISOR_KINDS = ("weights", "activations", "activation_grads")
"""The frame kinds the rules read (``compute_frame(experiment, kinds=ADVISOR_KINDS)``); a rule
whose kind is missing stays silent, NaN/±inf are counted over every kind regardless."""


def diagnose(experiment: Any, frame: Any, distinct_neurons: Sequence[int | None] | None = None,
             thresholds: Thresholds = Thresholds(), predictions: Sequence[Any] | None = None) -> list[Diagnosis]:
    """Every diagnosis that applies to ``experiment`` as simulated in ``frame``; [] for a
    healthy net. Errors come first, then warnings, each in ``advisor_rules.RULES`` order.

    ``distinct_neurons``: per layer, how many different units it has (from a symmetry
    analysis); a layer with 1 of several units is symmetric. Without it, a layer is symmetric
    when all its weights are equal (weight std 0, or a constant scheme). ``predictions``: the
    experiment's mean-field theory when already computed (else computed if a rule needs it)."""
    if len(frame.layers) != len(experiment.layers):
        raise ValueError(f"frame has {len(frame.layers)} layers but the experiment {len(experiment.layers)}: "
                         "diagnose the experiment the frame was computed from")
    if distinct_neurons is not None and len(distinct_neurons) != len(experiment.layers):
        raise ValueError(f"distinct_neurons has {len(distinct_neurons)} entries; expected one per layer "
                         f"({len(experiment.layers)})")
    facts = advisor_rules.Facts(experiment, frame, rule_of_thumb.analyse(experiment, thresholds.gain_tolerance),
                                thresholds, distinct_neurons, predictions)
    found = [d for rule in advisor_rules.RULES.values() for d in rule(facts)]
    return sorted(found, key=lambda d: d.severity != "error")


def apply_fix_to_dict(experiment_dict: dict[str, Any], fix: Fix) -> dict[str, Any]:
    """A copy of an experiment's JSON form (``initviz.model.to_dict``) with ``fix``'s edits made;
    ``parse_experiment`` of it validates the result as for a file."""
    out = copy.deepcopy(experiment_dict)
    layers = out.get("layers")
    for edit in fix.edits:
        if edit.field not in FIELDS:
            raise ExperimentError(edit.field, f"not a field a fix may set; allowed: {', '.join(FIELDS)}")
        for i in edit.layers:
            if not isinstance(layers, list) or not 0 <= i < len(layers):
                raise ExperimentError(join_path("layers", i), "no such layer in the experiment")
            layers[i][edit.field] = copy.deepcopy(edit.component)
    return out
