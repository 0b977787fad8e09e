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
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import QGraphicsRectItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from initviz.engine import mean_field, network, theory
from initviz.engine.rescale import with_variance_factor
from initviz.errors import ExperimentError
from initviz.model.document import Document, Event
from initviz.model.experiment import parse_scheme, validated
from initviz.ui import diag_plot as dp
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_items import NO_PEN, cosmetic_pen
from initviz.ui.refusal import ERROR_STYLE

CLIP = math.log(4.0)  # |ln χ₁| where the shading saturates: ×4 per layer is 10⁶ over 10 layers
ORDERED = ("#2166ac", "#67a9cf", "#d1e5f0")  # deep → light, as χ₁ rises to 1
CHAOTIC = ("#fee0b6", "#f1a340", "#b35806")  # light → deep, as χ₁ rises from 1
EDGE = "#111111"
CHI1_TICKS = ((0.25, "¼"), (0.5, "½"), (1.0, "1"), (2.0, "2"), (4.0, "4"))
LABEL = "Drag on the phase diagram"
REGION_TEXTS = {"ordered": ("ordered:\ngradients vanish", "ordered"),  # two lines, or one word where that
                "chaotic": ("chaotic:\ngradients explode", "chaotic")}  # is all that fits
EDGE_TEXT = "edge of chaos"
X_FLOOR = 0.005  # σ_w² stays above this fraction of its axis (σ_w² > 0)
ZERO_BIAS = 0.005  # σ_b² below this fraction of its axis means no bias (zeros)
NUDGE, BIG_NUDGE = 1 / 50, 1 / 10  # arrow-key steps, as fractions of the axes
TALL, WIDE = 1.0, 1.6  # plot height ÷ width at most, width ÷ height at most
CHROME = (190.0, 70.0)  # axes and colour bar around the plot (px), until measured
LABEL_FILL = pg.mkBrush(255, 255, 255, 215)
PAD_PX = 13.0  # grey margin left of σ_w² = 0 and under σ_b² = 0, so a point there shows whole


def phase_colour_map() -> pg.ColorMap:
    """Blue below χ₁ = 1, orange above, with a hard edge at 1: every pixel says which side it is."""
    eps = 1e-4
    stops = [0.0, 0.25, 0.5 - eps, 0.5 + eps, 0.75, 1.0]
    return pg.ColorMap(stops, [QColor(c) for c in ORDERED + CHAOTIC])


