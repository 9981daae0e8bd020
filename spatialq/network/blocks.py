"""Block models of spatial association networks: CONCOR, the four block roles, core–periphery.

CONCOR follows Breiger, Boorman & Arabie (1975) as implemented in UCINET and the R package concoR: each unit's
profile is its column of the stacked matrix [A; Aᵀ] (ties received and sent), the Pearson correlations of the
profiles are correlated again until every |r| exceeds ``cutoff`` (or ``max_iter``), units are split by the sign
of their correlation with the first unit, and every group is split again on its own columns of the stacked
matrix, ``depth`` times.  Roles follow Burt (1976) and Wasserman & Faust (1994, ch. 10), as 李敬等 (2014) use them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._guards import InputError, at
from .._results import Result, provenance
from .gravity import Network, _check_network

__all__ = ["ROLES", "BlockModel", "CorePeriphery", "blocks", "concor", "core_periphery"]

#: The four roles (Chinese names as the literature writes them, English translations).
ROLES = {"net_spillover": ("净溢出", "net spillover"), "net_beneficiary": ("净受益", "net beneficiary"),
         "bidirectional": ("双向溢出", "bidirectional spillover"), "broker": ("经纪人", "broker")}


def _corr_columns(m: np.ndarray) -> np.ndarray:
    z = m - m.mean(axis=0)
    s = np.sqrt((z * z).sum(axis=0))
    z = z / s
    c = z.T @ z
    return np.clip(c, -1.0, 1.0)


def _split(profile: np.ndarray, cutoff: float, max_iter: int) -> np.ndarray:
    """Boolean mask of the units (columns of ``profile``) on the first unit's side."""
    c = _corr_columns(profile)
    it = 1
    while np.any(np.abs(c) <= cutoff) and it < max_iter:
        c = _corr_columns(c)
        it += 1
    return c[0] > 0


def concor(a: np.ndarray, *, depth: int = 2, cutoff: float = 0.9999999, max_iter: int = 50,
           ids=None) -> np.ndarray:
    """CONCOR block labels (1, 2, …) of the units of the binary or valued directed matrix ``a``.

    Profiles are the columns of [A; Aᵀ] (Breiger, Boorman & Arabie 1975; UCINET; concoR).  A group of one
    unit, or one whose units all correlate positively at convergence (identical profiles), is not split.
    Blocks are numbered in the order of the splitting tree, the side holding the group's first unit (by
    position) first, so labels do not depend on the order of the rows beyond that numbering.  A unit without
    any tie has a constant profile (no correlation): an error naming it.
    """
    a = np.asarray(a, dtype=float)
    n = a.shape[0]
    if not isinstance(depth, (int, np.integer)) or not 1 <= depth <= 6:
        raise ValueError(f"depth must be an integer from 1 to 6 (2^depth blocks at most), got {depth!r}")
    if not 0 < cutoff < 1:
        raise ValueError(f"cutoff must be in (0, 1), got {cutoff}")
    profile = np.vstack([a, a.T])
    flat = profile.std(axis=0) == 0
    if flat.any():
        who = [ids[k] for k in np.flatnonzero(flat)] if ids is not None else np.flatnonzero(flat).tolist()
        raise InputError(f"CONCOR: units {who[:10]} have no ties (a constant profile has no correlation); drop "
                         "them or use a network where every unit sends or receives an arc")
    groups = [np.arange(n)]
    for _ in range(depth):
        nxt = []
        for g in groups:
            if len(g) < 2:
                nxt.append(g)
                continue
            side = _split(profile[:, g], cutoff, max_iter)
            first, second = g[side], g[~side]
            nxt.extend([first, second] if len(second) else [first])
        groups = nxt
    labels = np.empty(n, dtype=int)
    for k, g in enumerate(groups, start=1):
        labels[g] = k
    return labels


def _roles_table(a: np.ndarray, labels: np.ndarray, near_zero: float | None) -> pd.DataFrame:
    g = a.shape[0]
    rows = []
    for k in np.unique(labels):
        inside = labels == k
        gk = int(inside.sum())
        internal = float(a[np.ix_(inside, inside)].sum())
        sent_out = float(a[np.ix_(inside, ~inside)].sum())
        recv_out = float(a[np.ix_(~inside, inside)].sum())
        expected = (gk - 1) / (g - 1)
        actual = internal / (internal + sent_out) if internal + sent_out > 0 else 0.0
        if near_zero is None:
            receives = recv_out >= sent_out
        else:
            ext = recv_out + sent_out
            receives = ext > 0 and recv_out / ext > near_zero
        if actual >= expected:
            role = "net_beneficiary" if receives else "bidirectional"
        else:
            role = "broker" if receives else "net_spillover"
        rows.append({"block": int(k), "size": gk, "sent_internal": internal, "sent_external": sent_out,
                     "received_internal": internal, "received_external": recv_out,
                     "expected_internal_ratio": expected, "actual_internal_ratio": actual, "role": role,
                     "role_zh": ROLES[role][0]})
    out = pd.DataFrame(rows)
    for c in ("sent_internal", "sent_external", "received_internal", "received_external"):
        out[c] = out[c].astype(int)
    return out


