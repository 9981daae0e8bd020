import pandas as pd
import pytest

from spatialq.paneldata import check_panel, wide_to_long


def test_wide_to_long_and_check():
    wide = pd.DataFrame({"province": ["北京", "天津"], "2011年": [1.0, 2.0], "2012年": [3.0, None], "note": ["a", "b"]})
    before = wide.copy()
    long = wide_to_long(wide, id="province", value_name="gdp")
    pd.testing.assert_frame_equal(wide, before)
    assert long.columns.tolist() == ["province", "note", "year", "gdp"]
    assert long["year"].tolist() == [2011, 2012, 2011, 2012]
    chk = check_panel(long.dropna(), id="province")
    assert not chk.balanced and chk.missing.values.tolist() == [["天津", 2012]]
    assert "天津 (1/2)" in chk.summary()
    with pytest.raises(ValueError, match="unbalanced"):
        check_panel(long.dropna(), id="province", require_balanced=True)


def test_duplicates_named():
    df = pd.DataFrame({"adcode": ["110000", "110000"], "year": [2020, 2020]})
    with pytest.raises(ValueError, match=r"\(110000, 2020\)"):
        check_panel(df)
    with pytest.raises(KeyError, match="use id=/time="):
        check_panel(df.rename(columns={"year": "yr"}))


def test_no_year_columns():
    with pytest.raises(ValueError, match="no year columns"):
        wide_to_long(pd.DataFrame({"id": [1], "x": [2]}), id="id")
