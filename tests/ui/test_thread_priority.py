"""Background threads run at a lower priority than the GUI thread (Linux: per-thread niceness)."""

import os
import subprocess
import sys
import threading

import pytest

from initviz.ui import thread_priority

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


def niceness(thread_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, thread_id)


@linux_only
def test_a_background_thread_lowers_itself_and_no_other():
    seen = {}

    def job():
        seen["first"] = thread_priority.lower_this_thread()
        seen["again"] = thread_priority.lower_this_thread()  # already there: nothing to do
        seen["niceness"] = niceness(threading.get_native_id())
    main_before = niceness(threading.get_native_id())
    worker = threading.Thread(target=job)
    worker.start()
    worker.join()
    assert seen == {"first": main_before < thread_priority.BACKGROUND_NICENESS, "again": False,
                    "niceness": max(thread_priority.BACKGROUND_NICENESS, main_before)}
    assert niceness(threading.get_native_id()) == main_before


@linux_only
def test_at_start_up_every_other_thread_is_lowered_and_the_gui_thread_is_not():
    """In a fresh process (numpy's BLAS helpers and one more thread), as the app starts."""
    code = (
        "import os, threading, numpy\n"
        "from initviz.ui.thread_priority import lower_other_threads\n"
        "stop = threading.Event(); t = threading.Thread(target=stop.wait); t.start()\n"
        "n, again = lower_other_threads(), lower_other_threads()\n"
        "tasks = {int(x): os.getpriority(os.PRIO_PROCESS, int(x)) for x in os.listdir('/proc/self/task')}\n"
        "stop.set(); t.join()\n"
        "me = threading.get_native_id()\n"
        "print(n, again, len(tasks) - 1, tasks.pop(me), sorted(set(tasks.values())))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    lowered, again, others, main, levels = out.stdout.split(maxsplit=4)
    assert int(others) >= 1 and int(again) == 0
    assert int(lowered) == (int(others) if int(main) < thread_priority.BACKGROUND_NICENESS else 0)
    assert int(main) == os.getpriority(os.PRIO_PROCESS, 0)  # the GUI thread keeps the process's niceness
    assert levels.strip() == f"[{max(thread_priority.BACKGROUND_NICENESS, int(main))}]"


@linux_only
def test_without_a_readable_proc_nothing_happens(monkeypatch):
    def no_proc(path):
        raise FileNotFoundError(path)
    monkeypatch.setattr(thread_priority.os, "listdir", no_proc)
    assert thread_priority.lower_other_threads() == 0


def test_the_compute_worker_runs_below_the_gui_thread(qtbot, monkeypatch):
    import initviz.ui.compute as compute
    from initviz.model.experiment import default_experiment
    seen = []
    original = compute.compute_frame

    def recording(*args, **kwargs):
        seen.append(niceness(threading.get_native_id()) if sys.platform.startswith("linux") else None)
        return original(*args, **kwargs)
    monkeypatch.setattr(compute, "compute_frame", recording)
    controller = compute.ComputeController()
    try:
        with qtbot.waitSignal(controller.frame_ready, timeout=30000):
            controller.request(default_experiment().replace(layers=default_experiment().layers[:2]))
    finally:
        controller.shutdown()
    if sys.platform.startswith("linux"):
        assert seen and seen[0] >= thread_priority.BACKGROUND_NICENESS
