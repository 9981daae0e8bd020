"""Theil T and L indices with within/between decomposition; coefficient of variation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data import grouped_frame, long_frame, time_col
from .._guards import InputError, at, check_min_units, rescale
from .._results import Result, provenance

__all__ = ["TheilResult", "cv", "theil"]


@dataclass(frozen=True, eq=False, repr=False)
class TheilResult(Result):
    """Theil indices per period (see :func:`theil`)."""

    table: pd.DataFrame
    groups: pd.DataFrame
    time: str | None

    def _title(self) -> str:
        w = self.meta.options.get("weight")
        return "Theil index decomposition" + (f" (weighted by {w})" if w else "")

    def _summary_lines(self) -> list[str]:
        t = self.table
        has_l = "theil_l" in t.columns
        lines = [f"{'period':>8}{'T':>9}{'T within':>10}{'T between':>11}" + (f"{'L':>9}" if has_l else "")]
        for r in t.itertuples():
            lines.append(f"{r.period!s:>8}{r.theil_t:>9.4f}{r.within_t:>10.4f}{r.between_t:>11.4f}"
                         + (f"{r.theil_l:>9.4f}" if has_l else ""))
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Per period: ``theil_t``, ``within_t``, ``between_t``, shares, and the same for L when defined."""
        return self.table.rename(columns={"period": self.time or "period"}).copy()

    def _plot(self, ax, **kw):
        self.table.set_index("period")[["within_t", "between_t"]].plot(kind="bar", stacked=True, ax=ax, **kw)
        ax.set_ylabel("Theil T")
        return ax


def _theil_parts(v: np.ndarray, g: np.ndarray | None, period=None, unit: float = 1.0):
    mu = v.mean()
    r = v / mu
    with np.errstate(divide="ignore", invalid="ignore"):
        t_total = float(np.mean(np.where(r > 0, r * np.log(r), 0.0)))
        l_total = float(np.mean(np.log(1 / r))) if np.all(v > 0) else np.nan
    out = {"theil_t": t_total, "theil_l": l_total}
    if g is None:
        return out, []
    rows, wt, bt, wl, bl = [], 0.0, 0.0, 0.0, 0.0
    n = len(v)
    for grp in _group_order(g):
        x = v[np.asarray(g == grp)]
        if x.mean() <= 0:
            raise InputError(f"theil: group {grp!r} has a zero mean{at(period)}: its Theil index is undefined")
        sub, _ = _theil_parts(x, None)
        s = x.sum() / v.sum()
        p = len(x) / n
        wt += s * sub["theil_t"]
        bt += s * np.log(x.mean() / mu)
        wl += p * sub["theil_l"]
        bl += p * np.log(mu / x.mean())
        rows.append(dict(group=grp, n=len(x), mean=x.mean() * unit, theil_t=sub["theil_t"], theil_l=sub["theil_l"],
                         income_share=s, population_share=p, contribution_t=s * sub["theil_t"]))
    out.update(within_t=wt, between_t=bt, within_l=wl, between_l=bl)
    return out, rows


def _weighted_parts(v: np.ndarray, w: np.ndarray, g, period=None, unit: float = 1.0):
    """Population-weighted T and L (region shares s_i of the aggregate v·w, p_i of the weight) and their
    exact within/between split (within T weighted by the groups' aggregate shares S_g, within L by P_g)."""
    agg = v * w
    s, p = agg / agg.sum(), w / w.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        t_total = float(np.sum(np.where(s > 0, s * (np.log(s) - np.log(p)), 0.0)))
        l_total = float(np.sum(p * (np.log(p) - np.log(s)))) if np.all(s > 0) else np.nan
    out = {"theil_t": t_total, "theil_l": l_total}
    if g is None:
        return out, []
    rows, wt, bt, wl, bl = [], 0.0, 0.0, 0.0, 0.0
    labels = _group_order(g)
    g = np.asarray(g, dtype=object)
    for grp in labels:
        m = g == grp
        big_s, big_p = float(s[m].sum()), float(p[m].sum())
        if not big_s > 0:
            raise InputError(f"theil: group {grp!r} has a zero mean{at(period)}: its Theil index is undefined")
        sub, _ = _weighted_parts(v[m], w[m], None)
        wt += big_s * sub["theil_t"]
        bt += big_s * np.log(big_s / big_p)
        wl += big_p * sub["theil_l"]
        bl += big_p * np.log(big_p / big_s)
        rows.append(dict(group=grp, n=int(m.sum()), mean=float(agg[m].sum() / w[m].sum()) * unit,
                         theil_t=sub["theil_t"], theil_l=sub["theil_l"], income_share=big_s, population_share=big_p,
                         contribution_t=big_s * sub["theil_t"]))
    out.update(within_t=wt, between_t=bt, within_l=wl, between_l=bl)
    return out, rows


