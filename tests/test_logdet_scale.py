"""Spatial ML at large N: the Monte Carlo log-determinant within its stated bound, the ρ interval without ARPACK,
the LDLᵀ with one symbolic factorisation, the reused LU ordering and the CG solves, and the approximate path
against the exact one (issue 18)."""

from __future__ import annotations

import platform
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from spatialq._guards import InputError
from spatialq._spml import _logdet
from spatialq._spml._approx import ApproxLogDet
from spatialq._spml._logdet import LogDet


def _queen(rows: int, cols: int) -> sp.csr_matrix:
    idx = np.arange(rows * cols).reshape(rows, cols)
    r, c = [], []
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                a = idx[max(0, -di):rows - max(0, di), max(0, -dj):cols - max(0, dj)]
                b = idx[max(0, di):rows - max(0, -di), max(0, dj):cols - max(0, -dj)]
                r.append(a.ravel())
                c.append(b.ravel())
    n = rows * cols
    return sp.csr_matrix((np.ones(sum(map(len, r))), (np.concatenate(r), np.concatenate(c))), shape=(n, n))


def _rs(C):
    return sp.csr_matrix(sp.diags(1 / np.asarray(C.sum(axis=1)).ravel()) @ C)


def _knn(n: int, k: int, seed: int = 0) -> sp.csr_matrix:
    from scipy.spatial import cKDTree

    pts = np.random.default_rng(seed).uniform(size=(n, 2))
    _, nb = cKDTree(pts).query(pts, k + 1)
    return sp.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), nb[:, 1:].ravel())), shape=(n, n))


@pytest.fixture(scope="module")
def lattices():
    out = {}
    for rows, cols in ((50, 60), (141, 142)):
        C = _queen(rows, cols)
        out[rows * cols] = (_rs(C), C)
    return out


@pytest.mark.parametrize("n", [3000, 20022])
def test_chebyshev_logdet_within_its_bound(lattices, n):
    W, C = lattices[n]
    exact = LogDet(W, base=C, method="lu")
    approx = LogDet(W, base=C, method="mc", seed=3)
    assert approx.approx.kind == "chebyshev"
    for rho in (-0.6, 0.3, 0.6, 0.9):
        err = abs(approx(rho) - exact(rho))
        assert err <= approx.bound(rho), (rho, err, approx.bound(rho))
        assert approx.bound(rho) < 0.02 * abs(exact(rho)) + 0.1  # the bound is informative, not vacuous
    assert "95 % interval" in approx.describe(0.5) and "Chebyshev" in approx.describe(0.5)


def test_power_series_logdet_within_its_bound_for_a_non_symmetric_w():
    W = _rs(_knn(3000, 6))
    exact = LogDet(W, method="lu")
    approx = LogDet(W, method="mc", seed=1)
    assert approx.approx.kind == "series"
    for rho in (-0.5, 0.4, 0.8):
        assert abs(approx(rho) - exact(rho)) <= approx.bound(rho)


def test_derivatives_and_power_traces_of_the_approximation(lattices):
    W, _ = lattices[3000]
    a = ApproxLogDet(W, real_spectrum=True, order=50, draws=10, seed=0)
    for rho in (-0.7, 0.0, 0.45, 0.85):
        h = 1e-4
        f = [a(rho + i * h) for i in (-2, -1, 0, 1, 2)]
        d1 = (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * h)
        d2 = (-f[0] + 16 * f[1] - 30 * f[2] + 16 * f[3] - f[4]) / (12 * h * h)
        g1, g2 = a.d12(rho)
        assert g1 == pytest.approx(d1, rel=1e-6, abs=1e-6)
        assert g2 == pytest.approx(d2, rel=1e-4, abs=1e-3)
    # power traces from the Chebyshev moments: exact for j ≤ 2, and tr(W^j) within MC error of the exact
    pt = a.power_traces()
    assert pt[:3] == pytest.approx([3000, 0.0, float(W.multiply(W.T).sum())], abs=1e-8)
    exact5 = float((W @ W @ W @ W @ W).diagonal().sum())
    assert pt[5] == pytest.approx(exact5, rel=0.05)


