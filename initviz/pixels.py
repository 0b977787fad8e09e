"""Figure sizes in pixels, ``WIDTHxHEIGHT``: the CLI's ``--size`` and the export dialog's answer."""

from __future__ import annotations

import re

from initviz.errors import ExperimentError

MIN_SIDE, MAX_SIDE = 64, 16384


def parse_pixels(text: str) -> tuple[int, int]:
    """'1600x900' (or 1600×900) -> (1600, 900); each side from 64 to 16384 pixels."""
    match = re.fullmatch(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*", text or "")
    if not match:
        raise ExperimentError("size", f"got {text!r}; allowed: WIDTHxHEIGHT in pixels, e.g. 1600x900")
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ExperimentError("size", f"got {width}x{height}; each side must be from {MIN_SIDE} to {MAX_SIDE} pixels")
    return width, height
