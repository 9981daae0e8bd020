"""The geographical detector (Wang et al. 2010; Wang, Zhang & Fu 2016): factor, interaction, risk and
ecological detectors, with discretisation of continuous factors and the optimal-parameter search."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._guards import InputError, check_not_constant, rescale
from .._results import Result, provenance
from . import discretize as _disc
from ._pairs import overlay_sums
from ._q import Centred, codes, q_from_sums, q_only

__all__ = ["INTERACTION_TYPES", "GeoDetectorResult", "geodetector", "interaction_type"]

#: key -> (Chinese, English) in the order of Wang & Xu (2017), 地理学报 72(1): 116–134
INTERACTION_TYPES = {
    "nonlinear_weaken": ("非线性减弱", "nonlinear-weaken"),
    "uni_weaken": ("单因子非线性减弱", "uni-variable weaken"),
    "bi_enhance": ("双因子增强", "bi-variable enhance"),
    "independent": ("独立", "independent"),
    "nonlinear_enhance": ("非线性增强", "nonlinear-enhance"),
}


def interaction_type(q1: float, q2: float, q12: float, *, tol: float = 1e-10) -> str:
    """Type of interaction (rules checked in this order):

    * q12 > q1 + q2 (+ tol): nonlinear-enhance;
    * |q12 − (q1 + q2)| ≤ tol: independent;
    * q12 > max(q1, q2): bi-variable enhance;
    * min(q1, q2) ≤ q12 ≤ max(q1, q2): uni-variable weaken;
    * q12 < min(q1, q2): nonlinear-weaken.
    """
    if q12 > q1 + q2 + tol:
        return "nonlinear_enhance"
    if abs(q12 - (q1 + q2)) <= tol:
        return "independent"
    if q12 > max(q1, q2):
        return "bi_enhance"
    if q12 >= min(q1, q2):
        return "uni_weaken"
    return "nonlinear_weaken"


@dataclass(frozen=True, eq=False, repr=False)
class GeoDetectorResult(Result):
    """Geographical detector results (see :func:`geodetector`).

    Attributes
    ----------
    factor : DataFrame
        Index = factor: ``q``, ``p`` (noncentral F), ``F``, ``ncp`` (λ), ``n_strata``, ``rank``.
    interaction : DataFrame
        One row per pair: ``factor1``, ``factor2``, ``q1``, ``q2``, ``q12`` (overlaid strata),
        ``type`` (key), ``type_zh``, ``type_en``.
    risk : DataFrame
        Stratum means: ``factor``, ``stratum``, ``n``, ``mean``, ``sd``.
    risk_tests : DataFrame
        Pairs of strata of each factor: ``t``, ``df`` (Welch–Satterthwaite), ``p`` (two-sided),
        ``significant`` at α; NaN where a stratum has one observation or both have zero variance.
    ecological : DataFrame
        Pairs of factors: ``F`` = [N₁(N₂−1)SSW₁]/[N₂(N₁−1)SSW₂], ``df1``, ``df2``, ``p`` (two-sided),
        ``significant`` at α.
    discretization : DataFrame
        For discretised factors: ``factor``, ``method``, ``k``, ``q`` of every candidate and
        ``chosen``; ``breaks`` holds the chosen inner break points per factor.
    strata : DataFrame
        The stratum of every row and factor (after discretisation).
    """

    factor: pd.DataFrame
    interaction: pd.DataFrame
    risk: pd.DataFrame
    risk_tests: pd.DataFrame
    ecological: pd.DataFrame
    discretization: pd.DataFrame
    breaks: dict
    strata: pd.DataFrame
    alpha: float

    def _title(self) -> str:
        return "Geographical detector"

    def _summary_lines(self) -> list[str]:
        lines = [f"{'factor':<20}{'q':>9}{'p':>12}{'strata':>8}{'rank':>6}"]
        for f, r in self.factor.iterrows():
            lines.append(f"{f!s:<20}{r.q:>9.4f}{r.p:>12.4g}{int(r.n_strata):>8}{int(r['rank']):>6}")
        if not self.interaction.empty:
            lines.append("")
            lines.append(f"{'interaction':<30}{'q12':>9}  type")
            for r in self.interaction.itertuples():
                lines.append(f"{r.factor1 + ' ∩ ' + r.factor2:<30}{r.q12:>9.4f}  {r.type_zh} ({r.type_en})")
        if not self.discretization.empty:
            ch = self.discretization[self.discretization["chosen"]]
            lines.append("")
            lines.append("discretisation: " + "; ".join(f"{r.factor}: {r.method} k={r.k} (q={r.q:.4f})"
                                                        for r in ch.itertuples()))
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The factor detector table (q, p, F, λ, strata, rank per factor)."""
        return self.factor.copy()

    def _plot(self, ax, **kw):
        """Heat map of q (diagonal) and interaction q12 (off-diagonal)."""
        from ..plot.charts import heatmap

        names = list(self.factor.index)
        m = np.full((len(names), len(names)), np.nan)
        for i, f in enumerate(names):
            m[i, i] = self.factor.loc[f, "q"]
        pos = {f: i for i, f in enumerate(names)}
        for r in self.interaction.itertuples():
            m[pos[r.factor1], pos[r.factor2]] = m[pos[r.factor2], pos[r.factor1]] = r.q12
        heatmap(ax, m, names, names, fmt="{:.3f}", cmap=kw.pop("cmap", "YlOrRd"), vmax=1.0, **kw)
        return ax


