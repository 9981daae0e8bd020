"""Bad inputs to the hotspot statistics, the Markov chains and the weights builders (issue 14).

Every per-period error names the period; island errors name the unit and say how to rebuild the weights
(the same words for every statistic); scale-invariant statistics at 1e200 give the number at scale 1."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from libpysal.weights import W

from bad_inputs import Case
from spatialq import hotspot, markov, weights
from spatialq._guards import InputError
from spatialq._wmatrix import ISLAND_FIX, IslandError

IDS = [f"{110000 + 10000 * i}" for i in range(8)]
#: a ring of 8 units, each linked to the two next to it and to the one opposite (cubic, no island)
RING = W({u: [IDS[(i - 1) % 8], IDS[(i + 1) % 8], IDS[(i + 4) % 8]] for i, u in enumerate(IDS)})
PAIR = W({"a": ["b"], "b": ["a"]})
PATH4 = W({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]})
ISLAND = W({"a": ["b"], "b": ["a", "c"], "c": ["b"], "d": []}, silence_warnings=True)
COMPLETE = W({u: [v for v in "abcde" if v != u] for u in "abcde"})


@cache
def _panel(years=(2015, 2016, 2017), seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"adcode": np.repeat(IDS, len(years)), "year": np.tile(years, len(IDS)),
                         "v": rng.lognormal(size=len(IDS) * len(years))})


def panel(**assign) -> pd.DataFrame:
    return _panel().assign(**assign)


def constant_in(year: int) -> pd.DataFrame:
    df = panel()
    df.loc[df["year"] == year, "v"] = 3.0
    return df


def small(ids: str, values, years=(2015,)) -> pd.DataFrame:
    return pd.DataFrame({"adcode": list(ids) * len(years), "year": np.repeat(years, len(ids)),
                         "v": np.tile(np.asarray(values, dtype=float), len(years))})


def at_scale(fn, scale: float, *cols: str):
    """The statistic at ``scale`` equals the statistic at scale 1 (columns ``cols`` of the table)."""
    def check(result):
        ref = fn(panel()).table
        for c in cols:
            assert np.allclose(result.table[c].to_numpy(float), ref[c].to_numpy(float), rtol=1e-10, atol=1e-12), c
    return dict(call=lambda: fn(panel(v=_panel()["v"] * scale)), check=check)


def same_as(fn, transform):
    """The result on the transformed input equals the result on the plain panel."""
    def check(result):
        ref = fn(panel())
        a, b = (result.counts, ref.counts) if hasattr(ref, "counts") else (result.table, ref.table)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        else:
            assert np.array_equal(a, b)
    return dict(call=lambda: fn(transform(panel())), check=check)


def _moran(df, **kw):
    return hotspot.moran(df, "v", RING, seed=1, permutations=99, **kw)


def _lisa(df, **kw):
    return hotspot.local_moran(df, "v", RING, seed=1, permutations=99, **kw)


def _gi(df, **kw):
    return hotspot.gi_star(df, "v", RING, breaks=None, **kw)


def _markov(df):
    return markov.markov(df, "v", classes=3)


def _smarkov(df):
    return markov.spatial_markov(df, "v", RING, classes=3)


def _lmarkov(df):
    return markov.lisa_markov(df, "v", RING)


def _squares(n: int):
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame({"adcode": IDS[:n]}, geometry=[box(i, 0, i + 1, 1) for i in range(n)],
                            crs=4326).set_index("adcode")


def _weights_file(name: str, text: str):
    path = Path(tempfile.mkdtemp(prefix="spatialq-bad-")) / name
    path.write_text(text)
    return weights.load(path)


def _ai():
    from spatialq.datasets import ai_index_provinces

    return ai_index_provinces()


def _unit_at_mean_not_significant(result):
    t = result.table.set_index("id")
    assert t.loc["b", "p_sim"] == 1.0 and t.loc["b", "z"] == 0.0 and t.loc["b", "cluster"] == "ns"


def _moran_multiindex_equal(result):
    ref = _moran(panel())
    pd.testing.assert_frame_equal(result.table, ref.table)


CASES = [
    # --- too few units (the minimum per statistic, named with the period) ----------------------------------
    Case("moran_two_units", lambda: hotspot.moran(small("ab", [1, 2]), "v", PAIR),
         InputError, ("moran needs at least 4 units", "there are 2", "2015"),
         issue="moran with two units: I = −1, p_sim 0.001 although every permutation gives the same I"),
    Case("moran_three_units", lambda: hotspot.moran(small("abc", [1, 2, 4]), "v",
                                                     W({"a": ["b"], "b": ["a", "c"], "c": ["b"]})),
         InputError, ("at least 4 units", "there are 3", "2015")),
    Case("local_moran_two_units", lambda: hotspot.local_moran(small("ab", [1, 2]), "v", PAIR),
         InputError, ("local_moran needs at least 3 units", "2015"),
         issue="local_moran with two units: ZeroDivisionError"),
    Case("gi_star_two_units", lambda: hotspot.gi_star(small("ab", [1, 2]), "v", PAIR),
         InputError, ("gi_star needs at least 3 units", "2015")),
    # --- constant values per period ----------------------------------------------------------------------
    Case("moran_constant_year", lambda: _moran(constant_in(2016)), InputError, ("'v'", "constant", "2016")),
    Case("local_moran_constant_year", lambda: _lisa(constant_in(2016)), InputError, ("'v'", "constant", "2016")),
    Case("gi_star_constant_year", lambda: _gi(constant_in(2017)), InputError, ("'v'", "constant", "2017")),
    # --- magnitudes: scale-invariant statistics are rescaled ---------------------------------------------
    Case("moran_1e200", **at_scale(_moran, 1e200, "I", "z_rand", "z_norm", "p_sim"),
         issue="Values around 1e200: Moran's I = NaN"),
    Case("moran_1e-200", **at_scale(_moran, 1e-200, "I", "z_rand", "p_sim")),
    Case("local_moran_1e200", **at_scale(_lisa, 1e200, "Ii", "z", "p_sim")),
    Case("gi_star_1e200", **at_scale(_gi, 1e200, "gi_star", "z", "p")),
    # --- degenerate permutation distributions ------------------------------------------------------------
    Case("moran_complete_graph", lambda: hotspot.moran(small("abcde", [1, 3, 2, 5, 4]), "v", COMPLETE),
         InputError, ("moran", "every permutation of 'v' gives the same I", "2015"),
         issue="a permutation p-value reported for a degenerate permutation distribution"),
    Case("local_moran_unit_at_mean", lambda: hotspot.local_moran(small("abcd", [1, 2, 3, 2]), "v", PATH4, seed=1),
         check=_unit_at_mean_not_significant),
    # --- islands: one policy for every statistic -----------------------------------------------------------
    Case("gi_star_island", lambda: hotspot.gi_star(small("abcd", [1, 2, 4, 3]), "v", ISLAND, breaks=None),
         IslandError, ("gi_star", "without neighbours", ": d", "2015", ISLAND_FIX),
         issue="gi_star with a weights matrix that has an island: z and a class for the island"),
    Case("moran_island_binary", lambda: hotspot.moran(small("abcd", [1, 2, 4, 3]), "v", ISLAND, transform="b"),
         IslandError, ("moran", ": d", ISLAND_FIX)),
    Case("local_moran_island", lambda: hotspot.local_moran(small("abcd", [1, 2, 4, 3]), "v", ISLAND),
         IslandError, ("local_moran", ": d", ISLAND_FIX)),
    Case("lisa_markov_island", lambda: markov.lisa_markov(small("abcd", [1, 2, 4, 3], years=(2015, 2016)), "v",
                                                          ISLAND),
         IslandError, ("lisa_markov", ": d", "2015", ISLAND_FIX)),
    Case("spatial_markov_island", lambda: markov.spatial_markov(small("abcd", [1, 2, 4, 3], years=(2015, 2016)),
                                                                "v", ISLAND, classes=2),
         IslandError, ("spatial_markov", ": d", "2015", ISLAND_FIX)),
    # --- options -------------------------------------------------------------------------------------------
    Case("moran_negative_permutations", lambda: hotspot.moran(panel(), "v", RING, permutations=-1),
         InputError, ("permutations", "-1"),
         issue='Negative permutations: "negative dimensions are not allowed"'),
    Case("local_moran_fractional_permutations", lambda: hotspot.local_moran(panel(), "v", RING, permutations=99.5),
         InputError, ("permutations", "whole number", "99.5")),
    Case("gi_star_negative_permutations", lambda: hotspot.gi_star(panel(), "v", RING, permutations=-5),
         InputError, ("permutations", "-5")),
    Case("gi_star_breaks_too_few_units", lambda: hotspot.gi_star(small("abcd", [1, 2, 4, 3], years=(2015, 2016)),
                                                                 "v", PATH4),
         InputError, ("natural breaks", "5 distinct z values", "2015", "breaks=None")),
    # --- frames: MultiIndex, periods, rows -----------------------------------------------------------------
    Case("moran_multiindex", lambda: _moran(panel().set_index(["adcode", "year"])), check=_moran_multiindex_equal,
         issue="A DataFrame with an (id, year) MultiIndex: TypeError: Must pass list-like as names"),
    Case("moran_unnamed_multiindex", lambda: _moran(panel().set_index(["adcode", "year"]).rename_axis([None, None])),
         InputError, ("unnamed MultiIndex", "rename_axis")),
    Case("local_moran_years_as_text", **same_as(_lisa, lambda d: d.assign(year=d["year"].astype(str) + "年"))),
    Case("moran_missing_value", lambda: _moran(panel(v=_panel()["v"].where(_panel().index != 4))),
         InputError, ("'v'", "missing", "('120000', 2016)")),
    Case("gi_star_infinite_value", lambda: _gi(panel(v=_panel()["v"].where(_panel().index != 0, np.inf))),
         InputError, ("'v'", "infinite", "('110000', 2015)")),
    Case("moran_duplicate_rows", lambda: _moran(pd.concat([panel(), panel().iloc[[3]]])),
         InputError, ("rows share an (adcode, year) key", "('120000', 2015)")),
    Case("moran_unit_missing_from_weights_in_a_year", lambda: _moran(panel().drop(index=5)),
         InputError, ("not in the data", "2017")),
    # --- Markov chains: periods in any form ----------------------------------------------------------------
    Case("markov_years_as_text", **same_as(_markov, lambda d: d.assign(year=d["year"].astype(str))),
         issue="markov with string years ('2011'): TypeError: can only concatenate str"),
    Case("markov_years_with_nian", **same_as(_markov, lambda d: d.assign(year=d["year"].astype(str) + "年"))),
    Case("markov_years_as_dates", **same_as(_markov, lambda d: d.assign(year=pd.to_datetime(d["year"].astype(str)))),
         issue='markov with datetime years: "nothing to count"'),
    Case("spatial_markov_years_with_nian", **same_as(_smarkov, lambda d: d.assign(year=d["year"].astype(str) + "年"))),
    Case("lisa_markov_multiindex", **same_as(_lmarkov, lambda d: d.set_index(["adcode", "year"]))),
    Case("markov_quarters_as_text", lambda: _markov(panel(year=_panel()["year"].astype(str) + "Q1")),
         InputError, ("periods in 'year'", "whole numbers", "2015Q1")),
    Case("markov_fractional_step", lambda: markov.markov(panel(), "v", step=0.5), InputError, ("step", "0.5")),
    Case("markov_no_pairs", lambda: markov.markov(panel(), "v", step=5), InputError, ("5 period(s) later", "2015")),
    Case("lisa_markov_constant_year", lambda: _lmarkov(constant_in(2016)), InputError, ("'v'", "constant", "2016")),
    Case("spatial_markov_one_unit_in_a_year",
         lambda: markov.spatial_markov(pd.concat([panel(), small("x", [1.0], years=(2018,))]), "v", RING, classes=3),
         InputError, ("spatial_markov needs at least 2 units", "2018")),
    # --- weights builders ----------------------------------------------------------------------------------
    Case("contiguity_one_unit", lambda: weights.contiguity(_squares(1)), InputError,
         ("contiguity needs at least 2 units", "there is 1"),
         issue='contiguity on one unit: "argmin of an empty sequence"'),
    Case("knn_one_unit", lambda: weights.knn(_squares(1), k=1), InputError, ("knn needs at least 2 units",)),
    Case("economic_henan_sichuan", lambda: weights.economic(_ai(), "ai_index"), InputError,
         ("'410000' and '510000'", "same mean of 'ai_index'"),
         issue="weights.economic: Henan and Sichuan escape the diff == 0 guard and get a weight of 2.25e15"),
    Case("economic_equal_means", lambda: weights.economic(small("abc", [1.0, 2.0, 1.0]), "v"), InputError,
         ("'a' and 'c'", "same mean of 'v'")),
    Case("economic_one_unit", lambda: weights.economic(small("a", [1.0]), "v"), InputError,
         ("economic needs at least 2 units",)),
    Case("gal_bad_count", lambda: _weights_file("bad.gal", "3\n1 1\n2\n2 x\n1\n3 1\n2\n"), InputError,
         ("bad.gal", "line 4", "'2 x'"), issue='A broken GAL file: "invalid literal for int()" with no file or line'),
    Case("gal_wrong_number_of_neighbours", lambda: _weights_file("short.gal", "2\n1 2\n2\n2 1\n1\n"), InputError,
         ("short.gal", "line 3", "should have 2 neighbours")),
    Case("gal_truncated", lambda: _weights_file("cut.gal", "3\n1 1\n2\n2 1\n1\n"), InputError,
         ("cut.gal", "header says 3 units", "has 2")),
    Case("gwt_weight_not_a_number", lambda: _weights_file("bad.gwt", "0 2 shp id\n1 2 0.5\n2 1 n/a\n"), InputError,
         ("bad.gwt", "line 3", "'n/a'")),
]
