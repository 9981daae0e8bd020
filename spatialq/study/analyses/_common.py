"""Helpers shared by the analysis modules: labels in the study's language, defaults, region names,
per-region tables with maps, membership tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._schema import NUM, Opt

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Context

__all__ = [
    "COLUMN",
    "PERMUTATIONS",
    "YEAR",
    "YEARS",
    "check_factors",
    "check_step",
    "col",
    "even_years",
    "labels",
    "last_year",
    "members",
    "named",
    "needs_regions",
    "t",
    "unit_table_and_map",
]

MAX_PERMUTATIONS = 99_999
COLUMN = Opt(str, None, doc="variable to analyse (default: the index)")
YEAR = Opt(int, None, doc="year to show or use (default: the last)", low=1000, high=3000)
YEARS = Opt(list, None, doc="years of an extra panel of maps (default: none)", low=1000, high=3000, max_len=200)
PERMUTATIONS = Opt(int, 999, doc=f"conditional permutations (0–{MAX_PERMUTATIONS})", low=0, high=MAX_PERMUTATIONS)
ALPHA = Opt(NUM, 0.05, doc="significance level", low=1e-6, high=0.5)


def t(ctx: Context, zh: str, en: str) -> str:
    """``zh`` or ``en`` by the study's language."""
    return zh if ctx.lang == "zh" else en


def labels(ctx: Context, ax, x: tuple[str, str] | None = None, y: tuple[str, str] | None = None):
    """Axis labels in the study's language ((zh, en) pairs); returns the axes."""
    if x is not None:
        ax.set_xlabel(t(ctx, *x))
    if y is not None:
        ax.set_ylabel(t(ctx, *y))
    return ax


def col(ctx: Context, opts) -> str:
    """The analysed column: ``column`` or the index."""
    return opts.get("column") or ctx.index_name


def last_year(ctx: Context, opts) -> int:
    return int(opts.get("year") or ctx.data["year"].max())


def named(ctx: Context, frame: pd.DataFrame, id_col: str = "adcode") -> pd.DataFrame:
    """``frame`` with the regions' names (in the study's language) as its second column."""
    frame = frame.copy()
    frame.insert(1, t(ctx, "地区", "region"), ctx.names.reindex(frame[id_col]).to_numpy())
    return frame


def even_years(years: list[int], n: int = 4) -> list[int]:
    """Up to ``n`` evenly spaced years, first and last included."""
    if len(years) <= n:
        return years
    pos = np.linspace(0, len(years) - 1, n).round().astype(int)
    return [years[i] for i in dict.fromkeys(pos)]


def unit_table_and_map(ctx: Context, res, name: str, caption: tuple[str, str], year: int,
                       map_caption: tuple[str, str], years: list | None = None, *, frame: pd.DataFrame | None = None,
                       **plot_kw) -> None:
    """A per-region result: its table (with region names), its map of ``year`` and, with ``years``, a
    panel of maps of those years."""
    ctx.table(name, named(ctx, res.to_frame() if frame is None else frame), t(ctx, *caption))
    title = t(ctx, *map_caption)
    ax = res.plot(gdf=ctx.gdf, period=year, lang=ctx.lang, title=title, **plot_kw)
    ctx.figure(f"{name}_map", ax, title)
    if years:
        from ...plot.choropleth import map_panels

        def draw(ax, period, i):
            res.plot(ax=ax, gdf=ctx.gdf, period=period, lang=ctx.lang, legend=i == 0, north_arrow=i == 0,
                     scale_bar_km=1000 if i == 0 else None, **plot_kw)

        fig = map_panels(draw, years, title=t(ctx, *caption))
        ctx.figure(f"{name}_maps", fig, t(ctx, f"{caption[0]}（{'、'.join(map(str, years))}）",
                                          f"{caption[1]} ({', '.join(map(str, years))})"))


def members(ctx: Context, table: pd.DataFrame, column: str, codes: list, zh: tuple, en: tuple) -> pd.DataFrame:
    """The papers' table of which regions fall in each type, one row per year: 年份 | 高-高 (n) | …"""
    names = ctx.names
    short = ctx.gdf["name_short"] if ctx.lang == "zh" and "name_short" in ctx.gdf else names
    rows = []
    for year, part in table.groupby("year", sort=True):
        row = {t(ctx, "年份", "year"): year}
        for code, lz, le in zip(codes, zh, en):
            ids = part.loc[part[column] == code, "adcode"].tolist()
            label = t(ctx, lz, le)
            shown = [str(short.get(i, i)) for i in ids]
            row[label] = ("、" if ctx.lang == "zh" else ", ").join(shown)
            row[f"{label} n"] = len(ids)
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- checks shared by analyses


def needs_regions(name):
    def check(opts, sections) -> list[str]:
        if sections.get("regions") is None:
            return [f"[analyses.{name}]: needs a [regions] section (the groups to decompose by)"]
        return []

    return check

def check_factors(name):
    def check(opts, view) -> list[str]:
        target = opts.get("column") or view.target
        if target in (opts.get("factors") or []):
            return [f"[analyses.{name}] factors: {target!r} is the variable being explained; remove it from the "
                    "factors"]
        return []

    return check

def check_step(name):
    def check(opts, view) -> list[str]:
        years = set(view.years)
        if not any(y + opts["step"] in years for y in years):
            return [f"[analyses.{name}] step: no year has a year {opts['step']} later in the data "
                    f"(years {sorted(years)}); set step to the gap between observed years"]
        n = view.data["adcode"].nunique()
        if opts["classes"] > n:
            return [f"[analyses.{name}] classes: {opts['classes']} classes for {n} regions; use at most {n}"]
        return []

    return check


def gaps_text(view, years: tuple[int, ...]) -> str:
    """``"N region(s) lack years: 江苏省 (320000) lacks 2016, 2017; … (missing per year: …)"`` or ``""``."""
    d = view.data
    want = sorted(set(years))
    codes = pd.unique(d["adcode"])
    have = pd.MultiIndex.from_arrays([d["adcode"], d["year"].astype(int)])
    missing = pd.MultiIndex.from_product([codes, want]).difference(have)  # (region, year) pairs absent
    if missing.empty:
        return ""
    gaps: dict = {}
    for code, year in missing:
        gaps.setdefault(code, []).append(int(year))
    gaps = {code: sorted(miss) for code, miss in gaps.items()}
    items = [f"{view.names.get(code, code)} ({code}) lacks {', '.join(map(str, miss))}"
             for code, miss in sorted(gaps.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    by_year = pd.Series([y for miss in gaps.values() for y in miss]).value_counts().sort_index()
    return (f"{len(gaps)} region(s) lack years: " + "; ".join(items[:10]) + (" …" if len(items) > 10 else "")
            + f" (missing per year: {', '.join(f'{y}: {n}' for y, n in by_year.items())})")


def balanced(name: str, view, years: tuple[int, ...] | None = None) -> list[str]:
    """A problem naming the regions and years missing from a panel that ``name`` needs balanced."""
    gaps = gaps_text(view, tuple(years or view.years))
    return [f"[analyses.{name}]: needs every region in every year; {gaps}"] if gaps else []
