"""What the advisor says: diagnoses, their one-click fixes and the thresholds behind them.

Plain data only, so the engine stays free of the document model: a fix is a list of
``(layer indices, field, component)`` edits, where a component is JSON-like (a name or
``{"name": ..., param: value}``) exactly as in an experiment file. The GUI applies a fix as
``document.set_layer_field(layers, field, component, merge_key=...)`` per edit, one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

FIELDS = ("init", "bias", "activation")
SEVERITIES = ("error", "warning")


class Edit(NamedTuple):
    """Set ``field`` ("init", "bias" or "activation") of each layer in ``layers`` to ``component``."""

    layers: tuple[int, ...]
    field: str
    component: Any  # "xavier_uniform" or {"name": "kaiming_normal", "nonlinearity": "relu"}


@dataclass(frozen=True)
class Fix:
    """A one-click repair: a label for the button and the edits it makes."""

    label: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Diagnosis:
    """One finding about the net, in words a student understands.

    ``code`` names the rule (``advisor_rules.RULES``); ``layers`` the layers it concerns;
    ``value`` the number that triggered it, which ``message`` also names."""

    code: str
    layers: tuple[int, ...]
    severity: str  # "error" | "warning"
    title: str
    message: str
    value: float
    fix: Fix | None = None


@dataclass(frozen=True)
class Thresholds:
    """When a rule fires. Defaults checked on simulated nets (widths 128–256, batch 256,
    float32, seeds 0–2; tests/engine/test_advisor.py): healthy nets stay ≥ 6x below the factors
    and ≥ 1.27x below the fractions, the textbook failures ≥ 190x (1.7x) above them.

    - ``vanishing_factor``: activation std falls by this factor from one layer (or the
      unit-variance input) to a later one. Healthy: ≤ 6.4 (Xavier + tanh, 20 layers);
      Xavier + ReLU, 30 layers: ≥ 34,000; N(0, 0.01²) + tanh, 10 layers: 3e9.
    - ``exploding_factor``: activation std grows by this factor. Healthy: ≤ 2.8 (He + ReLU,
      50 layers of 128); N(0, 1) + ReLU, 30 layers: 5e26.
    - ``gradient_vanishing_factor`` / ``gradient_exploding_factor``: the std of ∂L/∂a changes
      by this factor on its way back down. Healthy: ≤ 3.5 (Xavier + tanh, 20 layers) / ≤ 17
      (He + ReLU, 50 layers of 128; 5.8 at 30); Xavier + ReLU, 30 layers: ≥ 19,000;
      N(0, 1) + tanh, 20 layers: 2e7.
    - ``saturated_fraction``: share of a bounded activation's outputs beyond its saturation
      level (``Activation.saturation``). Healthy: ≤ 0.21 (torch's tanh gain 5/3); N(0, 1) +
      tanh: 0.85.
    - ``dead_fraction``: share of a ReLU layer's units that output 0 on the whole batch.
      Not 0.5: in a deep He + ReLU net the inputs grow correlated with depth, so each unit
      tends to be off for all of them with probability 1/2 (Lu et al. 2019); measured up to
      0.40 at 30 layers and 0.59 at 50 layers of 128. A bias of −1 or −5 kills 100%.
    - ``gain_tolerance``: a variance gain within ×/÷ this of the rule of thumb counts as
      matched (leaky ReLU with He's plain gain 2 is off by 4%; He for tanh by 2x).
    - ``large_bias``: a bias with RMS at least this (the unit scale the signal keeps) is
      named as a cause and reset to zeros by the fix.
    """

    vanishing_factor: float = 100.0
    exploding_factor: float = 100.0
    gradient_vanishing_factor: float = 100.0
    gradient_exploding_factor: float = 100.0
    saturated_fraction: float = 0.5
    dead_fraction: float = 0.75
    gain_tolerance: float = 1.25
    large_bias: float = 1.0
