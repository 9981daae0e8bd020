"""Theil T and L indices with within/between decomposition; coefficient of variation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data import grouped_frame, long_frame, time_col
from .._results import Result, provenance

__all__ = ["TheilResult", "cv", "theil"]


@dataclass(frozen=True, eq=False, repr=False)
class TheilResult(Result):
    """Theil indices per period (see :func:`theil`)."""

    table: pd.DataFrame
    groups: pd.DataFrame
    time: str | None

    def _title(self) -> str:
        return "Theil index decomposition"

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


def _theil_parts(v: np.ndarray, g: np.ndarray | None):
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
    for grp in dict.fromkeys(g):
        x = v[g == grp]
        if x.mean() <= 0:
            raise ValueError(f"group {grp!r} has a zero mean: its Theil index is undefined")
        sub, _ = _theil_parts(x, None)
        s = x.sum() / v.sum()
        p = len(x) / n
        wt += s * sub["theil_t"]
        bt += s * np.log(x.mean() / mu)
        wl += p * sub["theil_l"]
        bl += p * np.log(mu / x.mean())
        rows.append(dict(group=grp, n=len(x), mean=x.mean(), theil_t=sub["theil_t"], theil_l=sub["theil_l"],
                         income_share=s, population_share=p, contribution_t=s * sub["theil_t"]))
    out.update(within_t=wt, between_t=bt, within_l=wl, between_l=bl)
    return out, rows


def theil(
    df: pd.DataFrame,
    value: str,
    group: str | pd.Series | None = None,
    *,
    by: str | None = "year",
    id: str = "adcode",
) -> TheilResult:
    """Theil T (GE(1)) and L (GE(0), mean log deviation) with the within/between split.

    T = (1/n) Σ (y_i/μ) ln(y_i/μ) = Σ_g s_g T_g + Σ_g s_g ln(μ_g/μ)  (s_g the group's share of the total);
    L = (1/n) Σ ln(μ/y_i) = Σ_g p_g L_g + Σ_g p_g ln(μ/μ_g)  (p_g the group's share of units).

    Unweighted: each region counts once (pass population-weighted data yourself if needed).
    T allows zeros (0·ln 0 = 0); L needs positive values and is NaN when a value is 0.
    Negative values are an error.  Reference: Theil (1967); Shorrocks (1980).
    """
    data, g_all = grouped_frame(df, id=id, time=by, value=value, group=group)
    v_all = data[value].to_numpy()
    if np.any(v_all < 0):
        raise ValueError(f"{value!r} has negative values at ids {data.loc[v_all < 0, id].tolist()[:10]}")
    t = time_col(data, by)
    rows, grows = [], []
    for period, idx in data.groupby(t, sort=True).groups.items():
        pos = data.index.get_indexer(idx)
        v = v_all[pos]
        if v.mean() <= 0:
            raise ValueError(f"the mean of {value!r} is zero in period {period}")
        parts, gr = _theil_parts(v, None if g_all is None else np.asarray(g_all, dtype=object)[pos])
        row = dict(period=period, **parts)
        if g_all is not None:
            row["within_share_t"] = parts["within_t"] / parts["theil_t"] if parts["theil_t"] else np.nan
            row["between_share_t"] = parts["between_t"] / parts["theil_t"] if parts["theil_t"] else np.nan
        rows.append(row)
        grows += [dict(period=period, **r) for r in gr]
    table = pd.DataFrame(rows)
    if g_all is None:
        table["within_t"], table["between_t"] = table["theil_t"], 0.0
    return TheilResult(meta=provenance("spatialq.inequality.theil", n=len(data), value=value, by=by,
                                       group=None if group is None else str(getattr(group, "name", group))),
                       table=table, groups=pd.DataFrame(grows), time=None if t == "_time" else t)


def cv(df: pd.DataFrame, value: str, *, by: str | None = "year", id: str = "adcode", ddof: int = 1) -> pd.DataFrame:
    """Coefficient of variation σ/μ per period (``ddof=1``: sample standard deviation, as Excel's
    STDEV and R's ``sd``).  Returns a frame with the period, ``n``, ``mean``, ``sd`` and ``cv``."""
    data = long_frame(df, id=id, time=by, columns=[value])
    t = time_col(data, by)
    g = data.groupby(t, sort=True)[value]
    out = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(ddof=ddof)})
    if (out["mean"] == 0).any():
        raise ValueError("a period has mean 0: the coefficient of variation is undefined")
    out["cv"] = out["sd"] / out["mean"]
    return out.reset_index().rename(columns={"_time": "period"})
