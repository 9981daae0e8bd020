"""Kernel density: scipy equality, bandwidths against R, integration, peaks, plots."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import gaussian_kde

from spatialq import density, geometry
from spatialq.datasets import ai_index_provinces

REF = Path(__file__).parent / "reference" / "density" / "bandwidth_R.csv"


def test_bandwidths_equal_r():
    """Reference: R 4.2.2 bw.nrd0 and 1.06·sd·n^(-1/5), tests/reference/density/bandwidth.R."""
    ref = pd.read_csv(REF, comment="#")
    samples = {"x1": [1, 2, 3, 4, 10], "x2": [0.5, 0.5, 0.5, 0.5, 2, 7.25, 3.1], "x3": [5, 5, 5, 5, 5, 6]}
    for r in ref.itertuples():
        rule = "silverman" if r.rule == "silverman" else "scott"
        assert density.bandwidth(samples[r.sample], rule) == pytest.approx(r.bw, rel=1e-14)
    assert density.bandwidth([1, 2, 3], 0.7) == 0.7
    with pytest.raises(ValueError, match="positive"):
        density.bandwidth([1, 2], -1.0)


def test_equals_scipy_and_integrates_to_one():
    ai = ai_index_provinces()
    r = density.kde(ai, "ai_index")
    for year in (2011, 2022):
        x = ai.loc[ai.year == year, "ai_index"].to_numpy()
        h = density.bandwidth(x)
        c = r.curves[(r.curves.period == year) & (r.curves.group == "all")]
        ref = gaussian_kde(x, bw_method=h / np.std(x, ddof=1))(c["x"].to_numpy())
        assert np.max(np.abs(ref - c["density"].to_numpy())) < 1e-14
        assert np.trapezoid(c["density"], c["x"]) == pytest.approx(1.0, abs=1e-3)
    fixed = density.kde(ai, "ai_index", bandwidth_rule=2.5)
    assert (fixed.peaks["bandwidth"] == 2.5).all()


def test_peaks_of_known_mixtures():
    rng = np.random.default_rng(0)
    one = pd.DataFrame({"adcode": range(20000), "v": rng.normal(0, 1, 20000)})
    p = density.kde(one, "v", by=None, n_grid=2048).peaks.iloc[0]
    h = p["bandwidth"]
    # the top of a KDE is flat, so its argmax wanders by a few tenths of σ even for large n
    assert p["n_peaks"] == 1 and abs(p["peak_x"]) < 0.25
    # the KDE of N(0, 1) with bandwidth h is about N(0, 1 + h²): FWHM = 2√(2 ln 2)·√(1 + h²)
    assert p["peak_width"] == pytest.approx(2 * np.sqrt(2 * np.log(2)) * np.sqrt(1 + h * h), rel=0.03)
    two = pd.DataFrame({"adcode": range(2000), "v": np.r_[rng.normal(0, 1, 1200), rng.normal(8, 1, 800)]})
    p2 = density.kde(two, "v", by=None).peaks.iloc[0]
    assert p2["n_peaks"] == 2 and abs(p2["peak_x"]) < 0.3


def test_groups_movement_and_plots():
    ai = ai_index_provinces()
    r = density.kde(ai, "ai_index", group=geometry.regions("three"))
    assert r.peaks["group"].drop_duplicates().tolist() == ["all", "东部", "中部", "西部"]
    assert len(r.movement) == 4 * 3
    mv = r.movement[r.movement.group == "all"].iloc[0]
    pk = r.peaks[r.peaks.group == "all"].set_index("period")
    assert mv["peak_shift"] == pytest.approx(pk.loc[2015, "peak_x"] - pk.loc[2011, "peak_x"])
    ax = r.plot(group="东部")
    assert len(ax.lines) == 4
    plt.close(ax.figure)
    ax3 = r.plot(kind="surface")
    assert ax3.name == "3d"
    plt.close(ax3.figure)


# --- issue 14 -----------------------------------------------------------------------------------------------


def test_tables_do_not_depend_on_row_order():
    """Groups of a plain text column are sorted, tables are in (group, period) order: shuffled input gives
    identical tables (the national curves first)."""
    ai = ai_index_provinces()
    ai = ai.assign(belt=ai["adcode"].map(geometry.regions("three")).astype(str))
    a = density.kde(ai, "ai_index", group="belt")
    b = density.kde(ai.sample(frac=1, random_state=4), "ai_index", group="belt")
    for name in ("curves", "peaks", "movement"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.peaks["group"].drop_duplicates().tolist() == ["all", *sorted({"东部", "中部", "西部"})]
    assert a.peaks["period"].tolist()[:4] == [2011, 2015, 2019, 2022]


def test_values_around_1e200_are_rescaled_exactly():
    """sd = inf with only an overflow warning before; now the density is computed on x / 2^e and mapped back:
    positions and widths scale by 1e200, heights by 1e-200 (up to the rounding of x·1e200 itself)."""
    import warnings

    ai = ai_index_provinces()
    a = density.kde(ai, "ai_index")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        big = density.kde(ai.assign(ai_index=ai["ai_index"] * 1e200), "ai_index")
    for col in ("bandwidth", "peak_x", "peak_width", "mean", "sd"):
        assert np.allclose(big.peaks[col] / 1e200, a.peaks[col], rtol=1e-12, atol=0), col
    assert np.allclose(big.peaks["peak_height"] * 1e200, a.peaks["peak_height"], rtol=1e-12)
    assert (big.peaks["n_peaks"] == a.peaks["n_peaks"]).all()
    c = big.curves[big.curves.period == 2022]
    assert np.trapezoid(c["density"], c["x"]) == pytest.approx(1.0, abs=1e-3)


def test_one_member_group_names_the_group_and_year():
    ai = ai_index_provinces()
    d = ai.assign(g=np.where(ai["adcode"] == "110000", "北京", "其他"))
    with pytest.raises(ValueError, match=r"group '北京' has one value in 2011 \(3\.7\).*numeric bandwidth_rule"):
        density.kde(d, "ai_index", group="g")
    fixed = density.kde(d, "ai_index", group="g", bandwidth_rule=1.0)
    assert fixed.peaks.set_index(["group", "period"]).loc[("北京", 2011), "n"] == 1
    with pytest.raises(ValueError, match=r"the values in 2011: all values are equal"):
        density.kde(ai.assign(ai_index=1.0), "ai_index", bandwidth_rule="scott")
