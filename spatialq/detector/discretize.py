"""Discretisation of continuous factors for the geographical detector, and the optimal-parameter search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .._jenks import fisher_jenks_bins

Method = Literal["equal", "quantile", "natural", "geometric", "sd"]
METHODS: tuple[str, ...] = ("equal", "quantile", "natural", "geometric", "sd")


def breaks(x: np.ndarray, method: str, k: int) -> np.ndarray:
    """Inner break points (≤ k − 1, increasing, unique) of ``method`` with k classes.

    * ``equal``: equal intervals between min and max;
    * ``quantile``: the 1/k … (k−1)/k quantiles;
    * ``natural``: Fisher–Jenks natural breaks, exact at any n (equal to the exact optimum of R classInt's
      ``style = "fisher"``; :mod:`spatialq._jenks`);
    * ``geometric``: geometric progression between min and max (positive values; shifted if not);
    * ``sd``: mean ± multiples of the standard deviation, k classes centred on the mean
      (breaks at mean + (i − k/2)·sd·(4/k) spanning ±2 sd).
    Classes are closed on the right: (b_{i−1}, b_i].
    """
    x = np.asarray(x, dtype=float)
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        raise ValueError("the factor is constant: it cannot be discretised")
    if k < 2:
        raise ValueError(f"k must be at least 2, got {k}")
    if method == "equal":
        b = np.linspace(lo, hi, k + 1)[1:-1]
    elif method == "quantile":
        b = np.quantile(x, np.linspace(0, 1, k + 1)[1:-1])
    elif method == "natural":
        if len(np.unique(x)) < k:
            raise ValueError(f"natural breaks into {k} classes need at least {k} distinct values")
        b = fisher_jenks_bins(x, k)[:-1]
    elif method == "geometric":
        shift = 1.0 - lo if lo <= 0 else 0.0
        b = np.geomspace(lo + shift, hi + shift, k + 1)[1:-1] - shift
    elif method == "sd":
        m, s = float(x.mean()), float(x.std(ddof=1))
        b = m + (np.arange(1, k) - k / 2) * s * (4.0 / k)
        b = b[(b > lo) & (b < hi)]
    else:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return np.unique(b)


def apply(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Stratum index (0-based) of each value for inner breaks ``b`` (classes closed on the right)."""
    return np.searchsorted(np.asarray(b, dtype=float), np.asarray(x, dtype=float), side="left")


def candidates(methods: Sequence[str] | None, ks: Sequence[int] | None) -> list[tuple[str, int]]:
    methods = list(METHODS if methods is None else methods)
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ValueError(f"unknown discretisation methods {bad}; choose from {METHODS}")
    ks = list(range(3, 9) if ks is None else ks)
    return [(m, int(k)) for m in methods for k in ks]
