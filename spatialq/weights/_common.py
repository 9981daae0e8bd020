"""Shared machinery of the weights builders: ids, W construction, island policy, projection."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from libpysal.weights import W

from .._guards import check_min_units
from .._wmatrix import ISLAND_FIX, IslandError
from ..geometry.coords import ALBERS_CHINA

IslandPolicy = str | Mapping[str, Sequence[str]]
ISLAND_CHOICES = ("nearest", "raise", "drop")


def check_units(n: int, *, method: str) -> None:
    """Weights link units to each other: every builder needs at least two."""
    check_min_units(n, 2, method=method, why="weights link units to each other")


def frame_ids(gdf: gpd.GeoDataFrame, id: str | None) -> list:
    """Ids of the rows: the ``id`` column if given and present, else the index."""
    if id is not None and id in gdf.columns:
        ids = gdf[id].tolist()
    else:
        ids = gdf.index.tolist()
    if len(set(ids)) != len(ids):
        dup = pd.Series(ids)[pd.Series(ids).duplicated()].unique().tolist()
        raise ValueError(f"ids must be unique; repeated: {dup[:10]}{' …' if len(dup) > 10 else ''}")
    return ids


def check_geometries(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"expected a GeoDataFrame (e.g. spatialq.geometry.provinces()), got {type(gdf).__name__}")
    geoms = gdf.geometry.values
    empty = np.asarray(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    if empty.any():
        raise ValueError(f"rows with empty or missing geometry: {gdf.index[empty].tolist()[:10]}")
    return np.asarray(geoms)


def projected(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame in a metric CRS: China Albers if geographic, unchanged if already projected."""
    if gdf.crs is None:
        raise ValueError("the GeoDataFrame has no CRS; distances need one (gdf.set_crs(4326) for lon/lat)")
    if gdf.crs.is_geographic:
        return gdf.to_crs(ALBERS_CHINA)
    unit = gdf.crs.axis_info[0].unit_name if gdf.crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise ValueError(f"projected CRS must be in metres, got {unit!r}")
    return gdf


