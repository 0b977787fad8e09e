"""The app's BLAS thread count: all cores but one, unless the user chose one."""

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from initviz.engine import blas_threads


def blas_threads_now() -> list[int]:
    """Threads of numpy's BLAS (torch, when a parity test loaded it, brings its own)."""
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]


@pytest.fixture
def restore_blas_threads(monkeypatch):
    for name in blas_threads.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    before = blas_threads_now()
    yield
    threadpool_limits(limits=max(before), user_api="blas")
    assert blas_threads_now() == before


@pytest.mark.parametrize(("cores", "expected"), [(2, 1), (1, 1), (8, 7)])
def test_the_gui_keeps_a_core(restore_blas_threads, cores, expected):
    assert blas_threads.leave_a_core_for_the_gui(cores) == expected
    assert blas_threads_now() == [expected]


def test_a_thread_count_the_user_set_stands(restore_blas_threads, monkeypatch):
    before = blas_threads_now()
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert blas_threads.leave_a_core_for_the_gui(2) is None
    assert blas_threads_now() == before


def test_usable_cores_counts_this_process_cores():
    assert 1 <= blas_threads.usable_cores()
