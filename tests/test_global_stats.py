"""Geary's C, General G and join counts (spatialq.hotspot, standing on esda 2.8) against spdep 1.2-7's
geary.test, globalG.test, joincount.test and joincount.multi on Columbus
(tests/reference/hotspot/global_stats.R and global_stats.json); permutation inference checked against esda's
statistics of the same permuted values (brute force)."""

import json
from pathlib import Path

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples
from libpysal.weights import WSP

from spatialq import weights
from spatialq._guards import InputError
from spatialq._wmatrix import aligned
from spatialq.hotspot import geary, general_g, join_counts
from spatialq.hotspot._perm import folded_pvalue, period_seed, permutation_indices

REF = json.loads((Path(__file__).parent / "reference" / "hotspot" / "global_stats.json").read_text())


@pytest.fixture(scope="module")
def columbus():
    col = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
    col["HI"] = REF["hicrime"]
    return col, weights.contiguity(col, islands="raise")


def _two_sided(p_one):
    return 2 * min(p_one, 1 - p_one)


@pytest.mark.parametrize("transform, style", [("r", "W"), ("b", "B")])
@pytest.mark.parametrize("column", ["CRIME", "HOVAL"])
def test_geary_equals_spdep(columbus, transform, style, column):
    col, w = columbus
    r = geary(col, column, w, by=None, id="POLYID", transform=transform, permutations=99, seed=0).to_frame()
    assert len(r) == 1
    r = r.iloc[0]
    rand, norm = REF[f"geary_{style}_{column}_rand"], REF[f"geary_{style}_{column}_norm"]
    assert r.C == pytest.approx(rand["statistic"], rel=1e-10)
    assert r.expectation == rand["expectation"] == 1
    assert r.variance_rand == pytest.approx(rand["variance"], rel=1e-10)
    assert r.variance_norm == pytest.approx(norm["variance"], rel=1e-10)
    # spdep: z = (1 − C)/sd, one-sided "greater"; here (C − 1)/sd, two-sided
    assert r.z_rand == pytest.approx(-rand["z"], rel=1e-10)
    assert r.z_norm == pytest.approx(-norm["z"], rel=1e-10)
    assert r.p_rand == pytest.approx(_two_sided(rand["p"]), rel=1e-8, abs=1e-300)
    assert r.p_norm == pytest.approx(_two_sided(norm["p"]), rel=1e-8, abs=1e-300)


@pytest.mark.parametrize("column", ["CRIME", "HOVAL"])
def test_general_g_equals_spdep(columbus, column):
    col, w = columbus
    r = general_g(col, column, w, by=None, id="POLYID", permutations=0).to_frame().iloc[0]
    ref = REF[f"general_g_{column}"]
    assert r.G == pytest.approx(ref["statistic"], rel=1e-10)
    assert r.expectation == pytest.approx(ref["expectation"], rel=1e-12)
    assert r.variance == pytest.approx(ref["variance"], rel=1e-10)
    assert r.z == pytest.approx(np.ravel(ref["z"])[0], rel=1e-10)
    assert r.p == pytest.approx(_two_sided(np.ravel(ref["p"])[0]), rel=1e-8)
    assert np.isnan(r.p_sim)


def test_join_counts_equal_spdep(columbus):
    col, w = columbus
    r = join_counts(col, "HI", w, by=None, id="POLYID", permutations=0).to_frame().set_index("join")
    assert list(r.index) == ["bb", "ww", "bw"]
    for j in ("bb", "ww"):
        ref = REF["joincount_test"][j]
        assert r.loc[j, "count"] == ref["statistic"]
        assert r.loc[j, "expectation"] == pytest.approx(ref["expectation"], rel=1e-12)
        assert r.loc[j, "variance"] == pytest.approx(ref["variance"], rel=1e-10)
        assert r.loc[j, "z"] == pytest.approx(ref["z"], rel=1e-10)
        assert r.loc[j, "p"] == pytest.approx(_two_sided(ref["p"]), rel=1e-8)
    ref = REF["joincount_multi"]["1:0"]
    assert r.loc["bw", "count"] == ref["Joincount"]
    assert r.loc["bw", "expectation"] == pytest.approx(ref["Expected"], rel=1e-12)
    assert r.loc["bw", "variance"] == pytest.approx(ref["Variance"], rel=1e-10)
    assert r.loc["bw", "z"] == pytest.approx(ref["z-value"], rel=1e-10)
    assert r["count"].sum() == pytest.approx(float(aligned(w, list(col.index), transform="b").sum()) / 2)


