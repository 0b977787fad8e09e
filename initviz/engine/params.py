"""Parameter declarations shared by the scheme and activation registries.

A registry entry lists its parameters as :class:`Param` objects; :func:`resolve_params`
checks user-given values against them and fills in defaults. Errors name the field path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from initviz.errors import ExperimentError, join_path


@dataclass(frozen=True)
class Param:
    """One parameter of a scheme or activation.

    ``kind`` is ``"float"``, ``"int"`` or ``"choice"``. ``choices`` lists the allowed strings
    of a choice, or strings a float may take instead of a number (``gain="auto"``).
    ``low``/``high`` bound numbers; ``low_open``/``high_open`` make the bound strict.
    """

    name: str
    kind: str
    default: Any
    doc: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """A short description of the allowed values, for error messages and tooltips."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo = "-inf" if self.low is None else repr(self.low)
        hi = "inf" if self.high is None else repr(self.high)
        span = f"{'(' if self.low_open or self.low is None else '['}{lo}, {hi}{')' if self.high_open or self.high is None else ']'}"
        what = "a whole number" if self.kind == "int" else "a finite number"
        extra = "" if not self.choices else " or " + ", ".join(repr(c) for c in self.choices)
        return f"{what} in {span}{extra}"

    def check(self, value: Any, path: str) -> Any:
        """Return ``value`` normalised (ints for ``int``, floats for ``float``) or raise."""
        if self.kind == "choice" or (isinstance(value, str) and self.choices):
            if isinstance(value, str) and value in self.choices:
                return value
            raise ExperimentError(path, f"got {value!r}; allowed: {self.allowed()}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExperimentError(path, f"got {value!r}; allowed: {self.allowed()}")
        if self.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ExperimentError(path, f"got {value!r}; allowed: {self.allowed()}")
            value = int(value)
        else:
            try:
                value = float(value)
            except OverflowError:  # a JSON integer with hundreds of digits
                raise ExperimentError(path, f"got a number too large; allowed: {self.allowed()}") from None
            if not math.isfinite(value):
                raise ExperimentError(path, f"got {value!r}; allowed: {self.allowed()}")
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise ExperimentError(path, f"got {value!r}; allowed: {self.allowed()}")
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            raise ExperimentError(path, f"got {value!r}; allowed: {self.allowed()}")
        return value


def resolve_params(
    params: Sequence[Param], given: Mapping[str, Any], path: str, owner: str
) -> dict[str, Any]:
    """Validate ``given`` against ``params`` and return every parameter with defaults filled."""
    known = {p.name: p for p in params}
    for key in given:
        if key not in known:
            allowed = ", ".join(known) if known else "none"
            raise ExperimentError(
                join_path(path, key), f"unknown parameter for {owner!r}; allowed parameters: {allowed}"
            )
    return {
        p.name: p.check(given[p.name], join_path(path, p.name)) if p.name in given else p.default
        for p in params
    }