def test_interval_without_arpack_for_row_standardised_symmetric_similar_w(lattices, monkeypatch):
    W, C = lattices[3000]

    def boom(*a, **k):
        raise AssertionError("ARPACK called")

    monkeypatch.setattr(_logdet.spla, "eigsh", boom)
    monkeypatch.setattr(_logdet.spla, "eigs", boom)
    ld = LogDet(W, base=C, method="lu")
    assert ld.interval == pytest.approx((-1.0, 1.0), abs=1e-9)
    assert "row-standardised" in ld.interval_rule
    monkeypatch.undo()
    # a non-symmetric W keeps the eigenvalue interval (ARPACK), as before
    Wk = _rs(_knn(300, 5))
    lk, ek = LogDet(Wk, method="lu"), LogDet(Wk, method="eigen")
    assert lk.interval[0] == pytest.approx(ek.interval[0], rel=1e-6)


def _splu_logdet(W, rho):
    n = W.shape[0]
    return float(np.sum(np.log(np.abs(spla.splu(sp.identity(n, format="csc") - rho * W.tocsc()).U.diagonal()))))


def test_ldl_ordering_once_and_equal_to_superlu(lattices, monkeypatch):
    """A row-standardised symmetric W goes through the LDLᵀ of I − ρS: ln|I − ρW| equals SuperLU's on I − ρW to
    1e-12; the ordering and symbolic factorisation are done once (one new QDLDL solver), later ρ refactorise."""
    W, C = lattices[3000]
    made = []
    real = _logdet._SymLDL._numeric
    monkeypatch.setattr(_logdet._SymLDL, "_numeric",
                        lambda self, solver, rho: (made.append(solver is None), real(self, solver, rho))[1])
    ld = LogDet(W, base=C, method="lu")
    assert ld._ldl is not None
    for r in (0.2, 0.7, -0.9, 0.999):
        assert ld(r) == pytest.approx(_splu_logdet(W, r), rel=1e-12, abs=1e-9)
    assert made[0] and made.count(True) == 1 and len(made) == 4
    assert ld._perm is None  # SuperLU was not needed


def test_lu_ordering_reused_for_a_non_symmetric_w():
    Wk = _rs(_knn(800, 5))
    ld = LogDet(Wk, method="lu")
    assert ld._ldl is None
    assert ld(0.2) == pytest.approx(_splu_logdet(Wk, 0.2), rel=1e-12)
    perm = ld._perm.copy()
    assert ld(0.7) == pytest.approx(_splu_logdet(Wk, 0.7), rel=1e-12)
    assert np.array_equal(perm, ld._perm)  # ordering found once


@pytest.mark.parametrize("which", ["ldl", "lu", "mc"])
def test_solvers_agree(lattices, which):
    W, C = lattices[3000] if which != "lu" else (_rs(_knn(3000, 5)), None)
    ld = LogDet(W, base=C, method="mc" if which == "mc" else "lu")
    b = np.random.default_rng(0).normal(size=(3000, 3))
    A = (sp.identity(3000) - 0.7 * W).toarray()
    for trans, M in (("N", A), ("T", A.T)):
        solve = ld.solver(0.7)
        np.testing.assert_allclose(M @ solve(b, trans=trans), b, atol=1e-8 if which == "mc" else 1e-10)
        np.testing.assert_allclose(M @ solve(b[:, 1], trans=trans), b[:, 1], atol=1e-8 if which == "mc" else 1e-10)


def test_ldl_pool_never_gives_a_stale_solve(lattices):
    """Solvers keep their factorisations (pinned) while log-determinants reuse one other in place; with more
    solvers than the pool keeps, the oldest is refactorised in place for another ρ and redone at its next solve."""
    W, C = lattices[3000]
    ld = LogDet(W, base=C, method="lu")
    solve = ld.solver(0.7)
    for r in np.linspace(-0.5, 0.5, 4):
        ld(float(r))
    assert list(ld._ldl._pool) == [0.7, 0.5]  # the pinned one and one reused for every log-determinant
    solvers = [ld.solver(r) for r in (0.1, 0.2, 0.3)]
    assert 0.7 not in ld._ldl._pool and len(ld._ldl._pool) == _logdet._SymLDL.POOL
    b = np.random.default_rng(1).normal(size=3000)
    np.testing.assert_allclose((sp.identity(3000) - 0.7 * W) @ solve(b), b, atol=1e-10)
    np.testing.assert_allclose((sp.identity(3000) - 0.1 * W) @ solvers[0](b), b, atol=1e-10)


