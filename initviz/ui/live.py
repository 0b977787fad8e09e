"""Live updates: every document change is simulated in the background and drawn.

Document event -> ComputeController.request (debounced, stale results dropped) ->
HistogramPanel.show_frame. When an edit changes an init scheme, the frame on screen is
kept as the ghost, so before/after stays visible.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from initviz.engine.frame import Frame
from initviz.model.document import Document, Event
from initviz.ui.compute import ComputeController
from initviz.ui.histograms import HistogramPanel
from initviz.ui.layer_model import layer_label


class LiveView(QObject):
    """Glue between the document, the worker and the histogram panel."""

    status = Signal(str)
    stale = Signal(str)  # the picture no longer matches the experiment, and why
    frame_shown = Signal(object)

    def __init__(self, document: Document, panel: HistogramPanel, compute: ComputeController, parent=None,
                 diagnose: Any = None):
        super().__init__(parent)
        self.document, self.panel, self.compute, self.diagnose = document, panel, compute, diagnose
        self._inits = self._init_names()
        compute.frame_ready.connect(self.show)
        compute.failed.connect(self._failed)
        compute.busy_changed.connect(lambda busy: busy and self.status.emit("computing…"))
        document.subscribe(self._on_event)
        panel.kinds_changed.connect(self._on_kinds)
        if diagnose is not None:
            diagnose.needs_changed.connect(self.request)

    def _init_names(self) -> tuple:
        return tuple(layer.init for layer in self.document.experiment.layers)

    def _on_event(self, event: Event) -> None:
        """Keep the picture on screen as the ghost when an edit changed some layer's init scheme
        (once per slider drag; not when layers were added, removed or moved: the ghost is matched row by row)."""
        inits = self._init_names()
        if (event.kind == "changed" and not event.continued and inits != self._inits
                and self.panel.frame() is not None):  # a drag keeps the picture from before it began
            self.panel.capture_ghost()
        elif event.kind in ("inserted", "removed", "moved", "reset"):
            self.panel.clear_ghost()
        self._inits = inits
        self.request(interactive=event.continued)

    def _failed(self, message: str) -> None:
        self.status.emit(f"⚠ {message}")
        self.stale.emit(f"⚠ Histograms not updated for the current experiment — {message}")

    def _on_kinds(self, kinds: tuple) -> None:
        frame = self.panel.frame()
        if frame is None or not set(kinds) <= set(frame.kinds):  # only what is on screen is summarised
            self.request()

    def needs(self) -> tuple[tuple[str, ...], tuple[str, ...], int | None]:
        """Kinds the histograms show plus what the diagnostics on screen need."""
        kinds, extras, layer = self.panel.kinds(), (), None
        if self.diagnose is not None:
            more, extras = self.diagnose.needs()
            kinds, layer = tuple(dict.fromkeys(kinds + tuple(more))), self.diagnose.similarity_layer
        return kinds, extras, layer

    def request(self, interactive: bool = False) -> None:
        kinds, extras, layer = self.needs()
        self.compute.request(self.document.experiment, kinds, interactive, extras, layer)

    def show(self, frame: Frame) -> None:
        """Draw ``frame`` with the current layer labels and report it in the status bar."""
        experiment = self.document.experiment
        if len(frame.layers) != len(experiment.layers):
            return  # belongs to another layer stack; a fresh request is already on its way
        labels = [layer_label(i, layer) for i, layer in enumerate(experiment.layers)]
        self.panel.show_frame(frame, labels)
        if self.diagnose is not None:
            self.diagnose.show_frame(frame, labels)
        self.stale.emit("")
        bad = frame.n_nonfinite
        warning = f" · ⚠ {bad:,} non-finite values (NaN/Inf)" if bad else ""
        rows = f" · preview on {frame.rows} of {frame.preview_of} rows" if frame.preview_of else ""
        self.status.emit(f"computed in {frame.seconds * 1000:.0f} ms{rows} · loss {frame.loss:.4g}{warning}")
        self.frame_shown.emit(frame)