def _prepare(df, y, factors, discretize, ks, methods, missing):
    if isinstance(factors, str):
        factors = [factors]
    factors = list(factors)
    if not factors:
        raise InputError("give at least one factor")
    twice = [f for f in dict.fromkeys(factors) if factors.count(f) > 1]
    if twice:
        raise InputError(f"geodetector: factor {', '.join(map(repr, twice))} is listed more than once in factors; "
                         "give each factor once (its interaction with itself is the factor itself)")
    cols = [y, *factors]
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise KeyError(f"columns not found: {absent}; available: {list(df.columns)}")
    if y in factors:
        raise ValueError(f"{y!r} is both the explained variable and a factor")
    data = df[cols]  # a new frame (copy-on-write): the input is never modified
    # numpy integer and boolean columns cannot hold NaN: only the others are scanned
    if any(not (isinstance(data[c].dtype, np.dtype) and data[c].dtype.kind in "iub") and data[c].hasnans
           for c in cols):
        na = data.isna()
        if missing == "raise":
            where = {c: data.index[na[c]].tolist()[:5] for c in cols if na[c].any()}
            raise ValueError(f"missing values in {where} (first rows); fill them or pass missing='drop'")
        data = data.dropna()
    yv = pd.to_numeric(data[y], errors="raise").to_numpy(dtype=float)
    if not np.isfinite(yv).all():
        raise InputError(f"{y!r} has infinite values at rows {data.index[~np.isfinite(yv)].tolist()[:5]}")
    if len(yv) < 4:
        raise InputError(f"geodetector needs at least 4 rows (2 strata of 2); there are {len(yv)}")
    check_not_constant(yv, column=y, method="geodetector")
    return data, yv, factors


def _strata_frame(data: pd.DataFrame, factors: list, strata: dict, discretised: Mapping) -> pd.DataFrame:
    """``pd.DataFrame(strata, index=data.index)`` without stacking N × K values when the factors are numpy
    numeric or boolean columns: the frame's own columns (a copy-on-write view) with the discretised ones set."""
    if not all(isinstance(data[f].dtype, np.dtype) and data[f].dtype.kind in "biuf" for f in factors):
        return pd.DataFrame(strata, index=data.index)
    out = data[factors].set_axis(pd.Index(list(strata)), axis=1)
    for f in discretised:
        out[f] = strata[f]
    return out


