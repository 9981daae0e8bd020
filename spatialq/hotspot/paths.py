"""LISA time paths, space-time transitions and the directional rose (Rey & Janikas 2006; Rey, Murray &
Anselin 2011; Rey 2001).

Each unit's position in the Moran scatter plot, (z_i,t, (W z_t)_i), traced over the periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame
from .._guards import InputError, check_min_units, check_not_constant, check_permutations, rescale
from .._results import Result, provenance
from .._wmatrix import AlignedCache, refuse_bare_sparse
from ..markov.lisa import QUADRANTS
from ._perm import folded_pvalue

__all__ = ["DIRECTIONS_EN", "DIRECTIONS_ZH", "TRANSITION_TYPES", "LisaPathResult", "lisa_paths"]

#: Rey (2001): type 0 no move, I only the unit moves (H↔L), II only its neighbours, III both.
TRANSITION_TYPES = ("0", "I", "II", "III")
TRANSITION_EN = {"0": "stable (neither moves)", "I": "unit moves, neighbours stay",
                 "II": "neighbours move, unit stays", "III": "unit and neighbours move"}
TRANSITION_ZH = {"0": "类型0（自身与邻域均不跃迁）", "I": "类型I（仅自身跃迁）", "II": "类型II（仅邻域跃迁）",
                 "III": "类型III（自身与邻域均跃迁）"}
#: The four quadrants of movement direction (angle of (Δ own, Δ lag), counter-clockwise from east).
DIRECTIONS_EN = ("both up (0–90°)", "own down, neighbours up (90–180°)", "both down (180–270°)",
                 "own up, neighbours down (270–360°)")
DIRECTIONS_ZH = ("协同高增长（0–90°）", "自身低增长-邻域高增长（90–180°）", "协同低增长（180–270°）",
                 "自身高增长-邻域低增长（270–360°）")


@dataclass(frozen=True, eq=False, repr=False)
class LisaPathResult(Result):
    """LISA time paths, transitions and rose (see :func:`lisa_paths`)."""

    paths: pd.DataFrame  # one row per unit
    coords: pd.DataFrame  # one row per unit and period: z, lag, quadrant
    transitions: pd.DataFrame  # one row per unit and step: from, to, type
    rose: pd.DataFrame  # one row per sector
    id: str
    time: str

    def _title(self) -> str:
        return "LISA time paths and rose"

    def _summary_lines(self) -> list[str]:
        p = self.paths
        lines = [f"{len(p)} paths over {self.coords[self.time].nunique()} periods; relative length "
                 f"{p['relative_length'].min():.2f}–{p['relative_length'].max():.2f}, median tortuosity "
                 f"{p['tortuosity'].median():.2f}",
                 "transitions: " + ", ".join(f"type {k} {int((self.transitions['type'] == k).sum())}"
                                             for k in TRANSITION_TYPES),
                 f"{'sector':>8}{'from°':>8}{'to°':>8}{'count':>7}{'expected':>10}{'p_sim':>8}"]
        for r in self.rose.itertuples():
            lines.append(f"{r.sector:>8}{r.from_deg:>8.0f}{r.to_deg:>8.0f}{r.count:>7}{r.expected:>10.2f}"
                         f"{r.p_sim:>8.3f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``path_length``, ``relative_length``, ``tortuosity``, start and end
        coordinates, ``dx`` (change of z), ``dy`` (change of the lag), ``length`` of the start–end vector,
        ``angle_deg`` (counter-clockwise from the positive x axis, [0, 360)), ``sector`` (1…k, the rose's),
        ``direction`` (1–4, quadrant of movement), ``direction_zh``/``direction_en``, ``moves`` (number of
        quadrant changes).  Also ``.coords``, ``.transitions``, ``.rose``."""
        return self.paths.rename(columns={"id": self.id}).copy()

    def transition_table(self) -> pd.DataFrame:
        """Counts of the four transition types per step (Rey 2001) with the shares and spatial cohesion
        (share of type 0) and flux (share of types I and II)."""
        t = self.transitions
        ct = pd.crosstab(t["to_" + self.time], t["type"]).reindex(columns=list(TRANSITION_TYPES), fill_value=0)
        ct.columns = [f"type_{c}" for c in ct.columns]
        total = ct.sum(axis=1)
        ct["n"] = total
        ct["cohesion"] = ct["type_0"] / total
        ct["flux"] = (ct["type_I"] + ct["type_II"]) / total
        all_ = ct.drop(columns=["cohesion", "flux"]).sum().astype(float)
        all_["cohesion"] = all_["type_0"] / all_["n"]
        all_["flux"] = (all_["type_I"] + all_["type_II"]) / all_["n"]
        out = pd.concat([ct.astype(float), all_.to_frame("all").T])
        counts = [*(f"type_{c}" for c in TRANSITION_TYPES), "n"]
        out[counts] = out[counts].astype(int)
        out.index.name = self.time
        return out.reset_index()

    def _plot(self, ax, kind: Literal["rose", "paths"] = "rose", ids=None, lang: str = "zh", **kw):
        """``kind="rose"``: the rose diagram (sector wedges, radius = count) with the start–end vectors
        moved to the origin; ``"paths"``: time paths of ``ids`` (default: the 6 longest) in the Moran
        scatter plane."""
        from matplotlib.patches import Wedge

        zh = lang == "zh"
        if kind == "paths":
            chosen = list(ids) if ids is not None else list(self.paths.nlargest(6, "path_length")["id"])
            for i in chosen:
                c = self.coords[self.coords[self.id] == i]
                ax.plot(c["z"], c["lag"], marker="o", markersize=3, linewidth=1, label=str(i))
                ax.annotate("", xy=(c["z"].iloc[-1], c["lag"].iloc[-1]), xytext=(c["z"].iloc[-2], c["lag"].iloc[-2]),
                            arrowprops=dict(arrowstyle="->"))
            ax.axhline(0, color="grey", linewidth=0.6)
            ax.axvline(0, color="grey", linewidth=0.6)
            ax.set_xlabel("标准化值" if zh else "standardised value")
            ax.set_ylabel("空间滞后" if zh else "spatial lag")
            ax.legend(fontsize=7)
            return ax
        if kind != "rose":
            raise InputError(f"kind must be 'rose' or 'paths', got {kind!r}")
        counts = self.rose["count"].to_numpy()
        top = max(int(counts.max()), 1)
        for r in self.rose.itertuples():
            ax.add_patch(Wedge((0, 0), r.count / top, r.from_deg, r.to_deg, facecolor=kw.get("color", "#4477aa"),
                               alpha=0.5, edgecolor="black", linewidth=0.5))
        p = self.paths
        scale = float(np.max(p["length"])) or 1.0
        ax.quiver(np.zeros(len(p)), np.zeros(len(p)), p["dx"] / scale, p["dy"] / scale, angles="xy",
                  scale_units="xy", scale=1, width=0.003, color="black")
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_aspect("equal")
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.axvline(0, color="grey", linewidth=0.6)
        ax.set_xlabel("自身变化" if zh else "change of own value")
        ax.set_ylabel("邻域变化" if zh else "change of the spatial lag")
        return ax


