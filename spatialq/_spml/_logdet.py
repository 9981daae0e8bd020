"""ln|I − ρW| and the traces of powers of W that spatial ML estimators need.

Two exact log-determinants (both follow spatialreg's conventions):

* ``"eigen"`` — the eigenvalues of W once (Ord 1975): ln|I − ρW| = Σ ln(1 − ρλᵢ).  When the
  unstandardised W is symmetric, a row-standardised W = D⁻¹C is similar to D^(−1/2) C D^(−1/2)
  and the symmetric solver gives real eigenvalues (spatialreg's ``can.sim``).
* ``"lu"`` — a sparse factorisation of I − ρW at every evaluation (Pace & Barry 1997).  When W is similar to
  a symmetric S (W = D^(−1/2) S D^(1/2): a row-standardised symmetric contiguity or distance-band matrix, or a
  symmetric W), I − ρW = D^(−1/2)(I − ρS)D^(1/2) has the determinant of I − ρS, which is positive definite on
  the admissible interval: its LDLᵀ factorisation (QDLDL, Stellato, Goulart & Banjac, as in OSQP) gives
  ln|I − ρW| = Σ ln dᵢᵢ.  The approximate-minimum-degree ordering and the elimination tree (the symbolic
  factorisation) are computed once; every later ρ is a numeric refactorisation only — about half the fill and
  twice the speed of a sparse LU.  Otherwise SuperLU's LU, ln|I − ρW| = Σ ln|uᵢᵢ|: the fill-reducing ordering
  (minimum degree on W + W', ``MMD_AT_PLUS_A``) is computed once, W is permuted symmetrically once (PWP' has the
  same determinant), and every later factorisation runs in that order (``NATURAL``).

One approximation (``"mc"``, the default beyond :data:`LU_LIMIT` units): the Monte Carlo Chebyshev or
power-series log-determinant of :mod:`._approx`, with its 95 % interval stated in the result.

Admissible interval of ρ: from the eigenvalues with ``"eigen"`` (1/λ_min, 1/λ_max), as spatialreg's eigen
method.  Otherwise, for a non-negative row-standardised W = D⁻¹C with C symmetric (contiguity, distance
bands: W is similar to the symmetric D^(−1/2)CD^(−1/2)), (−1, 1): the eigenvalues are real and in [−1, 1]
(row sums 1), so I − ρW is non-singular with positive determinant for |ρ| < 1 — spatialreg's convention for
its sparse methods (``interval = c(-1, 0.999)``); no eigen-solver is run.  This interval is inside the
eigenvalue one (1/λ_min ≤ −1), so an estimate inside it is the same.  For other W (k-nearest neighbours,
unstandardised) the extreme eigenvalues come from ARPACK (``eigs``/``eigsh``, fixed start vector), run with one
BLAS thread (threadpoolctl): spinning BLAS threads made it 15× slower on a shared machine.

Traces tr(Wʲ) for j ≤ ``order`` are exact with eigenvalues and otherwise estimated as in
LeSage & Pace (2009, §4.4): tr(W) and tr(W²) exactly, higher powers by the Monte Carlo mean of
uᵀWʲu over ``n_draws`` standard-normal vectors (seeded; beyond 20,000 units n_draws·20,000/N of them, at
least 10: the relative error falls like 1/√(N·draws)); with ``"mc"`` from the log-determinant's probes.  They give
tr((I − ρW)⁻¹) = Σ ρʲ tr(Wʲ) and tr(W(I − ρW)⁻¹)ᵏ as power series in ρ.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._guards import InputError
from .._parallel import blas_threads, effective, pmap
from . import _cholmod
from ._approx import ApproxLogDet
from ._ldl_kernels import solve_block

EIGEN_LIMIT = 1000
#: ``logdet="auto"`` uses the exact sparse LU up to this many units and the Monte Carlo log-determinant beyond.
LU_LIMIT = 200_000
#: Terms and Rademacher draws of the Monte Carlo log-determinant.
MC_ORDER, MC_DRAWS = 50, 30
METHODS = ("auto", "eigen", "lu", "mc")
#: Right-hand sides (N × columns) from which an LDLᵀ solve of a block uses the compiled kernel of
#: :mod:`._ldl_kernels` instead of QDLDL column by column (the same arithmetic): below it the kernel's first call in a
#: process (~0.5 s of numba start-up) outweighs what it saves (QDLDL ~0.3 µs per entry).
BLOCK_FROM = 2_000_000
#: Units from which the log-determinants of the LDLᵀ path come from CHOLMOD's supernodal Cholesky when CVXOPT is
#: installed (:mod:`._cholmod`; 0.08 s against QDLDL's 0.32 s a refactorisation at 100k units).  Below it QDLDL's take
#: milliseconds, and a fit does not depend on whether the optional CVXOPT is installed.
CHOLMOD_FROM = 20_000
#: Power series of the traces (:meth:`LogDet.series_order`): terms chosen so that the tail is under TAIL_TOL per
#: unit, between MIN_ORDER and MAX_ORDER.
TAIL_TOL, MIN_ORDER, MAX_ORDER = 1e-10, 10, 100


def check_trace_order(order) -> int | None:
    """The public ``trace_order`` option: None (chosen from ρ) or a whole number of at least MIN_ORDER — fewer
    powers would give effects that look valid but are truncated."""
    if order is not None and (isinstance(order, bool) or not isinstance(order, int | np.integer)
                              or order < MIN_ORDER):
        raise InputError(f"trace_order must be None (chosen from ρ) or a whole number of at least {MIN_ORDER} "
                         f"(fewer powers truncate the effects' traces), got {order!r}")
    return None if order is None else int(order)


class LogDet:
    """ln|I − ρW| of a sparse W (n × n), with the admissible interval of ρ.

    ``base`` is the unstandardised matrix when W is its row-standardised version (used to detect
    symmetry for the real eigen solver); ``method`` is "auto" (eigen up to EIGEN_LIMIT units, LU up to
    LU_LIMIT, Monte Carlo beyond), "eigen", "lu" or "mc".  ``interval`` records the admissible interval of ρ and
    ``interval_rule`` how it was found.
    """

    def __init__(self, W: sp.csr_matrix, *, base: sp.csr_matrix | None = None, method: str = "auto",
                 order: int | None = None, n_draws: int = 50, seed: int = 0, n_jobs: int = 1):
        if method not in METHODS:
            raise InputError(f"logdet must be one of {METHODS} ('auto': eigenvalues up to {EIGEN_LIMIT:,} units, "
                             f"sparse LU up to {LU_LIMIT:,}, Monte Carlo beyond), got {method!r}")
        self.W = sp.csr_matrix(W)
        self.n = W.shape[0]
        if method == "auto":
            method = "eigen" if self.n <= EIGEN_LIMIT else "lu" if self.n <= LU_LIMIT else "mc"
        self.method = method
        self.order, self.n_draws, self.seed = order, n_draws, seed
        self.workers = effective(n_jobs)  # threads for independent factorisations and solves (LDLᵀ path)
        # draws of the Monte Carlo traces: n_draws up to 20,000 units, fewer beyond (error ∝ 1/√(N·draws))
        self.trace_draws = n_draws if self.n <= 20_000 else max(10, round(n_draws * 20_000 / self.n))
        self.row_standardised = bool(np.allclose(np.asarray(self.W.sum(axis=1)).ravel(), 1.0))
        # row-stochastic: rows sum to 1 and no weight is negative, so the spectral radius is 1 (λ_max = 1); with a
        # negative weight a row-standardised W can have eigenvalues above 1
        self._stochastic = self.row_standardised and self.W.nnz > 0 and float(self.W.data.min()) >= 0
        self._sym = _symmetric_form(self.W, base)
        self._sym_scale = None  # diag(D^(1/2)) with W = D^(−1/2) S D^(1/2), when S is the symmetric form of D⁻¹C
        if self._sym is not None and base is not None and self._sym is not self.W:
            self._sym_scale = np.sqrt(np.asarray(base.sum(axis=1)).ravel())
        elif self._sym is self.W:
            self._sym_scale = np.ones(self.n)
        self._eig = None
        self._traces = None
        self._power = None  # Monte Carlo traces: (draws u, Wᵏu, tr(Wʲ) estimates so far)
        self._cache: dict[float, float] = {}
        self._perm = None  # fill-reducing order (LU), found at the first factorisation
        self._last: tuple | None = None  # (ρ, factor, permuted) of the last LU
        # LDLᵀ of I − ρS when W is similar to a symmetric S (the symbolic factorisation is shared by every ρ)
        self._ldl = (_SymLDL(self._sym, workers=self.workers) if self.method == "lu" and self._sym is not None
                     and self._sym_scale is not None else None)
        self.approx = None
        self._locator = None
        if self.method == "eigen":
            self._eig = self.eigenvalues()
        if self.method == "eigen" or not (self._stochastic and self._sym is not None):
            with blas_threads(1):
                lo, hi = self._extremes()
            self.interval = (1.0 / lo + 1e-10 if lo < 0 else -1.0 + 1e-10, 1.0 / hi - 1e-10)
            self.interval_rule = "eigenvalues" if self.method == "eigen" else "extreme eigenvalues (ARPACK)"
        else:
            self.interval = (-1.0 + 1e-10, 1.0 - 1e-10)
            self.interval_rule = "(-1, 1): row-standardised W similar to a symmetric matrix"
        if self.method == "mc":
            with blas_threads(1):
                self.approx = ApproxLogDet(self.W, real_spectrum=self._sym is not None, order=MC_ORDER,
                                           draws=MC_DRAWS, seed=seed)

    # -- eigenvalues ----------------------------------------------------------------
    def eigenvalues(self) -> np.ndarray:
        """All eigenvalues (real array when W is similar to a symmetric matrix, else complex)."""
        if self._eig is None:
            if self._sym is not None:
                self._eig = np.linalg.eigvalsh(self._sym.toarray())
            else:
                ev = np.linalg.eigvals(self.W.toarray())
                self._eig = ev.real if np.max(np.abs(ev.imag)) < 1e-10 else ev
        return self._eig

    def _extremes(self) -> tuple[float, float]:
        if self._eig is not None:
            re = np.real(self._eig)
            return float(re.min()), float(re.max())
        v0 = np.random.default_rng(12345).uniform(0.5, 1.5, self.n)  # deterministic ARPACK start
        if self._sym is not None:
            lo = spla.eigsh(self._sym, k=1, which="SA", return_eigenvectors=False, tol=1e-8, v0=v0)[0]
            hi = 1.0 if self._stochastic else spla.eigsh(self._sym, k=1, which="LA",
                                                               return_eigenvectors=False, tol=1e-8, v0=v0)[0]
        else:
            lo = np.real(spla.eigs(self.W, k=1, which="SR", return_eigenvectors=False, tol=1e-8, v0=v0)[0])
            hi = 1.0 if self._stochastic else np.real(spla.eigs(self.W, k=1, which="LR",
                                                                     return_eigenvectors=False, tol=1e-8, v0=v0)[0])
        return float(lo), float(hi)

    # -- log-determinant ------------------------------------------------------------
    def __call__(self, rho: float) -> float:
        """ln|I − ρW|; −∞ outside the admissible interval (every path alike: the eigenvalues would give NaN, the LU
        the log of a modulus, the Monte Carlo series a value for a ρ where it does not converge)."""
        if rho == 0.0:
            return 0.0
        if not self.interval[0] <= rho <= self.interval[1]:
            return -np.inf
        if self.method == "eigen":
            return float(np.sum(np.log(1.0 - rho * self._eig)).real)
        if self.method == "mc":
            return self.approx(rho)
        if rho in self._cache:
            return self._cache[rho]
        if self._ldl is not None:
            # a pivot that is not positive: I − ρS is not positive definite, so ρ is outside (1/λ_min, 1/λ_max) —
            # inadmissible, log L = −∞ there (not the modulus of a determinant that changed sign)
            out = self._ldl.logdet(rho)
            out = -np.inf if out is None else out
        else:
            out = float(np.sum(np.log(np.abs(self.factor(rho).U.diagonal()))))
        if len(self._cache) > 32:  # the last few values (the optimiser's polish revisits them)
            self._cache.clear()
        self._cache[rho] = out
        return out

    def many(self, rhos) -> list[float]:
        """ln|I − ρW| at several ρ (a finite-difference stencil): on the LDLᵀ path the factorisations are
        independent and run in ``n_jobs`` threads (QDLDL releases the GIL), each on its own solver — the values do
        not depend on ``n_jobs`` (every solver has the same ordering and elimination tree)."""
        rhos = [float(r) for r in rhos]
        if self._ldl is not None and self.method == "lu" and self.workers > 1:
            if len(self._cache) + len(rhos) > 32:
                self._cache.clear()
            lo, hi = self.interval
            todo = [r for r in dict.fromkeys(rhos) if r != 0.0 and r not in self._cache and lo <= r <= hi]
            for r, out in zip(todo, self._ldl.logdets(todo)):
                self._cache[r] = -np.inf if out is None else out
        return [self(r) for r in rhos]

    def factor(self, rho: float):
        """Sparse LU of I − ρW: the first one finds the fill-reducing order (SuperLU's minimum degree on
        W + W'), every later one factorises P(I − ρW)P' in that order (same determinant); the last is kept."""
        return self._factor(rho)[0]

    def _factor(self, rho: float) -> tuple[object, bool]:
        if self._last is not None and self._last[0] == rho:
            return self._last[1], self._last[2]
        opts = {"SymmetricMode": True}
        if self._perm is None:
            a = (sp.identity(self.n, format="csc") - rho * self.W).tocsc()
            lu = spla.splu(a, permc_spec="MMD_AT_PLUS_A", options=opts)
            self._perm = np.argsort(lu.perm_c)
            self._Wp = sp.csc_matrix(self.W[self._perm][:, self._perm])
            permuted = False
        else:
            lu = spla.splu((sp.identity(self.n, format="csc") - rho * self._Wp).tocsc(), permc_spec="NATURAL",
                           options=opts)
            permuted = True
        self._last = (rho, lu, permuted)
        return lu, permuted

    def solver(self, rho: float) -> Callable[..., np.ndarray]:
        """``solve(b, trans="N")`` = (I − ρW)⁻¹b (``trans="T"``: (I − ρW')⁻¹b) for b of shape (n,) or (n, k), from
        the LDLᵀ of I − ρS when W is similar to a symmetric S (and ρ admissible), else the LU of :meth:`factor`
        (results in the original order of the units).  With ``"mc"`` and a W
        similar to the symmetric S = D^(1/2)WD^(−1/2): conjugate gradients on I − ρS (positive definite for
        |ρ| < 1), (I − ρW)⁻¹ = D^(−1/2)(I − ρS)⁻¹D^(1/2), to a relative residual of 1e-10 — no factorisation,
        memory O(N·k)."""
        if self.method == "mc" and self._sym is not None and self._sym_scale is not None:
            S = self._sym
            return self._similar(lambda B: _block_cg(S, rho, B))
        if self._ldl is not None and self._ldl.solvable(rho):
            self._ldl.pin(rho)
            return self._similar(lambda B: self._ldl.solve(rho, B))
        lu, permuted = self._factor(rho)
        if not permuted:
            return lu.solve
        perm, inv = self._perm, np.argsort(self._perm)

        def solve(b, trans="N"):
            b = np.asarray(b, float)
            return lu.solve(np.ascontiguousarray(b[perm]), trans=trans)[inv]

        return solve

    def _similar(self, inverse: Callable[[np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
        """``solve(b, trans)`` for I − ρW from ``inverse`` = (I − ρS)⁻¹ of its symmetric form:
        (I − ρW)⁻¹ = D^(−1/2)(I − ρS)⁻¹D^(1/2) and (I − ρW')⁻¹ = D^(1/2)(I − ρS)⁻¹D^(−1/2), d = diag(D^(1/2))."""
        d = self._sym_scale

        def solve(b, trans="N"):
            b = np.asarray(b, float)
            dd = d if b.ndim == 1 else d[:, None]
            if trans == "N":
                return inverse(b * dd) / dd
            return inverse(b / dd) * dd

        return solve

    @contextlib.contextmanager
    def locating(self):
        """Inside the block ln|I − ρW| is a cheap Monte Carlo approximation (order 30, 10 draws, seeded): only
        to locate a maximum that is then refined on the exact value."""
        if self._locator is None:
            with blas_threads(1):
                self._locator = ApproxLogDet(self.W, real_spectrum=self._sym is not None, order=30, draws=10,
                                             seed=self.seed)
        saved = self.approx, self.method
        self.approx, self.method = self._locator, "mc"
        try:
            yield
        finally:
            self.approx, self.method = saved

    def describe(self, rho: float) -> str:
        """One line on how ln|I − ρW| was computed (and its 95 % interval when approximate)."""
        if self.approx is not None:
            return self.approx.describe(rho)
        if self.method == "lu" and self._ldl is not None:
            if self._ldl._chol is not None:
                return "log-determinant: exact, sparse Cholesky (CHOLMOD) of the symmetric form"
            return "log-determinant: exact, sparse LDLᵀ of the symmetric form"
        return {"eigen": "log-determinant: exact, eigenvalues", "lu": "log-determinant: exact, sparse LU"}[self.method]

    def bound(self, rho: float) -> float:
        """Half-width of the 95 % interval of ln|I − ρW| (0 when exact)."""
        return 0.0 if self.approx is None else self.approx.bound(rho)

    # -- traces ---------------------------------------------------------------------
    def traces(self, upto: int | None = None) -> np.ndarray:
        """tr(Wʲ) for j = 0 … ``upto`` (default: ``order``, or 100 when the order is chosen per call): exact with
        eigenvalues, LeSage–Pace Monte Carlo otherwise, extended on demand with the same draws (so tr(Wʲ) does not
        depend on how many powers were asked for); with ``"mc"`` the log-determinant's probes (order MC_ORDER,
        fixed)."""
        if upto is None:
            upto = self.order if self.order is not None else MAX_ORDER
        if self._eig is not None:
            if self._traces is None or len(self._traces) <= upto:
                j = np.arange(upto + 1)
                self._traces = np.real(np.sum(self._eig[None, :] ** j[:, None], axis=1))
            return self._traces[:upto + 1]
        if self.approx is not None:  # the log-determinant's probes (order MC_ORDER)
            if self._traces is None:
                self._traces = self.approx.power_traces()
            return self._traces
        if self._power is None:  # (u, Wᵏu for the next k, the estimates so far: j ≤ 2 exact)
            u = np.random.default_rng(self.seed).standard_normal((self.n, self.trace_draws))
            self._power = (u, self.W @ (self.W @ (self.W @ u)),
                           [float(self.n), float(self.W.diagonal().sum()), float(self.W.multiply(self.W.T).sum())])
        u, v, est = self._power
        while len(est) <= upto:
            est.append(float(np.mean(np.sum(u * v, axis=0))))
            v = self.W @ v
        self._power = (u, v, est)
        return np.asarray(est[:upto + 1])

    def series_order(self, rho, power: int = 0) -> int:
        """Terms of the power series of :meth:`trace_series` at these ρ: ``order`` when fixed; otherwise the
        fewest m with the tail bound under TAIL_TOL per unit — for a row-standardised W, tr(Wʲ) ≤ N, so the tail
        of tr(Wᵖ(I − ρW)⁻¹)/N past m is at most |ρ|^(m+1)/(1 − |ρ|) (power 2: Σ_{j>m} (j+1)|ρ|ʲ) — between
        MIN_ORDER and MAX_ORDER terms (100 for other W, LeSage & Pace's choice).  Beyond ~100 terms the Monte Carlo
        error of the high powers outweighs the tail (checked against exact traces at ρ = 0.97: more terms were
        further off), hence the cap."""
        if self.order is not None:
            return self.order
        r = float(np.max(np.abs(np.atleast_1d(rho)))) if np.size(rho) else 0.0
        if not self._stochastic or r >= 1.0:  # tr(Wʲ) ≤ N needs a non-negative row-standardised W
            return MAX_ORDER
        if r == 0.0:
            return MIN_ORDER
        m = MIN_ORDER
        while m < MAX_ORDER:
            tail = r ** (m + 1) / (1 - r) if power < 2 else r ** (m + 1) * (m + 2 - (m + 1) * r) / (1 - r) ** 2
            if tail <= TAIL_TOL:
                break
            m += 1
        return m

    def trace_series(self, rho, power: int = 0):
        """tr(Wᵖ (I − ρW)⁻¹) (power 0 or 1) or tr((W(I − ρW)⁻¹)²) (power 2), vectorised over ρ (power series
        of :meth:`series_order` terms unless the eigenvalues are known)."""
        rho = np.asarray(rho, dtype=float)
        if self._eig is not None:
            ev = self._eig
            r = rho[..., None]
            if power == 2:
                return np.real(np.sum((ev / (1 - r * ev)) ** 2, axis=-1))
            return np.real(np.sum(ev**power / (1 - r * ev), axis=-1))
        order = self.series_order(rho, power)
        t = self.traces(order + power)
        order = min(order, len(t) - 1 - power)  # (the "mc" probes stop at MC_ORDER)
        if power == 2:  # Σ_j (j+1) ρ^j tr(W^(j+2)), j ≤ order
            j = np.arange(order + 1)
            return np.sum((j + 1) * rho[..., None] ** j * t[j + 2], axis=-1)
        j = np.arange(order + 1)
        return np.sum(rho[..., None] ** j * t[j + power], axis=-1)


class _SymLDL:
    """LDLᵀ factorisations of I − ρS for a symmetric S by QDLDL: the approximate-minimum-degree ordering and the
    elimination tree once per kept factorisation, then numeric refactorisations on the same pattern.  Up to
    :attr:`POOL` + workers − 1 factorisations are kept: those a solver was made for (a SAC model solves at ρ and λ
    in turn) are pinned, and a log-determinant at a new ρ refactorises an unpinned one in place; a solve at a ρ whose
    factorisation was reused refactorises again, so a solver is never stale.  A block of right-hand sides is solved
    with a copy of the factor (:func:`._ldl_kernels.solve_block`, every column QDLDL's arithmetic), kept while its
    factorisation is in the pool."""

    POOL = 3

    def __init__(self, S: sp.csr_matrix, *, workers: int = 1, cholmod: bool | None = None):
        n = S.shape[0]
        self.workers = workers
        a = sp.triu(abs(S) + sp.identity(n), format="csc")  # the pattern of triu(I − ρS) for every ρ
        a.sort_indices()
        rows, cols = a.indices, np.repeat(np.arange(n), np.diff(a.indptr))
        self._s = np.asarray(sp.csr_matrix(S)[rows, cols]).ravel()
        self._eye = (rows == cols).astype(float)
        self._a = a
        # log-determinants by CHOLMOD from CHOLMOD_FROM units when CVXOPT is installed (~4× faster refactorisations)
        # on the same entries (the lower triangle: rows and columns swapped); solves stay on QDLDL
        use = (n >= CHOLMOD_FROM and _cholmod.available()) if cholmod is None else cholmod
        self._chol = _cholmod.Cholmod(n, cols, rows, self._s, self._eye) if use else None
        self._pool: OrderedDict[float, tuple[object, float | None]] = OrderedDict()  # ρ → (solver, ln|I − ρS|)
        self._pinned: set[float] = set()
        self._factors: dict[float, tuple] = {}  # ρ → (Lp, Li, Lx, 1/D, perm) of its pooled factorisation

    def _numeric(self, solver, rho: float):
        """A factorisation at ρ: a new solver (ordering + symbolic + numeric) or ``solver`` refactorised (safe in
        threads: the matrix at ρ is its own object)."""
        import qdldl

        a = sp.csc_matrix((self._eye - rho * self._s, self._a.indices, self._a.indptr), shape=self._a.shape)
        if solver is None:
            return qdldl.Solver(a, upper=True)
        solver.update(a, upper=True)
        return solver

    def _take(self, pending: int = 0):
        """A solver to refactorise for a new ρ (None: a new one): the least recently used unpinned one, else the
        least recently used one when the pool, with ``pending`` solvers already taken out, is full — at most
        POOL + workers − 1 factorisations are ever held."""
        free = [r for r in self._pool if r not in self._pinned]
        if free:
            return self._evict(free[0])
        if self._pool and len(self._pool) + pending >= self.POOL + self.workers - 1:
            return self._evict(next(iter(self._pool)))
        return None

    def _evict(self, rho: float):
        """Take the solver at ρ out of the pool (with the copy of its factor) to refactorise it."""
        self._factors.pop(rho, None)
        return self._pool.pop(rho)[0]

    def _factorise(self, solver, rho: float) -> tuple[object, float | None]:
        try:
            solver = self._numeric(solver, rho)
            d = solver.factors()[1]
        except (ValueError, RuntimeError):  # a zero pivot: not positive definite at this ρ
            return None, None
        return solver, (float(np.sum(np.log(d))) if np.all(d > 0) and np.all(np.isfinite(d)) else None)

    def _get(self, rho: float) -> tuple[object, float | None]:
        if rho in self._pool:
            self._pool.move_to_end(rho)
            return self._pool[rho]
        solver, ld = self._factorise(self._take(), rho)
        if solver is not None:
            self._pool[rho] = (solver, ld)
        return solver, ld

    def solvable(self, rho: float) -> bool:
        """Whether the LDLᵀ that :meth:`solve` uses at ρ exists with positive pivots (QDLDL's own factorisation,
        whichever engine gave the log-determinant: near the interval's end one may pass where the other does not)."""
        return self._get(rho)[1] is not None

    def logdets(self, rhos: list[float]) -> list[float | None]:
        """ln|I − ρS| at distinct new ρ: by CHOLMOD one after another when it is there (each 4× faster than QDLDL's),
        else in up to ``workers`` threads: each thread refactorises one solver for its share of the ρ in turn; the
        last factorisation of each stays in the pool."""
        if self._chol is not None:
            return [self._chol.logdet(r) for r in rhos]
        shares = [rhos[i::self.workers] for i in range(min(self.workers, len(rhos)))]
        solvers: list = []
        for _ in shares:
            solvers.append(self._take(pending=len(solvers)))

        def run(task):
            solver, share = task
            out = []
            for rho in share:
                solver, ld = self._factorise(solver, rho)
                out.append(ld)
            return solver, out

        got = pmap(run, list(zip(solvers, shares)), n_jobs=len(shares), prefer="threads", require="sharedmem")
        values = {}
        for share, (solver, out) in zip(shares, got):
            values.update(zip(share, out))
            if solver is not None and out[-1] is not None:
                if share[-1] in self._pool:
                    self._evict(share[-1])
                self._pool[share[-1]] = (solver, out[-1])
        return [values[r] for r in rhos]

    def pin(self, rho: float) -> None:
        """Keep the factorisation at ρ (a solver was made for it) rather than reuse it for another ρ."""
        self._pinned.add(rho)

    def logdet(self, rho: float) -> float | None:
        """ln|I − ρS|, or None when a pivot is not positive (ρ inadmissible: the log-determinant is −∞ there; a
        solve falls back to the LU).  By CHOLMOD when it is there (:mod:`._cholmod`), else QDLDL's Σ ln dᵢᵢ."""
        if self._chol is not None:  # (the values are cached by LogDet, this class's only caller)
            return self._chol.logdet(rho)
        return self._get(rho)[1]

    def solve(self, rho: float, b: np.ndarray) -> np.ndarray:
        """(I − ρS)⁻¹b for b of shape (n,) or (n, k): QDLDL column by column, or from :data:`BLOCK_FROM` entries
        the compiled block solve on a copy of the factor — QDLDL's arithmetic (the same bits on x86-64), ~8× faster
        for 40 columns."""
        solver = self._get(rho)[0]
        if b.ndim == 1:
            return solver.solve(b)
        if b.size < BLOCK_FROM:
            return np.column_stack([solver.solve(np.ascontiguousarray(b[:, j], dtype=float))
                                    for j in range(b.shape[1])]) if b.shape[1] else np.empty(b.shape)
        if rho not in self._factors:
            L, d, perm = solver.factors()
            self._factors[rho] = (L.indptr, L.indices, L.data, 1.0 / d, np.asarray(perm))
        return solve_block(self._factors[rho], b)


def _block_cg(S: sp.csr_matrix, rho: float, B: np.ndarray, tol: float = 1e-10, maxiter: int = 5000) -> np.ndarray:
    """(I − ρS)⁻¹B by conjugate gradients, every column with its own step sizes (vectorised)."""
    vec = B.ndim == 1
    B = B[:, None] if vec else B
    X = np.zeros_like(B)
    R = B.copy()
    P = R.copy()
    rr = np.sum(R * R, axis=0)
    stop = (tol**2) * rr
    for _ in range(maxiter):
        if np.all(rr <= stop):
            break
        AP = P - rho * (S @ P)
        pap = np.sum(P * AP, axis=0)
        alpha = np.divide(rr, pap, out=np.zeros_like(rr), where=pap > 0)
        X += alpha * P
        R -= alpha * AP
        rr_new = np.sum(R * R, axis=0)
        beta = np.divide(rr_new, rr, out=np.zeros_like(rr), where=rr > 0)
        P = R + beta * P
        rr = rr_new
    return X[:, 0] if vec else X


def _symmetric_form(W: sp.csr_matrix, base: sp.csr_matrix | None):
    """A symmetric matrix similar to W, or None."""
    if _is_symmetric(W):
        return W
    if base is not None and _is_symmetric(base):
        rs = np.asarray(base.sum(axis=1)).ravel()
        if np.all(rs > 0) and abs(W - sp.diags(1 / rs) @ base).max() < 1e-12:
            d = sp.diags(1 / np.sqrt(rs))
            return sp.csr_matrix(d @ base @ d)
    return None


def _is_symmetric(m: sp.csr_matrix) -> bool:
    diff = abs(m - m.T)
    return diff.nnz == 0 or diff.max() < 1e-12
