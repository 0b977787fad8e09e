"""Rescale an init scheme so that its weights' variance is multiplied by a factor.

The new law is the law of √factor·w: variance × factor, mean × √factor, shape unchanged. This is
how an experiment is moved to a chosen σ_w² = fan_in·Var(W) (a point dragged on the phase
diagram): factor = σ_w²(wanted) / σ_w²(now). Each scheme turns the knob it has
(:data:`RESCALERS`): std and mean (normal, trunc_normal with its bounds, sparse), the bounds
(uniform), the value (constant; ``ones`` becomes ``constant``; ``zeros`` stays zeros — its
variance is 0 and stays 0), the gain (xavier_*, orthogonal), the scale (variance_scaling).
Schemes without such a knob become the ``variance_scaling`` law they are — kaiming_*(gain g)
is variance_scaling(g², mode, untruncated_normal | uniform), lecun_* is scale 1 over fan_in,
torch_default is scale 1/3 over fan_in (Keras' max(1, fan) equals fan for every real layer).
``eye`` (W = I) has none and is refused.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

from initviz.engine import initializers
from initviz.errors import ExperimentError, join_path

Rescaler = Callable[[Mapping[str, Any], dict[str, Any], float, "float | None", str], tuple[str, dict[str, Any]]]
"""(resolved params, given kwargs, factor, activation gain, path) -> (scheme name, kwargs)."""


def _scaled(*keys: str, variance: bool = False) -> Rescaler:
    """Multiply ``keys`` by √factor (by factor for a ``variance`` knob), writing them when given
    or changed (defaults stay implicit)."""
    def rescale(p: Mapping[str, Any], given: dict[str, Any], factor: float, gain: float | None, path: str):
        multiplier = factor if variance else math.sqrt(factor)
        new = {k: p[k] * multiplier for k in keys}
        return None, {**given, **{k: v for k, v in new.items() if k in given or v != p[k]}}
    return rescale


def _resolved_gain(value: Any, activation_gain: float | None, path: str) -> float:
    if value != "auto":
        return float(value)
    if activation_gain is None:
        raise ExperimentError(path, "'auto' stands for the layer's activation gain: pass activation_gain to rescale it")
    return float(activation_gain)


def _gain(p: Mapping[str, Any], given: dict[str, Any], factor: float, gain: float | None, path: str):
    return None, {**given, "gain": _resolved_gain(p["gain"], gain, join_path(path, "gain")) * math.sqrt(factor)}


def _as_variance_scaling(distribution: str, base_scale: Callable[[Mapping[str, Any], float | None, str], float],
                         mode: Callable[[Mapping[str, Any]], str] = lambda p: "fan_in") -> Rescaler:
    """The scheme as variance_scaling(scale = base · factor, mode, distribution)."""
    def rescale(p: Mapping[str, Any], given: dict[str, Any], factor: float, gain: float | None, path: str):
        scale = base_scale(p, gain, path) * factor
        return "variance_scaling", {"scale": scale, "mode": mode(p), "distribution": distribution}
    return rescale


def _kaiming_gain_squared(p: Mapping[str, Any], gain: float | None, path: str) -> float:
    if p["nonlinearity"] == "auto":
        g = _resolved_gain("auto", gain, join_path(path, "nonlinearity"))
    else:
        g = initializers.calculate_gain(p["nonlinearity"], p["a"])
    return g * g


def _ones(p: Mapping[str, Any], given: dict[str, Any], factor: float, gain: float | None, path: str):
    return "constant", {"value": math.sqrt(factor)}


def _refuse_eye(p: Mapping[str, Any], given: dict[str, Any], factor: float, gain: float | None, path: str):
    raise ExperimentError(join_path(path, "name"), "'eye' (W = I) has no scale to change; allowed: any other "
                                                   "scheme, e.g. orthogonal, whose gain scales a norm-preserving W")


RESCALERS: Mapping[str, Rescaler] = {
    "zeros": _scaled(),
    "ones": _ones,
    "constant": _scaled("value"),
    "uniform": _scaled("a", "b"),
    "normal": _scaled("mean", "std"),
    "trunc_normal": _scaled("mean", "std", "a", "b"),
    "xavier_uniform": _gain,
    "xavier_normal": _gain,
    "kaiming_uniform": _as_variance_scaling("uniform", _kaiming_gain_squared, lambda p: p["mode"]),
    "kaiming_normal": _as_variance_scaling("untruncated_normal", _kaiming_gain_squared, lambda p: p["mode"]),
    "lecun_uniform": _as_variance_scaling("uniform", lambda p, g, path: 1.0),
    "lecun_normal": _as_variance_scaling("untruncated_normal", lambda p, g, path: 1.0),
    "orthogonal": _gain,
    "eye": _refuse_eye,
    "sparse": _scaled("std"),
    "variance_scaling": _scaled("scale", variance=True),
    "torch_default": _as_variance_scaling("uniform", lambda p, g, path: 1.0 / 3.0),
}
"""Scheme name -> how to multiply its law's variance (one entry per initializers.SCHEMES entry)."""


def check_factor(factor: Any, path: str = "factor") -> float:
    """``factor`` as a float, or :class:`ExperimentError` unless it is a finite number > 0."""
    ok = isinstance(factor, (int, float)) and not isinstance(factor, bool) and math.isfinite(factor) and factor > 0
    if not ok:
        raise ExperimentError(path, f"got {factor!r}; allowed: a finite number > 0 (the multiplier of Var(W))")
    return float(factor)


def with_variance_factor(name: str, kwargs: Mapping[str, Any], factor: float, activation_gain: float | None = None,
                         path: str = "init") -> tuple[str, dict[str, Any]]:
    """(scheme name, kwargs) whose law is that of √factor·w for w drawn from ``name(**kwargs)``:
    Var(W) × factor. Aliases resolve to their scheme (he_normal -> kaiming_normal(relu) -> ...).
    ``activation_gain`` (``network.layer_context(...).activation_gain``) is needed only for
    gain="auto" / nonlinearity="auto". The result is validated like a file's init spec: values
    that overflow raise :class:`ExperimentError` naming the field, as does a bad ``factor``."""
    factor = check_factor(factor)
    scheme, p = initializers.resolve(name, dict(kwargs), path)
    _, overrides = initializers.ALIASES.get(name, (name, {}))
    given = {**overrides, **kwargs}
    new_name, new_kwargs = RESCALERS[scheme.name](p, given, factor, activation_gain, path)
    new_name = new_name or scheme.name
    try:
        initializers.resolve(new_name, new_kwargs, path)
    except OverflowError:
        raise ExperimentError(path, f"a variance factor of {factor!r} takes the parameters beyond double "
                                    "precision") from None
    return new_name, new_kwargs
