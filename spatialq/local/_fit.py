"""Data checks, the final GWR fit (mgwr's, or the batched engine past ``MGWR_FIT_MAX`` points) and diagnostics."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._data import long_frame
from .._guards import (
    InputError,
    check_condition,
    check_finite,
    check_min_units,
    check_not_constant,
    check_not_perfect_fit,
)
from . import _engine as E
from ._coords import unit_coords

MGWR_FIT_MAX = 1000  # up to here the final fit is mgwr.gwr.GWR(...).fit(); beyond, the engine (equal, tested);
# mgwr's localR2 and local_collinearity loop over units in Python (about 9 minutes at 2,848 units)
CN_LIMIT = 30.0  # local condition number past which estimates are unreliable (Belsley et al. 1980; GWmodel)
KERNELS = ("bisquare", "gaussian")
CRITERIA = ("AICc", "CV")
SIGMA2 = ("n-trS", "edf")


def prepare(data, y: str, x: Sequence[str], *, id: str, time: str | None, coords, geometry, spherical: bool,
            method: str):
    """(frame sorted by id[, time], y, X with a constant, coordinates, terms)."""
    if isinstance(x, str):
        x = [x]
    x = list(x)
    if not x:
        raise InputError(f"{method}: x must name at least one regressor")
    if y in x:
        raise InputError(f"{method}: y {y!r} is also among the regressors")
    extra = [c for c in (coords or []) if c not in (y, *x)]
    frame = long_frame(data, id=id, time=time, columns=[y, *x], extra=extra)
    if time is not None and time not in frame.columns:
        raise KeyError(f"{method}: time column {time!r} not found")
    if time is None and frame[id].duplicated().any():
        raise InputError(f"{method}: ids {frame.loc[frame[id].duplicated(), id].head(5).tolist()} appear more than "
                         "once; pass one cross-section (one row per unit)")
    ids = frame[id]
    src = data
    if coords is None and geometry is None and hasattr(data, "geometry"):
        src = data.set_index(id) if id in data.columns else data
        src = src.loc[pd.unique(ids)]
        src = src.reset_index().rename(columns={"index": id})
        ids_geo = pd.Series(pd.unique(ids))
        xy_u = unit_coords(src, ids_geo, coords=None, geometry=None, spherical=spherical, method=method)
        xy = xy_u[pd.Index(ids_geo).get_indexer(ids)]
    else:
        xy = unit_coords(frame, ids, coords=coords, geometry=geometry, spherical=spherical, method=method)
    yv = check_finite(frame[y], column=y, ids=list(ids))
    check_not_constant(yv, column=y, method=method)
    cols = []
    for c in x:
        v = check_finite(frame[c], column=c, ids=list(ids))
        check_not_constant(v, column=c, method=method)
        cols.append(v)
    X = np.column_stack([np.ones(len(frame)), *cols])
    terms = ["Intercept", *x]
    check_min_units(len(frame), len(terms) + 3, method=method, what="observations",
                    why=f"{len(terms)} local coefficients plus the residual variance need n > p + 2")
    check_condition(X, terms, method=method)
    check_not_perfect_fit(yv, X, response=y, method=method)  # every local fit would be exact too
    return frame, yv, X, xy, terms


def check_bandwidth(bw: float, *, n: int, p: int, fixed: bool, method: str) -> float:
    if not isinstance(bw, (int, float, np.integer, np.floating)) or isinstance(bw, bool) or not math.isfinite(bw) \
            or bw <= 0:
        raise InputError(f"{method}: bandwidth must be a positive number, got {bw!r}")
    if not fixed:
        if bw != int(bw):
            raise InputError(f"{method}: an adaptive bandwidth is a number of neighbours (an integer), got {bw!r}")
        if bw > n:
            raise InputError(f"{method}: adaptive bandwidth {int(bw)} exceeds the {n} units (too few units for the "
                             "bandwidth)")
        if bw < p + 1:
            raise InputError(f"{method}: adaptive bandwidth {int(bw)} is fewer neighbours than the {p} local "
                             f"coefficients need (at least {p + 1})")
        return int(bw)
    return float(bw)


def singular(method: str, where=None) -> InputError:
    """The error for a singular local design; ``where``: the units (or (unit, period) pairs) whose fit failed, when
    known (a failure inside a bandwidth search does not say where)."""
    near = "" if where is None else f" at {list(where)[:5]}" + (" …" if len(where) > 5 else "")
    return InputError(f"{method}: a local design is singular (too few neighbours with non-zero weight or a "
                      f"regressor constant in a neighbourhood){near}; increase the bandwidth or use the gaussian "
                      "kernel")


def fit_arrays(space: E.Space, y: np.ndarray, X: np.ndarray, bw: float, *, kernel: str, fixed: bool,
               sigma2: str, use_mgwr: bool | None = None) -> dict:
    """params, bse, tvalues, predy, resid, influ, tr_S, tr_STS, sigma2, local_r2, local_cn of the final model."""
    n = X.shape[0]
    if use_mgwr is None:
        use_mgwr = n <= MGWR_FIT_MAX
    if use_mgwr:
        from mgwr.gwr import GWR

        model = GWR(space.coords, y[:, None], X[:, 1:], bw, kernel=kernel, fixed=fixed, constant=True,
                    spherical=space.spherical, sigma2_v1=sigma2 == "n-trS")
        res = model.fit()
        out = {"params": np.asarray(res.params), "bse": np.asarray(res.bse), "tvalues": np.asarray(res.tvalues),
               "predy": res.predy.ravel(), "resid": res.resid_response.ravel(), "influ": res.influ.ravel(),
               "tr_S": float(res.tr_S), "tr_STS": float(res.tr_STS), "sigma2": float(res.sigma2),
               "local_r2": np.asarray(res.localR2).ravel()}
        if X.shape[1] > 2:
            out["local_cn"] = np.asarray(res.local_collinearity()[2]).ravel()
        else:  # mgwr's local_collinearity fails with a single regressor (a 0-d correlation matrix)
            out["local_cn"] = local_r2_cn(space, y, X, out["resid"], bw, kernel=kernel, fixed=fixed)[1]
        return out
    fit = E.local_fit(space, y, X, bw, kernel=kernel, fixed=fixed, full=True)
    tr_s = fit.tr_S
    rss = fit.resid_ss
    s2 = rss / (n - tr_s) if sigma2 == "n-trS" else rss / (n - 2 * tr_s + fit.tr_sts)
    bse = np.sqrt(fit.cct * s2)
    r2, cn = local_r2_cn(space, y, X, fit.resid, bw, kernel=kernel, fixed=fixed)
    return {"params": fit.params, "bse": bse, "tvalues": fit.params / bse, "predy": fit.predy, "resid": fit.resid,
            "influ": fit.influ, "tr_S": tr_s, "tr_STS": fit.tr_sts, "sigma2": s2, "local_r2": r2, "local_cn": cn}


def local_r2_cn(space: E.Space, y, X, resid, bw, *, kernel: str, fixed: bool):
    """Local R² = 1 − Σ_j w_ij e_j² / Σ_j w_ij (y_j − ȳ_i)² (ȳ_i weighted) and the local condition number
    (ratio of the largest to smallest singular value of W_i X with unit-length columns, as mgwr)."""
    n, p = X.shape
    r2 = np.empty(n)
    cn = np.empty(n)
    if E.sparse_ok(space, bw, kernel=kernel, fixed=fixed):
        step = max(1, 4_000_000 // (space.knn_i.shape[1] * p))
        for start in range(0, n, step):
            stop = min(n, start + step)
            idx, w = E.sparse_weights(space, start, stop, bw)
            sw = w.sum(axis=1)
            ybar = (w * y[idx]).sum(axis=1) / sw
            tss = (w * (y[idx] - ybar[:, None]) ** 2).sum(axis=1)
            r2[start:stop] = 1 - (w * resid[idx] ** 2).sum(axis=1) / tss
            xw = X[idx] * w[:, :, None]
            cn[start:stop] = _cn(np.matmul(xw.transpose(0, 2, 1), xw))
        return r2, cn
    xx = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    for start, stop in space.blocks():
        w = E.weights(space, start, stop, bw, kernel=kernel, fixed=fixed)
        sw = w.sum(axis=1)
        ybar = (w @ y) / sw
        tss = w @ (y * y) - 2 * ybar * (w @ y) + ybar * ybar * sw
        r2[start:stop] = 1 - (w @ (resid * resid)) / tss
        cn[start:stop] = _cn(((w * w) @ xx).reshape(-1, p, p))
    return r2, cn


def _cn(a: np.ndarray) -> np.ndarray:
    """Condition numbers of W_i X (columns scaled to unit length) from the m × p × p products X'W_i²X."""
    d = 1 / np.sqrt(np.einsum("mii->mi", a))
    a = a * d[:, :, None] * d[:, None, :]
    ev = np.linalg.eigvalsh(a)
    return np.sqrt(ev[:, -1] / np.clip(ev[:, 0], 1e-300, None))