def _risk(f, code: np.ndarray, labels: np.ndarray, ys: np.ndarray, unit: float, alpha: float,
          risk_rows: list, test_rows: list) -> None:
    """Risk detector rows of factor ``f``: stratum means and sds, Welch t-tests for every pair of strata.

    The rows are sorted by stratum once (stable, so each stratum keeps the row order): stratum h is one
    contiguous slice, the same values in the same order as ``ys[code == h]``, so the numbers are identical
    to selecting each stratum by a mask, without a pass over all rows per stratum and per pair of strata.
    """
    L = len(labels)
    if L <= 3:  # a mask per stratum is as cheap as sorting
        blocks = [ys[code == h] for h in range(L)]
    else:
        key = code.astype(np.uint8 if L <= 256 else np.uint16 if L <= 65536 else np.int64)  # radix sort if small
        ysort = ys[np.argsort(key, kind="stable")]
        ends = np.cumsum(np.bincount(code, minlength=L))
        blocks = [ysort[e - m:e] for e, m in zip(ends, np.diff(ends, prepend=0))]
    mean = [v.mean() for v in blocks]
    var = [v.var(ddof=1) if len(v) > 1 else np.nan for v in blocks]
    for h, lab in enumerate(labels):
        v = blocks[h]
        risk_rows.append(dict(factor=f, stratum=lab, n=len(v), mean=mean[h] * unit,
                              sd=v.std(ddof=1) * unit if len(v) > 1 else np.nan))
    rows, ts, dofs = [], [], []
    for i, j in itertools.combinations(range(L), 2):
        na, nb = len(blocks[i]), len(blocks[j])
        t = dof = np.nan
        if na > 1 and nb > 1:
            va, vb = var[i] / na, var[j] / nb
            if va + vb > 0:
                t = (mean[i] - mean[j]) / np.sqrt(va + vb)
                dof = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
        rows.append(dict(factor=f, stratum_a=labels[i], stratum_b=labels[j], mean_a=mean[i] * unit,
                         mean_b=mean[j] * unit, t=t, df=dof))
        ts.append(t)
        dofs.append(dof)
    ps = np.full(len(rows), np.nan)
    ok = np.isfinite(ts)
    if ok.any():  # one vectorised call of the t tail for all pairs of strata
        ps[ok] = 2 * stats.t.sf(np.abs(np.asarray(ts)[ok]), np.asarray(dofs)[ok])
    for r, p in zip(rows, ps):
        p = float(p)
        r.update(p=p, significant=bool(p <= alpha) if np.isfinite(p) else None)
        test_rows.append(r)


def _check_k(k, n: int):
    """``k`` as a list of whole numbers 2 … n/2 (a stratum needs two rows on average), or None."""
    if k is None:
        return None
    ks = [k] if isinstance(k, int | np.integer) and not isinstance(k, bool) else list(k)
    bad = [v for v in ks if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 2]
    if bad or not ks:
        raise InputError(f"k must be a whole number ≥ 2 or a list of them, got {k!r}")
    return [int(v) for v in ks]


