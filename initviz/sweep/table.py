"""The results table: rows as plain dicts, written to and read from CSV.

CSV cells: numbers as Python writes them (``repr``: the shortest text that reads back to the
same float; ``nan``, ``inf``, ``-inf`` for the non-finite ones), strings bare, JSON objects
compact, per-layer profiles ``;``-joined, a missing value (``diverged_at`` of a run that never
diverged) empty. Lines end in ``\\n``; the same rows always give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Sequence

from initviz.errors import ExperimentError

PROFILE_SEPARATOR = ";"
PROFILE_COLUMNS = ("a_std_profile", "grad_std_profile")
MAX_CSV_BYTES = 512 * 1024 * 1024


def compact(value: Any) -> str:
    """A value as it appears in a label or a CSV cell: strings bare, the rest compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return compact(value)


def format_profile(values: Sequence[float]) -> str:
    return PROFILE_SEPARATOR.join(repr(float(v)) for v in values)


def csv_bytes(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    """The CSV file of ``rows`` (one line per row, ``columns`` in this order)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([format_profile(row[c]) if c in PROFILE_COLUMNS else format_value(row.get(c))
                         for c in columns])
    return buffer.getvalue().encode("utf-8")


def parse_profile(text: str) -> list[float] | str:
    try:
        return [float(part) for part in text.split(PROFILE_SEPARATOR)] if text else []
    except ValueError:
        return text


def parse_value(text: str) -> Any:
    """A CSV cell back to a number, JSON or a string (empty: None)."""
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return int(text) if text.lstrip("-").isdigit() else number
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def read_csv(path: str | os.PathLike) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) of a results CSV, cells parsed by :func:`parse_value`."""
    p = Path(path)
    if not p.exists():
        raise ExperimentError("results", f"{p}: no such file (give the CSV that `initviz sweep -o` wrote)")
    try:
        if not p.is_file() or p.stat().st_size > MAX_CSV_BYTES:
            raise ExperimentError("results", f"{p} is not a results file (a regular file of at most "
                                             f"{MAX_CSV_BYTES // 2**20} MiB)")
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise ExperimentError("results", f"cannot read {p}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ExperimentError("results", f"{p.name} is not UTF-8 text (byte {err.start})") from None
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise ExperimentError("results", f"{p.name} is not a CSV file: {err}") from None
    if not lines or not lines[0]:
        raise ExperimentError("results", f"{p.name} is empty; expected the CSV written by initviz sweep")
    columns = lines[0]
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if len(cells) != len(columns):
            raise ExperimentError("results", f"{p.name} line {number}: {len(cells)} cells, the header has "
                                             f"{len(columns)}")
        rows.append({c: parse_profile(v) if c in PROFILE_COLUMNS else parse_value(v) for c, v in zip(columns, cells)})
    return columns, rows


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
