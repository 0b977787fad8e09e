"""The rule of thumb as data: which weight scale each activation needs, and what a scheme gives.

He for ReLU-like activations, Xavier or LeCun for tanh / sigmoid, LeCun normal for SELU
(DESIGN.md). Both sides are measured in one unit, the *variance gain* ``n·Var(W)`` where ``n``
is the fan the scheme divides by — mean-field theory's σ_w² (Poole et al. 2016):

- a named scheme is built for a gain (:data:`SCHEME_GAINS`): Xavier and LeCun 1, He 2,
  ``kaiming_*`` ``calculate_gain(nonlinearity, a)²``, ``variance_scaling`` its ``scale``;
- a plain distribution (normal, uniform, …) gives ``fan_in·Var(W)`` of its law;
- an activation family (:data:`FAMILIES`) accepts some gains: 2/(1+slope²) for ReLU
  (He et al. 2015), 2 for GELU/SiLU/softplus, 2 or its own second-moment gain² for ELU,
  1 or torch's gain² for tanh/sigmoid (Glorot & Bengio 2010; torch ``calculate_gain``),
  1 over fan_in only for SELU (Klambauer et al. 2017), 1 for a linear layer.

Works on anything shaped like ``initviz.model.Experiment`` (duck typing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from initviz.engine import activations, initializers, network

Component = Any  # JSON-like: a name, or {"name": ..., param: value}

HE_RELU = ("He (kaiming_normal)", {"name": "kaiming_normal", "nonlinearity": "relu"})
XAVIER = ("Xavier (xavier_uniform)", "xavier_uniform")
LECUN = ("LeCun (lecun_normal)", "lecun_normal")


def _torch_gain2(name: str, p: Mapping[str, Any]) -> float | None:
    entry = activations.get(name)
    return None if entry.torch_gain is None else float(entry.torch_gain(p)) ** 2


def _relu_gains(name: str, p: Mapping[str, Any]) -> tuple[float, ...]:
    """He: 2/(1+slope²) where torch defines a gain, else the ReLU value 2."""
    return (_torch_gain2(name, p) or 2.0,)


def _he(name: str, p: Mapping[str, Any]) -> tuple[str, Component]:
    if name == "leaky_relu":
        slope = p["negative_slope"]
        return f"He (kaiming_normal, a={slope:g})", {"name": "kaiming_normal", "nonlinearity": "leaky_relu", "a": slope}
    return HE_RELU


@dataclass(frozen=True)
class Family:
    """Activations that want the same weight scale, and why a wrong scale hurts them.

    ``gains(name, params)`` lists the accepted variance gains, the main one first (the one
    ``too_small``/``too_large`` compare with); ``modes`` the accepted fans
    (None: any); ``recommend(name, params)`` the (label, scheme) of the rule of thumb;
    ``too_small``/``too_large`` say what happens otherwise ({factor} = given / needed gain)."""

    name: str
    activations: tuple[str, ...]
    needs: str
    gains: Callable[[str, Mapping[str, Any]], tuple[float, ...]]
    recommend: Callable[[str, Mapping[str, Any]], tuple[str, Component]]
    too_small: str
    too_large: str
    source: str
    modes: tuple[str, ...] | None = None


FAMILIES: tuple[Family, ...] = (
    Family("ReLU-like", ("relu", "leaky_relu", "gelu", "silu", "softplus"),
           "He init (n·Var(W) = 2)", _relu_gains, _he,
           "it zeroes about half of its input, so every layer multiplies the signal's variance by about {factor}",
           "every layer multiplies the signal's variance by about {factor}, so it explodes with depth",
           "He et al. 2015"),
    Family("ELU", ("elu",), "He init (n·Var(W) = 2) or ELU's own gain",
           lambda name, p: (2.0, activations.gain(name, p) ** 2), _he,
           "every layer multiplies the signal's variance by about {factor}, so it shrinks with depth",
           "every layer multiplies the signal's variance by about {factor}, so it explodes with depth",
           "He et al. 2015; Clevert et al. 2015"),
    Family("tanh-like", ("tanh", "sigmoid"), "Xavier or LeCun init (n·Var(W) = 1)",
           lambda name, p: (1.0, _torch_gain2(name, p) or 1.0), lambda name, p: XAVIER,
           "the signal shrinks toward 0 layer after layer, and the gradients with it",
           "unlike ReLU it does not zero half of its input, so the pre-activations reach into its flat tails, "
           "where units saturate and gradients grow with depth", "Glorot & Bengio 2010"),
    Family("scaled tanh", ("lecun_tanh",), "LeCun init (fan_in·Var(W) = 1)",
           lambda name, p: (1.0,), lambda name, p: LECUN,
           "the signal shrinks toward 0 layer after layer", "pre-activations grow into the flat tails",
           "LeCun et al. 1998"),
    Family("SELU", ("selu",), "LeCun normal init (fan_in·Var(W) = 1)", lambda name, p: (1.0,), lambda name, p: LECUN,
           "SELU keeps mean 0 and variance 1 through depth only with Var(W) = 1/fan_in; below it the signal shrinks",
           "SELU keeps mean 0 and variance 1 through depth only with Var(W) = 1/fan_in; above it the signal "
           "and the gradients grow", "Klambauer et al. 2017", modes=("fan_in",)),
    Family("linear", ("identity",), "Xavier or LeCun init (n·Var(W) = 1)", lambda name, p: (1.0,),
           lambda name, p: XAVIER, "a linear stack multiplies the variance by {factor} in every layer",
           "a linear stack multiplies the variance by {factor} in every layer", "Glorot & Bengio 2010"),
)
FAMILY_OF: Mapping[str, Family] = {a: f for f in FAMILIES for a in f.activations}

LIMITS: Mapping[str, str] = {
    "sigmoid": "The slope of sigmoid is at most 1/4, so every layer shrinks the gradient about 4-fold or more whatever "
               "the init (Glorot & Bengio 2010); tanh or ReLU do not have this limit.",
}
"""What an activation does to a signal or gradient that no init can undo."""


def _xavier_gain(p: Mapping[str, Any], act_gain: float) -> tuple[float, str]:
    g = act_gain if p["gain"] == "auto" else p["gain"]
    return g * g, "fan_avg"


def _kaiming_gain(p: Mapping[str, Any], act_gain: float) -> tuple[float, str]:
    g = act_gain if p["nonlinearity"] == "auto" else initializers.calculate_gain(p["nonlinearity"], p["a"])
    return g * g, p["mode"]


SCHEME_GAINS: Mapping[str, Callable[[Mapping[str, Any], float], tuple[float, str]]] = {
    "xavier_uniform": _xavier_gain,
    "xavier_normal": _xavier_gain,
    "kaiming_uniform": _kaiming_gain,
    "kaiming_normal": _kaiming_gain,
    "lecun_uniform": lambda p, g: (1.0, "fan_in"),
    "lecun_normal": lambda p, g: (1.0, "fan_in"),
    "variance_scaling": lambda p, g: (p["scale"], p["mode"]),
    "torch_default": lambda p, g: (1.0 / 3.0, "fan_in"),
    "orthogonal": lambda p, g: (_xavier_gain(p, g)[0], "orthogonal"),
}
"""Scheme -> (variance gain it is built for, the fan it divides by), given resolved params and
the layer's activation gain. Schemes not listed are plain distributions, judged by their law."""


