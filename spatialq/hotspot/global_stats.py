"""Global spatial autocorrelation beyond Moran's I: Geary's C, Getis–Ord General G and join counts.

The statistics and their analytical moments come from PySAL's esda (``esda.Geary``, ``esda.G``,
``esda.Join_Counts``), called on a copy of the weights aligned to the rows by id (esda would otherwise
re-standardise the caller's W in place).  spatialq adds what esda does not give in the house's form: one row
per period, the island policy and input checks, two-sided normal p-values, permutation inference seeded through
``numpy.random.default_rng(seed)`` (esda draws from NumPy's global state), and the analytical moments of the
join counts (Cliff & Ord 1981, as spdep's ``joincount.test`` / ``joincount.multi``; esda has only permutation
inference).  Every number is checked against spdep 1.2-7 on Columbus (tests/reference/hotspot/global_stats.R).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .._data import long_frame, time_col
from .._guards import InputError, at, check_min_units, check_not_constant, check_permutations, rescale
from .._parallel import check_n_jobs
from .._results import Result, provenance
from .._wmatrix import AlignedCache, refuse_bare_sparse
from ._perm import folded_pvalue, period_seed, permuted_forms

__all__ = ["GlobalStatResult", "geary", "general_g", "join_counts"]

#: A variance this small relative to the squared scale of the statistic counts as zero.
DEGENERATE_RTOL = 1e-10
TITLES = {"geary": "Geary's C (吉尔里指数)", "general_g": "Getis–Ord General G (全局 G 统计量)",
          "join_counts": "Join counts (连接数统计)"}


def _esda_w(m: sp.csr_matrix):
    """A fresh libpysal W (ids 0..n−1) holding ``m`` as given; esda may transform it in place."""
    from libpysal.weights import WSP

    return WSP(sp.csr_matrix(m)).to_W(silence_warnings=True)


def _periods(df, column, w, *, by, id, transform, method, binary=False):
    """(period, ids, x, W) per period of the frame sorted by (id, period), each checked up front."""
    refuse_bare_sparse(w, method)
    data = long_frame(df, id=id, time=by, columns=[column])
    t = time_col(data, by)
    cache = AlignedCache(w, transform, method=method)
    values = data[column].to_numpy(dtype=float)
    out = []
    for period, idx in data.groupby(t, sort=True).indices.items():
        rows = np.sort(idx)
        label = None if t == "_time" else period
        check_min_units(len(rows), 4, method=method, period=label,
                        why="the variances have (n − 1)(n − 2)(n − 3) in their denominators")
        x = values[rows]
        check_not_constant(x, column=column, method=method, period=label)
        if binary:
            bad = sorted(set(np.unique(x)) - {0.0, 1.0})
            if bad:
                raise InputError(f"{method}: column {column!r} must be 0/1 (or True/False){at(label)}; found "
                                 f"{bad[:5]} — code the two categories first, e.g. (df[{column!r}] > threshold)")
        elif method == "general_g" and np.any(x < 0):
            raise InputError(f"{method}: column {column!r} has negative values{at(label)}; General G is defined "
                             "for non-negative values (Getis & Ord 1992) — use moran or geary instead")
        else:
            x = rescale(x, column=column, period=label)
        out.append((label, data[id].to_numpy()[rows], x, cache(list(data[id].to_numpy()[rows]), label)))
    return data, t, out


def _quadratic_perms(x: np.ndarray, m: sp.csr_matrix, permutations: int, seed, linear: np.ndarray | None = None,
                     n_jobs: int = 1):
    """x_π'Mx_π and x_π²·linear (when given) for ``permutations`` random permutations π (the shared engine)."""
    f = permuted_forms(x, m, permutations=permutations, seed=seed, squares=linear, n_jobs=n_jobs)
    return f[:, 0], f[:, 2]


