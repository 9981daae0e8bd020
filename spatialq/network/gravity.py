"""Spatial association networks: the modified gravity model and networks from edge lists.

A :class:`Network` holds one directed network per period on a fixed set of units: the weight matrix
(the gravity values y_ij, or the edge weights of an edge list) and the binary adjacency matrix a_ij
(the arcs the measures, blocks and figures use).  :func:`gravity` builds it from a long panel,
:func:`from_edges` from an edge list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame, time_col
from .._guards import InputError, at, check_min_units
from .._results import Result, provenance

__all__ = ["EARTH_RADIUS_KM", "Network", "from_edges", "gravity", "great_circle_km", "unit_coords"]

#: Mean Earth radius (IUGG), km, used for great-circle distances.
EARTH_RADIUS_KM = 6371.0088


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False, repr=False)
class Network(Result):
    """Directed networks on fixed units, one per period (see :func:`gravity` and :func:`from_edges`).

    Attributes
    ----------
    ids : tuple
        The units, sorted; row and column order of every matrix.
    periods : tuple
        The periods (years), sorted; ``(None,)`` for one cross-section.
    weights : ndarray, shape (T, n, n)
        y_ij: the gravity values (before binarisation) or the edge weights; zero diagonal.
    adjacency : ndarray, shape (T, n, n)
        a_ij ∈ {0, 1}: the arcs i → j; zero diagonal.
    time : str or None
        Name of the period column in tables.
    """

    ids: tuple
    periods: tuple
    weights: np.ndarray
    adjacency: np.ndarray
    id: str
    time: str | None

    def _title(self) -> str:
        return "Spatial association network"

    def _summary_lines(self) -> list[str]:
        n = len(self.ids)
        lines = [f"{n} units, {len(self.periods)} period(s)", f"{'period':>8}{'arcs':>8}{'density':>10}"]
        for t, a in zip(self.periods, self.adjacency):
            arcs = int(a.sum())
            lines.append(f"{'' if t is None else t!s:>8}{arcs:>8}{arcs / (n * (n - 1)):>10.4f}")
        return lines

    def _index(self, period) -> int:
        if period is None:
            if len(self.periods) == 1:
                return 0
            raise ValueError(f"this network has {len(self.periods)} periods; pass period= "
                             f"(one of {list(self.periods)})")
        for k, t in enumerate(self.periods):
            if t == period:
                return k
        raise KeyError(f"period {period!r} not in the network; periods: {list(self.periods)}")

    def matrix(self, period=None, *, binary: bool = True) -> pd.DataFrame:
        """The adjacency (``binary=True``) or weight matrix of one period as a DataFrame (rows send, columns
        receive), labelled by id."""
        k = self._index(period)
        m = self.adjacency[k] if binary else self.weights[k]
        return pd.DataFrame(np.array(m), index=list(self.ids), columns=list(self.ids))

    def to_frame(self) -> pd.DataFrame:
        """The arcs as a tidy edge list: ``source``, ``target``, period, ``weight`` (rows sorted)."""
        rows = []
        ids = np.asarray(self.ids, dtype=object)
        for t, a, w in zip(self.periods, self.adjacency, self.weights):
            i, j = np.nonzero(a)
            rows.append(pd.DataFrame({"source": ids[i], "target": ids[j], self.time or "period": t,
                                      "weight": w[i, j]}))
        out = pd.concat(rows, ignore_index=True)
        return out if self.time is not None else out.drop(columns="period")

    def _plot(self, ax, **kw):
        from ._plot import draw_network

        return draw_network(self, ax=ax, **kw)

    def plot_map(self, period=None, **kw):
        """The network on the map of China (nodes at unit centroids, arc width ∝ weight, South China Sea
        inset); see :func:`spatialq.network._plot.network_map`."""
        from ._plot import network_map

        return network_map(self, period=period, **kw)

    def plot_years(self, periods: Sequence | None = None, **kw):
        """Small multiples of the network on the map, one panel per period; returns the Figure."""
        from ._plot import network_small_multiples

        return network_small_multiples(self, periods=periods, **kw)


# -- geometry ------------------------------------------------------------------------------------------------------

def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Haversine distances (km, mean Earth radius 6371.0088 km) between all pairs of points given in degrees."""
    lo, la = np.radians(np.asarray(lon, dtype=float)), np.radians(np.asarray(lat, dtype=float))
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def unit_coords(ids: Sequence, geometry=None) -> pd.DataFrame:
    """Longitude and latitude (WGS84 degrees) of each unit's centroid, indexed by id.

    ``geometry`` is a GeoDataFrame indexed by id (centroids are computed in China Albers equal-area and
    returned in degrees), a DataFrame with ``lon`` and ``lat`` columns indexed by id, or None: the bundled
    provinces when every id is a province adcode, else the bundled prefecture-level units
    (:func:`spatialq.geometry.prefectures`).  Ids without a location are an error naming them.
    """
    ids = list(ids)
    if geometry is None:
        from ..geometry import prefectures, provinces

        prov = provinces()
        geometry = prov if all(str(i) in prov.index for i in ids) else prefectures()
        ids_lookup = [str(i) for i in ids]
    else:
        ids_lookup = ids
    if hasattr(geometry, "geometry") and hasattr(geometry, "crs") and "geometry" in getattr(geometry, "columns", []):
        from ..geometry.coords import ALBERS_CHINA

        if geometry.crs is None:
            raise InputError("the geometry has no CRS; set it (gdf.set_crs(4326) for lon/lat)")
        cent = geometry.to_crs(ALBERS_CHINA).geometry.centroid.to_crs(4326)
        table = pd.DataFrame({"lon": cent.x.to_numpy(), "lat": cent.y.to_numpy()}, index=geometry.index)
    elif isinstance(geometry, pd.DataFrame) and {"lon", "lat"} <= set(geometry.columns):
        table = geometry[["lon", "lat"]].astype(float)
    else:
        raise TypeError("geometry must be a GeoDataFrame indexed by id or a DataFrame with 'lon' and 'lat' columns "
                        f"indexed by id, got {type(geometry).__name__}")
    missing = [i for i, k in zip(ids, ids_lookup) if k not in table.index]
    if missing:
        raise InputError(f"no location for units {missing[:10]}{' …' if len(missing) > 10 else ''}; pass geometry= "
                         "(a GeoDataFrame indexed by id, or lon/lat columns indexed by id)")
    out = table.loc[ids_lookup]
    out.index = pd.Index(ids)
    bad = ~np.isfinite(out.to_numpy()).all(axis=1)
    if bad.any():
        raise InputError(f"units {list(out.index[bad])[:10]} have no finite centroid")
    return out


