"""Publication maps: small multiples with pooled classes, category maps in both languages, export."""

import shutil
import subprocess
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from spatialq import geometry, hotspot, plot
from spatialq.plot.choropleth import _assign, class_bins, class_labels


@pytest.fixture(scope="module")
def panel_data():
    rng = np.random.default_rng(1)
    ids = geometry.provinces().index
    rows = [{"adcode": a, "year": y, "v": rng.gamma(2.0, 1.0) + 0.5 * (y - 2011)} for y in (2011, 2015, 2019)
            for a in ids]
    return pd.DataFrame(rows)


def _legend_texts(ax):
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def test_small_multiples_pooled_classes(panel_data):
    import mapclassify

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing glyphs, no pandas/geopandas warnings
        fig = plot.small_multiples(panel_data, "v", k=4, title="示例")
        fig.canvas.draw()
    mains = [ax for ax in fig.axes if ax.get_title() in {"2011", "2015", "2019"}]
    assert len(mains) == 3
    expected = np.unique(mapclassify.Quantiles(panel_data["v"].to_numpy(), k=4).bins)
    assert np.allclose(class_bins(panel_data["v"], "quantiles", 4), expected)
    labels = class_labels(expected, panel_data["v"].min())
    assert _legend_texts(mains[0]) == labels  # one legend for all panels
    assert _legend_texts(mains[1]) == [] and _legend_texts(mains[2]) == []
    for ax in mains:  # every province drawn in each panel
        assert sum(len(c.get_paths()) for c in ax.collections) >= 31
    plt.close(fig)


def test_class_assignment_is_the_definition(panel_data):
    v = panel_data["v"]
    b = class_bins(v, "quantiles", 5)
    labels = class_labels(b, v.min())
    got = _assign(v, b, labels)
    brute = [labels[next(i for i, ub in enumerate(b) if x <= ub)] for x in v]
    assert list(got) == brute
    with_nan = _assign(pd.Series([np.nan, v.iloc[0]]), b, labels)
    assert pd.isna(with_nan.iloc[0]) and with_nan.iloc[1] == brute[0]
    assert np.allclose(class_bins(v, bins=[1, 2, 3]), [1, 2, 3, v.max()])


def test_small_multiples_per_period_and_errors(panel_data):
    fig = plot.small_multiples(panel_data, "v", pooled=False, k=3, periods=[2011, 2019], lang="en")
    mains = [ax for ax in fig.axes if ax.get_title() in {"2011", "2019"}]
    assert _legend_texts(mains[0]) != _legend_texts(mains[1]) and len(_legend_texts(mains[1])) == 3
    assert [t.get_text() for t in mains[0].spatialq_inset.texts] == ["South China Sea Islands"]
    plt.close(fig)
    with pytest.raises(ValueError, match=r"periods \[2030\]"):
        plot.small_multiples(panel_data, "v", periods=[2030])
    with pytest.raises(TypeError, match="not numeric"):
        plot.small_multiples(panel_data.assign(s="x"), "s")
    with pytest.raises(ValueError, match="repeated"):
        plot.small_multiples(pd.concat([panel_data, panel_data.head(1)]), "v")
    with pytest.raises(ValueError, match="scheme"):
        class_bins(panel_data["v"], "nosuchscheme")


def test_category_map_colours_and_errors(provinces):
    regions = geometry.regions("four", lang="en")
    colors = {"East": "#1b9e77", "Central": "#d95f02", "West": "#7570b3", "Northeast": "#e7298a"}
    ax = plot.category_map(provinces, regions, colors, lang="en", legend_title="Region")
    assert _legend_texts(ax) == list(colors)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"no colour given for categories \['West'\]"):
        plot.category_map(provinces, regions, {k: v for k, v in colors.items() if k != "West"})


