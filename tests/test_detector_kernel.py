"""The grouped-pass kernel of the geographical detector (spatialq.detector._pairs) against brute force.

Counts and sums per stratum of every factor and overlaid pair are checked against a pandas groupby, on data
with ties in y, single-row strata, gaps in the integer labels and factors with many strata (which take the
pair-by-pair and the only-occurring-cells paths); q and q12 against the definition; row order and the
grouping must not change the numbers.
"""

import itertools

import numpy as np
import pandas as pd
import pytest

from spatialq import detector
from spatialq.detector._pairs import overlay_sums, plan_groups
from spatialq.detector._q import codes
from spatialq.detector.geodetector import _strata_frame


def _data(seed: int, n: int = 400, sizes=(2, 3, 5, 8, 4, 7, 3)):
    rng = np.random.default_rng(seed)
    cols = {}
    for i, L in enumerate(sizes):
        c = rng.integers(0, L, n)
        c[rng.integers(0, n)] = L  # a stratum of one row
        cols[f"x{i}"] = c * 3 - 5  # gaps and negative labels
    y = rng.integers(0, 6, n).astype(float)  # many ties
    y += sum(c * 0.1 * (i + 1) for i, c in enumerate(cols.values()))
    return pd.DataFrame({"y": y, **cols})


def _brute(df, cols):
    """Count and sum of the centred y per cell of ``cols`` (the occurring cells), by pandas groupby."""
    yc = df["y"] - df["y"].mean()
    g = yc.groupby([df[c] for c in cols])
    return pd.DataFrame({"n": g.size(), "s": g.sum()})


def _codes(df, names):
    cs = [codes(df[f].to_numpy()) for f in names]
    return [c for c, _ in cs], [len(lab) for _, lab in cs], [lab for _, lab in cs]


@pytest.mark.parametrize("cap", [1 << 16, 64, 4])
def test_overlay_sums_equal_groupby(cap):
    df = _data(1)
    names = [c for c in df if c != "y"]
    cs, sizes, labels = _codes(df, names)
    yc = (df["y"] - df["y"].mean()).to_numpy()
    single, pair = overlay_sums(yc, cs, sizes, cap=cap)
    for i, f in enumerate(names):
        ref = _brute(df, [f])
        assert np.array_equal(single[i][0], ref["n"].to_numpy())  # labels sorted: index = code
        np.testing.assert_allclose(single[i][1], ref["s"].to_numpy(), rtol=1e-12, atol=1e-12)
    for (i, a), (j, b) in itertools.combinations(enumerate(names), 2):
        cnt, s1 = pair[i, j]
        ref = _brute(df, [a, b])
        ia = np.searchsorted(labels[i], ref.index.get_level_values(0))
        ib = np.searchsorted(labels[j], ref.index.get_level_values(1))
        dense = np.zeros(sizes[i] * sizes[j], dtype=np.int64)
        dense[ia * sizes[j] + ib] = ref["n"].to_numpy()
        assert np.array_equal(cnt, dense), (a, b)
        ds = np.zeros(sizes[i] * sizes[j])
        ds[ia * sizes[j] + ib] = ref["s"].to_numpy()
        np.testing.assert_allclose(s1, ds, rtol=1e-12, atol=1e-12)


