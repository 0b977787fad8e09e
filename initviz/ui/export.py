"""Export the histogram view (PNG at a chosen size, SVG) and its data (CSV, NPZ).

SVG goes through QSvgGenerator + ``widget.render`` because pyqtgraph's SVGExporter fails
with Qt 6.12 (FACTS.md); pyqtgraph's CSV exporter writes ragged rows for step data, so
the histogram table is written here.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QRect
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from initviz.model.files import atomic_write_bytes

CSV_FIELDS = ("layer", "kind", "left", "right", "count")


def grab_png(widget: QWidget, path: str, size: tuple[int, int] | None = None) -> None:
    """Save a screenshot of ``widget``, first resized to ``size`` (width, height) if given."""
    if size is not None:
        widget.resize(*size)
    image = widget.grab().toImage()
    _save_image(image, path)


def _save_image(image: QImage, path: str) -> None:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError(f"could not encode {path} as PNG")
    atomic_write_bytes(path, bytes(buffer.data()))


def render_svg(widget: QWidget, path: str, title: str = "initviz") -> None:
    """Render ``widget`` to an SVG file (resolution = the widget's DPI, so axes line up)."""
    qbuf = QBuffer()
    qbuf.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(qbuf)
    generator.setSize(widget.size())
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setResolution(widget.logicalDpiX())
    generator.setTitle(title)
    painter = QPainter(generator)
    try:
        widget.render(painter)
    finally:
        painter.end()
    atomic_write_bytes(path, bytes(qbuf.data()))


def write_csv(rows: list[dict[str, Any]], path: str) -> None:
    """One row per bin: layer, kind, left, right, count; non-finite counts as extra rows
    whose ``left`` is ``nan``, ``+inf`` or ``-inf`` (and ``right`` empty)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_bytes(path, out.getvalue().encode("utf-8"))


def write_npz(frame: Any, path: str) -> None:
    """``{kind}{i}_edges``, ``{kind}{i}_counts`` and ``{kind}{i}_nonfinite`` (NaN, +inf, −inf) per layer."""
    arrays: dict[str, np.ndarray] = {}
    for layer in frame.layers:
        for kind, summary in layer.summaries.items():
            h = summary.histogram
            arrays[f"{kind}{layer.index}_edges"] = h.edges
            arrays[f"{kind}{layer.index}_counts"] = h.counts
            arrays[f"{kind}{layer.index}_nonfinite"] = np.array([h.n_nan, h.n_posinf, h.n_neginf])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
