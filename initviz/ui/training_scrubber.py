"""The snapshot scrubber: a slider over a run's snapshots, played as an animation by a timer,
and the :class:`Frame` of one snapshot for the histogram panel.

While the slider sits on the last snapshot it follows the run (each new snapshot moves it);
dragged back, it stays where it was put until it is brought to the end again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from initviz.engine import network
from initviz.engine.frame import Frame, LayerFrame
from initviz.ui import histogram_style as hs
from initviz.ui.layer_model import layer_label

PLAY_MS = 200  # one snapshot every 0.2 s: a 60-snapshot run plays in 12 s


def snapshot_frame(history: Any, experiment: Any, index: int) -> Frame:
    """The run at snapshot ``index`` as a :class:`Frame`: per layer the snapshot's summaries of
    the probe batch and the weight law ``experiment``'s init scheme promised at the start."""
    snapshot = history.snapshots[index]
    layers = tuple(LayerFrame(i, dict(summaries), network.weight_law(experiment, i))
                   for i, summaries in enumerate(snapshot))
    nonfinite = sum(int(s.stats["n_nan"]) + int(s.stats["n_inf"]) for layer in snapshot for s in layer.values())
    rows = 0
    if snapshot and "activations" in snapshot[0]:
        rows = int(snapshot[0]["activations"].stats["count"]) // max(int(history.units[0]), 1)
    return Frame(layers, float(history.eval_train_loss[index]), 0.0, nonfinite, tuple(history.snapshot_kinds), rows)


def layer_labels(experiment: Any) -> list[str]:
    return [layer_label(i, layer) for i, layer in enumerate(experiment.layers)]


class SnapshotScrubber(QWidget):
    """Play/Pause, a slider over snapshot indices and "snapshot 12 of 61 · step 600".

    ``index_changed(int)`` fires when the shown snapshot changes (by hand, by playing, or by
    following a growing run)."""

    index_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None, point_size: float = 12.0):
        super().__init__(parent)
        self.setFont(hs.font(point_size))
        self.play_button = QPushButton("▶ Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the snapshots as an animation")
        self.play_button.toggled.connect(self._on_play)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(5)
        self.slider.setToolTip("Snapshot shown in the plots and the histograms")
        self.slider.valueChanged.connect(self._on_value)
        self.label = QLabel()
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("snapshot 888 of 888 · step 8,888,888"))
        self.timer = QTimer(self, interval=PLAY_MS)
        self.timer.timeout.connect(self._tick)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.steps = np.zeros(0, dtype=np.int64)
        self.follow = True
        self._refresh()

    @property
    def index(self) -> int | None:
        return int(self.slider.value()) if self.steps.size else None

    def reset(self) -> None:
        """No snapshots (a new run begins); follow the run from its first snapshot."""
        self.play_button.setChecked(False)
        self.follow = True
        self.steps = np.zeros(0, dtype=np.int64)
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self._refresh()

    def set_steps(self, steps: np.ndarray) -> None:
        """The snapshot steps of the run on screen (after each update)."""
        steps = np.asarray(steps, dtype=np.int64)
        grew = steps.size > self.steps.size
        self.steps = steps
        last = max(steps.size - 1, 0)
        self.slider.blockSignals(True)
        self.slider.setMaximum(last)
        if self.follow and grew:
            self.slider.setValue(last)
        self.slider.blockSignals(False)
        self._refresh()
        if self.follow and grew:
            self.index_changed.emit(last)

    def select(self, index: int) -> None:
        """Show snapshot ``index`` (clamped)."""
        self.slider.setValue(max(0, min(index, self.slider.maximum())))

    def _on_value(self, value: int) -> None:
        self.follow = value >= self.slider.maximum()
        self._refresh()
        if self.steps.size:
            self.index_changed.emit(int(value))

    def _on_play(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")
        if playing:
            if self.slider.value() >= self.slider.maximum():
                self.select(0)
            self.timer.start()
        else:
            self.timer.stop()

    def _tick(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)
        else:
            self.select(self.slider.value() + 1)

    def _refresh(self) -> None:
        n = int(self.steps.size)
        self.slider.setEnabled(n > 1)
        self.play_button.setEnabled(n > 1)
        if n == 0:
            self.label.setText("no snapshots yet")
            return
        i = int(self.slider.value())
        self.label.setText(f"snapshot {i + 1} of {n} · step {int(self.steps[min(i, n - 1)]):,}")
