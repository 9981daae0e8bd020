"""Panel helpers: yearbook tables from wide to long, and a panel check with clear errors.

Yearbook tables are usually *wide* (one row per region, one column per year, e.g.
``2011``, ``2011年``, ``gdp_2011``) and often unbalanced.  spatialq's functions take a
*long* frame (one row per id and year); :func:`wide_to_long` converts and
:func:`check_panel` reports duplicates, missing years and balance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ._results import Result, provenance

__all__ = ["PanelCheck", "check_panel", "wide_to_long"]

_YEAR = re.compile(r"(?<!\d)(1[89]\d{2}|20\d{2})(?!\d)")


def wide_to_long(
    df: pd.DataFrame,
    *,
    id: str,
    value_name: str = "value",
    time: str = "year",
    year_columns: list | None = None,
) -> pd.DataFrame:
    """Melt a wide table (one column per year) into a long one.

    Year columns are recognised by a four-digit year in their name (``2011``, ``"2011年"``,
    ``"gdp_2011"``) unless ``year_columns`` lists them.  Other columns (besides ``id``)
    are kept as identifiers.

    Returns
    -------
    DataFrame with ``id``, the kept columns, ``time`` (int) and ``value_name``, sorted by
    id and year.  The input is not modified.
    """
    if id not in df.columns:
        raise KeyError(f"id column {id!r} not found; columns: {list(df.columns)}")
    if year_columns is None:
        year_columns = [c for c in df.columns if c != id and _YEAR.search(str(c))]
    if not year_columns:
        raise ValueError(f"no year columns recognised among {list(df.columns)}; pass year_columns=")
    years = {}
    for c in year_columns:
        m = _YEAR.search(str(c))
        if not m:
            raise ValueError(f"column {c!r} has no four-digit year in its name")
        years[c] = int(m.group(1))
    if len(set(years.values())) != len(years):
        dup = pd.Series(years).loc[lambda s: s.duplicated(keep=False)]
        raise ValueError(f"several columns give the same year: {dup.to_dict()}")
    keep = [c for c in df.columns if c not in year_columns]
    long = df.melt(id_vars=keep, value_vars=year_columns, var_name=time, value_name=value_name)
    long[time] = long[time].map(years).astype(int)
    return long.sort_values([id, time], kind="stable").reset_index(drop=True)


@dataclass(frozen=True, eq=False, repr=False)
class PanelCheck(Result):
    """Structure of a long panel (see :func:`check_panel`)."""

    ids: tuple
    years: tuple
    balanced: bool
    missing: pd.DataFrame  # id, time pairs absent from the data
    counts: pd.Series  # observations per id

    def _title(self) -> str:
        return "Panel check"

    def _summary_lines(self) -> list[str]:
        lines = [f"units: {len(self.ids)}   years: {len(self.years)} ({self.years[0]}–{self.years[-1]})   "
                 f"rows: {int(self.counts.sum())}   balanced: {self.balanced}"]
        if not self.balanced:
            short = self.counts[self.counts < len(self.years)]
            lines.append(f"units with missing years ({len(short)}): " +
                         ", ".join(f"{i} ({c}/{len(self.years)})" for i, c in short.head(15).items()))
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``id``, ``n_years``, ``first_year``, ``last_year``, ``missing_years``."""
        miss = self.missing.groupby("id")["time"].apply(lambda s: ",".join(map(str, sorted(s))))
        return pd.DataFrame({
            "id": list(self.counts.index),
            "n_years": self.counts.to_numpy(),
            "missing_years": [miss.get(i, "") for i in self.counts.index],
        })

    def _plot(self, ax, **kw):
        present = pd.crosstab(pd.Series(self.missing["id"]), pd.Series(self.missing["time"]))
        ax.bar([str(y) for y in self.years], [len(self.ids) - int(present.get(y, pd.Series()).sum())
                                              for y in self.years], **kw)
        ax.set_ylabel("units observed")
        return ax


def check_panel(
    df: pd.DataFrame,
    *,
    id: str = "adcode",
    time: str = "year",
    require_balanced: bool = False,
) -> PanelCheck:
    """Check a long panel: no duplicate (id, year) rows, no missing ids or years; balance.

    Raises
    ------
    ValueError
        Duplicated (id, year) pairs (listed), missing ids or years, or — with
        ``require_balanced=True`` — missing (id, year) combinations (listed).
    """
    data = df.reset_index() if id not in df.columns and df.index.name == id else df
    for col in (id, time):
        if col not in data.columns:
            raise KeyError(f"column {col!r} not found; columns: {list(data.columns)} "
                           f"(use id=/time= to name yours)")
    nulls = data[[id, time]].isna().any(axis=1)
    if nulls.any():
        raise ValueError(f"{int(nulls.sum())} rows have no {id} or {time} (first at rows "
                         f"{data.index[nulls].tolist()[:5]})")
    dup = data.duplicated([id, time], keep=False)
    if dup.any():
        pairs = data.loc[dup, [id, time]].drop_duplicates().head(10).itertuples(index=False)
        raise ValueError(f"{int(dup.sum())} rows share an ({id}, {time}) pair, e.g. "
                         + ", ".join(f"({a}, {b})" for a, b in pairs))
    ids = tuple(sorted(data[id].unique(), key=str))
    years = tuple(sorted(data[time].unique()))
    full = pd.MultiIndex.from_product([ids, years], names=["id", "time"])
    have = pd.MultiIndex.from_frame(data[[id, time]].set_axis(["id", "time"], axis=1))
    missing = full.difference(have).to_frame(index=False)
    counts = data.groupby(id)[time].size().reindex(list(ids))
    balanced = missing.empty
    if require_balanced and not balanced:
        sample = ", ".join(f"({a}, {b})" for a, b in missing.head(10).itertuples(index=False))
        raise ValueError(f"the panel is unbalanced: {len(missing)} (id, year) pairs missing, e.g. {sample}")
    return PanelCheck(meta=provenance("spatialq.check_panel", n=len(data), id=id, time=time),
                      ids=ids, years=years, balanced=balanced, missing=missing, counts=counts)
