"""Decision regions of a 2-D classifier: the predicted class over the input plane, with the
training points on top, at the snapshot the scrubber shows (the latest while it follows).

The region colour is the class colour washed towards white where the network is unsure (its
top softmax probability near 1/classes), so the boundaries sharpen as it learns. Regions are
one ``pg.ImageItem`` (row-major: rows are y) over ``data_extent``; points one scatter item.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

from initviz.ui import histogram_style as hs
from initviz.ui.diag_plot import TITLE_PT, CentredText, fixed_plot

# Okabe & Ito's colour-blind-safe palette without red (kept for non-finite values) and black.
CLASS_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#b8a200", "#6a3d9a", "#8c564b")
POINT_SIZE = 7
WASH_SURE, WASH_UNSURE = 0.45, 0.92  # how far a region's colour goes to white when sure / unsure


def class_colour(index: int) -> QColor:
    return QColor(CLASS_COLOURS[index % len(CLASS_COLOURS)])


def region_image(predicted: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """RGB image (rows × cols × 3, uint8): each pixel its class colour, washed out by doubt."""
    palette = np.array([[c.red(), c.green(), c.blue()] for c in map(class_colour, range(len(CLASS_COLOURS)))],
                       dtype=np.float64)
    rgb = palette[predicted.astype(np.int64) % len(CLASS_COLOURS)]
    wash = (WASH_UNSURE + (WASH_SURE - WASH_UNSURE) * np.clip(confidence, 0.0, 1.0))[..., None]
    return np.round(rgb + (255.0 - rgb) * wash).astype(np.uint8)


class RegionsView(pg.GraphicsLayoutWidget):
    """The decision regions plot (square data aspect, no mouse)."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.setBackground(hs.BACKGROUND)
        self.plot = fixed_plot(left="x₂", bottom="x₁")
        self.plot.setAspectLocked(True)
        self.addItem(self.plot)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen("#222222", width=1.2))
        self.points.setZValue(10)
        self.plot.addItem(self.points)
        self.note = CentredText(self.plot.vb)
        self.step: int | None = None
        self._set_title("decision regions")

    def _set_title(self, text: str) -> None:
        self.plot.setTitle(f"<span style='color:{hs.TEXT}'><b>{text}</b></span>", size=f"{TITLE_PT:g}pt")

    def set_run(self, info: Any) -> None:
        """Scatter the run's training points and frame its data extent; clear the old regions."""
        self.image.clear()
        self.step = None
        if info is None or not info.has_regions:
            self.points.setData([], [])
            return
        (x0, x1), (y0, y1) = info.extent
        labels = np.asarray(info.y_train, dtype=np.int64)
        brushes = [pg.mkBrush(class_colour(k)) for k in range(int(info.n_classes))]
        self.points.setData(x=info.x_train[:, 0], y=info.x_train[:, 1], brush=[brushes[k] for k in labels])
        self.plot.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._set_title("decision regions")
        self.note.show_text("computing…")

    def show_regions(self, regions: Any) -> None:
        """Draw one snapshot's regions."""
        self.note.hide()
        (x0, x1), (y0, y1) = regions.x_range, regions.y_range
        rows, cols = regions.predicted.shape
        dx, dy = (x1 - x0) / max(cols - 1, 1), (y1 - y0) / max(rows - 1, 1)  # grid points are pixel centres
        self.image.setImage(region_image(regions.predicted, regions.confidence), autoLevels=False)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        self.step = regions.step
        self._set_title(f"decision regions · step {regions.step:,}")

    def shown_step(self) -> int | None:
        """The step whose regions are on screen (None: none)."""
        return self.step
