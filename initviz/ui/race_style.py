"""What the race plot, legend and table share: one colour per run, the row state, status words.

Colours are Okabe & Ito's colour-blind-safe palette (2008) without its yellow (too faint on
white on a projector), in an order that keeps neighbours far apart; past seven runs the
colours repeat with dashed lines. Red stays the colour of non-finite values (a diverged row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from initviz.engine import race
from initviz.ui import histogram_style as hs

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
STALE_AMOUNT = 0.7  # how far a stale colour is blended towards white
STALE_TEXT = "#8a8d91"
DIVERGED_ROW = hs.NO_DATA
STALLED_ROW = "#ececec"

WAITING, RUNNING, DONE, CANCELLED = "waiting", "running", "done", "cancelled"


def colour(index: int, stale: bool = False) -> QColor:
    base = PALETTE[index % len(PALETTE)]
    return hs.blend(base, "#ffffff", STALE_AMOUNT) if stale else QColor(base)


def line_style(index: int) -> Qt.PenStyle:
    return Qt.PenStyle.SolidLine if index < len(PALETTE) else Qt.PenStyle.DashLine


@dataclass(frozen=True)
class RaceRow:
    """One scheme of the race on screen: its mini-batch losses so far and, once done, its entry."""

    label: str
    init: dict[str, Any]
    state: str = WAITING
    train_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    entry: race.RaceEntry | None = None
    steps: int = 0  # of the run, once known


def status_text(row: RaceRow) -> str:
    """The table's status cell."""
    entry = row.entry
    if entry is None:
        if row.state == RUNNING:
            return f"running… step {row.train_loss.size}/{row.steps}"
        return "cancelled" if row.state == CANCELLED else "waiting"
    if entry.diverged:
        return f"✕ diverged at step {entry.history.diverged_at}"
    return {"stalled": "stalled", "reached": "reached target", "slow": "trained, not at target"}[entry.status]


def legend_text(row: RaceRow, short: bool = False) -> str:
    """A legend line: the scheme and, once it is done, how its run ended (``short``: only the
    tags ✕ NaN and stalled, for a narrow legend; the table has the rest)."""
    entry = row.entry
    if short:
        tag = "" if entry is None else " — ✕ NaN" if entry.diverged else " — stalled" if entry.stalled else ""
        return row.label + tag
    if entry is None:
        return {RUNNING: f"{row.label} — running…", CANCELLED: f"{row.label} — cancelled"}.get(row.state, row.label)
    if entry.diverged:
        return f"{row.label} — ✕ NaN at step {entry.history.diverged_at}"
    if entry.stalled:
        return f"{row.label} — stalled"
    if entry.steps_to_target is not None:
        return f"{row.label} — target at step {entry.steps_to_target}"
    return f"{row.label} — not at target"


def summary_text(result: race.RaceResult, cancelled: bool, runs: int, steps: int) -> str:
    """The status line after a race: who reached the target first, how many diverged or stalled;
    or, after Cancel, what was kept."""
    if cancelled:
        kept = len(result.entries)
        kept_text = {0: "no run finished.", 1: "the finished run is kept."}.get(
            kept, f"the {kept} finished runs are kept.")
        return f"Cancelled during run {kept + 1} of {runs} — {kept_text}"
    target = hs.format_number(result.target_loss)
    reached = [e for e in result.entries if e.steps_to_target is not None]
    parts = [f"Done: {runs} schemes × {steps} steps."]
    if reached:
        best = min(reached, key=lambda e: e.steps_to_target)
        parts.append(f"First to the target ({target}): {best.label}, step {best.steps_to_target}.")
    else:
        parts.append(f"No scheme reached the target loss {target}.")
    counts = [f"{n} {word}" for word, n in (("diverged", sum(e.diverged for e in result.entries)),
                                            ("stalled", sum(e.stalled for e in result.entries))) if n]
    return " ".join(parts + ([", ".join(counts) + "."] if counts else []))
