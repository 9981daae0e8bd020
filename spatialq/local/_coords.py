"""Coordinates of the units for local regression: user x/y columns or the bundled boundaries (China Albers, km)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._guards import InputError, check_finite

LEVELS = ("province", "prefecture", "county")


def _looks_like_china_lonlat(xy: np.ndarray) -> bool:
    lon, lat = xy[:, 0], xy[:, 1]
    return bool(np.all((lon >= 70) & (lon <= 140) & (lat >= 0) & (lat <= 56)))


def unit_coords(data: pd.DataFrame, ids: pd.Series, *, coords: Sequence[str] | None, geometry, spherical: bool,
                method: str) -> np.ndarray:
    """n × 2 coordinates aligned with ``ids``.

    * ``coords=("x", "y")``: the columns as given (projected units; with ``spherical=True`` longitude and
      latitude in degrees).  Values that all fall in China's longitude/latitude box are refused unless
      ``spherical=True`` (a fixed bandwidth in degrees is not a distance).
    * ``geometry``: ``"province"``, ``"prefecture"``, ``"county"`` (the bundled boundaries) or a GeoDataFrame
      indexed by id; each unit's centroid, computed in China Albers equal-area, in km (or, with
      ``spherical=True``, its longitude/latitude in WGS84 degrees).
    * Neither, and ``data`` is a GeoDataFrame: its own geometry, as above.
    """
    if coords is not None:
        if isinstance(coords, str) or len(coords) != 2:
            raise InputError(f"{method}: coords must name two columns (x, y), got {coords!r}")
        missing = [c for c in coords if c not in data.columns]
        if missing:
            raise KeyError(f"{method}: coordinate columns not found: {missing}; available: {list(data.columns)}")
        xy = np.column_stack([check_finite(pd.to_numeric(data[c], errors="coerce"), column=c, ids=list(ids))
                              for c in coords])
        if not spherical and _looks_like_china_lonlat(xy):
            raise InputError(f"{method}: coords {list(coords)} look like longitude/latitude in degrees; project them "
                             "(e.g. spatialq.geometry.ALBERS_CHINA) or pass spherical=True for great-circle km")
        return xy
    import geopandas as gpd

    from ..geometry import ALBERS_CHINA

    if geometry is None:
        if isinstance(data, gpd.GeoDataFrame):
            geo = data.set_index(ids.to_numpy())
        else:
            raise InputError(f"{method}: no coordinates: pass coords=('x', 'y') columns, geometry='province' / "
                             "'prefecture' / 'county' (the bundled boundaries) or a GeoDataFrame indexed by id")
    elif isinstance(geometry, str):
        if geometry not in LEVELS:
            raise InputError(f"{method}: geometry must be one of {LEVELS} or a GeoDataFrame, got {geometry!r}")
        from .. import geometry as geo_mod

        loader = {"province": geo_mod.provinces, "prefecture": geo_mod.prefectures, "county": geo_mod.counties}
        geo = loader[geometry](crs="albers")
    elif isinstance(geometry, gpd.GeoDataFrame):
        geo = geometry
    else:
        raise InputError(f"{method}: geometry must be one of {LEVELS} or a GeoDataFrame, got "
                         f"{type(geometry).__name__}")
    if geo.crs is None:
        raise InputError(f"{method}: the geometry has no CRS; set it (e.g. EPSG:4326) so centroids can be projected")
    key = ids.astype(str) if geo.index.dtype == object and ids.dtype != object else ids
    absent = [i for i in pd.unique(key) if i not in geo.index]
    if absent:
        raise InputError(f"{method}: {len(absent)} units have no geometry (missing coordinates): {absent[:10]}; "
                         "check the ids or the geometry level")
    cent = geo.loc[pd.unique(key)].to_crs(ALBERS_CHINA).geometry.centroid
    if spherical:
        cent = cent.to_crs(4326)
        pts = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
    else:
        pts = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()]) / 1000.0
    bad = ~np.isfinite(pts).all(axis=1)
    if bad.any():
        raise InputError(f"{method}: units {list(pd.unique(key)[bad])[:10]} have an empty geometry (no centroid)")
    pos = pd.Index(pd.unique(key)).get_indexer(key)
    return pts[pos]
