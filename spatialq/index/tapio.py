"""Tapio (2005) decoupling elasticity and states."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data import long_frame
from .._results import Result, provenance

__all__ = ["COLLAPSED", "STATES", "TapioResult", "tapio"]

#: The eight states: key -> (Chinese, English, collapsed group)
STATES = {
    "strong_decoupling": ("强脱钩", "strong decoupling", "脱钩"),
    "weak_decoupling": ("弱脱钩", "weak decoupling", "脱钩"),
    "recessive_decoupling": ("衰退脱钩", "recessive decoupling", "脱钩"),
    "expansive_coupling": ("扩张连结", "expansive coupling", "连结"),
    "recessive_coupling": ("衰退连结", "recessive coupling", "连结"),
    "expansive_negative_decoupling": ("扩张负脱钩", "expansive negative decoupling", "负脱钩"),
    "strong_negative_decoupling": ("强负脱钩", "strong negative decoupling", "负脱钩"),
    "weak_negative_decoupling": ("弱负脱钩", "weak negative decoupling", "负脱钩"),
}
COLLAPSED = {"脱钩": "decoupling", "连结": "coupling", "负脱钩": "negative decoupling"}


def _state(dc: float, da: float, eps: float) -> str | None:
    if da == 0 or not np.isfinite(eps):
        return None
    if da > 0:
        if dc < 0:
            return "strong_decoupling"
        if eps < 0.8:
            return "weak_decoupling"
        if eps <= 1.2:
            return "expansive_coupling"
        return "expansive_negative_decoupling"
    if dc > 0:
        return "strong_negative_decoupling"
    if eps > 1.2:
        return "recessive_decoupling"
    if eps >= 0.8:
        return "recessive_coupling"
    return "weak_negative_decoupling"


@dataclass(frozen=True, eq=False, repr=False)
class TapioResult(Result):
    """Decoupling states (see :func:`tapio`)."""

    table: pd.DataFrame

    def _title(self) -> str:
        return "Tapio decoupling"

    def _summary_lines(self) -> list[str]:
        c = self.table["state_zh"].value_counts()
        return ["states: " + ", ".join(f"{k} {v}" for k, v in c.items()),
                f"undefined (driver unchanged): {int(self.table['state'].isna().sum())}"]

    def to_frame(self) -> pd.DataFrame:
        """``id``, ``time`` (end year of the step), ``base_time``, ``pct_effect``, ``pct_driver``,
        ``elasticity``, ``state`` (key), ``state_zh``, ``state_en``, ``group_zh`` (脱钩/连结/负脱钩),
        ``group_en``."""
        return self.table.copy()

    def _plot(self, ax, **kw):
        ct = pd.crosstab(self.table.iloc[:, 1], self.table["group_zh"])
        ct.plot(kind="bar", stacked=True, ax=ax, **kw)
        ax.set_ylabel("regions")
        return ax


def tapio(
    df: pd.DataFrame,
    effect: str,
    driver: str,
    *,
    step: int = 1,
    id: str = "adcode",
    time: str = "year",
) -> TapioResult:
    """Tapio decoupling elasticity ε = (ΔC/C₀)/(ΔA/A₀) between t and t + ``step``.

    C is the ``effect`` (emissions, land use …), A the ``driver`` (GDP …).  The eight states
    (Tapio 2005, Transport Policy 12: 137–151), by the signs of ΔA and ΔC and the thresholds
    0.8 and 1.2:

    =====  =====  ===============  ==============================
    ΔA     ΔC     ε                state
    =====  =====  ===============  ==============================
    > 0    < 0    ε < 0            strong decoupling 强脱钩
    > 0    ≥ 0    0 ≤ ε < 0.8      weak decoupling 弱脱钩
    > 0    > 0    0.8 ≤ ε ≤ 1.2    expansive coupling 扩张连结
    > 0    > 0    ε > 1.2          expansive negative decoupling 扩张负脱钩
    < 0    > 0    ε < 0            strong negative decoupling 强负脱钩
    < 0    ≤ 0    0 ≤ ε < 0.8      weak negative decoupling 弱负脱钩
    < 0    < 0    0.8 ≤ ε ≤ 1.2    recessive coupling 衰退连结
    < 0    < 0    ε > 1.2          recessive decoupling 衰退脱钩
    =====  =====  ===============  ==============================

    Boundaries 0.8 and 1.2 belong to coupling (ε is compared after rounding to 10 decimals, so
    floating-point noise does not move a pair across them); ΔC = 0 with growth is weak
    decoupling (ε = 0).
    ΔA = 0 leaves ε undefined: the state is missing (counted in the summary).  The states
    collapse to 脱钩 / 连结 / 负脱钩 for a Markov chain (``group_zh``).  Base values must be
    positive.  Needs at least one region observed in two years ``step`` apart (each pair is
    computed on its own); the table is sorted by (id, time).
    """
    if step < 1:
        raise ValueError(f"step must be a positive number of years, got {step}")
    data = long_frame(df, id=id, time=time, columns=[effect, driver])
    if time not in data.columns:
        raise KeyError(f"tapio needs the time column {time!r}")
    data = data.sort_values([id, time])
    base = data.rename(columns={effect: "c0", driver: "a0", time: "base_time"})
    base[time] = base["base_time"] + step
    m = data.merge(base[[id, time, "base_time", "c0", "a0"]], on=[id, time], how="inner")
    if m.empty:
        raise ValueError(f"no pairs of years {step} apart in the data")
    if (m[["c0", "a0"]] <= 0).any().any():
        bad = m.loc[(m[["c0", "a0"]] <= 0).any(axis=1), [id, "base_time"]].head(10).to_records(index=False).tolist()
        raise ValueError(f"base values must be positive for growth rates; not at {bad}")
    pc = (m[effect] - m["c0"]) / m["c0"]
    pa = (m[driver] - m["a0"]) / m["a0"]
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = np.where(pa != 0, pc / pa, np.nan)
    # classify on ε rounded to 10 decimals, so 0.08/0.10 = 0.7999999999999999 counts as 0.8
    eps_class = np.round(eps, 10)
    keys = [_state(c, a, e) for c, a, e in zip(pc, pa, eps_class)]
    table = pd.DataFrame({id: m[id], time: m[time], "base_time": m["base_time"], "pct_effect": pc,
                          "pct_driver": pa, "elasticity": eps, "state": keys})
    table["state_zh"] = [STATES[k][0] if k else None for k in keys]
    table["state_en"] = [STATES[k][1] if k else None for k in keys]
    table["group_zh"] = [STATES[k][2] if k else None for k in keys]
    table["group_en"] = [COLLAPSED[STATES[k][2]] if k else None for k in keys]
    return TapioResult(meta=provenance("spatialq.index.tapio", n=len(table), effect=effect, driver=driver, step=step),
                       table=table.reset_index(drop=True))
