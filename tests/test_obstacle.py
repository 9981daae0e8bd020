"""Obstacle degree model: a hand-computed example, the model's identities (degrees sum to 1, zero at the best
value, sub-system = sum of its indicators), brute force against the vectorised code, row order."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from spatialq import index
from spatialq._guards import InputError

IND = {"urban_pop_share": 1, "urban_income": 1, "doctors_per_10k": 1, "green_coverage": 1, "pm25": -1,
       "energy_intensity": -1}
SUB = {"urban_pop_share": "economy", "urban_income": "economy", "doctors_per_10k": "society",
       "green_coverage": "ecology", "pm25": "ecology", "energy_intensity": "ecology"}


@pytest.fixture(scope="module")
def panel():
    from spatialq.datasets import synthetic_urbanisation

    return synthetic_urbanisation("province", years=range(2015, 2019))


@pytest.fixture(scope="module")
def ent(panel):
    return index.entropy(panel, IND, subsystems=SUB)


def _brute(norm: pd.DataFrame, weights: dict) -> dict:
    """O_ij by the definition, one unit-year and one indicator at a time."""
    out = {}
    for _, row in norm.iterrows():
        den = sum(weights[c] * (1 - row[c]) for c in weights)
        for c in weights:
            out[(row["adcode"], row["year"], c)] = weights[c] * (1 - row[c]) / den
    return out


def test_hand_computed_cross_section():
    # x1 (+) = 1, 2, 4 -> x' = 0, 1/3, 1;  x2 (−) = 10, 20, 30 -> x' = 1, 1/2, 0;  w = 0.6, 0.4
    # a: F·I = 0.6·1, 0.4·0          -> O = 1, 0
    # b: F·I = 0.6·2/3, 0.4·1/2 = 0.4, 0.2 -> O = 2/3, 1/3
    # c: F·I = 0.6·0, 0.4·1          -> O = 0, 1
    df = pd.DataFrame({"adcode": ["a", "b", "c"], "x1": [1.0, 2.0, 4.0], "x2": [10.0, 20.0, 30.0]})
    xn = pd.concat([df[["adcode"]], index.normalize(df, {"x1": 1, "x2": -1})], axis=1)
    r = index.obstacle(xn, weights={"x1": 3.0, "x2": 2.0})  # rescaled to 0.6, 0.4
    o = r.wide().set_index("adcode")
    assert o.loc["a"].tolist() == pytest.approx([1.0, 0.0], abs=1e-15)
    assert o.loc["b"].tolist() == pytest.approx([2 / 3, 1 / 3], abs=1e-15)
    assert o.loc["c"].tolist() == pytest.approx([0.0, 1.0], abs=1e-15)
    d = r.to_frame()
    assert "year" not in d.columns and d["contribution"].tolist()[:2] == pytest.approx([0.6, 0.4])
    assert d.set_index(["adcode", "indicator"]).loc[("b", "x1"), "deviation"] == pytest.approx(2 / 3)
    top = r.top_table(2).set_index("adcode")
    assert top.loc["b", "factor_1"] == "x1" and top.loc["b", "obstacle_2"] == pytest.approx(1 / 3)
    assert list(top.columns) == ["factor_1", "obstacle_1", "factor_2", "obstacle_2"]
    # tie-free ranks; at a the tie-free order puts x1 first
    assert top.loc["a", "factor_1"] == "x1" and top.loc["c", "factor_1"] == "x2"


def test_identities(ent):
    r = index.obstacle(ent)
    d = r.to_frame()
    sums = d.groupby(["adcode", "year"])["obstacle"].sum()
    assert np.max(np.abs(sums - 1.0)) < 1e-12
    norm = ent.normalized.melt(id_vars=["adcode", "year"], var_name="indicator", value_name="x")
    m = d.merge(norm, on=["adcode", "year", "indicator"])
    assert (m["x"] == 1.0).sum() > 0
    assert (m.loc[m["x"] == 1.0, "obstacle"] == 0.0).all()  # at the best value: no obstacle
    assert np.max(np.abs(m["deviation"] - (1 - m["x"]))) == 0.0
    w = ent.weights.set_index("indicator")["weight"]
    assert np.max(np.abs(m["contribution"] - m["indicator"].map(w))) == 0.0
    s = d.groupby(["adcode", "year", "subsystem"], sort=False)["obstacle"].sum().rename("mine")
    both = r.subsystems.set_index(["adcode", "year", "subsystem"]).join(s)
    assert len(both) == 124 * 3 and np.max(np.abs(both["obstacle"] - both["mine"])) < 1e-15
    # ranks: 1..m per unit-year, descending obstacle
    for _, g in d.groupby(["adcode", "year"]):
        assert sorted(g["rank"]) == list(range(1, 7))
        assert np.all(np.diff(g.sort_values("rank")["obstacle"].to_numpy()) <= 0)


def test_brute_force_and_explicit_inputs(ent):
    r = index.obstacle(ent)
    w = ent.weights.set_index("indicator")["weight"].to_dict()
    brute = _brute(ent.normalized, w)
    got = r.to_frame().set_index(["adcode", "year", "indicator"])["obstacle"]
    assert max(abs(got[k] - v) for k, v in brute.items()) < 1e-12
    # the same from explicit weights and normalised values
    r2 = index.obstacle(ent.normalized, weights=w, subsystems=SUB)
    pd.testing.assert_frame_equal(r.to_frame(), r2.to_frame(), check_exact=False, rtol=0, atol=1e-15)
    pd.testing.assert_frame_equal(r.subsystems, r2.subsystems, check_exact=False, rtol=0, atol=1e-15)


def test_per_year_weights(panel):
    e = index.entropy(panel, IND, pooled=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = index.obstacle(e, at_best="drop")  # one synthetic province is best on every indicator in 2 years
    assert any("left out" in str(c.message) for c in caught)
    got = r.to_frame().set_index(["adcode", "year", "indicator"])["obstacle"]
    worst = 0.0
    for year, part in e.normalized.groupby("year"):
        w = e.weights[e.weights["year"] == year].set_index("indicator")["weight"].to_dict()
        part = part[part[list(IND)].min(axis=1) < 1]
        for k, v in _brute(part, w).items():
            worst = max(worst, abs(got[k] - v))
    assert worst < 1e-12
    assert len(got) == (124 - 2) * 6
    with pytest.raises(InputError, match=r"430000 in 2015.*best value of every weighted indicator"):
        index.obstacle(e)


def test_row_order_and_inputs_untouched(panel):
    shuffled = panel.sample(frac=1.0, random_state=3)
    before = shuffled.copy()
    a = index.obstacle(index.entropy(panel, IND, subsystems=SUB))
    b = index.obstacle(index.entropy(shuffled, IND, subsystems=SUB))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=False, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(shuffled, before)
    norm = index.entropy(panel, IND).normalized
    w = {c: 1.0 for c in IND}
    c1 = index.obstacle(norm, weights=w).to_frame()
    c2 = index.obstacle(norm.iloc[::-1], weights=w).to_frame()
    pd.testing.assert_frame_equal(c1, c2)


def test_top_tables(ent):
    r = index.obstacle(ent, top=3)
    t = r.top_table()
    assert list(t.columns) == ["adcode", "year", *[f"{p}_{i}" for i in (1, 2, 3) for p in ("factor", "obstacle")]]
    assert len(t) == 124
    d = r.to_frame()
    row = t.iloc[7]
    part = d[(d["adcode"] == row["adcode"]) & (d["year"] == row["year"])].nlargest(3, "obstacle")
    assert part["indicator"].tolist() == [row["factor_1"], row["factor_2"], row["factor_3"]]
    assert part["obstacle"].tolist() == pytest.approx([row["obstacle_1"], row["obstacle_2"], row["obstacle_3"]])
    s = r.top_table(10, level="subsystem")
    assert [c for c in s.columns if c.startswith("factor")] == ["factor_1", "factor_2", "factor_3"]
    assert np.allclose(s[["obstacle_1", "obstacle_2", "obstacle_3"]].sum(axis=1), 1.0)
    assert r.wide("subsystem").columns.tolist() == ["adcode", "year", "economy", "society", "ecology"]
    assert "mean obstacle" in r.summary()


def test_heat_maps(ent):
    import matplotlib

    matplotlib.use("Agg")
    r = index.obstacle(ent)
    ax = r.plot()
    img = ax.get_images()[0].get_array()
    assert img.shape == (6, 4)  # indicators × years
    mean = r.to_frame().groupby(["indicator", "year"])["obstacle"].mean().unstack()
    assert np.allclose(img[1], 100 * mean.loc["urban_income"].to_numpy())
    ax = r.plot(kind="unit", period=2016, level="subsystem")
    assert ax.get_images()[0].get_array().shape == (31, 3)
    with pytest.raises(ValueError, match="kind"):
        r.plot(kind="map")


def test_errors(ent):
    norm = ent.normalized
    with pytest.raises(InputError, match=r"'pm25' runs from .* \[0, 1\]"):
        index.obstacle(norm.assign(pm25=norm["pm25"] * 2), weights={c: 1 for c in IND})
    with pytest.raises(TypeError, match="weights="):
        index.obstacle(norm)
    with pytest.raises(ValueError, match="brings its own"):
        index.obstacle(ent, weights={c: 1 for c in IND})
    with pytest.raises(ValueError, match="top"):
        index.obstacle(ent, top=0)
    with pytest.raises(ValueError, match="at_best"):
        index.obstacle(ent, at_best="skip")
    with pytest.raises(InputError, match="non-negative"):
        index.obstacle(norm, weights={"pm25": -1.0, "urban_income": 2.0})
    with pytest.raises(ValueError, match="does not assign"):
        index.obstacle(norm, weights={"pm25": 1.0, "urban_income": 2.0}, subsystems={"pm25": "eco"})
    best = pd.DataFrame({"adcode": ["a", "b"], "x": [1.0, 0.5], "y": [1.0, 0.0]})
    with pytest.raises(InputError, match=r"^a: at the best value"):
        index.obstacle(best, weights={"x": 1, "y": 1})
    with pytest.warns(UserWarning, match="a left out"):
        r = index.obstacle(best, weights={"x": 1, "y": 1}, at_best="drop")
    assert r.to_frame()["adcode"].unique().tolist() == ["b"]
    with pytest.raises(TypeError, match="EntropyResult or a DataFrame"):
        index.obstacle([1, 2, 3])


def test_result_convention(ent):
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = index.obstacle(ent)
    assert repr(r) == r.summary() and r.meta.method == "spatialq.index.obstacle"
    assert "<div>" in r._repr_html_()
    f = r.to_frame()
    del f["obstacle"]
    assert "obstacle" in r.to_frame().columns  # a copy
    assert r.plot() is not None
    plt.close("all")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.top = 3
