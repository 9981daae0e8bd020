"""Exact Fisher–Jenks natural breaks (Fisher 1958) by dynamic programming, without importing mapclassify.

mapclassify's ``FisherJenks`` gives the same breaks (tested) but its first import compiles numba
code for several seconds in every new process; this O(k·n²) version takes about 0.1 s for
n = 5,000 and k = 5.
"""

from __future__ import annotations

import numpy as np


def fisher_jenks_bins(values, k: int) -> np.ndarray:
    """Upper bounds of the k classes that minimise the within-class sum of squared deviations.

    Returns an array of k upper bounds (the last is the maximum), as mapclassify's ``bins``.
    """
    v = np.sort(np.asarray(values, dtype=float))
    n = len(v)
    if k < 2 or len(np.unique(v)) < k:
        raise ValueError(f"{k} classes need at least {k} distinct values")
    s1 = np.concatenate([[0.0], np.cumsum(v)])
    s2 = np.concatenate([[0.0], np.cumsum(v * v)])

    j_all = np.arange(n)
    cost = s2[j_all + 1] - s1[j_all + 1] ** 2 / (j_all + 1)  # one class: v[0..j]
    back = np.zeros((k, n), dtype=int)
    block = 128
    for c in range(1, k):
        new = np.full(n, np.inf)
        i = np.arange(c, n)  # first index of the last class
        for start in range(c, n, block):
            jj = np.arange(start, min(start + block, n))[:, None]
            cnt = jj - i[None, :] + 1
            valid = cnt > 0
            tot = s1[jj + 1] - s1[i][None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                total = cost[i - 1][None, :] + (s2[jj + 1] - s2[i][None, :] - tot * tot / cnt)
            total = np.where(valid, total, np.inf)
            best = np.argmin(total, axis=1)
            new[jj[:, 0]] = total[np.arange(len(jj)), best]
            back[c, jj[:, 0]] = i[best]
        cost = new
    bounds = []
    j = n - 1
    for c in range(k - 1, 0, -1):
        i = back[c, j]
        bounds.append(v[j])
        j = i - 1
    bounds.append(v[j])
    return np.array(bounds[::-1])


def classify(values, bins: np.ndarray) -> np.ndarray:
    """Class index (0-based) of each value for upper bounds ``bins`` (values above the last go to the last)."""
    return np.minimum(np.searchsorted(bins, np.asarray(values, dtype=float), side="left"), len(bins) - 1)
