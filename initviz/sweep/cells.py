"""The cells of a sweep: the cartesian product of the grid, one validated Experiment each.

Order is fixed: the first grid field varies slowest, the seed axis (``seeds``/``repeats``)
fastest, like nested loops written in the grid's order. A cell's :attr:`Cell.key` is the
canonical JSON of its values — the same sweep gives the same keys on any machine, which is
what a resumed run matches finished cells by.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass
from typing import Any, Iterator

from initviz.engine import network
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.errors import ExperimentError, join_path
from initviz.model import Experiment, parse_experiment, to_dict
from initviz.model.experiment import VERSION as EXPERIMENT_VERSION
from initviz.sweep.fields import apply_values
from initviz.sweep.spec import SweepSpec
from initviz.sweep.table import compact


@dataclass(frozen=True)
class Cell:
    """One point of the grid: ``values`` ((field, value), …) in grid order and its experiment."""

    index: int
    values: tuple[tuple[str, Any], ...]
    experiment: Experiment

    @property
    def key(self) -> str:
        return cell_key(self.values)

    @property
    def label(self) -> str:
        return cell_label(self.values)


def cell_label(values: tuple[tuple[str, Any], ...]) -> str:
    """``depth=10, init=he_normal`` (values as compact JSON)."""
    return ", ".join(f"{name}={compact(value)}" for name, value in values)


def cell_key(values: tuple[tuple[str, Any], ...]) -> str:
    return json.dumps(dict(values), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cell_values(spec: SweepSpec) -> Iterator[tuple[tuple[str, Any], ...]]:
    """The grid's value combinations, in cell order."""
    names = spec.fields
    for combo in itertools.product(*(values for _, values in spec.grid)):
        yield tuple(zip(names, combo))


def build_experiment(base_json: dict, values: tuple[tuple[str, Any], ...]) -> Experiment:
    """The base experiment with ``values`` applied (:func:`initviz.sweep.fields.apply_values`)."""
    doc = copy.deepcopy(base_json)
    apply_values(doc, dict(values))
    doc["version"] = EXPERIMENT_VERSION  # a swept training.* or data.* needs the newest sections
    return parse_experiment(doc)


def expand(spec: SweepSpec, memory_budget: int | None = DEFAULT_BUDGET_BYTES) -> list[Cell]:
    """Every cell, validated up front: a combination the experiment cannot hold (or one over the
    memory budget) raises :class:`ExperimentError` at ``cells[i]`` with its values, before any
    compute starts."""
    base_json = to_dict(spec.base)
    cells = []
    for index, values in enumerate(cell_values(spec)):
        try:
            experiment = build_experiment(base_json, values)
            if memory_budget is not None:
                network.check_memory(experiment, memory_budget)
        except ExperimentError as err:
            raise ExperimentError(join_path("cells", index), f"({cell_label(values)}) {err}") from None
        cells.append(Cell(index, values, experiment))
    return cells
