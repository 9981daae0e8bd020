"""Spatial β-convergence: identities with the engine, speed formulas, recovery of a simulated SAR
convergence panel, conditional and cross-section paths, errors, row order and seeds."""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from spatialq import datasets, inequality
from spatialq._guards import InputError
from spatialq.inequality import SpatialConvergenceResult, spatial_convergence
from spatialq.panel import spatial_panel
from spatialq.regression import spatial_model

ND = 200  # effect draws: enough for the tests, fast


@pytest.fixture(scope="module")
def synth():
    df = datasets.synthetic_panel("province")
    return df.assign(gdp=np.exp(df["ln_gdp_pc"]))


def simulate(w, *, T=20, beta=-0.1, rho=0.4, sigma=0.01, seed=0, common=0.0):
    """SAR convergence panel: g_t = (I − ρW)⁻¹(β ln y_t + μ + α_t + ε_t), ln y_t+1 = ln y_t + g_t,
    W the row-standardised province queen contiguity; T growth periods (T + 1 years)."""
    ids = list(w.id_order)
    M = np.asarray(w.full()[0])
    M = M / M.sum(1, keepdims=True)
    rng = np.random.default_rng(seed)
    N = len(ids)
    A = np.linalg.inv(np.eye(N) - rho * M)
    mu = rng.normal(0.08, 0.01, N)
    ly = rng.normal(9, 0.5, N)
    rows = []
    for t in range(T + 1):
        rows.append(pd.DataFrame({"adcode": ids, "year": 2000 + t, "y": np.exp(ly)}))
        g = A @ (beta * ly + mu + rng.normal(0, common) + rng.normal(0, sigma, N))
        ly = ly + g
    return pd.concat(rows, ignore_index=True)


def hand_growth(df, value, span, controls=()):
    """Growth frame built independently: wide table of ln y, non-overlapping periods from the first year."""
    ly = np.log(df.pivot(index="adcode", columns="year", values=value))
    years = list(ly.columns)
    rows = []
    for t in range(years[0], years[-1] - span + 1, span):
        f = pd.DataFrame({"adcode": ly.index, "year": t, "growth": (ly[t + span] - ly[t]) / span,
                          "log_initial": ly[t]})
        for c in controls:
            f[c] = df.pivot(index="adcode", columns="year", values=c)[t].reindex(ly.index).to_numpy()
        rows.append(f.reset_index(drop=True))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("model", ["sar", "sem", "sdm"])
@pytest.mark.parametrize("span", [1, 2])
def test_panel_identity_with_spatial_panel(synth, w_provinces, model, span):
    r = spatial_convergence(synth, "gdp", w_provinces, model=model, span=span, n_draws=ND)
    ref = spatial_panel(hand_growth(synth, "gdp", span), "growth ~ log_initial", w_provinces, model=model,
                        n_draws=ND)
    assert isinstance(r, SpatialConvergenceResult)
    assert r.beta == pytest.approx(ref.params["log_initial"], abs=1e-10)
    assert r.se == pytest.approx(ref.std_errors["log_initial"], abs=1e-10)
    assert r.p == pytest.approx(ref.pvalues["log_initial"], abs=1e-10)
    if model == "sem":
        assert r.rho is None and r.lambda_ == pytest.approx(ref.lambda_, abs=1e-10)
        assert r.direct["estimate"] == pytest.approx(r.beta, abs=1e-12)
    else:
        assert r.lambda_ is None and r.rho == pytest.approx(ref.rho, abs=1e-10)
    assert r.direct["estimate"] == pytest.approx(ref.effects.loc["log_initial", "direct"], abs=1e-10)
    assert r.N == 31 and r.T == len(range(2011, 2020 - span + 1, span)) and r.span == span
    assert r.model.nobs == 31 * r.T


def test_individual_effects_identity(synth, w_provinces):
    r = spatial_convergence(synth, "gdp", w_provinces, model="sar", effects="individual", n_draws=ND)
    ref = spatial_panel(hand_growth(synth, "gdp", 1), "growth ~ log_initial", w_provinces, model="sar",
                        effects="individual", n_draws=ND)
    assert r.beta == pytest.approx(ref.params["log_initial"], abs=1e-10)
    assert r.rho == pytest.approx(ref.rho, abs=1e-10)
    assert r.model.panel["effects"] == "individual"


def test_speed_and_half_life_by_hand(w_provinces):
    df = simulate(w_provinces, T=12)
    for span in (1, 3):
        r = spatial_convergence(df, "y", w_provinces, model="sdm", span=span, n_draws=ND)
        lam = -np.log(1 + r.beta * span) / span
        assert r.speed == pytest.approx(lam, rel=1e-12)
        assert r.half_life == pytest.approx(np.log(2) / lam, rel=1e-12)
        d = r.direct["estimate"]
        lam_d = -np.log(1 + d * span) / span
        assert r.direct["speed"] == pytest.approx(lam_d, rel=1e-12)
        assert r.direct["half_life"] == pytest.approx(np.log(2) / lam_d, rel=1e-12)
        row = r.to_frame().iloc[0]
        assert row["speed"] == r.speed and row["half_life_direct"] == r.direct["half_life"]
        assert r.converges and r.beta < 0 and 0 < r.speed


