"""Composite indices: entropy weights (hand-computed), TOPSIS, coupling coordination, Tapio."""

import math

import numpy as np
import pandas as pd
import pytest

from spatialq import index


def cross_section():
    return pd.DataFrame({"adcode": ["a", "b", "c"], "x1": [1.0, 2.0, 4.0], "x2": [10.0, 20.0, 30.0]})


def test_entropy_hand_computed():
    # x1 (+): x' = [0, 1/3, 1];  x2 (−): x' = [1, 1/2, 0];  shift = 0, N = 3
    # p1 = [0, 1/4, 3/4]; e1 = −(1/4 ln 1/4 + 3/4 ln 3/4)/ln 3 = 0.562335/1.098612 = 0.511860
    # p2 = [2/3, 1/3, 0]; e2 = −(2/3 ln 2/3 + 1/3 ln 1/3)/ln 3 = 0.579380
    e1 = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(3)
    e2 = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(3)
    assert e1 == pytest.approx(0.511860, abs=1e-6) and e2 == pytest.approx(0.579380, abs=1e-6)
    w1 = (1 - e1) / ((1 - e1) + (1 - e2))
    r = index.entropy(cross_section(), {"x1": 1, "x2": -1}, shift=0.0)
    w = r.weights.set_index("indicator")
    assert w.loc["x1", "entropy"] == pytest.approx(e1, abs=1e-12)
    assert w.loc["x2", "entropy"] == pytest.approx(e2, abs=1e-12)
    assert w.loc["x1", "weight"] == pytest.approx(w1, abs=1e-12)
    assert w["weight"].sum() == pytest.approx(1.0)
    s = r.to_frame().set_index("adcode")["score"]
    assert s["a"] == pytest.approx(0 * w1 + 1 * (1 - w1))
    assert s["b"] == pytest.approx(w1 / 3 + 0.5 * (1 - w1))
    assert s["c"] == pytest.approx(w1)


def test_entropy_shift_and_negative_values():
    df = cross_section()
    r0 = index.entropy(df, {"x1": 1, "x2": -1})
    moved = df.assign(x1=df["x1"] - 100.0)  # negative values: min–max only sees differences
    r1 = index.entropy(moved, {"x1": 1, "x2": -1})
    pd.testing.assert_frame_equal(r0.weights, r1.weights)
    r2 = index.entropy(df, {"x1": 1, "x2": -1}, shift=0.01)
    assert not np.allclose(r0.weights["weight"], r2.weights["weight"])


def test_entropy_constant_indicator_errors():
    df = cross_section().assign(x3=5.0)
    with pytest.raises(ValueError, match="'x3' is constant"):
        index.entropy(df, {"x1": 1, "x3": 1})
    panel = pd.DataFrame({"adcode": ["a", "b", "a", "b"], "year": [1, 1, 2, 2], "x": [1.0, 1.0, 2.0, 3.0]})
    index.entropy(panel, {"x": 1})  # pooled: varies over the panel
    with pytest.raises(ValueError, match=r"constant in year \[1\]"):
        index.entropy(panel, {"x": 1}, pooled=False)
    with pytest.raises(ValueError, match="missing values"):
        index.entropy(cross_section().assign(x1=[1.0, None, 3.0]), {"x1": 1, "x2": 1})
    with pytest.raises(ValueError, match="direction"):
        index.entropy(cross_section(), {"x1": 2})


def test_entropy_pooled_panel_and_subsystems():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"adcode": np.repeat(list("abcdefgh"), 3), "year": np.tile([2019, 2020, 2021], 8),
                       "g": rng.uniform(1, 9, 24), "r": rng.uniform(0, 5, 24), "e": rng.uniform(2, 4, 24)})
    before = df.copy()
    r = index.entropy(df, {"g": 1, "r": 1, "e": -1}, subsystems={"g": "eco", "r": "eco", "e": "env"})
    pd.testing.assert_frame_equal(df, before)
    assert r.weights.groupby("subsystem")["weight_in_subsystem"].sum().tolist() == pytest.approx([1, 1])
    # pooled: k = 1/ln(nT) = 1/ln 24
    x = (df["g"] - df["g"].min()) / (df["g"].max() - df["g"].min()) + 1e-4
    p = x / x.sum()
    assert r.weights.set_index("indicator").loc["g", "entropy"] == pytest.approx(-(p * np.log(p)).sum() / np.log(24))
    w = r.weights.set_index("indicator")["weight_in_subsystem"]
    xn = r.normalized
    assert np.allclose(r.scores["eco"], w["g"] * xn["g"] + w["r"] * xn["r"])
    assert np.allclose(r.scores["env"], xn["e"])
    per_year = index.entropy(df, {"g": 1, "r": 1, "e": -1}, pooled=False)
    assert set(per_year.weights["year"]) == {2019, 2020, 2021}
    # row order does not change anything
    shuffled = index.entropy(df.sample(frac=1, random_state=1), {"g": 1, "r": 1, "e": -1})
    a = r.to_frame().set_index(["adcode", "year"])["score"]
    b = shuffled.to_frame().set_index(["adcode", "year"])["score"].reindex(a.index)
    assert np.allclose(a, b)


