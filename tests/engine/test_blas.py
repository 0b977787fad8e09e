"""The worker's BLAS runs on one thread inside ``blas.single_thread`` and as before after it."""

import numpy as np
from threadpoolctl import threadpool_info

from initviz.engine import blas


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_single_thread_limits_blas_and_restores_it():
    before = _blas_threads()
    assert before  # numpy's OpenBLAS is found
    with blas.single_thread():
        assert _blas_threads() == [1] * len(before)
        a = np.ones((64, 64), dtype=np.float32)
        assert (a @ a)[0, 0] == 64
    assert _blas_threads() == before