def test_sparse_pairs_equal_groupby():
    """Two factors of 150 strata on 300 rows: 22,500 possible cells > 4N, only the occurring cells are kept."""
    rng = np.random.default_rng(2)
    n = 300
    df = pd.DataFrame({"y": rng.normal(size=n), "a": rng.permutation(np.arange(n) // 2),
                       "b": rng.permutation(np.arange(n) // 2), "c": rng.integers(0, 3, n)})
    cs, sizes, _ = _codes(df, ["a", "b", "c"])
    yc = (df["y"] - df["y"].mean()).to_numpy()
    _, pair = overlay_sums(yc, cs, sizes, cap=64)
    cnt, s1 = pair[0, 1]
    ref = _brute(df, ["a", "b"])
    assert len(cnt) == len(ref) < sizes[0] * sizes[1]
    got = pd.Series(s1).sort_values().to_numpy()
    np.testing.assert_allclose(got, ref["s"].sort_values().to_numpy(), rtol=1e-12, atol=1e-13)
    assert sorted(cnt.tolist()) == sorted(ref["n"].tolist())


def test_plan_groups():
    sizes = [3 + i % 6 for i in range(20)]
    groups = plan_groups(sizes, 1 << 16)
    assert [f for g in groups for f in g] == list(range(20))
    assert all(np.prod([sizes[f] for f in g]) <= 256 for g in groups)
    assert len(groups) <= 8  # 28 passes, not 210
    assert plan_groups([1000, 2, 3, 900], 1 << 16) == [[0], [1, 2], [3]]


def _q_definition(y, strata):
    """Wang et al. (2010): q = 1 − Σ_h N_h σ_h² / (N σ²), population variances (a stratum of one row: σ_h = 0)."""
    d = pd.DataFrame({"y": y, "h": strata})
    within = d.groupby("h")["y"].agg(lambda v: len(v) * v.var(ddof=0)).sum()
    return 1 - within / (len(d) * d["y"].var(ddof=0))


def test_q_and_q12_equal_definition():
    df = _data(3, n=500)
    names = [c for c in df if c != "y"]
    r = detector.geodetector(df, "y", names, risk=False, ecological=False)
    for f in names:
        assert r.factor.loc[f, "q"] == pytest.approx(_q_definition(df["y"], df[f]), rel=1e-12, abs=1e-14)
    assert len(r.interaction) == 21
    for row in r.interaction.itertuples():
        both = df[row.factor1].astype(str) + "|" + df[row.factor2].astype(str)
        assert row.q12 == pytest.approx(_q_definition(df["y"], both), rel=1e-12, abs=1e-14)


def test_row_order_invariance():
    df = _data(4, n=600)
    names = [c for c in df if c != "y"]
    perm = np.random.default_rng(5).permutation(len(df))
    a = detector.geodetector(df, "y", names)
    b = detector.geodetector(df.iloc[perm], "y", names)
    pd.testing.assert_frame_equal(a.factor, b.factor, rtol=1e-12, atol=1e-14)
    pd.testing.assert_frame_equal(a.interaction, b.interaction, rtol=1e-12, atol=1e-14)
    pd.testing.assert_frame_equal(a.risk, b.risk, rtol=1e-12, atol=1e-14)
    pd.testing.assert_frame_equal(a.risk_tests, b.risk_tests, rtol=1e-10, atol=1e-14)
    pd.testing.assert_frame_equal(a.ecological, b.ecological, rtol=1e-10, atol=1e-14)
    pd.testing.assert_frame_equal(a.strata.loc[b.strata.index], b.strata)


def test_many_strata_factor_and_exact_risk():
    """A factor of 40 strata (> √cap at small caps: its own group) and the risk detector by brute force."""
    from scipy import stats

    rng = np.random.default_rng(6)
    n = 240
    df = pd.DataFrame({"y": rng.normal(size=n), "big": np.arange(n) % 40, "s": rng.integers(0, 3, n)})
    df.loc[0, "s"] = 7  # a one-row stratum: risk tests with it are NaN
    r = detector.geodetector(df, "y", ["big", "s"])
    assert r.interaction.loc[0, "q12"] == pytest.approx(
        _q_definition(df["y"], df["big"].astype(str) + "|" + df["s"].astype(str)), rel=1e-12)
    risk = r.risk.set_index(["factor", "stratum"])
    for f in ("big", "s"):
        g = df.groupby(f)["y"]
        assert np.array_equal(risk.loc[f, "n"].to_numpy(), g.size().to_numpy())
        np.testing.assert_allclose(risk.loc[f, "mean"].to_numpy(), g.mean().to_numpy(), rtol=1e-13)
        np.testing.assert_allclose(risk.loc[f, "sd"].to_numpy(), g.std(ddof=1).to_numpy(), rtol=1e-12)
    for t in r.risk_tests[r.risk_tests["factor"] == "s"].itertuples():
        a = df.loc[df["s"] == t.stratum_a, "y"]
        b = df.loc[df["s"] == t.stratum_b, "y"]
        if min(len(a), len(b)) < 2:
            assert np.isnan(t.p) and t.significant is None
            continue
        ref = stats.ttest_ind(a, b, equal_var=False)
        assert t.t == pytest.approx(ref.statistic, rel=1e-12)
        assert t.p == pytest.approx(ref.pvalue, rel=1e-10)


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "uint32", "int64", "uint64"])
def test_codes_equal_factorize(dtype):
    rng = np.random.default_rng(7)
    info = np.iinfo(dtype)
    for lo in (info.min, max(info.min, -3), info.max - 200):
        v = (rng.integers(0, 100, 500) * 2).astype(np.uint64 if dtype == "uint64" else np.int64)
        v = np.asarray(v + np.array(lo).astype(v.dtype) if lo >= 0 else v.astype(np.int64) + lo).astype(dtype)
        got, labels = codes(v)
        inv, ref = pd.factorize(pd.Series(v), sort=True)
        assert np.array_equal(got, inv) and labels.dtype == np.asarray(ref).dtype
        assert np.array_equal(labels, np.asarray(ref))
    v = np.array([info.min, info.max, info.min, info.max], dtype=dtype)  # wide range: the hashing path
    assert codes(v)[0].tolist() == [0, 1, 0, 1]


def test_strata_frame_same_as_dict():
    df = pd.DataFrame({"a": np.arange(6) % 2, "b": np.arange(6, dtype=np.int8) % 3, "c": np.arange(6.0),
                       "d": np.arange(6) % 2 == 0, "e": list("xyxyxy")}, index=list("pqrstu"))
    for factors, disc in ((["a", "b", "d"], {}), (["a", "c"], {"c": None}), (["a", "e"], {})):
        strata = {f: df[f].to_numpy() for f in factors}
        for f in disc:
            strata[f] = np.searchsorted([2.5], df[f].to_numpy())
        ref = pd.DataFrame(strata, index=df.index)
        pd.testing.assert_frame_equal(_strata_frame(df, factors, strata, disc), ref, check_exact=True,
                                      check_column_type=True)
