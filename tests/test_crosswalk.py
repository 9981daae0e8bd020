"""Crosswalk of prefecture-level changes and harmonize()."""

import pandas as pd
import pytest

from spatialq.geometry import crosswalk, harmonize, prefectures


def row(cw, old):
    return cw[cw["old_adcode"] == old].iloc[-1]


def test_known_changes():
    cw = crosswalk()
    assert row(cw, "420600")["change"] == "rename" and row(cw, "420600")["new_name"] == "襄阳市"
    assert row(cw, "371200")["change"] == "merged" and row(cw, "371200")["current_adcode"] == "370100"
    assert row(cw, "341400")["change"] == "split"
    assert set(row(cw, "341400")["current_adcode"].split("|")) == {"340100", "340200", "340500"}
    assert row(cw, "522200")["change"] == "code_change" and row(cw, "522200")["current_adcode"] == "520600"
    # chain: 思茅地区 532700 -> 思茅市 530800 (2003) -> renamed 普洱市 (2007)
    assert row(cw, "532700")["current_adcode"] == "530800"
    new = set(cw.loc[cw["change"] == "new", "new_adcode"])
    assert {"460300", "460400", "451300", "451400", "640500"} <= new
    assert cw["source"].str.contains("GB/T 2260").all()


def test_every_current_code_exists():
    cw = crosswalk()
    current = set(prefectures().index)
    targets = {c for v in cw["current_adcode"] for c in v.split("|") if c}
    assert targets <= current


def test_harmonize_merges_laiwu_into_jinan():
    df = pd.DataFrame({
        "adcode": ["370100", "371200", "370100", "420600", "522200"],
        "year": [2015, 2015, 2020, 2015, 2010],
        "gdp": [100.0, 10.0, 150.0, 5.0, 3.0],
        "pop": [7.0, 1.0, 9.0, 5.0, 4.0],
    })
    before = df.copy()
    out = harmonize(df, ["gdp"], how="sum")
    pd.testing.assert_frame_equal(df, before)
    got = out.set_index(["adcode", "year"])
    assert got.loc[("370100", 2015), "gdp"] == 110.0 and got.loc[("370100", 2015), "n_source_units"] == 2
    assert got.loc[("520600", 2010), "gdp"] == 3.0
    wm = harmonize(df, ["gdp"], how="weighted_mean", weight="pop").set_index(["adcode", "year"])
    assert wm.loc[("370100", 2015), "gdp"] == pytest.approx((100 * 7 + 10 * 1) / 8)


def test_harmonize_split_units():
    df = pd.DataFrame({"adcode": ["341400", "340100"], "year": [2010, 2010], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="巢湖市 341400"):
        harmonize(df, ["x"])
    with pytest.warns(UserWarning, match="dropping rows of split units"):
        out = harmonize(df, ["x"], splits="drop")
    assert out["adcode"].tolist() == ["340100"]


def test_harmonize_a_missing_part_makes_the_combined_value_missing():
    """莱芜 NaN + 济南 6100 gave 6100 with n_source_units 2; a combined value with a missing part is missing now,
    with a warning naming the unit, the year and the missing part, for every ``how``."""
    df = pd.DataFrame({"adcode": ["370100", "371200", "370100", "371200"], "year": [2015, 2015, 2016, 2016],
                       "gdp": [6100.0, float("nan"), 6500.0, 700.0], "pop": [7.0, 1.3, 7.2, 1.3]})
    for how, kw in (("sum", {}), ("mean", {}), ("weighted_mean", {"weight": "pop"})):
        with pytest.warns(UserWarning, match=r"370100 in 2015: 'gdp'.* of 371200 is missing"):
            out = harmonize(df, ["gdp"], how=how, **kw).set_index(["adcode", "year"])
        assert pd.isna(out.loc[("370100", 2015), "gdp"]) and out.loc[("370100", 2015), "n_source_units"] == 2
        assert out.loc[("370100", 2016), "gdp"] == pytest.approx(
            {"sum": 7200.0, "mean": 3600.0, "weighted_mean": (6500 * 7.2 + 700 * 1.3) / 8.5}[how])
    with pytest.warns(UserWarning, match="or the weight 'pop' of 371200 is missing"):
        harmonize(df.assign(gdp=1.0, pop=[7.0, float("nan"), 7.2, 1.3]), ["gdp"], how="weighted_mean", weight="pop")


def test_harmonize_weights_summing_to_zero_name_the_unit():
    df = pd.DataFrame({"adcode": ["370100", "371200", "420600"], "year": [2015, 2015, 2015],
                       "rate": [0.5, 0.7, 0.2], "pop": [0.0, 0.0, 5.0]})
    with pytest.raises(ValueError, match="weights 'pop' sum to zero for 370100 in 2015"):
        harmonize(df, ["rate"], how="weighted_mean", weight="pop")
    with pytest.raises(ValueError, match=r"negative at \[\('371200', 2015\)\]"):
        harmonize(df.assign(pop=[1.0, -1.0, 5.0]), ["rate"], how="weighted_mean", weight="pop")