def test_block_solve_is_qdldl_column_by_column_and_never_stale(lattices, monkeypatch):
    """A block of right-hand sides goes through the compiled solve on a copy of the factor: every column equals
    QDLDL's own solve of that column to the bit on x86-64 (the same operations in the same order), and the kernel's
    result does not depend on the block size.  The copy is dropped with its
    factorisation (memory stays within the pool's bound), and a solve after the solver was refactorised in place
    for other ρ is right again."""
    from spatialq._spml._ldl_kernels import solve_block

    W, C = lattices[3000]
    ld = LogDet(W, base=C, method="lu")
    ldl = ld._ldl
    b = np.random.default_rng(3).normal(size=(3000, 70))  # more columns than one pass of the kernel
    small = ldl.solve(0.7, b)  # below BLOCK_FROM: QDLDL column by column
    monkeypatch.setattr(_logdet, "BLOCK_FROM", 0)
    got = ldl.solve(0.7, b)
    solver = ldl._pool[0.7][0]
    ref = np.column_stack([solver.solve(np.ascontiguousarray(b[:, j])) for j in range(b.shape[1])])
    assert np.array_equal(small, ref)
    if platform.machine() in ("x86_64", "AMD64"):  # neither compiler fuses a multiply and a subtraction there
        assert np.array_equal(got, ref)
    else:  # a C compiler that fuses them (e.g. on arm64) rounds once where numba rounds twice
        np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-14)
    assert np.array_equal(solve_block(ldl._factors[0.7], b, block=7), got)  # the kernel: any block, same bits
    S = ld._sym
    np.testing.assert_allclose((sp.identity(3000) - 0.7 * S) @ got, b, atol=1e-10)
    for r in (0.1, 0.2, 0.3, 0.4):  # evicts 0.7 (not pinned: ldl.solve was called directly)
        ldl.logdet(r)
    assert 0.7 not in ldl._pool and 0.7 not in ldl._factors and set(ldl._factors) <= set(ldl._pool)
    np.testing.assert_allclose((sp.identity(3000) - 0.7 * S) @ ldl.solve(0.7, b), b, atol=1e-10)


class _BadPivots:
    """A QDLDL solver stand-in whose factorisation has negative pivots (3,000 units)."""

    def update(self, *a, **k):
        pass

    def factors(self):
        return None, -np.ones(3000), None


def test_a_pivot_not_positive_means_inadmissible_rho(lattices, monkeypatch):
    """A non-positive pivot of the LDLᵀ means I − ρS is not positive definite: ρ is outside (1/λ_min, 1/λ_max) and
    ln|I − ρW| is −∞ there (log L = −∞), not the modulus of a determinant that changed sign; a solve still works
    (SuperLU)."""
    W, C = lattices[3000]
    ld = LogDet(W, base=C, method="lu")

    monkeypatch.setattr(_logdet._SymLDL, "_numeric", lambda self, solver, rho: _BadPivots())
    assert ld(0.4) == -np.inf and ld.many([0.3, 0.5]) == [-np.inf, -np.inf]
    assert LogDet(W, base=C, method="lu", n_jobs=2).many([0.3, 0.5]) == [-np.inf, -np.inf]  # threaded stencil
    b = np.ones(3000)
    np.testing.assert_allclose((sp.identity(3000) - 0.4 * W) @ ld.solver(0.4)(b), b, atol=1e-10)


def _negative_blocks(copies: int = 10) -> sp.csr_matrix:
    """Blocks of 4 units with C12 = C34 = 1 and C13 = C24 = −0.4: row-standardised, eigenvalues ±2.33 and ±1."""
    b = np.zeros((4, 4))
    b[0, 1] = b[1, 0] = b[2, 3] = b[3, 2] = 1.0
    b[0, 2] = b[2, 0] = b[1, 3] = b[3, 1] = -0.4
    return sp.csr_matrix(sp.block_diag([b] * copies))


