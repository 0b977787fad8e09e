"""BLAS threads: one, while another thread of the process needs the second core.

OpenBLAS's worker threads keep spinning for a while after each product; on these 2-core
machines a simulation with 2 BLAS threads beside the painting GUI thread blocked it for
62–77 ms during a gain drag, 37–40 ms with one BLAS thread (FACTS.md; ``make bench``).
The thread count is process-wide, set through threadpoolctl (the library scikit-learn uses).
Products of a few rows may round differently with one thread than with two (OpenBLAS splits
the work by thread count), so only previews, already approximate, run this way.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator


@lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController  # ~2 ms: scans the loaded libraries once
    return ThreadpoolController()


@contextmanager
def single_thread() -> Iterator[None]:
    """BLAS products on the calling thread only, until the block ends (then as before)."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
