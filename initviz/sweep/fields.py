"""The experiment fields a sweep grid may vary, one registry entry each: what a value may be
and how it changes the experiment's JSON form.

Fields apply in registry order (the input and the shape of the stack first, then activations,
then the weights), so ``gain`` sees the activation its cell sets. Rules:

- ``depth`` d: the stack becomes d layers — d − 1 copies of the first layer, then the last one
  (which keeps its units, e.g. the outputs of a data set).
- ``width`` and ``activation``: every layer but the last when the experiment has a ``data``
  section (the last layer is then the data's output layer), every layer otherwise.
- ``init``: every layer's weight scheme. ``gain``: the ``gain`` parameter of every layer's scheme
  (xavier_uniform, xavier_normal, orthogonal — the schemes that have one).
- ``sigma_w2`` σ_w² and ``sigma_b2`` σ_b² (mean-field coordinates, Poole et al. 2016): every
  layer's weights become normal(std = √(σ_w²/fan_in)), so σ_w² = fan_in·Var(W), and its bias
  normal(std = σ_b) (zeros for σ_b² = 0).
- a dotted path into the experiment file (``training.learning_rate``, ``data.params.noise``,
  ``input.distribution``) sets that value as it stands.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable

from initviz.engine import initializers
from initviz.errors import ExperimentError, join_path
from initviz.model.experiment import DTYPES, INPUT_DISTRIBUTIONS, LOSSES, MAX_LAYERS, parse_activation, parse_scheme
from initviz.model.fields import MAX_SEED, MAX_SIZE

DOTTED_SECTIONS = ("input", "data", "training")


@dataclass(frozen=True)
class GridField:
    """One sweepable field: ``check(value, path)`` returns the value as stored (or raises
    :class:`ExperimentError`), ``apply(experiment_json, value)`` changes the experiment's JSON."""

    name: str
    values: str  # what the list holds, for messages: "numbers ≥ 0"
    check: Callable[[Any, str], Any]
    apply: Callable[[dict, Any], None]
    help: str


