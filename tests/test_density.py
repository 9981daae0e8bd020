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


# --- issue 19: the 3-D surface fills its figure -------------------------------------------------------------

FOOTER = "注：合成数据（spatialq.datasets.synthetic_urbanisation），仅演示分析流程，不代表任何省份的实际情况。"


def _text_outline(text, extent, renderer):
    """The drawn outline of a centred, rotated ``text`` (a shapely polygon in pixels): its unrotated size turned
    about the centre of ``extent`` (the axis-parallel box of the rotated text, which for a long tilted label
    covers much more than the text does)."""
    from shapely import affinity
    from shapely.geometry import box

    rotation = text.get_rotation()
    text.set_rotation(0)
    w, h = text.get_window_extent(renderer).size
    text.set_rotation(rotation)
    cx, cy = (extent.x0 + extent.x1) / 2, (extent.y0 + extent.y1) / 2
    return affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), rotation, origin=(cx, cy))


def _surface_layout(draw_surface, labels=("新型城镇化水平", "年份", "核密度")):
    """Draw a surface as a study does (7 × 5.5 in, labels set after the plot, a footer at the figure's lower
    left) and measure what ``savefig(bbox_inches="tight")`` keeps: (left and top white bands as fractions of the
    saved width and height, [(axis label, tick label) pairs that overlap]).  Text boxes are taken while the
    texts are drawn (a 3-D axis moves its tick labels into place only for the draw)."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox
    from shapely.geometry import box

    from spatialq.plot import register_font

    register_font()  # the bundled CJK font, as a study draws
    fig = plt.figure(figsize=(7, 5.5), dpi=100)
    ax3 = draw_surface(fig.add_subplot())
    for set_label, text in zip((ax3.set_xlabel, ax3.set_ylabel, ax3.set_zlabel), labels):
        set_label(text)
    fig.text(0.0, 0.0, FOOTER, ha="left", va="top", fontsize=7)
    boxes = {}
    draw = Text.draw

    def record(self, renderer):
        draw(self, renderer)
        if self.get_visible() and self.get_text():
            boxes[id(self)] = (self, self.get_window_extent(renderer))

    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = draw
    r = fig.canvas.get_renderer()
    saved = Bbox(fig.get_tightbbox(r).get_points() * fig.dpi)
    axes = (ax3.xaxis, ax3.yaxis, ax3.zaxis)
    content = Bbox.union([a.pane.get_window_extent(r) for a in axes] + [a.get_tightbbox(r) for a in axes])
    left = (content.x0 - saved.x0) / saved.width
    top = (saved.y1 - content.y1) / saved.height
    ticks = {id(t) for a in axes for t in a.get_majorticklabels()}
    tick_boxes = [(t.get_text(), box(*b.extents)) for k, (t, b) in boxes.items() if k in ticks]
    assert len(tick_boxes) >= 10 and all(id(a.label) in boxes for a in axes)  # the check below has something to check
    overlaps = [(a.label.get_text(), text) for a in axes for text, b in tick_boxes
                if _text_outline(a.label, boxes[id(a.label)][1], r).intersects(b)]
    plt.close(fig)
    return left, top, overlaps


def _index_panel():
    rng = np.random.default_rng(0)
    return pd.DataFrame([dict(adcode=i, year=y, v=float(np.clip(rng.beta(2, 3) + 0.03 * (y - 2011), 0, 1)))
                         for y in range(2011, 2023) for i in range(31)])


def test_kde_surface_fills_the_figure():
    """The 3-D box starts at the figure's left (the study's footer starts there too) and at its top: a 3-D Axes
    draws in a centred square and matplotlib's fixed projection window leaves white round the box; before the
    fit the saved figure was 31 % white on the left and 11 % above (this helper on the code of commit 9fd878f);
    now 4 % and 2 %.  No axis label overlaps a tick label (a label pulled onto its ticks is caught)."""
    res = density.kde(_index_panel(), "v")
    left, top, overlaps = _surface_layout(lambda ax: res.plot(ax=ax, kind="surface"))
    assert left < 0.06 and top < 0.04, (left, top)
    assert not overlaps

    def pulled_in(ax):
        ax3 = res.plot(ax=ax, kind="surface")
        ax3.xaxis.labelpad = -14
        return ax3

    assert _surface_layout(pulled_in)[2]  # negative control
    left, top, overlaps = _surface_layout(lambda ax: res.plot(ax=ax, kind="surface"),
                                          labels=("a much longer value label", "period", "kernel density"))
    assert left < 0.06 and top < 0.04 and not overlaps, (left, top, overlaps)


def test_kde_surface_beside_other_axes_keeps_its_place():
    """In a figure of several panels the surface stays in its panel's place."""
    res = density.kde(_index_panel(), "v")
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 4))
    pos = b.get_position().bounds
    ax3 = res.plot(ax=b, kind="surface")
    assert ax3.get_position(original=True).bounds == pytest.approx(pos) and a in fig.axes
    plt.close(fig)


def test_stochastic_kernel_surface_fills_the_figure():
    from spatialq.density_conditional import stochastic_kernel

    r = stochastic_kernel(_index_panel(), "v", grid=40)
    left, top, overlaps = _surface_layout(lambda ax: r.plot(ax=ax, kind="surface"),
                                          labels=("v / 均值, t", "v / 均值, t+1", "f(y | x)"))
    assert left < 0.06 and top < 0.04 and not overlaps, (left, top, overlaps)
