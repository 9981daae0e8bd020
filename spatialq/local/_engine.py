"""Batched geographically weighted least squares with cached distances (the fast path of :mod:`spatialq.local`).

mgwr fits one location at a time and recomputes the n distances of that location at every bandwidth the
search tries.  Here the distances are computed once (kept as a dense matrix up to ``DENSE_MAX`` points,
otherwise recomputed per block of rows), each block of m locations is fitted at once::

    X'W_iX = W @ [x_j x_j']_j      X'W_iy = W @ [x_j y_j]_j        (W the m × n block of kernel weights)

and the batched p × p systems are solved together.  The kernels, the adaptive bandwidth (the distance to the
``bw``-th nearest point, the point itself counted, times mgwr's 1.0000001) and the criteria are mgwr's, so a
score equals ``mgwr.sel_bw.Sel_BW``'s objective at the same bandwidth (tested) and the golden-section search
(mgwr's own routine, :func:`mgwr.search.golden_section`) visits the same bandwidths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DENSE_MAX = 6000  # points up to which the n × n distance matrix (and its row-sorted copy) is kept
_EPS = 1.0000001  # mgwr.kernels.Kernel's eps on adaptive bandwidths
_BLOCK_CELLS = 4_000_000  # m × n weights per block


def distances(a: np.ndarray, b: np.ndarray, spherical: bool) -> np.ndarray:
    """Euclidean distances (coordinate units) or great-circle distances in km (R = 6371, as mgwr)."""
    if spherical:
        lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
        lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat2) * np.cos(lat1) * np.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    d2 = (a[:, 0, None] - b[None, :, 0]) ** 2 + (a[:, 1, None] - b[None, :, 1]) ** 2
    return np.sqrt(d2)


class Space:
    """Distances between n points, cached when n ≤ ``DENSE_MAX``; ``extra`` adds a squared distance term."""

    def __init__(self, coords: np.ndarray, *, spherical: bool = False, times: np.ndarray | None = None,
                 tau: float = 0.0, eps: float = _EPS, knn: int | None = None, dense: np.ndarray | None = None):
        self.eps = float(eps)  # adaptive bandwidth inflation: mgwr's 1.0000001; 1.0 is GWmodel's
        self.coords = np.ascontiguousarray(coords, dtype=float)
        self.n = len(self.coords)
        self.spherical = spherical
        self.times = None if times is None else np.asarray(times, dtype=float)
        self.tau = float(tau)
        self._d = self._sorted = None
        self.knn_d = self.knn_i = None
        if knn is not None and not spherical and times is None and knn < self.n:
            # k nearest neighbours (the point itself first) for sparse adaptive bisquare fits with bw < knn
            from scipy.spatial import cKDTree

            self.knn_d, knn_i = cKDTree(self.coords).query(self.coords, k=int(knn))
            self.knn_i = knn_i.astype(np.int32)
        elif dense is not None:  # a precomputed n × n distance matrix (GTWR reuses d_s², Δt² across ratios)
            self._d = dense
        elif self.n <= DENSE_MAX:
            self._d = self._block(0, self.n)

    def _block(self, start: int, stop: int) -> np.ndarray:
        d = distances(self.coords[start:stop], self.coords, self.spherical)
        if self.times is not None and self.tau:
            dt = self.times[start:stop, None] - self.times[None, :]
            d = np.sqrt(d * d + self.tau * dt * dt)
        return d

    def rows(self, start: int, stop: int) -> np.ndarray:
        return self._d[start:stop] if self._d is not None else self._block(start, stop)

    def kth(self, start: int, stop: int, k: int, d: np.ndarray) -> np.ndarray:
        """Distance from each row's point to its k-th nearest point (itself first)."""
        if self._d is not None:
            if self._sorted is None:
                self._sorted = np.sort(self._d, axis=1)
            return self._sorted[start:stop, k - 1]
        return np.partition(d, k - 1, axis=1)[:, k - 1]

    def blocks(self):
        m = max(1, min(self.n, _BLOCK_CELLS // max(self.n, 1)))
        for start in range(0, self.n, m):
            yield start, min(self.n, start + m)


def sparse_ok(space: Space, bw: float, *, kernel: str, fixed: bool) -> bool:
    """Whether an adaptive bisquare fit at ``bw`` neighbours can use the cached nearest neighbours: every point
    with non-zero weight (distance < eps × the bw-th distance, ties included) is among them."""
    if space.knn_d is None or fixed or kernel != "bisquare" or math.isinf(bw) or int(bw) >= space.knn_d.shape[1]:
        return False
    k = int(bw)
    h = space.knn_d[:, k - 1] * space.eps
    return bool(np.all(space.knn_d[:, -1] >= h))


def sparse_weights(space: Space, start: int, stop: int, bw: float) -> tuple[np.ndarray, np.ndarray]:
    """(neighbour indices, bisquare weights) of rows start:stop over the cached neighbours (zeros past h)."""
    k = int(bw)
    d = space.knn_d[start:stop]
    h = d[:, k - 1:k] * space.eps
    w = (1 - (d / h) ** 2) ** 2
    w[d >= h] = 0.0
    return space.knn_i[start:stop], w


def weights(space: Space, start: int, stop: int, bw: float, *, kernel: str, fixed: bool) -> np.ndarray:
    """The m × n kernel weights of rows start:stop (mgwr's kernels; bw = inf gives ones)."""
    d = space.rows(start, stop)
    if math.isinf(bw):
        return np.ones_like(d)
    if fixed:
        h = np.full((stop - start, 1), float(bw))
    else:
        k = int(bw)
        if k > space.n:
            raise ValueError(f"adaptive bandwidth {k} exceeds the {space.n} points")
        h = (space.kth(start, stop, k, d) * space.eps)[:, None]
    z = d / h
    np.multiply(z, z, out=z)
    if kernel == "gaussian":
        np.multiply(z, -0.5, out=z)
        return np.exp(z, out=z)
    # (1 − z²)² for z < 1, else 0: max(1 − z², 0)² (z = 1 gives 0 either way)
    np.subtract(1.0, z, out=z)
    np.maximum(z, 0.0, out=z)
    return np.multiply(z, z, out=z)


@dataclass
class Fit:
    """Local fits at every point: params (n × p), predy, resid, influ (hat diagonal), CCT (n × p) if asked."""

    params: np.ndarray
    predy: np.ndarray
    resid: np.ndarray
    influ: np.ndarray
    cct: np.ndarray | None = None
    tr_sts: float = math.nan

    @property
    def resid_response(self) -> np.ndarray:  # the names mgwr.search.multi_bw reads
        return self.resid

    @property
    def resid_ss(self) -> float:
        return float(self.resid @ self.resid)

    @property
    def tr_S(self) -> float:
        return float(self.influ.sum())


def local_fit(space: Space, y: np.ndarray, X: np.ndarray, bw: float, *, kernel: str, fixed: bool,
              full: bool = False) -> Fit:
    """Weighted least squares at every point (mgwr's GWR(...).fit(lite=not full), Gaussian family)."""
    if sparse_ok(space, bw, kernel=kernel, fixed=fixed):
        return _sparse_fit(space, y, X, bw, full=full)
    n, p = X.shape
    xx = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    xy = X * y[:, None]
    params = np.empty((n, p))
    influ = np.empty(n)
    cct = np.empty((n, p)) if full else None
    tr_sts = 0.0
    for start, stop in space.blocks():
        w = weights(space, start, stop, bw, kernel=kernel, fixed=fixed)
        a = (w @ xx).reshape(-1, p, p)
        c = np.linalg.inv(a)
        b = np.einsum("mij,mj->mi", c, w @ xy)
        params[start:stop] = b
        xi = X[start:stop]
        wii = w[np.arange(stop - start), np.arange(start, stop)]
        influ[start:stop] = np.einsum("mi,mij,mj->m", xi, c, xi) * wii
        if full:
            b2 = ((w * w) @ xx).reshape(-1, p, p)
            cct[start:stop] = np.einsum("mij,mjk,mki->mi", c, b2, c)
            # row i of S is x_i' C_i X' W_i; tr(S'S) = Σ_i Σ_j s_ij²
            g = np.einsum("mi,mij->mj", xi, c)  # m × p
            s = (g @ X.T) * w
            tr_sts += float((s * s).sum())
    predy = np.einsum("ij,ij->i", X, params)
    return Fit(params=params, predy=predy, resid=y - predy, influ=influ, cct=cct, tr_sts=tr_sts)


def _sparse_fit(space: Space, y: np.ndarray, X: np.ndarray, bw: float, *, full: bool) -> Fit:
    n, p = X.shape
    params = np.empty((n, p))
    influ = np.empty(n)
    cct = np.empty((n, p)) if full else None
    tr_sts = 0.0
    kk = space.knn_i.shape[1]
    step = max(1, _BLOCK_CELLS // (kk * p))
    for start in range(0, n, step):
        stop = min(n, start + step)
        idx, w = sparse_weights(space, start, stop, bw)
        xn = X[idx]  # m × K × p
        xw = xn * w[:, :, None]
        a = np.matmul(xw.transpose(0, 2, 1), xn)
        c = np.linalg.inv(a)
        b = np.einsum("mij,mj->mi", c, np.einsum("mkp,mk->mp", xw, y[idx]))
        params[start:stop] = b
        xi = X[start:stop]
        own = (idx == np.arange(start, stop)[:, None])
        wii = (w * own).sum(axis=1)
        influ[start:stop] = np.einsum("mi,mij,mj->m", xi, c, xi) * wii
        if full:
            b2 = np.matmul((xw * w[:, :, None]).transpose(0, 2, 1), xn)
            cct[start:stop] = np.einsum("mij,mjk,mki->mi", c, b2, c)
            g = np.einsum("mi,mij->mj", xi, c)
            srow = np.einsum("mp,mkp->mk", g, xw)
            tr_sts += float((srow * srow).sum())
    predy = np.einsum("ij,ij->i", X, params)
    return Fit(params=params, predy=predy, resid=y - predy, influ=influ, cct=cct, tr_sts=tr_sts)


def aicc(fit: Fit, n: int) -> float:
    """mgwr.diagnostics.get_AICc for the Gaussian family: n ln(2πσ̂²) + n (n + tr S)/(n − 2 − tr S)."""
    k = fit.tr_S
    if n - k - 2 <= 0:
        return math.inf
    return n * math.log(2 * math.pi * fit.resid_ss / n) + n * (n + k) / (n - 2.0 - k)


def cv(fit: Fit, n: int) -> float:
    """mgwr.diagnostics.get_CV: mean squared leave-one-out residual Σ (e_i/(1 − S_ii))² / n."""
    return float(np.sum((fit.resid / (1 - fit.influ)) ** 2) / n)


CRITERIA = {"AICc": aicc, "CV": cv}


def search(space: Space, y: np.ndarray, X: np.ndarray, *, kernel: str, fixed: bool, criterion: str,
           bw_min: float | None, bw_max: float | None, tol: float = 1e-6, max_iter: int = 200):
    """mgwr's golden-section search (:func:`mgwr.search.golden_section`, same start interval) on the fast score.

    Returns (bandwidth, score, history) as mgwr's Sel_BW (history: (bw, score) pairs visited).
    """
    from mgwr.search import golden_section

    n, p = X.shape
    if fixed:
        d = space.rows(0, space.n) if space._d is not None else None
        if d is not None:
            off = d + np.diag(np.full(space.n, np.inf))
            a, c = float(off.min()) / 2.0, float(d.max()) * 2.0
        else:
            mins, maxs = [], []
            for start, stop in space.blocks():
                blk = space.rows(start, stop).copy()
                maxs.append(blk.max())
                blk[np.arange(stop - start), np.arange(start, stop)] = np.inf
                mins.append(blk.min())
            a, c = float(min(mins)) / 2.0, float(max(maxs)) * 2.0
    else:
        a, c = 40 + 2 * p, n
    if bw_min is not None:
        a = bw_min
    if bw_max is not None and not math.isinf(bw_max):
        c = bw_max
    score = CRITERIA[criterion]

    def objective(bw):
        return score(local_fit(space, y, X, bw, kernel=kernel, fixed=fixed), n)

    return golden_section(a, c, 0.38197, objective, tol, max_iter, bw_max, int_score=not fixed, verbose=False)
