"""Lazy access to the plotting libraries: matplotlib with the bundled CJK font registered, and mapclassify
without its import-time compilation."""

from __future__ import annotations

import functools
import sys
import threading


@functools.cache
def pyplot():
    import matplotlib.pyplot as plt

    from .fonts import register_font

    register_font()
    return plt


def new_axes(figsize=(6.4, 4.8)):
    plt = pyplot()
    _, ax = plt.subplots(figsize=figsize)
    return ax


_IMPORT_LOCK = threading.Lock()


@functools.cache
def mapclassify():
    """The ``mapclassify`` module, imported without compiling anything at import time.

    mapclassify (2.x) declares its Fisher–Jenks kernel with an explicit numba signature
    (``@njit("f8[:](f8[:], u2)")``), which numba compiles when the decorator runs: ``import mapclassify``
    takes ~2.8 s, ~2.3 s of it that compilation, in every process — each ``spatialq run``, and again in
    every worker of a parallel study.  While mapclassify is imported here, a signature-taking ``numba.njit``
    applied to a function of mapclassify compiles lazily instead, on the kernel's first call (a Fisher–Jenks
    map: ``scheme="fisherjenks"``; spatialq's own natural breaks come from :mod:`spatialq._jenks`), with no
    cache written anywhere; the kernel, its arguments and its results are unchanged.
    ``numba.njit`` is restored after the import; a lock makes concurrent first calls wait for one import.
    When mapclassify is already imported, or numba is not installed, this is a plain import.
    """
    with _IMPORT_LOCK:
        if "mapclassify" in sys.modules:
            import mapclassify as mc  # (waits for an import under way elsewhere)

            return mc
        try:
            import numba
        except ImportError:  # pragma: no cover - numba comes with libpysal/esda
            import mapclassify as mc

            return mc
        eager = numba.njit

        def lazy(*args, **kwargs):
            if len(args) == 1 and isinstance(args[0], str) and not kwargs:  # njit("signature")
                def decorate(func):
                    if not getattr(func, "__module__", "").startswith("mapclassify"):
                        return eager(args[0])(func)  # someone else's kernel: as numba would
                    return eager(func)  # compiled on first call

                return decorate
            return eager(*args, **kwargs)

        numba.njit = lazy
        try:
            import mapclassify as mc
        finally:
            numba.njit = eager
        return mc
