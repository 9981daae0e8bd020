"""Coordinate systems: GCJ-02 to WGS84 conversion and the China Albers projection.

Amap (高德), Tencent and most Chinese web maps publish coordinates in GCJ-02, the
obfuscated datum required by Chinese regulations; it is WGS84 shifted by a smooth
non-linear offset of roughly 100-700 m.  Every bundled boundary was converted to WGS84
with :func:`gcj02_to_wgs84` (see ``shapes/SOURCES.json``).

The forward offset is the widely published GCJ-02 formula (Krasovsky 1940 ellipsoid,
``a = 6378245`` m, ``e² = 0.00669342162296594323``).  The inverse has no closed form;
it is solved by fixed-point iteration ``wgs ← gcj − Δ(wgs)``, which converges to below
1e-9 degrees (≈0.1 mm) in a few steps because Δ changes by less than 1e-4 of its
value per metre.

The offset is applied inside the customary bounding box of China (72.004–137.8347°E,
0.8293–55.8271°N) and nowhere else, as in the common open implementations; this keeps
borders shared by Guangdong and Hong Kong/Macao shared after conversion.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ALBERS_CHINA",
    "gcj02_to_wgs84",
    "wgs84_to_gcj02",
]

#: China Albers equal-area conic used for distances and areas (metres).  There is
#: no EPSG code for it; it is the projection used by the Chinese national atlas.
ALBERS_CHINA = (
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 "
    "+x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
)

_A = 6378245.0
_EE = 0.00669342162296594323


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 position (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 longitude/latitude (degrees) to GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 coordinates in decimal degrees.

    Returns
    -------
    (lon, lat) : tuple of ndarray
        GCJ-02 coordinates in decimal degrees.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, *, iterations: int = 8, tol_deg: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 longitude/latitude (degrees) to WGS84 by fixed-point iteration.

    Solves ``wgs + Δ(wgs) = gcj`` for ``wgs`` where Δ is the GCJ-02 offset.  Every point
    gets the same number of iterations, so the result for a point does not depend on
    the other points in the call (a vertex shared by two polygons converts to the
    same coordinates in both).  Each step shrinks the error by a factor of about 1e-4,
    so 8 steps are far below double precision; the residual is checked afterwards.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 coordinates in decimal degrees (as published by Amap).
    iterations : int, default 8
        Number of fixed-point steps applied to every point.
    tol_deg : float, default 1e-10
        Largest allowed residual ``|wgs84_to_gcj02(result) - input|`` in degrees;
        :class:`RuntimeError` if exceeded.

    Returns
    -------
    (lon, lat) : tuple of ndarray
        WGS84 coordinates in decimal degrees.
    """
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        dlon, dlat = _offset(wlon, wlat)
        wlon, wlat = glon - dlon, glat - dlat
    blon, blat = wgs84_to_gcj02(wlon, wlat)
    resid = max(float(np.max(np.abs(blon - glon), initial=0.0)), float(np.max(np.abs(blat - glat), initial=0.0)))
    if resid > tol_deg:
        raise RuntimeError(
            f"GCJ-02 inversion left a residual of {resid:.2e} degrees; "
            "are the coordinates longitude/latitude in degrees?"
        )
    return wlon, wlat
