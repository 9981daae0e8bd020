"""Maps and charts (matplotlib is imported lazily, on the first plot).

* :func:`china_map` — choropleth or outline map with the South China Sea inset, north arrow, scale bar
  and labels (bundled CJK font), mapclassify schemes or fixed category colours.
* :func:`small_multiples` — one map per year with one set of classes.
* :func:`category_map` — categories in fixed colours (LISA clusters, Gi* bins, coupling grades).
* :func:`map_panels` — a grid of maps, one per period, drawn by a function (LISA or Gi* maps by year).
* :func:`save` — PNG / PDF / SVG at journal resolution with the font embedded.
* :func:`explore` — an interactive map in one self-contained HTML page (inline SVG; nothing loaded from the
  network); ``local_moran(...).explore(gdf)`` and ``gi_star(...).explore(gdf)`` likewise.

Result objects draw themselves: ``local_moran(...).plot(gdf=...)`` (LISA map), ``gi_star(...).plot(gdf=...)``
(hot-spot map), ``sde(...).plot()`` (ellipses and the centre trajectory), ``kde(...).plot(kind="surface")``,
``markov(...).plot()`` (transition heat map), ``geodetector(...).plot()`` (interaction heat map),
``coupling(...).plot(gdf=...)`` (grade map).
"""

from .fonts import FAMILY, font_path, register_font

_LAZY = {"china_map": "maps", "explore": "interactive",
         **dict.fromkeys(["small_multiples", "category_map", "map_panels", "save", "class_bins"], "choropleth")}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'spatialq.plot' has no attribute {name!r}")


__all__ = ["FAMILY", "category_map", "china_map", "class_bins", "explore", "font_path", "map_panels", "register_font",
           "save", "small_multiples"]
