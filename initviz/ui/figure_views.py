"""The views as figures: built fresh from an experiment (headless, and the Diagnose tabs from
the app), or taken from the live window (training and race results).

Fresh diagnose views get a frame computed for exactly what they draw
(``view.needs()``), so a tab that is not on screen exports as complete as one that is.
Headless training and race run a short training first (:func:`limited`) so the figure has
curves.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QEventLoop, QPoint, QRect, QSize
from PySide6.QtWidgets import QWidget

from initviz.engine.frame import compute_frame
from initviz.engine.memory import DEFAULT_BUDGET_BYTES
from initviz.errors import ExperimentError
from initviz.model.document import Document
from initviz.model.experiment import Experiment
from initviz.model.sections import TrainingSpec
from initviz.ui.figures import Figure
from initviz.ui.histogram_style import DEFAULT_KINDS
from initviz.ui.histograms import HistogramPanel
from initviz.ui.layer_model import layer_label

VIEW_TITLES = {"histograms": "Histograms", "depth": "Depth profile", "phase": "Phase diagram",
               "symmetry": "Symmetry", "jacobian": "Jacobian", "training": "Training", "race": "Race"}
DIAGNOSE_TABS = {"depth": "Depth profile", "phase": "Phase diagram", "symmetry": "Symmetry", "jacobian": "Jacobian"}
HEADLESS_MAX_STEPS = 300  # headless training/race: at most this many steps unless asked for more


def labels_of(experiment: Experiment) -> list[str]:
    return [layer_label(i, layer) for i, layer in enumerate(experiment.layers)]


def histogram_figure(frame: Any, labels: list[str], kinds: tuple[str, ...] = DEFAULT_KINDS, shared: bool = True,
                     log: bool = False, mode: str = "auto") -> Figure:
    """A fresh histogram panel drawing ``frame`` with these view options."""
    panel = HistogramPanel()
    panel.set_kinds(kinds)
    panel.set_shared_range(shared)
    panel.set_log_counts(log)
    panel.set_mode(mode)
    panel.show_frame(frame, labels)
    return Figure("Histograms", panel)


def _diagnose_view(name: str, experiment: Experiment) -> tuple[QWidget, list]:
    from initviz.ui.diag_depth import DepthProfileView
    from initviz.ui.diag_jacobian import JacobianView
    from initviz.ui.diag_phase import PhaseDiagramView
    from initviz.ui.diag_symmetry import SymmetryView
    if name == "phase":
        document = Document(experiment)  # the diagram's point can be dragged: it edits a document
        return PhaseDiagramView(document), [document]
    return {"depth": DepthProfileView, "symmetry": SymmetryView, "jacobian": JacobianView}[name](), []


def diagnose_figure(name: str, experiment: Experiment, similarity_layer: int | None = None,
                    memory_budget: int = DEFAULT_BUDGET_BYTES) -> Figure:
    """A fresh Diagnose view ("depth", "phase", "symmetry", "jacobian") on ``experiment``."""
    view, keep = _diagnose_view(name, experiment)
    if similarity_layer is not None and hasattr(view, "set_layer"):
        view.set_layer(similarity_layer)
    kinds, extras = view.needs()
    frame = compute_frame(experiment, kinds=tuple(kinds), extras=extras, memory_budget=memory_budget,
                          similarity_layer=similarity_layer if similarity_layer is not None else 0)
    view.show_frame(frame, labels_of(experiment))
    return Figure(DIAGNOSE_TABS[name], view, keep=keep)


def training_parts(panel: Any):
    """The training plots, with the decision regions beside them when the run has them (as wide
    as the plots are tall, within 320 px and 36 % of the width: the dock's own rule)."""
    def parts(size: QSize) -> list[tuple[QWidget, QRect]]:
        if not panel.regions.isVisibleTo(panel):
            return [(panel.canvas, QRect(QPoint(0, 0), size))]
        side = int(max(320, min(size.height(), 0.36 * size.width())))
        side = min(side, size.width() // 2)
        return [(panel.canvas, QRect(0, 0, size.width() - side, size.height())),
                (panel.regions, QRect(size.width() - side, 0, side, size.height()))]
    return parts


def training_figure(panel: Any, keep: list | None = None) -> Figure:
    return Figure("Training", panel, parts=training_parts(panel), keep=keep or [])


def race_figure(view: Any, keep: list | None = None) -> Figure:
    """The race's loss curves (with their legend, target and markers)."""
    return Figure("Race", view.plot, keep=[view, *(keep or [])])


def limited(experiment: Experiment, steps: int | None) -> tuple[Experiment, int]:
    """``experiment`` trained for ``steps`` (default: its own length, at most
    :data:`HEADLESS_MAX_STEPS`); refused without a data set. Returns it and the steps."""
    if experiment.data is None:
        raise ExperimentError("data", "the training and race views train the network: the experiment needs a "
                              "\"data\" section (e.g. resources/examples/spirals_deep_relu_he.json)")
    spec = experiment.training or TrainingSpec()
    if steps is None:
        steps = min(spec.steps or HEADLESS_MAX_STEPS, HEADLESS_MAX_STEPS)
    # a few snapshots at least (each one summarises every layer: most of the time of a short run)
    spec = dataclasses.replace(spec, steps=int(steps), epochs=None,
                               snapshot_every=max(1, min(spec.snapshot_every, int(steps) // 3)))
    return experiment.replace(training=spec), int(steps)


def trained_figure(experiment: Experiment, steps: int | None = None) -> Figure:
    """Train ``experiment`` here (see :func:`limited`) and return the training plots."""
    from initviz.ui.training_controller import LIVE, TrainingController
    from initviz.ui.training_panel import TrainingPanel
    experiment, _ = limited(experiment, steps)
    document = Document(experiment)
    controller = TrainingController(document, chunk_ms=500.0)
    panel = TrainingPanel(document, controller)
    loop = QEventLoop()
    controller.state_changed.connect(lambda state: state not in LIVE and loop.quit())
    controller.start()
    if controller.state in LIVE:
        loop.exec()
    if controller.state == "failed":
        controller.shutdown()
        raise ExperimentError("training", controller.status)
    controller.shutdown()
    return training_figure(panel, keep=[document, controller])


def raced_figure(experiment: Experiment, steps: int | None = None) -> Figure:
    """Race the default schemes on ``experiment`` here (see :func:`limited`): the loss curves."""
    from initviz.ui.race_view import RaceView
    experiment, _ = limited(experiment, steps)
    document = Document(experiment)
    view = RaceView(document)
    if view.run_blocking() is None:
        view.shutdown()
        raise ExperimentError("race", view.controls.error.text() or "the race did not run")
    view.shutdown()
    return race_figure(view, keep=[document])


def headless_figure(view: str, experiment: Experiment, steps: int | None = None,
                    memory_budget: int = DEFAULT_BUDGET_BYTES) -> Figure:
    """Any view but "window", built for ``experiment``."""
    if view == "histograms":
        frame = compute_frame(experiment, kinds=DEFAULT_KINDS, memory_budget=memory_budget)
        return histogram_figure(frame, labels_of(experiment))
    if view in DIAGNOSE_TABS:
        return diagnose_figure(view, experiment, memory_budget=memory_budget)
    if view == "training":
        return trained_figure(experiment, steps)
    if view == "race":
        return raced_figure(experiment, steps)
    raise ExperimentError("--view", f"got {view!r}; allowed: {', '.join(VIEW_TITLES)}, window")