def test_lisa_map_in_english(provinces, w_provinces):
    from spatialq.datasets import ai_index_provinces

    res = hotspot.local_moran(ai_index_provinces(), "ai_index", w_provinces, seed=1)
    ax = res.plot(gdf=provinces, period=2022, lang="en")
    assert _legend_texts(ax) == ["High-High", "Low-High", "Low-Low", "High-Low", "Not significant"]
    plt.close(ax.figure)
    ax = res.plot(gdf=provinces, period=2022)
    assert _legend_texts(ax)[0] == "高-高"
    plt.close(ax.figure)


def test_save_formats(tmp_path, provinces):
    ax = plot.china_map(provinces, labels="short")
    files = plot.save(ax, tmp_path / "m.png", formats=["png", "pdf", "svg"], dpi=100)
    assert [f.suffix for f in files] == [".png", ".pdf", ".svg"] and all(f.stat().st_size > 1000 for f in files)
    svg = (tmp_path / "m.svg").read_text(encoding="utf-8")
    assert "<text" not in svg  # glyphs as paths: renders without the font
    if shutil.which("pdffonts"):
        out = subprocess.run(["pdffonts", str(tmp_path / "m.pdf")], capture_output=True, text=True).stdout
        assert "Type 3" in next(ln for ln in out.splitlines() if "NotoSansCJK" in ln)
    with pytest.raises(ValueError, match="unknown figure format"):
        plot.save(plt.figure(), tmp_path / "x.bmp")


def test_map_panels_of_a_result(provinces, w_provinces):
    from spatialq.datasets import ai_index_provinces

    res = hotspot.gi_star(ai_index_provinces(), "ai_index", w_provinces)
    years = [2011, 2015, 2019, 2022]
    fig = plot.map_panels(lambda ax, p, i: res.plot(ax=ax, gdf=provinces, period=p, scheme="breaks", legend=i == 0,
                                                    north_arrow=i == 0, scale_bar_km=1000 if i == 0 else None),
                          years, title="Gi*")
    mains = [ax for ax in fig.axes if ax.get_title() in {str(y) for y in years}]
    assert [ax.get_title() for ax in mains] == [str(y) for y in years]
    assert _legend_texts(mains[0]) == ["热点", "次热点", "过渡区", "次冷点", "冷点"]
    assert all(_legend_texts(ax) == [] for ax in mains[1:])
    assert sum(t.get_text() == "1000 km" for ax in mains for t in ax.texts) == 1
    plt.close(fig)
    with pytest.raises(ValueError, match="no periods"):
        plot.map_panels(lambda ax, p, i: None, [])


def test_china_map_refuses_infinite_and_empty_columns(provinces):
    """inf was drawn in the top class; an all-missing column crashed with "zero-size array"."""
    v = np.where(provinces.index.isin(["110000", "310000"]), np.inf, 1.0)
    with pytest.raises(ValueError, match=r"column 'v' has infinite values at 110000 北京市, 310000 上海市"):
        plot.china_map(provinces.assign(v=v), "v")
    with pytest.raises(ValueError, match=r"column 'v' has no values \(all 31 are missing\)"):
        plot.china_map(provinces.assign(v=np.nan), "v")
    with pytest.raises(ValueError, match="infinite"):
        class_bins([1.0, 2.0, -np.inf])
    with pytest.raises(ValueError, match="every value is missing"):
        class_bins([np.nan, np.nan])
    some = np.where(provinces.index == "110000", np.nan, np.arange(31.0))
    ax = plot.china_map(provinces.assign(v=some), "v")  # a few missing values are drawn as missing
    assert "无数据" in _legend_texts(ax)
    plt.close("all")


def test_small_multiples_refuse_infinite_values(panel_data):
    bad = panel_data.copy()
    bad.loc[(bad.adcode == "110000") & (bad.year == 2015), "v"] = np.inf
    with pytest.raises(ValueError, match=r"infinite values at \[\('110000', 2015\)\]"):
        plot.small_multiples(bad, "v")
