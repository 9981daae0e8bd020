"""Name matching: the messy-spellings table, errors, report mode, disambiguation."""

from pathlib import Path

import pandas as pd
import pytest

from spatialq.geometry import MatchReport, NameMatchError, match

TABLE = pd.read_csv(Path(__file__).parent / "data" / "messy_names.csv", dtype=str, keep_default_na=False)


def test_table_is_large_and_covers_levels():
    assert len(TABLE) >= 150
    assert set(TABLE["level"]) == {"province", "prefecture", "county"}
    assert (TABLE["level"] == "province").sum() >= 60 and (TABLE["level"] == "prefecture").sum() >= 60


@pytest.mark.parametrize("level", ["province", "prefecture", "county"])
def test_messy_spellings_resolve(level):
    t = TABLE[TABLE["level"] == level]
    rep = match(t["name"].tolist(), level=level, province=[p or None for p in t["province"]], errors="report")
    got = rep.adcodes.fillna("").tolist()
    wrong = [(n, e, g) for n, e, g in zip(t["name"], t["expected"], got) if e != g]
    assert wrong == []


def test_series_alignment_and_int_codes():
    s = pd.Series(["北京", "Shaanxi", 440000], index=[10, 20, 30])
    out = match(s)
    assert out.index.tolist() == [10, 20, 30]
    assert out.tolist() == ["110000", "610000", "440000"]


def test_unmatched_raises_with_candidates():
    with pytest.raises(NameMatchError) as err:
        match(["北京", "湖北x省", "Shanxxi", "火星"])
    text = str(err.value)
    assert "'湖北x省'" in text and "湖北省 (420000)" in text
    assert "'Shanxxi'" in text and "山西省 (140000)" in text
    assert "'火星'" in text
    assert err.value.report.unmatched["name"].tolist() == ["湖北x省", "Shanxxi", "火星"]


def test_ambiguous_raises_naming_candidates():
    with pytest.raises(NameMatchError) as err:
        match(["Fuzhou", "Suzhou"], level="prefecture")
    text = str(err.value)
    assert "福州市 (350100)" in text and "抚州市 (361000)" in text and "pass province=" in text


def test_county_needs_province_for_repeated_names():
    rep = match(["鼓楼区"], level="county", errors="report")
    assert len(rep.ambiguous) == 1 and len(rep.ambiguous["candidates"][0]) >= 4
    assert match(["鼓楼区"], level="county", province="江苏", prefecture="徐州").tolist() == ["320302"]


def test_merged_unit_explains_change():
    rep = match(["莱芜市", "巢湖"], level="prefecture", errors="report")
    assert isinstance(rep, MatchReport) and not rep.ok
    hints = dict(zip(rep.unmatched["name"], rep.unmatched["hint"]))
    assert "merged into 济南市" in hints["莱芜市"] and "harmonize" in hints["莱芜市"]
    assert "split among" in hints["巢湖"]


def test_province_constraint_rejects_wrong_province():
    rep = match(["朝阳"], level="prefecture", province="北京", errors="report")
    assert rep.adcodes.isna().all()
    assert "no such unit in province 110000" in rep.unmatched["hint"][0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="level must be"):
        match(["北京"], level="city")
    with pytest.raises(ValueError, match="province= has 2 values"):
        match(["a", "b", "c"], level="prefecture", province=["北京", "天津"])
    with pytest.raises(NameMatchError, match="in the province= argument"):
        match(["朝阳"], level="prefecture", province="Atlantis")


def test_missing_values_reported():
    rep = match(["北京", None, float("nan")], errors="report")
    assert rep.adcodes.isna().sum() == 2


def test_input_not_modified():
    s = pd.Series(["北京市", "天津"])
    before = s.copy()
    match(s)
    pd.testing.assert_series_equal(s, before)
