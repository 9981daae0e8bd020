"""GTWR (spatialq.local.gtwr, Huang, Wu & Barry 2010) against R's GWmodel 2.3-2 ``gtwr``.

Reference: tests/reference/local/gwmodel_columbus.R builds a 49 × 4 panel from the Columbus data
(gtwr_panel.csv) and calls ``gtwr`` with the space-time distance matrix d = √(d_s² + τ Δt²) given as ``st.dMat``
(GWmodel's own ``st.dist`` looks only backwards in time and mixes linear distances: a different definition), at a
fixed bandwidth and ratio; output in gwmodel_columbus.json, versions in versions.txt.
"""

import json
import pathlib

import matplotlib
import numpy as np
import pandas as pd
import pytest

from spatialq._guards import InputError
from spatialq.local import GTWRResult, gtwr, gwr

matplotlib.use("Agg")

HERE = pathlib.Path(__file__).parent / "reference" / "local"
REF = json.loads((HERE / "gwmodel_columbus.json").read_text())
TERMS = ["Intercept", "INC", "HOVAL"]


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(HERE / "gtwr_panel.csv")


def run(df, **kw):
    return gtwr(df, "CRIME", ["INC", "HOVAL"], id="POLYID", time="year", coords=("X", "Y"), **kw)


@pytest.mark.parametrize("case", [0, 1])
def test_equals_gwmodel_gtwr(panel, case):
    """Coefficients, SEs (σ̂² with edf), AICc, RSS, R² and ENP (GWmodel: 2trS − trS'S) to 1e-8."""
    g = REF["gtwr"][case]
    res = run(panel, kernel=g["kernel"], fixed=not g["adaptive"], ratio=g["tau"], bandwidth=g["bw"], sigma2="edf")
    order = panel.sort_values(["POLYID", "year"], kind="stable").index.to_numpy()  # R keeps the csv's row order
    beta = np.column_stack([g["beta"][t] for t in TERMS])[order]
    se = np.column_stack([g["se"][t + "_SE"] for t in TERMS])[order]
    np.testing.assert_allclose(res.params.to_numpy(), beta, atol=1e-8)
    np.testing.assert_allclose(res.bse.to_numpy(), se, atol=1e-8)
    assert res.diagnostics["aicc"] == pytest.approx(np.ravel(g["aicc"])[0], abs=1e-8)
    assert res.diagnostics["rss"] == pytest.approx(np.ravel(g["rss"])[0], rel=1e-10)
    assert res.diagnostics["r2"] == pytest.approx(np.ravel(g["r2"])[0], abs=1e-10)
    # GWmodel's enp is 2 tr S − tr S'S and its edf n − 2 tr S + tr S'S: so n − edf = enp
    assert len(panel) - res.diagnostics["edf"] == pytest.approx(np.ravel(g["enp"])[0], rel=1e-10)


def test_one_year_equals_gwr_and_ratio_limits(panel):
    """A panel of one repeated year behaves as GWR on those points; a huge ratio isolates each year so every
    year's estimates equal a GWR on that year alone (Gaussian fixed kernel, weights across years ≈ 0)."""
    one = panel[panel["year"] == 2].drop(columns="year")
    g = gwr(one, "CRIME", ["INC", "HOVAL"], id="POLYID", coords=("X", "Y"), kernel="gaussian", fixed=True,
            bandwidth=5.0)
    res = run(panel, kernel="gaussian", fixed=True, ratio=1e6, bandwidth=5.0)
    yr2 = res.params.xs(2, level="year")
    np.testing.assert_allclose(yr2.to_numpy(), g.params.to_numpy(), atol=1e-8)


def test_ratio_chosen_by_aicc(panel):
    """The chosen (τ, bandwidth) has the lowest AICc among those tried, and none of a brute-force set of ratios
    inside the bounds (each with its own bandwidth search) beats it."""
    res = run(panel, bw_min=10, ratio_bounds=(0.1, 1000.0))
    assert res.diagnostics["aicc"] == pytest.approx(res.ratio_search["aicc"].min(), abs=1e-6)
    assert 0.1 <= res.ratio <= 1000.0
    for tau in np.geomspace(0.1, 1000.0, 9):
        other = run(panel, bw_min=10, ratio=float(tau))
        assert other.diagnostics["aicc"] >= res.diagnostics["aicc"] - 1e-6


def test_result_convention(panel):
    res = run(panel, ratio=4.0, bandwidth=40)
    assert isinstance(res, GTWRResult)
    f = res.to_frame()
    assert list(f.columns[:3]) == ["POLYID", "year", "Intercept"]
    assert len(f) == len(panel) and not f.duplicated(["POLYID", "year"]).any()
    shuffled = run(panel.sample(frac=1, random_state=0), ratio=4.0, bandwidth=40)
    pd.testing.assert_frame_equal(f, shuffled.to_frame())
    assert "Ratio tau" in res.summary() and "AICc" in res.summary()
    ax = res.plot(term="INC")
    assert ax.get_xlabel() == "year"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_errors(panel):
    with pytest.raises(InputError, match="ratio"):
        run(panel, ratio=-1.0, bandwidth=40)
    with pytest.raises(InputError, match="one period"):
        run(panel[panel["year"] == 1], ratio=1.0, bandwidth=40)
    with pytest.raises(InputError, match="exceeds"):
        run(panel, ratio=1.0, bandwidth=500)
    with pytest.raises(InputError, match="too few observations"):
        run(panel[panel["POLYID"] <= 10])
    with pytest.raises(InputError, match="ratio_bounds"):
        run(panel, ratio_bounds=(5.0, 1.0), bw_min=20)
