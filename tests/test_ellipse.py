"""Standard deviational ellipse: exact configurations, conventions, migration."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from spatialq import geometry
from spatialq.datasets import ai_index_provinces
from spatialq.ellipse import sde
from spatialq.geometry import ALBERS_CHINA


def points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=ALBERS_CHINA)


def rotated_rectangle(a_m, b_m, rot_deg, centre=(5e5, 3e6)):
    th = math.radians(rot_deg)
    u = np.array([math.sin(th), math.cos(th)])  # long axis, clockwise from north
    v = np.array([math.cos(th), -math.sin(th)])
    corners = np.array([[a_m, b_m], [a_m, -b_m], [-a_m, b_m], [-a_m, -b_m]])
    return corners[:, :1] * u + corners[:, 1:] * v + np.array(centre)


@pytest.mark.parametrize("rot", [0.0, 30.0, 75.0, 90.0, 120.0, 165.0])
def test_rotated_rectangle_exact(rot):
    # corners (±A, ±B) in the rotated frame: variances A² and B² along the axes
    r = sde(points(rotated_rectangle(3000, 1000, rot))).to_frame().iloc[0]
    assert r["major_axis"] == pytest.approx(math.sqrt(2) * 3.0, rel=1e-12)
    assert r["minor_axis"] == pytest.approx(math.sqrt(2) * 1.0, rel=1e-12)
    assert r["rotation_deg"] == pytest.approx(rot % 180, abs=1e-9)
    a, b = math.sqrt(2) * 3, math.sqrt(2)
    assert r["area"] == pytest.approx(math.pi * a * b)
    assert r["perimeter"] == pytest.approx(math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b))))
    assert r["flattening"] == pytest.approx(1 - b / a)
    assert (r["center_x"], r["center_y"]) == pytest.approx((5e5, 3e6))


def test_line_30_degrees_east_of_north():
    t = np.linspace(-50_000, 50_000, 11)
    xy = np.column_stack([t * math.sin(math.radians(30)), t * math.cos(math.radians(30))]) + np.array([6e5, 3.5e6])
    r = sde(points(xy)).to_frame().iloc[0]
    assert r["rotation_deg"] == pytest.approx(30.0, abs=1e-9)
    assert r["minor_axis"] == pytest.approx(0.0, abs=1e-9) and r["flattening"] == pytest.approx(1.0)
    assert r["major_axis"] == pytest.approx(math.sqrt(2) * np.std(t) / 1000, rel=1e-12)


def test_crimestat_factor_and_n_std():
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 10_000, (25, 2)) * [3, 1] + [5e5, 3e6]
    arc = sde(points(xy)).to_frame().iloc[0]
    cs = sde(points(xy), method="crimestat").to_frame().iloc[0]
    assert cs["major_axis"] / arc["major_axis"] == pytest.approx(math.sqrt(25 / 23), rel=1e-12)
    assert cs["minor_axis"] / arc["minor_axis"] == pytest.approx(math.sqrt(25 / 23), rel=1e-12)
    two = sde(points(xy), n_std=2).to_frame().iloc[0]
    assert two["major_axis"] == pytest.approx(2 * arc["major_axis"]) and two["rotation_deg"] == arc["rotation_deg"]


def test_weights_equal_duplicated_points():
    rng = np.random.default_rng(1)
    xy = rng.normal(0, 10_000, (8, 2)) + np.array([5e5, 3e6])
    w = np.array([1, 2, 1, 3, 1, 1, 2, 1.0])
    weighted = sde(points(xy, w=w), weights="w").to_frame().iloc[0]
    dup = sde(points(np.repeat(xy, w.astype(int), axis=0))).to_frame().iloc[0]
    for c in ("center_x", "center_y", "major_axis", "minor_axis", "rotation_deg"):
        assert weighted[c] == pytest.approx(dup[c], rel=1e-10)


def test_projection_required_and_polygons_use_centroids(provinces):
    with pytest.raises(ValueError, match="project=True"):
        sde(provinces)
    r = sde(provinces, project=True).to_frame().iloc[0]
    cent = geometry.to_albers(provinces).geometry.centroid
    assert r["center_x"] == pytest.approx(cent.x.mean()) and r["center_y"] == pytest.approx(cent.y.mean())
    assert 95 < r["center_lon"] < 115 and 28 < r["center_lat"] < 38
    with pytest.raises(ValueError, match="non-negative"):
        sde(provinces, weights=-np.ones(31), project=True)


def test_province_panel_migration():
    ai = ai_index_provinces()
    prov = geometry.to_albers(geometry.provinces())
    g = prov[["geometry"]].join(ai.set_index("adcode"), how="inner").reset_index()
    r = sde(g, weights="ai_index", by="year")
    t = r.to_frame()
    assert t["year"].tolist() == [2011, 2015, 2019, 2022]
    assert {"center_x", "center_y", "major_axis", "minor_axis", "rotation_deg", "area", "perimeter",
            "flattening"} <= set(t.columns)
    mig = r.migration[r.migration.centre == "mean"]
    assert len(mig) == 3
    first = mig.iloc[0]
    assert first["distance_km"] == pytest.approx(math.hypot(first["dx_km"], first["dy_km"]))
    assert first["speed_km_per_year"] == pytest.approx(first["distance_km"] / 4)
    assert 0 <= first["bearing_deg"] < 360
    assert len(r.ellipses) == 4 and r.ellipses.crs == prov.crs
    import matplotlib.pyplot as plt

    ax = r.plot()
    assert len(ax.get_legend().get_texts()) == 4
    plt.close("all")
    assert "2011" in r.summary() and isinstance(r.ellipses.geometry.iloc[0].area, float)


def test_bearing_and_direction():
    a = rotated_rectangle(3000, 1000, 0, centre=(0, 0))
    b = rotated_rectangle(3000, 1000, 0, centre=(10_000, 10_000))  # moved north-east
    g = points(np.vstack([a, b]), year=[2000] * 4 + [2001] * 4)
    m = sde(g, by="year").migration.iloc[0]
    assert m["bearing_deg"] == pytest.approx(45.0) and m["direction_zh"] == "东北"
    assert m["distance_km"] == pytest.approx(math.hypot(10, 10))
    assert isinstance(pd.DataFrame(sde(g, by="year").to_frame()), pd.DataFrame)


def test_trajectory_inset_scale_bar_is_in_km():
    """Centres that move a few km get a zoomed inset whose scale bar is exactly its label long (CRS metres)."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(3)
    pts = rng.normal(0, 300_000, (40, 2)) + np.array([1_000_000, 3_500_000])
    frames = [gpd.GeoDataFrame({"year": np.full(len(pts), y)},
                               geometry=gpd.points_from_xy(pts[:, 0] + 4000 * i, pts[:, 1] - 2500 * i),
                               crs=geometry.ALBERS_CHINA) for i, y in enumerate([2011, 2015, 2019])]
    r = sde(pd.concat(frames, ignore_index=True), by="year")
    ax = r.plot(base=False)
    insets = [c for c in ax.child_axes]
    assert len(insets) == 1
    iax = insets[0]
    assert [t.get_text() for t in iax.texts[:3]] == ["2011", "2015", "2019"]
    label = next(t.get_text() for t in iax.texts if t.get_text().endswith(" km"))
    bar = next(ln for ln in iax.lines if len(ln.get_xdata()) == 2 and ln.get_linewidth() == 1.5)
    assert np.ptp(bar.get_xdata()) == pytest.approx(float(label.split()[0]) * 1000)
    plt.close("all")
    assert r.plot(base=False, trajectory_inset=False).child_axes == []
    plt.close("all")