def _normal(stat: float, e: float, var: float, what: str, column: str, period, method: str) -> tuple[float, float]:
    if not var > DEGENERATE_RTOL * max(abs(e), abs(stat), 1e-300) ** 2:
        raise InputError(f"{method}: the {what} variance of the statistic is zero for {column!r}{at(period)}: every "
                         "arrangement of the values gives the same value (e.g. every unit linked to every other); "
                         "use other weights or drop the period")
    z = (stat - e) / np.sqrt(var)
    return z, 2 * stats.norm.sf(abs(z))


def _sim(sims, stat, permutations) -> dict:
    if sims is None:
        return {"p_sim": np.nan, "z_sim": np.nan}
    return {"p_sim": float(folded_pvalue(sims, stat, permutations)),
            "z_sim": float((stat - sims.mean()) / sims.std(ddof=1)) if np.ptp(sims) > 0 else np.nan}


@dataclass(frozen=True, eq=False, repr=False)
class GlobalStatResult(Result):
    """One global statistic per period (join counts: per period and join type); see :func:`geary`,
    :func:`general_g`, :func:`join_counts`."""

    table: pd.DataFrame
    statistic: str
    column: str
    time: str | None

    def _title(self) -> str:
        return f"{TITLES[self.statistic]} of {self.column}"

    def _summary_lines(self) -> list[str]:
        return [self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}")]

    def to_frame(self) -> pd.DataFrame:
        """One row per period (join counts: per period and ``join`` in bb, ww, bw): the statistic, its
        expectation and variance, z and two-sided normal p, ``p_sim`` and ``z_sim`` from permutations, n."""
        return self.table.rename(columns={"period": self.time or "period"}).copy()

    def _plot(self, ax, **kw):
        """z of the statistic per period (join counts: one line per join type), with ±1.96."""
        t = self.table
        zc = "z_rand" if "z_rand" in t.columns else "z"
        groups = [(j, t[t["join"] == j]) for j in ("bb", "ww", "bw")] if "join" in t.columns else [("", t)]
        for name, g in groups:
            x = np.arange(len(g)) if g["period"].isna().all() else g["period"].to_numpy()
            ax.plot(x, g[zc].to_numpy(), marker="o", label=name or zc, **kw)
        for v in (-1.96, 1.96):
            ax.axhline(v, color="grey", linewidth=0.8, linestyle="--")
        ax.set_ylabel("z")
        ax.set_title(TITLES[self.statistic])
        ax.legend(frameon=False)
        return ax


def _result(rows, statistic, column, t, data, **options) -> GlobalStatResult:
    table = pd.DataFrame(rows)
    if t == "_time":
        table["period"] = None
    return GlobalStatResult(meta=provenance(f"spatialq.hotspot.{statistic}", n=len(data), column=column, **options),
                            table=table, statistic=statistic, column=column, time=None if t == "_time" else t)