def _sectors(dx: np.ndarray, dy: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Angle in [0, 2π) and sector index 0…k−1 as giddy's ``Rose`` (np.histogram on its cuts)."""
    theta = np.arctan2(dy, dx)
    utheta = np.where(theta < 0, 2 * np.pi + theta, theta)
    sw = 2 * np.pi / k
    cuts = np.arange(0.0, 2 * np.pi + sw, sw)
    idx = np.clip(np.searchsorted(cuts, utheta, side="right") - 1, 0, k - 1)
    return utheta, idx


def lisa_paths(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    time: str = "year",
    k: int = 8,
    standardize: bool = True,
    transform: Literal["r", "b", "o"] = "r",
    permutations: int = 99,
    seed: int | None = None,
    id: str = "adcode",
) -> LisaPathResult:
    """LISA time paths, space-time transitions and the rose diagram of directional LISA movement.

    Coordinates: in each period z_t = (x_t − x̄_t)/s_t (population standard deviation; with
    ``standardize=False`` the values as given, as giddy's ``Rose`` and Rey et al.'s relative incomes) and
    the lag W z_t (W row-standardised on a copy).  L_i,t = (z_i,t, (W z_t)_i).

    * **Path length** d_i = Σ_t ‖L_i,t+1 − L_i,t‖; **relative length** Γ_i = n d_i / Σ_j d_j (> 1: the
      unit moves more than the average unit); **tortuosity** Δ_i = d_i / ‖L_i,T − L_i,1‖ (1 for a straight
      path, larger for a winding one; ∞ for a path that returns to its start, 1 for a unit that never
      moves) (Rey, Murray & Anselin 2011; Rey & Janikas 2006).
    * **Transitions** between consecutive periods of the Moran-scatter quadrant (HH, LH, LL, HL; the
      quadrants of :func:`spatialq.markov.lisa_markov`, equal to giddy's ``LISA_Markov``): type 0 neither
      the unit nor its neighbours change side, I only the unit, II only the neighbours, III both (Rey
      2001); :meth:`LisaPathResult.transition_table` gives counts per step, spatial cohesion (type 0
      share) and flux (I + II share).
    * **Rose**: the start–end vector (Δz, ΔWz) of each unit, its angle counter-clockwise from east, and
      the counts in ``k`` equal sectors — equal to giddy's ``Rose(Y[:, [0, -1]], w, k).counts`` (tested).
      Inference as giddy's ``Rose.permute``: the units' (start, end) pairs are permuted over the
      locations ``permutations`` times and the counts recomputed; ``expected`` is their mean and
      ``p_sim`` the folded one-sided pseudo p-value (ties on both sides; giddy's "two.sided" doubles
      it), seeded by ``numpy.random.default_rng(seed)``.  Quadrants of movement: 0–90° both rise
      (co-movement up), 90–180° the unit falls while its neighbours rise, 180–270° both fall, 270–360°
      the unit rises while its neighbours fall.

    Needs a balanced panel (every unit in every period; the error names the missing pairs) of at least
    **2 periods** and **3 units**, a column that is not constant in any period, and weights without
    islands.  Tables are sorted by (id, period); results do not depend on the row order.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 2 <= k <= 360:
        raise InputError(f"k (rose sectors) must be a whole number from 2 to 360, got {k!r}")
    permutations = check_permutations(permutations)
    refuse_bare_sparse(w, "lisa_paths")
    data = long_frame(df, id=id, time=time, columns=[column])
    if time not in data.columns:
        raise InputError(f"lisa_paths needs a period column; {time!r} is not in the data (pass time=)")
    periods = sorted(data[time].unique())
    T = len(periods)
    check_min_units(T, 2, method="lisa_paths", what="periods", why="a path needs a start and an end")
    wide = data.pivot(index=id, columns=time, values=column).reindex(columns=periods)
    if wide.isna().any().any():
        miss = wide.stack(future_stack=True)
        miss = miss[miss.isna()].index.tolist()
        raise InputError(f"lisa_paths needs every unit in every period; missing (id, {time}): {miss[:8]}"
                         f"{' …' if len(miss) > 8 else ''} ({len(miss)} in all)")
    ids = wide.index.to_numpy()
    n = len(ids)
    check_min_units(n, 3, method="lisa_paths")
    m = AlignedCache(w, transform, method="lisa_paths")(list(ids))
    y = np.empty((n, T))
    for t, p in enumerate(periods):
        v = wide[p].to_numpy(dtype=float)
        check_not_constant(v, column=column, method="lisa_paths", period=p)
        if standardize:
            v = rescale(v, column=column, period=p)
            v = (v - v.mean()) / v.std()
        y[:, t] = v
    lag = m @ y
    step = np.hypot(np.diff(y, axis=1), np.diff(lag, axis=1))
    length = step.sum(axis=1)
    dx, dy = y[:, -1] - y[:, 0], lag[:, -1] - lag[:, 0]
    straight = np.hypot(dx, dy)
    total = length.sum()
    relative = n * length / total if total > 0 else np.ones(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        tort = np.where(length == 0, 1.0, np.where(straight == 0, np.inf, length / straight))
    utheta, sector = _sectors(dx, dy, k)
    direction = np.minimum((utheta // (np.pi / 2)).astype(int), 3)
    # quadrants as spatialq.markov.lisa_markov / giddy: HH (z > 0, lag > 0), LH, LL, HL (≤ 0 is low)
    zc = y - y.mean(axis=0) if not standardize else y
    lc = m @ zc
    q = np.where(zc > 0, np.where(lc > 0, 0, 3), np.where(lc > 0, 1, 2))
    own_high, nb_high = (q == 0) | (q == 3), (q == 0) | (q == 1)
    moved_own = own_high[:, 1:] != own_high[:, :-1]
    moved_nb = nb_high[:, 1:] != nb_high[:, :-1]
    ttype = np.array(TRANSITION_TYPES)[moved_own.astype(int) + 2 * moved_nb.astype(int)]
    paths = pd.DataFrame({"id": ids, "path_length": length, "relative_length": relative, "tortuosity": tort,
                          "z_start": y[:, 0], "lag_start": lag[:, 0], "z_end": y[:, -1], "lag_end": lag[:, -1],
                          "dx": dx, "dy": dy, "length": straight, "angle_deg": np.degrees(utheta),
                          "sector": sector + 1, "direction": direction + 1,
                          "direction_zh": np.array(DIRECTIONS_ZH)[direction],
                          "direction_en": np.array(DIRECTIONS_EN)[direction],
                          "moves": (moved_own | moved_nb).sum(axis=1)})
    coords = pd.DataFrame({id: np.repeat(ids, T), time: np.tile(periods, n), "z": y.ravel(), "lag": lag.ravel(),
                           "quadrant": np.array(QUADRANTS)[q].ravel()})
    transitions = pd.DataFrame({id: np.repeat(ids, T - 1), "from_" + time: np.tile(periods[:-1], n),
                                "to_" + time: np.tile(periods[1:], n),
                                "from": np.array(QUADRANTS)[q[:, :-1]].ravel(),
                                "to": np.array(QUADRANTS)[q[:, 1:]].ravel(), "type": ttype.ravel()})
    transitions["type_zh"] = transitions["type"].map(TRANSITION_ZH)
    transitions["type_en"] = transitions["type"].map(TRANSITION_EN)
    counts = np.bincount(sector, minlength=k)
    rose = pd.DataFrame({"sector": np.arange(1, k + 1), "from_deg": 360.0 * np.arange(k) / k,
                         "to_deg": 360.0 * np.arange(1, k + 1) / k, "count": counts})
    if permutations:
        rng = np.random.default_rng(seed)
        ends = y[:, [0, -1]]
        sims = np.empty((k, permutations))
        block = max(1, 2_000_000 // n)
        for b0 in range(0, permutations, block):
            p = min(block, permutations - b0)
            order = np.stack([rng.permutation(n) for _ in range(p)], axis=1)  # n × p
            start, end = ends[order, 0], ends[order, 1]
            lag_change = m @ (end - start)  # the lag is linear: W y_end − W y_start
            sec = _sectors(end - start, lag_change, k)[1]  # n × p
            flat = (sec + k * np.arange(p)[None, :]).ravel()  # one bincount for all p draws
            sims[:, b0:b0 + p] = np.bincount(flat, minlength=k * p).reshape(p, k).T
        rose["expected"] = sims.mean(axis=1)
        rose["p_sim"] = folded_pvalue(sims, counts.astype(float), permutations)
    else:
        rose["expected"] = np.nan
        rose["p_sim"] = np.nan
    return LisaPathResult(
        meta=provenance("spatialq.hotspot.lisa_paths", seed=seed, n=len(data), column=column, k=k,
                        standardize=standardize, transform=transform, permutations=permutations),
        paths=paths, coords=coords, transitions=transitions, rose=rose, id=id, time=time)