# --- issue 14: CRS policy, aspace's weighted form, degenerate inputs -------------------------------------------


def aspace_calc_sde(xy, w):
    """R aspace 1.2's ``calc_sde(weighted=TRUE)`` written out from its source: the Ebdon (1985) tan θ and the
    CrimeStat axis formulas, weighted sums divided by Σw − 2.  Returns the semi-axes (sigma.x, sigma.y) in the
    CRS units."""
    cx, cy = (xy * w[:, None]).sum(axis=0) / w.sum()
    dx, dy = xy[:, 0] - cx, xy[:, 1] - cy
    sxx, syy, sxy = np.sum(w * dx * dx), np.sum(w * dy * dy), np.sum(w * dx * dy)
    tantheta = ((sxx - syy) + math.sqrt((sxx - syy) ** 2 + 4 * sxy ** 2)) / (2 * sxy)
    theta = 180 + math.degrees(math.atan(tantheta)) if tantheta < 0 else math.degrees(math.atan(tantheta))
    s, c = math.sin(math.radians(theta)), math.cos(math.radians(theta))
    sigmax = math.sqrt(2) * math.sqrt((sxx * c * c - 2 * sxy * s * c + syy * s * s) / (w.sum() - 2))
    sigmay = math.sqrt(2) * math.sqrt((sxx * s * s + 2 * sxy * s * c + syy * c * c) / (w.sum() - 2))
    return sigmax, sigmay