def test_speed_undefined_when_one_plus_beta_span_not_positive(synth, w_provinces):
    """ln_gdp_pc of the synthetic panel is not a growth process: β ≈ −1.08, 1 + β ≤ 0, no λ."""
    r = spatial_convergence(synth, "gdp", w_provinces, model="sar", n_draws=ND)
    assert 1 + r.beta <= 0
    assert np.isnan(r.speed) and np.isnan(r.half_life)


@pytest.mark.parametrize("effects", ["individual", "twoways"])
def test_recovers_sar_convergence_parameters(w_provinces, effects):
    """Known β = −0.1, ρ = 0.4 (31 provinces, 20 yearly growth periods; a common shock α_t for two-way
    effects) within 3 SE.  The within estimator of this dynamic panel has an O(1/T) Nickell bias towards
    faster convergence (and, with time effects, the direct approach an O(1/N) bias of ρ); with T = 20 and
    these variances both stay within about 2 SE in the seeds here."""
    for seed in range(3):
        df = simulate(w_provinces, T=20, seed=seed, common=0.01 if effects == "twoways" else 0.0)
        r = spatial_convergence(df, "y", w_provinces, model="sar", effects=effects, n_draws=ND, seed=seed)
        assert abs(r.beta - -0.1) < 3 * r.se
        assert abs(r.rho - 0.4) < 3 * r.model.std_errors["rho"]
        assert r.speed == pytest.approx(-np.log(1 + r.beta), rel=1e-12)


def test_cross_section_identity_and_recovery(w_provinces):
    rng = np.random.default_rng(5)
    ids = list(w_provinces.id_order)
    M = np.asarray(w_provinces.full()[0])
    M = M / M.sum(1, keepdims=True)
    N, span, beta, rho = len(ids), 10, -0.02, 0.5
    ly0 = rng.normal(9, 0.6, N)
    g = np.linalg.solve(np.eye(N) - rho * M, 0.25 + beta * ly0 + rng.normal(0, 0.003, N))
    df = pd.concat([pd.DataFrame({"adcode": ids, "year": 2010, "y": np.exp(ly0)}),
                    pd.DataFrame({"adcode": ids, "year": 2015, "y": np.exp(ly0 + 5 * g)}),
                    pd.DataFrame({"adcode": ids, "year": 2010 + span, "y": np.exp(ly0 + span * g)})])
    r = spatial_convergence(df, "y", w_provinces, model="sar", panel=False, n_draws=ND)
    frame = pd.DataFrame({"adcode": ids, "growth": g, "log_initial": ly0})
    ref = spatial_model(frame, "growth ~ log_initial", w_provinces, model="sar", n_draws=ND)
    assert r.beta == pytest.approx(ref.params["log_initial"], abs=1e-10)
    assert r.rho == pytest.approx(ref.rho, abs=1e-10)
    assert r.se == pytest.approx(ref.std_errors["log_initial"], abs=1e-10)
    assert "Intercept" in r.model.params.index
    assert abs(r.beta - beta) < 3 * r.se and abs(r.rho - rho) < 3 * r.model.std_errors["rho"]
    assert r.span == span and r.T == 1 and r.N == N
    assert r.speed == pytest.approx(-np.log(1 + r.beta * span) / span, rel=1e-12)
    assert r.half_life == pytest.approx(np.log(2) / r.speed, rel=1e-12)


def test_conditional_with_controls(synth, w_provinces):
    ctrl = ["rd_intensity", "urban_rate"]
    for model in ("sar", "sdm"):
        r = spatial_convergence(synth, "gdp", w_provinces, model=model, kind="conditional", controls=ctrl, span=3,
                                n_draws=ND)
        ref = spatial_panel(hand_growth(synth, "gdp", 3, ctrl), "growth ~ log_initial + rd_intensity + urban_rate",
                            w_provinces, model=model, n_draws=ND)
        assert r.beta == pytest.approx(ref.params["log_initial"], abs=1e-10)
        assert r.rho == pytest.approx(ref.rho, abs=1e-10)
        for c in ctrl:
            assert r.model.params[c] == pytest.approx(ref.params[c], abs=1e-10)
        assert r.kind == "conditional" and r.meta.options["controls"] == ctrl
    assert "W*urban_rate" in r.model.params.index
    with pytest.raises(InputError, match="absolute β-convergence has no controls"):
        spatial_convergence(synth, "gdp", w_provinces, controls=ctrl)
    with pytest.raises(InputError, match="needs controls"):
        spatial_convergence(synth, "gdp", w_provinces, kind="conditional")


