"""How many threads BLAS may use in the app: all cores but one, so the GUI thread keeps one.

On this 2-core machine a gain drag with two OpenBLAS threads in the worker blocked the GUI
thread for up to 46-86 ms and the window handled 169-188 of its 240 edits; with one thread,
28-47 ms and 227-238 edits, at the same edit-to-frame latency and the same time to the
whole-batch frame (bench/gui_bench.py, two runs each). The CLI and the API keep every core.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

THREAD_VARIABLES = (  # the environment variables that set BLAS and OpenMP thread counts
    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def usable_cores() -> int:
    """Cores this process may run on (its affinity, where the platform tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def leave_a_core_for_the_gui(cores: int | None = None) -> int | None:
    """Limit BLAS to ``cores − 1`` threads (at least one) and return that limit; None when the
    user set a thread count in the environment (theirs stands). Call once at start-up, before
    another thread runs BLAS: OpenBLAS cannot change its thread count under a running call.

    Float32 results may then differ from the CLI's in the last bit (OpenBLAS splits a product
    differently for another thread count); the statistics shown agree to every digit shown."""
    if any(os.environ.get(name) for name in THREAD_VARIABLES):
        return None
    limit = max((cores or usable_cores()) - 1, 1)
    threadpool_limits(limits=limit, user_api="blas")
    return limit
