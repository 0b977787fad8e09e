"""``initviz report``: the standard figures of a sweep's CSV as PNG files, and an index.html.

What each figure shows is computed by :mod:`initviz.sweep.report`; this module only draws it
with pyqtgraph (offscreen when there is no display) and writes the files, each atomically, into
the one folder it was given.
"""

from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from initviz.atomic import atomic_write_bytes
from initviz.errors import ExperimentError
from initviz.sweep import report
from initviz.ui import diag_plot as dp
from initviz.ui import export
from initviz.ui import histogram_style as hs
from initviz.ui.diag_phase_parts import EDGE, phase_colour_map, superscript
from initviz.ui.histogram_items import cosmetic_pen

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22")
MAX_WIDTH_PX = 7.0
MAX_LEGEND = 12
AXIS_WIDTH_PX = 84
MIN_DECADES = 2.0
MISSING_CELL = "#d9d9d9"


@dataclass(frozen=True)
class Figure:
    path: Path
    caption: str


@dataclass
class Report:
    index: Path
    figures: list[Figure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _pen(i: int, n: int) -> Any:
    """Series drawn later are thinner, so a line that lies exactly on an earlier one (Xavier and
    LeCun on square layers) leaves it visible (all thin past MAX_LEGEND lines); after the palette, dashed."""
    thick = MAX_WIDTH_PX if n <= MAX_LEGEND else dp.LINE_PX
    width = dp.LINE_PX + (thick - dp.LINE_PX) * (n - 1 - i) / max(n - 1, 1)
    pen = cosmetic_pen(PALETTE[i % len(PALETTE)], width)
    if (i // len(PALETTE)) % 2:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def _log_range(series: tuple[report.Series, ...]) -> tuple[float, float]:
    ys = np.concatenate([s.y for s in series]) if series else np.array([])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    if not ys.size:
        return -1.0, 1.0
    lo, hi = math.log10(float(ys.min())), math.log10(float(ys.max()))
    pad = max(0.1 * (hi - lo), 0.25, (MIN_DECADES - (hi - lo)) / 2)  # under ~2 decades pyqtgraph labels every minor tick
    return lo - pad, hi + pad


def _std_plot(series: tuple[report.Series, ...], title: str, x_label: str) -> pg.PlotItem:
    plot = dp.fixed_plot(left="std (log scale)", bottom=x_label)
    plot.setTitle(title, color=hs.TEXT, size=f"{dp.TITLE_PT:g}pt")
    plot.setLogMode(False, True)
    plot.getAxis("left").setWidth(AXIS_WIDTH_PX)
    plot.showGrid(x=True, y=True, alpha=0.25)
    for i, s in enumerate(series):
        ok = np.isfinite(s.y) & (s.y > 0)
        plot.plot(s.x[ok], s.y[ok], pen=_pen(i, len(series)), symbol="o", symbolSize=6,
                  symbolBrush=PALETTE[i % len(PALETTE)], symbolPen=None, name=s.label)
    xs = np.concatenate([s.x for s in series])
    plot.setXRange(float(xs.min()) - 0.5, float(xs.max()) + 0.5, padding=0.02)
    lo, hi = _log_range(series)
    plot.setYRange(lo, hi, padding=0)
    plot.getAxis("left").setTicks(decade_ticks(lo, hi))
    return plot


def decade_text(k: int) -> str:
    return f"{10.0 ** k:g}" if -2 <= k <= 3 else f"10{'⁻' if k < 0 else ''}{superscript(abs(k))}"


def decade_ticks(lo: float, hi: float) -> list[list[tuple[float, str]]]:
    """Labels at whole decades only (log10 units, as a log-mode axis takes them), unlabelled
    minor ticks at 2…9 × each decade while there are few decades; every 2nd or 5th decade
    labelled when there are many."""
    decades = list(range(math.floor(lo), math.ceil(hi) + 1))
    step = 1 if len(decades) <= 12 else 2 if len(decades) <= 24 else 5
    major = [(float(k), decade_text(k)) for k in decades if k % step == 0]
    minor = [(k + math.log10(m), "") for k in decades for m in range(2, 10)] if len(decades) <= 6 else []
    return [major, minor]


def _legend(plot: pg.PlotItem, columns: int) -> pg.LegendItem:
    """The legend of ``plot``'s lines as its own layout cell (under the plots, never over data)."""
    legend = pg.LegendItem(labelTextColor=hs.TEXT, labelTextSize="10pt", colCount=columns)
    items = plot.listDataItems()
    for item in items[:MAX_LEGEND]:
        legend.addItem(item, item.name())
    if len(items) > MAX_LEGEND:
        legend.addItem(pg.PlotDataItem(pen=cosmetic_pen(hs.MUTED_TEXT, dp.LINE_PX)),
                       f"… and {len(items) - MAX_LEGEND} more lines (one per row group of the CSV)")
    return legend


def draw_depth(figure: report.DepthFigure, path: Path, size: tuple[int, int]) -> str:
    if figure.by_depth:
        titles = ("activation std at the last layer", "gradient std ∂L/∂a at the first layer")
        x_label, caption = "depth (layers)", "activation std at the last layer and gradient std at the first vs depth"
    else:
        titles = ("activation std per layer", "gradient std ∂L/∂a per layer")
        x_label, caption = "layer", ("per-layer std of the activations and of the gradients (depth "
                                       "was not swept over 2 values or more)")
    widget = pg.GraphicsLayoutWidget()
    try:
        widget.setBackground(hs.BACKGROUND)
        left = _std_plot(figure.activations, titles[0], x_label)
        widget.addItem(left, 0, 0)
        widget.addItem(_std_plot(figure.gradients, titles[1], x_label), 0, 1)
        if len(figure.activations) > 1:
            legend = _legend(left, 3 if len(figure.activations) > 6 else 2)
            if figure.shown:  # a slice of a bigger grid: said on the figure too, not only in the caption
                legend.addItem(pg.PlotDataItem(pen=cosmetic_pen(hs.MUTED_TEXT, dp.LINE_PX)), figure.shown)
            widget.addItem(legend, 1, 0, 1, 2)
        export.grab_png(widget, str(path), size)
    finally:
        _dispose(widget)
    lines = f"one line per {'scheme' if len(figure.activations) > 1 else 'sweep'}"
    return f"{caption}; {lines}" + (f" ({figure.shown})" if figure.shown else "")


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (midpoints; the outer cells as wide as their neighbours)."""
    if values.size == 1:
        half = max(abs(float(values[0])) * 0.1, 0.05)
        return np.array([values[0] - half, values[0] + half])
    mid = (values[1:] + values[:-1]) / 2
    return np.concatenate(([2 * values[0] - mid[0]], mid, [2 * values[-1] - mid[-1]]))


def growth_levels(growth: np.ndarray) -> float:
    """Half-width of the symmetric colour range: the largest finite |growth|, within [0.02, 1]."""
    finite = np.abs(growth[np.isfinite(growth)])
    return float(np.clip(finite.max() if finite.size else 0.1, 0.02, 1.0))


def draw_phase(figure: report.PhaseFigure, path: Path, size: tuple[int, int]) -> str:
    xe, ye = _edges(figure.sigma_w2), _edges(figure.sigma_b2)
    x_corners, y_corners = np.meshgrid(xe, ye, indexing="ij")
    level = growth_levels(figure.growth)
    shown = np.clip(np.nan_to_num(figure.growth, nan=0.0), -level, level)
    widget = pg.GraphicsLayoutWidget()
    try:
        widget.setBackground(hs.BACKGROUND)
        plot = dp.fixed_plot(left="σ_b²", bottom="σ_w²  (fan_in·Var(W))")
        plot.setTitle(f"{figure.activation}: measured gradient growth per layer ({figure.cells} cells)", color=hs.TEXT,
                      size=f"{dp.TITLE_PT:g}pt")
        mesh = pg.PColorMeshItem(x_corners, y_corners, shown, colorMap=phase_colour_map(), levels=(-level, level),
                                 enableAutoLevels=False)
        plot.addItem(mesh)
        for i, j in zip(*np.nonzero(np.isnan(figure.growth))):
            rect = pg.QtWidgets.QGraphicsRectItem(xe[i], ye[j], xe[i + 1] - xe[i], ye[j + 1] - ye[j])
            rect.setBrush(pg.mkBrush(MISSING_CELL))
            rect.setPen(cosmetic_pen(MISSING_CELL))
            plot.addItem(rect)
        plot.addLegend(offset=(10, 10), labelTextColor=hs.TEXT, brush=pg.mkBrush(255, 255, 255, 220),
                       pen=cosmetic_pen(hs.CELL_FRAME), labelTextSize="10pt")
        line = figure.line_sigma_w2
        if line.size > 1:
            plot.plot(line, figure.line_sigma_b2, pen=cosmetic_pen(EDGE, 3.0), connect="finite",
                      name="χ₁ = 1 (mean-field edge of chaos)")
        elif line.size == 1 and math.isfinite(float(line[0])):
            plot.plot([line[0], line[0]], [ye[0], ye[-1]], pen=cosmetic_pen(EDGE, 3.0),
                      name="χ₁ = 1 (mean-field edge of chaos)")
        plot.setXRange(float(xe[0]), float(xe[-1]), padding=0)
        plot.setYRange(float(ye[0]), float(ye[-1]), padding=0)
        bar = pg.ColorBarItem(values=(-level, level), colorMap=phase_colour_map(), interactive=False, width=18)
        bar.setImageItem(mesh)
        dp.style_axis(bar.getAxis("right"), "log₁₀ growth per layer")
        dp.fit_axis_width(bar.getAxis("right"), [f"{-level:.2f}"])
        dp.fit_axis_width(plot.getAxis("left"), [f"{v:.3g}" for v in ye])
        widget.addItem(plot, 0, 0)
        widget.addItem(bar, 0, 1)
        export.grab_png(widget, str(path), size)
    finally:
        _dispose(widget)
    return (f"{figure.activation}: measured gradient growth per layer, log₁₀(std ∂L/∂a¹ ÷ std ∂L/∂aᴸ)/(L − 1), "
            "over σ_w² × σ_b² (blue: gradients vanish on their way to the input, orange: they explode), with the "
            "mean-field edge of chaos χ₁ = 1; grey: no cell")


def _dispose(widget: Any) -> None:
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")[:40] or "activation"


def write_index(result: Report, csv_name: str) -> None:
    items = "\n".join(f'<figure><img src="{html.escape(f.path.name)}" alt="{html.escape(f.caption)}" '
                      f'style="max-width:100%"><figcaption>{html.escape(f.path.name)}: {html.escape(f.caption)}'
                      f"</figcaption></figure>" for f in result.figures)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.skipped)
    text = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>initviz report: {html.escape(csv_name)}"
            f"</title></head>\n<body style=\"font-family:sans-serif\">\n<h1>initviz report: {html.escape(csv_name)}</h1>\n"
            f"{items}\n{f'<h2>Not drawn</h2><ul>{notes}</ul>' if notes else ''}\n</body></html>\n")
    atomic_write_bytes(result.index, text.encode("utf-8"))


def _folder(path: Any) -> Path:
    folder = Path(path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as err:
        raise ExperimentError("--output", f"cannot create the folder {folder}: {err.strerror or err}") from None
    if not folder.is_dir():
        raise ExperimentError("--output", f"{folder} is not a folder")
    return folder


def write_report(results_path: str | os.PathLike, folder: str | os.PathLike,
                 size: tuple[int, int] = (1200, 800)) -> Report:
    """Draw every figure the CSV allows into ``folder`` (created if missing; its parent must exist)."""
    from initviz.ui.app import application
    results = report.load_results(results_path)
    out = _folder(folder)
    application()
    result = Report(out / "index.html")
    path = out / "std_vs_depth.png"
    result.figures.append(Figure(path, draw_depth(report.depth_figure(results), path, size)))
    try:
        phases = report.phase_figures(results)
    except report.FigureUnavailable as why:
        result.skipped.append(f"phase_heatmap.png: {why}")
        phases = []
    for figure in phases:
        name = "phase_heatmap.png" if len(phases) == 1 else f"phase_heatmap_{_slug(figure.activation)}.png"
        result.figures.append(Figure(out / name, draw_phase(figure, out / name, size)))
    write_index(result, Path(results_path).name)
    return result