def test_negative_weights_take_the_interval_from_the_eigenvalues():
    """A row-standardised W with negative weights can have eigenvalues beyond ±1: the interval is
    (1/λ_min, 1/λ_max) from ARPACK, not (−1, 1); ln|I − ρW| inside it equals the dense value; and the effects'
    series keeps all 100 powers (its tail bound needs tr(Wʲ) ≤ N, false here)."""
    C = _negative_blocks()
    W = _rs(C)
    ev = np.linalg.eigvals(W.toarray()).real
    assert ev.max() > 2
    ld = LogDet(W, base=C, method="lu")
    assert ld.interval[0] == pytest.approx(1 / ev.min(), rel=1e-6)
    assert ld.interval[1] == pytest.approx(1 / ev.max(), rel=1e-6)
    r = 0.9 * ld.interval[1]
    assert ld(r) == pytest.approx(np.linalg.slogdet(np.eye(40) - r * W.toarray())[1], rel=1e-10)
    assert ld.series_order(r) == _logdet.MAX_ORDER
    assert ld(1.05 * ld.interval[1]) == -np.inf  # beyond 1/λ_max: I − ρS is not positive definite


def test_sac_observed_information_at_the_interval_end_is_refused(monkeypatch):
    """A finite-difference step of the observed information beyond the interval's end (log L = −∞ there) is a
    clear error pointing to se='expected', not a covariance of NaN."""
    from types import SimpleNamespace

    from spatialq._spml import _info, _ml

    monkeypatch.setattr(_ml, "sac_loglik", lambda p, r, lam, b, s2: -np.inf if r > 0.5 else -(r - 0.4) ** 2 - lam**2
                        - float(b @ b) - (s2 - 1) ** 2)
    p = SimpleNamespace(logdet=SimpleNamespace(interval=(-1.0, 0.5)))
    fit = {"beta": np.array([0.1]), "rho": 0.5 - 1e-6, "lambda": 0.1, "sigma2": 1.0}
    with pytest.raises(InputError, match="se='expected'"):
        _info.observed_sac(p, fit)
    fit["rho"] = 0.3
    assert np.all(np.isfinite(_info.observed_sac(p, fit)))


def test_pool_stays_within_its_bound_with_threads(lattices):
    W, C = lattices[3000]
    ld = LogDet(W, base=C, method="lu", n_jobs=2)
    for r in (0.1, 0.2, 0.3):
        ld.solver(r)
    ld.many([0.5 + i * 1e-3 for i in range(-2, 3)])
    ld.many([0.6 + i * 1e-3 for i in range(-2, 3)])
    assert len(ld._ldl._pool) <= _logdet._SymLDL.POOL + 1


def test_mc_is_seeded_auto_switches_and_bad_option_is_named(lattices, monkeypatch):
    W, C = lattices[3000]
    a, b = LogDet(W, base=C, method="mc", seed=5), LogDet(W, base=C, method="mc", seed=5)
    assert a(0.5) == b(0.5)
    assert LogDet(W, base=C, method="mc", seed=6)(0.5) != a(0.5)
    monkeypatch.setattr(_logdet, "LU_LIMIT", 2000)
    assert LogDet(W, base=C).method == "mc"
    with pytest.raises(InputError, match="logdet"):
        LogDet(W, method="cholesky")


def _frame(rows, cols, seed=0):
    from libpysal.weights import lat2W

    w = lat2W(rows, cols, rook=False)
    n = rows * cols
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)}, index=pd.Index(range(n), name="adcode"))
    m = _rs(sp.csr_matrix(w.sparse, dtype=float))
    rhs = 1 + df.x1 - df.x2 + m @ (0.5 * df.x1.to_numpy()) + rng.normal(size=n)
    df["y"] = spla.spsolve(sp.csc_matrix(sp.identity(n) - 0.45 * m), rhs)
    return df, w