@dataclass(frozen=True)
class LayerInit:
    """How one layer's init compares with the rule of thumb for its activation."""

    index: int
    units: int
    activation: str  # canonical name
    activation_params: Mapping[str, Any]
    written: str  # the init as written: "normal(std=0.01)"
    bias_written: str
    family: Family | None
    gain: float  # n·Var(W): what a named scheme is built for, else fan_in·Var(W) of its law
    named: bool  # a scheme built for an activation (in SCHEME_GAINS), not a plain distribution
    mode: str | None
    constant: bool  # every weight the same value: no symmetry breaking
    bias_mean: float
    bias_rms: float
    matched: bool  # follows the rule of thumb
    needed: float | None  # the family's main accepted gain (He 2, Xavier/LeCun 1)

    @property
    def mismatch(self) -> bool:
        """A named scheme built for another kind of activation."""
        return self.named and self.family is not None and not self.matched

    def recommend(self) -> tuple[str, Component] | None:
        return None if self.family is None else self.family.recommend(self.activation, self.activation_params)


def written(component: Any) -> str:
    """``normal(std=0.01)`` for a component with parameters, else its name."""
    kwargs = component.kwargs
    return component.name + ("(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                              for k, v in kwargs.items()) + ")" if kwargs else "")


def _accepts(family: Family | None, name: str, params: Mapping[str, Any], gain: float, mode: str | None,
             named: bool, tolerance: float) -> tuple[bool, float | None]:
    if family is None:
        return False, None
    accepted = family.gains(name, params)
    ok_gain = any(1.0 / tolerance <= gain / a <= tolerance for a in accepted)
    ok_mode = family.modes is None or not named or mode in family.modes
    return ok_gain and ok_mode, accepted[0]


def analyse_layer(experiment: Any, index: int, tolerance: float) -> LayerInit:
    """Compare layer ``index``'s init with its activation's rule of thumb (gains within
    ×/÷ ``tolerance`` of an accepted one count as matched)."""
    spec = experiment.layers[index]
    path = f"layers[{index}]"
    act, act_p = activations.resolve(spec.activation.name, spec.activation.kwargs, f"{path}.activation")
    scheme, p = initializers.resolve(spec.init.name, spec.init.kwargs, f"{path}.init")
    ctx = network.layer_context(experiment, index)
    law = network.weight_law(experiment, index)
    constant = law.kind == "none" and len(law.atoms) == 1
    if scheme.name in SCHEME_GAINS:
        gain, mode = SCHEME_GAINS[scheme.name](p, ctx.activation_gain)
    else:
        gain, mode = ctx.fan_in * law.variance(), None
    bias_scheme, bias_p = initializers.resolve(spec.bias.name, spec.bias.kwargs, f"{path}.bias", for_bias=True)
    bias_law = bias_scheme.law(bias_p, ctx)
    family = FAMILY_OF.get(act.name)
    named = scheme.name in SCHEME_GAINS
    matched, needed = _accepts(family, act.name, act_p, gain, mode, named, tolerance)
    return LayerInit(index, spec.units, act.name, act_p, written(spec.init), written(spec.bias), family, gain,
                     named, mode, constant, bias_law.expectation(), math.sqrt(bias_law.second_moment()),
                     matched and not constant, needed)


def analyse(experiment: Any, tolerance: float) -> tuple[LayerInit, ...]:
    """:func:`analyse_layer` for every layer."""
    return tuple(analyse_layer(experiment, i, tolerance) for i in range(len(experiment.layers)))
