"""The maps' cached geometry work: the same pixels as geopandas draws, results independent of the cache."""

import io

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from spatialq import geometry, plot
from spatialq.geometry.coords import ALBERS_CHINA
from spatialq.plot import maps


def _pixels(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    plt.close(fig)
    return np.asarray(Image.open(buf).convert("RGBA"))


@pytest.fixture(scope="module")
def provinces():
    return geometry.provinces()


def _clear():
    maps._PROJECTED.clear()
    maps._PATHS.clear()


def test_albers_frame_is_to_crs(provinces):
    _clear()
    ref = provinces.to_crs(ALBERS_CHINA)
    for _ in range(2):  # a miss, then a hit
        frame, keys = maps.albers_frame(provinces)
        assert frame is not provinces and frame.crs == ref.crs
        assert list(frame.columns) == list(ref.columns) and frame.index.equals(ref.index)
        assert frame.geometry.name == ref.geometry.name
        assert shapely.equals_exact(frame.geometry.to_numpy(), ref.geometry.to_numpy(), tolerance=0).all()
        assert list(keys) == list(maps.geometry_digests(ref.geometry.to_numpy()))
    assert len(maps._PROJECTED) == 1
    frame.geometry = frame.geometry.translate(1000.0)  # the caller's copy is its own
    again, _ = maps.albers_frame(provinces)
    assert shapely.equals_exact(again.geometry.to_numpy(), ref.geometry.to_numpy(), tolerance=0).all()


def test_albers_frame_keyed_on_content_not_identity(provinces):
    _clear()
    first, _ = maps.albers_frame(provinces)
    moved = provinces.copy()
    moved.geometry = moved.geometry.translate(0.5, 0.0)  # same object layout, other coordinates
    second, _ = maps.albers_frame(moved)
    assert not shapely.equals_exact(first.geometry.to_numpy(), second.geometry.to_numpy(), tolerance=0).any()
    assert shapely.equals_exact(second.geometry.to_numpy(), moved.to_crs(ALBERS_CHINA).geometry.to_numpy(),
                                tolerance=0).all()


def test_polygons_draw_what_geopandas_draws(provinces):
    """The cached collection against ``GeoDataFrame.plot`` (the colours per unit, a hatch, a multipolygon)."""
    frame = provinces.to_crs(ALBERS_CHINA)
    keys = maps.geometry_digests(frame.geometry.to_numpy())
    colors = [plt.cm.tab20(i % 20) for i in range(len(frame))]
    colors = [matplotlib.colors.to_hex(c) for c in colors]
    out = []
    for fast in (False, True):
        fig, ax = plt.subplots(figsize=(4, 3))
        if fast:
            maps._polygons(ax, frame, keys, color=colors, edgecolor="white", linewidth=0.4)
            maps._polygons(ax, frame.iloc[:3], keys[:3], facecolor="#d9d9d9", edgecolor="k", linewidth=0.4,
                           hatch="////")
        else:
            frame.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.4)
            frame.iloc[:3].plot(ax=ax, facecolor="#d9d9d9", edgecolor="k", linewidth=0.4, hatch="////")
        assert ax.get_xlabel() and ax.get_aspect() == 1.0
        out.append((ax.get_xlim(), ax.get_ylim(), ax.get_xlabel(), _pixels(fig)))
    (xa, ya, la, pa), (xb, yb, lb, pb) = out
    assert xa == xb and ya == yb and la == lb
    assert np.array_equal(pa, pb)


def test_inset_leaves_out_only_units_it_cannot_show(provinces):
    frame, keys = maps.albers_frame(provinces)
    fig, ax = plt.subplots()
    view = maps._albers_box(maps.INSET_LONLAT)
    maps._polygons(ax, frame, keys, color="#cccccc", edgecolor="white", linewidth=0.4, view=view)
    drawn = len(ax.collections[0].get_paths())
    plt.close(fig)
    box = shapely.box(*view)
    touching = int(shapely.intersects(frame.geometry.to_numpy(), box).sum())
    assert touching <= drawn < len(frame)  # Hainan, Guangdong … stay; Heilongjiang, Xinjiang … go


