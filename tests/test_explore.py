"""Interactive maps (spatialq.plot.explore, LocalMoranResult.explore, GiStarResult.explore, [study] explore):
self-contained pages — nothing from the network — that load in a real headless browser without errors (issue 19)."""

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from spatialq import geometry, hotspot, plot, study, weights

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def prov():
    return geometry.provinces()


def _paths(page: str) -> dict[str, str]:
    return dict(re.findall(r'<path d="[^"]*" fill="(#[0-9a-f]{6})" data-id="(\d+)"', page)[::-1] and
                [(i, f) for f, i in re.findall(r'<path d="[^"]*" fill="(#[0-9a-f]{6})" data-id="(\d+)"', page)])


def test_page_is_self_contained_and_escapes_names(prov):
    names = prov["name_zh"].copy()
    names.iloc[0] = '<script>alert("x")</script>'
    e = plot.explore(prov, pd.Series(np.arange(31.0), index=prov.index), names=names, title="a <b>title</b>")
    page = e.html
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "a &lt;b&gt;title" in page
    external = re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', page)
    assert external == [] and "<link" not in page and "<script src" not in page and "<iframe" not in page
    assert re.findall(r"https?://[^\s\"'<>]+", page) == ["http://www.w3.org/2000/svg"]  # the SVG namespace only
    fills = _paths(page)
    assert set(fills) == set(map(str, prov.index))  # every unit once, with its id
    assert len(set(fills.values())) == 5  # five natural-breaks classes
    assert page.count("<title>") == 31 + 1  # a hover text per unit, and the page title
    assert e.fragment in page and e._repr_html_() == e.fragment


def test_refusals(prov):
    with pytest.raises(ValueError, match="#rrggbb"):
        plot.explore(prov, pd.Series("a", index=prov.index), colors={"a": "red; background:url(x)"})
    with pytest.raises(ValueError, match="two distinct"):
        plot.explore(prov, pd.Series(1.0, index=prov.index))
    with pytest.raises(ValueError, match="infinite"):
        plot.explore(prov, pd.Series(np.r_[np.inf, np.arange(30.0)], index=prov.index))
    one = prov.iloc[:1]  # a single unit: nothing to class
    with pytest.raises(ValueError, match="two distinct"):
        plot.explore(one, pd.Series([1.0], index=one.index))
    assert plot.explore(prov, pd.Series(np.r_[np.nan, np.arange(30.0)], index=prov.index)).html.count("#dddddd") >= 1
    with pytest.raises(ValueError, match="no CRS"):
        plot.explore(prov.set_crs(None, allow_override=True), pd.Series(np.arange(31.0), index=prov.index))


def test_results_use_the_static_maps_colours(prov):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"adcode": prov.index, "year": 2022, "v": rng.normal(size=31) + np.arange(31) / 5})
    w = weights.contiguity(prov)
    lisa = hotspot.local_moran(df, "v", w, permutations=99, seed=1)
    fills = _paths(lisa.explore(prov, lang="en").html)
    colour = {"HH": "#d7191c", "LH": "#abd9e9", "LL": "#2c7bb6", "HL": "#fdae61", "ns": "#eeeeee"}
    cl = lisa.to_frame().set_index("adcode")["cluster"]
    assert all(fills[str(a)] == colour[c] for a, c in cl.items())
    gi = hotspot.gi_star(df, "v", w)
    from spatialq.hotspot.getis import _BIN_COLORS

    fills = _paths(gi.explore(prov).html)
    bins = gi.to_frame().set_index("adcode")["gi_bin"]
    assert all(fills[str(a)] == _BIN_COLORS[int(b)] for a, b in bins.items())


def _browser(url: str) -> tuple[str, str]:
    out = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                          "--v=0", "--virtual-time-budget=3000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout, out.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt install chromium)")
