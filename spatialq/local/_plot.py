"""Maps of local coefficients with non-significant units hatched (or greyed), in the study's small-multiples style.

Significance is |t| above the corrected critical value of the result (da Silva & Fotheringham 2016; for MGWR one
value per term).  Matplotlib is imported only here, through :mod:`spatialq.plot`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._guards import InputError


def _geometry(geometry):
    import geopandas as gpd

    if isinstance(geometry, gpd.GeoDataFrame):
        return geometry
    from .. import geometry as geo_mod

    loaders = {"province": geo_mod.provinces, "prefecture": geo_mod.prefectures, "county": geo_mod.counties}
    if geometry not in loaders:
        raise InputError(f"geometry must be 'province', 'prefecture', 'county' or a GeoDataFrame, got {geometry!r}")
    return loaders[geometry]()


def _columns(result, term: str, period=None) -> tuple[pd.Series, pd.Series]:
    if term not in result.terms:
        raise InputError(f"term {term!r} is not in the model; terms: {list(result.terms)}")
    frame = result.to_frame()
    if period is not None:
        frame = frame[frame[result.time] == period]
    frame = frame.set_index(result.id)
    return frame[term], frame[f"{term}_sig"].astype(bool)


def _term_title(term: str, lang: str) -> str:
    """A panel's title: the term, with the intercept named in the figure's language (截距)."""
    return "截距" if term == "Intercept" and lang == "zh" else term


def coefficient_map(result, term: str, *, ax=None, geometry="county", period=None, style: str = "hatch",
                    cmap: str = "RdBu_r", scheme: str | None = "quantiles", k: int = 5, title: str | None = None,
                    lang: str = "zh", **map_kw):
    """One map of the local coefficient of ``term``; units with |t| ≤ the corrected critical value are hatched
    (``style="hatch"``) or drawn grey (``style="grey"``).  ``geometry`` is a level of the bundled boundaries or a
    GeoDataFrame indexed by the result's ids; ``period`` picks a year of a GTWR result.  Returns the Axes."""
    from ..geometry import ALBERS_CHINA
    from ..plot.maps import china_map

    if style not in ("hatch", "grey"):
        raise InputError(f"style must be 'hatch' or 'grey', got {style!r}")
    values, sig = _columns(result, term, period)
    geo = _geometry(geometry)
    missing = [i for i in values.index if i not in geo.index]
    if missing:
        raise InputError(f"{len(missing)} units of the result are not in the geometry: {missing[:8]}")
    g = geo.loc[list(values.index)].copy()
    g["_coef"] = values.to_numpy()
    if style == "grey":
        g.loc[~sig.to_numpy(), "_coef"] = np.nan
    ax = china_map(g, "_coef", ax=ax, cmap=cmap, scheme=scheme, k=k, title=title or _term_title(term, lang), lang=lang,
                   missing_label="n.s." if style == "grey" else None, **map_kw)
    if style == "hatch" and (~sig).any():
        crs = g.crs
        ns = g.loc[~sig.to_numpy()]
        ns = ns.to_crs(ALBERS_CHINA) if crs is not None and crs.is_geographic else ns
        ns.plot(ax=ax, facecolor="none", edgecolor="0.35", hatch="////", linewidth=0.0)
    return ax


def coefficient_maps(result, *, geometry="county", terms: Sequence[str] | None = None, period=None, ncols: int = 2,
                     panel_width: float = 4.2, title: str | None = None, **kw):
    """Small multiples: one panel per term (default: every term), non-significant units hatched.  Returns the
    Figure (:func:`spatialq.plot.choropleth.map_panels`)."""
    from ..plot.choropleth import map_panels

    terms = list(result.terms if terms is None else terms)
    geo = _geometry(geometry)

    lang = kw.get("lang", "zh")

    def draw(ax, _title, i):
        term = terms[i]
        coefficient_map(result, term, ax=ax, geometry=geo, period=period, title=_term_title(term, lang),
                        north_arrow=i == 0, scale_bar_km=kw.pop("scale_bar_km", 1000) if i == 0 else None, **kw)

    # map_panels titles each panel with its item: the terms as the figure shows them (截距 for the intercept)
    return map_panels(draw, [_term_title(t, lang) for t in terms], ncols=ncols, panel_width=panel_width,
                      title=title)
