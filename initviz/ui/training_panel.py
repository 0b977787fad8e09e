"""The Training dock: Start / Pause / Stop / Step, progress, and the run drawn as it trains.

Composition only: the :class:`TrainingController` runs the training; the plots
(:mod:`training_plots`), the decision regions (:mod:`training_regions`) and the snapshot
scrubber (:mod:`training_scrubber`) draw what it sends. Everything drawn comes from the
current run's history and its own experiment (not the document's, which may have been edited
since). ``snapshot_selected(frame, labels)`` hands the scrubbed moment to the main window's
histogram panel.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QToolButton, QVBoxLayout,
                               QWidget)
import pyqtgraph as pg

from initviz.engine.training import DEFAULT_SNAPSHOT_KINDS
from initviz.ui import histogram_style as hs
from initviz.ui.concepts import tip
from initviz.ui.quiet import set_style, set_text
from initviz.ui.training_controller import LIVE, RESUMABLE, TrainingController
from initviz.ui.training_plots import AccuracyPlot, BandsPlot, LossPlot, RatioPlot
from initviz.ui.training_regions import RegionsView
from initviz.ui.training_scrubber import SnapshotScrubber, layer_labels, snapshot_frame
from initviz.ui.training_text import planned_steps

UI_PT = 12  # buttons, labels and choosers: readable from the back of a room
ACTIONS = {  # name: (text, shortcut, tooltip)
    "start": ("▶ Start", "F5", "Start training the current experiment, or resume a paused run"),
    "pause": ("❚❚ Pause", "F6", "Pause after the current step (Start resumes)"),
    "stop": ("■ Stop", "Shift+F5", "End the run; its curves stay on screen"),
    "step": ("Step", "F10", "Take one training step, then pause"),
    "step_snapshot": ("Step to snapshot", "Shift+F10", "Train up to the next snapshot, then pause"),
}


class TrainingPanel(QWidget):
    """The training dock's widget for ``document``'s experiment, driven by ``controller``."""

    snapshot_selected = Signal(object, list)  # Frame, one label per layer

    def __init__(self, document: Any, controller: TrainingController, parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.controller = document, controller
        self._history: Any = None  # the current run's latest History
        self._info: Any = None  # its RunInfo
        self._plan_shown: tuple | None = None  # (steps, layer labels) the plan was drawn for
        self._labels: list[str] = []  # its layers' labels
        self.setFont(hs.font(UI_PT))
        self.actions_by_name = self._build_actions()
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("%v / %m steps")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status_label = QLabel(wordWrap=True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(hs.BACKGROUND)
        self.loss, self.accuracy, self.ratio, self.bands = LossPlot(), AccuracyPlot(), RatioPlot(), BandsPlot()
        self.canvas.addItem(self.loss.plot, 0, 0)
        self.canvas.addItem(self.accuracy.plot, 0, 1)
        self.canvas.addItem(self.ratio.plot, 1, 0)
        self.canvas.addItem(self.bands.plot, 1, 1)
        for column in (0, 1):
            self.canvas.ci.layout.setColumnStretchFactor(column, 1)
            self.canvas.ci.layout.setColumnPreferredWidth(column, 100)
        self.regions = RegionsView()
        self.regions.hide()
        self.scrubber = SnapshotScrubber(point_size=UI_PT)
        self.layer_box, self.kind_box = QComboBox(), QComboBox()
        for kind in DEFAULT_SNAPSHOT_KINDS:
            self.kind_box.addItem(hs.KIND_TITLES[kind], kind)
        self.kind_box.setCurrentIndex(self.kind_box.findData("activations"))
        self.layer_box.setToolTip(tip("training_layer"))
        self.kind_box.setToolTip(tip("training_kind"))
        self.scrubber.play_button.setToolTip(tip("snapshot_play"))
        self.scrubber.slider.setToolTip(tip("snapshot_slider"))
        self._layout()
        self._connect()
        self.loss.note.show_text(f"Start ({ACTIONS['start'][1]}) trains the network")
        self._on_state(controller.state)
        self._on_status(controller.status)

    # --- building ---------------------------------------------------------------------------

    def _build_actions(self) -> dict[str, QAction]:
        actions = {}
        for name, (text, shortcut, tip) in ACTIONS.items():
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{tip} ({shortcut})")
            self.addAction(action)
            actions[name] = action
        actions["start"].triggered.connect(self.controller.start)
        actions["pause"].triggered.connect(self.controller.pause)
        actions["stop"].triggered.connect(self.controller.stop)
        actions["step"].triggered.connect(lambda: self.controller.step(1))
        actions["step_snapshot"].triggered.connect(self.controller.step_snapshot)
        return actions

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        self.buttons: dict[str, QToolButton] = {}
        for name, action in self.actions_by_name.items():
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setMinimumHeight(34)
            buttons.addWidget(button)
            self.buttons[name] = button
        buttons.addWidget(self.progress_bar, 1)
        plots = QHBoxLayout()
        plots.addWidget(self.canvas, 5)
        plots.addWidget(self.regions, 2)
        self.canvas.installEventFilter(self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.scrubber, 3)
        bottom.addSpacing(16)
        for text, box in (("Layer", self.layer_box), ("shows", self.kind_box)):
            bottom.addWidget(QLabel(text))
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            bottom.addWidget(box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addLayout(plots, 1)
        layout.addLayout(bottom)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def _connect(self) -> None:
        c = self.controller
        c.state_changed.connect(self._on_state)
        c.status_changed.connect(self._on_status)
        c.run_ready.connect(self._on_run)
        c.history_changed.connect(self._on_history)
        c.regions_ready.connect(self._on_regions)
        c.progress.connect(self._on_progress)
        self.scrubber.index_changed.connect(self._on_snapshot)
        self.layer_box.currentIndexChanged.connect(self._on_choice)
        self.kind_box.currentIndexChanged.connect(self._on_choice)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        """Keep the decision regions about square: as wide as the plots are tall, within reason."""
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            width = int(max(320, min(event.size().height(), 0.36 * self.width())))
            if width != self.regions.width():
                self.regions.setFixedWidth(width)
        return False

    # --- from the controller ----------------------------------------------------------------

    def _show_plan(self) -> None:
        """Before the first run: axes and choices for what Start would train (redone only
        when those change: every edit of an idle document asks)."""
        experiment = self.document.experiment
        total, labels = planned_steps(experiment), layer_labels(experiment)
        if (total, labels) == self._plan_shown:
            return
        self._plan_shown = (total, labels)
        for plot in (self.loss, self.accuracy, self.ratio, self.bands):
            plot.set_steps(total or 100)
        self.progress_bar.setRange(0, max(total or 1, 1))
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%v / %m steps" if total else "no data set")
        self._fill_layers(labels)

    def _fill_layers(self, labels: list[str]) -> None:
        """The layer chooser's entries: renamed in place when only labels changed (a gain drag
        renames every layer 60 times a second), rebuilt when the layer count did."""
        box = self.layer_box
        chosen = box.currentIndex()
        keep = 0 <= chosen < len(labels) and box.count() == len(labels)
        box.blockSignals(True)
        if keep:
            for i, label in enumerate(labels):
                if box.itemText(i) != label:
                    box.setItemText(i, label)
        else:
            box.clear()
            for i, label in enumerate(labels):
                box.addItem(label, i)
            box.setCurrentIndex((len(labels) - 1) // 2)
        box.blockSignals(False)
        self.ratio.choose(box.currentIndex())

    def _on_state(self, state: str) -> None:
        if state == "idle" and self._info is None:
            self._show_plan()
        live, resumable = state in LIVE, state in RESUMABLE
        enabled = {"start": not live, "pause": live, "stop": live or resumable, "step": not live,
                   "step_snapshot": not live}
        for name, action in self.actions_by_name.items():
            action.setEnabled(enabled[name])
        self.actions_by_name["start"].setText("▶ Resume" if resumable else "▶ Start")

    def _on_status(self, text: str) -> None:
        warning = text.startswith("⚠")
        set_text(self.status_label, text)
        set_style(self.status_label, f"color: {hs.BADGE if warning else hs.TEXT}; padding: 2px; "
                                     f"font-size: {UI_PT}pt;")

    def _on_run(self, run_id: int, info: Any) -> None:
        """A new run: clear the pictures and size them for it."""
        self._info, self._history = info, None
        self._labels = layer_labels(info.experiment)
        self.loss.note.hide()
        for plot in (self.loss, self.accuracy, self.ratio, self.bands):
            plot.set_steps(info.total_steps)
            plot.set_cursor(None)
        self.loss.set_chance(info.chance_loss)
        self.accuracy.set_classes(info.n_classes)
        self.regions.setVisible(info.has_regions)
        self.regions.set_run(info)
        self._fill_layers(self._labels)
        self.scrubber.reset()
        self.progress_bar.setRange(0, max(info.total_steps, 1))
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%v / %m steps")

    def _on_history(self, run_id: int, history: Any) -> None:
        if self._info is None or run_id != self._info.run_id:
            return
        self._history = history
        self.loss.show_history(history)
        self.accuracy.show_history(history)
        self.ratio.show_history(history)
        self._draw_bands()
        self.scrubber.set_steps(history.eval_steps)

    def _on_regions(self, run_id: int, index: int, regions: Any) -> None:
        if self._info is not None and run_id == self._info.run_id and index == self.scrubber.index:
            self.regions.show_regions(regions)

    def _on_progress(self, run_id: int, step: int, total: int, steps_per_second: float) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(step)

    # --- choices ----------------------------------------------------------------------------

    def _on_choice(self, *_: Any) -> None:
        self.ratio.choose(max(self.layer_box.currentIndex(), 0))
        self._draw_bands()

    def _draw_bands(self) -> None:
        if self._history is not None:
            self.bands.show_history(self._history, max(self.layer_box.currentIndex(), 0), self.kind_box.currentData())

    def _on_snapshot(self, index: int) -> None:
        history = self._history
        if history is None or index >= len(history.eval_steps):
            return
        step = int(history.eval_steps[index])
        for plot in (self.loss, self.accuracy, self.ratio, self.bands):
            plot.set_cursor(step)
        regions = self.controller.regions.get(index)
        if regions is not None and self._info.has_regions:
            self.regions.show_regions(regions)
        self.snapshot_selected.emit(snapshot_frame(history, self._info.experiment, index), list(self._labels))

    # --- for tests and the main window ------------------------------------------------------

    def selected_frame(self) -> Any:
        """The Frame of the snapshot on the scrubber (None before the first snapshot)."""
        index = self.scrubber.index
        if self._history is None or index is None:
            return None
        return snapshot_frame(self._history, self._info.experiment, index)
