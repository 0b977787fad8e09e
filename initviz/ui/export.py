"""Screenshots of a widget at exact pixels (PNG) and the histograms' data (CSV, NPZ); figures of
every view, SVG included, are :mod:`initviz.ui.figures`.

pyqtgraph's CSV exporter writes ragged rows for step data, so the histogram table is written here.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from initviz.model.files import atomic_write_bytes
from initviz.ui.figures import Figure, to_image

CSV_FIELDS = ("layer", "kind", "left", "right", "count")


def grab_png(widget: QWidget, path: str, size: tuple[int, int] | None = None) -> None:
    """Save ``widget`` drawn at ``size`` (width, height; default its own) as a PNG of exactly that
    many pixels, whatever the screen's devicePixelRatio (``widget.grab()`` would multiply it)."""
    if size is not None:
        widget.resize(*size)
    _save_image(to_image(Figure("initviz", widget), size or (widget.width(), widget.height())), path)


def _save_image(image: QImage, path: str) -> None:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError(f"could not encode {path} as PNG")
    atomic_write_bytes(path, bytes(buffer.data()))


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
