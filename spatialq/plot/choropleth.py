"""Classed choropleths, small multiples by year, categorical maps and figure export.

Classification uses mapclassify's schemes (``mapclassify.classify``: "quantiles",
"equalinterval", "naturalbreaks", "fisherjenks", "jenkscaspall", "headtailbreaks",
"maximumbreaks", "stdmean", "boxplot", "percentiles", …) or user bins.  In
:func:`small_multiples` the classes are computed once over every period shown, so a colour
means the same value range in each panel (per-period classes would make the panels look alike
however much the values move); ``pooled=False`` gives per-period classes with their own legends.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._guards import InputError

__all__ = ["category_map", "class_bins", "class_labels", "map_panels", "save", "small_multiples"]


def class_bins(values, scheme: str = "quantiles", k: int = 5, *, bins: Sequence[float] | None = None) -> np.ndarray:
    """Upper bounds of the classes (the last is the maximum) from a mapclassify scheme or user ``bins``."""
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    if v.size == 0:
        raise InputError("no numeric values to classify (every value is missing)")
    if np.isinf(v).any():
        raise InputError(f"{int(np.isinf(v).sum())} values to classify are infinite; replace them or set them to NaN")
    if bins is not None:
        b = np.asarray(sorted(float(x) for x in bins))
        if b[-1] < v.max():
            b = np.append(b, v.max())
        return b
    from ._mpl import mapclassify

    try:
        c = mapclassify().classify(v, scheme, k=k)
    except (KeyError, ValueError) as err:
        raise ValueError(f"unknown or unusable classification scheme {scheme!r} ({err}); use e.g. 'quantiles', "
                         "'equalinterval', 'naturalbreaks', 'fisherjenks' or bins=[...]") from err
    return np.unique(np.asarray(c.bins, dtype=float))


def class_labels(bins: np.ndarray, low: float, *, fmt: str = "{:.2f}") -> list[str]:
    """Legend labels "a – b" for classes with upper bounds ``bins`` starting at ``low``."""
    from itertools import pairwise

    return [f"{fmt.format(a)} – {fmt.format(b)}" for a, b in pairwise([low, *bins])]


def _assign(values: pd.Series, bins: np.ndarray, labels: list[str]) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce")
    idx = np.searchsorted(bins, v.to_numpy(dtype=float), side="left")
    idx = np.clip(idx, 0, len(bins) - 1)
    out = pd.Series(np.asarray(labels, dtype=object)[idx], index=values.index)
    return out.where(v.notna())


def _colors(cmap: str, n: int) -> list:
    import matplotlib as mpl

    cm = mpl.colormaps[cmap]
    return [mpl.colors.to_hex(cm(x)) for x in np.linspace(0.08, 0.92, n)] if n > 1 else [mpl.colors.to_hex(cm(0.6))]


def _geometry(gdf, level: str):
    from .. import geometry

    if gdf is not None:
        return gdf
    loaders = {"province": geometry.provinces, "prefecture": geometry.prefectures, "county": geometry.counties}
    if level not in loaders:
        raise ValueError(f"level must be one of {list(loaders)}, got {level!r}")
    return loaders[level]()


def small_multiples(
    data: pd.DataFrame,
    column: str,
    *,
    gdf=None,
    level: Literal["province", "prefecture", "county"] = "province",
    by: str = "year",
    periods: Sequence | None = None,
    id: str = "adcode",
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    pooled: bool = True,
    cmap: str = "YlOrRd",
    ncols: int = 2,
    lang: Literal["zh", "en"] = "zh",
    fmt: str = "{:.2f}",
    title: str | None = None,
    legend_title: str | None = None,
    panel_width: float = 4.2,
    **map_kw,
):
    """Maps of ``column`` for several periods side by side with one set of classes.

    Parameters
    ----------
    data : DataFrame
        Long panel with the ``id`` column (or index) and ``by``.
    column : str
        Numeric column to map.
    gdf : GeoDataFrame, optional
        Geometry indexed by id (default: the bundled ``level`` units).
    periods : sequence, optional
        Periods to show (default: all, in order).  Four to six panels fit a journal page.
    scheme, k, bins
        mapclassify scheme and number of classes, or explicit upper bounds ``bins``.
    pooled : bool, default True
        Classes from the values of all panels together (comparable colours); False classes each
        panel on its own values.
    ncols : int, default 2
    lang : {"zh", "en"}
        Map furniture language (see :func:`spatialq.plot.china_map`).
    **map_kw
        Passed to :func:`spatialq.plot.china_map` (``labels``, ``edgecolor``, ``linewidth`` …).

    Returns
    -------
    matplotlib Figure; ``fig.axes`` holds one main axes per period (and the insets).
    """
    if column not in data.columns:
        raise KeyError(f"column {column!r} not in the data; columns: {list(data.columns)}")
    frame = data.reset_index() if id not in data.columns else data
    if id not in frame.columns or by not in frame.columns:
        raise KeyError(f"the data needs the id column {id!r} and the period column {by!r}")
    if not pd.api.types.is_numeric_dtype(frame[column]):
        raise TypeError(f"column {column!r} is not numeric; use china_map(..., categorical=True) for categories")
    all_periods = list(pd.unique(frame[by].sort_values()))
    periods = all_periods if periods is None else list(periods)
    missing = [p for p in periods if p not in all_periods]
    if missing:
        raise ValueError(f"periods {missing} are not in column {by!r} (has {all_periods})")
    if not periods:
        raise ValueError("no periods to draw")
    dup = frame.duplicated([id, by])
    if dup.any():
        raise ValueError(f"repeated ({id}, {by}) rows, e.g. {frame.loc[dup, [id, by]].iloc[0].tolist()}")
    shown = frame[frame[by].isin(periods)]
    inf = np.isinf(pd.to_numeric(shown[column], errors="coerce").to_numpy(dtype=float))
    if inf.any():
        where = shown.loc[inf, [id, by]].head(8).to_records(index=False).tolist()
        raise InputError(f"column {column!r} has infinite values at {where}; replace them or set them to NaN")
    if shown[column].isna().all():
        raise InputError(f"column {column!r} has no values in periods {periods}; nothing to map")
    geo = _geometry(gdf, level)
    pooled_bins = class_bins(shown[column], scheme, k, bins=bins) if pooled else None
    from .maps import china_map

    lt = legend_title or column
    scale_bar = map_kw.pop("scale_bar_km", 1000)

    def draw(ax, period, i):
        part = shown[shown[by] == period].set_index(id)[column]
        b = pooled_bins if pooled else class_bins(part, scheme, k, bins=bins)
        low = float(shown[column].min() if pooled else part.min())
        labels = class_labels(b, low, fmt=fmt)
        colors = dict(zip(labels, _colors(cmap, len(labels))))
        g = geo.copy()
        g["_class"] = _assign(part.reindex(g.index), b, labels)
        china_map(g, "_class", ax=ax, cmap=colors, lang=lang, legend=(not pooled) or i == 0,
                  legend_kwds={"fontsize": 6, "title": lt, "title_fontsize": 6},
                  scale_bar_km=scale_bar if i == 0 else None, north_arrow=i == 0, **map_kw)

    return map_panels(draw, periods, ncols=ncols, panel_width=panel_width, title=title)


def map_panels(draw, periods: Sequence, *, ncols: int = 2, panel_width: float = 4.2, title: str | None = None):
    """A grid of map panels, one per period: ``draw(ax, period, i)`` draws panel ``i`` (``i == 0`` is the
    place for the legend, north arrow and scale bar).  Returns the Figure.

    >>> fig = map_panels(lambda ax, p, i: lisa.plot(ax=ax, gdf=prov, period=p, legend=i == 0,
    ...                                             north_arrow=i == 0, scale_bar_km=1000 if i == 0 else None),
    ...                  [2011, 2015, 2019, 2022])                                  # doctest: +SKIP
    """
    from ._mpl import pyplot

    periods = list(periods)
    if not periods:
        raise ValueError("no periods to draw")
    plt = pyplot()
    nrows = int(np.ceil(len(periods) / ncols))
    ncols_used = min(ncols, len(periods))
    fig, axes = plt.subplots(nrows, ncols_used, figsize=(panel_width * ncols_used, panel_width * 0.8 * nrows),
                             squeeze=False)
    for i, period in enumerate(periods):
        ax = axes.flat[i]
        draw(ax, period, i)
        ax.set_title(str(period), fontsize=10)
    for ax in axes.flat[len(periods):]:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def category_map(gdf, values: pd.Series, colors: dict, *, ax=None, lang: Literal["zh", "en"] = "zh",
                 legend_title: str | None = None, **map_kw):
    """Map categories with fixed colours (``{label: colour}`` in legend order); values keyed by the gdf's index."""
    from .maps import china_map

    g = gdf.copy()
    g["_category"] = pd.Series(values).reindex(g.index).astype(object)
    kw = {"fontsize": 7}
    if legend_title:
        kw |= {"title": legend_title, "title_fontsize": 7}
    return china_map(g, "_category", ax=ax, cmap=colors, lang=lang, legend_kwds=kw, **map_kw)


