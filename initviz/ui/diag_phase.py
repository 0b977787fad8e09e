"""PhaseDiagramView: where the stack sits on the mean-field phase diagram, and a point to drag.

The picture of Poole et al. 2016 (fig. 1) and Schoenholz et al. 2017: x = σ_w² = fan_in·Var(W),
y = σ_b² = E[b²], shaded by χ₁ = σ_w² E[φ'(z*)²], the factor by which the gradient variance
changes per layer — blue where χ₁ < 1 (ordered: gradients vanish), orange where χ₁ > 1
(chaotic: they explode), deeper the further |ln χ₁| is from 0 (saturating at χ₁ = ¼ and 4);
the χ₁ = 1 line (edge of chaos) in bold black. Drawn from ``frame.diagnostics.phase``
(:class:`~initviz.engine.diagnostics.PhaseMap`).

The experiment is the white point (the mean over the layers with the plotted activation).
Dragging it re-initialises those layers live, as ONE undo step per gesture: left–right
multiplies every such layer's Var(W) by the same factor (σ_w² wanted ÷ σ_w² at the start of
the drag, :func:`~initviz.engine.rescale.with_variance_factor`, so their relative differences
stay); up–down, once it moved, sets their bias to N(0, σ_b²) (zeros at σ_b² ≈ 0). Arrow keys
nudge it (Shift: bigger steps). :meth:`PhaseDiagramView.drag_to` / :meth:`finish_drag` do what
the mouse does. A scheme that cannot be rescaled (``eye``) is refused with a message.

The plot items, the shading and the label placement live in :mod:`initviz.ui.diag_phase_parts`
(its public names are re-exported here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from initviz.engine import mean_field
from initviz.errors import ExperimentError
from initviz.model.document import Document, Event
from initviz.ui import diag_plot as dp
from initviz.ui import histogram_style as hs
from initviz.ui.diag_phase_parts import (CHAOTIC, CHI1_TICKS, CLIP, EDGE, EDGE_TEXT, LABEL_FILL, ORDERED, PAD_PX,
                                         REGION_TEXTS, PhasePlot, activation_text, layer_point, number_text,
                                         phase_colour_map, point_edits, shading, superscript)
from initviz.ui.refusal import ERROR_STYLE

__all__ = [
    "BIG_NUDGE", "CHAOTIC", "CHI1_TICKS", "CHROME", "CLIP", "EDGE", "EDGE_TEXT", "LABEL", "LABEL_FILL", "NUDGE",
    "ORDERED", "PAD_PX", "REGION_TEXTS", "TALL", "WIDE", "X_FLOOR", "ZERO_BIAS", "PhaseDiagramView", "PhasePlot",
    "activation_text", "layer_point", "phase_colour_map", "point_edits", "shading",
]

LABEL = "Drag on the phase diagram"
X_FLOOR = 0.005  # σ_w² stays above this fraction of its axis (σ_w² > 0)
ZERO_BIAS = 0.005  # σ_b² below this fraction of its axis means no bias (zeros)
NUDGE, BIG_NUDGE = 1 / 50, 1 / 10  # arrow-key steps, as fractions of the axes
TALL, WIDE = 1.0, 1.6  # plot height ÷ width at most, width ÷ height at most
CHROME = (190.0, 70.0)  # axes and colour bar around the plot (px), until measured


@dataclass
class _Gesture:
    """One drag: its undo key, the experiment and point it started from."""

    key: object
    base: Any
    layers: tuple[int, ...]
    start: tuple[float, float]
    last: tuple[float, float]


class PhaseDiagramView(QWidget):
    """χ₁ over (σ_w², σ_b²) with the edge of chaos and the experiment as a draggable point.

    ``edited(text)`` after every accepted move of the point (a status line)."""

    edited = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        self._phase: Any = None
        self._range = ((0.0, 1.0), (0.0, 1.0))
        self._gesture: _Gesture | None = None
        self._placing = False  # the marker is being put somewhere by code, not dragged
        self._applying = False
        self._status = ""
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFont(hs.font(dp.LABEL_PT))
        self._build_plot()
        self._build_labels()
        unsubscribe = document.subscribe(self._on_event)
        self.destroyed.connect(lambda *_: unsubscribe())
        self.show_frame(None, [])

    # --- construction ----------------------------------------------------------------------
    def _build_plot(self) -> None:
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(hs.BACKGROUND)
        self.canvas.ci.setContentsMargins(4, 8, 8, 4)
        self.diagram = PhasePlot()
        self.plot, self.image, self.marker = self.diagram.plot, self.diagram.image, self.diagram.marker
        self.region_labels = self.diagram.region_labels
        self.marker.sigPositionChanged.connect(self._on_marker_moved)
        self.marker.sigPositionChangeFinished.connect(lambda *_: self.finish_drag())
        self.canvas.ci.addItem(self.plot, row=0, col=0)
        self.canvas.ci.addItem(self.diagram.bar, row=0, col=1)
        self.plot.vb.sigResized.connect(self._place_labels)

    def _build_labels(self) -> None:
        def label(point: float, bold: bool = False, colour: str = hs.TEXT) -> QLabel:
            widget = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
            widget.setStyleSheet(f"color: {colour}; font-size: {point:g}pt;" + (" font-weight: bold;" if bold else ""))
            return widget
        self.title_label = label(dp.TITLE_PT, bold=True)
        self.legend = label(dp.TICK_PT)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        items = ((f'<span style="color:{ORDERED[0]}">&#9632;</span>', "ordered: gradients vanish (χ₁ &lt; 1)"),
                 (f'<span style="color:{CHAOTIC[2]}">&#9632;</span>', "chaotic: gradients explode (χ₁ &gt; 1)"),
                 ("<b>&#9473;&#9473;</b>", "edge of chaos (χ₁ = 1)"), ("&#9711;", "this net: drag it"))
        self.legend.setText(" &nbsp; ".join(f"{mark}&nbsp;{text.replace(' ', '&nbsp;')}" for mark, text in items))
        self.readout_label = label(dp.TITLE_PT)
        self.readout_label.setTextFormat(Qt.TextFormat.RichText)
        self.hint = label(dp.TICK_PT, colour=hs.MUTED_TEXT)
        self.error = label(dp.LABEL_PT)
        self.error.setStyleSheet(ERROR_STYLE + f" font-size: {dp.LABEL_PT:g}pt;")
        self.error.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.canvas, 1000)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title_label)
        layout.addLayout(row, 1)
        for widget in (self.legend, self.readout_label, self.error, self.hint):
            layout.addWidget(widget)
        layout.addStretch(0)

    # --- what the window calls -------------------------------------------------------------
    def needs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """No tensor kinds; the ``phase`` map and the ``theory`` of each layer."""
        return (), ("phase", "theory")

    def show_frame(self, frame: Any, labels: list[str]) -> None:
        """Draw ``frame.diagnostics.phase`` (None, or not computed: "computing…"). During a drag
        the marker and the axes stay where the drag put them."""
        diagnostics = getattr(frame, "diagnostics", None)
        phase = getattr(diagnostics, "phase", None)
        self._phase = phase
        n_layers = len(frame.layers) if frame is not None else 0
        if phase is None:
            self.diagram.hide_map()
            self.diagram.placeholder.show_text(dp.COMPUTING)
            self.title_label.setText("Mean-field phase diagram")
            self.readout_label.setText("")
            self.hint.setText("")
            return
        self.diagram.placeholder.hide()
        self.diagram.draw_map(phase)
        n = len(phase.layers)
        what = f"{n} layer{'s' if n > 1 else ''} of {activation_text(phase)}"
        self.title_label.setText(f"Mean-field phase diagram: {what}" + (f" (of {n_layers})" if n < n_layers else ""))
        self.hint.setText(f"Drag the point (or use the arrow keys): left–right scales Var(W), up–down sets "
                          f"the bias spread of the {n} {activation_text(phase)} layer{'s' if n > 1 else ''}. "
                          "One drag is one undo step.")
        if self._gesture is None:  # a drag owns the point and the axes until it ends
            self._range = ((0.0, float(phase.sigma_w2[-1])), (0.0, float(phase.sigma_b2[-1])))
            self._place_marker(phase.point)
            self._set_readout(phase.point)
            self._place_labels()
        self._fit()

    # --- dragging --------------------------------------------------------------------------
    def drag_to(self, sigma_w2: float, sigma_b2: float) -> bool:
        """Move the point to (σ_w², σ_b²) as a mouse drag would (clamped to the axes), starting a
        gesture if none is open: one undo step until :meth:`finish_drag`. False when refused
        (the reason shows under the plot) or when there is no diagram yet."""
        gesture = self._gesture or self._start_gesture()
        if gesture is None:
            return False
        (x0, x1), (y0, y1) = self._range
        x = min(max(float(sigma_w2), x1 * X_FLOOR), x1)
        y = min(max(float(sigma_b2), y0), y1)
        moved_x = not math.isclose(x, gesture.start[0], rel_tol=1e-12, abs_tol=0.0)
        moved_y = not math.isclose(y, gesture.start[1], rel_tol=1e-12, abs_tol=1e-15)
        if moved_y and y <= y1 * ZERO_BIAS:  # near the axis means no bias; a tiny start bias stays unless moved
            y, moved_y = 0.0, gesture.start[1] != 0.0
        try:
            factor = None
            if moved_x:
                if not gesture.start[0] > 0 or not math.isfinite(gesture.start[0]):
                    raise ExperimentError("init", f"Var(W) is {number_text(gesture.start[0])}: there is no spread to "
                                                  "scale; pick a random scheme first (e.g. xavier_uniform)")
                factor = x / gesture.start[0]
            edits = point_edits(gesture.base, gesture.layers, factor, math.sqrt(y) if moved_y else None)
            self._apply(edits, gesture.key)
        except ExperimentError as err:
            self._show_error(f"Refused — {err}")
            self._place_marker(gesture.last)
            return False
        self._show_error("")
        gesture.last = (x, y)
        self._place_marker(gesture.last)
        self._set_readout(gesture.last)
        self.edited.emit(f"{LABEL}: {self._status}")
        return True

    def finish_drag(self) -> None:
        """End the gesture: the next move starts a new undo step and frames move the point again."""
        if self._gesture is None:
            return
        self._gesture = None
        if self._phase is not None:
            self._range = ((0.0, float(self._phase.sigma_w2[-1])), (0.0, float(self._phase.sigma_b2[-1])))
            self._place_labels()

    def is_dragging(self) -> bool:
        return self._gesture is not None

    def _start_gesture(self) -> _Gesture | None:
        phase, base = self._phase, self._document.experiment
        if phase is None:
            return None
        key = (phase.activation, phase.params)
        layers = tuple(i for i, layer in enumerate(base.layers)
                       if (layer.activation.name, tuple(sorted(layer.activation.kwargs.items()))) == key)
        try:
            if not layers:
                raise ExperimentError("activation", f"no layer uses {activation_text(phase)} any more; "
                                                    "wait for the diagram to update")
            start = layer_point(base, layers)
        except (ExperimentError, OverflowError) as err:
            self._show_error(f"Refused — {err}")
            return None
        self._gesture = _Gesture(object(), base, layers, start, start)
        return self._gesture

    def _apply(self, edits: list[tuple[str, Any, tuple[int, ...]]], key: object) -> None:
        self._applying = True
        try:
            for field, value, rows in edits:
                self._document.set_layer_field(rows, field, value, merge_key=key, label=LABEL)
        finally:
            self._applying = False

    def _on_marker_moved(self, *_: Any) -> None:
        if self._placing or self._phase is None:
            return
        gesture = self._gesture or self._start_gesture()
        if gesture is None:
            self._place_marker(self._phase.point)
            return
        pos = self.marker.pos()
        px, py = self.plot.vb.viewPixelSize()
        x = gesture.start[0] if abs(pos.x() - gesture.start[0]) < px else pos.x()  # a hand's jitter is
        y = gesture.start[1] if abs(pos.y() - gesture.start[1]) < py else pos.y()  # not a move
        self.drag_to(x, y)

    def keyPressEvent(self, event: Any) -> None:
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Down: (0, -1), Qt.Key.Key_Up: (0, 1)}
        step = steps.get(event.key())
        if step is None or self._phase is None:
            super().keyPressEvent(event)
            return
        size = BIG_NUDGE if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else NUDGE
        (_, x1), (_, y1) = self._range
        x, y = self.marker_position()
        self.drag_to(x + step[0] * size * x1, y + step[1] * size * y1)

    def keyReleaseEvent(self, event: Any) -> None:
        if not event.isAutoRepeat():  # holding a key is one gesture
            self.finish_drag()
        super().keyReleaseEvent(event)

    # --- drawing ---------------------------------------------------------------------------
    def _place_marker(self, point: tuple[float, float]) -> None:
        self._placing = True
        try:
            self.marker.setPos(float(point[0]), float(point[1]))
        finally:
            self._placing = False

    def _set_readout(self, point: tuple[float, float]) -> None:
        phase = self._phase
        if phase is None:  # a frame without the map came during a drag
            return
        x, y = point
        chi1 = float(mean_field.chi1(phase.activation, dict(phase.params), x, y))
        verdict = mean_field.phase(chi1) if math.isfinite(chi1) else "undefined"
        self._status = (f"σ_w² = {number_text(x)}, σ_b² = {number_text(y)}, χ₁ = {number_text(chi1)} "
                        f"→ {verdict}")
        depth = len(phase.layers)
        lines = [f"<b>{self._status}</b>"]
        if math.isfinite(chi1) and chi1 > 0:
            lines.append(f'<span style="font-weight: normal; font-size: {dp.LABEL_PT:g}pt;">gradient variance over '
                         f"{depth} layer{'s' if depth > 1 else ''}: × χ₁{superscript(depth)} = "
                         f"{number_text(chi1 ** depth)}</span>")
        if depth > 1:  # layers with other fans sit elsewhere: say what the point stands for
            lines.append(f'<span style="font-weight: normal; font-size: {dp.LABEL_PT:g}pt;">the point is the mean '
                         f"σ_w², σ_b² of the {depth} {phase.activation} layers; a drag scales each by the same "
                         "factor</span>")
        self.readout_label.setText("<br>".join(lines))

    def _place_labels(self, *_: Any) -> None:
        """Region labels and the edge label where they cover nothing (placed again when a drag ends)."""
        if self._phase is not None:
            self.diagram.place_labels(self._phase, self._range)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _on_event(self, event: Event) -> None:
        if not self._applying:
            self._show_error("")  # another edit: the refusal is about a state that is gone

    # --- layout ----------------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Keep the plot between TALL and WIDE: the canvas is capped, the rest stays empty."""
        vb = self.plot.vb.rect()
        chrome_w, chrome_h = CHROME
        if vb.width() > 10 and vb.height() > 10 and self.canvas.width() > vb.width():
            chrome_w, chrome_h = self.canvas.width() - vb.width(), self.canvas.height() - vb.height()
        width = self.width() - 12
        others = sum((w.heightForWidth(width) if w.hasHeightForWidth() else w.sizeHint().height()) + 4
                     for w in (self.title_label, self.legend, self.readout_label, self.error, self.hint)
                     if w.isVisibleTo(self))
        height = self.height() - 8 - others
        view_w, view_h = width - chrome_w, height - chrome_h
        self.canvas.setMaximumHeight(max(int(min(height, TALL * view_w + chrome_h)), 120))
        self.canvas.setMaximumWidth(max(int(min(width, WIDE * view_h + chrome_w)), 160))

    # --- inspection (tests, export) --------------------------------------------------------
    def marker_position(self) -> tuple[float, float]:
        return self.diagram.marker_position()

    def image_values(self) -> np.ndarray | None:
        """The shading drawn (clipped ln χ₁), [i, j] at (``image_columns()[i]``, σ_b²[j]); None
        when none is. A first column at σ_w² = 0 (χ₁ = 0) is added when the grid starts one step
        away from it."""
        return None if self._phase is None or self.image.image is None else np.array(self.image.image)

    def image_columns(self) -> np.ndarray:
        """The σ_w² of each column of :meth:`image_values`."""
        return np.array(self.diagram.columns)

    def image_rect(self) -> QRectF:
        return self.image.mapRectToParent(self.image.boundingRect())

    def critical_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The finite points of the χ₁ = 1 line as drawn: (σ_w², σ_b²)."""
        x, y = self.diagram.curve.getData()
        if x is None:
            return np.zeros(0), np.zeros(0)
        keep = np.isfinite(x) & np.isfinite(y)
        return np.asarray(x)[keep], np.asarray(y)[keep]

    def title(self) -> str:
        return self.title_label.text()

    def readout(self) -> str:
        return self._status if self._phase is not None else ""

    def error_text(self) -> str:
        return self.error.text() if self.error.isVisibleTo(self) else ""

    def placeholder_text(self) -> str:
        return self.diagram.placeholder.shown_text()

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        return (float(x0), float(x1)), (float(y0), float(y1))