def geary(df: pd.DataFrame, column: str, w, *, by: str | None = "year", transform: str = "r",
          permutations: int = 999, seed: int | None = None, id: str = "adcode",
          n_jobs: int = 1) -> GlobalStatResult:
    """Geary's C per period, with inference under normality, randomisation and permutation.

    C = (n − 1) Σᵢⱼ wᵢⱼ(xᵢ − xⱼ)² / (2 S₀ Σᵢ(xᵢ − x̄)²), E[C] = 1; C < 1 is positive spatial autocorrelation.
    C and its variances under normality and randomisation (Cliff & Ord 1981) are esda's ``Geary``; they equal
    spdep's ``geary.test`` (1e-10).  ``z_norm`` and ``z_rand`` are (C − 1)/sd — the sign of esda; spdep reports
    (1 − C)/sd — with **two-sided** normal p-values (spdep's default is one-sided, ``alternative =
    "greater"``).  ``p_sim``: folded permutation p-value from ``permutations`` random permutations (seeded by
    ``numpy.random.default_rng(seed)``, drawn in the order of the sorted ids).

    ``w`` is matched by id and transformed on a copy: "r" row-standardised (default, as :func:`moran`), "b"
    binary, "o" as given.  Refused: fewer than 4 units, a constant column, islands, a zero variance.

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    import esda

    permutations = check_permutations(permutations)
    data, t, periods = _periods(df, column, w, by=by, id=id, transform=transform, method="geary")
    n_jobs = check_n_jobs(n_jobs, method="geary")
    rows = []
    for k, (period, _, x, m) in enumerate(periods):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = esda.Geary(x, _esda_w(m), transformation="o", permutations=0)
        z_n, p_n = _normal(g.C, 1.0, g.VC_norm, "normality", column, period, "geary")
        z_r, p_r = _normal(g.C, 1.0, g.VC_rand, "randomisation", column, period, "geary")
        sims = None
        if permutations:
            zc = x - x.mean()
            rc = np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel()
            quad, lin = _quadratic_perms(zc, m, permutations, period_seed(seed, k), linear=rc, n_jobs=n_jobs)
            sims = (len(x) - 1) * (lin - 2 * quad) / (2 * m.sum() * (zc @ zc))
        rows.append(dict(period=period, C=float(g.C), expectation=1.0, variance_norm=float(g.VC_norm), z_norm=z_n,
                         p_norm=p_n, variance_rand=float(g.VC_rand), z_rand=z_r, p_rand=p_r,
                         **_sim(sims, g.C, permutations), n=len(x)))
    return _result(rows, "geary", column, t, data, seed=seed, transform=transform, permutations=permutations)


def general_g(df: pd.DataFrame, column: str, w, *, by: str | None = "year", permutations: int = 999,
              seed: int | None = None, id: str = "adcode",
          n_jobs: int = 1) -> GlobalStatResult:
    """Getis–Ord General G per period (Getis & Ord 1992), for non-negative values and binary weights.

    G = Σᵢ Σⱼ≠ᵢ wᵢⱼ xᵢxⱼ / Σᵢ Σⱼ≠ᵢ xᵢxⱼ, E[G] = S₀/(n(n − 1)); G above its expectation means high values
    cluster ("hot"), below means low values cluster.  G, E[G] and the randomisation variance are esda's ``G``
    (which always uses binary weights, as Getis & Ord); they equal spdep's ``globalG.test`` on style "B"
    weights (1e-10).  z = (G − E[G])/sd with a **two-sided** normal p-value (spdep: one-sided "greater";
    esda's ``p_norm`` is one-sided in the observed direction).  ``p_sim``: folded permutation p-value, seeded
    by ``numpy.random.default_rng(seed)``.

    Refused: negative values, fewer than 4 units, a constant column, islands, a zero variance.

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    import esda

    permutations = check_permutations(permutations)
    data, t, periods = _periods(df, column, w, by=by, id=id, transform="b", method="general_g")
    n_jobs = check_n_jobs(n_jobs, method="general_g")
    rows = []
    for k, (period, _, x, m) in enumerate(periods):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = esda.G(x, _esda_w(m), permutations=0)
        z, p = _normal(g.G, g.EG, g.VG, "randomisation", column, period, "general_g")
        sims = None
        if permutations:
            quad = _quadratic_perms(x, m, permutations, period_seed(seed, k), n_jobs=n_jobs)[0]
            sims = quad / (x.sum() ** 2 - (x * x).sum())
        rows.append(dict(period=period, G=float(g.G), expectation=float(g.EG), variance=float(g.VG), z=z, p=p,
                         **_sim(sims, g.G, permutations), n=len(x)))
    return _result(rows, "general_g", column, t, data, seed=seed, transform="b", permutations=permutations)


def _jc_moments(n: int, n1: int, s0: float, s1: float, s2: float) -> dict:
    """Expectation and variance of BB, WW and BW under non-free sampling (Cliff & Ord 1981, ch. 2), in the
    form of spdep's joincount.multi (S₀, S₁, S₂ of the binary weights; n₁ black units)."""
    d1, d2, d3 = n * (n - 1), n * (n - 1) * (n - 2), n * (n - 1) * (n - 2) * (n - 3)
    out = {}
    for name, k in (("bb", n1), ("ww", n - n1)):
        e = s0 * k * (k - 1) / (2 * d1)
        v = (s1 * k * (k - 1) / d1 + (s2 - 2 * s1) * k * (k - 1) * (k - 2) / d2
             + (s0 * s0 + s1 - s2) * k * (k - 1) * (k - 2) * (k - 3) / d3)
        out[name] = (e, 0.25 * v - e * e)
    a, b = n1, n - n1
    e = s0 * a * b / d1
    v = (2 * s1 * a * b / d1 + (s2 - 2 * s1) * a * b * (a + b - 2) / d2
         + 4 * (s0 * s0 + s1 - s2) * a * (a - 1) * b * (b - 1) / d3)
    out["bw"] = (e, 0.25 * v - e * e)
    return out


def join_counts(df: pd.DataFrame, column: str, w, *, by: str | None = "year", permutations: int = 999,
                seed: int | None = None, id: str = "adcode",
          n_jobs: int = 1) -> GlobalStatResult:
    """Join counts of a binary (0/1) variable per period: black–black, white–white and black–white joins.

    With binary weights (links counted once per pair of a symmetric W): BB = ½ Σᵢⱼ wᵢⱼ xᵢxⱼ,
    WW = ½ Σᵢⱼ wᵢⱼ(1 − xᵢ)(1 − xⱼ), BW = ½ Σᵢⱼ wᵢⱼ(xᵢ − xⱼ)² (black = 1).  More BB (or WW) and fewer BW joins
    than expected mean clustering.  The counts are esda's ``Join_Counts``; the expectations and variances under
    non-free sampling (Cliff & Ord 1981) are computed here (esda gives only permutation inference) and equal
    spdep's ``joincount.test`` (BB, WW) and ``joincount.multi`` (BW) to 1e-10.  z = (count − E)/sd with
    **two-sided** normal p (spdep: one-sided "greater"); ``p_sim`` is the folded permutation p-value, seeded by
    ``numpy.random.default_rng(seed)`` (esda's permutations draw from NumPy's global state).

    The weights are binarised on a copy (spdep's style "B").  Refused: values other than 0/1, a column of
    one colour, fewer than 4 units, islands.

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    import esda

    permutations = check_permutations(permutations)
    data, t, periods = _periods(df, column, w, by=by, id=id, transform="b", method="join_counts", binary=True)
    n_jobs = check_n_jobs(n_jobs, method="join_counts")
    rows = []
    for k, (period, _, x, m) in enumerate(periods):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jc = esda.Join_Counts(x, _esda_w(m), permutations=0)
        n, s0 = len(x), float(m.sum())
        mt = m.T.tocsr()
        s1 = 0.5 * float((m + mt).multiply(m + mt).sum())
        s2 = float(((np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel()) ** 2).sum())
        mom = _jc_moments(n, int(x.sum()), s0, s1, s2)
        sims = {}
        if permutations:
            rc = np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel()
            # x² = x for 0/1
            quad, lin = _quadratic_perms(x, m, permutations, period_seed(seed, k), linear=rc, n_jobs=n_jobs)
            sims["bb"] = 0.5 * quad
            sims["ww"] = 0.5 * (s0 - lin + quad)
            sims["bw"] = 0.5 * s0 - sims["bb"] - sims["ww"]
        for name, count in (("bb", jc.bb), ("ww", jc.ww), ("bw", jc.bw)):
            e, v = mom[name]
            z, p = _normal(float(count), e, v, "non-free sampling", column, period, "join_counts")
            rows.append(dict(period=period, join=name, count=float(count), expectation=e, variance=v, z=z, p=p,
                             **_sim(sims.get(name), float(count), permutations), n=n, n_black=int(x.sum())))
    return _result(rows, "join_counts", column, t, data, seed=seed, transform="b", permutations=permutations)
