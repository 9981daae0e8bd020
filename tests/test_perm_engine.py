"""The permutation engine (spatialq.hotspot._perm / _kernels): exact properties of the draws, agreement with
exact enumeration of the permutation distributions, and the same numbers for every n_jobs (issue 18)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import stats

from spatialq import hotspot
from spatialq.hotspot import _kernels
from spatialq.hotspot._perm import (
    PERM_BLOCK,
    UNIT_BLOCK,
    conditional_pvalues,
    folded_pvalue,
    period_seed,
    permutation_indices,
    permuted_forms,
)


def _ring(n: int, k: int = 2) -> sp.csr_matrix:
    """Each unit linked to its k following units on a ring, row-standardised (not symmetric for k > 1)."""
    rows = np.repeat(np.arange(n), k)
    cols = (rows + np.tile(np.arange(1, k + 1), n)) % n
    return sp.csr_matrix((np.full(n * k, 1.0 / k), (rows, cols)), shape=(n, n))


def test_distinct_draws_exclude_nothing_twice_and_restore_the_pool():
    n1, k, P = 9, 4, 5000
    pool = np.arange(n1)
    draws = np.empty((P, k), dtype=np.int64)
    state = np.uint64(7)
    for p in range(P):
        state = np.uint64(_kernels._distinct(state, n1, k, pool, np.empty(k, np.int64), draws, p))
    assert np.array_equal(pool, np.arange(n1))
    assert all(len(set(r)) == k for r in draws.tolist())
    assert draws.min() == 0 and draws.max() == n1 - 1
    # every ordered k-tuple equally likely: first two positions uniform over the 72 ordered pairs
    counts = np.bincount(draws[:, 0] * n1 + draws[:, 1], minlength=n1 * n1).reshape(n1, n1)
    assert np.all(np.diag(counts) == 0)
    off = counts[~np.eye(n1, dtype=bool)]
    assert stats.chisquare(off).pvalue > 1e-4


def test_global_permutations_are_uniform_and_match_the_forms():
    n = 5
    m = _ring(n)
    rows = permutation_indices(m, n, permutations=12_000, seed=3)
    assert all(sorted(r) == list(range(n)) for r in rows[:200].tolist())
    code = np.array([int("".join(map(str, r))) for r in rows.tolist()])
    _, counts = np.unique(code, return_counts=True)
    assert len(counts) == math.factorial(n)
    assert stats.chisquare(counts).pvalue > 1e-4
    x = np.array([3.0, -1.0, 0.5, 2.0, -4.5])
    c, e = np.arange(1.0, n + 1), np.linspace(-1, 1, n)
    f = permuted_forms(x, m, permutations=12_000, seed=3, linear=c, squares=e)
    xp = x[rows]
    assert np.allclose(f[:, 0], np.einsum("pi,pi->p", xp, (m @ xp.T).T), rtol=1e-13, atol=1e-13)
    assert np.allclose(f[:, 1], xp @ c, rtol=1e-13, atol=1e-13)
    assert np.allclose(f[:, 2], (xp * xp) @ e, rtol=1e-13, atol=1e-13)


def test_global_kernel_gives_the_same_numbers_at_every_width():
    """Permutations laid side by side (width) only change memory traffic: every width, including one that
    does not divide the count, gives bit-identical forms (the sums run in the same order)."""
    from spatialq.hotspot._perm import _global_layout

    rng = np.random.default_rng(5)
    n = 400
    m = _ring(n, 3) + sp.diags(np.full(n, 0.25))
    _, upper, diag = _global_layout(m, n)
    lin = rng.normal(size=(n, 2))
    x = rng.normal(size=n)
    ptr, idx = upper.indptr.astype(np.int64), upper.indices.astype(np.int64)
    runs = [_kernels.global_block(ptr, idx, upper.data, diag, lin, x, 37, np.uint64(11), w) for w in (1, 3, 8)]
    assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[0], runs[2])
    assert np.ptp(runs[0][:, 0]) > 0


def test_global_moran_pvalue_equals_exact_enumeration():
    """p_sim converges to the exact permutation p-value over all 8! arrangements (within 4.5 MC SE)."""
    n = 8
    m = _ring(n, 2)
    x = np.array([5.0, 4.0, 4.5, 1.0, 0.0, 0.5, 2.0, 3.0])
    z = x - x.mean()
    obs = z @ (m @ z)
    allq = np.array([np.asarray(z)[list(p)] @ (m @ np.asarray(z)[list(p)]) for p in itertools.permutations(range(n))])
    tol = 1e-9 * np.abs(allq).max()
    exact = min(np.mean(allq >= obs - tol), np.mean(allq <= obs + tol))
    P = 40_000
    df = pd.DataFrame({"id": np.arange(n), "v": x})
    r = hotspot.moran(df, "v", m, by=None, id="id", permutations=P, seed=11).table.iloc[0]
    se = math.sqrt(exact * (1 - exact) / P)
    assert abs(r["p_sim"] - exact) < 4.5 * se + 1.0 / (P + 1)
    assert r["mean_sim"] == pytest.approx(-1.0 / (n - 1), abs=4.5 * math.sqrt(r["variance_rand"] / P))


def test_local_pvalues_equal_exact_conditional_enumeration():
    """Each unit's conditional p-value against all ordered k-tuples of the other units."""
    n, k = 9, 3
    m = _ring(n, k)
    rng = np.random.default_rng(4)
    x = rng.normal(size=n)
    obs = x * (m @ x)
    P = 30_000
    p_sim, mean, sd = conditional_pvalues(x, m, obs, x, permutations=P, seed=2)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        stat = np.array([x[i] * np.mean(x[list(t)]) for t in itertools.permutations(others, k)])
        tol = 1e-9 * max(abs(obs[i]), np.abs(stat).max())
        exact = min(np.mean(stat >= obs[i] - tol), np.mean(stat <= obs[i] + tol))
        se = math.sqrt(max(exact * (1 - exact), 1e-4) / P)
        assert abs(p_sim[i] - exact) < 4.5 * se + 1.0 / (P + 1), i
        assert mean[i] == pytest.approx(stat.mean(), abs=4.5 * stat.std() / math.sqrt(P))
        assert sd[i] == pytest.approx(stat.std(), rel=0.05)


