"""Synthetic panels: reproducible, on the bundled units, and the panel SDM recovers the truth."""

import warnings

import numpy as np
import pandas as pd
import pytest

from spatialq import geometry, panel, weights
from spatialq.datasets import synthetic_panel


def test_reproducible_and_on_bundled_units():
    a, b = synthetic_panel(seed=5), synthetic_panel(seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.ln_patents, synthetic_panel(seed=6).ln_patents)
    assert a.attrs["synthetic"] is True and a.attrs["truth"]["rho"] == 0.35
    assert set(a.adcode) == set(geometry.provinces().index) and a.groupby("year").size().eq(31).all()
    assert a["name"].iloc[0] == "北京市" and a.urban_rate.between(0, 1).all()
    with pytest.raises(ValueError, match="rho"):
        synthetic_panel(rho=1.2)
    with pytest.raises(ValueError, match="beta needs 4"):
        synthetic_panel(beta=(1, 2))


def _sdm_z_scores(df, regressors, gdf=None) -> tuple[dict, object]:
    """Fit the two-way FE SDM (Lee–Yu) on a prefecture (or ``gdf``'s) panel; (estimate − truth)/SE per parameter."""
    truth = df.attrs["truth"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.prefectures() if gdf is None else gdf)
    r = panel.spatial_panel(df, f"{truth['dependent']} ~ " + " + ".join(regressors), w, model="sdm", lee_yu=True,
                            tests=False, n_draws=10)
    expected = {**truth["beta"], **{f"W*{k}": v for k, v in truth["theta"].items()}, "rho": truth["rho"]}
    return {k: (r.params[k] - v) / r.std_errors[k] for k, v in expected.items()}, r


def test_panel_sdm_recovers_the_truth():
    df = synthetic_panel("prefecture", seed=2)
    z, r = _sdm_z_scores(df, ["ln_gdp_pc", "rd_intensity", "fdi_share", "urban_rate"])
    assert max(abs(v) for v in z.values()) < 3, z
    assert r.sigma2 == pytest.approx(df.attrs["truth"]["sigma2"], rel=0.1)


def test_urbanisation_panel_indicators_follow_the_latent_level():
    from scipy.stats import spearmanr

    from spatialq import index
    from spatialq.datasets import synthetic_urbanisation
    from spatialq.datasets.urbanisation import INDICATORS

    a = synthetic_urbanisation(seed=3)
    pd.testing.assert_frame_equal(a, synthetic_urbanisation(seed=3))
    assert a.attrs["synthetic"] is True and a.attrs["truth"]["dependent"] == "urbanisation_latent"
    assert len(a) == 31 * 12 and a["province"].notna().all() and a["province"].iloc[0] == "北京市"
    for col, (direction, _, _) in INDICATORS.items():
        rho = spearmanr(a[col], a["urbanisation_latent"]).statistic
        assert np.sign(rho) == direction and abs(rho) > 0.5, (col, rho)
    ent = index.entropy(a, {k: v[0] for k, v in INDICATORS.items()})
    s = ent.to_frame().merge(a[["adcode", "year", "urbanisation_latent"]])
    assert spearmanr(s["score"], s["urbanisation_latent"]).statistic > 0.95
    # the east-west gradient: eastern provinces more urbanised on average
    lon = geometry.provinces().geometry.representative_point().x
    m = a.groupby("adcode")["urbanisation_latent"].mean()
    assert m[lon[lon > 113].index].mean() > m[lon[lon < 105].index].mean()
    flat = synthetic_urbanisation(seed=3, east_gradient=0.0)
    assert not np.allclose(flat["urbanisation_latent"], a["urbanisation_latent"])


def test_urbanisation_latent_level_recovers_the_sdm():
    from spatialq.datasets import synthetic_urbanisation
    from spatialq.datasets.urbanisation import DRIVERS

    z, _ = _sdm_z_scores(synthetic_urbanisation("prefecture", seed=4), DRIVERS)
    assert max(abs(v) for v in z.values()) < 3.5, z


def test_county_urbanisation_panel_for_county_studies():
    """2,848 counties × 5 years: every bundled county in every year, names repeated (so studies match by adcode),
    reproducible, and the county-level SDM recovers the truth."""
    from spatialq.datasets import synthetic_urbanisation
    from spatialq.datasets.urbanisation import DRIVERS

    counties = geometry.counties()
    a = synthetic_urbanisation("county", years=range(2018, 2023), seed=7)
    assert set(a.adcode) == set(counties.index) and a.groupby("year").size().eq(len(counties)).all()
    assert a["province"].notna().all() and a.groupby(["province", "name"])["adcode"].nunique().max() > 1
    pd.testing.assert_frame_equal(a, synthetic_urbanisation("county", years=range(2018, 2023), seed=7))
    z, _ = _sdm_z_scores(a, DRIVERS, gdf=counties)
    assert max(abs(v) for v in z.values()) < 3.5, z
    with pytest.raises(ValueError, match="'county'"):
        synthetic_urbanisation("town")