def points_m(gdf: gpd.GeoDataFrame, point: str) -> np.ndarray:
    """x, y in metres of each unit's centroid or representative point."""
    if point not in ("centroid", "representative"):
        raise ValueError(f"point must be 'centroid' or 'representative', got {point!r}")
    proj = projected(gdf)
    geoms = np.asarray(proj.geometry.values)
    if (shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all():  # a point is its own centroid
        return shapely.get_coordinates(geoms)
    pts = shapely.centroid(geoms) if point == "centroid" else shapely.point_on_surface(geoms)
    return shapely.get_coordinates(pts)


def make_w(ids: list, neighbors: dict, weights: dict | None = None) -> W:
    """A libpysal W with every id present (islands as empty lists), in the frame's order."""
    full_n = {i: list(neighbors.get(i, [])) for i in ids}
    full_w = {i: list(weights.get(i, [])) if weights else [1.0] * len(full_n[i]) for i in ids}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return W(full_n, full_w, id_order=list(ids), silence_warnings=True)


class CsrRows(Mapping):
    """Read-only mapping ``id -> list`` over the rows of a CSR matrix: the neighbour ids (``what="ids"``) or the
    weights (``what="weights"``) of a unit, cut from its row when asked for.

    The ``neighbors`` and ``weights`` of a W from :func:`sparse_w`: a million units with eight neighbours need no
    8 million Python objects up front (building them took longer than the k-nearest-neighbour search).  Iteration
    follows ``ids``; values are fresh lists (changing one does not change the weights, as for a frozen W).
    """

    def __init__(self, ids: list, m: sp.csr_matrix, what: str, *, index: pd.Index | None = None,
                 labels: np.ndarray | None = None):
        self._ids, self._m, self._what = ids, m, what
        self._index = pd.Index(ids, tupleize_cols=False) if index is None else index
        self._labels = np.fromiter(ids, dtype=object, count=len(ids)) if labels is None else labels

    def _row(self, i: int) -> list:
        a, b = self._m.indptr[i], self._m.indptr[i + 1]
        if self._what == "ids":
            return self._labels[self._m.indices[a:b]].tolist()
        return self._m.data[a:b].tolist()

    def __getitem__(self, key) -> list:
        try:
            i = self._index.get_loc(key)
        except (KeyError, TypeError):
            raise KeyError(key) from None
        if not isinstance(i, (int, np.integer)):
            raise KeyError(key)
        return self._row(int(i))

    def __contains__(self, key) -> bool:
        try:
            return key in self._index
        except TypeError:
            return False

    def __iter__(self):
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def items(self):
        return ((key, self._row(i)) for i, key in enumerate(self._ids))

    def values(self):
        return (self._row(i) for i in range(len(self._ids)))

    def copy(self) -> CsrRows:
        """The same (read-only) rows: what ``W.__init__`` keeps as the original weights."""
        return CsrRows(self._ids, self._m, self._what, index=self._index, labels=self._labels)


def sparse_w(ids: list, m: sp.csr_matrix) -> W:
    """A libpysal W over a CSR matrix whose rows and columns follow ``ids``, without a Python loop over units or
    links: ``neighbors`` and ``weights`` are :class:`CsrRows` views of ``m`` (lists made when a unit is looked up),
    and ``w.sparse`` is ``m`` itself (libpysal would otherwise rebuild it from the dicts, link by link).
    Neighbours of a unit are listed in the order of ``ids``, as :func:`pairs_to_dicts` lists them.  A libpysal
    transform (``w.transform = "r"``) works as on any W (it builds ordinary dicts, at libpysal's speed)."""
    index = pd.Index(ids, tupleize_cols=False)
    labels = np.fromiter(ids, dtype=object, count=len(ids))
    neighbors = CsrRows(ids, m, "ids", index=index, labels=labels)
    weights = CsrRows(ids, m, "weights", index=index, labels=labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbors, weights, id_order=ids, silence_warnings=True)
    w._sparse = m
    w._cache["sparse"] = m
    return w


def pairs_to_dicts(ids: list, i: np.ndarray, j: np.ndarray, wij: np.ndarray | None = None):
    neighbors: dict = {k: [] for k in ids}
    weights: dict = {k: [] for k in ids}
    vals = np.ones(len(i)) if wij is None else wij
    order = np.lexsort((j, i))
    for a, b, v in zip(i[order].tolist(), j[order].tolist(), vals[order].tolist()):
        neighbors[ids[a]].append(ids[b])
        weights[ids[a]].append(float(v))
    return neighbors, weights


def _nearest(proj: np.ndarray, a: int) -> tuple[int, float]:
    """Position of the unit nearest to ``proj[a]`` by boundary distance, and that distance (metres)."""
    idx = np.atleast_1d(shapely.STRtree(proj).query_nearest(proj[a], all_matches=True, exclusive=True))
    if idx.size == 0:  # a single unit, or every other geometry is empty
        raise IslandError("no other unit to link an island to: islands='nearest' needs at least two units")
    d = shapely.distance(proj[a], proj[idx])
    best = int(np.argmin(d))
    return int(idx[best]), float(d[best])


def apply_islands(
    gdf: gpd.GeoDataFrame,
    ids: list,
    neighbors: dict,
    weights: dict,
    islands: IslandPolicy,
    *,
    link_weight=None,
) -> tuple[dict, dict, list]:
    """Resolve units without neighbours according to the policy; return (neighbors, weights, kept ids).

    ``link_weight(i, j, distance_m)`` gives the weight of an added link (1 for binary
    weights, the inverse distance for inverse-distance weights).
    """
    lonely = [k for k in ids if not neighbors.get(k)]
    if not lonely and not (islands == "nearest" and _n_components(ids, neighbors) > 1):
        return neighbors, weights, ids
    names = _labels(gdf, lonely)
    proj = np.asarray(projected(gdf).geometry.values) if islands not in ("raise", "drop") else None
    if isinstance(islands, Mapping):
        missing = [k for k in lonely if k not in islands]
        if missing:
            raise IslandError(
                f"units without neighbours not covered by the islands= links: {_labels(gdf, missing)}; "
                "add them to the dict or use islands='nearest'"
            )
        pos = {k: n for n, k in enumerate(ids)}
        for k, targets in islands.items():
            if k not in pos:
                raise IslandError(f"islands= names {k!r}, which is not an id of the frame")
            for t in targets:
                if t not in pos:
                    raise IslandError(f"islands= links {k!r} to {t!r}, which is not an id of the frame")
                d = float(shapely.distance(proj[pos[k]], proj[pos[t]]))
                _link(neighbors, weights, k, t, link_weight(k, t, d) if link_weight else 1.0)
        return neighbors, weights, ids
    if islands == "raise":
        raise IslandError(f"units without neighbours: {', '.join(names)} (islands='raise'); {ISLAND_FIX}")
    if islands == "drop":
        warnings.warn(f"dropping units without neighbours: {names}; drop the same rows from your data",
                      UserWarning, stacklevel=3)
        kept = [k for k in ids if k not in set(lonely)]
        return ({k: neighbors[k] for k in kept}, {k: weights[k] for k in kept}, kept)
    if islands == "nearest":
        pos = {k: n for n, k in enumerate(ids)}
        added = []
        for k in lonely:
            j, dist = _nearest(proj, pos[k])
            target = ids[j]
            _link(neighbors, weights, k, target, link_weight(k, target, dist) if link_weight else 1.0)
            added.append(f"{_labels(gdf, [k])[0]} -> {_labels(gdf, [target])[0]} ({dist / 1000:.1f} km)")
        added += _connect_components(gdf, ids, neighbors, weights, proj, link_weight)
        warnings.warn("units without neighbours linked to the nearest unit by boundary distance: "
                      + "; ".join(added), UserWarning, stacklevel=3)
        return neighbors, weights, ids
    raise ValueError(f"islands must be one of {ISLAND_CHOICES} or a dict of links, got {islands!r}")


def _n_components(ids: list, neighbors: dict) -> int:
    return int(_components(ids, neighbors).max()) + 1


def _components(ids: list, neighbors: dict) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pos = {k: n for n, k in enumerate(ids)}
    rows = [pos[a] for a, nb in neighbors.items() for _ in nb]
    cols = [pos[b] for nb in neighbors.values() for b in nb]
    m = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
    return connected_components(m, directed=False)[1]


def _connect_components(gdf, ids, neighbors, weights, proj, link_weight) -> list[str]:
    """Join every group of units detached from the largest group (Hainan's cities, Zhoushan) to
    the nearest unit outside the group, by boundary distance; smallest groups first."""
    added = []
    while True:
        labels = _components(ids, neighbors)
        sizes = np.bincount(labels)
        if len(sizes) == 1:
            return added
        comp = int(np.argsort(sizes, kind="stable")[0])
        inside = np.flatnonzero(labels == comp)
        outside = np.flatnonzero(labels != comp)
        tree = shapely.STRtree(proj[outside])
        (src, dst), dist = tree.query_nearest(proj[inside], return_distance=True, all_matches=False)
        best = int(np.argmin(dist))
        a, b = ids[int(inside[src[best]])], ids[int(outside[dst[best]])]
        d = float(dist[best])
        _link(neighbors, weights, a, b, link_weight(a, b, d) if link_weight else 1.0)
        group = f"group of {len(inside)} units" if len(inside) > 1 else "unit"
        added.append(f"{group} {_labels(gdf, [a])[0]} -> {_labels(gdf, [b])[0]} ({d / 1000:.1f} km)")


def _link(neighbors: dict, weights: dict, a, b, w: float) -> None:
    for x, y in ((a, b), (b, a)):
        if y not in neighbors[x]:
            neighbors[x].append(y)
            weights[x].append(float(w))


def _labels(gdf: gpd.GeoDataFrame, keys: list) -> list[str]:
    if "name_zh" in gdf.columns:
        try:
            return [f"{gdf.loc[k, 'name_zh']} ({k})" for k in keys]
        except KeyError:
            pass
    return [str(k) for k in keys]