def diagnostics(y: np.ndarray, arrays: dict, p: int, *, method: str, bandwidth) -> dict:
    """Global diagnostics as mgwr's GWRResults: RSS, ENP = tr S, AIC, AICc, BIC, R², adj R², log-likelihood.

    A fit whose effective number of parameters leaves no residual degrees of freedom (n − 2 − tr S ≤ 0: AICc
    undefined, R² near 1 by construction, t-values without meaning) is an error naming ``bandwidth``."""
    n = len(y)
    rss = float(arrays["resid"] @ arrays["resid"])
    tss = float(((y - y.mean()) ** 2).sum())
    k = arrays["tr_S"]
    if not n - k - 2 > 0:
        raise InputError(f"{method}: bandwidth {bandwidth} leaves no residual degrees of freedom: the effective "
                         f"number of parameters tr(S) = {k:.1f} for n = {n} observations (n − 2 − tr S = "
                         f"{n - k - 2:.2g} ≤ 0), so AICc is undefined and every local fit is nearly exact; use a "
                         "larger bandwidth or let the search choose it")
    llf = -0.5 * n * (math.log(2 * math.pi * rss / n) + 1)
    aic = -2 * llf + 2 * (k + 1)
    aicc = -2 * llf + 2 * n * (k + 1) / (n - k - 2)
    bic = -2 * llf + (k + 1) * math.log(n)
    r2 = 1 - rss / tss
    adj_r2 = 1 - (1 - r2) * (n - 1) / (n - k - 1)
    return {"rss": rss, "enp": k, "df": n - k, "llf": llf, "aic": aic, "aicc": aicc, "bic": bic, "r2": r2,
            "adj_r2": adj_r2, "sigma": math.sqrt(arrays["sigma2"])}


