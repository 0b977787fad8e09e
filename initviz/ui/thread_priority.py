"""Background threads yield to the GUI thread: the OS runs them at a lower priority.

During a slider drag on these 2 cores, the worker's products (two OpenBLAS threads) and the GUI
thread fight for the cores. With the background threads at niceness 10, the GUI thread preempts
them when it has work and they keep both cores when it has none. Three A/B runs of the
bench/gui_bench.py drags: the GUI thread blocked at most 21-26 ms instead of 38-47 (default net,
every layer) and 32-37 instead of 46-71 (50 × 512), the window handled 237-249 of ~250 edits
instead of 192-241, edit-to-frame medians 29-33 ms instead of 35-43 (default net) and within
±5 ms on 50 × 512. The numbers do not change: BLAS keeps its thread count.

Linux only (niceness is per thread there); elsewhere these do nothing.
"""

from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICENESS = 10


def _supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "setpriority")


def _lower(thread_id: int, niceness: int) -> bool:
    """Raise a thread's niceness to ``niceness`` (never lower it: that needs privileges); True
    when it was raised. Refusals are ignored: the thread has ended meanwhile, or the system
    does not let this process change it (EPERM, EACCES)."""
    try:
        if os.getpriority(os.PRIO_PROCESS, thread_id) >= niceness:
            return False
        os.setpriority(os.PRIO_PROCESS, thread_id, niceness)
        return True
    except OSError:
        return False


def lower_this_thread(niceness: int = BACKGROUND_NICENESS) -> bool:
    """Run the calling thread (a background job's) at ``niceness`` at least; True when lowered
    now, False when it already was or where this is not supported."""
    return _supported() and _lower(threading.get_native_id(), niceness)


def lower_other_threads(niceness: int = BACKGROUND_NICENESS) -> int:
    """Run every other thread of the process at ``niceness`` at least; returns how many were
    lowered now. Called by the GUI thread at start-up, before Qt starts threads of its own,
    these are numpy's BLAS helpers (OpenBLAS starts them when numpy is imported). Without a
    readable /proc (some sandboxes) nothing happens."""
    if not _supported():
        return 0
    try:
        tasks = [int(task) for task in os.listdir("/proc/self/task")]
    except OSError:
        return 0
    me = threading.get_native_id()
    return sum(_lower(task, niceness) for task in tasks if task != me)
