"""Region schemes: which group each province or city belongs to.

=================  =======================================================  ===========================
scheme             groups                                                   source
=================  =======================================================  ===========================
``four``           东部 10, 中部 6, 西部 12, 东北 3                          NBS 2011
``three``          东部 11, 中部 8, 西部 12                                  three belts
``three_no_tibet`` the same without 西藏 (30 provinces)                     three belts
``coastal``        沿海 11, 内陆 20                                         DOMAIN.md
``north_south``    北方 15, 南方 16 (Qinling–Huaihe)                         DOMAIN.md
``yreb``           长江经济带 11 provinces                                  plan of 2016
``yellow_river``   黄河流域 9 provinces (province-level approximation)      plan of 2021
``bth``            京津冀: 北京, 天津, 河北 (13 cities at prefecture level)  plan of 2015
``agglomerations`` 14 of the 19 national urban agglomerations (city lists)  plans, see below
=================  =======================================================  ===========================

Province schemes apply to prefectures and counties through their province.  City
memberships of agglomerations come from ``shared/data/urban_agglomerations.csv`` (one
sourced row per city and plan version); 粤闽浙沿海, 辽中南, 黔中, 宁夏沿黄 and 天山北坡 have no
published membership list and are absent (never invented).  长三角 defaults to the 2016
plan (26 cities); ``plan_year=2019`` gives the 27-city 中心区 of the 2019 纲要.  Members
that a plan includes only in part (some counties) are flagged ``partial``;
``partial="exclude"`` leaves them out.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

import pandas as pd

from ._load import _attrs

__all__ = ["SCHEMES", "agglomerations", "regions"]

SCHEMES = ("four", "three", "three_no_tibet", "coastal", "north_south", "yreb", "yellow_river",
           "agglomerations", "bth")
_DEFAULT_PLAN_YEAR = {"长三角": "2016"}
#: Order of the 19 agglomerations in the 14th Five-Year Plan (ch. 28 §1), tier by tier.
PLAN_ORDER = ("京津冀", "长三角", "珠三角", "成渝", "长江中游", "山东半岛", "粤闽浙沿海", "中原", "关中平原", "北部湾",
              "哈长", "辽中南", "山西中部", "黔中", "滇中", "呼包鄂榆", "兰州—西宁", "宁夏沿黄", "天山北坡")


@functools.cache
def _province_table() -> pd.DataFrame:
    with resources.files("spatialq.registry").joinpath("regions_province.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"adcode": str})


@functools.cache
def _agglo_table() -> pd.DataFrame:
    with resources.files("spatialq.registry").joinpath("agglomerations.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False).assign(partial=lambda d: d["partial"] == "True")


def agglomerations(*, plan_year: dict[str, int] | None = None) -> pd.DataFrame:
    """Membership rows of the urban agglomerations (a copy), one per city.

    Parameters
    ----------
    plan_year : dict, optional
        Plan version per agglomeration where two exist, e.g. ``{"长三角": 2019}``;
        the default is the 2016 plan for 长三角.

    Returns
    -------
    DataFrame with ``agglomeration_zh``, ``agglomeration_en``, ``tier``, ``plan``,
    ``plan_year``, ``adcode``, ``city_zh``, ``partial``, ``parts`` and ``source``.
    """
    t = _agglo_table()
    years = dict(_DEFAULT_PLAN_YEAR)
    years.update({k: str(v) for k, v in (plan_year or {}).items()})
    unknown = set(years) - set(t["agglomeration_zh"])
    if unknown:
        raise ValueError(f"no membership list for {sorted(unknown)}; available: {sorted(set(t['agglomeration_zh']))}")
    keep = pd.Series(True, index=t.index)
    for name, year in years.items():
        versions = set(t.loc[t["agglomeration_zh"] == name, "plan_year"])
        if year not in versions:
            raise ValueError(f"{name} has plan versions {sorted(versions)}, not {year}")
        keep &= ~((t["agglomeration_zh"] == name) & (t["plan_year"] != year))
    return t[keep].reset_index(drop=True).copy()


def regions(
    scheme: str = "four",
    *,
    level: Literal["province", "prefecture", "county"] = "province",
    lang: Literal["zh", "en"] = "zh",
    include_sar: bool = False,
    partial: Literal["include", "exclude"] = "include",
    plan_year: dict[str, int] | None = None,
    select: list[str] | None = None,
    overlap: Literal["plan_order", "raise"] = "plan_order",
) -> pd.Series:
    """Group label of every unit of a level under a region scheme.

    Parameters
    ----------
    scheme : str, default "four"
        One of :data:`SCHEMES` (see the module documentation for members and sources).
    level : {"province", "prefecture", "county"}
        Units to label.  ``"agglomerations"`` needs ``"prefecture"`` or ``"county"``.
    lang : {"zh", "en"}
        Label language (东部 / East).
    include_sar : bool, default False
        Include Hong Kong, Macao and Taiwan rows (always NaN: no scheme includes them).
    partial : {"include", "exclude"}
        For agglomerations: whether cities the plan includes only in part are members.
    plan_year : dict, optional
        Plan version per agglomeration (``{"长三角": 2019}``).
    select : list of str, optional
        For agglomerations: keep only these (Chinese names, e.g. ``["京津冀", "长三角"]``).
    overlap : {"plan_order", "raise"}
        Five cities are listed by two plans (邯郸, 邢台: 京津冀 and 中原; 聊城, 菏泽: 山东半岛
        and 中原; 运城: 中原 and 关中平原).  ``"plan_order"`` gives each to the agglomeration
        listed first in the 14th Five-Year Plan and records the reassignments in
        ``result.attrs["overlaps"]``; ``"raise"`` refuses (use ``select=`` or
        :func:`agglomerations` for the full membership table).

    Returns
    -------
    Series indexed by adcode (every unit of the level), named after the scheme, an
    ordered categorical with the groups in their conventional order, NaN for units
    outside the scheme (e.g. Tibet under ``three_no_tibet``).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    if level not in ("province", "prefecture", "county"):
        raise ValueError(f"level must be 'province', 'prefecture' or 'county', got {level!r}")
    if partial not in ("include", "exclude"):
        raise ValueError(f"partial must be 'include' or 'exclude', got {partial!r}")
    units = _attrs(level)
    if not include_sar:
        units = units[units["mainland"]]
    col = "group_zh" if lang == "zh" else "group_en"
    if scheme in ("agglomerations", "bth") and level != "province":
        if scheme == "bth":
            rows = agglomerations()
            rows = rows[rows["agglomeration_zh"] == "京津冀"]
        else:
            rows = agglomerations(plan_year=plan_year)
        if select is not None:
            unknown = sorted(set(select) - set(rows["agglomeration_zh"]))
            if unknown:
                raise ValueError(f"no membership list for {unknown}; available: "
                                 f"{sorted(set(rows['agglomeration_zh']), key=PLAN_ORDER.index)}")
            rows = rows[rows["agglomeration_zh"].isin(select)]
        if partial == "exclude":
            rows = rows[~rows["partial"]]
        rows = rows.assign(_rank=rows["agglomeration_zh"].map(PLAN_ORDER.index)).sort_values("_rank", kind="stable")
        dup = rows[rows.duplicated("adcode", keep=False)]
        overlaps = {c: list(g["agglomeration_zh"]) for c, g in dup.groupby("adcode")}
        if overlaps and overlap == "raise":
            text = "; ".join(f"{c} {v}" for c, v in overlaps.items())
            raise ValueError(f"cities in more than one agglomeration: {text}; pass select= or overlap='plan_order'")
        if overlap not in ("plan_order", "raise"):
            raise ValueError(f"overlap must be 'plan_order' or 'raise', got {overlap!r}")
        rows = rows.drop_duplicates("adcode", keep="first")
        label_col = "agglomeration_zh" if lang == "zh" else "agglomeration_en"
        labels = dict(zip(rows["adcode"], rows[label_col]))
        order = list(dict.fromkeys(rows[label_col]))
        key = units.index if level == "prefecture" else units["prefecture"]
        values = [labels.get(k) for k in key]
        result = pd.Series(pd.Categorical(values, categories=order, ordered=True), index=units.index.copy(),
                           name=scheme)
        result.attrs["overlaps"] = overlaps
        return result
    elif scheme == "agglomerations":
        raise ValueError("urban agglomerations are lists of cities: use level='prefecture' or 'county'")
    else:
        t = _province_table()
        t = t[t["scheme"] == scheme].sort_values("group_order", kind="stable")
        labels = dict(zip(t["adcode"], t[col]))
        order = list(dict.fromkeys(t[col]))
        key = units.index if level == "province" else units["province"]
        values = [labels.get(k) for k in key]
    return pd.Series(pd.Categorical(values, categories=order, ordered=True), index=units.index.copy(), name=scheme)
