"""Loading the bundled boundaries (``shapes/*.parquet`` in the repository, installed as ``spatialq.shapes``).

Every function returns a fresh GeoDataFrame indexed by ``adcode`` (6-character
string) in WGS84 (EPSG:4326) unless ``crs=`` asks for another CRS; the cached copy is
never handed out, so callers may modify what they get.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from typing import Literal

import geopandas as gpd
import pandas as pd

from .coords import ALBERS_CHINA

__all__ = ["area_km2", "counties", "prefectures", "provinces", "south_china_sea_line", "to_albers"]

Level = Literal["province", "prefecture", "county"]
_FILES = {"province": "provinces", "prefecture": "prefectures", "county": "counties"}
TIBET = "540000"


@functools.cache
def _read(name: str) -> gpd.GeoDataFrame:
    with resources.as_file(resources.files("spatialq.shapes").joinpath(f"{name}.parquet")) as path:
        frame = gpd.read_parquet(path)
    if "adcode" in frame.columns:
        frame = frame.set_index("adcode", drop=True)
    return frame


@functools.cache
def _attrs(level: str) -> pd.DataFrame:
    return pd.DataFrame(_read(_FILES[level]).drop(columns="geometry"))


def _finish(frame: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    frame = frame.copy()
    if crs is not None:
        frame = frame.to_crs(ALBERS_CHINA if crs == "albers" else crs)
    return frame


def _filter_province(frame: gpd.GeoDataFrame, province) -> gpd.GeoDataFrame:
    if province is None:
        return frame
    from .names import match

    wanted = [province] if isinstance(province, str) or not isinstance(province, Iterable) else list(province)
    codes = set(match(pd.Series(wanted, dtype=object), level="province"))
    return frame[frame["province"].isin(codes)]


def provinces(*, include_sar: bool = False, include_tibet: bool = True, crs=None) -> gpd.GeoDataFrame:
    """The 31 mainland province-level units (省, 自治区, 直辖市).

    Parameters
    ----------
    include_sar : bool, default False
        Add Hong Kong (810000), Macao (820000) and Taiwan (710000); they carry
        ``mainland = False``.
    include_tibet : bool, default True
        ``False`` drops Tibet (540000), as papers with 30 provinces do.
    crs : None, "albers" or anything ``GeoDataFrame.to_crs`` accepts
        ``None`` keeps WGS84 longitude/latitude; ``"albers"`` is the China Albers
        equal-area projection in metres (:data:`spatialq.geometry.ALBERS_CHINA`).

    Returns
    -------
    GeoDataFrame indexed by ``adcode`` with ``name_zh`` (official name), ``name_short``
    (北京, 内蒙古, 广西 …), ``name_en`` (official English name), ``kind`` (province,
    autonomous_region, municipality, sar) and ``mainland``.
    """
    frame = _read("provinces")
    if not include_sar:
        frame = frame[frame["mainland"]]
    if not include_tibet:
        frame = frame[frame.index != TIBET]
    return _finish(frame, crs)


def prefectures(
    *,
    include_direct: bool = True,
    include_sar: bool = False,
    province=None,
    crs=None,
) -> gpd.GeoDataFrame:
    """Prefecture-level units: 333 prefectures, 4 municipalities and 30 direct county-level units.

    The four municipalities (北京, 天津, 上海, 重庆) are one unit each with their
    province-level adcode (110000, 120000, 310000, 500000); :func:`match` also accepts
    110100, 120100, 310100, 500100 and 500200 for them.  The 30 county-level units
    administered directly by a province (adcode digits 3-4 = ``90``: 济源, 仙桃, 潜江,
    天门, 神农架, 15 in Hainan, 10 in Xinjiang) have ``kind = "direct_county"``; dropping
    them (``include_direct=False``) leaves holes in Hubei and Xinjiang and makes islands of
    Haikou, Sanya and Danzhou.

    Parameters
    ----------
    include_direct : bool, default True
        Keep the 30 directly administered county-level units.
    include_sar : bool, default False
        Add Hong Kong, Macao and Taiwan (``mainland = False``).
    province : str or list of str, optional
        Keep only the units of these provinces (any spelling :func:`match` accepts).
    crs : None, "albers" or a CRS
        See :func:`provinces`.

    Returns
    -------
    GeoDataFrame indexed by ``adcode`` with ``name_zh``, ``name_short``, ``name_en``
    (pinyin), ``province`` (parent adcode), ``kind`` (prefecture_city, prefecture (地区),
    autonomous_prefecture, league (盟), municipality, direct_county, sar) and ``mainland``.
    """
    frame = _read("prefectures")
    if not include_sar:
        frame = frame[frame["mainland"]]
    if not include_direct:
        frame = frame[frame["kind"] != "direct_county"]
    return _finish(_filter_province(frame, province), crs)


def counties(*, include_sar: bool = False, province=None, crs=None) -> gpd.GeoDataFrame:
    """County-level units (区, 县, 县级市, 旗, …): 2,848 on the mainland.

    Prefecture cities without districts (东莞, 中山, 嘉峪关, 儋州) and the 30 direct
    county-level units appear once at this level with the same adcode as at prefecture
    level.

    Returns
    -------
    GeoDataFrame indexed by ``adcode`` with ``name_zh``, ``name_short``, ``name_en``,
    ``prefecture`` and ``province`` (parent adcodes), ``kind`` and ``mainland``.
    """
    frame = _read("counties")
    if not include_sar:
        frame = frame[frame["mainland"]]
    return _finish(_filter_province(frame, province), crs)


def south_china_sea_line(*, crs=None) -> gpd.GeoDataFrame:
    """The South China Sea maritime line (WGS84) for map insets."""
    return _finish(_read("south_china_sea"), crs)


def to_albers(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Project a GeoDataFrame to China Albers equal-area (metres); returns a new frame."""
    if gdf.crs is None:
        raise ValueError("the GeoDataFrame has no CRS; set it (e.g. gdf.set_crs(4326)) before projecting")
    return gdf.to_crs(ALBERS_CHINA)


def area_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Area of each geometry in km², computed in China Albers equal-area."""
    return to_albers(gdf).area / 1e6
