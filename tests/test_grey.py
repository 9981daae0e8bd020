"""Grey relational analysis and grey relational TOPSIS: a published worked example (supplier selection,
tests/reference/index/README.md), a hand-computed 3 × 4 example for each scaling, identities (ξ = 1 where the
series coincide, the role of ρ), brute force against the vectorised code and row order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialq import index
from spatialq._guards import InputError

REF = Path(__file__).parent / "reference" / "index"


def hand():
    """One unit, 4 years: reference x0 and two factors."""
    return pd.DataFrame({"adcode": "u", "year": [2001, 2002, 2003, 2004], "x0": [2.0, 4, 6, 8],
                         "x1": [1.0, 2, 4, 5], "x2": [4.0, 4, 8, 8]})


# hand computation (tests/test_grey.py docstring of each case):
# initial: x0' = 1,2,3,4; x1' = 1,2,4,5; x2' = 1,1,2,2 -> Δ1 = 0,0,1,1; Δ2 = 0,1,1,2; min 0, max 2;
#          ξ = (0 + 1)/(Δ + 1): ξ1 = 1,1,1/2,1/2 (r1 = 3/4); ξ2 = 1,1/2,1/2,1/3 (r2 = 7/12)
# mean:    x0' = x0/5, x1' = x1/3, x2' = x2/6 -> Δ1 = 1,2,2,1 (/15); Δ2 = 4,2,2,4 (/15); min 1/15, max 4/15;
#          ξ = 3/(15Δ + 2): ξ1 = 1,3/4,3/4,1 (r1 = 7/8); ξ2 = 1/2,3/4,3/4,1/2 (r2 = 5/8)
# minmax:  x0' = 0,1/3,2/3,1; x1' = 0,1/4,3/4,1; x2' = 0,0,1,1 -> Δ1 = 0,1/12,1/12,0; Δ2 = 0,1/3,1/3,0;
#          min 0, max 1/3; ξ = (1/6)/(Δ + 1/6): ξ1 = 1,2/3,2/3,1 (r1 = 5/6); ξ2 = 1,1/3,1/3,1 (r2 = 2/3)
HAND = {
    "initial": ([1, 1, 1 / 2, 1 / 2], [1, 1 / 2, 1 / 2, 1 / 3], 3 / 4, 7 / 12, 0.0, 2.0),
    "mean": ([1, 3 / 4, 3 / 4, 1], [1 / 2, 3 / 4, 3 / 4, 1 / 2], 7 / 8, 5 / 8, 1 / 15, 4 / 15),
    "minmax": ([1, 2 / 3, 2 / 3, 1], [1, 1 / 3, 1 / 3, 1], 5 / 6, 2 / 3, 0.0, 1 / 3),
}


@pytest.mark.parametrize("scaling", ["initial", "mean", "minmax"])
def test_hand_computed_scalings(scaling):
    xi1, xi2, r1, r2, lo, hi = HAND[scaling]
    res = index.grey_relation(hand(), "x0", ["x1", "x2"], scaling=scaling, by="unit")
    c = res.coefficients
    assert c["x1"].tolist() == pytest.approx(xi1, abs=1e-15)
    assert c["x2"].tolist() == pytest.approx(xi2, abs=1e-15)
    d = res.to_frame().set_index("factor")
    assert d.loc["x1", "degree"] == pytest.approx(r1, abs=1e-15)
    assert d.loc["x2", "degree"] == pytest.approx(r2, abs=1e-15)
    assert d["rank"].tolist() == [1, 2] and d["adcode"].tolist() == ["u", "u"]
    e = res.extremes.iloc[0]
    assert e["delta_min"] == pytest.approx(lo, abs=1e-15) and e["delta_max"] == pytest.approx(hi, abs=1e-15)
    # one unit: pooled is the same analysis
    pooled = index.grey_relation(hand(), "x0", ["x1", "x2"], scaling=scaling)
    assert pooled.to_frame()["degree"].tolist() == pytest.approx([r1, r2], abs=1e-15)


def test_published_supplier_example():
    """司守奎 et al., 《数学建模算法与应用》 ch. 14, ex14_5 data; coefficients and degrees as printed (6 decimals)
    in xyfJASON/mathematical-modeling-python (see tests/reference/index/README.md)."""
    raw = pd.read_csv(REF / "grey_supplier_data.csv")
    printed = pd.read_csv(REF / "grey_supplier_printed.csv").set_index("row")
    dirs = dict(zip(raw["indicator"], raw["direction"]))
    wide = raw.set_index("indicator")[[f"s{i}" for i in range(1, 7)]].T.rename_axis("adcode").reset_index()
    norm = index.normalize(wide, dirs)  # suppliers × indicators, min–max with direction
    series = norm.T  # points k = indicators, one series per supplier
    series.columns = wide["adcode"].tolist()
    series["best"] = series.max(axis=1)
    series = series.rename_axis("adcode").reset_index()
    sup = [f"s{i}" for i in range(1, 7)]
    res = index.grey_relation(series, "best", sup, scaling="none")
    coef = res.coefficients.set_index("adcode")[sup]
    assert np.max(np.abs(coef.to_numpy() - printed.loc[list(coef.index), sup].to_numpy())) < 5e-7
    deg = res.to_frame().set_index("factor")["degree"]
    assert np.max(np.abs(deg[sup].to_numpy() - printed.loc["r", sup].to_numpy())) < 5e-7
    assert res.to_frame().sort_values("rank")["factor"].tolist() == ["s4", "s3", "s6", "s2", "s5", "s1"]
    # grey TOPSIS with equal weights: R+ is the same degree (ξ does not change when v = r/9)
    gt = index.grey_topsis(wide, dirs, weights=dict.fromkeys(dirs, 1.0), pooled=True).to_frame()
    assert np.max(np.abs(gt.set_index("adcode").loc[sup, "r_best"].to_numpy() - printed.loc["r", sup].to_numpy())) \
        < 5e-7


def _brute(data, ref, comp, rho, scaling, key):
    out, groups = {}, [None] if key is None else sorted(data[key].unique())
    for g in groups:
        part = data if g is None else data[data[key] == g]
        part = part.sort_values(["adcode", "year"])
        z = {}
        for c in [ref, *comp]:
            v = part[c].to_numpy(dtype=float)
            z[c] = {"initial": v / v[0], "mean": v / v.mean(), "minmax": (v - v.min()) / (v.max() - v.min()),
                    "none": v}[scaling]
        deltas = [abs(a - b) for c in comp for a, b in zip(z[ref], z[c])]
        lo, hi = min(deltas), max(deltas)
        for c in comp:
            xi = [(lo + rho * hi) / (abs(a - b) + rho * hi) for a, b in zip(z[ref], z[c])]
            out[(g, c)] = sum(xi) / len(xi)
    return out


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(11)
    n, years = 6, range(2010, 2016)
    rows = [{"adcode": f"{i:02d}", "year": y, "score": rng.uniform(1, 3), "a": rng.uniform(1, 5),
             "b": rng.uniform(10, 50), "c": rng.uniform(0.5, 2)} for i in range(n) for y in years]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("by,key", [("pooled", None), ("unit", "adcode"), ("year", "year")])
@pytest.mark.parametrize("scaling", ["mean", "minmax", "initial", "none"])
@pytest.mark.parametrize("rho", [0.5, 0.2, 1.0])
def test_brute_force(panel, by, key, scaling, rho):
    if scaling == "initial" and by != "unit":
        with pytest.raises(ValueError, match="initial"):
            index.grey_relation(panel, "score", ["a", "b", "c"], scaling=scaling, by=by)
        return
    res = index.grey_relation(panel, "score", ["a", "b", "c"], rho=rho, scaling=scaling, by=by)
    got = res.to_frame()
    brute = _brute(panel, "score", ["a", "b", "c"], rho, scaling, key)
    for r in got.itertuples(index=False):
        g = None if key is None else getattr(r, key)
        assert abs(r.degree - brute[(g, r.factor)]) < 1e-12
    # ranks follow the degrees within every group
    for _, grp in got.groupby(key) if key else [(None, got)]:
        assert grp.sort_values("rank")["degree"].is_monotonic_decreasing


def test_coincide_rho_and_bounds(panel):
    d = panel.assign(same=panel["score"] * 2.0)  # equals the reference after mean or min–max scaling (exactly)
    for scaling in ("mean", "minmax"):
        res = index.grey_relation(d, "score", ["a", "same"], scaling=scaling)
        assert np.all(res.coefficients["same"] == 1.0)
        assert res.to_frame().set_index("factor").loc["same", "degree"] == 1.0
        assert res.extremes["delta_min"].iloc[0] == 0.0
        assert (res.coefficients["a"] > 0.5 / 1.5 - 1e-15).all()  # ξ ≥ ρ/(1 + ρ) when min min = 0
    # ρ changes the rank only through ξ = (min + ρ max)/(Δ + ρ max): Δ_A = 0.3 everywhere, Δ_B = 0, 1, 1, 1
    # r_A = ρ/(0.3 + ρ); r_B = (1 + 3ρ/(1 + ρ))/4;  ρ = 0.1: r_A = 1/4 < r_B = 0.31818;  ρ = 0.5: 0.625 > 0.5
    flip = pd.DataFrame({"adcode": "u", "year": [1, 2, 3, 4], "x0": 0.0, "A": 0.3, "B": [0.0, 1, 1, 1]})
    for rho in (0.1, 0.5, 0.9):
        deg = index.grey_relation(flip, "x0", ["A", "B"], rho=rho, scaling="none").to_frame().set_index("factor")
        ra, rb = rho / (0.3 + rho), (1 + 3 * rho / (1 + rho)) / 4
        assert deg.loc["A", "degree"] == pytest.approx(ra, abs=1e-15)
        assert deg.loc["B", "degree"] == pytest.approx(rb, abs=1e-15)
        assert (deg.loc["A", "rank"] == 1) == (ra > rb)
    assert index.grey_relation(flip, "x0", ["A", "B"], rho=0.1, scaling="none").to_frame()["rank"].tolist() == [2, 1]


def test_row_order_and_inputs(panel):
    shuffled = panel.sample(frac=1.0, random_state=5)
    before = shuffled.copy()
    for by in ("pooled", "unit", "year"):
        a = index.grey_relation(panel, "score", ["a", "b"], by=by)
        b = index.grey_relation(shuffled, "score", ["a", "b"], by=by)
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
        pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    pd.testing.assert_frame_equal(shuffled, before)
    ind = {"a": 1, "b": -1, "c": 1}
    pd.testing.assert_frame_equal(index.grey_topsis(panel, ind).to_frame(), index.grey_topsis(shuffled, ind).to_frame())


def _grey_topsis_brute(df, dirs, w, rho, alpha):
    x = df[list(dirs)].to_numpy(dtype=float)
    n, m = x.shape
    r = np.empty_like(x)
    for j, c in enumerate(dirs):
        lo, hi = x[:, j].min(), x[:, j].max()
        for i in range(n):
            r[i, j] = (x[i, j] - lo) / (hi - lo) if dirs[c] == 1 else (hi - x[i, j]) / (hi - lo)
    v = r * np.array([w[c] for c in dirs]) / sum(w.values())
    best, worst = v.max(axis=0), v.min(axis=0)
    out = {}
    for name, ideal in (("p", best), ("m", worst)):
        delta = [[abs(ideal[j] - v[i, j]) for j in range(m)] for i in range(n)]
        lo, hi = min(min(row) for row in delta), max(max(row) for row in delta)
        out["R" + name] = np.array([sum((lo + rho * hi) / (d + rho * hi) for d in row) / m for row in delta])
        out["D" + name] = np.array([sum((v[i, j] - ideal[j]) ** 2 for j in range(m)) ** 0.5 for i in range(n)])
    s = {k: out[k] / out[k].max() for k in out}
    sp = alpha * s["Dm"] + (1 - alpha) * s["Rp"]
    sm = alpha * s["Dp"] + (1 - alpha) * s["Rm"]
    return sp / (sp + sm), out


@pytest.mark.parametrize("alpha", [0.5, 0.0, 1.0, 0.3])
def test_grey_topsis_brute_force(panel, alpha):
    dirs, w = {"a": 1, "b": -1, "c": 1}, {"a": 0.5, "b": 0.3, "c": 0.2}
    res = index.grey_topsis(panel, dirs, weights=w, rho=0.5, alpha=alpha).to_frame()
    data = panel.sort_values(["adcode", "year"]).reset_index(drop=True)
    score, parts = _grey_topsis_brute(data, dirs, w, 0.5, alpha)
    assert np.max(np.abs(res["score"].to_numpy() - score)) < 1e-12
    assert np.max(np.abs(res["r_best"].to_numpy() - parts["Rp"])) < 1e-12
    assert np.max(np.abs(res["d_worst"].to_numpy() - parts["Dm"])) < 1e-12
    if alpha == 1.0:
        dp, dm = res["d_best"] / res["d_best"].max(), res["d_worst"] / res["d_worst"].max()
        assert np.allclose(res["score"], dm / (dm + dp), rtol=0, atol=1e-15)
    # per year: the same formula inside each year
    per = index.grey_topsis(panel, dirs, weights=w, alpha=alpha, pooled=False).to_frame()
    for year, part in data.groupby("year"):
        s, _ = _grey_topsis_brute(part.reset_index(drop=True), dirs, w, 0.5, alpha)
        assert np.max(np.abs(per.loc[per["year"] == year, "score"].to_numpy() - s)) < 1e-12


def test_grey_topsis_entropy_weights(panel):
    dirs = {"a": 1, "b": -1, "c": 1}
    res = index.grey_topsis(panel, dirs)
    w = index.entropy(panel, dirs).weights.set_index("indicator")["weight"]
    assert np.allclose(res.weights.to_numpy(), w.to_numpy(), rtol=0, atol=1e-15)
    assert res.meta.options["weights"] == "entropy"
    s = res.to_frame()["score"]
    assert ((s > 0) & (s < 1)).all()
    assert "Grey relational TOPSIS" in res.summary()


def test_errors(panel):
    with pytest.raises(ValueError, match="rho"):
        index.grey_relation(panel, "score", ["a"], rho=0)
    with pytest.raises(ValueError, match="rho"):
        index.grey_relation(panel, "score", ["a"], rho=1.5)
    with pytest.raises(ValueError, match="scaling"):
        index.grey_relation(panel, "score", ["a"], scaling="zscore")
    with pytest.raises(ValueError, match="by must"):
        index.grey_relation(panel, "score", ["a"], by="region")
    with pytest.raises(ValueError, match="also in compare"):
        index.grey_relation(panel, "score", ["score", "a"])
    with pytest.raises(ValueError, match="at least one"):
        index.grey_relation(panel, "score", [])
    with pytest.raises(ValueError, match="by='unit'"):
        index.grey_relation(panel, "score", ["a"], scaling="initial")
    with pytest.raises(InputError, match=r"'a' has first value 0 for adcode 01"):
        index.grey_relation(panel.assign(a=np.where(panel["adcode"] == "01", 0.0, panel["a"])), "score", ["a"],
                            scaling="initial", by="unit")
    with pytest.raises(InputError, match=r"'a' is constant in 2012"):
        index.grey_relation(panel.assign(a=np.where(panel["year"] == 2012, 1.0, panel["a"])), "score", ["a"],
                            scaling="minmax", by="year")
    with pytest.raises(InputError, match="mean 0"):
        index.grey_relation(panel.assign(a=0.0), "score", ["a"])
    with pytest.raises(InputError, match="equals the reference"):
        index.grey_relation(panel.assign(a=panel["score"] * 2), "score", ["a"])
    with pytest.raises(InputError, match="at least 2 points"):
        index.grey_relation(panel[(panel["adcode"] != "01") | (panel["year"] == 2010)], "score", ["a"], by="unit")
    with pytest.raises(KeyError, match="zz"):
        index.grey_relation(panel, "score", ["zz"])
    with pytest.raises(ValueError, match="alpha"):
        index.grey_topsis(panel, {"a": 1}, alpha=2)
    with pytest.raises(ValueError, match="misses"):
        index.grey_topsis(panel, {"a": 1, "b": 1}, weights={"a": 1})
    with pytest.raises(InputError, match="'c' is constant"):
        index.grey_topsis(panel.assign(c=1.0), {"a": 1, "c": 1})


def test_plots(panel):
    import matplotlib

    matplotlib.use("Agg")
    ax = index.grey_relation(panel, "score", ["a", "b", "c"]).plot()
    assert len(ax.patches) == 3
    ax = index.grey_relation(panel, "score", ["a", "b", "c"], by="unit").plot()
    assert ax.get_images()[0].get_array().shape == (6, 3)
    assert index.grey_topsis(panel, {"a": 1, "b": -1}).plot() is not None


def test_result_convention(panel):
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for r, method in ((index.grey_relation(panel, "score", ["a", "b"]), "spatialq.index.grey_relation"),
                      (index.grey_topsis(panel, {"a": 1, "b": -1}), "spatialq.index.grey_topsis")):
        assert repr(r) == r.summary() and r.meta.method == method
        assert "<div>" in r._repr_html_()
        f = r.to_frame()
        first = f.columns[0]
        del f[first]
        assert first in r.to_frame().columns  # a copy
        assert r.plot() is not None
        plt.close("all")
        with pytest.raises(dataclasses.FrozenInstanceError):
            r.meta = None


def test_ratio_scalings_refuse_negative_values(panel):
    """x/x̄ and x/x(1) of a negated series relate exactly as the series itself (the probe gave −pm25 the degree of
    pm25 and ranked it first): refused; min–max scaling handles signs."""
    d = panel.assign(neg=-panel["a"])
    with pytest.raises(InputError, match=r"'neg' has negative values: mean-value scaling .* scaling='minmax'"):
        index.grey_relation(d, "score", ["a", "neg"])
    with pytest.raises(InputError, match=r"'neg' has negative values for adcode 0\d: initial-value scaling"):
        index.grey_relation(d, "score", ["neg"], scaling="initial", by="unit")
    res = index.grey_relation(d, "score", ["a", "neg"], scaling="minmax")
    assert res.to_frame().set_index("factor").loc["a", "degree"] != res.to_frame().set_index("factor").loc["neg",
                                                                                                          "degree"]
