"""The race table: one row per scheme with the numbers of its :class:`~initviz.engine.race.RaceEntry`,
and the distinct-neuron count that shows a constant init's symmetry surviving training.

Distinct neurons come from ``History.distinct`` (evaluations × layers): how many of a layer's
units compute different things on the probe batch (:func:`initviz.engine.symmetry.distinct_neurons`).
The output layer is left out: its units answer different labels, so they separate even when
every hidden layer is one neuron copied.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from initviz.engine import training
from initviz.ui import histogram_style as hs
from initviz.ui.race_style import (
    DIVERGED_ROW, STALE_TEXT, STALLED_ROW, RaceRow, colour, status_text,
)

COLUMNS = (
    ("scheme", "The init of every layer's weights in this run (biases keep theirs)"),
    ("steps to\ntarget", "First step whose smoothed mini-batch loss is at or below the target loss; — if never"),
    ("train\nloss", "Final loss on the tracked training rows"),
    ("held-out\nloss", "Final loss on the held-out rows"),
    ("train\naccuracy", "Final accuracy on the tracked training rows"),
    ("held-out\naccuracy", "Final accuracy on the held-out rows"),
    ("status", "reached target · trained, not at target · stalled (loss fell < 1% over the last half) · "
               "diverged (the loss became NaN; the run stopped there)"),
    ("distinct\nneurons", "Distinct neurons per hidden layer at the end of the run (of its units); "
                         "'1 · all run' when every hidden layer stayed at one (a constant init never broke the symmetry)"),
)
SCHEME, STEPS, TRAIN_LOSS, TEST_LOSS, TRAIN_ACC, TEST_ACC, STATUS, DISTINCT = range(len(COLUMNS))
BODY_PT = 12
IN_USE = "  ✓ in use"


def hidden_distinct(history: training.History) -> tuple[np.ndarray, np.ndarray]:
    """(distinct per evaluation × hidden layer, units per hidden layer); the whole net when it
    has one layer."""
    d, units = np.asarray(history.distinct), np.asarray(history.units)
    if d.ndim == 2 and d.shape[1] > 1:
        return d[:, :-1], units[:-1]
    return d.reshape(len(d), -1), units


def stayed_symmetric(history: training.History) -> bool:
    """Every hidden layer had exactly one distinct neuron at every snapshot (wider than 1 unit)."""
    d, units = hidden_distinct(history)
    return bool(d.size and (units > 1).any() and (d == 1).all())


def distinct_text(history: training.History) -> str:
    d, units = hidden_distinct(history)
    if not d.size:
        return "—"
    if stayed_symmetric(history):
        return "1 · all run"
    end = d[-1]
    low, high = int(end.min()), int(end.max())
    width = f" of {int(units[0])}" if (units == units[0]).all() else ""
    return f"{low}{width}" if low == high else f"{low}–{high}{width}"


def distinct_tooltip(history: training.History) -> str:
    d, units = hidden_distinct(history)
    steps = history.eval_steps
    if not d.size:
        return ""
    lines = [f"Distinct neurons, step {int(steps[0])} → {int(steps[-1])} ({len(steps)} snapshots):"]
    for layer in range(d.shape[1]):
        lines.append(f"layer {layer} ({int(units[layer])} units): {int(d[0, layer])} → {int(d[-1, layer])}"
                     f" (most {int(d[:, layer].max())})")
    return "\n".join(lines)


def symmetry_note(rows: Sequence[RaceRow]) -> str:
    """The sentence under the table for runs whose hidden layers never broke symmetry."""
    notes = []
    for row in rows:
        if row.entry is not None and stayed_symmetric(row.entry.history):
            history = row.entry.history
            notes.append(f"<b>{row.label}</b>: every hidden layer kept exactly <b>1</b> distinct neuron at all "
                         f"{len(history.eval_steps)} snapshots (steps {int(history.eval_steps[0])}–"
                         f"{int(history.eval_steps[-1])}) — a constant init never breaks the symmetry: each "
                         "layer trains as if it had one unit.")
    return "<br>".join(notes)


def _loss(value: float) -> str:
    return hs.format_number(value)


def _acc(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


class RaceTableModel(QAbstractTableModel):
    """Rows of the race on screen; ``stale`` greys every cell; ``in_use`` marks the row whose
    scheme every layer of the experiment uses now."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._rows: list[RaceRow] = []
        self.stale = False
        self.in_use: int | None = None

    # --- updates -------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[RaceRow]) -> None:
        """Replace the rows; a reset only when their number or labels change."""
        rows = list(rows)
        if [r.label for r in rows] != [r.label for r in self._rows]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            return
        changed = [i for i, (a, b) in enumerate(zip(self._rows, rows)) if a is not b]
        self._rows = rows
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))

    def set_state(self, stale: bool, in_use: int | None) -> None:
        if (stale, in_use) != (self.stale, self.in_use):
            self.stale, self.in_use = stale, in_use
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def row(self, index: int) -> RaceRow:
        return self._rows[index]

    # --- Qt ------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == Qt.ItemDataRole.DecorationRole and column == SCHEME:
            return colour(index.row(), self.stale)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(STALE_TEXT) if self.stale else None
        if role == Qt.ItemDataRole.BackgroundRole and row.entry is not None and not self.stale:
            if row.entry.diverged:
                return QColor(DIVERGED_ROW)
            return QColor(STALLED_ROW) if row.entry.stalled else None
        if role == Qt.ItemDataRole.FontRole and column == SCHEME and index.row() == self.in_use:
            return hs.font(BODY_PT, bold=True)
        if role == Qt.ItemDataRole.FontRole and column == STATUS and row.entry is not None \
                and (row.entry.diverged or row.entry.stalled):
            return hs.font(BODY_PT, bold=True)
        if role == Qt.ItemDataRole.ToolTipRole and column == DISTINCT and row.entry is not None:
            return distinct_tooltip(row.entry.history)
        if role == Qt.ItemDataRole.TextAlignmentRole and column not in (SCHEME, STATUS, DISTINCT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def text(self, row_index: int, column: int) -> str:
        """A cell's text (also for tests)."""
        row = self._rows[row_index]
        entry = row.entry
        if column == SCHEME:
            return row.label + (IN_USE if row_index == self.in_use else "")
        if column == STATUS:
            return status_text(row)
        if entry is None:
            return ""
        if column == STEPS:
            return "—" if entry.steps_to_target is None else str(entry.steps_to_target)
        if column == TRAIN_LOSS:
            return _loss(entry.final_train_loss)
        if column == TEST_LOSS:
            return _loss(entry.final_test_loss)
        if column == TRAIN_ACC:
            return _acc(entry.final_train_acc)
        if column == TEST_ACC:
            return _acc(entry.final_test_acc)
        return distinct_text(entry.history)
