"""The one error type people see: a bad value, named by its field path."""

from __future__ import annotations


class ExperimentError(ValueError):
    """Invalid input, with the field path (``layers[3].init.mode``) and what is allowed.

    ``str(err)`` is one line meant for people: ``"<path>: <reason>"``.
    """

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)


class MemoryBudgetError(ExperimentError):
    """A simulation would need more memory than the configured budget allows."""


def join_path(parent: str, child: str | int) -> str:
    """``join_path("layers", 3) -> "layers[3]"``, ``join_path("layers[3]", "init") -> "layers[3].init"``."""
    if isinstance(child, int):
        return f"{parent}[{child}]"
    return f"{parent}.{child}" if parent else child