def _esda_sims(x, m, seed, permutations, stat):
    """esda's statistic of each permutation the engine draws (period 0's stream of ``seed``)."""
    W = WSP(m).to_W(silence_warnings=True)
    rows = permutation_indices(m, len(x), permutations=permutations, seed=period_seed(seed, 0))
    return np.array([stat(x[r], W) for r in rows])


def test_permutations_equal_esda_brute_force(columbus):
    """Each permuted statistic is esda's statistic of the permuted values (same seeded permutations)."""
    col, w = columbus
    ids = list(col.index)
    P = 49
    x = col["CRIME"].to_numpy(float)
    cases = [
        (geary(col, "CRIME", w, by=None, id="POLYID", permutations=P, seed=7).to_frame().iloc[0], "C",
         aligned(w, ids, transform="r"), x,
         lambda v, W: esda.Geary(v, W, transformation="o", permutations=0).C),
        (general_g(col, "CRIME", w, by=None, id="POLYID", permutations=P, seed=7).to_frame().iloc[0], "G",
         aligned(w, ids, transform="b"), x, lambda v, W: esda.G(v, W, permutations=0).G),
    ]
    jc = join_counts(col, "HI", w, by=None, id="POLYID", permutations=P, seed=7).to_frame().set_index("join")
    hi = col["HI"].to_numpy(float)
    for j in ("bb", "ww", "bw"):
        cases.append((jc.loc[j], "count", aligned(w, ids, transform="b"), hi,
                      lambda v, W, j=j: getattr(esda.Join_Counts(v, W, permutations=0), j)))
    for row, stat_col, m, values, stat in cases:
        with np.errstate(all="ignore"):
            sims = _esda_sims(values, m, 7, P, stat)
        obs = row[stat_col]
        assert row.p_sim == pytest.approx(folded_pvalue(sims, obs, P), abs=1e-12)
        assert row.z_sim == pytest.approx((obs - sims.mean()) / sims.std(ddof=1), rel=1e-9)


def test_panel_row_order_seed_and_no_mutation(columbus):
    col, w = columbus
    base = col[["CRIME", "HOVAL", "HI"]].reset_index()
    panel = pd.concat([base.assign(year=2020), base.assign(year=2021, CRIME=base["HOVAL"])], ignore_index=True)
    before = (w.transform, {k: list(v) for k, v in w.weights.items()})
    for f, c in ((geary, "CRIME"), (general_g, "CRIME"), (join_counts, "HI")):
        a = f(panel, c, w, id="POLYID", permutations=99, seed=3).to_frame()
        b = f(panel.sample(frac=1, random_state=2), c, w, id="POLYID", permutations=99, seed=3).to_frame()
        pd.testing.assert_frame_equal(a, b)
        assert list(a["year"].unique()) == [2020, 2021]
        one = f(col, c, w, by=None, id="POLYID", permutations=99, seed=3).to_frame()
        first = a[a["year"] == 2020].drop(columns="year").reset_index(drop=True)
        stat = {"geary": "C", "general_g": "G", "join_counts": "count"}[f.__name__]
        np.testing.assert_allclose(first[stat], one[stat], rtol=1e-12)
    assert (w.transform, {k: list(v) for k, v in w.weights.items()}) == before  # esda got copies


def test_refusals(columbus):
    col, w = columbus
    with pytest.raises(InputError, match="0/1"):
        join_counts(col, "CRIME", w, by=None, id="POLYID")
    with pytest.raises(InputError, match="negative"):
        general_g(col.assign(CRIME=col["CRIME"] - 30), "CRIME", w, by=None, id="POLYID")
    with pytest.raises(ValueError, match="constant"):
        geary(col.assign(CRIME=1.0), "CRIME", w, by=None, id="POLYID")
    with pytest.raises(ValueError, match="constant"):
        join_counts(col.assign(HI=1), "HI", w, by=None, id="POLYID")
    with pytest.raises(InputError, match="sparse"):
        geary(col, "CRIME", aligned(w, list(col.index)), by=None, id="POLYID")
    with pytest.raises(InputError, match="transform"):
        geary(col, "CRIME", w, by=None, id="POLYID", transform="x")
    with pytest.raises(InputError, match="permutations"):
        geary(col, "CRIME", w, by=None, id="POLYID", permutations=-1)
    small = col.iloc[:3]
    with pytest.raises(ValueError):
        geary(small, "CRIME", w, by=None, id="POLYID")


def test_plot_and_summary(columbus):
    import matplotlib

    matplotlib.use("Agg")
    col, w = columbus
    r = join_counts(col, "HI", w, by=None, id="POLYID", permutations=9, seed=0)
    text = r.summary()
    assert "Join counts" in text and "bw" in text
    ax = r.plot()
    assert len(ax.get_lines()) == 5  # bb, ww, bw and the ±1.96 lines