def shading(chi1: np.ndarray) -> np.ndarray:
    """ln χ₁ clipped to ±CLIP (χ₁ = 0 gives −CLIP; NaN stays NaN: drawn transparent)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(np.log(np.asarray(chi1, dtype=np.float64)), -CLIP, CLIP)


def activation_text(phase: Any) -> str:
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in phase.params)
    return f"{phase.activation}({params})" if params else phase.activation


def _fmt(value: float) -> str:
    return "0" if value == 0 else f"{value:.3g}"


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def layer_point(experiment: Any, layers: tuple[int, ...]) -> tuple[float, float]:
    """Mean σ_w² = fan_in·Var(W) and mean σ_b² = E[b²] over ``layers`` (as the PhaseMap's point)."""
    sw2 = [experiment.fans(i)[0] * network.weight_law(experiment, i).variance() for i in layers]
    sb2 = [theory.bias_law(experiment, i).second_moment() for i in layers]
    return float(np.mean(sw2)), float(np.mean(sb2))


def point_edits(base: Any, layers: tuple[int, ...], factor: float | None, bias_std: float | None
                ) -> list[tuple[str, Any, tuple[int, ...]]]:
    """(field, value, layers) edits that move ``layers`` of ``base`` to Var(W) × ``factor`` and
    bias N(0, bias_std²) (0: zeros); None keeps ``base``'s. Layers given the same value share an
    edit. Raises :class:`ExperimentError` before anything changes, e.g. for ``eye``."""
    groups: dict[tuple[str, str], tuple[Any, list[int]]] = {}
    for i in layers:
        layer = base.layers[i]
        init: Any = layer.init.to_json()
        if factor is not None:
            gain = network.layer_context(base, i).activation_gain
            name, kwargs = with_variance_factor(layer.init.name, layer.init.kwargs, factor, gain, f"layers[{i}].init")
            init = {"name": name, **kwargs}
        bias: Any = layer.bias.to_json()
        if bias_std is not None:
            bias = {"name": "normal", "std": bias_std} if bias_std > 0 else "zeros"
        for field, value in (("init", init), ("bias", bias)):
            groups.setdefault((field, repr(value)), (value, []))[1].append(i)
    edits = [(field, value, tuple(rows)) for (field, _), (value, rows) in groups.items()]
    layers_now = list(base.layers)
    for field, value, rows in edits:  # the whole move is valid, or none of it is applied
        for i in rows:
            parsed = parse_scheme(value, f"layers[{i}].{field}", for_bias=field == "bias")
            layers_now[i] = dataclasses.replace(layers_now[i], **{field: parsed})
    validated(dataclasses.replace(base, layers=tuple(layers_now)))
    return edits


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
        self._columns = np.zeros(0)
        self._obstacles: tuple[list[QRectF], QPainterPath] = ([], QPainterPath())
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
        self.plot = dp.fixed_plot(left="σ_b² = E[b²]", bottom="σ_w² = fan_in·Var(W)")
        cmap = phase_colour_map()
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(cmap.getLookupTable(nPts=256))
        self.image.setLevels((-CLIP, CLIP))
        self.plot.vb.addItem(self.image)
        self.outside = []  # σ_w² < 0 and σ_b² < 0: the margin that keeps a point on an axis whole
        for rect in (QRectF(-1e9, -1e9, 1e9, 2e9), QRectF(-1e9, -1e9, 2e9, 1e9)):
            item = QGraphicsRectItem(rect)
            item.setBrush(QBrush(QColor(hs.CELL_BACKGROUND)))
            item.setPen(NO_PEN)
            item.setZValue(5)
            self.plot.vb.addItem(item, ignoreBounds=True)
            self.outside.append(item)
        self.curve = pg.PlotDataItem([], [], pen=cosmetic_pen(EDGE, 4.0), connect="finite")
        self.curve.setZValue(10)
        self.plot.vb.addItem(self.curve)
        self.region_labels: dict[str, pg.TextItem] = {}
        for name, text in (("ordered", REGION_TEXTS["ordered"][0]), ("chaotic", REGION_TEXTS["chaotic"][0]),
                           ("edge", EDGE_TEXT)):
            item = pg.TextItem(text, color=EDGE if name == "edge" else hs.TEXT, fill=LABEL_FILL)
            item.setFont(hs.font(dp.LABEL_PT, bold=name == "edge"))
            item.setZValue(20)
            self.plot.vb.addItem(item, ignoreBounds=True)
            self.region_labels[name] = item
        self.marker = pg.TargetItem((0.0, 0.0), size=20, symbol="o", movable=True,
                                    pen=cosmetic_pen(EDGE, 3.0), brush=pg.mkBrush("#ffffff"),
                                    hoverPen=cosmetic_pen(EDGE, 4.0), hoverBrush=pg.mkBrush("#ffd400"),
                                    label="this net", labelOpts={"color": EDGE, "fill": LABEL_FILL,
                                                                 "offset": (14, -14), "anchor": (0, 1)})
        self.marker.label().setFont(hs.font(dp.LABEL_PT, bold=True))
        self.marker.setZValue(30)
        self.plot.vb.addItem(self.marker, ignoreBounds=True)
        self.marker.sigPositionChanged.connect(self._on_marker_moved)
        self.marker.sigPositionChangeFinished.connect(lambda *_: self.finish_drag())
        self.placeholder = dp.CentredText(self.plot.vb)
        self.bar = pg.ColorBarItem(values=(-CLIP, CLIP), colorMap=cmap, interactive=False, width=22,
                                   colorMapMenu=False, pen=cosmetic_pen(hs.AXIS, 1.0))
        dp.style_axis(self.bar.axis, "χ₁ = gradient factor per layer")
        ticks = [(math.log(v), text) for v, text in CHI1_TICKS]
        self.bar.axis.setTicks([ticks, []])
        dp.fit_axis_width(self.bar.axis, [text for _, text in ticks])
        self.canvas.ci.addItem(self.plot, row=0, col=0)
        self.canvas.ci.addItem(self.bar, row=0, col=1)
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
            for item in (self.image, self.curve, self.marker, *self.region_labels.values()):
                item.hide()
            self.placeholder.show_text(dp.COMPUTING)
            self.title_label.setText("Mean-field phase diagram")
            self.readout_label.setText("")
            self.hint.setText("")
            return
        self.placeholder.hide()
        self._draw_map(phase)
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

    def _draw_map(self, phase: Any) -> None:
        """The shading, one image pixel per grid point, and the χ₁ = 1 line."""
        sw2, sb2 = phase.sigma_w2, phase.sigma_b2
        values, self._columns = shading(phase.chi1), np.asarray(sw2, dtype=np.float64)
        dx = (sw2[-1] - sw2[0]) / max(len(sw2) - 1, 1)
        dy = (sb2[-1] - sb2[0]) / max(len(sb2) - 1, 1)
        if np.allclose(np.diff(sw2), dx) and math.isclose(sw2[0], dx):  # χ₁ = 0 at σ_w² = 0: no gap at the axis
            values = np.vstack([np.full((1, values.shape[1]), -CLIP), values])
            self._columns = np.concatenate([[0.0], self._columns])
        self.image.setImage(values, autoLevels=False, levels=(-CLIP, CLIP))
        x0 = self._columns[0] - dx / 2
        self.image.setRect(QRectF(x0, sb2[0] - dy / 2, sw2[-1] + dx / 2 - x0, sb2[-1] - sb2[0] + dy))
        self.curve.setData(np.asarray(phase.critical_sigma_w2, dtype=np.float64), np.asarray(sb2, dtype=np.float64))
        for item in (self.image, self.curve, self.marker):
            item.show()

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
                    raise ExperimentError("init", f"Var(W) is {_fmt(gesture.start[0])}: there is no spread to "
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
        self._status = f"σ_w² = {_fmt(x)}, σ_b² = {_fmt(y)}, χ₁ = {_fmt(chi1)} → {verdict}"
        depth = len(phase.layers)
        lines = [f"<b>{self._status}</b>"]
        if math.isfinite(chi1) and chi1 > 0:
            lines.append(f'<span style="font-weight: normal; font-size: {dp.LABEL_PT:g}pt;">gradient variance over '
                         f"{depth} layer{'s' if depth > 1 else ''}: × χ₁{_superscript(depth)} = "
                         f"{_fmt(chi1 ** depth)}</span>")
        self.readout_label.setText("<br>".join(lines))

    def _place_labels(self, *_: Any) -> None:
        """Region labels in corners of their region (two lines, or one word where that is all
        that fits), the edge label beside the visible χ₁ = 1 line: none over another, the line or
        the point (placed again when a drag ends)."""
        phase, labels = self._phase, self.region_labels
        if phase is None or self.plot.vb.width() < 10:
            return
        self._fit_range()
        self.bar.layout.setContentsMargins(0, 0, 0, self.plot.getAxis("bottom").height())  # bar as tall as the map
        x, y = np.asarray(phase.critical_sigma_w2), np.asarray(phase.sigma_b2)
        line = QPainterPath()
        for k in np.flatnonzero(np.isfinite(x)):
            at = self.plot.vb.mapViewToScene(QPointF(x[k], y[k]))
            line.lineTo(at) if line.elementCount() else line.moveTo(at)
        stroker = QPainterPathStroker()
        stroker.setWidth(8.0)
        taken = [self._marker_box()]
        self._obstacles = (taken, stroker.createStroke(line))
        corners = {(0, 1): phase.chi1[0, -1], (1, 1): phase.chi1[-1, -1], (0, 0): phase.chi1[0, 0],
                   (1, 0): phase.chi1[-1, 0]}
        for name, inside in (("ordered", lambda c: c < 1), ("chaotic", lambda c: c > 1)):
            spots = sorted((c for c, v in corners.items() if np.isfinite(v) and v > 0 and inside(v)),
                           key=lambda c: -abs(math.log(corners[c])))
            options = [(text, *self._corner(c)) for text in REGION_TEXTS[name] for c in spots]
            labels[name].setVisible(bool(options))
            if options:  # where nothing fits, the one word in the deepest corner
                taken.append(self._put(labels[name], options, fallback=options[len(spots)]))
        (x0, x1), (y0, y1) = self._range
        seen = np.flatnonzero(np.isfinite(x) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        middle = sorted(seen, key=lambda k: abs(k - seen[len(seen) // 2])) if len(seen) else []
        options = [(EDGE_TEXT, (x[k], y[k]), anchor, (8 - 16 * anchor[0], 8 - 16 * anchor[1]))
                   for k in middle for anchor in ((0, 1), (1, 1), (0, 0), (1, 0))]
        labels["edge"].setVisible(self._put(labels["edge"], options) is not None)

    def _corner(self, corner: tuple[int, int]) -> tuple[tuple[float, float], tuple[int, int], tuple[float, float]]:
        """(view point, text anchor, pixel shift) of a label tucked into a corner of the data range."""
        (x0, x1), (y0, y1) = self._range
        right, top = corner
        return (x1 if right else x0, y1 if top else y0), (right, 0 if top else 1), (-6.0 if right else 6.0,
                                                                                    6.0 if top else -6.0)

    def _put(self, item: pg.TextItem, options: list, fallback: tuple | None = None) -> QRectF | None:
        """Place ``item`` as the first (text, view point, anchor, pixel shift) option whose box is
        inside the plot and free of the obstacles, else as ``fallback``; None if neither."""
        view, (taken, line) = self.plot.vb.sceneBoundingRect(), self._obstacles

        def box(option: tuple) -> tuple[QPointF, QRectF]:
            text, point, anchor, shift = option
            if item.toPlainText() != text:
                item.setText(text)
            size = item.textItem.mapRectToParent(item.textItem.boundingRect()).size()
            at = self.plot.vb.mapViewToScene(QPointF(*point)) + QPointF(*shift)
            return at, QRectF(at.x() - anchor[0] * size.width(), at.y() - anchor[1] * size.height(),
                              size.width(), size.height())
        for option in options:
            at, rect = box(option)
            if view.contains(rect) and not line.intersects(rect) and not any(rect.intersects(t) for t in taken):
                break
        else:
            if fallback is None:
                return None
            option = fallback
            at, rect = box(option)
        item.setAnchor(option[2])
        item.setPos(self.plot.vb.mapSceneToView(at))
        return rect

    def _marker_box(self) -> QRectF:
        """The point and its "this net" label in scene pixels; the label goes up and to whichever
        side has room."""
        (x0, x1), (y0, y1) = self._range
        x, y = self.marker_position()
        label = self.marker.label()
        left = (x - x0) > 0.3 * (x1 - x0)
        up = (y - y0) < 0.8 * (y1 - y0)
        label.offset = pg.Point(-14 if left else 14, 14 if up else -14)
        label.setAnchor((1 if left else 0, 1 if up else 0))
        label.viewTransformChanged()
        at = self.plot.vb.mapViewToScene(QPointF(x, y))
        size = label.textItem.mapRectToParent(label.textItem.boundingRect()).size()
        box = QRectF(at.x() - 12, at.y() - 12, 24, 24)
        text = QRectF(at.x() + (-14 - size.width() if left else 14), at.y() + (-14 - size.height() if up else 14),
                      size.width(), size.height())
        return box.united(text)

    def _fit_range(self) -> None:
        """The data range, with a few pixels of grey margin so a point on an axis is whole."""
        (x0, x1), (y0, y1) = self._range
        vb = self.plot.vb
        pad_x = PAD_PX * (x1 - x0) / max(vb.width() - PAD_PX, 1.0)
        pad_y = PAD_PX * (y1 - y0) / max(vb.height() - PAD_PX, 1.0)
        vb.setRange(xRange=(x0 - pad_x, x1), yRange=(y0 - pad_y, y1), padding=0.0)

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
        pos = self.marker.pos()
        return float(pos.x()), float(pos.y())

    def image_values(self) -> np.ndarray | None:
        """The shading drawn (clipped ln χ₁), [i, j] at (``image_columns()[i]``, σ_b²[j]); None
        when none is. A first column at σ_w² = 0 (χ₁ = 0) is added when the grid starts one step
        away from it."""
        return None if self._phase is None or self.image.image is None else np.array(self.image.image)

    def image_columns(self) -> np.ndarray:
        """The σ_w² of each column of :meth:`image_values`."""
        return np.array(self._columns)

    def image_rect(self) -> QRectF:
        return self.image.mapRectToParent(self.image.boundingRect())

    def critical_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The finite points of the χ₁ = 1 line as drawn: (σ_w², σ_b²)."""
        x, y = self.curve.getData()
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
        return self.placeholder.shown_text()

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        return (float(x0), float(x1)), (float(y0), float(y1))