def test_local_engine_agrees_with_a_numpy_reference_of_the_same_draws():
    """Re-draw the engine's draws in Python (same SplitMix64 stream per block) and recompute every p-value."""
    n = 300
    rng = np.random.default_rng(0)
    m = sp.random(n, n, density=0.03, random_state=2, format="csr")
    m.setdiag(0)
    m.eliminate_zeros()
    x = rng.normal(size=n)
    slope, icpt = rng.normal(size=n), rng.normal(size=n)
    obs = slope * (m @ x) + icpt
    P = 64
    p_sim, mean, _ = conditional_pvalues(x, m, obs, slope, icpt, permutations=P, seed=5)
    from spatialq.hotspot._perm import _states

    states = _states(5, -(-n // UNIT_BLOCK))
    card = np.diff(m.indptr)
    for b, state in enumerate(states):
        lo, hi = b * UNIT_BLOCK, min(n, (b + 1) * UNIT_BLOCK)
        kb = int(card[lo:hi].max())
        draws = np.empty((P, kb), dtype=np.int64)
        pool = np.arange(n - 1)
        for p in range(P):
            state = np.uint64(_kernels._distinct(state, n - 1, kb, pool, np.empty(kb, np.int64), draws, p))
        for i in range(lo, hi):
            k = card[i]
            if k == 0:
                assert p_sim[i] == 1.0 and np.isnan(mean[i])
                continue
            units = draws[:, :k] + (draws[:, :k] >= i)
            assert not np.any(units == i)
            sims = slope[i] * (x[units] @ m.data[m.indptr[i]:m.indptr[i + 1]]) + icpt[i]
            assert p_sim[i] == pytest.approx(folded_pvalue(sims, obs[i], P), abs=1e-15)
            assert mean[i] == pytest.approx(sims.mean(), rel=1e-12, abs=1e-12)


@pytest.fixture(scope="module")
def panel(provinces, w_provinces):
    ids = list(provinces.index)
    rng = np.random.default_rng(3)
    return pd.DataFrame({"adcode": np.tile(ids, 2), "year": np.repeat([2020, 2021], len(ids)),
                         "v": rng.gamma(2.0, size=2 * len(ids)), "u": rng.normal(size=2 * len(ids))}), w_provinces


@pytest.mark.parametrize("call", [
    lambda d, w, j: hotspot.moran(d, "v", w, permutations=199, seed=1, n_jobs=j).table,
    lambda d, w, j: hotspot.local_moran(d, "v", w, permutations=199, seed=1, n_jobs=j).table,
    lambda d, w, j: hotspot.gi_star(d, "v", w, permutations=199, seed=1, n_jobs=j).table,
    lambda d, w, j: hotspot.bivariate_moran(d, "u", "v", w, permutations=199, seed=1, n_jobs=j).table,
    lambda d, w, j: hotspot.bivariate_local_moran(d, "u", "v", w, permutations=199, seed=1, n_jobs=j).table,
    lambda d, w, j: hotspot.geary(d, "v", w, permutations=199, seed=1, n_jobs=j).table,
], ids=["moran", "local_moran", "gi_star", "bivariate_moran", "bivariate_local_moran", "geary"])
def test_same_numbers_for_any_n_jobs(panel, call):
    data, w = panel
    serial = call(data, w, 1)
    assert serial.filter(like="p_sim").notna().all().all()
    pd.testing.assert_frame_equal(serial, call(data, w, 2))
    pd.testing.assert_frame_equal(serial, call(data, w, -1))


def test_same_numbers_for_any_n_jobs_on_many_blocks():
    """Large enough for many unit and permutation blocks (the threads really split the work)."""
    n = 5 * UNIT_BLOCK + 17
    m = _ring(n, 4)
    x = np.random.default_rng(1).normal(size=n)
    obs = x * (m @ x)
    a = conditional_pvalues(x, m, obs, x, permutations=99, seed=9, n_jobs=1)
    b = conditional_pvalues(x, m, obs, x, permutations=99, seed=9, n_jobs=3)
    assert all(np.array_equal(u, v, equal_nan=True) for u, v in zip(a, b))
    f1 = permuted_forms(x, m, permutations=3 * PERM_BLOCK + 5, seed=period_seed(4, 2), n_jobs=1)
    f2 = permuted_forms(x, m, permutations=3 * PERM_BLOCK + 5, seed=period_seed(4, 2), n_jobs=2)
    assert np.array_equal(f1, f2)


def test_same_numbers_when_joblib_is_set_to_processes():
    """The local engine's blocks write into the caller's arrays, so they run in threads even under
    ``joblib.parallel_config(backend="loky")`` (a process backend would lose the writes: p = 1, NaN moments);
    the global engine returns its blocks and is the same under either backend."""
    from joblib import parallel_config

    n = 3 * UNIT_BLOCK + 5
    m = _ring(n, 4)
    x = np.random.default_rng(2).normal(size=n)
    obs = x * (m @ x)
    a = conditional_pvalues(x, m, obs, x, permutations=99, seed=9, n_jobs=1)
    f1 = permuted_forms(x, m, permutations=2 * PERM_BLOCK + 3, seed=period_seed(1, 1), n_jobs=1)
    with parallel_config(backend="loky"):
        b = conditional_pvalues(x, m, obs, x, permutations=99, seed=9, n_jobs=2)
        f2 = permuted_forms(x, m, permutations=2 * PERM_BLOCK + 3, seed=period_seed(1, 1), n_jobs=2)
    assert all(np.array_equal(u, v, equal_nan=True) for u, v in zip(a, b))
    assert np.isfinite(b[1]).all() and (b[0] < 1).any()
    assert np.array_equal(f1, f2)


def test_n_jobs_is_validated(panel):
    data, w = panel
    with pytest.raises(ValueError, match="n_jobs must be a non-zero whole number"):
        hotspot.local_moran(data, "v", w, n_jobs=0)
    with pytest.raises(ValueError, match="n_jobs"):
        hotspot.moran(data, "v", w, n_jobs=1.5)
