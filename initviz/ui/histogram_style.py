"""Colours, titles, fonts and number formats of the histogram views (one place, projector-first).

One colour per tensor kind everywhere (grid fill, heatmap ramp, titles), taken from a
colour-blind-safe palette; red is kept for non-finite values only. Brushes are opaque
(FACTS.md: semi-transparent fills cost most); "light" colours are pre-blended with white.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QColor, QFont

KIND_TITLES = {
    "weights": "weights W",
    "preactivations": "pre-activations z",
    "activations": "activations a",
    "activation_grads": "gradients ∂L/∂a",
    "weight_grads": "weight gradients ∂L/∂W",
}
KIND_COLOURS = {
    "weights": "#2166ac",
    "preactivations": "#35978f",
    "activations": "#1b9e77",
    "activation_grads": "#d07a10",
    "weight_grads": "#7b3294",
}
DEFAULT_KINDS = ("weights", "activations", "activation_grads")

BACKGROUND = "#ffffff"
CELL_BACKGROUND = "#f3f4f6"
CELL_FRAME = "#c9cdd3"
TEXT = "#1a1a1a"
MUTED_TEXT = "#4d4d4d"
AXIS = "#333333"
LAW = "#111111"
GHOST_FILL = "#d2d4d8"
GHOST_LINE = "#6e7278"
BADGE = "#c8102e"
NO_DATA = "#f6c9cf"
SELECTION = "#111111"
HOVER = "#7f7f7f"
SELECTED_ROW = "#fff1b8"

FONT_FAMILY = "DejaVu Sans"


def font(point_size: float, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPointSizeF(point_size)
    f.setBold(bold)
    return f


def blend(colour: str, towards: str = "#ffffff", amount: float = 0.5) -> QColor:
    """``colour`` moved ``amount`` of the way to ``towards``: an opaque stand-in for transparency."""
    a, b = QColor(colour), QColor(towards)
    mix = lambda p, q: round(p + (q - p) * amount)  # noqa: E731
    return QColor(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()))


def kind_ramp(kind: str, size: int = 256) -> np.ndarray:
    """RGBA lookup table (size × 4, uint8) for a heatmap: white → the kind's colour → a dark shade."""
    base = QColor(KIND_COLOURS[kind])
    dark = blend(KIND_COLOURS[kind], "#000000", 0.55)
    stops = np.array([[255, 255, 255], [base.red(), base.green(), base.blue()],
                      [dark.red(), dark.green(), dark.blue()]], dtype=np.float64)
    t = np.linspace(0.0, 1.0, size)
    where = np.array([0.0, 0.65, 1.0])
    rgb = np.stack([np.interp(t, where, stops[:, c]) for c in range(3)], axis=1)
    return np.concatenate([rgb, np.full((size, 1), 255.0)], axis=1).round().astype(np.uint8)


def format_number(value: float | None, digits: int = 3) -> str:
    """Short, projector-readable number: 3 significant digits, a real minus sign, ``—`` for None."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


def _decimals(step: float) -> int:
    """Fewest decimals (up to 6) that write multiples of ``step`` exactly."""
    for decimals in range(7):
        scaled = step * 10.0**decimals
        if abs(scaled - round(scaled)) <= 1e-6 * max(scaled, 1.0):
            return decimals
    return 6


def tick_labels(values: list[float], spacing: float) -> list[str]:
    """Tick texts for one axis: plain decimals for everyday magnitudes, else one shared
    power of ten (−5.0e−4 … 7.5e−4, 1e38 …), with as many digits as the spacing needs."""
    big = max((abs(v) for v in values), default=0.0)
    if big == 0 or spacing <= 0 or not math.isfinite(big) or not math.isfinite(spacing):
        return [format_number(v) for v in values]
    if 1e-3 <= big < 1e5:
        decimals = _decimals(spacing)
        texts = [f"{v:.{decimals}f}" if v != 0 else "0" for v in values]
    else:
        exp = math.floor(math.log10(big) + 1e-9)
        decimals = _decimals(spacing / 10.0**exp)
        texts = [f"{v / 10.0**exp:.{decimals}f}e{exp}" if v != 0 else "0" for v in values]
    return [t.replace("-", "−") for t in texts]


def badge_text(n_nan: int, n_posinf: int, n_neginf: int) -> str:
    """"NaN 12 · +Inf 3 · −Inf 1" with the zero parts left out ("" when all are zero)."""
    parts = [f"{name} {n}" for name, n in (("NaN", n_nan), ("+Inf", n_posinf), ("−Inf", n_neginf)) if n]
    return " · ".join(parts)


def percent(fraction: float) -> str:
    if fraction == 0 or fraction >= 0.01:
        return f"{100 * fraction:.0f}%"
    return f"{100 * fraction:.1f}%" if fraction >= 0.001 else "<0.1%"


def stats_text(kind: str, stats: dict) -> str:
    """σ (or "all = v" for a constant tensor), plus for activations the saturated share
    (bounded activations) and dead units (when any)."""
    count = stats.get("count") or 0
    finite = count - (stats.get("n_nan") or 0) - (stats.get("n_inf") or 0)
    if count and finite == 0:
        return "no finite values"
    std = stats.get("std")
    if std == 0 and stats.get("min") is not None:
        parts = [f"all = {format_number(stats['min'])}"]
    else:
        parts = [f"σ {format_number(std)}"]
    if kind == "activations":
        saturated = stats.get("frac_saturated")
        if saturated is not None:
            parts.append(f"sat {percent(saturated)}")
        dead = stats.get("dead_units") or 0
        if dead > 0:
            parts.append(f"dead {dead}")
    return " · ".join(parts)