def test_pages_load_in_a_headless_browser(tmp_path, prov):
    """The standalone page runs its script to the end (data-ready) with no console error; a study's index page
    embeds the interactive maps as frames of its own folder."""
    e = plot.explore(prov, pd.Series(np.arange(31.0), index=prov.index), title="测试")
    page = e.save(tmp_path / "map.html")
    dom, log = _browser(page.as_uri())
    assert 'data-ready="1"' in dom and dom.count("data-id=") == 31
    assert not re.search(r"Uncaught|SyntaxError|TypeError|ReferenceError", log), log[-2000:]

    from spatialq.datasets import synthetic_urbanisation

    df = synthetic_urbanisation("province")[["province", "year", "urban_pop_share", "pm25"]]
    df.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "s.toml").write_text(
        '[study]\nexplore = true\n[data]\npath = "d.csv"\nid = "province"\n[index]\nname = "u"\n'
        '[index.indicators]\nurban_pop_share = "+"\npm25 = "-"\n[analyses.lisa]\npermutations = 99\n'
        "[analyses.gi_star]\n", encoding="utf-8")
    res = study.run(tmp_path / "s.toml", out=tmp_path / "o", progress=False)
    frames = [p for o in res.outputs for p in o.files if p.suffix == ".html"]
    assert len(frames) == 2 and all(p.parent.name == "figures" for p in frames)
    index = (tmp_path / "o" / "index.html").read_text(encoding="utf-8")
    assert all(f'<iframe src="figures/{p.name}"' in index for p in frames)
    for p in frames:
        dom, log = _browser(p.as_uri())
        assert 'data-ready="1"' in dom and dom.count("data-id=") == 31, p.name
        assert not re.search(r"Uncaught|SyntaxError|TypeError|ReferenceError", log), log[-2000:]
    dom, log = _browser((tmp_path / "o" / "index.html").as_uri())
    assert dom.count("<iframe") == 2 and not re.search(r"Uncaught|SyntaxError", log)


def _path_by_ring(geom, x0, y1, scale):
    """The path of one unit, ring by ring with Python's ``:g`` (the implementation before it was vectorised)."""
    import shapely

    out = []
    for p in shapely.get_parts(geom):
        if p.geom_type != "Polygon":
            continue
        for ring in (p.exterior, *p.interiors):
            c = np.asarray(ring.coords)
            xy = np.column_stack([(c[:, 0] - x0) * scale, (y1 - c[:, 1]) * scale]).round(1)
            if len(xy) >= 3:
                out.append("M" + " ".join(f"{x:g},{y:g}" for x, y in xy[:-1]) + "Z")
    return "".join(out).replace("-0,", "0,").replace(",-0 ", ",0 ").replace(",-0Z", ",0Z")


def test_vectorised_paths_equal_the_ring_by_ring_text():
    """Every unit of the prefecture map (multipolygons, holes, islands), an empty polygon, a missing geometry and a
    line (not drawn) against the ring-by-ring formatting, character for character (the ring-by-ring code wrote
    −0.0 as "-0"; the vectorised one writes "0")."""
    import shapely

    from spatialq.plot import interactive

    g = geometry.prefectures(crs="albers").geometry
    x0, y0, x1, y1 = g.total_bounds
    scale = 760 / (x1 - x0)
    geoms = np.concatenate([g.simplify(0.5 / scale).to_numpy(),
                            [shapely.Polygon(), None, shapely.LineString([(x0, y0), (x1, y1)]),
                             shapely.Polygon([(x0 - 1 / scale, y1 + 0.5 / scale), (x0 + 50 / scale, y1),
                                              (x0, y1 - 50 / scale)])]])
    got = interactive._paths(geoms, x0, y1, scale)
    want = [_path_by_ring(geom, x0, y1, scale) for geom in geoms]
    assert got == want
    assert got[-4] == got[-3] == got[-2] == "" and got[-1] == "M-1,-0.5 50,0 0,50Z"
    assert sum(p.count("M") for p in got) > len(g)  # islands and holes are rings of their own