def corrected_t(enp: float, p: int, n: int, alpha: float) -> tuple[float, float]:
    """da Silva & Fotheringham (2016): α_adj = α p / ENP, critical |t| = t_{1 − α_adj/2, n − 1} (as mgwr)."""
    a = alpha * p / enp
    return a, float(stats.t.ppf(1 - a / 2, n - 1))


def warn_collinear(cn: np.ndarray, ids, method: str) -> None:
    bad = cn > CN_LIMIT
    if bad.any():
        warnings.warn(f"{method}: local condition number > {CN_LIMIT:.0f} at {int(bad.sum())} of {len(cn)} units "
                      f"(e.g. {np.asarray(ids)[bad][:5].tolist()}); their local coefficients are unreliable "
                      "(local collinearity) — see to_frame()['condition_number']", UserWarning, stacklevel=3)


def ols_diagnostics(y: np.ndarray, X: np.ndarray) -> dict:
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ beta
    rss = float(e @ e)
    llf = -0.5 * n * (math.log(2 * math.pi * rss / n) + 1)
    r2 = 1 - rss / float(((y - y.mean()) ** 2).sum())
    return {"aicc": -2 * llf + 2 * n * (p + 1) / (n - p - 2), "r2": r2,
            "adj_r2": 1 - (1 - r2) * (n - 1) / (n - p), "rss": rss, "params": beta}


def frame_of(ids, terms, arrays: dict, crit: np.ndarray | float, id: str) -> pd.DataFrame:
    out = pd.DataFrame({id: np.asarray(ids)})
    crit = np.broadcast_to(np.asarray(crit, dtype=float), (len(terms),))
    for j, t in enumerate(terms):
        out[t] = arrays["params"][:, j]
        out[f"{t}_se"] = arrays["bse"][:, j]
        out[f"{t}_t"] = arrays["tvalues"][:, j]
        out[f"{t}_sig"] = np.abs(arrays["tvalues"][:, j]) > crit[j]
    for key, name in (("local_r2", "local_r2"), ("local_cn", "condition_number"), ("predy", "predicted"),
                      ("resid", "residual"), ("influ", "influence")):
        if key in arrays:
            out[name] = arrays[key]
    return out


def param_summary(terms, params: np.ndarray) -> list[str]:
    lines = [f"{'Variable':<20}{'Mean':>10}{'STD':>10}{'Min':>10}{'Median':>10}{'Max':>10}",
             f"{'-' * 20} {'-' * 9} {'-' * 9} {'-' * 9} {'-' * 9} {'-' * 9}"]
    for j, t in enumerate(terms):
        c = params[:, j]
        lines.append(f"{t[:20]:<20}{c.mean():>10.3f}{c.std():>10.3f}{c.min():>10.3f}{np.median(c):>10.3f}"
                     f"{c.max():>10.3f}")
    return lines
