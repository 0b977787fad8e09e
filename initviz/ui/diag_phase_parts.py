"""The picture of :class:`~initviz.ui.diag_phase.PhaseDiagramView`, and the helpers behind it.

- :class:`PhasePlot`: the plot items — χ₁ shading over (σ_w², σ_b²) (:func:`shading` on
  :func:`phase_colour_map`: blue below χ₁ = 1, orange above), a grey margin left of σ_w² = 0
  and under σ_b² = 0, the χ₁ = 1 line, the region labels (placed so that none covers another,
  the line or the point), the draggable "this net" marker and the colour bar.
- :func:`layer_point` and :func:`point_edits`: where a set of layers sits on the diagram, and the
  edits that move it there.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import QGraphicsRectItem

from initviz.engine import network, theory
from initviz.engine.rescale import with_variance_factor
from initviz.model.experiment import parse_scheme, validated
from initviz.ui import diag_plot as dp
from initviz.ui import histogram_style as hs
from initviz.ui.histogram_items import NO_PEN, cosmetic_pen

CLIP = math.log(4.0)  # |ln χ₁| where the shading saturates: ×4 per layer is 10⁶ over 10 layers
ORDERED = ("#2166ac", "#67a9cf", "#d1e5f0")  # deep → light, as χ₁ rises to 1
CHAOTIC = ("#fee0b6", "#f1a340", "#b35806")  # light → deep, as χ₁ rises from 1
EDGE = "#111111"
CHI1_TICKS = ((0.25, "¼"), (0.5, "½"), (1.0, "1"), (2.0, "2"), (4.0, "4"))
REGION_TEXTS = {"ordered": ("ordered:\ngradients vanish", "ordered"),  # two lines, or one word where that
                "chaotic": ("chaotic:\ngradients explode", "chaotic")}  # is all that fits
EDGE_TEXT = "edge of chaos"
LABEL_FILL = pg.mkBrush(255, 255, 255, 215)
PAD_PX = 13.0  # grey margin left of σ_w² = 0 and under σ_b² = 0, so a point there shows whole

Range = tuple[tuple[float, float], tuple[float, float]]  # ((σ_w² from, to), (σ_b² from, to))


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


def number_text(value: float) -> str:
    return "0" if value == 0 else f"{value:.3g}"


def superscript(n: int) -> str:
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


class PhasePlot:
    """χ₁ shading, the χ₁ = 1 line, region labels, the marker and the colour bar: ``plot`` and
    ``bar`` go side by side in a GraphicsLayout. Holds no experiment; the data range is passed in."""

    def __init__(self) -> None:
        self.plot = dp.fixed_plot(left="σ_b² = E[b²]", bottom="σ_w² = fan_in·Var(W)")
        self.columns = np.zeros(0)
        self._obstacles: tuple[list[QRectF], QPainterPath] = ([], QPainterPath())
        cmap = phase_colour_map()
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(cmap.getLookupTable(nPts=256))
        self.image.setLevels((-CLIP, CLIP))
        self.plot.vb.addItem(self.image)
        # σ_w² < 0 and σ_b² < 0: the margin that keeps a point on an axis whole; sized to the data
        # range by _fit_range (rectangles of ±1e9 overflowed Qt's raster coordinates on a 0…500 ×
        # 0…0.5 map and covered all of it but the σ_b² = 0 row)
        self.outside = []
        for _ in range(2):
            item = QGraphicsRectItem()
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
        self.placeholder = dp.CentredText(self.plot.vb)
        self.bar = pg.ColorBarItem(values=(-CLIP, CLIP), colorMap=cmap, interactive=False, width=22,
                                   colorMapMenu=False, pen=cosmetic_pen(hs.AXIS, 1.0))
        dp.style_axis(self.bar.axis, "χ₁ = gradient factor per layer")
        ticks = [(math.log(v), text) for v, text in CHI1_TICKS]
        self.bar.axis.setTicks([ticks, []])
        dp.fit_axis_width(self.bar.axis, [text for _, text in ticks])

    def hide_map(self) -> None:
        for item in (self.image, self.curve, self.marker, *self.region_labels.values()):
            item.hide()

    def draw_map(self, phase: Any) -> None:
        """The shading, one image pixel per grid point, and the χ₁ = 1 line."""
        sw2, sb2 = phase.sigma_w2, phase.sigma_b2
        values, self.columns = shading(phase.chi1), np.asarray(sw2, dtype=np.float64)
        dx = (sw2[-1] - sw2[0]) / max(len(sw2) - 1, 1)
        dy = (sb2[-1] - sb2[0]) / max(len(sb2) - 1, 1)
        if np.allclose(np.diff(sw2), dx) and math.isclose(sw2[0], dx):  # χ₁ = 0 at σ_w² = 0: no gap at the axis
            values = np.vstack([np.full((1, values.shape[1]), -CLIP), values])
            self.columns = np.concatenate([[0.0], self.columns])
        self.image.setImage(values, autoLevels=False, levels=(-CLIP, CLIP))
        x0 = self.columns[0] - dx / 2
        self.image.setRect(QRectF(x0, sb2[0] - dy / 2, sw2[-1] + dx / 2 - x0, sb2[-1] - sb2[0] + dy))
        self.curve.setData(np.asarray(phase.critical_sigma_w2, dtype=np.float64), np.asarray(sb2, dtype=np.float64))
        for item in (self.image, self.curve, self.marker):
            item.show()

    def marker_position(self) -> tuple[float, float]:
        pos = self.marker.pos()
        return float(pos.x()), float(pos.y())

    def place_labels(self, phase: Any, data_range: Range) -> None:
        """Region labels in corners of their region (two lines, or one word where that is all
        that fits), the edge label beside the visible χ₁ = 1 line: none over another, the line or
        the point."""
        labels = self.region_labels
        if self.plot.vb.width() < 10:
            return
        self._fit_range(data_range)
        self.bar.layout.setContentsMargins(0, 0, 0, self.plot.getAxis("bottom").height())  # bar as tall as the map
        x, y = np.asarray(phase.critical_sigma_w2), np.asarray(phase.sigma_b2)
        line = QPainterPath()
        for k in np.flatnonzero(np.isfinite(x)):
            at = self.plot.vb.mapViewToScene(QPointF(x[k], y[k]))
            line.lineTo(at) if line.elementCount() else line.moveTo(at)
        stroker = QPainterPathStroker()
        stroker.setWidth(8.0)
        taken = [self._marker_box(data_range)]
        self._obstacles = (taken, stroker.createStroke(line))
        corners = {(0, 1): phase.chi1[0, -1], (1, 1): phase.chi1[-1, -1], (0, 0): phase.chi1[0, 0],
                   (1, 0): phase.chi1[-1, 0]}
        for name, inside in (("ordered", lambda c: c < 1), ("chaotic", lambda c: c > 1)):
            spots = sorted((c for c, v in corners.items() if np.isfinite(v) and v > 0 and inside(v)),
                           key=lambda c: -abs(math.log(corners[c])))
            options = [(text, *self._corner(c, data_range)) for text in REGION_TEXTS[name] for c in spots]
            labels[name].setVisible(bool(options))
            if options:  # where nothing fits, the one word in the deepest corner
                taken.append(self._put(labels[name], options, fallback=options[len(spots)]))
        (x0, x1), (y0, y1) = data_range
        seen = np.flatnonzero(np.isfinite(x) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        middle = sorted(seen, key=lambda k: abs(k - seen[len(seen) // 2])) if len(seen) else []
        options = [(EDGE_TEXT, (x[k], y[k]), anchor, (8 - 16 * anchor[0], 8 - 16 * anchor[1]))
                   for k in middle for anchor in ((0, 1), (1, 1), (0, 0), (1, 0))]
        labels["edge"].setVisible(self._put(labels["edge"], options) is not None)

    @staticmethod
    def _corner(corner: tuple[int, int], data_range: Range
                ) -> tuple[tuple[float, float], tuple[int, int], tuple[float, float]]:
        """(view point, text anchor, pixel shift) of a label tucked into a corner of the data range."""
        (x0, x1), (y0, y1) = data_range
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

    def _marker_box(self, data_range: Range) -> QRectF:
        """The point and its "this net" label in scene pixels; the label goes up and to whichever
        side has room."""
        (x0, x1), (y0, y1) = data_range
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

    def _fit_range(self, data_range: Range) -> None:
        """The data range, with a few pixels of grey margin so a point on an axis is whole."""
        (x0, x1), (y0, y1) = data_range
        vb = self.plot.vb
        pad_x = PAD_PX * (x1 - x0) / max(vb.width() - PAD_PX, 1.0)
        pad_y = PAD_PX * (y1 - y0) / max(vb.height() - PAD_PX, 1.0)
        vb.setRange(xRange=(x0 - pad_x, x1), yRange=(y0 - pad_y, y1), padding=0.0)
        wx, wy = x1 - x0, y1 - y0  # the margins reach two ranges beyond the view on every side
        left, below = self.outside
        left.setRect(QRectF(x0 - 2 * wx, y0 - 2 * wy, max(2 * wx - x0, 0.0), 5 * wy))
        below.setRect(QRectF(x0 - 2 * wx, y0 - 2 * wy, 5 * wx, max(2 * wy - y0, 0.0)))
