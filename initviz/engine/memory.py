"""The memory guard: estimate what a simulation allocates before allocating any of it."""

from __future__ import annotations

import numpy as np

DEFAULT_BUDGET_BYTES = 2 * 1024**3


def estimate_bytes(features: int, batch: int, units: list[int], dtype: str) -> int:
    """Bytes a forward+backward pass holds at its peak.

    Kept: x and t; per layer W and dW (fan_in·fan_out), b and db (units), z, a, da, dz
    (batch·units). Transient: one float64 draw of the largest weight matrix (twice for
    orthogonal's QR) and one batch×units temporary.
    """
    item = np.dtype(dtype).itemsize
    fans = list(zip([features] + units[:-1], units))
    kept = batch * features + batch * units[-1]
    kept += sum(2 * fi * fo + 2 * fo + 4 * batch * fo for fi, fo in fans)
    transient_draw = max(2 * 8 * fi * fo for fi, fo in fans)
    transient_tmp = max(batch * fo for _, fo in fans) * item
    return kept * item + transient_draw + transient_tmp


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")