def test_conditional_cross_section(synth, w_provinces):
    r = spatial_convergence(synth, "gdp", w_provinces, model="sem", kind="conditional", controls=["urban_rate"],
                            panel=False, n_draws=ND)
    first, last = synth[synth.year == 2011].set_index("adcode"), synth[synth.year == 2020].set_index("adcode")
    frame = pd.DataFrame({"growth": np.log(last["gdp"] / first["gdp"]) / 9, "log_initial": np.log(first["gdp"]),
                          "urban_rate": first["urban_rate"]})
    ref = spatial_model(frame, "growth ~ log_initial + urban_rate", w_provinces, model="sem", n_draws=ND)
    assert r.beta == pytest.approx(ref.params["log_initial"], abs=1e-10)
    assert r.lambda_ == pytest.approx(ref.lambda_, abs=1e-10)


def test_errors(synth, w_provinces):
    bad = synth.copy()
    bad.loc[(bad.adcode == "110000") & (bad.year == 2013), "gdp"] = 0.0
    with pytest.raises(InputError, match=r"must be positive.*unit 110000 in 2013"):
        spatial_convergence(bad, "gdp", w_provinces)
    with pytest.raises(InputError, match="at least two periods"):
        spatial_convergence(synth[synth.year == 2015], "gdp", w_provinces)
    unb = synth.drop(synth.index[(synth.adcode == "650000") & (synth.year == 2016)])
    with pytest.raises(InputError, match=r"balanced panel.*unit 650000 in 2016"):
        spatial_convergence(unb, "gdp", w_provinces)
    with pytest.raises(InputError, match="at least two periods of span=5"):
        spatial_convergence(synth[synth.year <= 2018], "gdp", w_provinces, span=5)
    gap = synth[synth.year != 2013]
    with pytest.raises(InputError, match=r"need the years \[2013\]"):
        spatial_convergence(gap, "gdp", w_provinces)
    with pytest.raises(InputError, match="model must be one of"):
        spatial_convergence(synth, "gdp", w_provinces, model="sac")
    with pytest.raises(InputError, match="effects must be one of"):
        spatial_convergence(synth, "gdp", w_provinces, effects="time")
    with pytest.raises(InputError, match="span must be"):
        spatial_convergence(synth, "gdp", w_provinces, span=0)
    with pytest.raises(InputError, match="span applies to panels"):
        spatial_convergence(synth, "gdp", w_provinces, panel=False, span=2)
    with pytest.raises(InputError, match="clash"):
        spatial_convergence(synth.assign(growth=1.0), "gdp", w_provinces, kind="conditional", controls=["growth"])


def test_row_order_and_seed(synth, w_provinces):
    a = spatial_convergence(synth, "gdp", w_provinces, model="sdm", span=2, n_draws=ND, seed=3)
    shuffled = synth.sample(frac=1.0, random_state=1).reset_index(drop=True)
    b = spatial_convergence(shuffled, "gdp", w_provinces, model="sdm", span=2, n_draws=ND, seed=3)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), rtol=1e-12, atol=1e-14)
    pd.testing.assert_series_equal(a.direct, b.direct, rtol=1e-12, atol=1e-14)
    c = spatial_convergence(synth, "gdp", w_provinces, model="sdm", span=2, n_draws=ND, seed=3)
    pd.testing.assert_frame_equal(a.to_frame(), c.to_frame())
    pd.testing.assert_series_equal(a.direct, c.direct)
    d = spatial_convergence(synth, "gdp", w_provinces, model="sdm", span=2, n_draws=ND, seed=4)
    assert d.beta == a.beta and d.direct["std_error"] != a.direct["std_error"]
    assert a.meta.seed == 3 and a.meta.options["periods"] == [2011, 2013, 2015, 2017]


def test_frame_summary_plot(synth, w_provinces):
    r = spatial_convergence(synth, "gdp", w_provinces, model="sdm", n_draws=ND)
    f = r.to_frame()
    assert len(f) == 1
    for col in ("model", "kind", "beta", "se", "p", "rho", "lambda", "speed", "half_life", "speed_direct",
                "half_life_direct", "n", "T"):
        assert col in f.columns
    assert f.loc[0, "model"] == "sdm" and f.loc[0, "n"] == 31 and f.loc[0, "T"] == 9 and np.isnan(f.loc[0, "lambda"])
    s = r.summary()
    assert "β (coefficient of ln y at the start)" in s and "direct effect" in s and "W*log_initial" in s
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. a glyph missing from the bundled font
        ax = r.plot()
    assert len(ax.collections[0].get_offsets()) == 31 * 9
    assert len(ax.lines) >= 1
    # the plotted within-transformed data have zero unit and period means
    xy = r.xy
    assert np.abs(xy.groupby("adcode")["x"].mean()).max() < 1e-12
    assert np.abs(xy.groupby("year")["y"].mean()).max() < 1e-12
    assert inequality.spatial_convergence is spatial_convergence
    # the result convention (tests/test_results_convention.py)
    assert repr(r) == s and r.meta.method == "spatialq.inequality.spatial_convergence"
    assert "<div>" in r._repr_html_()
    f = r.to_frame()
    del f["model"]
    assert "model" in r.to_frame().columns
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.beta = 0.0
