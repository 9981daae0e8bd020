"""Issue 19: figures a referee does not send back — measured on the drawn figure (Agg renderer extents)."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.text import Text

from spatialq import geometry, hotspot, plot
from spatialq.plot.choropleth import _colors

TOL = 0.01  # share of a legend frame that may lie over land (the placement allows 0.5 %)


def luma(c) -> float:
    r, g, b = to_rgb(c)
    return 0.299 * r + 0.587 * g + 0.114 * b


@pytest.fixture(scope="module")
def land():
    """Unsimplified province polygons (with Hong Kong, Macao, Taiwan) in China Albers."""
    return shapely.union_all(geometry.provinces(include_sar=True, crs="albers").geometry.to_numpy())


@pytest.fixture(scope="module")
def classed_map(provinces):
    """A classed choropleth (five YlOrRd classes, the small-multiples path) with province labels."""
    from spatialq.plot.choropleth import _assign, class_bins, class_labels

    v = pd.Series(np.arange(31.0) ** 1.5, index=provinces.index)
    b = class_bins(v, bins=[10, 40, 80, 120])  # user bins: no mapclassify import (numba compile) needed
    labels = class_labels(b, v.min(), fmt="{:.0f}")
    ax = plot.category_map(provinces, _assign(v, b, labels), dict(zip(labels, _colors("YlOrRd", len(labels)))),
                           labels="short", legend_title="v")
    yield ax, drawn(ax)
    plt.close(ax.figure)


def drawn(ax):
    fig = ax.figure
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def land_share(ax, bb, land) -> float:
    """Share of the display box ``bb`` over land, in the map's data coordinates."""
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
    box = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return shapely.intersection(box, land).area / box.area


def scale_bar_parts(ax, renderer):
    label = next(t for t in ax.texts if t.get_text() == "1000 km")
    lines = [a for a in ax.get_children() if isinstance(a, Line2D) and a.get_visible()]
    bar = next(ln for ln in lines if len(ln.get_xdata()) == 2 and ln.get_linestyle() == "-")
    ticks = next(ln for ln in lines if len(ln.get_xdata()) == 3 and ln.get_marker() not in (None, "None", ""))
    return label, bar, ticks


def test_scale_bar_label_clear_of_bar_and_ticks(classed_map):
    ax, r = classed_map
    label, bar, ticks = scale_bar_parts(ax, r)
    lb = label.get_window_extent(r)
    half = bar.get_linewidth() * r.points_to_pixels(1.0) / 2
    bb = bar.get_window_extent(r).padded(half)
    tb = ticks.get_window_extent(r)
    assert not lb.overlaps(bb) and not lb.overlaps(tb)
    assert lb.y1 <= min(bb.y0, tb.y0)  # label below the bar and its ticks
    bar_px = np.ptp(ax.transData.transform(np.column_stack([[0, 1e6], [0, 0]]))[:, 0])
    assert np.ptp(bar.get_transform().transform(np.column_stack([bar.get_xdata(), bar.get_ydata()]))[:, 0]) == \
        pytest.approx(bar_px, rel=1e-9)  # 1000 km long in the map's units


def test_furniture_and_legend_off_the_land_on_a_frame(classed_map, land):
    ax, r = classed_map
    leg = ax.get_legend()
    assert leg.get_frame_on() and to_rgb(leg.get_frame().get_facecolor()) == (1.0, 1.0, 1.0)
    assert 0.6 <= leg.get_frame().get_alpha() < 1.0  # white, slightly transparent
    assert land_share(ax, leg.get_window_extent(r), land) <= TOL
    frame = ax.spatialq_layout.furniture[-1]  # the scale bar's and north arrow's frame
    assert land_share(ax, frame.get_window_extent(r), land) <= TOL
    assert not frame.get_window_extent(r).overlaps(leg.get_window_extent(r))
    inset = ax.spatialq_inset.get_window_extent(r)
    assert not inset.overlaps(leg.get_window_extent(r)) and not inset.overlaps(frame.get_window_extent(r))


def test_ten_grade_coupling_legend_covers_no_province(provinces, land):
    from spatialq.index.coupling import GRADES_ZH

    names = list(GRADES_ZH)
    colors = dict(zip(names[::-1], _colors("RdYlGn", 10)[::-1]))
    values = pd.Series([names[i % 10] for i in range(31)], index=provinces.index)
    ax = plot.category_map(provinces, values, colors, title="耦合协调等级")
    r = drawn(ax)
    leg = ax.get_legend()
    assert [t.get_text() for t in leg.get_texts()] == list(colors)
    assert land_share(ax, leg.get_window_extent(r), land) <= TOL
    plt.close("all")


def test_small_multiples_legend_off_the_land_after_tight_layout(provinces, land):
    rng = np.random.default_rng(2)
    data = pd.DataFrame([{"adcode": a, "year": y, "v": rng.gamma(2.0)} for y in (2011, 2022)
                         for a in provinces.index])
    fig = plot.small_multiples(data, "v", bins=[1.0, 2.0, 3.0, 4.5])
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = next(a for a in fig.axes if a.get_title() == "2011")
    assert land_share(ax, ax.get_legend().get_window_extent(r), land) <= TOL
    plt.close(fig)


