"""Region schemes against DOMAIN.md memberships and the sourced city lists."""

import pandas as pd
import pytest

from spatialq.geometry import match, regions


def members(s, label):
    return set(s.index[s == label])


def test_four_regions():
    r = regions("four")
    assert r.value_counts().to_dict() == {"东部": 10, "中部": 6, "西部": 12, "东北": 3}
    assert list(r.cat.categories) == ["东部", "中部", "西部", "东北"]
    assert members(r, "东北") == set(match(["辽宁", "吉林", "黑龙江"]))


def test_three_belts_and_no_tibet():
    r = regions("three", lang="en")
    assert r.value_counts().to_dict() == {"East": 11, "Central": 8, "West": 12}
    assert r["210000"] == "East" and r["220000"] == "Central" and r["450000"] == "West"
    r2 = regions("three_no_tibet")
    assert pd.isna(r2["540000"]) and r2.notna().sum() == 30


def test_coastal_north_south_yreb_yellow():
    assert members(regions("coastal"), "沿海") == set(match("辽 冀 津 鲁 苏 沪 浙 闽 粤 琼 桂".split()))
    ns = regions("north_south").value_counts().to_dict()
    assert ns == {"北方": 15, "南方": 16}
    assert regions("yreb").notna().sum() == 11 and regions("yellow_river").notna().sum() == 9


def test_province_schemes_at_prefecture_level():
    r = regions("four", level="prefecture")
    assert r["420100"] == "中部" and r["469001"] == "东部"


def test_bth_and_agglomerations():
    bth = regions("bth", level="prefecture")
    assert bth.notna().sum() == 13
    assert set(bth.index[bth.notna()]) == set(match(
        ["北京", "天津", "保定", "沧州", "承德", "邯郸", "衡水", "廊坊", "秦皇岛", "石家庄", "唐山", "邢台", "张家口"],
        level="prefecture"))
    a = regions("agglomerations", level="prefecture")
    assert (a == "长三角").sum() == 26
    assert a.attrs["overlaps"]["130400"] == ["京津冀", "中原"] and a["130400"] == "京津冀"
    a19 = regions("agglomerations", level="prefecture", plan_year={"长三角": 2019})
    assert (a19 == "长三角").sum() == 27
    ex = regions("agglomerations", level="prefecture", partial="exclude", select=["成渝"])
    assert (ex == "成渝").sum() == 12
    with pytest.raises(ValueError, match="more than one agglomeration"):
        regions("agglomerations", level="prefecture", overlap="raise")


def test_no_invented_agglomerations():
    a = regions("agglomerations", level="prefecture")
    assert {"辽中南", "黔中", "宁夏沿黄", "天山北坡", "粤闽浙沿海"}.isdisjoint(set(a.cat.categories))
    with pytest.raises(ValueError, match="no membership list"):
        regions("agglomerations", level="prefecture", select=["辽中南"])


def test_errors():
    with pytest.raises(ValueError, match="unknown scheme"):
        regions("five")
    with pytest.raises(ValueError, match="lists of cities"):
        regions("agglomerations")