@pytest.mark.parametrize("model", ["sar", "sem"])
def test_approximate_path_agrees_with_exact_at_3000(model):
    from spatialq import regression

    df, w = _frame(50, 60)
    ex = regression.spatial_model(df, "y ~ x1 + x2", w, model=model, logdet="lu", n_draws=200, tests=False)
    ap = regression.spatial_model(df, "y ~ x1 + x2", w, model=model, logdet="mc", n_draws=200, tests=False)
    z = np.abs((ap.params - ex.params) / ex.std_errors)
    assert z.max() < 0.1  # estimates within a tenth of a standard error
    assert np.max(np.abs(ap.std_errors / ex.std_errors - 1)) < 5e-3
    assert abs(ap.loglik - ex.loglik) <= 2 * ap.logdet_bound
    assert ex.logdet_bound == 0 and ap.logdet_bound > 0
    assert "Monte Carlo" in ap.summary() and ap.meta.options["logdet"] == "mc"


@pytest.fixture
def factorisations(monkeypatch) -> list[int]:
    """Counts of new numeric factorisations (LDLᵀ or LU): append a 0 to start a count; each adds 1."""
    counts: list[int] = []
    real, real_ldl = LogDet._factor, _logdet._SymLDL._numeric

    def counted(self, rho):
        if self._last is None or self._last[0] != rho:
            counts[-1] += 1
        return real(self, rho)

    def counted_ldl(self, solver, rho):
        counts[-1] += 1
        return real_ldl(self, solver, rho)

    monkeypatch.setattr(LogDet, "_factor", counted)
    monkeypatch.setattr(_logdet._SymLDL, "_numeric", counted_ldl)
    return counts


@pytest.mark.parametrize("model", ["sar", "sem"])
def test_newton_reuses_its_stencil_with_the_same_answer(model, monkeypatch, factorisations):
    """Newton's later steps read J', J'' off the quartic through the first five-point stencil instead of five new
    LU factorisations: the same root of the score (to 1e-11) with at least four factorisations fewer.  The search
    starts from the Monte Carlo locator (as from 50,000 units), so Newton takes more than one step."""
    from spatialq import regression
    from spatialq._spml import _ml
    from spatialq._spml._ml import Problem

    monkeypatch.setattr(_ml, "LOCATE_FROM", 1000)
    df, w = _frame(50, 60)
    counts = factorisations
    fits = []
    for reuse in (True, False):
        if not reuse:
            monkeypatch.setattr(Problem, "jac_d12_near", lambda self, r: None)
        counts.append(0)
        fits.append(regression.spatial_model(df, "y ~ x1 + x2", w, model=model, logdet="lu", n_draws=50,
                                             tests=False))
    new, old = fits
    assert abs(new.params.iloc[-1] - old.params.iloc[-1]) < 1e-11
    np.testing.assert_allclose(new.params, old.params, rtol=1e-10, atol=1e-12)
    assert counts[0] <= counts[1] - 4, counts


def test_trace_series_order_follows_rho_within_its_tail_bound(lattices):
    """The power series of the effects' traces stops where its tail is under 1e-10 per unit (tr(Wʲ) ≤ N for a
    row-standardised W, so the tail past m is at most |ρ|^(m+1)/(1 − |ρ|)): up to ρ¹⁹ at ρ = 0.3, ρ³⁴ at 0.5,
    the cap of 100 from ρ ≈ 0.8.  The Monte Carlo tr(Wʲ) are the same draws however far they were extended,
    so the series differs from the fixed 100-term one only by the dropped tail; a fixed order is kept."""
    W, C = lattices[3000]
    n = W.shape[0]
    adaptive, fixed = LogDet(W, base=C, method="lu"), LogDet(W, base=C, method="lu", order=100)
    assert [adaptive.series_order(r) for r in (0.0, 0.3, 0.5, 0.9)] == [10, 19, 34, 100]
    assert adaptive.series_order([-0.6, 0.2]) == adaptive.series_order(0.6) and fixed.series_order(0.3) == 100
    first = adaptive.traces(5).copy()  # extended later: the same estimates
    np.testing.assert_array_equal(adaptive.traces(60)[:6], first)
    np.testing.assert_array_equal(adaptive.traces(60), fixed.traces(60))
    for r in (0.3, 0.5, -0.5):
        for power in (0, 1, 2):
            m = adaptive.series_order(r, power)
            a, b = adaptive.trace_series(r, power), fixed.trace_series(r, power)
            assert m < 100 and abs(a - b) <= 1e-10 * n, (r, power, m, a - b)
            assert a != b or m == 100
    A = np.linalg.inv(np.eye(n) - 0.5 * W.toarray())  # and the series is the trace, to its Monte Carlo error
    assert abs(adaptive.trace_series(0.5, 0) - np.trace(A)) / np.trace(A) < 1e-3


