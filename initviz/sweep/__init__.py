"""Sweeps: a grid of experiment fields, every cell simulated (and optionally trained), one CSV
row per cell; parallel on local processes or on Dask, resumable (pure numpy + stdlib, no Qt).

>>> from initviz.sweep import load_sweep, run_sweep
>>> rows = run_sweep({"experiment": {"preset": "default"}, "grid": {"depth": [2, 5]}}, jobs=2)
>>> [(r["depth"], round(r["a_std_last"], 3)) for r in rows]  # doctest: +SKIP
"""

from initviz.sweep.cells import Cell, expand
from initviz.sweep.journal import journal_path
from initviz.sweep.metrics import measure, metric_columns
from initviz.sweep.run import SweepOutcome, execute, run_sweep, sweep_to_csv
from initviz.sweep.spec import SweepSpec, load_sweep, parse_sweep, preset_names
from initviz.sweep.table import csv_bytes, read_csv

__all__ = [
    "Cell", "SweepOutcome", "SweepSpec", "csv_bytes", "execute", "expand", "journal_path", "load_sweep", "measure",
    "metric_columns", "parse_sweep", "preset_names", "read_csv", "run_sweep", "sweep_to_csv",
]