def whole_number(low: int, high: int) -> Callable[[Any, str], int]:
    def check(value: Any, path: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ExperimentError(path, f"got {value!r}; allowed: a whole number from {low} to {high}")
        return value
    return check


def _non_negative(value: Any, path: str) -> float | int:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
    if not ok:
        raise ExperimentError(path, f"got {value!r}; allowed: a finite number ≥ 0")
    return value


def _choice(allowed: tuple[str, ...]) -> Callable[[Any, str], str]:
    def check(value: Any, path: str) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise ExperimentError(path, f"got {value!r}; allowed: {', '.join(allowed)}")
        return value
    return check


def _component(parse: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def check(value: Any, path: str) -> Any:
        return parse(value, path).to_json()  # validated against the registry, stored as written
    return check


def _any_json(value: Any, path: str) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ExperimentError(path, f"got {value!r}; allowed: finite numbers")
    return value  # checked when the cell's experiment is built


def shaped_layers(doc: dict) -> list[dict]:
    """The layers ``width`` and ``activation`` change: all but the data's output layer."""
    return doc["layers"][:-1] if "data" in doc else doc["layers"]


def fan_ins(doc: dict) -> list[int]:
    units = [doc["input"]["features"]] + [layer["units"] for layer in doc["layers"]]
    return units[:-1]


def _set_top(key: str) -> Callable[[dict, Any], None]:
    def apply(doc: dict, value: Any) -> None:
        doc[key] = value
    return apply


def _set_input(key: str) -> Callable[[dict, Any], None]:
    def apply(doc: dict, value: Any) -> None:
        doc["input"][key] = value
    return apply


def _depth(doc: dict, value: int) -> None:
    first, last = doc["layers"][0], doc["layers"][-1]
    doc["layers"] = [copy.deepcopy(first) for _ in range(value - 1)] + [last]


def _width(doc: dict, value: int) -> None:
    for layer in shaped_layers(doc):
        layer["units"] = value


def _activation(doc: dict, value: Any) -> None:
    for layer in shaped_layers(doc):
        layer["activation"] = copy.deepcopy(value)


def _init(doc: dict, value: Any) -> None:
    for layer in doc["layers"]:
        layer["init"] = copy.deepcopy(value)


GAIN_SCHEMES = tuple(s.name for s in initializers.SCHEMES.values() if any(p.name == "gain" for p in s.params))


def _gain(doc: dict, value: float) -> None:
    for i, layer in enumerate(doc["layers"]):
        init = layer["init"]
        name, params = (init, {}) if isinstance(init, str) else (init["name"], {k: v for k, v in init.items()
                                                                                if k != "name"})
        scheme = initializers.ALIASES.get(name, (name, {}))[0]
        if scheme not in GAIN_SCHEMES:
            raise ExperimentError(join_path(join_path("layers", i), "init"),
                                  f"{name!r} has no gain parameter; gain applies to {', '.join(GAIN_SCHEMES)} "
                                  "(sweep init too, or sweep sigma_w2 = fan_in·Var(W), which fits every scheme)")
        layer["init"] = {"name": name, **params, "gain": value}


def _sigma_w2(doc: dict, value: float) -> None:
    for layer, fan_in in zip(doc["layers"], fan_ins(doc)):
        layer["init"] = {"name": "normal", "std": math.sqrt(value / fan_in)}


def _sigma_b2(doc: dict, value: float) -> None:
    for layer in doc["layers"]:
        layer["bias"] = "zeros" if value == 0 else {"name": "normal", "std": math.sqrt(value)}


FIELDS: dict[str, GridField] = {f.name: f for f in (
    GridField("seed", f"whole numbers from 0 to {MAX_SEED}", whole_number(0, MAX_SEED), _set_top("seed"),
              "the experiment seed (weights, input, targets)"),
    GridField("dtype", ", ".join(DTYPES), _choice(DTYPES), _set_top("dtype"), "float32 or float64"),
    GridField("loss", ", ".join(LOSSES), _choice(LOSSES), _set_top("loss"), "the loss"),
    GridField("batch", f"whole numbers from 1 to {MAX_SIZE}", whole_number(1, MAX_SIZE), _set_input("batch"),
              "input.batch"),
    GridField("features", f"whole numbers from 1 to {MAX_SIZE}", whole_number(1, MAX_SIZE), _set_input("features"),
              "input.features"),
    GridField("distribution", ", ".join(INPUT_DISTRIBUTIONS), _choice(INPUT_DISTRIBUTIONS),
              _set_input("distribution"), "input.distribution"),
    GridField("depth", f"whole numbers from 1 to {MAX_LAYERS}", whole_number(1, MAX_LAYERS), _depth,
              "layers in the stack: copies of the first, then the last"),
    GridField("width", f"whole numbers from 1 to {MAX_SIZE}", whole_number(1, MAX_SIZE), _width,
              "units of every layer (but a data set's output layer)"),
    GridField("activation", "activation names or {name, params} objects", _component(parse_activation), _activation,
              "activation of every layer (but a data set's output layer)"),
    GridField("init", "init scheme names or {name, params} objects",
              _component(lambda v, p: parse_scheme(v, p)), _init, "weight init scheme of every layer"),
    GridField("gain", "finite numbers ≥ 0", _non_negative, _gain, "gain of every layer's xavier/orthogonal init"),
    GridField("sigma_w2", "finite numbers ≥ 0", _non_negative, _sigma_w2,
              "σ_w²: every layer's weights normal(std=√(σ_w²/fan_in))"),
    GridField("sigma_b2", "finite numbers ≥ 0", _non_negative, _sigma_b2, "σ_b²: every bias normal(std=σ_b)"),
)}
"""Field name -> its entry, in the order the fields apply."""

CONFLICTS = (("sigma_w2", "init"), ("sigma_w2", "gain"))
"""Pairs that cannot be swept together (the first sets what the second sets)."""


def is_dotted(name: str) -> bool:
    """A dotted path into the experiment file, e.g. ``training.learning_rate``."""
    parts = name.split(".")
    return len(parts) >= 2 and parts[0] in DOTTED_SECTIONS and all(parts)


def field_checker(name: str, path: str) -> Callable[[Any, str], Any]:
    """The value check for grid key ``name`` (raises naming ``path`` for unknown keys)."""
    if name in FIELDS:
        return FIELDS[name].check
    if is_dotted(name):
        return _any_json
    raise ExperimentError(path, f"unknown field; allowed: {', '.join(FIELDS)}, or a dotted path into the "
                                f"experiment's {', '.join(DOTTED_SECTIONS)} sections (e.g. training.learning_rate)")


def values_text(name: str) -> str:
    return FIELDS[name].values if name in FIELDS else "JSON values"


def set_dotted(doc: dict, name: str, value: Any) -> None:
    """Set ``doc[a][b]...`` for ``name`` = "a.b...", creating missing objects."""
    *parents, last = name.split(".")
    node = doc
    for i, key in enumerate(parents):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ExperimentError(".".join(parents[:i + 1]), f"is {child!r}, not an object: cannot set {name}")
        node = child
    node[last] = copy.deepcopy(value)


def apply_values(doc: dict, values: dict[str, Any]) -> None:
    """Apply a cell's ``values`` to the experiment JSON ``doc`` in place: registry fields in
    registry order, then dotted paths in the order given."""
    for name, entry in FIELDS.items():
        if name in values:
            entry.apply(doc, values[name])
    for name, value in values.items():
        if name not in FIELDS:
            set_dotted(doc, name, value)
