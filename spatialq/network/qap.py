"""QAP correlation and MRQAP regression for networks (relational matrices), as R's ``sna``.

A network here is a square matrix of ties between the same nodes (provinces, cities): an association
network y (e.g. the gravity-model innovation network, 0/1 or valued) and "difference" matrices x
(geographic adjacency, GDP gap, distance …).  Cells of one matrix are not independent, so ordinary
p-values are wrong; the quadratic assignment procedure (QAP; Krackhardt 1987, 1988) compares the
observed statistic with its distribution when the rows and columns of a matrix are permuted jointly
(node labels shuffled, the network's structure kept).  Only off-diagonal cells are used (sna's
``diag = FALSE``, ``mode = "digraph"``): m = n(n − 1) cells for n nodes.

* :func:`qap_correlation` — Pearson correlation of the off-diagonal cells of y and each x, with the
  permutation p-values of ``sna::qaptest(list(y, x), gcor, g1 = 1, g2 = 2)``.
* :func:`mrqap` — OLS of vec(y) on an intercept and vec(x_1), …, vec(x_k) (``sna::netlm``), tested by
  Dekker, Krackhardt & Snijders' (2007) double semi-partialling (``method="dsp"``, netlm's
  ``nullhyp = "qapspp"``) or by permuting y (``method="y"``, netlm's ``"qapy"``).

Computation.  A permutation π acts on an n × n matrix as A ↦ A[π, π]; with the diagonal set to 0 the
statistics need only inner products ⟨A[π, π], M⟩ with fixed matrices M, so a batch of permutations is one
gather through a flat index array and one matrix product.  By Frisch–Waugh, the t statistic of the last
column z in the regression of y on [W, z] is t = z'r / √(z'M_W z · RSS/(m − p)) with r = M_W y,
z'M_W z = z'z − ‖Q_W'z‖² and RSS = r'r − (z'r)²/(z'M_W z); z'z is the same for every permutation.
Permutations are drawn in streams of :data:`STREAM` from ``SeedSequence(seed).spawn(...)``, so results
do not depend on ``n_jobs``.  ``docs/qap.md`` states the conventions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from .._guards import PERFECT_FIT, InputError, check_condition, check_min_units, check_permutations
from .._parallel import check_n_jobs, groups, pmap
from .._results import Result, provenance

__all__ = ["MRQAPResult", "QAPCorrelationResult", "mrqap", "qap_correlation"]

#: Permutations drawn from one spawned random stream (fixed, so results do not depend on ``n_jobs``).
STREAM = 100
#: A permuted statistic within this distance (relative to the largest magnitude) of the observed one is a tie,
#: counted on both sides (sna compares floating-point values exactly; an identity permutation then lands on
#: either side of the observed value by rounding).
TIE_RTOL = 1e-9
_CELLS = 2_000_000  # matrix cells gathered at a time (memory bound of a chunk)
INTERCEPT = "(intercept)"


# ----------------------------------------------------------------------------------------------- inputs
def _one_matrix(obj, name: str, method: str) -> tuple[list | None, np.ndarray]:
    """(labels or None, float array) of one square matrix; a DataFrame's columns are put in row order."""
    if isinstance(obj, pd.DataFrame):
        rows, cols = list(obj.index), list(obj.columns)
        if obj.shape[0] != obj.shape[1]:
            raise InputError(f"{method}: matrix {name!r} is not square ({obj.shape[0]} rows, {obj.shape[1]} columns)")
        dup = [str(v) for v in pd.Index(rows)[pd.Index(rows).duplicated()].append(
            pd.Index(cols)[pd.Index(cols).duplicated()]).unique()]
        if dup or set(rows) != set(cols):
            raise InputError(f"{method}: the rows and columns of matrix {name!r} must be the same nodes, each once: "
                             f"duplicated labels {dup[:8]}, row labels not among the columns "
                             f"{[r for r in rows if r not in set(cols)][:8]}, column labels not among the rows "
                             f"{[c for c in cols if c not in set(rows)][:8]}")
        try:
            values = obj.loc[:, rows].to_numpy(dtype=float)
        except (TypeError, ValueError) as err:
            raise InputError(f"{method}: matrix {name!r} has non-numeric values ({err})") from None
        return rows, values
    try:
        values = np.array(obj, dtype=float)
    except (TypeError, ValueError) as err:
        raise InputError(f"{method}: matrix {name!r} is not numeric ({err})") from None
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise InputError(f"{method}: matrix {name!r} must be a square 2-D array (n × n), got shape {values.shape}")
    return None, values


