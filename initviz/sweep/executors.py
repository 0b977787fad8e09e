"""Where the cells of a sweep run: each executor yields (cell, metrics) as cells finish.

Executors (``executor=``):

- ``None`` / ``"processes"`` (the default): ``jobs`` worker processes on this machine
  (default ``os.cpu_count()``), started with ``spawn`` and with one BLAS thread each
  (OPENBLAS/OMP/MKL_NUM_THREADS=1 in their environment). Why one: the workers already fill the
  cores, and a BLAS pool per worker would oversubscribe them (two BLAS threads beside another
  busy process ran slower than one here, FACTS.md); and OpenBLAS's float32 GEMM gives
  different last bits with 1 and 2 threads, so pinning it makes every cell's numbers
  independent of ``jobs``: ``--jobs 1`` and ``--jobs 8`` write the same bytes.
- ``"inline"``: in this process, one cell after another (numpy keeps its own BLAS threads, so
  the last bits can differ from the worker processes').
- ``"local"``: a Dask ``LocalCluster`` of ``jobs`` single-threaded worker processes for the run;
  any other string is the address of a running Dask scheduler (``tcp://host:8786``); a
  ``distributed.Client`` is used as it is. Dask's nanny gives its workers one BLAS thread too
  (its ``pre-spawn-environ``), so a Dask run writes the same CSV as a local one. Every Dask
  worker needs initviz importable. ``distributed`` is imported only when asked for.
- any ``concurrent.futures.Executor``, used as it is (not shut down).

An interruption (Ctrl+C, an error in a cell, the progress callback raising) cancels the cells
not started and stops the local workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from initviz.errors import ExperimentError, join_path
from initviz.sweep.cells import Cell
from initviz.sweep.metrics import measure

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CONNECT_TIMEOUT_S = 30.0  # how long to try reaching a Dask scheduler
Results = Iterator[tuple[Cell, dict]]


def _worker_start() -> None:
    """In each worker: Ctrl+C is the parent's to handle (it stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Set the BLAS thread variables to 1 while worker processes are started (they read them
    when numpy loads, before any initializer could run), then restore ours."""
    saved = {k: os.environ.get(k) for k in BLAS_THREAD_VARIABLES}
    os.environ.update({k: "1" for k in BLAS_THREAD_VARIABLES})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now, not after their current cell (or the
    manager thread would wait for them, and so would the interpreter's exit)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown drops them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()


def _task(cell: Cell, steps: int | None, budget: int) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return measure, (cell.experiment, steps, budget)


def _outcome(cell: Cell, get: Callable[[], dict]) -> tuple[Cell, dict]:
    """(cell, its metrics); a refusal inside the cell names the cell and its values."""
    try:
        return cell, get()
    except ExperimentError as err:
        raise ExperimentError(join_path("cells", cell.index), f"({cell.label}) {err}") from None
    except cf.BrokenExecutor:  # which cell's worker died is not known: every running cell fails
        raise ExperimentError("workers", f"a worker process ended abruptly (killed, or out of memory?) while cells "
                                         f"ran, among them cells[{cell.index}] ({cell.label}); the finished cells "
                                         "are kept: run again to resume") from None


def _inline(cells: Sequence[Cell], steps: int | None, budget: int) -> Results:
    for cell in cells:
        fn, args = _task(cell, steps, budget)
        yield _outcome(cell, lambda: fn(*args))


def _futures(executor: Any, cells: Sequence[Cell], steps: int | None, budget: int) -> dict[Any, Cell]:
    return {executor.submit(fn, *args): cell for cell in cells for fn, args in [_task(cell, steps, budget)]}


def _processes(cells: Sequence[Cell], steps: int | None, budget: int, jobs: int) -> Results:
    pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_worker_start)
    try:
        with _one_blas_thread():  # workers start on submit: all of them start inside this block
            futures = _futures(pool, cells, steps, budget)
        for future in cf.as_completed(futures):
            yield _outcome(futures[future], future.result)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _executor(executor: cf.Executor, cells: Sequence[Cell], steps: int | None, budget: int
              ) -> Results:
    futures = _futures(executor, cells, steps, budget)
    try:
        for future in cf.as_completed(futures):
            yield _outcome(futures[future], future.result)
    finally:
        for future in futures:
            future.cancel()


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExperimentError("scheduler", "Dask is not installed; install the optional extra: "
                                           "pip install 'initviz[distributed]'") from None
    return distributed


def _dask(client: Any, cells: Sequence[Cell], steps: int | None, budget: int) -> Results:
    distributed = _import_distributed()
    futures = {client.submit(fn, *args, pure=False): cell
               for cell in cells for fn, args in [_task(cell, steps, budget)]}
    try:
        for future in distributed.as_completed(list(futures)):
            yield _outcome(futures[future], future.result)
    finally:
        client.cancel(list(futures))


def _dask_address(address: str, cells: Sequence[Cell], steps: int | None, budget: int, jobs: int
                  ) -> Results:
    distributed = _import_distributed()
    if address == "local":
        with distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            yield from _dask(client, cells, steps, budget)
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as err:
        raise ExperimentError("scheduler", f"cannot reach the Dask scheduler at {address!r}: {err}") from None
    with client:
        yield from _dask(client, cells, steps, budget)


def results(executor: Any, cells: Sequence[Cell], steps: int | None, budget: int, jobs: int
            ) -> tuple[Results, str]:
    """The finished cells as they come, and a description of who computes them."""
    if executor is None or executor == "processes":
        return _processes(cells, steps, budget, jobs), f"{jobs} worker process{'es' if jobs > 1 else ''}"
    if executor == "inline":
        return _inline(cells, steps, budget), "this process"
    if isinstance(executor, str):
        return _dask_address(executor, cells, steps, budget, jobs), (
            f"a local Dask cluster of {jobs} workers" if executor == "local" else f"Dask at {executor}")
    if type(executor).__module__.split(".")[0] == "distributed":
        return _dask(executor, cells, steps, budget), "a Dask client"
    if isinstance(executor, cf.Executor):
        return _executor(executor, cells, steps, budget), type(executor).__name__
    raise ExperimentError("executor", f"got {executor!r}; allowed: None, 'processes', 'inline', 'local', a Dask "
                                      "scheduler address, a distributed.Client or a concurrent.futures.Executor")
