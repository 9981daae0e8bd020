"""Markov-chain building blocks: classes, transition counts, steady state, first passage, tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

LABELS_ZH = {2: ("低", "高"), 3: ("低", "中", "高"), 4: ("低", "中低", "中高", "高"),
             5: ("低", "中低", "中等", "中高", "高")}
LABELS_EN = {2: ("Low", "High"), 3: ("Low", "Middle", "High"), 4: ("Low", "Lower-middle", "Upper-middle", "High"),
             5: ("Low", "Lower-middle", "Middle", "Upper-middle", "High")}


def default_labels(k: int, lang: str = "zh") -> tuple[str, ...]:
    table = LABELS_ZH if lang == "zh" else LABELS_EN
    if k in table:
        return table[k]
    return tuple((f"第{i + 1}类" if lang == "zh" else f"Class {i + 1}") for i in range(k))


def quantile_cutpoints(values: np.ndarray, k: int) -> np.ndarray:
    """Inner cut points (k − 1) at the 1/k … (k−1)/k quantiles (linear interpolation, as mapclassify)."""
    if k < 1:
        raise ValueError(f"classes must be at least 1, got {k}")
    return np.percentile(values, np.linspace(0, 100, k + 1)[1:-1]) if k > 1 else np.array([])


def assign(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Class 0..len(cuts) with upper bounds inclusive: (−∞, c₁], (c₁, c₂], … (as mapclassify)."""
    return np.searchsorted(np.asarray(cuts, dtype=float), values, side="left")


def classify(values: pd.Series, periods: pd.Series, *, classes: int, cutpoints) -> tuple[np.ndarray, object, int]:
    """Quantile classes pooled over all periods, per period, or at given inner cut points."""
    v = values.to_numpy(dtype=float)
    if isinstance(cutpoints, str):
        if cutpoints == "pooled":
            cuts = quantile_cutpoints(v, classes)
            if len(np.unique(cuts)) < len(cuts):
                raise ValueError(f"{classes} pooled quantile classes are not distinct (many tied values); "
                                 "use fewer classes or explicit cutpoints")
            return assign(v, cuts), cuts, classes
        if cutpoints == "per_year":
            out = np.empty(len(v), dtype=int)
            per = {}
            for p, idx in pd.Series(np.arange(len(v))).groupby(periods.to_numpy()).groups.items():
                vv = v[np.asarray(list(idx))]
                c = quantile_cutpoints(vv, classes)
                per[p] = c
                out[np.asarray(list(idx))] = assign(vv, c)
            return out, per, classes
        raise ValueError(f"cutpoints must be 'pooled', 'per_year' or a sequence of numbers, got {cutpoints!r}")
    cuts = np.asarray(cutpoints, dtype=float)
    if cuts.ndim != 1 or np.any(np.diff(cuts) <= 0):
        raise ValueError("cutpoints must be an increasing sequence of inner cut points")
    return assign(v, cuts), cuts, len(cuts) + 1


def categorical(values: pd.Series, states: Sequence) -> np.ndarray:
    states = list(states)
    pos = {s: i for i, s in enumerate(states)}
    unknown = sorted(set(values.dropna()) - set(pos), key=str)
    if unknown:
        raise ValueError(f"values not in states=: {unknown[:10]}; states are {states}")
    if values.isna().any():
        raise ValueError("missing states: drop or fill those rows first")
    return values.map(pos).to_numpy(dtype=int)


