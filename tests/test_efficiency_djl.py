"""spatialq.efficiency against the CRAN package DJL 3.9 (Dong-Joon Lim; LPs by lpSolveAPI 5.5.2.0-17.15, R 4.2.2).

Oracle: tests/reference/efficiency/djl_oracle.R runs DJL's own dm.sbm, dm.dea, dm.sf and dm.ddf year by year on
tests/reference/efficiency/panel.csv and writes djl_scores.csv (model, id, year, value, lpSolveAPI status) and
djl_versions.txt, and DJL's own dm.sbm examples (Tone 2001 Table 2, Tone 2002 Tables 1 and 4) into
djl_tone_examples.csv.  Convention mapping (read from DJL's source, see the script header):

* dm.sbm orientation "n" / "i" / "o" = spatialq ``orientation`` "non" / "input" / "output" (same score: ρ, input
  ρ = 1 − mean(s⁻/x), output 1/(1 + mean(s⁺/y))); dm.sbm(se=TRUE) is Tone's (2002) super-SBM in x̄/ȳ form, =
  spatialq ``super=True`` for the SBM-efficient units, and exactly 1 for the others (spatialq keeps ρ* there).
* dm.sbm orientation "i" with the bad output passed as the output column −b is Tone's (2004) input-oriented SBM
  with Bλ ≤ b_o (spatialq ``undesirable=["b"], orientation="input"``).
* dm.dea "i" = spatialq ``dea`` (θ); dm.dea "o" returns η ≥ 1 = spatialq ``eta`` (``dea`` = 1/η).
* dm.sf (Luenberger's shortage function) is the radial DDF, β in data units of g (not normalised): g = (0, y_o)
  is spatialq ``direction="output"``, g = (x_o, y_o) is ``"both"``; with wd = (0, 1) the bad output is weakly
  disposable, Bλ = b_o − β b_o, = spatialq's default under CRS.  Under VRS DJL's weak disposability is
  Kuosmanen's (2005) Σ(λ + μ) = 1, a larger technology than spatialq's Σλ = 1, so only DJL ≥ spatialq holds.
* dm.ddf is DJL's NON-radial DDF (one factor per input and output, their sum maximised; Färe & Grosskopf 2010), not
  spatialq's radial β: only the bound non-radial ≥ (m + s)·β holds.

Tolerance 1e-10: the lpSolve oracle's (tests/test_efficiency.py); observed ≤ 1.2e-12 (SBM and super-SBM, where
lp_solve's default feasibility/optimality tolerances of ~1e-9 relative act on the 1/y_o-scaled rows) and ≤ 2e-15
for radial DEA and the DDF.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialq import efficiency as ef

REF = Path(__file__).parent / "reference" / "efficiency"
KW = {"id": "id", "time": "year"}
X, Y, B = ["x1", "x2"], ["y"], ["b"]
TOL = 1e-10
ORI = {"n": "non", "i": "input", "o": "output"}
RTS = ("crs", "vrs")


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(REF / "panel.csv")


@pytest.fixture(scope="module")
def djl():
    return pd.read_csv(REF / "djl_scores.csv")


def model(djl, name: str) -> pd.DataFrame:
    out = djl[djl["model"] == name].sort_values(["id", "year"]).reset_index(drop=True)
    assert len(out) == 30, name
    return out


def aligned(scores: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    s = scores.sort_values(["id", "year"]).reset_index(drop=True)
    assert (s["id"].values == ref["id"].values).all() and (s["year"].values == ref["year"].values).all()
    return s


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return f(*a, **k)


def test_versions_recorded():
    """djl_versions.txt (written by djl_oracle.R) names the software the scores come from."""
    text = (REF / "djl_versions.txt").read_text()
    assert "DJL 3.9" in text and "lpSolveAPI" in text and "R version" in text


@pytest.mark.parametrize("rts", RTS)
@pytest.mark.parametrize("ori", list(ORI))
def test_sbm_equals_djl(panel, djl, rts, ori):
    """SBM (Tone 2001) = DJL dm.sbm(xdata, ydata, rts, orientation) (djl_oracle.R, model sbm_<ori>_<rts>)."""
    ref = model(djl, f"sbm_{ori}_{rts}")
    assert (ref["status"] == 0).all()
    s = aligned(quiet(ef.sbm, panel, X, Y, rts=rts, orientation=ORI[ori], **KW).scores, ref)
    np.testing.assert_allclose(s["sbm"].values, ref["value"].values, rtol=0, atol=TOL)
    assert (ref["value"] < 1 - 1e-6).any()


@pytest.mark.parametrize("rts", RTS)
@pytest.mark.parametrize("ori", list(ORI))
def test_super_sbm_equals_djl(panel, djl, rts, ori):
    """super-SBM (Tone 2002) = DJL dm.sbm(..., se=TRUE) (djl_oracle.R, model supersbm_<ori>_<rts>) on the
    SBM-efficient units; DJL's super-SBM is exactly 1 on the others; the oriented VRS LPs lpSolveAPI finds
    infeasible (status 2) are exactly the rows spatialq reports as NaN."""
    ref = model(djl, f"supersbm_{ori}_{rts}")
    s = aligned(quiet(ef.sbm, panel, X, Y, rts=rts, orientation=ORI[ori], super=True, **KW).scores, ref)
    sup = s["super"].to_numpy(bool)
    bad = ref["status"].to_numpy() != 0
    np.testing.assert_array_equal(s["sbm"].isna().to_numpy(), bad)
    ok = sup & ~bad
    assert ok.sum() >= 5
    np.testing.assert_allclose(s["sbm"].values[ok], ref["value"].values[ok], rtol=0, atol=TOL)
    assert (s["sbm"].values[ok] > 1 + 1e-6).any()
    np.testing.assert_allclose(ref["value"].values[~sup], 1.0, rtol=0, atol=TOL)
    if rts == "crs" or ori == "n":
        assert not bad.any()


@pytest.mark.parametrize("rts", RTS)
def test_input_sbm_with_bad_output_equals_djl(panel, djl, rts):
    """Input-oriented SBM with undesirable output b (Tone 2004, Bλ ≤ b_o) = DJL dm.sbm(orientation="i") with the
    output columns (y, −b) (djl_oracle.R, model sbm_i_<rts>_bad): the −b row is Bλ + s = b_o and the input-oriented
    objective does not use output data, so the transformation is exact."""
    ref = model(djl, f"sbm_i_{rts}_bad")
    assert (ref["status"] == 0).all()
    s = aligned(quiet(ef.sbm, panel, X, Y, B, rts=rts, orientation="input", **KW).scores, ref)
    np.testing.assert_allclose(s["sbm"].values, ref["value"].values, rtol=0, atol=TOL)
    plain = model(djl, f"sbm_i_{rts}")["value"].values
    assert (ref["value"].values >= plain - TOL).all()  # the bad constraint only restricts the reference set
    assert (ref["value"].values > plain + 1e-6).any()


@pytest.mark.parametrize("rts", RTS)
@pytest.mark.parametrize("ori", ["i", "o"])
def test_dea_equals_djl(panel, djl, rts, ori):
    """CCR/BCC = DJL dm.dea(xdata, ydata, rts, orientation) (djl_oracle.R, model dea_<ori>_<rts>): θ for "i",
    η ≥ 1 for "o" (spatialq column ``eta``; ``dea`` = 1/η)."""
    ref = model(djl, f"dea_{ori}_{rts}")
    assert (ref["status"] == 0).all()
    s = aligned(quiet(ef.dea, panel, X, Y, rts=rts, orientation=ORI[ori], **KW).scores, ref)
    col = "dea" if ori == "i" else "eta"
    np.testing.assert_allclose(s[col].values, ref["value"].values, rtol=0, atol=TOL)
    if ori == "o":
        np.testing.assert_allclose(s["dea"].values, 1.0 / ref["value"].values, rtol=0, atol=TOL)


@pytest.mark.parametrize("rts", RTS)
@pytest.mark.parametrize("direction", ["output", "both"])
def test_ddf_equals_djl_shortage_function(panel, djl, rts, direction):
    """Radial DDF β* = DJL dm.sf (shortage function) with g = (0, y_o) ("output") or (x_o, y_o) ("both")
    (djl_oracle.R, model ddf_<direction>_<rts>)."""
    ref = model(djl, f"ddf_{direction}_{rts}")
    assert (ref["status"] == 0).all()
    s = aligned(quiet(ef.ddf, panel, X, Y, rts=rts, direction=direction, **KW).scores, ref)
    np.testing.assert_allclose(s["ddf"].values, ref["value"].values, rtol=0, atol=TOL)
    assert (ref["value"] > 1e-3).any()


@pytest.mark.parametrize("direction", ["output", "both"])
def test_ddf_weak_bads_crs_equals_djl(panel, djl, direction):
    """CRS DDF with the weakly disposable bad b, g = (0, y, −b) / (−x, y, −b) = DJL dm.sf(g = (0, y, b) /
    (x, y, b), wd = c(0, 1)) (djl_oracle.R, model ddf_<direction>_crs_bad; DJL's g_b is the contraction)."""
    ref = model(djl, f"ddf_{direction}_crs_bad")
    assert (ref["status"] == 0).all()
    s = aligned(quiet(ef.ddf, panel, X, Y, B, rts="crs", direction=direction, **KW).scores, ref)
    np.testing.assert_allclose(s["ddf"].values, ref["value"].values, rtol=0, atol=TOL)


@pytest.mark.parametrize("direction", ["output", "both"])
def test_ddf_weak_bads_vrs_is_below_djl_kuosmanen(panel, djl, direction):
    """Under VRS DJL's weak disposability is Kuosmanen's (Σ(λ + μ) = 1, μ using inputs only; djl_oracle.R, model
    ddf_<direction>_vrs_bad_kuosmanen), whose technology contains spatialq's (Färe et al. 1989, Σλ = 1; set μ = 0),
    so DJL's β* ≥ spatialq's β*; on this panel strictly for some units — a convention difference, not an error."""
    ref = model(djl, f"ddf_{direction}_vrs_bad_kuosmanen")
    assert (ref["status"] == 0).all()
    s = aligned(quiet(ef.ddf, panel, X, Y, B, rts="vrs", direction=direction, **KW).scores, ref)
    gap = ref["value"].values - s["ddf"].values
    assert (gap >= -TOL).all()
    assert (gap > 1e-3).any()


@pytest.mark.parametrize("rts", RTS)
def test_nonradial_djl_ddf_bounds_radial(panel, djl, rts):
    """DJL dm.ddf is the non-radial DDF (djl_oracle.R, model nonradial_ddf_both_<rts>): every factor equal to the
    radial β* is feasible for it, so its optimum ≥ (m + s)·β* = 3β* of spatialq's ``direction="both"``."""
    ref = model(djl, f"nonradial_ddf_both_{rts}")
    assert (ref["status"] == 0).all()
    s = aligned(quiet(ef.ddf, panel, X, Y, rts=rts, direction="both", **KW).scores, ref)
    gap = ref["value"].values - 3 * s["ddf"].values
    assert (gap >= -TOL).all()
    assert (gap > 1e-6).any()


TONE = {  # the data of DJL's dm.sbm examples (man/dm.sbm.Rd), copied into djl_oracle.R
    "tone2001_t2": ({"x1": [4, 6, 8, 8, 2], "x2": [3, 3, 1, 1, 4]}, {"y1": [2, 2, 6, 6, 1], "y2": [3, 3, 2, 1, 4]}),
    "tone2002_t1": ({"x1": [4, 7, 8, 4, 2, 10, 12], "x2": [3, 3, 1, 2, 4, 1, 1]}, {"y1": [1] * 7}),
    "tone2002_t4": ({"x1": [80, 65, 83, 40, 52, 94], "x2": [600, 200, 400, 1000, 600, 700],
                     "x3": [54, 97, 72, 75, 20, 36], "x4": [8, 1, 4, 7, 3, 5]},
                    {"y1": [90, 58, 60, 80, 72, 96], "y2": [5, 1, 7, 10, 8, 6]}),
}


@pytest.mark.parametrize("ori", ["n", "i"])
@pytest.mark.parametrize("example", list(TONE))
def test_djl_tone_examples(example, ori):
    """DJL's own dm.sbm examples, which reproduce Table 2 of Tone (2001) and Tables 1 and 4 of Tone (2002)
    (djl_oracle.R → djl_tone_examples.csv): SBM and super-SBM (CRS) of every unit, cross-sections
    (``time=None``).  DJL's super-SBM is 1 where spatialq keeps the SBM score ρ* < 1."""
    ref = pd.read_csv(REF / "djl_tone_examples.csv")
    ref = ref[(ref["example"] == example) & (ref["orientation"] == ori)].sort_values("id").reset_index(drop=True)
    assert (ref["status"] == 0).all()
    xs, ys = TONE[example]
    data = pd.DataFrame({"unit": [chr(65 + i) for i in range(len(next(iter(xs.values()))))], **xs, **ys})
    kw = {"rts": "crs", "orientation": ORI[ori], "id": "unit", "time": None}
    s = quiet(ef.sbm, data, list(xs), list(ys), **kw).scores.sort_values("unit").reset_index(drop=True)
    assert list(s["unit"]) == list(ref["id"])
    np.testing.assert_allclose(s["sbm"].values, ref["sbm"].values, rtol=0, atol=TOL)
    sup = quiet(ef.sbm, data, list(xs), list(ys), super=True, **kw).scores.sort_values("unit").reset_index(drop=True)
    flag = sup["super"].to_numpy(bool)
    np.testing.assert_allclose(sup["sbm"].values[flag], ref["super"].values[flag], rtol=0, atol=TOL)
    np.testing.assert_allclose(ref["super"].values[~flag], 1.0, rtol=0, atol=TOL)
    assert (ref["super"].values[flag] > 1 + 1e-3).any()