def test_restricted_fits_of_lr_tests_use_three_point_stencils(monkeypatch, factorisations):
    """The restricted fits of the LR tests (SDM against SAR and SEM) need log L at the maximum, not ρ to 1e-12:
    from the Monte Carlo locator (as from 50,000 units) Newton runs on three-point differences — the LR
    statistics equal those of the exact eigenvalue fits to 1e-6 (log L is flat at its maximum), with at least
    four factorisations fewer than five-point stencils."""
    from spatialq import regression
    from spatialq._spml import _ml

    monkeypatch.setattr(_ml, "LOCATE_FROM", 1000)
    df, w = _frame(50, 60)
    df["x3"] = np.random.default_rng(5).normal(size=len(df))
    counts = factorisations
    search = _ml._search
    fits = {}
    for how in ("three", "five"):
        if how == "five":
            monkeypatch.setattr(_ml, "_search", lambda p, conc, gs, points=5: search(p, conc, gs, points=5))
        counts.append(0)
        fits[how] = regression.spatial_model(df, "y ~ x1 + x2 + x3", w, model="sdm", logdet="lu", n_draws=50)
    exact = regression.spatial_model(df, "y ~ x1 + x2 + x3", w, model="sdm", logdet="eigen", n_draws=50)
    lr = exact.tests["statistic"].notna() & exact.tests["test"].str.startswith("LR")
    assert lr.sum() == 3
    for how in ("three", "five"):
        np.testing.assert_allclose(fits[how].tests.loc[lr, "statistic"], exact.tests.loc[lr, "statistic"],
                                   rtol=0, atol=1e-6)
    assert counts[0] <= counts[1] - 4, counts


@pytest.mark.parametrize("order", [0, 3, -5, 2.5, True, "100"])
def test_trace_order_too_short_or_not_a_whole_number_is_refused(order):
    """A series of fewer than ten powers (or a non-integer order) would give effects that look valid but are
    truncated: refused with the option's name by the cross-section and the panel estimators."""
    from spatialq import panel, regression

    df, w = _frame(4, 5)
    with pytest.raises(InputError, match="trace_order"):
        regression.spatial_model(df, "y ~ x1", w, model="sar", trace_order=order)
    long = pd.concat([df.reset_index().assign(year=t) for t in (1, 2, 3)], ignore_index=True)
    with pytest.raises(InputError, match="trace_order"):
        panel.spatial_panel(long, "y ~ x1", w, model="sar", trace_order=order)
    W, C = _rs(_queen(4, 5)), _queen(4, 5)
    assert LogDet(W, base=C, method="lu", order=10).series_order(0.9) == 10


