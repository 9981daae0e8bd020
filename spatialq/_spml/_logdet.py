"""ln|I − ρW| and the traces of powers of W that spatial ML estimators need.

Two exact log-determinants (both follow spatialreg's conventions):

* ``"eigen"`` — the eigenvalues of W once (Ord 1975): ln|I − ρW| = Σ ln(1 − ρλᵢ).  When the
  unstandardised W is symmetric, a row-standardised W = D⁻¹C is similar to D^(−1/2) C D^(−1/2)
  and the symmetric solver gives real eigenvalues (spatialreg's ``can.sim``).
* ``"lu"`` — a sparse LU factorisation of I − ρW at every evaluation (Pace & Barry 1997):
  ln|I − ρW| = Σ ln|uᵢᵢ|.  Memory O(nnz), fine for tens of thousands of units.

Traces tr(Wʲ) for j ≤ ``order`` are exact with eigenvalues and otherwise estimated as in
LeSage & Pace (2009, §4.4): tr(W) and tr(W²) exactly, higher powers by the Monte Carlo mean of
uᵀWʲu over ``n_draws`` standard-normal vectors (seeded).  They give
tr((I − ρW)⁻¹) = Σ ρʲ tr(Wʲ) and tr(W(I − ρW)⁻¹)ᵏ as power series in ρ.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

EIGEN_LIMIT = 1000


class LogDet:
    """ln|I − ρW| of a sparse W (n × n), with the admissible interval of ρ.

    ``base`` is the unstandardised matrix when W is its row-standardised version (used to detect
    symmetry for the real eigen solver); ``method`` is "auto" (eigen up to EIGEN_LIMIT units,
    LU beyond), "eigen" or "lu".
    """

    def __init__(self, W: sp.csr_matrix, *, base: sp.csr_matrix | None = None, method: str = "auto",
                 order: int = 100, n_draws: int = 50, seed: int = 0):
        if method not in {"auto", "eigen", "lu"}:
            raise ValueError(f"logdet must be 'auto', 'eigen' or 'lu', got {method!r}")
        self.W = sp.csr_matrix(W)
        self.n = W.shape[0]
        self.method = ("eigen" if self.n <= EIGEN_LIMIT else "lu") if method == "auto" else method
        self.order, self.n_draws, self.seed = order, n_draws, seed
        self.row_standardised = bool(np.allclose(np.asarray(self.W.sum(axis=1)).ravel(), 1.0))
        self._sym = _symmetric_form(self.W, base)
        self._eig = None
        self._traces = None
        self._cache: dict[float, float] = {}
        if self.method == "eigen":
            self._eig = self.eigenvalues()
        lo, hi = self._extremes()
        self.interval = (1.0 / lo + 1e-10 if lo < 0 else -1.0 + 1e-10, 1.0 / hi - 1e-10)

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
            hi = 1.0 if self.row_standardised else spla.eigsh(self._sym, k=1, which="LA",
                                                               return_eigenvectors=False, tol=1e-8, v0=v0)[0]
        else:
            lo = np.real(spla.eigs(self.W, k=1, which="SR", return_eigenvectors=False, tol=1e-8, v0=v0)[0])
            hi = 1.0 if self.row_standardised else np.real(spla.eigs(self.W, k=1, which="LR",
                                                                     return_eigenvectors=False, tol=1e-8, v0=v0)[0])
        return float(lo), float(hi)

    # -- log-determinant ------------------------------------------------------------
    def __call__(self, rho: float) -> float:
        if rho == 0.0:
            return 0.0
        if self.method == "eigen":
            return float(np.sum(np.log(1.0 - rho * self._eig)).real)
        if rho in self._cache:
            return self._cache[rho]
        a = (sp.identity(self.n, format="csc") - rho * self.W).tocsc()
        lu = spla.splu(a, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})
        out = float(np.sum(np.log(np.abs(lu.U.diagonal()))))
        if len(self._cache) > 32:  # the last few values (the optimiser's polish revisits them)
            self._cache.clear()
        self._cache[rho] = out
        return out

    # -- traces ---------------------------------------------------------------------
    def traces(self) -> np.ndarray:
        """tr(Wʲ) for j = 0 … order (exact with eigenvalues, LeSage–Pace Monte Carlo otherwise)."""
        if self._traces is None:
            j = np.arange(self.order + 1)
            if self._eig is not None:
                self._traces = np.real(np.sum(self._eig[None, :] ** j[:, None], axis=1))
            else:
                rng = np.random.default_rng(self.seed)
                u = rng.standard_normal((self.n, self.n_draws))
                est = np.empty(self.order + 1)
                v = u
                for k in range(self.order + 1):
                    est[k] = np.mean(np.sum(u * v, axis=0))
                    v = self.W @ v
                est[0] = self.n
                est[1] = self.W.diagonal().sum()
                est[2] = self.W.multiply(self.W.T).sum()
                self._traces = est
        return self._traces

    def trace_series(self, rho, power: int = 0):
        """tr(Wᵖ (I − ρW)⁻¹) (power 0 or 1) or tr((W(I − ρW)⁻¹)²) (power 2), vectorised over ρ."""
        rho = np.asarray(rho, dtype=float)
        if self._eig is not None:
            ev = self._eig
            r = rho[..., None]
            if power == 2:
                return np.real(np.sum((ev / (1 - r * ev)) ** 2, axis=-1))
            return np.real(np.sum(ev**power / (1 - r * ev), axis=-1))
        t = self.traces()
        j = np.arange(self.order + 1 - power)
        if power == 2:  # Σ_j (j+1) ρ^j tr(W^(j+2))
            j = np.arange(self.order - 1)
            return np.sum((j + 1) * rho[..., None] ** j * t[j + 2], axis=-1)
        return np.sum(rho[..., None] ** j * t[j + power], axis=-1)


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
