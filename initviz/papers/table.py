"""The printed table of a reproduction: a citation header, then one line per figure —
quantity | measured | paper | theory | tolerance | ✓/✗ — then the target's notes."""

from __future__ import annotations

import math
from typing import Any

from initviz.papers.base import Report, Row

CHECK, CROSS = "✓", "✗"


def fmt(value: Any) -> str:
    """A number to 4 significant digits; text as given; None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def tolerance_text(row: Row) -> str:
    return f"±{100 * row.tolerance:.3g}%" if row.relative else f"±{row.tolerance:.3g}"


def format_report(report: Report) -> str:
    """The readable table of one target run."""
    t = report.target
    cells = [(r.quantity, fmt(r.measured), fmt(r.paper), fmt(r.theory), tolerance_text(r),
              CHECK if r.within_tolerance else CROSS) for r in report.rows]
    heads = ("quantity", "measured", "paper", "theory", "tolerance", "ok")
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]

    def line(values: tuple[str, ...]) -> str:
        parts = [values[0].ljust(widths[0])] + [v.rjust(w) for v, w in zip(values[1:5], widths[1:5])] + [values[5]]
        return "  ".join(parts)

    head = line(heads)
    passed = sum(r.within_tolerance for r in report.rows)
    out = [f"{t.key}: {t.citation}", f"claim: {t.claim}", f"setup: {t.setup}; seed {report.seed}", "",
           head, "-" * len(head), *(line(c) for c in cells), "",
           f"{passed}/{len(report.rows)} within tolerance (|measured − theory| ≤ tolerance; paper where there is "
           f"no theory), {report.seconds:.2f} s"]
    out += [f"note: {note}" for note in t.notes]
    return "\n".join(out)