def _group_order(g) -> list:
    """Groups in a fixed order whatever the row order: a categorical's categories, else sorted."""
    if isinstance(g, pd.Series) and isinstance(g.dtype, pd.CategoricalDtype):
        present = set(g.dropna())
        return [c for c in g.cat.categories if c in present]
    labels = list(dict.fromkeys(np.asarray(g, dtype=object)))
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


def theil(
    df: pd.DataFrame,
    value: str,
    group: str | pd.Series | None = None,
    *,
    weight: str | None = None,
    by: str | None = "year",
    id: str = "adcode",
) -> TheilResult:
    """Theil T (GE(1)) and L (GE(0), mean log deviation) with the within/between split.

    T = (1/n) Σ (y_i/μ) ln(y_i/μ) = Σ_g s_g T_g + Σ_g s_g ln(μ_g/μ)  (s_g the group's share of the total);
    L = (1/n) Σ ln(μ/y_i) = Σ_g p_g L_g + Σ_g p_g ln(μ/μ_g)  (p_g the group's share of units).

    Unweighted (``weight=None``): each region counts once.

    Population-weighted (``weight="pop"``): ``value`` is a per-capita quantity (GDP per capita) and
    ``weight`` the population, so region i has the aggregate Y_i = value_i · weight_i (its GDP).  With
    s_i = Y_i / Σ Y its share of the aggregate and p_i = weight_i / Σ weight its population share,

    T = Σ_i s_i ln(s_i / p_i),   L = Σ_i p_i ln(p_i / s_i),

    and, with S_g = Σ_{i∈g} s_i and P_g = Σ_{i∈g} p_i (Shorrocks 1980; the convention of Akita 2003
    and the Chinese regional-disparity literature),

    T = Σ_g S_g T_g + Σ_g S_g ln(S_g / P_g),   L = Σ_g P_g L_g + Σ_g P_g ln(P_g / S_g),

    where T_g, L_g are the same indices computed within group g (shares relative to the group); T weights
    by GDP shares and L by population shares (the "GDP-weighted" and "population-weighted" Theil).  Both
    splits are exact.  A constant weight gives the unweighted indices.  The group table's ``mean`` is
    then the weighted mean Σ Y / Σ weight, ``income_share`` S_g and ``population_share`` P_g.
    Weights must be positive and finite: a zero or negative weight is an error naming the unit and
    the period.

    T allows zeros (0·ln 0 = 0); L needs positive values and is NaN when a value is 0.
    Negative values are an error.  Reference: Theil (1967); Shorrocks (1980); Akita, T. (2003),
    Decomposing regional income inequality in China and Indonesia using two-stage nested Theil
    decomposition method, *Annals of Regional Science* 37: 55–77.

    Needs at least 2 regions per period and a positive mean (an error names the period).  The
    indices are scale-invariant: values that could overflow (around 1e200) are divided by their
    largest magnitude first.  Groups are listed in a fixed order (a categorical's categories, else
    sorted), so the row order of ``df`` does not matter.
    """
    data, g_all = grouped_frame(df, id=id, time=by, value=value, group=group)
    data = data.reset_index(drop=True)  # the input's index may repeat labels (e.g. after pd.concat)
    g_all = None if g_all is None else np.asarray(g_all, dtype=object)
    v_all = data[value].to_numpy()
    if np.any(v_all < 0):
        raise InputError(f"{value!r} has negative values at ids {data.loc[v_all < 0, id].tolist()[:10]}; the Theil "
                         "index needs non-negative values")
    t = time_col(data, by)
    w_all = None
    if weight is not None:
        wdata = long_frame(df, id=id, time=by, columns=[weight])
        if not np.array_equal(wdata[id].to_numpy(), data[id].to_numpy()):  # pragma: no cover - same sort
            raise InputError("theil: the weight rows could not be aligned with the value rows")
        w_all = wdata[weight].to_numpy(dtype=float)
        bad = ~(w_all > 0)
        if bad.any():
            where = [(i, p) for i, p in zip(data.loc[bad, id], data.loc[bad, t])][:10]
            where = [i if t == "_time" else (i, p) for i, p in where]
            raise InputError(f"theil: weight column {weight!r} must be positive; non-positive at "
                             f"{'ids' if t == '_time' else '(id, period)'} {where} "
                             f"(e.g. {w_all[bad][0]:.6g}); drop those units or fix their weight")
    g_obj = None if g_all is None else pd.Series(g_all, index=data.index)
    if g_obj is not None and isinstance(group, pd.Series) and isinstance(group.dtype, pd.CategoricalDtype):
        g_obj = g_obj.astype(pd.CategoricalDtype(group.cat.categories))
    rows, grows = [], []
    for period, idx in data.sort_values(id, kind="mergesort").groupby(t, sort=True).groups.items():
        pos = data.index.get_indexer(idx)
        when = None if t == "_time" else period
        check_min_units(len(pos), 2, method="theil", period=when, what="regions")
        v = rescale(v_all[pos], column=value, period=when)
        unit = float(np.max(v_all[pos]) / np.max(v)) if np.max(v) > 0 else 1.0
        if not v.mean() > 0:
            raise InputError(f"theil: the mean of {value!r} is not positive{at(when)}: the Theil index is undefined")
        gsub = None if g_obj is None else g_obj.loc[idx]
        if w_all is None:
            parts, gr = _theil_parts(v, gsub, when, unit)
        else:
            wv = rescale(w_all[pos], column=weight, period=when, always=True)
            vv = rescale(v, column=value, period=when, always=True)
            vunit = float(np.max(v_all[pos]) / np.max(vv))
            parts, gr = _weighted_parts(vv, wv, gsub, when, vunit)
        row = dict(period=period, **parts)
        if g_all is not None:
            row["within_share_t"] = parts["within_t"] / parts["theil_t"] if parts["theil_t"] else np.nan
            row["between_share_t"] = parts["between_t"] / parts["theil_t"] if parts["theil_t"] else np.nan
        rows.append(row)
        grows += [dict(period=period, **r) for r in gr]
    table = pd.DataFrame(rows)
    if g_all is None:
        table["within_t"], table["between_t"] = table["theil_t"], 0.0
    return TheilResult(meta=provenance("spatialq.inequality.theil", n=len(data), value=value, weight=weight, by=by,
                                       group=None if group is None else str(getattr(group, "name", group))),
                       table=table, groups=pd.DataFrame(grows), time=None if t == "_time" else t)


