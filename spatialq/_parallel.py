"""Parallel execution, random streams and thread limits — the one place spatialq decides them.

* :func:`pmap` runs a function over tasks through joblib and returns the results in task order, so
  a result never depends on the number of workers.  Inside ``joblib.parallel_config(backend="dask")``
  (with a ``dask.distributed.Client``) the same call fans out over a cluster; spatialq has no
  scheduler of its own.
* :func:`streams` gives independent random streams by ``numpy.random.SeedSequence.spawn``: work is
  cut into a fixed number of blocks *before* it is distributed, each block draws from its own
  stream, so ``n_jobs = 1`` and ``n_jobs = 8`` give the same numbers.
* :func:`blas_threads` limits BLAS/OpenMP threads (threadpoolctl) around code whose linear algebra is
  memory-bound or already parallel at a coarser level: spinning BLAS threads are what turns a 10 s fit
  into 70 s when another job shares the cores.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ._guards import InputError


def check_n_jobs(n_jobs, *, method: str) -> int:
    """``n_jobs`` as joblib reads it: a non-zero whole number (−1 = all cores, −2 = all but one)."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0:
        raise InputError(f"{method}: n_jobs must be a non-zero whole number (joblib's convention: 1 = serial, "
                         f"-1 = all cores), got {n_jobs!r}")
    return int(n_jobs)


def effective(n_jobs: int) -> int:
    """The number of workers joblib would use for ``n_jobs`` under the active backend."""
    if n_jobs == 1:
        return 1
    from joblib import effective_n_jobs

    return max(1, int(effective_n_jobs(n_jobs)))


def pmap(func: Callable[..., Any], tasks: Iterable, *, n_jobs: int = 1, prefer: str | None = None,
         require: str | None = None) -> list:
    """``[func(t) for t in tasks]``, serially when ``n_jobs == 1`` or there is one task, else by joblib
    (``prefer="threads"`` for work that releases the GIL).  Results are in the order of ``tasks``.

    ``require="sharedmem"`` for tasks that write into arrays of the caller: joblib then runs them in threads
    even when the active backend (``joblib.parallel_config(backend="loky")``, Dask) would use processes, whose
    writes the caller would never see.  ``prefer`` is only a hint that such a backend overrides."""
    tasks = list(tasks)
    if n_jobs == 1 or len(tasks) <= 1:
        return [func(t) for t in tasks]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=n_jobs, prefer=prefer, require=require)(delayed(func)(t) for t in tasks))


def streams(seed, count: int) -> list[np.random.SeedSequence]:
    """``count`` independent child seeds of ``seed`` (an int, None or a SeedSequence)."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(count)


def blocks(total: int, size: int) -> list[tuple[int, int]]:
    """Contiguous ``(start, stop)`` ranges of at most ``size`` covering ``range(total)``; fixed by
    ``total`` and ``size`` alone, never by the number of workers."""
    size = max(1, int(size))
    return [(s, min(total, s + size)) for s in range(0, total, size)]


def groups(items: Sequence, n_jobs: int, *, per_worker: int = 2) -> list[list]:
    """``items`` cut into about ``per_worker × workers`` contiguous groups (fewer dispatches than one
    task per item); concatenating the groups gives ``items`` back in order."""
    k = max(1, min(len(items), per_worker * effective(n_jobs)))
    idx = np.array_split(np.arange(len(items)), k)
    return [[items[i] for i in g] for g in idx if len(g)]


@contextlib.contextmanager
def blas_threads(limit: int | None = 1) -> Iterator[None]:
    """Limit BLAS and OpenMP thread pools to ``limit`` threads inside the block (None: leave them)."""
    if limit is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn / scipy stacks
        yield
        return
    with threadpool_limits(limits=int(limit)):
        yield