def geodetector(
    df: pd.DataFrame,
    y: str,
    factors: Sequence[str] | str,
    *,
    discretize: str | Mapping[str, str | tuple] | None = None,
    k: int | Sequence[int] | None = None,
    methods: Sequence[str] | None = None,
    interaction: bool = True,
    risk: bool = True,
    ecological: bool = True,
    alpha: float = 0.05,
    missing: str = "raise",
) -> GeoDetectorResult:
    """Geographical detector of ``y`` by the strata of each factor.

    **Factor detector** (Wang et al. 2010): q = 1 − Σ_h N_h σ_h² / (N σ²) ∈ [0, 1], computed with
    sample variances as SSW/SST = Σ_h (N_h − 1)s_h² / ((N − 1)s²) (R geodetector 1.0-5); significance
    from the noncentral F of Wang, Zhang & Fu (2016): F = (N − L)/(L − 1) · q/(1 − q) follows
    F(L − 1, N − L; λ) with λ = [Σ_h Ȳ_h² − (Σ_h √N_h Ȳ_h)²/N]/s²; p = P(F' > F) from scipy's
    noncentral F (checked against R's ``pf(ncp=)`` and a Poisson-mixture series in the tests).

    **Interaction detector**: q of the overlaid strata X1 ∩ X2, typed by :func:`interaction_type`.
    **Risk detector**: stratum means and a Welch t-test for every pair of strata,
    t = (Ȳ_a − Ȳ_b)/√(s_a²/n_a + s_b²/n_b), Welch–Satterthwaite df (not rounded; R rounds),
    two-sided p.  **Ecological detector** (Wang et al. 2010): F = [N₁(N₂ − 1)SSW₁]/[N₂(N₁ − 1)SSW₂]
    with (N₁ − 1, N₂ − 1) df and a two-sided p (R geodetector 1.0-5 instead divides the two q
    values and uses the 0.9 quantile; py-geodetector tests the lower tail at α).

    **Discretisation**: factors are strata as given unless ``discretize`` names a method
    ("equal", "quantile", "natural", "geometric", "sd") for all factors or per factor
    (``{"elevation": ("quantile", 5)}``), or ``"optimal"``: every method in ``methods`` × every
    k in ``k`` (3–8 by default) is tried and the one with the largest q kept (the optimal-
    parameters geographical detector, Song et al. 2020); the q of every candidate is reported.
    Candidates with k above N/2 are skipped; if none is left the error says which k are possible.

    Data checks and minimum sizes: at least 4 rows; every factor needs at least 2 strata and at most
    N/2 (two rows per stratum on average, as R geodetector: a factor with more strata must be
    discretised, and ``k`` may not exceed N/2); each factor is given once.  Missing values raise
    (or ``missing="drop"``); a constant y or a factor with one stratum raises naming it; strata with
    a single observation enter q (zero variance) but their risk tests are NaN.  y is rescaled
    internally when its magnitude could overflow (q and the tests are scale-invariant).

    **Computation**: q and q12 use SSW = SST − Σ_h S_h²/N_h with S_h the stratum sum of the centred y (no
    squares of raw y); the counts and sums of all factors and pairs come from a few ``bincount`` passes over
    joint codes of groups of factors (:mod:`spatialq.detector._pairs`: 28 passes instead of 210 for 20
    factors of 3–8 strata).  Results equal py-geodetector 0.2.1 (pandas groupby variances) to ~1e-14 and do
    not depend on row order beyond rounding.
    """
    data, yv, factors = _prepare(df, y, factors, discretize, k, methods, missing)
    n = len(yv)
    k = _check_k(k, n)
    kmax = n // 2
    # q, F, λ and the t and F tests are scale-invariant: y near 1e200 would overflow in sums of squares, so they
    # are computed on y / max|y| (when needed); stratum means and sds are reported in y's units
    ys = rescale(yv, column=y)
    unit = float(np.max(np.abs(yv)) / np.max(np.abs(ys)))
    strata: dict = {}
    breaks: dict = {}
    disc_rows = []
    yc = Centred(ys)  # y centred once, for the discretisation search and the detectors
    plan = {}
    if discretize is not None:
        plan = ({f: discretize for f in factors} if isinstance(discretize, str) else dict(discretize))
        unknown = [f for f in plan if f not in factors]
        if unknown:
            raise ValueError(f"discretize= names columns that are not factors: {unknown}")
    for f in factors:
        spec = plan.get(f)
        if spec is None:
            strata[f] = data[f].to_numpy()
            continue
        x = pd.to_numeric(data[f], errors="raise").to_numpy(dtype=float)
        if isinstance(spec, tuple):
            method, kk = spec
            cands = [(method, _check_k(kk, n)[0])]
        elif spec == "optimal":
            cands = _disc.candidates(methods, k)
        else:
            cands = [(spec, k[0] if k else 5)]
        usable = [(m, kk) for m, kk in cands if kk <= kmax]
        if not usable:
            ks = sorted({kk for _, kk in cands})
            how = f"discretize={spec!r}" if not isinstance(spec, tuple) else f"discretize={{{f!r}: {spec!r}}}"
            raise InputError(f"factor {f!r}: k = {ks if len(ks) > 1 else ks[0]} with {how} gives more strata than "
                             f"half of the {n} rows; a stratum needs two rows on average, so pass k between 2 and "
                             f"{kmax}")
        best, reasons = None, {}
        for method, kk in usable:
            try:
                b = _disc.breaks(x, method, kk)
            except ValueError as err:
                reasons[(method, kk)] = str(err)
                continue
            code = _disc.apply(x, b)
            cnt = np.bincount(code, minlength=len(b) + 1)  # q only (no p-value) and strata counted, not sorted
            q = q_only(yc, cnt, np.bincount(code, weights=yc.yc, minlength=len(b) + 1))
            disc_rows.append(dict(factor=f, method=method, k=kk, n_strata=int(np.count_nonzero(cnt)), q=q,
                                  chosen=False))
            if best is None or q > best[0] + 1e-12:
                best = (q, method, kk, b, code, len(disc_rows) - 1)
        if best is None:
            why = "; ".join(f"{m} k={kk}: {r}" for (m, kk), r in list(reasons.items())[:4])
            raise InputError(f"factor {f!r} could not be discretised by any of {usable} ({why})")
        disc_rows[best[5]]["chosen"] = True
        breaks[f] = best[3]
        strata[f] = best[4]
    code_of = {}
    for f in factors:
        code, labels = codes(strata[f])
        L = len(labels)
        if L < 2:
            raise InputError(f"factor {f!r} has a single stratum: it explains nothing")
        if L > n / 2:
            if f in breaks:  # pragma: no cover - k ≤ n/2 is checked above
                raise InputError(f"factor {f!r} has {L} strata for {n} rows after discretisation: pass k ≤ {kmax}")
            raise InputError(f"factor {f!r} has {L} strata for {n} rows (more than half): discretise it "
                             "(discretize='optimal', or e.g. discretize='quantile', k=5)")
        code_of[f] = (code, labels)
    # counts and sums of the centred y per stratum of every factor and overlaid pair, in a few passes (_pairs)
    want_pairs = interaction and len(factors) > 1
    single, pair = overlay_sums(yc.yc, [code_of[f][0] for f in factors], [len(code_of[f][1]) for f in factors],
                                pairs=want_pairs)
    fac_rows = {f: q_from_sums(yc, *single[i]) for i, f in enumerate(factors)}
    factor = pd.DataFrame(fac_rows).T[["q", "p", "F", "ncp", "n_strata"]].astype(float)
    factor["n_strata"] = factor["n_strata"].astype(int)
    factor["rank"] = factor["q"].rank(ascending=False, method="min").astype(int)
    factor.index.name = "factor"
    inter = []
    if want_pairs:
        qf = {f: float(factor.at[f, "q"]) for f in factors}
        for (i, a), (j, b) in itertools.combinations(enumerate(factors), 2):
            q12 = q_only(yc, *pair[i, j])
            t = interaction_type(qf[a], qf[b], q12)
            inter.append(dict(factor1=a, factor2=b, q1=qf[a], q2=qf[b], q12=q12, type=t,
                              type_zh=INTERACTION_TYPES[t][0], type_en=INTERACTION_TYPES[t][1]))
    risk_rows, test_rows = [], []
    if risk:
        for f in factors:
            _risk(f, *code_of[f], ys, unit, alpha, risk_rows, test_rows)
    eco = []
    if ecological and len(factors) > 1:
        for a, b in itertools.combinations(factors, 2):
            s1, s2 = fac_rows[a]["ssw"], fac_rows[b]["ssw"]
            if s2 == 0 or s1 == 0:
                F = p = np.nan
            else:
                F = (n * (n - 1) * s1) / (n * (n - 1) * s2)
                p = 2 * min(stats.f.cdf(F, n - 1, n - 1), stats.f.sf(F, n - 1, n - 1))
            eco.append(dict(factor1=a, factor2=b, F=F, df1=n - 1, df2=n - 1, p=p,
                            significant=bool(p <= alpha) if np.isfinite(p) else None))
    return GeoDetectorResult(
        meta=provenance("spatialq.detector.geodetector", n=n, y=y, factors=factors, discretize=discretize,
                        alpha=alpha),
        factor=factor, interaction=pd.DataFrame(inter), risk=pd.DataFrame(risk_rows),
        risk_tests=pd.DataFrame(test_rows), ecological=pd.DataFrame(eco),
        discretization=pd.DataFrame(disc_rows, columns=["factor", "method", "k", "n_strata", "q", "chosen"]),
        breaks=breaks, strata=_strata_frame(data, factors, strata, breaks), alpha=alpha,
    )
