"""Reading fields of a decoded JSON experiment: objects with known keys, bounded whole numbers,
choices, and the limits they are checked against. Every problem raises
:class:`~initviz.errors.ExperimentError` naming the field path and what is allowed."""

from __future__ import annotations

from typing import Any, Mapping

from initviz.errors import ExperimentError, join_path

MAX_SIZE = 10_000_000  # units, features or batch; the memory guard judges the product
MAX_SEED = 2**63 - 1


def check_keys(data: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    """``data`` itself, once it is an object with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(data, dict):
        raise ExperimentError(path or "experiment", f"expected an object, got {type(data).__name__}")
    for key in data:
        if key not in allowed:
            raise ExperimentError(join_path(path, str(key)), f"unknown key; allowed: {', '.join(allowed)}")
    for key in required:
        if key not in data:
            raise ExperimentError(join_path(path, key), "missing")
    return data


def read_int(data: Mapping, key: str, path: str, default: int, low: int, high: int) -> int:
    """``data[key]`` (or ``default``): a whole number from ``low`` to ``high`` (2.0 counts as 2)."""
    value = data.get(key, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ExperimentError(join_path(path, key), f"got {value!r}; allowed: a whole number from {low} to {high}")
    return value


def read_choice(data: Mapping, key: str, path: str, default: str, allowed: tuple[str, ...]) -> str:
    """``data[key]`` (or ``default``): one of the strings ``allowed``."""
    value = data.get(key, default)
    if value not in allowed or not isinstance(value, str):
        raise ExperimentError(join_path(path, key), f"got {value!r}; allowed: {', '.join(allowed)}")
    return value


def ordered_params(params: Mapping[str, Any], resolved: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The explicitly given ``params``, in the registry order of ``resolved``, with resolved values."""
    return tuple((k, resolved[k]) for k in resolved if k in params)
