"""The ``sweep`` and ``report`` verbs of the command line (registered by :func:`initviz.cli.build_parser`).

``initviz sweep SWEEP.json -o results.csv`` runs every cell of the grid (local worker processes
by default, or Dask with ``--scheduler``) and resumes an interrupted run from
``results.csv.partial.jsonl``; ``initviz report results.csv -o report/`` draws its figures.
Neither imports Qt nor Dask before it needs them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from initviz import cli
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.sweep import journal_path, load_sweep, sweep_to_csv
from initviz.sweep.table import format_value

SHOWN_METRICS = ("a_std_last", "grad_std_first", "log10_grad_growth", "chi1", "phase", "train_loss", "test_acc")
SHOWN_ROWS = 30


def _json_ready(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def format_rows(columns: tuple[str, ...], rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """A readable table of the swept values and a few metrics (the CSV has them all)."""
    shown = ["cell", *fields, *(c for c in SHOWN_METRICS if c in columns)]
    cells = [[format_value(row[c]) if not isinstance(row[c], float) else f"{row[c]:.4g}" for c in shown]
             for row in rows[:SHOWN_ROWS]]
    widths = [min(28, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(shown)]
    lines = ["  ".join(f"{c:>{w}.{w}}" for c, w in zip(shown, widths))]
    lines += ["  ".join(f"{v:>{w}.{w}}" for v, w in zip(r, widths)) for r in cells]
    if len(rows) > SHOWN_ROWS:
        lines.append(f"… {len(rows) - SHOWN_ROWS} more rows in the CSV")
    return "\n".join(lines)


def _close(bar: Any) -> None:
    if bar:
        bar.close()


def cmd_sweep(args: argparse.Namespace) -> int:
    spec = load_sweep(args.spec)
    bar = cli.ProgressBar(unit="cells") if sys.stderr.isatty() else None
    executor = args.scheduler if args.scheduler else None
    done = [0, spec.n_cells]

    def progress(finished: int, total: int) -> None:
        done[:] = [finished, total]
        if bar:
            bar(finished, total)
    try:
        outcome = sweep_to_csv(spec, args.output, jobs=args.jobs, progress=progress, executor=executor,
                               restart=args.restart, memory_budget=args.memory_budget)
    except KeyboardInterrupt:
        _close(bar)
        print(f"initviz: interrupted after {done[0]} of {done[1]} cells; the finished ones are kept in "
              f"{journal_path(args.output)}: run the same command again to resume", file=sys.stderr)
        return 130
    except BaseException:
        _close(bar)
        raise
    _close(bar)
    summary = (f"wrote {args.output}: {len(outcome.rows)} cells ({outcome.computed} computed by {outcome.workers}"
               f"{f', {outcome.resumed} resumed from the journal' if outcome.resumed else ''}) "
               f"in {outcome.seconds:.1f} s")
    if args.json:
        rows = [{k: _json_ready(v) for k, v in row.items()} for row in outcome.rows]
        doc = {"output": str(args.output), "name": spec.name, "columns": list(outcome.columns),
               "computed": outcome.computed, "resumed": outcome.resumed, "seconds": outcome.seconds, "rows": rows}
        print(json.dumps(doc, indent=2, allow_nan=False))
        print(summary, file=sys.stderr)
    else:
        print(f"{spec.name}\n{format_rows(outcome.columns, outcome.rows, spec.fields)}\n{summary}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from initviz.ui.report_figures import write_report  # Qt only for the verb that draws
    written = write_report(args.results, args.output, args.size)
    for figure in written.figures:
        print(f"wrote {figure.path}: {figure.caption}")
    for note in written.skipped:
        print(f"skipped {note}")
    print(f"wrote {written.index}")
    return 0


def add_parsers(sub: Any) -> None:
    """The ``sweep`` and ``report`` sub-commands."""
    text = ("Run an experiment over a grid of field values (a SWEEP.json file) and write one CSV row per cell. "
            "Finished cells are kept in RESULTS.csv.partial.jsonl: an interrupted sweep resumes where it stopped.")
    p = sub.add_parser("sweep", help=text, description=text)
    p.add_argument("spec", metavar="SWEEP.json", help="the sweep file (resources/sweeps/ has examples)")
    p.add_argument("-o", "--output", required=True, metavar="RESULTS.csv", help="where to write the table")
    p.add_argument("--jobs", type=cli._positive_int, metavar="N",
                   help="worker processes (default: one per core); with --scheduler local, Dask workers")
    p.add_argument("--scheduler", metavar="ADDRESS|local",
                   help="run on Dask: a scheduler address (tcp://host:8786), or 'local' for a cluster on this "
                        "machine (needs the optional extra: pip install 'initviz[distributed]'); 'inline' runs "
                        "every cell in this process, one after another")
    p.add_argument("--restart", action="store_true", help="discard a journal left by an earlier run and start over")
    p.add_argument("--json", action="store_true", help="print the rows as JSON (NaN and inf as null)")
    p.add_argument("--memory-budget", type=cli.parse_size, default=DEFAULT_BUDGET_BYTES, metavar="SIZE",
                   help="refuse cells needing more than this (default 2GiB)")
    p.set_defaults(func=cmd_sweep)
    text = ("Draw the standard figures of a sweep's CSV as PNG files in a folder, with an index.html: std vs "
            "depth per scheme, and the phase heatmap of the measured gradient growth with the χ₁ = 1 line.")
    p = sub.add_parser("report", help=text, description=text)
    p.add_argument("results", metavar="RESULTS.csv", help="a CSV written by initviz sweep")
    p.add_argument("-o", "--output", required=True, metavar="FOLDER", help="the folder to write (created if missing)")
    p.add_argument("--size", type=cli.parse_pixels, default=(1200, 800), metavar="WxH",
                   help="pixels of each figure (default 1200x800)")
    p.set_defaults(func=cmd_report)