def test_topsis_hand_computed():
    df = cross_section()
    r = index.topsis(df, {"x1": 1, "x2": -1}, weights={"x1": 0.5, "x2": 0.5})
    # v = 0.5 * x': a (0, .5), b (1/6, .25), c (.5, 0); best (.5, .5), worst (0, 0)
    t = r.to_frame().set_index("adcode")
    dp_b, dm_b = math.hypot(0.5 - 1 / 6, 0.25), math.hypot(1 / 6, 0.25)
    assert t.loc["b", "score"] == pytest.approx(dm_b / (dp_b + dm_b))
    assert t.loc["a", "score"] == pytest.approx(0.5) and t.loc["c", "score"] == pytest.approx(0.5)
    v = index.topsis(df, {"x1": 1, "x2": -1}, weights={"x1": 1, "x2": 1}, normalization="vector").to_frame()
    r1 = df["x1"] / np.sqrt((df["x1"] ** 2).sum()) * 0.5
    r2 = df["x2"] / np.sqrt((df["x2"] ** 2).sum()) * 0.5
    dp = np.sqrt((r1 - r1.max()) ** 2 + (r2 - r2.min()) ** 2)
    dm = np.sqrt((r1 - r1.min()) ** 2 + (r2 - r2.max()) ** 2)
    assert np.allclose(v["score"], dm / (dp + dm))
    e = index.topsis(df, {"x1": 1, "x2": -1})
    assert e.weights.sum() == pytest.approx(1.0) and e.meta.options["weights"] == "entropy"


def test_coupling_hand_computed_and_grades():
    df = pd.DataFrame({"adcode": ["a", "b"], "u1": [0.4, 0.9], "u2": [0.6, 0.9]})
    r = index.coupling(df, ["u1", "u2"]).to_frame().set_index("adcode")
    c = 2 * math.sqrt(0.4 * 0.6) / 1.0
    assert r.loc["a", "C"] == pytest.approx(c) and r.loc["a", "T"] == pytest.approx(0.5)
    assert r.loc["a", "D"] == pytest.approx(math.sqrt(c * 0.5))  # 0.69993
    assert r.loc["a", "grade_zh"] == "初级协调" and r.loc["a", "grade"] == 7
    assert r.loc["a", "type"] == "u1 lagging" and r.loc["b", "type"] == "synchronous"
    assert r.loc["b", "D"] == pytest.approx(0.9 ** 0.5) and r.loc["b", "grade_zh"] == "优质协调"
    edges = index.grade([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.1 * 3, 0.7 - 1e-9])
    # [0, 0.1) 极度失调 … [0.9, 1] 优质协调; an exact step value takes the higher grade; 0.1 * 3 =
    # 0.30000000000000004 is still 0.3; just below 0.7 is 初级协调
    assert list(edges) == [*index.GRADES_ZH, "优质协调", "轻度失调", "初级协调"]


def test_coupling_n_systems_and_variant():
    u = np.array([0.2, 0.5, 0.8])
    df = pd.DataFrame({"adcode": ["a"], "u1": [u[0]], "u2": [u[1]], "u3": [u[2]]})
    r = index.coupling(df, ["u1", "u2", "u3"], weights=[0.2, 0.3, 0.5]).to_frame().iloc[0]
    c = 3 * (u.prod() / u.sum() ** 3) ** (1 / 3)
    assert r["C"] == pytest.approx(c) and r["T"] == pytest.approx(0.2 * 0.2 + 0.3 * 0.5 + 0.5 * 0.8)
    with pytest.warns(UserWarning, match="drops the factor 3"):
        nf = index.coupling(df, ["u1", "u2", "u3"], variant="no_factor").to_frame().iloc[0]
    assert nf["C"] == pytest.approx(c / 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        index.coupling(df.assign(u1=1.5), ["u1", "u2"])
    with pytest.raises(ValueError, match="undefined"):
        index.coupling(df.assign(u1=0.0, u2=0.0), ["u1", "u2"])


@pytest.mark.parametrize("c0,c1,a0,a1,state", [
    (100, 90, 100, 110, "strong_decoupling"),
    (100, 104, 100, 110, "weak_decoupling"),
    (100, 108, 100, 110, "expansive_coupling"),      # ε = 0.8 exactly: coupling
    (100, 112, 100, 110, "expansive_coupling"),      # ε = 1.2 exactly: coupling
    (100, 115, 100, 110, "expansive_negative_decoupling"),
    (100, 105, 100, 90, "strong_negative_decoupling"),
    (100, 98, 100, 90, "weak_negative_decoupling"),
    (100, 91, 100, 90, "recessive_coupling"),
    (100, 85, 100, 90, "recessive_decoupling"),
    (100, 100, 100, 110, "weak_decoupling"),         # ΔC = 0 with growth: ε = 0
])
def test_tapio_states(c0, c1, a0, a1, state):
    df = pd.DataFrame({"adcode": ["a", "a"], "year": [2000, 2001], "c": [c0, c1], "a": [a0, a1]})
    t = index.tapio(df, "c", "a").to_frame().iloc[0]
    assert t["state"] == state
    assert t["elasticity"] == pytest.approx(((c1 - c0) / c0) / ((a1 - a0) / a0))
    assert t["group_zh"] == index.STATES[state][2]


def test_tapio_undefined_and_step():
    df = pd.DataFrame({"adcode": ["a"] * 3, "year": [2000, 2001, 2002], "c": [1.0, 2.0, 3.0], "a": [5.0, 5.0, 6.0]})
    t = index.tapio(df, "c", "a").to_frame()
    assert t["state"].isna().tolist() == [True, False]
    t2 = index.tapio(df, "c", "a", step=2).to_frame()
    assert t2["base_time"].tolist() == [2000] and t2["state"].iloc[0] == "expansive_negative_decoupling"
    with pytest.raises(ValueError, match="positive"):
        index.tapio(df.assign(a=0.0), "c", "a")


# --- issue 14 -----------------------------------------------------------------------------------------------


def _indicators(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"adcode": [f"{i:06d}" for i in range(n)], "a": rng.normal(size=n),
                         "b": rng.lognormal(size=n), "c": rng.normal(size=n)})