# -- gravity --------------------------------------------------------------------------------------------------------

def _binarize(y: np.ndarray, rule) -> np.ndarray:
    n = y.shape[0]
    off = ~np.eye(n, dtype=bool)
    if rule is None:
        a = (y > 0) & off
    elif rule == "row_mean":
        mean = y.sum(axis=1, keepdims=True) / (n - 1)  # the diagonal is zero
        a = (y > mean) & off
    else:
        raise ValueError(f"binarize must be 'row_mean' or None, got {rule!r}")
    return a.astype(float)


def gravity(
    data: pd.DataFrame,
    mass: str | Sequence[str],
    *,
    share: bool | str = True,
    distance: Literal["geographic", "economic"] = "geographic",
    gdp_per_capita: str | None = None,
    exponent: float = 2.0,
    binarize: Literal["row_mean"] | None = "row_mean",
    geometry=None,
    id: str = "adcode",
    time: str | None = "year",
) -> Network:
    """Directed spatial association network from the modified gravity model (李敬等 2014; 刘华军等 2015).

    For units i ≠ j in one period::

        M_i   = (x_i1 · x_i2 · … · x_im)^(1/m)        geometric mean of the ``mass`` columns
        k_ij  = s_i / (s_i + s_j)                      the share of i (``share``)
        y_ij  = k_ij · M_i · M_j / D_ij^b              b = ``exponent`` (2)
        a_ij  = 1 if y_ij > ȳ_i,  ȳ_i = Σ_{j≠i} y_ij / (n − 1)   (``binarize="row_mean"``)

    D_ij is the great-circle distance in km between the units' centroids (``distance="geographic"``) or
    the "economic distance" d_ij / |g_i − g_j| with g the per-capita GDP column ``gdp_per_capita``
    (``distance="economic"``; equal g gives D = ∞ and y_ij = 0).  With ``share=True`` the share uses the
    masses (s = M), a column name uses that column, ``share=False`` sets k_ij = 1 (a symmetric gravity
    matrix).  y_ij is the strength with which i is linked to j; the arc i → j (row i sends, column j
    receives) is kept when y_ij exceeds the mean of row i (strictly), as in 李敬等 (2014, 经济研究) and the
    papers following them; ``binarize=None`` keeps every positive y_ij.

    Units: y carries the units of the masses squared over km^b; only its pattern matters for the binary
    network.  Results do not depend on the order of the rows.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (a balanced panel: every unit in every period).
    mass : str or list of str
        Positive columns whose geometric mean is the mass (e.g. ``["population", "gdp"]``).
    share : bool or str, default True
    distance : {"geographic", "economic"}, default "geographic"
    gdp_per_capita : str, optional
        Per-capita GDP column; required for ``distance="economic"``.
    exponent : float, default 2
        Distance decay b.
    binarize : {"row_mean"} or None, default "row_mean"
    geometry : GeoDataFrame or DataFrame, optional
        Unit locations (see :func:`unit_coords`); default the bundled provinces or prefecture-level units.
    id, time : str
        Id and period columns; a missing period column means one cross-section.

    Returns
    -------
    Network

    Needs at least 3 units; masses (and shares) must be positive and finite, names of the offending units
    and periods are given otherwise; two units at the same location make D_ij = 0 (an error naming them).
    """
    masses = [mass] if isinstance(mass, str) else list(mass)
    if not masses:
        raise ValueError("mass needs at least one column")
    if distance not in ("geographic", "economic"):
        raise ValueError(f"distance must be 'geographic' or 'economic', got {distance!r}")
    if distance == "economic" and gdp_per_capita is None:
        raise ValueError("distance='economic' needs gdp_per_capita= (the per-capita GDP column)")
    if binarize not in ("row_mean", None):
        raise ValueError(f"binarize must be 'row_mean' or None, got {binarize!r}")
    if not isinstance(share, (bool, str)):
        raise TypeError(f"share must be True, False or a column name, got {share!r}")
    if not (isinstance(exponent, (int, float)) and np.isfinite(exponent) and exponent > 0):
        raise ValueError(f"exponent must be a positive number, got {exponent!r}")
    cols = list(dict.fromkeys([*masses, *([share] if isinstance(share, str) else []),
                               *([gdp_per_capita] if distance == "economic" else [])]))
    frame = long_frame(data, id=id, time=time, columns=cols)
    tcol = time_col(frame, time)
    ids = sorted(frame[id].unique().tolist(), key=lambda v: (str(type(v)), v))
    n = len(ids)
    check_min_units(n, 3, method="network.gravity", why="a network needs at least three units")
    periods = sorted(frame[tcol].unique().tolist())
    counts = frame.groupby(tcol)[id].nunique()
    short = counts[counts < n]
    if len(short):
        t0 = short.index[0]
        have = set(frame.loc[frame[tcol] == t0, id])
        raise InputError(f"network.gravity needs every unit in every period; {sorted(set(ids) - have, key=str)[:10]} "
                         f"missing{at(t0)} — drop those units or fill the period")
    for c in cols:
        if c == gdp_per_capita and c not in masses and c != share:
            continue
        bad = frame[c] <= 0
        if bad.any():
            r = frame[bad].iloc[0]
            raise InputError(f"column {c!r} must be positive (masses and shares enter a geometric mean and a ratio); "
                             f"{int(bad.sum())} values are not, e.g. unit {r[id]!r}{at(r[tcol] if time else None)}")
    xy = unit_coords(ids, geometry)
    d = great_circle_km(xy["lon"].to_numpy(), xy["lat"].to_numpy())
    np.fill_diagonal(d, np.inf)
    if (d == 0).any():
        i, j = np.argwhere(d == 0)[0]
        raise InputError(f"units {ids[i]!r} and {ids[j]!r} are at the same location (distance 0); pass geometry= "
                         "with distinct points")
    W = np.zeros((len(periods), n, n))
    A = np.zeros_like(W)
    for k, t in enumerate(periods):
        block = frame[frame[tcol] == t].set_index(id).loc[ids]
        logm = np.log(block[masses].to_numpy(dtype=float)).mean(axis=1)
        if share is True:
            s = np.exp(logm - logm.max())
        elif share is False:
            s = None
        else:
            s = block[share].to_numpy(dtype=float)
        if distance == "economic":
            g = block[gdp_per_capita].to_numpy(dtype=float)
            gap = np.abs(g[:, None] - g[None, :])
            with np.errstate(divide="ignore"):
                D = np.where(gap > 0, d / np.where(gap > 0, gap, 1.0), np.inf)
        else:
            D = d
        with np.errstate(over="ignore", under="ignore"):
            y = np.exp(logm[:, None] + logm[None, :]) / D ** exponent
        if s is not None:
            y = y * (s[:, None] / (s[:, None] + s[None, :]))
        np.fill_diagonal(y, 0.0)
        if not np.isfinite(y).all():
            raise InputError(f"gravity values overflow{at(t if time else None)}; rescale the mass columns "
                             f"{masses} (e.g. to 10^4 yuan or 10^4 persons)")
        W[k] = y
        A[k] = _binarize(y, binarize)
    per = tuple(periods) if tcol != "_time" else (None,)
    meta = provenance("spatialq.network.gravity", n=n, mass=tuple(masses), share=share, distance=distance,
                      gdp_per_capita=gdp_per_capita, exponent=float(exponent), binarize=binarize)
    return Network(meta=meta, ids=tuple(ids), periods=per, weights=_frozen(W), adjacency=_frozen(A), id=id,
                   time=time if tcol != "_time" else None)


