"""Numbers and layer lists as a student reads them: 0.98, 2.1e-05, ×46,000, layers 0–29."""

from __future__ import annotations

import math
from typing import Iterable


def number(x: float) -> str:
    """Three significant digits in plain notation from 0.001 to 99,999, else two in scientific."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e5 else f"{x:.2g}"


def factor(r: float) -> str:
    """A ratio ≥ 1, two significant digits: 6.4, 52,000, 6.9e+08."""
    if math.isinf(r):
        return "∞"
    if r < 100:
        return f"{r:.2g}"
    return f"{float(f'{r:.2g}'):,.0f}" if r < 1e6 else f"{r:.2g}"


def percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of consecutive numbers."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def layers(indices: Iterable[int]) -> str:
    """"layer 3", "layers 0–29", "layers 0, 2 and 5–9"."""
    idx = sorted(set(indices))
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs(idx)]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return ("layer " if len(idx) == 1 else "layers ") + listed


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def where(label: int) -> str:
    """A position along the stack: -1 is the input."""
    return "the input" if label < 0 else f"layer {label}"


def span(values: Iterable[float]) -> str:
    """One number, or "lo–hi" when they differ by more than 1%."""
    vs = sorted(values)
    lo, hi = vs[0], vs[-1]
    return number(lo) if hi <= lo * 1.01 else f"{number(lo)}–{number(hi)}"
