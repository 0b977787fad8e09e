"""Running a sweep: every cell measured (:func:`initviz.sweep.metrics.measure`) on an executor
(:mod:`initviz.sweep.executors`: local worker processes by default, this process, or Dask),
finished cells journaled as they come (:mod:`initviz.sweep.journal`), the table returned in cell
order and written as CSV.

An interruption (Ctrl+C, an error in a cell, the progress callback raising) cancels the cells
not started and stops the local workers; the journal keeps every finished cell.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from initviz.atomic import atomic_write_bytes
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.errors import ExperimentError
from initviz.sweep import executors
from initviz.sweep.cells import Cell, expand
from initviz.sweep.journal import Journal, journal_path
from initviz.sweep.metrics import metric_columns
from initviz.sweep.spec import SweepSpec, load_sweep
from initviz.sweep.table import csv_bytes

Progress = Callable[[int, int], None]  # (cells done, cells in all)


@dataclass(frozen=True)
class SweepOutcome:
    """The table (``rows`` in cell order, ``columns`` in CSV order) and how it was made."""

    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    computed: int
    resumed: int
    seconds: float
    workers: str


def columns_of(spec: SweepSpec) -> tuple[str, ...]:
    return ("cell", *spec.fields, *metric_columns(spec.train_steps is not None))


def _row(cell: Cell, metrics: dict[str, Any]) -> dict[str, Any]:
    return {"cell": cell.index, **dict(cell.values), **metrics}


def _jobs(jobs: Any) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ExperimentError("jobs", f"got {jobs!r}; allowed: a whole number ≥ 1")
    return jobs


def execute(spec: Any, jobs: int | None = None, progress: Progress | None = None, resume_from: Any = None,
            executor: Any = None, restart: bool = False, memory_budget: int = DEFAULT_BUDGET_BYTES) -> SweepOutcome:
    """Run ``spec`` (a :class:`SweepSpec`, a dict or a SWEEP.json path). With ``resume_from`` (a
    journal path) finished cells are read from it and new ones appended to it."""
    start = time.perf_counter()
    spec = load_sweep(spec)
    cells = expand(spec, memory_budget)
    jobs = _jobs(jobs)
    journal = (Journal(resume_from, spec.sha256(), [c.key for c in cells], restart)
               if resume_from is not None else None)
    rows: dict[int, dict[str, Any]] = dict(journal.finished) if journal else {}
    resumed = len(rows)
    todo = [cell for cell in cells if cell.index not in rows]
    if progress:
        progress(len(rows), len(cells))
    workers = "no worker (every cell was in the journal)"
    if todo:
        results, workers = executors.results(executor, todo, spec.train_steps, memory_budget, min(jobs, len(todo)))
        try:
            for cell, metrics in results:
                rows[cell.index] = _row(cell, metrics)
                if journal:
                    journal.append(cell.index, rows[cell.index])
                if progress:
                    progress(len(rows), len(cells))
        finally:
            results.close()
    return SweepOutcome(columns_of(spec), [rows[c.index] for c in cells], len(todo), resumed,
                        time.perf_counter() - start, workers)


def run_sweep(spec: Any, jobs: int | None = None, progress: Progress | None = None, resume_from: Any = None,
              executor: Any = None, restart: bool = False,
              memory_budget: int = DEFAULT_BUDGET_BYTES) -> list[dict[str, Any]]:
    """The sweep's rows (plain dicts, in cell order): the swept values, then the metrics of
    :mod:`initviz.sweep.metrics`. See :func:`execute` for the arguments."""
    return execute(spec, jobs, progress, resume_from, executor, restart, memory_budget).rows


def sweep_to_csv(spec: Any, output: str | os.PathLike, jobs: int | None = None, progress: Progress | None = None,
                 executor: Any = None, restart: bool = False,
                 memory_budget: int = DEFAULT_BUDGET_BYTES) -> SweepOutcome:
    """Run the sweep, resuming from ``output``'s journal (:func:`journal_path`), write the CSV
    atomically in cell order and remove the journal."""
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise ExperimentError("output", f"the folder {folder} does not exist")
    journal = journal_path(output)
    outcome = execute(spec, jobs, progress, journal, executor, restart, memory_budget)
    atomic_write_bytes(output, csv_bytes(outcome.columns, outcome.rows))
    try:
        journal.unlink()
    except FileNotFoundError:
        pass
    except OSError as err:
        raise ExperimentError("output", f"wrote {output}, but cannot remove {journal}: {err.strerror or err}") from None
    return outcome