def _densities(a: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ks = np.unique(labels)
    counts = np.zeros((len(ks), len(ks)))
    dens = np.zeros_like(counts)
    for r, k in enumerate(ks):
        for c, m in enumerate(ks):
            block = a[np.ix_(labels == k, labels == m)]
            counts[r, c] = block.sum()
            cells = block.size - (block.shape[0] if k == m else 0)
            dens[r, c] = counts[r, c] / cells if cells else 0.0
    return counts, dens


@dataclass(frozen=True, eq=False, repr=False)
class BlockModel(Result):
    """CONCOR block model of one period (see :func:`blocks`).

    Attributes
    ----------
    membership : DataFrame
        ``id``, ``block`` (1, 2, …), ``role``, ``role_zh``.
    roles : DataFrame
        One row per block: ``size``, arcs sent inside and outside, received inside and outside, the expected
        internal ratio (g_k − 1)/(g − 1), the actual internal ratio (arcs sent inside / all arcs sent), role.
    counts, density, image : DataFrame
        Block × block arc counts (rows send), densities and the image matrix (1 where the density is at
        least ``threshold``).
    threshold : float
        The image cut-off (default the whole network's density).
    """

    membership: pd.DataFrame
    roles: pd.DataFrame
    counts: pd.DataFrame
    density: pd.DataFrame
    image: pd.DataFrame
    threshold: float
    period: object
    id: str

    def _title(self) -> str:
        return "CONCOR block model" + at(self.period)

    def _summary_lines(self) -> list[str]:
        lines = [f"{'block':>6}{'size':>6}{'sent in':>9}{'sent out':>9}{'recv out':>9}{'expected':>10}"
                 f"{'actual':>9}  role"]
        for r in self.roles.itertuples(index=False):
            lines.append(f"{r.block:>6}{r.size:>6}{r.sent_internal:>9}{r.sent_external:>9}{r.received_external:>9}"
                         f"{r.expected_internal_ratio:>10.4f}{r.actual_internal_ratio:>9.4f}  {r.role_zh} ({r.role})")
        lines += ["", f"density matrix (image cut-off {self.threshold:.4f}):", self.density.round(4).to_string()]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Block and role of every unit, keyed by id."""
        return self.membership.copy()

    def paper_table(self, lang: str = "zh") -> pd.DataFrame:
        """The block table as 李敬等 (2014) and the papers following them print it: one row per block, the arcs
        it sends to each block, the arcs it receives from inside and outside, the expected and actual internal
        ratios (fractions) and the role."""
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
        zh = lang == "zh"
        name = (lambda k: f"板块{k}") if zh else (lambda k: f"block {k}")
        out = pd.DataFrame({("板块" if zh else "block"): [name(k) for k in self.counts.index]})
        for k in self.counts.columns:
            out[name(k)] = self.counts[k].to_numpy()
        r = self.roles
        out["接收板块内关系" if zh else "received inside"] = r["received_internal"].to_numpy()
        out["接收板块外关系" if zh else "received outside"] = r["received_external"].to_numpy()
        out["期望内部关系比例" if zh else "expected internal ratio"] = r["expected_internal_ratio"].to_numpy()
        out["实际内部关系比例" if zh else "actual internal ratio"] = r["actual_internal_ratio"].to_numpy()
        out["板块角色" if zh else "role"] = [ROLES[x][0 if zh else 1] for x in r["role"]]
        return out

    def _plot(self, ax, **kw):
        from ..plot.charts import heatmap

        labels = [str(c) for c in self.density.columns]
        heatmap(ax, self.density.to_numpy(), labels, labels, title=kw.pop("title", None))
        return ax


def blocks(net: Network, *, period=None, depth: int = 2, cutoff: float = 0.9999999, max_iter: int = 50,
           threshold: float | None = None, near_zero: float | None = None) -> BlockModel:
    """CONCOR block model and block roles of one period of a network (李敬等 2014; 刘华军等 2015).

    Units are partitioned by :func:`concor` into at most 2^``depth`` blocks (``depth=2``: the four blocks of
    the literature).  For block k with g_k of the g units:

    * expected internal ratio (g_k − 1)/(g − 1) (Wasserman & Faust 1994);
    * actual internal ratio = arcs sent inside k / all arcs sent by k's members;
    * the role (Burt 1976, as 李敬等 2014 name them): actual ≥ expected → 双向溢出 (bidirectional
      spillover) if the block "receives ≈ 0" from other blocks, else 净受益 (net beneficiary); actual <
      expected → 净溢出 (net spillover) if it receives ≈ 0, else 经纪人 (broker).

    "Receives ≈ 0" is operationalised as: arcs received from other blocks < arcs sent to other blocks
    (``near_zero=None``, the comparison papers make in their text), or, with a number, arcs received from
    outside / (arcs received from + sent to outside) ≤ ``near_zero``.  Both inputs of the rule are in
    ``roles`` so a reader can apply another one.  A block that sends no arcs has actual ratio 0.

    The density matrix divides block arc counts by g_k g_l (by g_k(g_k − 1) on the diagonal); the image is 1
    where the density is ≥ ``threshold`` (default: the whole network's density, the α-density criterion).

    Parameters
    ----------
    net : Network
    period : optional
        The period (required when the network has several).
    depth, cutoff, max_iter
        See :func:`concor`.
    threshold : float, optional
    near_zero : float, optional

    Returns
    -------
    BlockModel
    """
    net = _check_network(net)
    if near_zero is not None and not 0 <= near_zero < 1:
        raise ValueError(f"near_zero must be in [0, 1), got {near_zero}")
    k = net._index(period)
    t = net.periods[k]
    a = np.array(net.adjacency[k])
    if a.sum() == 0:
        raise InputError(f"the network has no arcs{at(t)}: no block model")
    off = a[~np.eye(a.shape[0], dtype=bool)]
    if (off > 0).all() and np.ptp(off) == 0:
        raise InputError(f"every unit is tied to every other with the same weight{at(t)}: all units play the same "
                         "role, so there is no block structure (CONCOR would split them by their order)")
    labels = concor(a, depth=depth, cutoff=cutoff, max_iter=max_iter, ids=list(net.ids))
    roles = _roles_table(a, labels, near_zero)
    counts, dens = _densities(a, labels)
    n = a.shape[0]
    cut = float(a.sum() / (n * (n - 1))) if threshold is None else float(threshold)
    names = [int(b) for b in np.unique(labels)]
    role_of = dict(zip(roles["block"], roles["role"]))
    membership = pd.DataFrame({net.id: list(net.ids), "block": labels})
    membership["role"] = membership["block"].map(role_of)
    membership["role_zh"] = membership["role"].map(lambda r: ROLES[r][0])
    frame = lambda m: pd.DataFrame(m, index=pd.Index(names, name="block"), columns=names)  # noqa: E731
    meta = provenance("spatialq.network.blocks", n=n, period=t, depth=depth, cutoff=cutoff, max_iter=max_iter,
                      threshold=threshold, near_zero=near_zero)
    return BlockModel(meta=meta, membership=membership, roles=roles, counts=frame(counts.astype(int)),
                      density=frame(dens), image=frame((dens >= cut).astype(int)), threshold=cut, period=t,
                      id=net.id)


# -- core–periphery -------------------------------------------------------------------------------------------------

def _cp_fit(a: np.ndarray, core: np.ndarray) -> float:
    """Correlation between a_ij and the ideal pattern (1 core–core, 0 periphery–periphery), i ≠ j, core–periphery
    pairs left out (UCINET's default "do not care").  For binary a this is the phi coefficient
    (N·S_cc − S·N_cc) / sqrt(N_cc·N_pp·S·(N − S)) from the pair counts N and arc counts S of the two blocks."""
    c = core.astype(float)
    p = 1.0 - c
    k = c.sum()
    m = len(c) - k
    n_cc, n_pp = k * (k - 1), m * (m - 1)
    s_cc, s_pp = float(c @ a @ c), float(p @ a @ p)
    n, s = n_cc + n_pp, s_cc + s_pp
    den = n_cc * n_pp * s * (n - s)
    if den <= 0:
        return -np.inf
    return float((n * s_cc - s * n_cc) / np.sqrt(den))


def _continuous(a: np.ndarray, tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    """Coreness c minimising Σ_{i≠j} (x_ij − c_i c_j)², x = (a + aᵀ)/2 (Borgatti & Everett 1999), Σ c² = 1."""
    x = (a + a.T) / 2
    np.fill_diagonal(x, 0.0)
    c = x.sum(axis=1) + 1e-3
    c = c / np.sqrt((c * c).sum()) * np.sqrt(max(x.sum(), 1e-12) / max(len(c) - 1, 1))
    for _ in range(max_iter):
        s2 = (c * c).sum() - c * c
        new = (x @ c) / np.where(s2 > 0, s2, 1.0)
        if np.max(np.abs(new - c)) < tol:
            c = new
            break
        c = new
    return c / np.sqrt((c * c).sum())


@dataclass(frozen=True, eq=False, repr=False)
class CorePeriphery(Result):
    """Core–periphery structure of one period (see :func:`core_periphery`).

    Attributes
    ----------
    membership : DataFrame
        ``id``, ``coreness`` (continuous model, Σ c² = 1), ``core`` (discrete model).
    fit : float
        Correlation of the discrete partition with the ideal core–periphery pattern.
    density : DataFrame
        Arc densities core → core, core → periphery, periphery → core, periphery → periphery.
    """

    membership: pd.DataFrame
    fit: float
    density: pd.DataFrame
    exact: bool
    period: object
    id: str

    def _title(self) -> str:
        return "Core–periphery structure" + at(self.period)

    def _summary_lines(self) -> list[str]:
        core = self.membership.loc[self.membership["core"], self.id].tolist()
        return [f"core ({len(core)}): {', '.join(map(str, core))}",
                f"fit (correlation with the ideal pattern): {self.fit:.4f} "
                f"({'exhaustive search' if self.exact else 'local search'})", "", self.density.round(4).to_string()]

    def to_frame(self) -> pd.DataFrame:
        """Coreness and core membership keyed by id."""
        return self.membership.copy()

    def _plot(self, ax, **kw):
        m = self.membership.sort_values("coreness")
        ax.barh(m[self.id].astype(str), m["coreness"], color=np.where(m["core"], "#cc3311", "#4477aa"))
        ax.set_xlabel("coreness")
        return ax


def core_periphery(net: Network, *, period=None, exact_max: int = 12) -> CorePeriphery:
    """Core–periphery structure (Borgatti & Everett 1999), as UCINET's Categorical and Continuous Core/Periphery.

    * Discrete model: the partition into core and periphery maximising the Pearson correlation between the
      arcs a_ij (i ≠ j, directed) and the ideal pattern δ_ij = 1 for core → core, 0 for periphery →
      periphery, core–periphery pairs left out (UCINET's default "do not care").  Exhaustive over all
      2^n − 2 partitions when n ≤ ``exact_max``; otherwise the best split of the units ordered by continuous
      coreness, improved by single-unit moves until none helps (a local optimum; ``exact`` says which).
    * Continuous model: coreness c minimising Σ_{i≠j}(x_ij − c_i c_j)² on x = (a + aᵀ)/2, scaled to Σ c² = 1.
    """
    net = _check_network(net)
    k = net._index(period)
    t = net.periods[k]
    a = np.array(net.adjacency[k]) > 0
    n = a.shape[0]
    af = a.astype(float)
    if not a.any():
        raise InputError(f"the network has no arcs{at(t)}: no core–periphery structure")
    coreness = _continuous(a.astype(float))
    exact = n <= exact_max
    if exact:
        best, best_fit = None, -np.inf
        for bits in itertools.product([False, True], repeat=n):
            core = np.array(bits)
            f = _cp_fit(af, core)
            if f > best_fit + 1e-12:
                best, best_fit = core, f
    else:
        order = np.argsort(-coreness, kind="stable")
        best, best_fit = None, -np.inf
        for m in range(1, n):
            core = np.zeros(n, dtype=bool)
            core[order[:m]] = True
            f = _cp_fit(af, core)
            if f > best_fit + 1e-12:
                best, best_fit = core, f
        improved = best is not None  # None: no split has a defined fit (a complete network); refused below
        while improved:
            improved = False
            for i in range(n):
                trial = best.copy()
                trial[i] = ~trial[i]
                f = _cp_fit(af, trial)
                if f > best_fit + 1e-12:
                    best, best_fit, improved = trial, f, True
    if best is None:
        raise InputError(f"no core–periphery partition has a defined fit{at(t)} (every arc or none present)")
    labels = np.where(best, 1, 2)
    _, dens = _densities(a.astype(float), labels)
    names = ["core", "periphery"]
    membership = pd.DataFrame({net.id: list(net.ids), "coreness": coreness, "core": best})
    meta = provenance("spatialq.network.core_periphery", n=n, period=t, exact_max=exact_max)
    return CorePeriphery(meta=meta, membership=membership, fit=float(best_fit),
                         density=pd.DataFrame(dens, index=names, columns=names), exact=exact, period=t, id=net.id)