def test_entropy_weights_do_not_depend_on_magnitude():
    """−1e308 … 1e308 gave other weights than the same pattern at scale 1 (max − min overflowed to inf); each
    column is now divided by a power of two first, which is exact: the weights agree to the last bits."""
    df = _indicators()
    u = df["a"] / df["a"].abs().max()
    dirs = {"a": 1, "b": -1, "c": 1}
    huge = index.entropy(df.assign(a=1e308 * u), dirs).weights["weight"].to_numpy()
    unit = index.entropy(df.assign(a=u), dirs).weights["weight"].to_numpy()
    assert np.allclose(huge, unit, rtol=1e-13, atol=0)
    # powers of two are exact: 2^1000 · x gives bit-identical weights
    assert np.array_equal(index.entropy(df.assign(a=np.ldexp(u, 1000)), dirs).weights["weight"].to_numpy(), unit)
    vec = [index.topsis(df.assign(a=s * u), dirs, normalization="vector").scores["score"] for s in (1e300, 1.0)]
    assert np.allclose(vec[0], vec[1], rtol=1e-12)


def test_entropy_constant_and_too_few_name_the_culprit():
    df = _indicators()
    with pytest.raises(ValueError, match=r"indicator 'c' is constant \(5 for every unit\).*drop it"):
        index.entropy(df.assign(c=5.0), {"a": 1, "c": 1})
    # equal up to rounding counts as constant
    with pytest.raises(ValueError, match="indicator 'c' is constant"):
        index.entropy(df.assign(c=0.3 + 1e-17 * np.arange(30)), {"a": 1, "c": 1})
    panel = pd.concat([df.assign(year=2015), df.assign(year=2016, c=2.0)])
    with pytest.raises(ValueError, match=r"'c' is constant in year \[2016\].*pooled=True"):
        index.entropy(panel, {"a": 1, "c": 1}, pooled=False)
    with pytest.raises(ValueError, match="entropy needs at least 2 observations; there is 1"):
        index.entropy(df.iloc[:1], {"a": 1})
    one = pd.concat([df.assign(year=2015), df.iloc[:1].assign(year=2016)])
    with pytest.raises(ValueError, match=r"needs at least 2 regions; there is 1 in 2016"):
        index.entropy(one, {"a": 1, "b": 1}, pooled=False)


def test_index_tables_sorted_by_id_and_time():
    rng = np.random.default_rng(3)
    panel = pd.concat([_indicators(12, s).assign(year=2010 + s) for s in range(3)], ignore_index=True)
    panel = panel.assign(u1=rng.uniform(size=36), u2=rng.uniform(size=36))
    shuffled = panel.sample(frac=1, random_state=1)
    dirs = {"a": 1, "b": -1, "c": 1}
    for f in (lambda d: index.entropy(d, dirs).scores, lambda d: index.entropy(d, dirs).normalized,
              lambda d: index.topsis(d, dirs).scores,
              lambda d: index.weighted_sum(d, dirs, weights=dict(a=1, b=1, c=2)),
              lambda d: index.coupling(d, ["u1", "u2"]).table):
        a, b = f(panel), f(shuffled)
        pd.testing.assert_frame_equal(a, b)
        assert list(zip(a["adcode"], a["year"])) == sorted(zip(a["adcode"], a["year"]))


def test_coupling_minimums():
    d = pd.DataFrame({"adcode": ["a", "b"], "u1": [0.2, 0.4], "u2": [0.3, 0.5]})
    with pytest.raises(ValueError, match="at least 2 sub-systems"):
        index.coupling(d, ["u1"])
    with pytest.raises(ValueError, match="sub-system 'u1' is listed more than once"):
        index.coupling(d, ["u1", "u1"])