def cv(df: pd.DataFrame, value: str, *, by: str | None = "year", id: str = "adcode", ddof: int = 1) -> pd.DataFrame:
    """Coefficient of variation σ/μ per period (``ddof=1``: sample standard deviation, as Excel's
    STDEV and R's ``sd``).  Returns a frame with the period, ``n``, ``mean``, ``sd`` and ``cv``.

    The CV is defined for a ratio-scale variable with a positive mean: a period whose mean is not
    positive, or is zero up to rounding (|μ| ≤ 1e-10 · max|x|, where σ/μ would be ±1e15 of noise), is
    an error naming the column and the period.  Needs at least ``ddof + 1`` (2) regions per period.
    Scale-invariant: values that could overflow are divided by their largest magnitude first (the
    ``mean`` and ``sd`` columns stay in the variable's units)."""
    if isinstance(ddof, bool) or not isinstance(ddof, int) or ddof < 0:
        raise InputError(f"ddof must be 0 or 1, got {ddof!r}")
    data = long_frame(df, id=id, time=by, columns=[value])
    t = time_col(data, by)
    rows = []
    for period, part in data.sort_values(id, kind="mergesort").groupby(t, sort=True):
        when = None if t == "_time" else period
        x = part[value].to_numpy(dtype=float)
        check_min_units(len(x), ddof + 1, method="cv", period=when, what="regions",
                        why=f"a standard deviation with ddof={ddof}")
        xs = rescale(x, column=value, period=when)
        top = float(np.max(np.abs(xs)))
        unit = float(np.max(np.abs(x)) / top) if top > 0 else 1.0
        mean, sd = float(xs.mean()), float(xs.std(ddof=ddof))
        if not mean > 1e-10 * top:
            zero = " — zero up to rounding" if mean > 0 else ""
            raise InputError(f"cv: the mean of {value!r} is not positive{at(when)} ({mean * unit:.6g}{zero}, values "
                             f"from {x.min():.6g} to {x.max():.6g}): the coefficient of variation is defined for a "
                             "positive ratio-scale variable")
        rows.append({t: period, "n": len(x), "mean": mean * unit, "sd": sd * unit, "cv": sd / mean})
    out = pd.DataFrame(rows)
    return out.rename(columns={"_time": "period"})