def save(fig_or_ax, path, *, formats: Sequence[str] | None = None, dpi: int = 300, close: bool = True) -> list[Path]:
    """Save a figure at journal resolution; returns the files written.

    ``path`` with a suffix writes that format; ``formats=("png", "pdf", "svg")`` writes one file
    per format next to ``path`` (its suffix replaced).  PNG at ``dpi`` (300 by default; 600 for line
    art), PDF with the CJK font embedded as Type 3 (``pdf.fonttype = 3``, see
    :mod:`spatialq.plot.fonts`), SVG with text as paths (``svg.fonttype = "path"``) so it renders
    without the font installed.  ``bbox_inches="tight"``.  A chart legend that covers bars, lines or
    points is moved first (:func:`spatialq.plot.charts.tidy_legends`).
    """
    import matplotlib as mpl

    fig = getattr(fig_or_ax, "figure", fig_or_ax)
    path = Path(path)
    exts = [e.lstrip(".").lower() for e in formats] if formats else [path.suffix.lstrip(".").lower()]
    bad = [e for e in exts if e not in {"png", "pdf", "svg", "jpg", "tif", "tiff", "eps"}]
    if bad or not exts or not exts[0]:
        raise ValueError(f"unknown figure format(s) {bad or [path.suffix]}: use png, pdf, svg, jpg, tif or eps")
    path.parent.mkdir(parents=True, exist_ok=True)
    from .charts import tidy_legends

    tidy_legends(fig)
    written = []
    with mpl.rc_context({"pdf.fonttype": 3, "svg.fonttype": "path"}):
        for ext in exts:
            target = path.with_suffix("." + ext)
            fig.savefig(target, dpi=dpi, bbox_inches="tight")
            written.append(target)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return written