def test_aspace_weighted_form_equals_its_formula():
    """method="aspace" is aspace's weighted SDE (Σw − 2); method="crimestat" applies √(n/(n − 2)) whatever the
    unit of the weights.  Unweighted, both equal aspace's n − 2 form."""
    rng = np.random.default_rng(11)
    xy = rng.normal(0, 50_000, (30, 2)) @ np.array([[2.0, 0.6], [0.0, 1.0]]) + np.array([5e5, 3e6])
    w = rng.uniform(0.5, 3.0, 30)
    r = sde(points(xy, w=w), weights="w", method="aspace").to_frame().iloc[0]
    sx, sy = aspace_calc_sde(xy, w)
    assert r["major_axis"] == pytest.approx(max(sx, sy) / 1000, rel=1e-10)
    assert r["minor_axis"] == pytest.approx(min(sx, sy) / 1000, rel=1e-10)
    cs = sde(points(xy, w=w), weights="w", method="crimestat").to_frame().iloc[0]
    arc = sde(points(xy, w=w), weights="w").to_frame().iloc[0]
    assert cs["major_axis"] / arc["major_axis"] == pytest.approx(math.sqrt(30 / 28), rel=1e-12)
    assert r["major_axis"] / arc["major_axis"] == pytest.approx(math.sqrt(w.sum() / (w.sum() - 2)), rel=1e-12)
    # aspace depends on the unit of the weights; crimestat and arcgis do not
    big = sde(points(xy, w=w * 1e6), weights="w", method="aspace").to_frame().iloc[0]
    assert big["major_axis"] != pytest.approx(r["major_axis"], rel=1e-6)
    cs6 = sde(points(xy, w=w * 1e6), weights="w", method="crimestat").to_frame().iloc[0]
    assert cs6["major_axis"] == pytest.approx(cs["major_axis"], rel=1e-12)
    ones = np.ones(30)
    sx1, sy1 = aspace_calc_sde(xy, ones)
    for m in ("aspace", "crimestat"):
        u = sde(points(xy), method=m).to_frame().iloc[0]
        assert u["major_axis"] == pytest.approx(max(sx1, sy1) / 1000, rel=1e-10)
    with pytest.raises(ValueError, match=r"Σw − 2, and the weights sum to 0\.9"):
        sde(points(xy, w=np.full(30, 0.03)), weights="w", method="aspace")


def test_weights_at_1e200_give_the_same_ellipse():
    rng = np.random.default_rng(2)
    xy = rng.normal(0, 40_000, (12, 2)) + np.array([5e5, 3e6])
    w = rng.uniform(1, 5, 12)
    a = sde(points(xy, w=w), weights="w").to_frame().iloc[0]
    b = sde(points(xy, w=w * 1e300), weights="w").to_frame().iloc[0]
    for c in ("center_x", "center_y", "major_axis", "minor_axis", "rotation_deg"):
        assert b[c] == pytest.approx(a[c], rel=1e-12)
    assert b["weight_sum"] == pytest.approx(a["weight_sum"] * 1e300, rel=1e-12)


def test_web_mercator_warns_and_project_uses_albers(provinces):
    """EPSG:3857 was accepted silently: axes +29 %/+15 % and area +49 % against China Albers for the provinces.
    It now warns naming the CRS; project=True reprojects any CRS to China Albers; degrees are an error."""
    merc = provinces.to_crs(3857)
    with pytest.warns(UserWarning, match=r"Pseudo-Mercator.*not equal-area.*to_albers.*project=True"):
        r = sde(merc).to_frame().iloc[0]
    alb = sde(provinces, project=True).to_frame().iloc[0]
    assert r["area"] / alb["area"] == pytest.approx(1.49, abs=0.01)
    fixed = sde(merc, project=True).to_frame().iloc[0]
    for c in ("major_axis", "minor_axis", "area", "rotation_deg"):
        assert fixed[c] == pytest.approx(alb[c], rel=1e-9)
    with pytest.raises(ValueError, match=r"'WGS 84' is geographic.*project=True"):
        sde(provinces)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sde(geometry.to_albers(provinces))  # equal-area: no warning


def test_missing_geometry_and_too_few_points_are_named(provinces):
    g = geometry.to_albers(provinces)
    g.loc[g.index[3], "geometry"] = None
    with pytest.raises(ValueError, match=rf"1 rows have no geometry .*index \['{g.index[3]}'\]"):
        sde(g)
    xy = rotated_rectangle(3000, 1000, 30)
    two = points(np.vstack([xy, xy[:2]]), year=[2000] * 4 + [2001] * 2)
    with pytest.raises(ValueError, match="at least 3 points with a positive weight in 2001; there are 2"):
        sde(two, by="year")
    with pytest.raises(ValueError, match="weights sum to zero in 2001"):
        sde(points(np.vstack([xy, xy]), year=[2000] * 4 + [2001] * 4, w=[1.0] * 4 + [0.0] * 4), by="year",
            weights="w")
    with pytest.raises(ValueError, match="coincide in 2000"):
        sde(points(np.repeat(xy[:1], 5, axis=0), year=[2000] * 5), by="year")
    with pytest.raises(ValueError, match=r"finite and non-negative; not at index \[2\]"):
        sde(points(xy, w=[1.0, 1.0, np.nan, 1.0]), weights="w")