def test_other_geometries_go_to_geopandas():
    g = gpd.GeoDataFrame({"v": [1, 2]}, geometry=[shapely.box(0, 0, 1e5, 1e5), None], crs=ALBERS_CHINA)
    fig, ax = plt.subplots()
    maps._polygons(ax, g, maps.geometry_digests(g.geometry.to_numpy()), color="#cccccc", edgecolor="k",
                   linewidth=0.4)
    assert len(ax.collections) == 1 and len(ax.collections[0].get_paths()) == 1
    plt.close(fig)


def test_map_does_not_depend_on_cache_state(provinces):
    """A category map (main panel, inset, missing hatch) drawn cold, warm, and after other boundaries filled the
    caches: the same pixels."""
    values = pd.Series(np.where(np.arange(len(provinces)) % 3 == 0, "高", "低"), index=provinces.index,
                       dtype=object)
    values.iloc[5] = None
    colors = {"高": "#d7191c", "低": "#2c7bb6"}

    def draw():
        ax = plot.category_map(provinces, values, colors, legend_title="类型")
        return _pixels(ax.figure)

    _clear()
    cold = draw()
    warm = draw()
    maps._PATHS.clear()  # paths gone, projections kept
    partial = draw()
    _clear()
    plot.china_map(geometry.prefectures())  # other boundaries first
    after_other = draw()
    for other in (warm, partial, after_other):
        assert np.array_equal(cold, other)


def test_caches_are_bounded(provinces, monkeypatch):
    _clear()
    monkeypatch.setattr(maps, "PATH_CACHE", 10)
    monkeypatch.setattr(maps, "PROJECTED_CACHE", 1)
    maps.albers_frame(provinces)
    maps.albers_frame(provinces.iloc[:5])
    assert len(maps._PROJECTED) == 1
    frame, keys = maps.albers_frame(provinces)
    fig, ax = plt.subplots()
    maps._polygons(ax, frame, keys, color="#cccccc", edgecolor="k", linewidth=0.4)
    plt.close(fig)
    assert len(maps._PATHS) == 10


def _points_along_loop(xy, step_px=4.0):
    """The segment-by-segment definition (the implementation before it was vectorised)."""
    from itertools import pairwise

    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2:
        return xy
    out = [xy[:1]]
    for a, b in pairwise(xy):
        n = max(int(np.ceil(np.hypot(*(b - a)) / step_px)), 1)
        out.append(a + np.linspace(0, 1, n + 1)[1:, None] * (b - a))
    return np.vstack(out)


def test_points_along_equals_the_loop_bit_for_bit():
    from spatialq.plot._layout import _points_along

    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 3, 50, 500):
        xy = rng.normal(scale=rng.choice([0.5, 30.0, 400.0]), size=(size, 2)).cumsum(axis=0)
        if size > 3:
            xy[5 % size] = np.nan  # a gap in a line
            xy[2] = xy[1]  # a zero-length segment
        for step in (4.0, 2.5):
            want, got = _points_along_loop(xy, step), _points_along(xy, step)
            assert want.shape == got.shape and np.array_equal(want, got)


def test_mapclassify_is_imported_without_its_import_time_compile():
    """In a fresh interpreter: spatialq's import of mapclassify compiles nothing (mapclassify's Fisher–Jenks
    kernel has no compiled signature afterwards), ``numba.njit`` is numba's own again, and the kernel, compiled
    on its first call, gives the breaks of its pure-Python self; the maps' classes are mapclassify's."""
    import subprocess
    import sys

    code = """
import numba, numpy as np
eager = numba.njit
from spatialq.plot._mpl import mapclassify
from spatialq.plot.choropleth import class_bins
mc = mapclassify()
kernel = mc.classifiers._fisher_jenks_means
assert numba.njit is eager and kernel.signatures == [], kernel.signatures
x = np.sort(np.random.default_rng(0).normal(size=300))
assert np.array_equal(mc.FisherJenks(x, k=5).bins, kernel.py_func(x, 5))
assert len(kernel.signatures) == 1
assert np.array_equal(class_bins(x, "quantiles", 4), mc.Quantiles(x, k=4).bins)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