# -- edge lists -----------------------------------------------------------------------------------------------------

def from_edges(
    edges: pd.DataFrame,
    *,
    source: str = "source",
    target: str = "target",
    weight: str | None = None,
    time: str | None = None,
    nodes: Sequence | None = None,
    binarize: Literal["row_mean"] | None = None,
    id: str = "adcode",
) -> Network:
    """A :class:`Network` from a directed edge list (one row per arc i → j, per period if ``time`` is given).

    ``weight`` names a column of positive arc weights (default 1 per arc; repeated arcs add up).
    ``nodes`` lists every unit (units without arcs included); default the units in the edge list.
    ``binarize=None`` (default) keeps every listed arc; ``"row_mean"`` keeps the arcs whose weight exceeds the
    mean of their row over the n − 1 other units, as :func:`gravity`.  Self-loops are an error.
    """
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(f"edges must be a DataFrame, got {type(edges).__name__}")
    need = [source, target, *([weight] if weight else []), *([time] if time else [])]
    missing = [c for c in need if c not in edges.columns]
    if missing:
        raise KeyError(f"columns not found: {missing}; available: {list(edges.columns)}")
    e = edges[need].copy()
    if e[[source, target]].isna().any().any():
        raise InputError(f"edges with a missing {source!r} or {target!r}; drop them")
    loops = e[source] == e[target]
    if loops.any():
        raise InputError(f"self-loops are not arcs of a spatial network: {e.loc[loops, source].tolist()[:10]}")
    w = np.ones(len(e)) if weight is None else pd.to_numeric(e[weight], errors="coerce").to_numpy(dtype=float)
    if not (np.isfinite(w).all() and (w > 0).all()):
        raise InputError(f"column {weight!r} must hold positive finite weights")
    found = pd.unique(pd.concat([e[source], e[target]], ignore_index=True)).tolist()
    if nodes is None:
        ids = sorted(found, key=lambda v: (str(type(v)), v))
    else:
        ids = sorted(dict.fromkeys(nodes), key=lambda v: (str(type(v)), v))
        extra = [v for v in found if v not in set(ids)]
        if extra:
            raise InputError(f"edge-list units not in nodes: {extra[:10]}")
    n = len(ids)
    check_min_units(n, 3, method="network.from_edges", why="a network needs at least three units")
    pos = {v: k for k, v in enumerate(ids)}
    if time is None:
        periods, tk = [None], np.zeros(len(e), dtype=int)
    else:
        from .._guards import years_from

        tv = years_from(e[time], name=time)
        periods = sorted(pd.unique(tv).tolist())
        tk = tv.map({p: k for k, p in enumerate(periods)}).to_numpy()
    W = np.zeros((len(periods), n, n))
    np.add.at(W, (tk, e[source].map(pos).to_numpy(), e[target].map(pos).to_numpy()), w)
    A = np.stack([_binarize(Wt, binarize) for Wt in W])
    meta = provenance("spatialq.network.from_edges", n=n, weight=weight, binarize=binarize)
    return Network(meta=meta, ids=tuple(ids), periods=tuple(periods), weights=_frozen(W), adjacency=_frozen(A), id=id,
                   time=time)


def _check_network(net) -> Network:
    if not isinstance(net, Network):
        raise TypeError(f"expected a spatialq.network.Network (from network.gravity or network.from_edges), got "
                        f"{type(net).__name__}")
    return net