def test_threaded_stencils_and_solves_give_the_same_numbers(lattices):
    """n_jobs = 2 runs a stencil's LDLᵀ factorisations and the trace solves in two threads, each on its own
    solver: ln|I − ρW| bit for bit as one thread (same ordering, same elimination tree), and the SDM with its
    tests, standard errors and effects identical for n_jobs = 1 and 2 (cross-section; the panel with more threads
    than periods)."""
    from spatialq import panel, regression

    W, C = lattices[3000]
    rhos = [0.5 + i * 1e-3 for i in range(-2, 3)]
    serial, threaded = LogDet(W, base=C, method="lu"), LogDet(W, base=C, method="lu", n_jobs=2)
    assert threaded.many(rhos) == serial.many(rhos) == [serial(r) for r in rhos]
    assert len(threaded._ldl._pool) == 2  # one solver per thread, kept for the next stencil
    b = np.random.default_rng(2).normal(size=(3000, 5))
    np.testing.assert_array_equal(threaded.solver(0.5)(b), serial.solver(0.5)(b))

    df, w = _frame(50, 60)
    fits = [regression.spatial_model(df, "y ~ x1 + x2", w, model="sdm", logdet="lu", n_draws=100, n_jobs=j)
            for j in (1, 2)]
    for attr in ("params", "std_errors", "tests", "effects"):
        pd.testing.assert_frame_equal(*(pd.DataFrame(getattr(f, attr)) for f in fits), check_exact=True)
    long = pd.concat([_frame(50, 60, seed=t)[0].reset_index().assign(year=t) for t in (1, 2, 3)], ignore_index=True)
    fits = [panel.spatial_panel(long, "y ~ x1 + x2", w, model="sar", logdet="lu", n_draws=100, n_jobs=j)
            for j in (1, 4)]  # 4 threads for 3 periods' columns
    pd.testing.assert_series_equal(fits[0].params, fits[1].params, check_exact=True)
    pd.testing.assert_series_equal(fits[0].std_errors, fits[1].std_errors, check_exact=True)
    with pytest.raises(InputError, match="n_jobs"):
        regression.spatial_model(df, "y ~ x1", w, model="sar", n_jobs=0)
    with pytest.raises(ValueError, match="n_jobs"):
        regression.spatial_model(df, "y ~ x1", w, model="sar", method="gmm", n_jobs=2)