def _named(xs, method: str, arg: str) -> dict[str, object]:
    """A mapping name -> matrix from one matrix, a sequence of matrices (x1, x2, …) or a mapping."""
    if isinstance(xs, Mapping):
        out = {str(k): v for k, v in xs.items()}
        if len(out) != len(xs):
            raise InputError(f"{method}: {arg} has names that coincide as text: {list(xs)}")
    elif isinstance(xs, pd.DataFrame) or (isinstance(xs, np.ndarray) and xs.ndim == 2):
        out = {"x1": xs}
    elif isinstance(xs, np.ndarray) and xs.ndim == 3:
        out = {f"x{i + 1}": xs[i] for i in range(xs.shape[0])}
    elif isinstance(xs, Sequence) and not isinstance(xs, str):
        out = {f"x{i + 1}": v for i, v in enumerate(xs)}
    else:
        raise InputError(f"{method}: {arg} must be a matrix, a list of matrices or a dict name -> matrix, got "
                         f"{type(xs).__name__}")
    if not out:
        raise InputError(f"{method}: {arg} is empty; give at least one matrix")
    if INTERCEPT in out:
        raise InputError(f"{method}: {INTERCEPT!r} is reserved for the intercept; rename that matrix")
    return out


def _sort_key(labels: list) -> list[int]:
    try:
        return sorted(range(len(labels)), key=lambda i: labels[i])
    except TypeError:
        return sorted(range(len(labels)), key=lambda i: str(labels[i]))


def _matrices(y, xs: dict[str, object], method: str, y_name: str = "y"):
    """Aligned off-diagonal data: (ids, {name: n × n array with zero diagonal}) with y first.

    Labelled matrices (DataFrames) are matched by label and put in sorted label order (so results do not
    depend on the order of rows); unlabelled arrays are taken by position and must have the same size."""
    if y_name in xs:
        raise InputError(f"{method}: a matrix in x is called {y_name!r} like the dependent matrix; rename it")
    raw = {y_name: _one_matrix(y, y_name, method)}
    for k, v in xs.items():
        raw[k] = _one_matrix(v, k, method)
    labelled = [k for k, (lab, _) in raw.items() if lab is not None]
    sizes = {k: a.shape[0] for k, (_, a) in raw.items()}
    if len(set(sizes.values())) > 1:
        raise InputError(f"{method}: the matrices have different numbers of nodes: {sizes}")
    n = next(iter(sizes.values()))
    ids: list = list(range(n))
    if labelled:
        ref = labelled[0]
        ref_labels = raw[ref][0]
        for k in labelled[1:]:
            lab = raw[k][0]
            if set(lab) != set(ref_labels):
                miss = [i for i in ref_labels if i not in set(lab)][:8]
                extra = [i for i in lab if i not in set(ref_labels)][:8]
                raise InputError(f"{method}: the node labels of {k!r} differ from those of {ref!r}: {ref!r} has "
                                 f"{miss} that {k!r} lacks, {k!r} has {extra} that {ref!r} lacks")
        ids = [ref_labels[i] for i in _sort_key(ref_labels)]
    out = {}
    off = ~np.eye(n, dtype=bool)
    for k, (lab, a) in raw.items():  # arrays among labelled matrices are in the first labelled one's order
        pos = {v: i for i, v in enumerate(lab if lab is not None else raw[labelled[0]][0] if labelled else ids)}
        idx = np.array([pos[i] for i in ids], dtype=np.intp)
        a = a[np.ix_(idx, idx)]
        bad = ~np.isfinite(a) & off
        if bad.any():
            r, c = np.nonzero(bad)
            cells = [f"({ids[i]}, {ids[j]})" for i, j in zip(r[:6], c[:6])]
            kinds = sorted({"missing" if np.isnan(v) else "infinite" for v in a[bad]})
            raise InputError(f"{method}: matrix {k!r} has {' and '.join(kinds)} values in {int(bad.sum())} "
                             f"off-diagonal cells, e.g. {', '.join(cells)}; fill or drop those nodes first")
        np.fill_diagonal(a, 0.0)
        out[k] = a
    check_min_units(n, 4, method=method, what="nodes", why="QAP permutes the nodes of n × n matrices")
    for k, a in out.items():
        v = a[off]
        if np.ptp(v) <= 1e-12 * max(float(np.max(np.abs(v))), np.finfo(float).tiny):
            raise InputError(f"{method}: matrix {k!r} is constant off the diagonal ({v[0]:.6g} in every cell); a "
                             "correlation or regression on it is undefined")
    return ids, out