def test_province_labels_do_not_overlap(classed_map, provinces):
    ax, r = classed_map
    labels = [t for t in ax.texts if t.get_text() in set(provinces["name_short"])]
    assert {"北京", "天津", "河北", "上海"} <= {t.get_text() for t in labels} and len(labels) == 31
    boxes = {t.get_text(): Text.get_window_extent(t, r) for t in labels}
    clashes = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2) if ba.overlaps(bb)]
    assert clashes == []
    axbox = ax.get_window_extent(r)
    assert all(axbox.contains(b.x0, b.y0) and axbox.contains(b.x1, b.y1) for b in boxes.values())
    moved = [t for t in labels if t.arrow_patch.get_visible()]  # leader lines only for labels moved aside
    assert all(t.xyann != (0.0, 0.0) for t in moved) and len(moved) < 8


def test_gi_star_not_significant_is_visible(provinces, w_provinces):
    from spatialq.datasets import ai_index_provinces

    res = hotspot.gi_star(ai_index_provinces(), "ai_index", w_provinces)
    for scheme, name in (("breaks", "过渡区"), ("bins", "不显著")):
        ax = res.plot(gdf=provinces, period=2022, scheme=scheme)
        handle = next(h for h, t in zip(ax.get_legend().legend_handles, ax.get_legend().get_texts())
                      if t.get_text() == name)
        assert luma(handle.get_facecolor()) < 0.93
        units = ax.collections[1:]  # the first layer is the grey base map
        faces = np.vstack([c.get_facecolors()[:, :3] for c in units])
        assert (faces @ [0.299, 0.587, 0.114]).max() < 0.93  # no unit drawn near-white
        edges = np.vstack([c.get_edgecolors()[:, :3] for c in units])
        assert (edges @ [0.299, 0.587, 0.114]).max() < 0.8  # borders darker than the lightest fill
        plt.close("all")


def test_ellipse_is_a_complete_national_map(provinces):
    from spatialq.datasets import ai_index_provinces
    from spatialq.ellipse import sde

    g = geometry.to_albers(provinces)[["geometry"]].join(ai_index_provinces().set_index("adcode"), how="inner")
    ax = sde(g.reset_index(), weights="ai_index", by="year").plot()
    r = drawn(ax)
    inset = ax.spatialq_inset
    assert inset in ax.child_axes and [t.get_text() for t in inset.texts] == ["南海诸岛"]
    assert any(t.get_text() == "N" for t in ax.texts) and any(t.get_text() == "1000 km" for t in ax.texts)
    trajectory = [c for c in ax.child_axes if c is not inset]
    assert len(trajectory) == 1 and [t.get_text() for t in trajectory[0].texts[:4]] == ["2011", "2015", "2019",
                                                                                          "2022"]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    mainland = geometry.provinces(crs="albers").clip(shapely.box(-3e6, y0, 3e6, 7e6)).total_bounds
    assert x0 <= mainland[0] and mainland[2] <= x1 and y0 <= mainland[1] and mainland[3] <= y1
    centres = next(c for c in ax.collections if len(c.get_offsets()) == 4 and c.get_facecolors().shape[0] == 4)
    assert len({tuple(np.round(f, 3)) for f in centres.get_facecolors()}) == 4  # one colour per year
    leg = ax.get_legend()
    assert [t.get_text() for t in leg.get_texts()] == ["2011", "2015", "2019", "2022"]
    for other in ax.child_axes:
        assert not leg.get_window_extent(r).overlaps(other.get_window_extent(r))
    plt.close("all")


def test_dagum_shares_legend_covers_no_bar(tmp_path):
    from spatialq import inequality

    rng = np.random.default_rng(0)
    df = pd.DataFrame([dict(adcode=i, year=y, v=rng.gamma(2) + 0.1 * (y - 2011), g="ABC"[i % 3])
                       for y in range(2011, 2023) for i in range(30)])
    ax = inequality.dagum_gini(df, "v", "g").plot(kind="shares")
    ax.legend(["区域内", "区域间", "超变密度"], fontsize=7)  # as the study does
    plot.save(ax, tmp_path / "shares.png", dpi=60, close=False)
    r = drawn(ax)
    lb = ax.get_legend().get_window_extent(r)
    assert ax.patches and not any(lb.overlaps(p.get_window_extent(r)) for p in ax.patches)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["区域内", "区域间", "超变密度"]
    plt.close("all")


def test_kde_drawn_within_the_support_of_a_0_1_index():
    from spatialq import density

    rng = np.random.default_rng(0)
    df = pd.DataFrame([dict(adcode=i, year=y, v=float(np.clip(rng.beta(2, 3) + 0.02 * (y - 2011), 0, 1)))
                       for y in range(2011, 2019) for i in range(31)])
    res = density.kde(df, "v")
    lo, hi = res.support()
    assert lo == pytest.approx(df["v"].min(), abs=1e-12) and hi == pytest.approx(df["v"].max(), abs=1e-12)
    assert res.curves["x"].min() < 0  # the grid itself runs past 0: the plot must cut it
    ax = res.plot(kind="surface")
    r = drawn(ax)
    x0, x1 = ax.get_xlim()
    assert 0.0 <= lo - 1e-9 <= x0 and x1 <= hi + 1e-9 <= 1.0
    xlabel = ax.xaxis.label.get_window_extent(r)
    ticks = [t.get_window_extent(r) for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
    assert ticks and not any(xlabel.overlaps(t) for t in ticks)
    plt.close("all")
    ax = res.plot(kind="curves")
    assert ax.get_xlim()[0] >= 0.0 and ax.get_xlim()[1] <= 1.0
    plt.close("all")
    ax = res.plot(kind="curves", bounds=None)
    assert ax.get_xlim()[0] < 0
    plt.close("all")
    with pytest.raises(ValueError, match="bounds"):
        res.plot(bounds=(1.0, 0.0))
