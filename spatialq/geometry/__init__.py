"""Geometry layer: bundled boundaries, name matching, regions, crosswalk and projection.

>>> from spatialq import geometry
>>> geometry.provinces().shape[0]
31
"""

from ._load import area_km2, counties, prefectures, provinces, south_china_sea_line, to_albers
from .coords import ALBERS_CHINA, gcj02_to_wgs84, wgs84_to_gcj02
from .crosswalk import crosswalk, harmonize
from .names import MatchReport, NameMatchError, match
from .regions import SCHEMES, regions

__all__ = [
    "ALBERS_CHINA",
    "SCHEMES",
    "MatchReport",
    "NameMatchError",
    "area_km2",
    "counties",
    "crosswalk",
    "gcj02_to_wgs84",
    "harmonize",
    "match",
    "prefectures",
    "provinces",
    "regions",
    "south_china_sea_line",
    "to_albers",
    "wgs84_to_gcj02",
]
