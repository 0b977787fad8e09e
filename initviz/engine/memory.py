"""The memory guard: estimate what a simulation allocates before allocating any of it."""

from __future__ import annotations

import gc

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


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc <malloc.h>
ALLOCATOR_THRESHOLD_BYTES = 256 * 1024**2


def tune_allocator(threshold_bytes: int = ALLOCATOR_THRESHOLD_BYTES) -> bool:
    """Keep freed arrays below ``threshold_bytes`` in glibc's heap instead of unmapping them.

    Every forward/backward pass allocates a fresh z, a, da, dz per layer; by default glibc serves
    arrays over 128 KiB with mmap and returns them on free, so each pass pays a page fault per 4 KiB
    written (measured: ReLU forward+backward 2.1x → 1.25x its GEMM time at 10×256×512). Called
    once by the app and the CLI at start-up, never on import. Returns False where there is no glibc.
    """
    import ctypes
    import ctypes.util
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, threshold_bytes)) and bool(mallopt(M_TRIM_THRESHOLD, threshold_bytes))


def freeze_startup_objects() -> int:
    """Collect once, then move every object alive now (the window, its items, the modules) out
    of the garbage collector's view (``gc.freeze``), and return how many were frozen.

    A full collection walks every tracked object: with the main window built, ~90,000 of them,
    52 ms of a frozen GUI thread in the middle of a slider drag (measured on the 50 × 512 net;
    ``make bench``). Frozen objects are still freed when their reference count drops; only
    cycles among them would stay, and they live as long as the window does anyway.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
