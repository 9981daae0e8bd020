"""Moran's I under several weight matrices: each row equals ``moran`` with that matrix (itself tested equal to
spdep's ``moran.test``) and esda's ``Moran``; the table does not depend on the order of the matrices."""

import warnings

import esda
import numpy as np
import pandas as pd
import pytest

from spatialq import hotspot, weights
from spatialq._guards import InputError


@pytest.fixture(scope="module")
def setup(provinces, w_provinces):
    from spatialq.datasets import synthetic_urbanisation

    d = synthetic_urbanisation("province", years=range(2015, 2019))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wd = weights.distance(provinces, kind="inverse", islands="nearest")
        we = weights.economic(d, "ln_gdp_pc")
        wn = weights.nested(wd, we, phi=0.5)
    return d, {"queen": w_provinces, "distance": wd, "economic": we, "nested": wn}


def test_rows_equal_moran_and_esda(setup):
    d, ws = setup
    r = hotspot.moran_robustness(d, "pm25", ws, permutations=99, seed=4)
    t = r.to_frame()
    assert len(t) == 4 * 4 and list(t.columns[:3]) == ["weights", "year", "n"]
    for name, w in ws.items():
        one = hotspot.moran(d, "pm25", w, permutations=99, seed=4).to_frame()
        got = t[t.weights == name].drop(columns="weights").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one[got.columns], check_dtype=False)
        part = d[d.year == 2018].set_index("adcode").loc[list(w.id_order)]
        e = esda.Moran(part["pm25"].to_numpy(), weights.standardize(w, "r"), permutations=0)
        row = got[got.year == 2018].iloc[0]
        assert row["I"] == pytest.approx(e.I, abs=1e-12)
        assert row["z_rand"] == pytest.approx(e.z_rand, abs=1e-9)
        assert row["z_norm"] == pytest.approx(e.z_norm, abs=1e-9)
    # the matrices give different answers (the point of the table)
    assert t.groupby("weights")["I"].mean().nunique() == 4


def test_order_of_matrices_does_not_matter_and_formatting(setup):
    d, ws = setup
    a = hotspot.moran_robustness(d, "pm25", ws, permutations=49, seed=1)
    b = hotspot.moran_robustness(d, "pm25", dict(reversed(list(ws.items()))), permutations=49, seed=1)
    key = ["weights", "year"]
    pd.testing.assert_frame_equal(a.to_frame().sort_values(key).reset_index(drop=True),
                                  b.to_frame().sort_values(key).reset_index(drop=True))
    f = a.formatted()
    assert list(f.columns) == ["year", "queen", "distance", "economic", "nested"]
    r = a.to_frame().query("weights == 'queen' and year == 2018").iloc[0]
    stars = "***" if r.p_rand <= 0.01 else "**" if r.p_rand <= 0.05 else "*" if r.p_rand <= 0.1 else ""
    assert f.loc[f.year == 2018, "queen"].item() == f"{r.I:.3f}{stars} ({r.z_rand:.2f})"
    wide = a.wide("z_rand")
    assert wide.loc[wide.year == 2018, "queen"].item() == pytest.approx(r.z_rand)
    with pytest.raises(InputError, match="value"):
        a.wide("nope")
    with pytest.raises(InputError, match="p must"):
        a.formatted(p="x")
    assert "queen" in a.summary()
    import matplotlib

    matplotlib.use("Agg")
    ax = a.plot()
    assert len(ax.lines) >= 4


def test_errors_name_the_matrix(setup):
    d, ws = setup
    with pytest.raises(InputError, match="non-empty dict"):
        hotspot.moran_robustness(d, "pm25", {})
    with pytest.raises(InputError, match="names"):
        hotspot.moran_robustness(d, "pm25", {"": ws["queen"]})
    small = d[d.adcode != "110000"]
    with pytest.raises(InputError, match="weights 'queen'"):
        hotspot.moran_robustness(small, "pm25", {"queen": ws["queen"]})
    r = hotspot.moran_robustness(d[d.year == 2018], "pm25", {"q": ws["queen"]}, by=None, permutations=0)
    assert r.to_frame()["period"].isna().all() and np.isnan(r.to_frame()["p_sim"]).all()