def _check_options(method: str, permutations, n_jobs) -> int:
    permutations = check_permutations(permutations)
    check_n_jobs(n_jobs, method=method)
    return permutations


# ------------------------------------------------------------------------------------------ permutations
def _streams(permutations: int, seed) -> list[tuple[np.random.SeedSequence, int]]:
    k = math.ceil(permutations / STREAM)
    children = np.random.SeedSequence(seed).spawn(k)
    return [(c, min(STREAM, permutations - i * STREAM)) for i, c in enumerate(children)]


def _stream_stats(stream, size: int, n: int, kernel) -> np.ndarray:
    """Statistics of ``size`` permutations drawn from one stream: ``kernel(flat_index)`` per chunk."""
    rng = np.random.default_rng(stream)
    perms = rng.permuted(np.tile(np.arange(n, dtype=np.intp), (size, 1)), axis=1)
    chunk = max(1, _CELLS // (n * n))
    out = []
    for s in range(0, size, chunk):
        p = perms[s:s + chunk]
        flat = (p[:, :, None] * n + p[:, None, :]).reshape(len(p), n * n)
        out.append(kernel(flat))
    return np.concatenate(out, axis=0)


def _run(permutations: int, seed, n: int, kernel, n_jobs: int, width: int) -> np.ndarray:
    """(permutations, width) permuted statistics; the same for every ``n_jobs``."""
    if permutations == 0:
        return np.empty((0, width))
    jobs = _streams(permutations, seed)
    if n_jobs == 1 or len(jobs) == 1:
        return np.concatenate([_stream_stats(s, size, n, kernel) for s, size in jobs], axis=0)
    parts = pmap(partial(_streams_stats, n=n, kernel=kernel), groups(jobs, n_jobs), n_jobs=n_jobs)
    return np.concatenate(parts, axis=0)


def _streams_stats(jobs, n: int, kernel) -> np.ndarray:
    return np.concatenate([_stream_stats(s, size, n, kernel) for s, size in jobs], axis=0)


def _pvalues(dist: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """sna's p-values: shares of permutations with stat ≥ obs, ≤ obs and |stat| ≥ |obs| (observed not counted;
    ties within :data:`TIE_RTOL` count on both sides).  NaN when no permutations were run."""
    if dist.shape[0] == 0:
        nan = np.full(observed.shape, np.nan)
        return nan, nan.copy(), nan.copy()
    tol = TIE_RTOL * np.maximum(np.abs(observed), np.abs(dist).max(axis=0))
    ge = np.mean(dist >= observed - tol, axis=0)
    le = np.mean(dist <= observed + tol, axis=0)
    two = np.mean(np.abs(dist) >= np.abs(observed) - tol, axis=0)
    return ge, le, two


def _hist(ax, dist: np.ndarray, observed: float, label: str, bins, kw):
    if dist.size == 0:
        raise InputError("no permutations were run (permutations=0), so there is no distribution to plot")
    ax.hist(dist, bins=bins, color=kw.pop("color", "0.75"), edgecolor="white", **kw)
    ax.axvline(observed, color="C3", lw=2, label=f"observed {label} = {observed:.4g}")
    ax.set_ylabel("permutations")
    ax.legend(frameon=False)
    return ax


# ------------------------------------------------------------------------------------------ correlation
@dataclass(frozen=True, eq=False, repr=False)
class QAPCorrelationResult(Result):
    """QAP correlations of a network with one or more matrices (see :func:`qap_correlation`).

    Attributes
    ----------
    table : DataFrame
        One row per x matrix: ``term``, ``r`` (Pearson correlation of the off-diagonal cells),
        ``p_greater`` (share of permutations with r_π ≥ r), ``p_less`` (r_π ≤ r), ``p_two_sided``
        (|r_π| ≥ |r|), ``perm_mean``, ``perm_sd``, ``perm_min``, ``perm_max`` of the permuted r and
        ``permutations``.
    distribution : ndarray
        Permuted correlations, shape (permutations, number of x matrices), columns in ``table`` order.
    ids : list
        Node ids in the order used (sorted labels, or positions for arrays).
    """

    table: pd.DataFrame
    distribution: np.ndarray
    ids: list
    n_nodes: int
    n_cells: int
    permutations: int

    def _title(self) -> str:
        return "QAP correlation"

    def _summary_lines(self) -> list[str]:
        lines = [f"{self.n_nodes} nodes, {self.n_cells} off-diagonal cells; {self.permutations} permutations "
                 "(rows and columns jointly)", "",
                 f"{'term':<16}{'r':>9}{'p(>=)':>9}{'p(<=)':>9}{'p(|r|)':>9}{'perm mean':>11}{'perm sd':>9}"]
        for r in self.table.itertuples():
            lines.append(f"{r.term:<16}{r.r:>9.4f}{r.p_greater:>9.4f}{r.p_less:>9.4f}{r.p_two_sided:>9.4f}"
                         f"{r.perm_mean:>11.4f}{r.perm_sd:>9.4f}")
        if self.permutations:
            lines.append(f"Monte Carlo SE of a p-value p: sqrt(p(1 − p)/{self.permutations}) ≤ "
                         f"{0.5 / math.sqrt(self.permutations):.4f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The table, one row per x matrix (a fresh copy)."""
        return self.table.copy()

    def _plot(self, ax, term: str | None = None, bins=40, **kw):
        terms = list(self.table["term"])
        term = terms[0] if term is None else term
        if term not in terms:
            raise InputError(f"term must be one of {terms}, got {term!r}")
        j = terms.index(term)
        _hist(ax, self.distribution[:, j], float(self.table["r"].iloc[j]), "r", bins, kw)
        ax.set_xlabel(f"QAP correlation with {term} under permutation")
        return ax


def qap_correlation(
    y,
    x,
    *,
    permutations: int = 2000,
    seed: int | None = None,
    n_jobs: int = 1,
) -> QAPCorrelationResult:
    """QAP correlation of a network with one or more matrices, with permutation p-values.

    r = corr(vec y, vec x) over the m = n(n − 1) off-diagonal cells (Pearson; sna's ``gcor(y, x)`` with
    ``diag = FALSE``).  Under the null of no association the nodes of y are relabelled at random:
    r_π = corr(vec y[π, π], vec x) for P random permutations π (Krackhardt 1987; UCINET's QAP
    correlation).  The p-values are those of ``sna::qaptest(list(y, x), gcor, g1 = 1, g2 = 2)``:
    ``p_greater`` = #{r_π ≥ r}/P and ``p_less`` = #{r_π ≤ r}/P, the observed value not counted; the
    two-sided ``p_two_sided`` = #{|r_π| ≥ |r|}/P is netlm's convention.  Permuting x instead of y, or
    both, gives the same distribution.

    Parameters
    ----------
    y : DataFrame or array (n × n)
        The network (e.g. a binary association matrix).  A DataFrame's index and columns are the node
        ids (same set; any order); the diagonal is ignored (it may hold NaN).
    x : matrix, list of matrices or dict name -> matrix
        The matrices to correlate with y, each like ``y``.  Labelled matrices are matched to y by label;
        arrays by position.
    permutations : int
        Number of random permutations P (0: r only, p-values NaN).
    seed : int or None
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same result for any ``n_jobs``.
    n_jobs : int
        joblib processes over streams of :data:`STREAM` permutations.

    Returns
    -------
    QAPCorrelationResult
        ``.table`` (also ``.to_frame()``), ``.distribution``; ``.plot(term=...)`` draws the permutation
        distribution with the observed r.

    Raises
    ------
    spatialq._guards.InputError
        A matrix that is not square, labels that differ (named), different sizes, missing or infinite
        off-diagonal cells (named), fewer than 4 nodes, a matrix constant off the diagonal, bad options.

    References
    ----------
    Krackhardt, D. (1987). QAP partialling as a test of spuriousness. Social Networks 9, 171–186.
    Butts, C. T. (2008). Social network analysis with sna. Journal of Statistical Software 24(6).
    """
    method = "qap_correlation"
    permutations = _check_options(method, permutations, n_jobs)
    ids, mats = _matrices(y, _named(x, method, "x"), method)
    n = len(ids)
    off = ~np.eye(n, dtype=bool)
    terms = [k for k in mats if k != "y"]
    yv = mats["y"][off]
    yc = np.zeros((n, n))
    yc[off] = (yv - yv.mean()) / np.linalg.norm(yv - yv.mean())
    xc = np.zeros((n * n, len(terms)))
    for j, k in enumerate(terms):
        v = mats[k][off]
        col = np.zeros((n, n))
        col[off] = (v - v.mean()) / np.linalg.norm(v - v.mean())
        xc[:, j] = col.ravel()
    observed = yc.ravel() @ xc
    yflat, xct = yc.ravel(), np.ascontiguousarray(xc.T)  # (q, n²) @ (n², B): the fast BLAS layout

    def kernel(flat):
        return (xct @ yflat[flat].T).T

    dist = _run(permutations, seed, n, kernel, n_jobs, len(terms))
    ge, le, two = _pvalues(dist, observed)
    some = permutations > 1  # summaries of the permuted r (NaN with fewer than 2 permutations)
    table = pd.DataFrame({"term": terms, "r": observed, "p_greater": ge, "p_less": le, "p_two_sided": two,
                          "perm_mean": dist.mean(axis=0) if some else np.nan,
                          "perm_sd": dist.std(axis=0, ddof=1) if some else np.nan,
                          "perm_min": dist.min(axis=0) if some else np.nan,
                          "perm_max": dist.max(axis=0) if some else np.nan, "permutations": permutations})
    dist.setflags(write=False)
    meta = provenance("spatialq.network.qap_correlation", seed=seed, n=n, terms=terms, permutations=permutations,
                      diag=False)
    return QAPCorrelationResult(meta=meta, table=table, distribution=dist, ids=ids, n_nodes=n,
                                n_cells=int(off.sum()), permutations=permutations)


# ----------------------------------------------------------------------------------------------- MRQAP
@dataclass(frozen=True, eq=False, repr=False)
class MRQAPResult(Result):
    """MRQAP regression of a network on matrices (see :func:`mrqap`).

    Attributes
    ----------
    params : DataFrame
        One row per term (``"(intercept)"`` first): ``coef`` (OLS on the off-diagonal cells),
        ``std_coef`` (coef · sd(x)/sd(y), UCINET's standardised coefficient; 0 for the intercept),
        ``se`` (classical OLS standard error, for reference only), ``t``, ``statistic`` (the tested value:
        ``t`` or ``coef``), ``p_greater`` (share of permutations with stat_π ≥ stat), ``p_less``
        (stat_π ≤ stat), ``p_two_sided`` (|stat_π| ≥ |stat|), ``permutations``.
    r2, adj_r2 : float
        R² = 1 − RSS/TSS and adjusted R² = 1 − (1 − R²)(m − 1)/(m − p), as ``summary(netlm)``.
    sigma : float
        Residual standard error √(RSS/(m − p)).
    distribution : ndarray
        Permuted statistics, shape (permutations, p), columns in ``params`` order.
    method, statistic : str
        ``"dsp"`` or ``"y"``; ``"t"`` or ``"beta"``.
    """

    params: pd.DataFrame
    r2: float
    adj_r2: float
    sigma: float
    distribution: np.ndarray
    method: str
    statistic: str
    ids: list
    n_nodes: int
    n_cells: int
    permutations: int

    def _title(self) -> str:
        how = "double semi-partialling, Dekker et al. 2007" if self.method == "dsp" else "Y-permutation"
        return f"MRQAP regression ({how})"

    def _summary_lines(self) -> list[str]:
        stat = "t" if self.statistic == "t" else "coef"
        lines = [f"{self.n_nodes} nodes, {self.n_cells} off-diagonal cells; {self.permutations} permutations; "
                 f"test statistic: {stat}", "",
                 f"{'term':<16}{'coef':>12}{'std coef':>10}{'t':>9}{'p(>=)':>9}{'p(<=)':>9}{'p(|.|)':>9}"]
        for r in self.params.itertuples():
            lines.append(f"{r.term:<16}{r.coef:>12.5g}{r.std_coef:>10.4f}{r.t:>9.3f}{r.p_greater:>9.4f}"
                         f"{r.p_less:>9.4f}{r.p_two_sided:>9.4f}")
        lines.append(f"R² = {self.r2:.4f}, adjusted R² = {self.adj_r2:.4f}, residual SE = {self.sigma:.5g} on "
                     f"{self.n_cells - len(self.params)} df")
        if self.permutations:
            lines.append(f"Monte Carlo SE of a p-value p: sqrt(p(1 − p)/{self.permutations}) ≤ "
                         f"{0.5 / math.sqrt(self.permutations):.4f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table, one row per term (a fresh copy)."""
        return self.params.copy()

    def _plot(self, ax, term: str | None = None, bins=40, **kw):
        terms = list(self.params["term"])
        term = terms[1] if term is None else term
        if term not in terms:
            raise InputError(f"term must be one of {terms}, got {term!r}")
        j = terms.index(term)
        label = "t" if self.statistic == "t" else "coef"
        _hist(ax, self.distribution[:, j], float(self.params["statistic"].iloc[j]), label, bins, kw)
        ax.set_xlabel(f"{label} of {term} under permutation ({self.method})")
        return ax


def _embed(cols: np.ndarray, off: np.ndarray) -> np.ndarray:
    """(m, q) off-diagonal columns -> (n², q) flat matrices with zero diagonal."""
    n = off.shape[0]
    out = np.zeros((n * n, cols.shape[1]))
    out[off.ravel()] = cols
    return out


def mrqap(
    y,
    xs,
    *,
    permutations: int = 2000,
    method: Literal["dsp", "y"] = "dsp",
    statistic: Literal["t", "beta"] = "t",
    seed: int | None = None,
    n_jobs: int = 1,
) -> MRQAPResult:
    """Multiple-regression QAP: OLS of a network on matrices with permutation p-values.

    vec(y) = b_0 + b_1 vec(x_1) + … + b_k vec(x_k) + e over the m = n(n − 1) off-diagonal cells
    (``sna::netlm(y, x, diag = FALSE, mode = "digraph")``: coefficients equal to rounding, R² and
    adjusted R² as ``summary(netlm)``).  Tests, with p = k + 1 terms:

    * ``method="dsp"`` — double semi-partialling (Dekker, Krackhardt & Snijders 2007; netlm's
      ``nullhyp = "qapspp"``, UCINET's "Double Dekker Semi-Partialling"): for each term j (the intercept
      too, as netlm) regress x_j on the other p − 1 columns, permute the rows and columns of the
      residual matrix e_j jointly and refit y on [other columns, e_j[π, π]]; the statistic is the last
      column's t value (or coefficient).  Robust to collinear predictors and skewed matrices.
    * ``method="y"`` — permute y's rows and columns jointly and refit (netlm's ``"qapy"``; Krackhardt
      1988), all terms from the same permutations.

    ``p_greater`` = #{stat_π ≥ stat}/P, ``p_less`` = #{stat_π ≤ stat}/P and ``p_two_sided`` =
    #{|stat_π| ≥ |stat|}/P, the observed value not counted (netlm's ``pgreq``, ``pleeq``, ``pgreqabs``).
    netlm draws a new permutation for each term; here the terms of one replication share it (each term's
    null distribution is the same).  The Monte Carlo standard error of a p-value is √(p(1 − p)/P).

    Parameters
    ----------
    y : DataFrame or array (n × n)
        The network.  A DataFrame's index and columns are the node ids; the diagonal is ignored.
    xs : matrix, list of matrices or dict name -> matrix
        Explanatory matrices (names ``x1``, ``x2``, … for a list), each like ``y``; labelled matrices
        are matched to y by label, arrays by position.
    permutations : int
        Number of random permutations P (0: coefficients only, p-values NaN).
    method : {"dsp", "y"}
        Null hypothesis (see above).  UCINET's MRQAP offers both; "dsp" is its recommended one.
    statistic : {"t", "beta"}
        The permuted statistic: the t value (netlm's default ``test.statistic = "t-value"``; pivotal,
        recommended by Dekker et al.) or the coefficient.
    seed : int or None
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same result for any ``n_jobs``.
    n_jobs : int
        joblib processes over streams of :data:`STREAM` permutations.

    Returns
    -------
    MRQAPResult
        ``.params`` (also ``.to_frame()``), ``.r2``, ``.adj_r2``, ``.distribution``; ``.plot(term=...)``
        draws a term's permutation distribution with the observed statistic.

    Raises
    ------
    spatialq._guards.InputError
        As :func:`qap_correlation`, and collinear matrices (named, with the condition number) or a
        perfect fit.

    References
    ----------
    Dekker, D., Krackhardt, D. & Snijders, T. A. B. (2007). Sensitivity of MRQAP tests to collinearity
    and autocorrelation conditions. Psychometrika 72(4), 563–581.
    Krackhardt, D. (1988). Predicting with networks: nonparametric multiple regression analysis of dyadic
    data. Social Networks 10, 359–381.
    """
    fn = "mrqap"
    permutations = _check_options(fn, permutations, n_jobs)
    if method not in ("dsp", "y"):
        raise InputError(f"{fn}: method must be 'dsp' (double semi-partialling) or 'y' (Y-permutation), got "
                         f"{method!r}")
    if statistic not in ("t", "beta"):
        raise InputError(f"{fn}: statistic must be 't' or 'beta', got {statistic!r}")
    ids, mats = _matrices(y, _named(xs, fn, "xs"), fn)
    n = len(ids)
    off = ~np.eye(n, dtype=bool)
    names = [k for k in mats if k != "y"]
    terms = [INTERCEPT, *names]
    yv = mats["y"][off]
    X = np.column_stack([np.ones(len(yv))] + [mats[k][off] for k in names])
    m, p = X.shape
    check_condition(X, terms, method=fn)
    if m - p < 1:  # pragma: no cover - n ≥ 4 gives 12 cells; needs 11 or more matrices
        raise InputError(f"{fn}: {p} terms need more than {p} off-diagonal cells; there are {m}")
    coef = np.linalg.lstsq(X, yv, rcond=None)[0]
    resid = yv - X @ coef
    rss = float(resid @ resid)
    tss = float(np.sum((yv - yv.mean()) ** 2))
    if rss <= PERFECT_FIT * tss:
        raise InputError(f"{fn}: the matrices {names} fit y exactly (R² = 1); t values and tests are undefined")
    df = m - p
    q, r = np.linalg.qr(X)
    rinv = np.linalg.inv(r)
    cdiag = np.sum(rinv**2, axis=1)  # diag((X'X)^-1)
    se = np.sqrt(cdiag * rss / df)
    tval = coef / se
    observed = tval if statistic == "t" else coef

    if method == "y":
        ybar = float(yv.mean())
        ycf = np.zeros(n * n)
        ycf[off.ravel()] = yv - ybar
        yy = float(ycf @ ycf)
        qf = np.ascontiguousarray(_embed(q, off).T)

        def kernel(flat):
            qy = (qf @ ycf[flat].T).T
            b = qy @ rinv.T
            b[:, 0] += ybar
            if statistic == "beta":
                return b
            s2 = np.maximum(yy - np.sum(qy**2, axis=1), 0.0) / df
            return b / np.sqrt(cdiag[None, :] * s2[:, None])
    else:
        parts = []
        for j in range(p):
            W = np.delete(X, j, axis=1)
            qw = np.linalg.qr(W)[0]
            e = X[:, j] - qw @ (qw.T @ X[:, j])
            ry = yv - qw @ (qw.T @ yv)
            ef = np.zeros(n * n)
            ef[off.ravel()] = e
            parts.append((ef, np.ascontiguousarray(_embed(np.column_stack([ry, qw]), off).T), float(e @ e),
                          float(ry @ ry)))

        def kernel(flat):
            out = np.empty((flat.shape[0], p))
            for j, (ef, mf, ee, rr) in enumerate(parts):
                a = (mf @ ef[flat].T).T
                zmz = ee - np.sum(a[:, 1:] ** 2, axis=1)
                if statistic == "beta":
                    out[:, j] = a[:, 0] / zmz
                else:
                    s2 = np.maximum(rr - a[:, 0] ** 2 / zmz, 0.0) / df
                    out[:, j] = a[:, 0] / np.sqrt(zmz * s2)
            return out

    dist = _run(permutations, seed, n, kernel, n_jobs, p)
    ge, le, two = _pvalues(dist, observed)
    sd_y = float(np.std(yv, ddof=1))
    std_coef = np.array([0.0] + [coef[i] * float(np.std(X[:, i], ddof=1)) / sd_y for i in range(1, p)])
    params = pd.DataFrame({"term": terms, "coef": coef, "std_coef": std_coef, "se": se, "t": tval,
                           "statistic": observed, "p_greater": ge, "p_less": le, "p_two_sided": two,
                           "permutations": permutations})
    r2 = 1 - rss / tss
    dist.setflags(write=False)
    meta = provenance("spatialq.network.mrqap", seed=seed, n=n, terms=names, permutations=permutations,
                      null=method, statistic=statistic, diag=False)
    return MRQAPResult(meta=meta, params=params, r2=float(r2), adj_r2=float(1 - (1 - r2) * (m - 1) / df),
                       sigma=math.sqrt(rss / df), distribution=dist, method=method, statistic=statistic, ids=ids,
                       n_nodes=n, n_cells=m, permutations=permutations)
