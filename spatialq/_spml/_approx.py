"""Monte Carlo log-determinants for N beyond exact reach, with an error bound.

Two estimators of ln|I − ρW| for a W whose eigenvalues λ lie in the unit disc (a row-standardised W, or any W
scaled by its largest absolute row sum R: then ρ is replaced by ρR and the bound below uses |ρ|R):

* **Chebyshev** (Pace & LeSage 2004) when the spectrum is real (W similar to a symmetric matrix, e.g. the
  row-standardised form of a symmetric contiguity matrix).  With q = ρ / (1 + √(1 − ρ²)) the expansion
  ln(1 − ρx) = −ln(1 + q²) − 2 Σ_{k≥1} (q^k / k) T_k(x) holds on [−1, 1] (closed-form coefficients), so

      ln|I − ρW| = −N ln(1 + q²) − 2 Σ_{k=1}^{m} (q^k / k) tr T_k(W)  +  truncation,
      |truncation| ≤ 2N q^{m+1} / ((m + 1)(1 − q))            (|tr T_k(W)| ≤ N on a real spectrum in [−1, 1]).

  q < 1 for |ρ| < 1 and falls much faster than ρ^k near |ρ| = 1 (ρ = 0.9: q = 0.63).
* **Power series** (Barry & Pace 1999) otherwise:

      ln|I − ρW| = −Σ_{k=1}^{m} (ρ^k / k) tr(W^k)  +  truncation,   |truncation| ≤ N |ρ|^{m+1} / ((m + 1)(1 − |ρ|)).

The traces tr T_k(W) (or tr W^k) for k ≥ 3 are Hutchinson estimates: the mean of uᵢ'T_k(W)uᵢ over p Rademacher
vectors uᵢ (``numpy.random.default_rng(seed)``, drawn in fixed blocks of 10, so the numbers do not depend on how
the work is split); k = 0, 1, 2 are exact (tr W and tr W² from the sparse matrix).  Every draw gives a full
estimate of the log-determinant; their standard deviation s gives the Monte Carlo half-width 1.96 s / √p, and
the stated 95 % interval is that half-width plus the truncation bound.  The traces are ρ-free: one probing pass
of m sparse products serves every evaluation of ρ, and the derivatives (for Newton's polish) are analytic.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

BLOCK = 10  # probes per block (fixed: the result does not depend on the split)


class ApproxLogDet:
    """Monte Carlo ln|I − ρW| (module notes), ``order`` terms, ``draws`` Rademacher probes."""

    def __init__(self, W: sp.csr_matrix, *, real_spectrum: bool, order: int = 50, draws: int = 30, seed: int = 0):
        self.n = W.shape[0]
        self.kind = "chebyshev" if real_spectrum else "series"
        self.order, self.draws, self.seed = int(order), int(draws), seed
        self.radius = float(abs(W).sum(axis=1).max())  # ≥ the spectral radius (Gershgorin)
        Ws = sp.csr_matrix(W / self.radius) if self.radius != 1.0 else sp.csr_matrix(W)
        m = self.order
        samples = np.empty((self.draws, m + 1))
        ss = np.random.SeedSequence(seed).spawn(-(-self.draws // BLOCK))
        for b, s in enumerate(ss):
            lo, hi = b * BLOCK, min(self.draws, (b + 1) * BLOCK)
            U = np.random.default_rng(s).choice([-1.0, 1.0], size=(self.n, BLOCK))[:, : hi - lo]
            samples[lo:hi] = _moments(Ws, U, m, self.kind).T
        # exact low-order traces (control: they carry most of the variance)
        t1 = float(Ws.diagonal().sum())
        t2w = float(Ws.multiply(Ws.T).sum())
        samples[:, 0] = self.n
        samples[:, 1] = t1
        if m >= 2:
            samples[:, 2] = 2 * t2w - self.n if self.kind == "chebyshev" else t2w
        self.samples = samples
        self.tau = samples.mean(axis=0)

    # ln|I − ρW| and derivatives ----------------------------------------------------------
    def _coef(self, rho: float) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        """(c, c0, dc, d2c): ln|I − ρW| = c0 + Σ_k c_k τ_k, with first and second ρ-derivatives of c."""
        r = rho * self.radius
        k = np.arange(1, self.order + 1)
        if self.kind == "series":
            c = -(r**k) / k
            dc = -(r ** (k - 1)) * self.radius
            d2c = -(k - 1) * r ** np.maximum(k - 2, 0) * self.radius**2
            return c, 0.0, dc, d2c
        s = np.sqrt(1 - r * r)
        q = r / (1 + s)
        dq = 1 / (s * (1 + s)) * self.radius
        d2q = r * (1 + 2 * s) / (s * (s + s * s) ** 2) * self.radius**2
        c = -2 * q**k / k
        fq = -2 * q ** (k - 1)
        fqq = -2 * (k - 1) * q ** np.maximum(k - 2, 0)
        return c, -self.n * np.log1p(q * q), fq * dq, fqq * dq**2 + fq * d2q

    def __call__(self, rho: float) -> float:
        c, c0, _, _ = self._coef(rho)
        return float(c0 + c @ self.tau[1:])

    def d12(self, rho: float) -> tuple[float, float]:
        """First and second derivatives of the approximate ln|I − ρW| in ρ (analytic)."""
        r = rho * self.radius
        _, _, dc, d2c = self._coef(rho)
        d1, d2 = float(dc @ self.tau[1:]), float(d2c @ self.tau[1:])
        if self.kind == "chebyshev":  # derivative of −N ln(1 + q²)
            s = np.sqrt(1 - r * r)
            q = r / (1 + s)
            dq = self.radius / (s * (1 + s))
            d2q = r * (1 + 2 * s) / (s * (s + s * s) ** 2) * self.radius**2
            g1 = -self.n * 2 * q / (1 + q * q)
            g2 = -self.n * 2 * (1 - q * q) / (1 + q * q) ** 2
            d1 += g1 * dq
            d2 += g2 * dq**2 + g1 * d2q
        return d1, d2

    # error ---------------------------------------------------------------------------
    def truncation(self, rho: float) -> float:
        """Bound on the truncation error at ρ (module notes)."""
        r = abs(rho) * self.radius
        m = self.order
        if self.kind == "series":
            return float(self.n * r ** (m + 1) / ((m + 1) * (1 - r)))
        q = r / (1 + np.sqrt(1 - r * r))
        return float(2 * self.n * q ** (m + 1) / ((m + 1) * (1 - q)))

    def mc_halfwidth(self, rho: float) -> float:
        """1.96 × the Monte Carlo standard error of the estimate at ρ."""
        c, _, _, _ = self._coef(rho)
        per = self.samples[:, 1:] @ c
        return float(1.96 * per.std(ddof=1) / np.sqrt(self.draws)) if self.draws > 1 else float("inf")

    def bound(self, rho: float) -> float:
        """Half-width of the stated 95 % interval: Monte Carlo half-width + truncation bound."""
        return self.mc_halfwidth(rho) + self.truncation(rho)

    def describe(self, rho: float) -> str:
        name = "Chebyshev (Pace & LeSage 2004)" if self.kind == "chebyshev" else "power series (Barry & Pace 1999)"
        return (f"log-determinant: Monte Carlo {name}, {self.draws} draws, order {self.order}, "
                f"95 % interval ±{self.bound(rho):.3g} at the estimate (truncation ≤ {self.truncation(rho):.2g})")

    def power_traces(self) -> np.ndarray:
        """tr(W^j), j = 0 … order, from the same probes (Chebyshev: x^j = 2^{1−j} Σ binom(j, (j−i)/2) T_i(x),
        non-negative weights summing to 1, so no cancellation)."""
        if self.kind == "series":
            out = self.tau.copy()
        else:
            m = self.order
            A = np.zeros((m + 1, m + 1))  # x^j in the Chebyshev basis, by x·T_i = (T_{i+1} + T_{|i−1|}) / 2
            A[0, 0] = 1.0
            for j in range(1, m + 1):
                prev, row = A[j - 1], A[j]
                row[1] += prev[0]
                row[2:] += prev[1:-1] / 2
                row[:-1] += prev[1:] / 2
            out = A @ self.tau
        return out * self.radius ** np.arange(len(out))


def _moments(W: sp.csr_matrix, U: np.ndarray, m: int, kind: str) -> np.ndarray:
    """uᵢ'P_k(W)uᵢ for k = 0 … m (P = T_k or x^k), one column per probe."""
    out = np.empty((m + 1, U.shape[1]))
    out[0] = np.sum(U * U, axis=0)
    prev, cur = U, W @ U
    out[1] = np.sum(U * cur, axis=0) if m >= 1 else 0.0
    for k in range(2, m + 1):
        nxt = W @ cur
        if kind == "chebyshev":
            nxt = 2 * nxt - prev
        prev, cur = cur, nxt
        out[k] = np.sum(U * cur, axis=0)
    return out