def pairs(data: pd.DataFrame, id: str, time: str, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (origin, destination) of every (id, t) with an (id, t + step) row."""
    key = pd.MultiIndex.from_arrays([data[id].to_numpy(), data[time].to_numpy()])
    pos = pd.Series(np.arange(len(data)), index=key)
    target = pd.MultiIndex.from_arrays([data[id].to_numpy(), data[time].to_numpy() + step])
    dest = pos.reindex(target).to_numpy()
    ok = ~np.isnan(dest)
    return np.flatnonzero(ok), dest[ok].astype(int)


def counts(origin: np.ndarray, dest: np.ndarray, k: int) -> np.ndarray:
    c = np.zeros((k, k))
    np.add.at(c, (origin, dest), 1)
    return c


def probabilities(c: np.ndarray) -> np.ndarray:
    """Row-normalised counts; rows with no transitions are NaN (shown empty), never 0/0 errors."""
    rs = c.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rs > 0, c / np.where(rs > 0, rs, 1), np.nan)


def steady_state(p: np.ndarray) -> tuple[np.ndarray, str]:
    """Stationary distribution π (π P = π, Σπ = 1) and a note.

    States with no observed transitions are left out; if the observed rows send probability into
    such states, or the chain has several closed classes (π not unique), π is NaN and the note says why.
    """
    k = p.shape[0]
    valid = ~np.isnan(p).any(axis=1)
    out = np.full(k, np.nan)
    if not valid.any():
        return out, "no transitions"
    sub = p[np.ix_(valid, valid)]
    leak = p[np.ix_(valid, ~valid)].sum() if (~valid).any() else 0.0
    if leak > 0:
        return out, "transitions lead into states that are never left (no observed row): steady state undefined"
    vals, vecs = np.linalg.eig(sub.T)
    ones = np.isclose(vals, 1.0, atol=1e-10)
    if ones.sum() != 1:
        return out, f"the chain has {int(ones.sum())} closed classes: the steady state is not unique"
    v = np.real(vecs[:, np.argmax(ones)])
    v = v / v.sum()
    out[valid] = np.clip(v, 0, None)
    return out, ""


def mfpt(p: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Mean first passage times m_ij (i ≠ j) and mean recurrence times 1/π_i on the diagonal
    (Kemeny & Snell 1976: Z = (I − P + 1π')⁻¹, m_ij = (z_jj − z_ij)/π_j).  NaN if π is undefined."""
    k = p.shape[0]
    if np.isnan(pi).any() or np.isnan(p).any():
        return np.full((k, k), np.nan)
    z = np.linalg.inv(np.eye(k) - p + np.outer(np.ones(k), pi))
    with np.errstate(divide="ignore", invalid="ignore"):
        m = (np.diag(z)[None, :] - z) / pi[None, :]
        np.fill_diagonal(m, 1.0 / pi)
    return m


def sojourn(p: np.ndarray) -> np.ndarray:
    """Expected sojourn time 1/(1 − p_ii) in each state (∞ for absorbing, NaN for empty rows)."""
    d = np.diag(p)
    with np.errstate(divide="ignore"):
        return np.where(np.isnan(d), np.nan, 1.0 / (1.0 - d))


def homogeneity(m_counts: np.ndarray) -> dict:
    """Bickenbach & Bode (2003) tests that the transition matrices of m sub-samples are equal.

    Q = Σ_l Σ_i Σ_j n_i(l) (p_ij(l) − p_ij)² / p_ij and LR = 2 Σ_l Σ_i Σ_j n_ij(l) ln(p_ij(l)/p_ij), both
    χ² with Σ_i (b_i − 1)(a_i − 1) degrees of freedom, where b_i counts the sub-samples with
    transitions out of state i and a_i the non-zero p_ij of the pooled row (only terms with
    p_ij > 0 enter).  Rows or sub-samples with no transitions drop out of the sums and the df.
    """
    m_counts = np.asarray(m_counts, dtype=float)
    pooled = m_counts.sum(axis=0)
    p = probabilities(pooled)
    n_il = m_counts.sum(axis=2)  # (m, k)
    q = lr = 0.0
    for g in range(m_counts.shape[0]):
        pl = probabilities(m_counts[g])
        for i in range(pooled.shape[0]):
            if n_il[g, i] == 0 or pooled[i].sum() == 0:
                continue
            nz = p[i] > 0
            q += n_il[g, i] * (((pl[i, nz] - p[i, nz]) ** 2) / p[i, nz]).sum()
            pos = nz & (m_counts[g, i] > 0)
            lr += 2 * (m_counts[g, i, pos] * np.log(pl[i, pos] / p[i, pos])).sum()
    b = (n_il > 0).sum(axis=0)
    a = (p > 0).sum(axis=1)
    dof = int(((b - 1) * (a - 1))[pooled.sum(axis=1) > 0].clip(min=0).sum())
    return dict(Q=q, Q_p=stats.chi2.sf(q, dof) if dof > 0 else np.nan, LR=lr,
                LR_p=stats.chi2.sf(lr, dof) if dof > 0 else np.nan, dof=dof)


def chi2_against(observed: np.ndarray, reference: np.ndarray) -> dict:
    """Pearson χ² of observed counts against the row probabilities of ``reference`` (counts):
    E_ij = n_i · p_ij.  df = Σ over rows observed in both of (non-zero reference cells − 1);
    cells with E = 0 are left out."""
    o = np.asarray(observed, dtype=float)
    p = probabilities(np.asarray(reference, dtype=float))
    n = o.sum(axis=1)
    stat, dof = 0.0, 0
    for i in range(o.shape[0]):
        if n[i] == 0 or np.isnan(p[i]).any():
            continue
        e = n[i] * p[i]
        nz = e > 0
        stat += (((o[i, nz] - e[nz]) ** 2) / e[nz]).sum()
        dof += int(nz.sum()) - 1
    return dict(chi2=stat, p=stats.chi2.sf(stat, dof) if dof > 0 else np.nan, dof=dof)
