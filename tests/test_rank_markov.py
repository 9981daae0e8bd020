"""Rank Markov chains (spatialq.markov.rank_markov, standing on giddy 2.3.8) on libpysal's us_income
(48 states, per-capita income): transition counts equal a brute-force count of rank moves, the chain is doubly
stochastic (uniform steady state), the numbers are giddy's for the id-sorted panel, and row order, ties and the
refusals behave as documented."""

import libpysal
import numpy as np
import pandas as pd
import pytest
from giddy.markov import FullRank_Markov, GeoRank_Markov

from spatialq._guards import InputError
from spatialq.markov import rank_markov

YEARS = range(1929, 1961)


@pytest.fixture(scope="module")
def income():
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    names = f.by_col["Name"]
    rows = [{"state": s, "year": y, "pci": v} for y in YEARS for s, v in zip(names, f.by_col[str(y)])]
    return pd.DataFrame(rows)


def _brute(df, kind):
    wide = df.pivot(index="state", columns="year", values="pci").sort_index()
    n = len(wide)
    # 1 = highest; among ties (the data has some) the unit later in id order ranks higher
    ranks = n + 1 - wide.rank(ascending=True, method="first").astype(int).to_numpy()
    c = np.zeros((n, n))
    for t in range(ranks.shape[1] - 1):
        if kind == "full":
            for i in range(n):
                c[ranks[i, t] - 1, ranks[i, t + 1] - 1] += 1
        else:
            holder_t = np.argsort(ranks[:, t])  # unit holding rank 1, 2, … at t
            holder_u = np.argsort(ranks[:, t + 1])
            for r in range(n):
                c[holder_t[r], holder_u[r]] += 1
    return c, wide


@pytest.mark.parametrize("kind", ["full", "geo"])
def test_counts_are_brute_force_rank_moves(income, kind):
    r = rank_markov(income, "pci", kind=kind, id="state")
    c, wide = _brute(income, kind)
    np.testing.assert_array_equal(r.counts.to_numpy(), c)
    p = r.probabilities.to_numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=0), 1, rtol=1e-12)  # doubly stochastic
    np.testing.assert_allclose(r.steady_state.to_numpy(), 1 / len(wide), rtol=1e-8)
    if kind == "geo":
        assert list(r.counts.index) == sorted(income["state"].unique())
    else:
        assert list(r.counts.index) == list(range(1, 49))
    f = r.to_frame()
    np.testing.assert_allclose(f["p_stay"], np.diag(p))
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(f["sojourn"], 1 / (1 - np.diag(p)))
    np.testing.assert_allclose(f["recurrence"], len(wide), rtol=1e-8)  # 1/π with π uniform


@pytest.mark.parametrize("kind, cls", [("full", FullRank_Markov), ("geo", GeoRank_Markov)])
def test_equals_giddy_on_the_sorted_panel(income, kind, cls):
    r = rank_markov(income.sample(frac=1, random_state=4), "pci", kind=kind, id="state")
    y = income.pivot(index="state", columns="year", values="pci").sort_index().to_numpy()
    g = cls(y, summary=False)
    np.testing.assert_array_equal(r.counts.to_numpy(), g.transitions)
    np.testing.assert_allclose(r.probabilities.to_numpy(), g.p, rtol=1e-15)
    np.testing.assert_allclose(r.mfpt.to_numpy(), g.mfpt, rtol=1e-12)
    np.testing.assert_allclose(r.sojourn.to_numpy(), g.sojourn_time, rtol=1e-12)


def test_row_order_and_ties():
    # two units tie in 2001: the one later in id order ranks higher (giddy's ordinal rule), whatever the row order
    df = pd.DataFrame({"id": ["a", "b", "c", "a", "b", "c", "a", "b", "c"],
                       "year": [2000] * 3 + [2001] * 3 + [2002] * 3,
                       "x": [3.0, 2.0, 1.0, 5.0, 5.0, 1.0, 1.0, 2.0, 3.0]})
    r = rank_markov(df, "x", id="id")
    ranks = r.ranks.set_index(["id", "year"])["rank"]
    assert ranks[("b", 2001)] == 1 and ranks[("a", 2001)] == 2
    g = FullRank_Markov(np.array([[3.0, 5, 1], [2, 5, 2], [1, 1, 3]]), summary=False)
    np.testing.assert_array_equal(ranks.unstack().to_numpy(), g.ranks)
    s = rank_markov(df.iloc[::-1], "x", id="id")
    pd.testing.assert_frame_equal(r.counts, s.counts)
    pd.testing.assert_frame_equal(r.ranks, s.ranks)


def test_refusals(income):
    with pytest.raises(InputError, match="kind"):
        rank_markov(income, "pci", id="state", kind="spatial")
    with pytest.raises(InputError, match="unbalanced"):
        rank_markov(income.iloc[1:], "pci", id="state")
    with pytest.raises(InputError, match="equally spaced"):
        rank_markov(income[income["year"] != 1931], "pci", id="state")
    with pytest.raises(InputError, match="two"):
        rank_markov(income[income["year"] == 1931], "pci", id="state")
    with pytest.raises(ValueError, match="constant"):
        rank_markov(income.assign(pci=1.0), "pci", id="state")
    few = income[income["state"].isin(["Alabama", "Arizona"])]
    with pytest.raises(ValueError, match="at least 3"):
        rank_markov(few, "pci", id="state")


def test_summary_and_plot(income):
    import matplotlib

    matplotlib.use("Agg")
    r = rank_markov(income, "pci", id="state", kind="geo")
    text = r.summary()
    assert "doubly stochastic" in text and "Alabama" in text
    ax = r.plot()
    assert ax.images[0].get_array().shape == (48, 48)
