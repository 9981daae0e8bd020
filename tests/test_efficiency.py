"""Efficiency models (spatialq.efficiency): DEA, SBM (undesirable outputs, super-SBM), DDF, ML and GML.

Oracles: (1) R lpSolve 5.6.18 on tests/reference/efficiency/panel.csv (script lpsolve_oracle.R, output
lpsolve_scores.csv / lpsolve_gml.csv, versions in lpsolve_versions.txt) — radial DEA and SBM solved there in
their multiplier (dual) forms, so agreement is also the LP duality identity; (2) the printed CCR scores of the
12-hospital example of Cooper, Seiford & Tone (2007); (3) brute-force frontiers for tiny problems; (4) exact
identities (θ_input = 1/η_output under CRS, SBM ≤ CCR, GML = EC × BPC and its chain, ML = 1 for a repeated
period, units invariance, row order)."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialq import efficiency as ef
from spatialq._guards import InputError
from spatialq.efficiency.ddf import ddf_lp
from spatialq.efficiency.sbm import sbm_lp

REF = Path(__file__).parent / "reference" / "efficiency"
KW = {"id": "id", "time": "year"}
IO = (["x1", "x2"], ["y"], ["b"])


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(REF / "panel.csv")


@pytest.fixture(scope="module")
def r_scores():
    return pd.read_csv(REF / "lpsolve_scores.csv", na_values=["NA"], skipinitialspace=True)


@pytest.fixture(scope="module")
def r_index():
    return pd.read_csv(REF / "lpsolve_gml.csv", na_values=["NA"], skipinitialspace=True)


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return f(*a, **k)


HOSPITALS = pd.DataFrame({
    "adcode": list("ABCDEFGHIJKL"),
    "doctors": [20, 19, 25, 27, 22, 55, 33, 31, 30, 50, 53, 38],
    "nurses": [151, 131, 160, 168, 158, 255, 235, 206, 244, 268, 306, 284],
    "outpatients": [100, 150, 160, 180, 94, 230, 220, 152, 190, 250, 260, 250],
    "inpatients": [90, 50, 55, 72, 66, 90, 88, 80, 100, 100, 147, 120]})


# ---------------------------------------------------------------- oracles
def test_ccr_equals_the_printed_hospital_example():
    """Cooper, Seiford & Tone (2007), the 12-hospital example of ch. 1 (data Table 1.5) with its CCR scores as
    printed to three decimals in ch. 3."""
    printed = [1, 1, .883, 1, .763, .835, .902, .796, .960, .871, .955, .958]
    res = quiet(ef.dea, HOSPITALS, ["doctors", "nurses"], ["outpatients", "inpatients"], time=None)
    assert np.max(np.abs(res.scores["dea"].to_numpy() - printed)) <= 5e-4
    assert list(res.scores["adcode"]) == list("ABCDEFGHIJKL")


@pytest.mark.parametrize(("column", "call"), [
    ("ccr", lambda d: ef.dea(d, IO[0], IO[1], **KW)),
    ("bcc", lambda d: ef.dea(d, IO[0], IO[1], rts="vrs", **KW)),
    ("sbm_crs", lambda d: ef.sbm(d, *IO, **KW)),
    ("sbm_vrs", lambda d: ef.sbm(d, *IO, rts="vrs", **KW)),
    ("sbm_global", lambda d: ef.sbm(d, *IO, frontier="global", **KW)),
    ("super_sbm_crs", lambda d: ef.sbm(d, *IO, super=True, **KW)),
    ("super_sbm_vrs", lambda d: ef.sbm(d, *IO, super=True, rts="vrs", **KW)),
    ("sbm_input_vrs", lambda d: ef.sbm(d, *IO, orientation="input", rts="vrs", **KW)),
    ("sbm_output_crs", lambda d: ef.sbm(d, *IO, orientation="output", **KW)),
    ("bcc_output", lambda d: ef.dea(d, IO[0], IO[1], rts="vrs", orientation="output", **KW)),
    ("ddf_own", lambda d: ef.ddf(d, *IO, **KW)),
    ("ddf_global", lambda d: ef.ddf(d, *IO, frontier="global", **KW)),
])
def test_scores_equal_r_lpsolve(panel, r_scores, column, call):
    """R lpSolve (lpsolve_oracle.R): multiplier forms of CCR/BCC (input and output) and the dual of Tone's SBM
    program, the envelopment forms of oriented SBM, super-SBM (CRS, VRS) and the DDF; equal to 1e-10."""
    res = quiet(call, panel)
    name = res.name
    got = res.scores.merge(r_scores.add_prefix("r_"), left_on=["id", "year"], right_on=["r_id", "r_year"])
    assert len(got) == len(panel)
    assert np.max(np.abs(got[name] - got[f"r_{column}"])) < 1e-10


@pytest.mark.parametrize(("kind", "model", "cols"), [
    ("gml", "ddf", {"gml": "gml", "ec": "ec", "bpc": "bpc"}),
    ("ml", "ddf", {"ml": "ml", "ec": "ml_ec", "tc": "tc"}),
    ("gml", "sbm", {"gml": "sbm_gml", "ec": "sbm_ec", "bpc": "sbm_bpc"}),
])
def test_indices_equal_r_lpsolve(panel, r_index, kind, model, cols):
    """GML (Oh 2010), ML (Chung et al. 1997) and SBM-GML computed in R from lpSolve distances; the ML pairs R
    finds infeasible (NA) are exactly those whose status here is not 'optimal'."""
    res = quiet(ef.malmquist, panel, *IO, kind=kind, model=model, **KW)
    got = res.index.merge(r_index.add_prefix("r_"), left_on=["id", "year"], right_on=["r_id", "r_year"])
    assert len(got) == 20
    for mine, theirs in cols.items():
        assert (got[mine].isna() == got[f"r_{theirs}"].isna()).all()
        assert np.nanmax(np.abs(got[mine] - got[f"r_{theirs}"])) < 1e-10
    if kind == "ml":
        na = got["ml"].isna()
        assert na.sum() == 6
        assert (got.loc[na, "status"].str.contains("infeasible")).all()
        assert (got.loc[~na, "status"] == "optimal").all()


def _ccr_brute(A, x0):
    """min over the convex hull of the points A (rows) of max_i a_i/x0_i, by vertices and pairwise crossings."""
    best = min(np.max(a / x0) for a in A)
    for a, b in itertools.combinations(A, 2):
        # (α a + (1−α) b)_1/x0_1 = (α a + (1−α) b)_2/x0_2
        p, q = (a[0] - b[0]) / x0[0] - (a[1] - b[1]) / x0[1], b[1] / x0[1] - b[0] / x0[0]
        if p != 0:
            al = q / p
            if 0 <= al <= 1:
                best = min(best, ((al * a + (1 - al) * b) / x0)[0])
    return best


def test_ccr_equals_brute_force_two_inputs_one_output():
    """CCR with one output: θ = min over convex combinations of the units scaled to y_o of the largest input ratio."""
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"adcode": [f"u{i}" for i in range(9)], "x1": rng.uniform(1, 9, 9),
                      "x2": rng.uniform(1, 9, 9), "y": rng.uniform(1, 5, 9)})
    got = quiet(ef.dea, d, ["x1", "x2"], ["y"], time=None).scores["dea"].to_numpy()
    X, y = d[["x1", "x2"]].to_numpy(), d["y"].to_numpy()
    want = [_ccr_brute(X * (y[o] / y)[:, None], X[o]) for o in range(9)]
    assert np.max(np.abs(got - want)) < 1e-12


def test_one_input_one_output_closed_form():
    """m = s = 1 under CRS: θ = ρ_SBM = (y_o/x_o)/max_j(y_j/x_j)."""
    d = pd.DataFrame({"adcode": list("abcde"), "x": [2., 3, 5, 4, 6], "y": [1., 3, 2, 4, 2.5]})
    want = (d.y / d.x) / (d.y / d.x).max()
    assert np.max(np.abs(quiet(ef.dea, d, ["x"], ["y"], time=None).scores["dea"] - want)) < 1e-12
    assert np.max(np.abs(quiet(ef.sbm, d, ["x"], ["y"], time=None).scores["sbm"] - want)) < 1e-12


# ---------------------------------------------------------------- identities
def test_input_and_output_ccr_agree(panel):
    a = quiet(ef.dea, panel, IO[0], IO[1], **KW).scores
    b = quiet(ef.dea, panel, IO[0], IO[1], orientation="output", **KW).scores
    assert np.max(np.abs(a["dea"] * b["eta"] - 1)) < 1e-12
    assert np.max(np.abs(a["dea"] - b["dea"])) < 1e-12


def test_sbm_is_at_most_ccr_and_frontier_units(panel):
    """Tone (2001), Theorem 2: ρ* ≤ θ*; SBM-efficient units have zero slacks and score 1, super-SBM ≥ 1 for
    them and the same ρ* for the others."""
    ccr = quiet(ef.dea, panel, IO[0], ["y", "b"], **KW).scores["dea"]
    s = quiet(ef.sbm, panel, IO[0], ["y", "b"], **KW).scores
    assert (s["sbm"] <= ccr + 1e-12).all()
    on = pd.Series(np.isclose(s["sbm"], 1, atol=1e-9), index=s.index)
    assert on.sum() >= 3
    slack = s.filter(like="slack_").to_numpy()
    assert np.abs(slack[on.to_numpy()]).max() < 1e-9
    sup = quiet(ef.sbm, panel, IO[0], ["y", "b"], super=True, **KW).scores
    assert (sup.loc[on, "sbm"] >= 1 - 1e-12).all() and sup.loc[on, "super"].all()
    assert np.max(np.abs(sup.loc[~on, "sbm"] - s.loc[~on, "sbm"])) == 0


def test_gml_decomposition_and_chain(panel):
    """GML = EC × BPC exactly, and the index is circular: the product over consecutive years equals
    E^G(last)/E^G(first); ML with the same data in two periods is 1 (EC = TC = 1)."""
    for model in ("ddf", "sbm"):
        res = quiet(ef.malmquist, panel, *IO, model=model, **KW)
        g = res.index
        assert np.max(np.abs(g["gml"] - g["ec"] * g["bpc"])) < 1e-12
        dist = res.distances.set_index(["id", "year"])["global"]
        for uid, rows in g.groupby("id"):
            direct = dist[(uid, 2021)] / dist[(uid, 2019)]
            assert abs(rows["gml"].prod() - direct) < 1e-12
            assert abs(rows["gml_cumulative"].iloc[-1] - direct) < 1e-12
    same = pd.concat([panel[panel.year == 2020], panel[panel.year == 2020].assign(year=2021)])
    ml = quiet(ef.malmquist, same, *IO, kind="ml", **KW).index
    assert np.max(np.abs(ml[["ml", "ec", "tc"]].to_numpy() - 1)) < 1e-12


def test_units_invariance_row_order_and_jobs(panel):
    """Rescaling a column (yuan → 10k yuan) leaves SBM and CCR unchanged; so do shuffled rows and n_jobs."""
    base = quiet(ef.sbm, panel, *IO, super=True, **KW).scores
    scaled = panel.assign(x1=panel.x1 * 1e4, b=panel.b / 1e3)
    other = quiet(ef.sbm, scaled, *IO, super=True, **KW).scores
    assert np.max(np.abs(base["sbm"] - other["sbm"])) < 1e-10
    shuffled = panel.sample(frac=1, random_state=3)
    again = quiet(ef.sbm, shuffled, *IO, super=True, **KW).scores
    pd.testing.assert_frame_equal(base, again)
    par = quiet(ef.sbm, panel, *IO, super=True, n_jobs=2, **KW).scores
    pd.testing.assert_frame_equal(base, par)
    before = panel.copy()
    one = quiet(ef.malmquist, panel, *IO, kind="ml", **KW).index
    pd.testing.assert_frame_equal(panel, before)
    two = quiet(ef.malmquist, shuffled, *IO, kind="ml", n_jobs=2, **KW).index
    pd.testing.assert_frame_equal(one, two)


def test_oriented_sbm_and_vrs_bounds(panel):
    """Oriented SBM scores lie between the non-oriented score and 1; VRS ≥ CRS."""
    non = quiet(ef.sbm, panel, *IO, **KW).scores["sbm"]
    for o in ("input", "output"):
        s = quiet(ef.sbm, panel, *IO, orientation=o, **KW).scores["sbm"]
        assert (s >= non - 1e-12).all() and (s <= 1 + 1e-12).all()
    vrs = quiet(ef.sbm, panel, *IO, rts="vrs", **KW).scores["sbm"]
    assert (vrs >= non - 1e-12).all()


def test_sequential_frontier_lies_between(panel):
    own = quiet(ef.ddf, panel, *IO, **KW).scores["ddf"]
    seq = quiet(ef.ddf, panel, *IO, frontier="sequential", **KW).scores["ddf"]
    glob = quiet(ef.ddf, panel, *IO, frontier="global", **KW).scores["ddf"]
    assert (seq >= own - 1e-12).all() and (glob >= seq - 1e-12).all()
    first = panel.year == 2019
    assert np.max(np.abs(seq[first.to_numpy()] - own[first.to_numpy()])) < 1e-12


# ---------------------------------------------------------------- guards
def test_non_positive_values_are_named(panel):
    bad = panel.copy()
    bad.loc[(bad.id == "U03") & (bad.year == 2020), "x2"] = 0.0
    with pytest.raises(InputError, match=r"'x2'.*U03.*2020.*> 0"):
        ef.sbm(bad, *IO, **KW)
    quiet(ef.ddf, bad, *IO, **KW)  # zeros are fine for the DDF
    bad.loc[0, "y"] = -1.0
    with pytest.raises(InputError, match="'y' has negative"):
        ef.ddf(bad, *IO, **KW)


def test_missing_values_and_options(panel):
    bad = panel.copy()
    bad.loc[4, "b"] = np.nan
    with pytest.raises(InputError, match="'b' has missing values"):
        ef.sbm(bad, *IO, **KW)
    with pytest.raises(ValueError, match="rts"):
        ef.sbm(panel, *IO, rts="irs", **KW)
    with pytest.raises(ValueError, match="frontier"):
        ef.sbm(panel, *IO, frontier="pooled", **KW)
    with pytest.raises(ValueError, match="model='sbm'"):
        ef.malmquist(panel, *IO, kind="ml", model="sbm", **KW)
    with pytest.raises(InputError, match="more than once"):
        ef.sbm(panel, ["x1", "x2"], ["y"], ["x1"], **KW)
    with pytest.raises(InputError, match="at least 2 periods"):
        ef.malmquist(panel[panel.year == 2019], *IO, **KW)


def test_size_rule_warns_with_the_numbers(panel):
    rule = r"10 units in year 2019, 2020, 2021 for m = 2.*s = 2.*max\(m·s, 3\(m\+s\)\) = 12"
    with pytest.warns(UserWarning, match=rule):
        ef.sbm(panel, *IO, **KW)


def test_infeasible_lps_are_reported(panel, r_scores):
    """VRS ML: the mixed-period LPs without a solution are exactly those R lpSolve finds infeasible (9 against the
    previous year's frontier, 8 against the next); they are warned about and listed by unit, year and frontier,
    and the distances that exist equal R's to 1e-10."""
    with pytest.warns(UserWarning, match="no optimum"):
        res = ef.malmquist(panel, *IO, kind="ml", rts="vrs", **KW)
    inf = res.infeasible
    assert set(inf.columns) == {"id", "year", "frontier", "status"}
    assert inf["frontier"].value_counts().to_dict() == {"prev": 9, "next": 8}
    assert set(inf["status"]) == {"infeasible"}
    dist = res.distances.merge(r_scores, on=["id", "year"])
    for mine, theirs in (("own", "ddf_vrs_own"), ("prev", "ddf_vrs_prev"), ("next", "ddf_vrs_next")):
        want = 1 / (1 + dist[theirs])
        assert (dist[mine].isna() == want.isna()).all()
        assert np.nanmax(np.abs(dist[mine] - want)) < 1e-10
    assert res.index["ml"].isna().sum() == (res.index["status"] != "optimal").sum() > 0


def test_results_summary_plot_frame(panel):
    import matplotlib

    matplotlib.use("Agg")
    res = quiet(ef.sbm, panel, *IO, **KW)
    assert "SBM (CRS, non-oriented" in res.summary()
    assert list(res.to_frame().columns[:3]) == ["id", "year", "sbm"]
    res.plot()
    g = quiet(ef.malmquist, panel, *IO, **KW)
    assert "Global Malmquist" in g.summary()
    g.plot()
    assert list(g.to_frame().columns[:4]) == ["id", "year_from", "year", "gml"]


def _cobb_douglas(units, years, seed):
    """Outputs from a Cobb–Douglas frontier with one-sided inefficiency; bads proportional to output."""
    rng = np.random.default_rng(seed)
    n = units * years
    d = pd.DataFrame({"adcode": np.repeat([f"u{i:03d}" for i in range(units)], years),
                      "year": np.tile(np.arange(2010, 2010 + years), units)})
    d["capital"], d["labour"], d["energy"] = rng.lognormal(6, 1, n), rng.lognormal(4, .8, n), rng.lognormal(5, .9, n)
    d["gdp"] = (np.exp(0.02 * (d["year"] - 2010)) * d["capital"] ** .35 * d["labour"] ** .45 * d["energy"] ** .2
                * np.exp(-np.abs(rng.normal(0, .3, n))))
    d["so2"], d["cod"] = d["gdp"] * rng.lognormal(-2, .5, n), d["gdp"] * rng.lognormal(-3, .5, n)
    return d


@pytest.mark.parametrize(("model", "rts", "disposability"), [
    ("ddf", "crs", "weak"), ("ddf", "vrs", "weak"), ("ddf", "crs", "strong"), ("sbm", "crs", "weak"),
    ("sbm", "vrs", "weak")])
def test_gml_shortcuts_equal_the_full_global_lp(model, rts, disposability):
    """GML's and sbm/ddf's global distances come from a screened reference set (SBM) or column generation
    (DDF); both equal the LP over every unit-year, solved here directly, to 1e-10."""
    d = _cobb_douglas(60, 4, seed=2)
    io = (["capital", "labour", "energy"], ["gdp"], ["so2", "cod"])
    g = quiet(ef.malmquist, d, *io, model=model, rts=rts, disposability=disposability).distances
    s = quiet(ef.sbm if model == "sbm" else ef.ddf, d, *io, rts=rts, frontier="global",
              **({} if model == "sbm" else {"disposability": disposability})).scores
    X, Y, B = (d[c].to_numpy().T for c in io)
    full = []
    for j in range(len(d)):
        if model == "sbm":
            full.append(sbm_lp(X, Y, B, X[:, j], Y[:, j], B[:, j], rts=rts)["score"])
        else:
            beta = ddf_lp(X, Y, B, X[:, j], Y[:, j], B[:, j], rts=rts, disposability=disposability)["score"]
            full.append(1 / (1 + beta))
    full = np.array(full)
    own = s["sbm"] if model == "sbm" else 1 / (1 + s["ddf"])
    assert np.max(np.abs(own - full)) < 1e-10
    assert (g["global_status"] == "optimal").all()
    assert np.max(np.abs(g["global"] - full)) < 1e-10


def test_second_phase_finds_the_slack_of_a_weakly_efficient_unit():
    """A = (1, 1), B = (1, 2), one unit of output each: B has θ* = 1 but an excess of 1 in x2 (weakly efficient,
    Cooper, Seiford & Tone 2007, §3.3); its SBM is 1 − (1/2)(1/2) = 0.75 (Tone 2001: SBM sees the slack)."""
    d = pd.DataFrame({"adcode": ["A", "B", "C"], "x1": [1., 1, 3], "x2": [1., 2, 3], "y": [1., 1, 1]})
    r = quiet(ef.dea, d, ["x1", "x2"], ["y"], time=None).scores.set_index("adcode")
    assert r.loc["B", "dea"] == pytest.approx(1, abs=1e-12)
    assert r.loc["B", "slack_x2"] == pytest.approx(1, abs=1e-12) and r.loc["B", "slack_x1"] == pytest.approx(0)
    assert r.loc["C", "dea"] == pytest.approx(1 / 3, abs=1e-12)
    s = quiet(ef.sbm, d, ["x1", "x2"], ["y"], time=None).scores.set_index("adcode")
    assert s.loc["B", "sbm"] == pytest.approx(0.75, abs=1e-12)
    assert s.loc["C", "sbm"] == pytest.approx(1 / 3, abs=1e-12)


def test_infeasible_super_sbm_is_named():
    """Input-oriented super-SBM under VRS for the unit with the largest output: no convex combination of the
    others reaches y_o without an output slack, so the LP is infeasible — reported, not a silent NaN."""
    d = pd.DataFrame({"adcode": ["A", "B", "C", "D"], "x": [1., 2, 3, 4], "y": [1., 3, 2, 2.5]})
    with pytest.warns(UserWarning, match=r"1 of 4 linear programs have no optimum \(infeasible\).*'B'"):
        r = ef.sbm(d, ["x"], ["y"], time=None, rts="vrs", orientation="input", super=True)
    row = r.scores.set_index("adcode").loc["B"]
    assert np.isnan(row["sbm"]) and row["status"] == "infeasible" and row["super"]
    assert list(r.infeasible["adcode"]) == ["B"]
    assert r.scores.set_index("adcode").loc["A", "sbm"] >= 1


@pytest.mark.parametrize("call", [
    lambda d: ef.dea(d, IO[0], IO[1], **KW), lambda d: ef.sbm(d, *IO, **KW), lambda d: ef.ddf(d, *IO, **KW),
    lambda d: ef.malmquist(d, *IO, kind="ml", **KW), lambda d: ef.sbm(d.query("year == 2019"), *IO, id="id")])
def test_result_convention(panel, call):
    """summary/repr, HTML, to_frame a copy, plot, frozen, provenance (tests/test_results_convention.py)."""
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = quiet(call, panel)
    assert repr(r) == r.summary() and r.meta.method.startswith("spatialq.efficiency.")
    assert "<div>" in r._repr_html_()
    f = r.to_frame()
    first = f.columns[0]
    del f[first]
    assert first in r.to_frame().columns
    assert r.plot() is not None
    plt.close("all")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.meta = None


def test_a_column_of_zeros_is_refused(panel):
    """The probe: an all-zero desirable output gave every unit β = 1 and GML = 1; an all-zero undesirable output
    was silently ignored.  A column of zeros in any period is an error naming it and the period."""
    years = sorted(panel.year.unique())
    for col in ("y", "b"):
        with pytest.raises(InputError, match=rf"ddf: column '{col}' is zero for every unit in year \[{years[0]}"):
            ef.ddf(panel.assign(**{col: 0.0}), *IO, **KW)
    one = panel.copy()
    one.loc[one.year == years[1], "b"] = 0.0
    with pytest.raises(InputError, match=rf"malmquist \(gml\): column 'b' is zero for every unit in year \[{years[1]}"):
        ef.malmquist(one, *IO, **KW)
    some = panel.copy()
    some.loc[some.index[:3], "b"] = 0.0  # zeros for some units are data, not a degenerate column
    quiet(ef.ddf, some, *IO, **KW)