def test_sac_refinement_never_evaluates_outside_the_interval(monkeypatch):
    """The SAC fit's Nelder–Mead refinement is unbounded: outside the admissible interval its objective is +∞
    (there ln|I − ρW| is −∞, NaN or, with SuperLU, the log of a modulus that would look valid)."""
    from spatialq import regression
    from spatialq._spml import _ml

    seen = []
    real = _ml.optimize.minimize

    def spy(fun, x0, *a, method=None, **k):
        if method == "Nelder-Mead":
            seen.append((fun, np.asarray(x0)))
        return real(fun, x0, *a, method=method, **k)

    from libpysal.weights import KNN

    monkeypatch.setattr(_ml.optimize, "minimize", spy)
    df, _ = _frame(12, 15)
    coords = np.array([(i // 15, i % 15) for i in range(180)], float)
    coords += np.random.default_rng(0).uniform(0, 0.1, (180, 2))
    w = KNN.from_array(coords, k=5)  # not symmetric: the SuperLU path, whose modulus is finite outside the interval
    fit = regression.spatial_model(df, "y ~ x1 + x2", w, model="sac", logdet="lu", n_draws=50, tests=False)
    lo, hi = fit.meta.options["rho_interval"]
    assert seen
    for fun, x0 in seen:
        assert np.isfinite(fun(x0))
        for outside in ([hi + 0.05, 0.0], [0.0, lo - 0.05], [hi + 0.05, lo - 0.05]):
            assert fun(np.array(outside)) == np.inf, outside
    assert lo < fit.params["rho"] < hi and lo < fit.params["lambda"] < hi


@pytest.mark.parametrize("method", ["eigen", "lu", "mc"])
def test_outside_the_interval_every_path_gives_minus_infinity(method):
    """Beyond the admissible interval ln|I − ρW| is −∞ on every path (the eigenvalues would give NaN with a
    RuntimeWarning, SuperLU the log of a modulus, the Monte Carlo series a number where it diverges)."""
    Wk = _rs(_knn(400, 5))
    ld = LogDet(Wk, method=method)
    lo, hi = ld.interval
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ld(hi + 0.01) == ld(lo - 0.01) == -np.inf
        assert ld.many([lo - 0.5, 0.5 * hi]) == [-np.inf, ld(0.5 * hi)] and np.isfinite(ld(0.5 * hi))


def test_cholmod_logdet_equals_qdldl_and_superlu(lattices, monkeypatch):
    """From CHOLMOD_FROM units (CVXOPT installed) ln|I − ρW| is 2 Σ ln Lᵢᵢ of CHOLMOD's supernodal Cholesky of I − ρS:
    equal to QDLDL's Σ ln dᵢᵢ and SuperLU's Σ ln|uᵢᵢ| on I − ρW to 1e-12 at N = 20,022; a ρ where I − ρS is not
    positive definite is inadmissible (None, −∞), and the next admissible ρ factorises again; CVXOPT's module-wide
    CHOLMOD options are left as they were; solves stay on QDLDL."""
    pytest.importorskip("cvxopt")
    import cvxopt.cholmod

    W, C = lattices[20022]
    assert W.shape[0] >= _logdet.CHOLMOD_FROM
    monkeypatch.setitem(cvxopt.cholmod.options, "supernodal", 0)  # a caller's own setting
    ld = LogDet(W, base=C, method="lu")
    plain = _logdet._SymLDL(ld._sym, cholmod=False)
    assert ld._ldl._chol is not None and plain._chol is None and "CHOLMOD" in ld.describe(0.5)
    for r in (0.2, 0.7, -0.9, 0.999, -0.999):
        ours = ld(r)
        assert ours == pytest.approx(plain.logdet(r), rel=1e-12, abs=1e-9)
        assert ours == pytest.approx(_splu_logdet(W, r), rel=1e-12, abs=1e-9)
    for r in (1.2, -5.0):  # I − ρS indefinite (λ_max = 1, λ_min < −0.2)
        assert ld._ldl.logdet(r) is None and plain.logdet(r) is None
    assert ld._ldl.logdet(0.35) == pytest.approx(plain.logdet(0.35), rel=1e-12)  # factorises again after a failure
    assert cvxopt.cholmod.options == {"supernodal": 0}
    b = np.random.default_rng(1).normal(size=W.shape[0])
    np.testing.assert_allclose((sp.identity(W.shape[0]) - 0.7 * W) @ ld.solver(0.7)(b), b, atol=1e-10)


@pytest.mark.parametrize("model", ["sar", "sdm", "sem"])
def test_fit_with_cholmod_log_determinants_equals_qdldl(model, monkeypatch):
    """A fit whose log-determinants come from CHOLMOD (CHOLMOD_FROM lowered to 3,000 units) gives the estimates,
    standard errors and log-likelihood of the QDLDL path to 1e-9 (the two factorisations differ in rounding only)."""
    pytest.importorskip("cvxopt")
    from spatialq import regression

    df, w = _frame(50, 60)
    fits = []
    for start in (10**9, 1000):
        monkeypatch.setattr(_logdet, "CHOLMOD_FROM", start)
        fits.append(regression.spatial_model(df, "y ~ x1 + x2", w, model=model, logdet="lu", n_draws=50,
                                             tests=False))
    plain, chol = fits
    assert "CHOLMOD" in chol.logdet and "CHOLMOD" not in plain.logdet
    np.testing.assert_allclose(chol.params, plain.params, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(chol.std_errors, plain.std_errors, rtol=1e-8)
    assert chol.loglik == pytest.approx(plain.loglik, rel=1e-12)


def test_solver_uses_qdldl_pivots_not_cholmod_ones(lattices, monkeypatch):
    """Review: with CHOLMOD log-determinants, whether ρ is solved by the LDLᵀ or falls back to SuperLU depends on
    QDLDL's own factorisation at ρ (the one the solve uses), not on CHOLMOD's: where QDLDL meets a non-positive pivot
    the solve still works."""
    pytest.importorskip("cvxopt")
    W, C = lattices[3000]
    monkeypatch.setattr(_logdet, "CHOLMOD_FROM", 1000)
    ld = LogDet(W, base=C, method="lu")
    assert ld._ldl._chol is not None and np.isfinite(ld(0.4))

    monkeypatch.setattr(_logdet._SymLDL, "_numeric", lambda self, solver, rho: _BadPivots())
    b = np.ones(3000)
    np.testing.assert_allclose((sp.identity(3000) - 0.4 * W) @ ld.solver(0.4)(b), b, atol=1e-10)
