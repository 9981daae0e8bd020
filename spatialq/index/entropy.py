"""Entropy weights, TOPSIS and weighted sums for indicator systems with +/− directions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame, time_col
from .._guards import InputError, at, check_min_units, scale_exponent
from .._results import Result, provenance

__all__ = ["EntropyResult", "TopsisResult", "entropy", "normalize", "topsis", "weighted_sum"]


def _directions(indicators) -> dict[str, int]:
    if isinstance(indicators, Mapping):
        out = {}
        for col, d in indicators.items():
            if d in (1, "+", "positive", "benefit"):
                out[col] = 1
            elif d in (-1, "-", "−", "negative", "cost"):
                out[col] = -1
            else:
                raise ValueError(f"direction of {col!r} must be +1 (benefit) or -1 (cost), got {d!r}")
        if not out:
            raise ValueError("no indicators given")
        return out
    raise TypeError("indicators must be a dict {column: +1 or -1}, e.g. {'gdp_pc': 1, 'so2': -1}")


def _pow2(raw: np.ndarray) -> np.ndarray:
    """``raw`` divided by a power of two near its largest magnitude (exact; sums of squares cannot overflow)."""
    return np.ldexp(raw, -scale_exponent(raw, always=True))


def normalize(x: pd.DataFrame, directions: dict[str, int], groups: pd.Series | None = None,
              *, ids: pd.Series | None = None) -> pd.DataFrame:
    """Min–max normalisation with direction: (x − min)/(max − min) for +1, (max − x)/(max − min) for −1.

    ``groups`` (e.g. the year) normalises within each group.  Each column is first divided by a power of two
    near its largest magnitude — exact, and max − min cannot overflow, so −1e308 … 1e308 gives the same
    values as the same pattern at scale 1.  A column that is constant (within a group; max − min ≤ 1e-12 ·
    max|x|) is an error naming it and the group.
    """
    out = pd.DataFrame(index=x.index)
    keys = groups if groups is not None else pd.Series(0, index=x.index)
    for col, d in directions.items():
        raw = x[col].to_numpy(dtype=float)
        v = pd.Series(_pow2(raw), index=x.index)
        lo = v.groupby(keys).transform("min")
        hi = v.groupby(keys).transform("max")
        span = hi - lo
        flat = span <= 1e-12 * np.maximum(hi.abs(), lo.abs())
        if flat.any():
            where = sorted(set(keys[flat]))
            extra = f" in {groups.name} {where[:10]}" if groups is not None else ""
            hint = (" (per-period normalisation: pooled=True normalises over all periods)" if groups is not None
                    else "")
            raise InputError(f"indicator {col!r} is constant{extra} ({raw[np.flatnonzero(flat.to_numpy())[0]]:.6g}"
                             f" for every unit): it carries no information and min–max normalisation divides by "
                             f"zero; drop it{hint}")
        out[col] = (v - lo) / span if d == 1 else (hi - v) / span
    return out


@dataclass(frozen=True, eq=False, repr=False)
class EntropyResult(Result):
    """Entropy-weight index (see :func:`entropy`).

    Attributes
    ----------
    weights : DataFrame
        One row per indicator (and year when ``pooled=False``): ``indicator``, ``direction``,
        ``subsystem``, ``entropy`` e_j, ``divergence`` d_j = 1 − e_j, ``weight`` w_j (sums to 1),
        ``weight_in_subsystem`` (sums to 1 within each sub-system).
    scores : DataFrame
        ``id``, ``time``, ``score`` (Σ w_j x'_j, in [0, 1]) and one column per sub-system.
    normalized : DataFrame
        The direction-adjusted min–max values x'_ij, keyed by id and time.
    """

    weights: pd.DataFrame
    scores: pd.DataFrame
    normalized: pd.DataFrame
    id: str
    time: str | None

    def _title(self) -> str:
        return "Entropy-weight index"

    def _summary_lines(self) -> list[str]:
        w = self.weights
        if "year" in w.columns and w["year"].nunique() > 1:
            show = w.groupby(["indicator", "direction", "subsystem"], sort=False)["weight"].mean().reset_index()
            head = "mean weight over years (per-year weights in .weights)"
        else:
            show, head = w, "weights"
        lines = [head, f"{'indicator':<28}{'dir':>4}{'subsystem':>14}{'entropy':>10}{'weight':>9}"]
        for r in show.itertuples():
            e = getattr(r, "entropy", float("nan"))
            lines.append(f"{r.indicator!s:<28}{'+' if r.direction > 0 else '−':>4}{r.subsystem!s:>14}"
                         f"{e:>10.4f}{r.weight:>9.4f}")
        s = self.scores["score"]
        lines.append(f"\nscores: n = {len(s)}, mean {s.mean():.4f}, min {s.min():.4f}, max {s.max():.4f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Scores keyed by id and time (one row per region-year)."""
        return self.scores.copy()

    def _plot(self, ax, **kw):
        w = self.weights.groupby("indicator", sort=False)["weight"].mean().sort_values()
        ax.barh(w.index.astype(str), w.to_numpy(), color=kw.pop("color", "#4477aa"), **kw)
        ax.set_xlabel("entropy weight")
        return ax


def _entropy_weights(xn: pd.DataFrame, shift: float, period=None) -> tuple[np.ndarray, np.ndarray]:
    z = xn.to_numpy(dtype=float) + shift
    n = z.shape[0]
    if n < 2:
        raise InputError(f"entropy weights need at least 2 observations{at(period)}; there is {n} (ln N = 0)")
    colsum = z.sum(axis=0)
    if np.any(colsum == 0):
        bad = list(xn.columns[colsum == 0])
        raise InputError(f"indicators {bad} are all zero after normalisation{at(period)}; use shift > 0")
    p = z / colsum
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)  # 0·ln 0 = 0
    e = -plogp.sum(axis=0) / np.log(n)
    d = 1.0 - e
    if d.sum() <= 0:
        raise InputError(f"all indicators have entropy 1 (no variation){at(period)}: weights are undefined")
    return e, d / d.sum()


def entropy(
    df: pd.DataFrame,
    indicators: Mapping[str, int],
    *,
    subsystems: Mapping[str, str] | None = None,
    pooled: bool = True,
    shift: float = 1e-4,
    id: str = "adcode",
    time: str = "year",
) -> EntropyResult:
    """Entropy-weight composite index.

    For indicator j and observation i (a region-year when pooled):

    * x'_ij = (x_ij − min_j)/(max_j − min_j) for a benefit (+1) indicator,
      (max_j − x_ij)/(max_j − min_j) for a cost (−1) one;
    * p_ij = (x'_ij + shift) / Σ_i (x'_ij + shift);
    * e_j = −(1/ln N) Σ_i p_ij ln p_ij   (0·ln 0 = 0), N the number of observations;
    * d_j = 1 − e_j,  w_j = d_j / Σ_k d_k;
    * score_i = Σ_j w_j x'_ij  (in [0, 1]; multiply by 100 for the usual tables).

    With ``pooled=True`` (the usual choice for panels) min, max and p are taken over all
    region-years, so k = 1/ln(nT) and the weights are the same every year; ``pooled=False``
    computes everything within each year.  Negative and zero raw values are fine: only
    differences enter through min–max.  ``shift`` (default 1e-4) keeps ln p finite; with
    ``shift=0`` zero shares contribute 0 (the limit of p ln p).

    Sub-systems (``{"gdp_pc": "economy", "so2": "environment"}``) each get a score with the
    weights renormalised inside the sub-system (w_j / Σ_{k∈s} w_k); these are the U_i that
    :func:`spatialq.index.coupling` combines.

    Minimum sizes: at least 2 observations (region-years when pooled, regions in every year
    otherwise; ln N must be positive); every indicator must vary (a constant one is an error
    naming it, and the year when ``pooled=False``).  Magnitudes do not matter: min–max is computed
    on each column divided by a power of two, so values near ±1e308 give the weights of the same
    pattern at scale 1.  ``scores`` and ``normalized`` are sorted by (id, time).

    References: Shannon (1948); the entropy-weight method as used in Chinese regional
    studies, e.g. Zhu & Liu (2009) and papers following them.

    Parameters
    ----------
    df : DataFrame
        Long panel (one row per id and year) or a cross-section (no ``time`` column).
    indicators : dict
        ``{column: +1 or -1}``.
    subsystems : dict, optional
        ``{column: subsystem name}`` for every indicator.
    pooled : bool, default True
    shift : float, default 1e-4
    id, time : str

    Returns
    -------
    EntropyResult
    """
    dirs = _directions(indicators)
    if shift < 0:
        raise ValueError(f"shift must be >= 0, got {shift}")
    if subsystems is not None:
        missing = [c for c in dirs if c not in subsystems]
        if missing:
            raise ValueError(f"subsystems= does not assign {missing}; give every indicator a sub-system")
        extra = [c for c in subsystems if c not in dirs]
        if extra:
            raise ValueError(f"subsystems= names columns that are not indicators: {extra}")
    data = long_frame(df, id=id, time=time, columns=list(dirs))
    t = time_col(data, time)
    data = data.sort_values([id, t], kind="mergesort").reset_index(drop=True)
    if pooled:
        check_min_units(len(data), 2, method="entropy", what="observations", why="ln N must be positive")
    else:
        for year, size in data.groupby(t).size().items():
            check_min_units(int(size), 2, method="entropy (pooled=False)", period=year, what="regions",
                            why="ln N must be positive")
    groups = None if pooled else data[t].rename(t)
    xn = normalize(data, dirs, groups)
    sub = pd.Series({c: (subsystems or {}).get(c, "all") for c in dirs})
    rows = []
    weight_by_time: dict = {}
    blocks = [(None, xn.index)] if pooled else list(data.groupby(t).groups.items())
    for year, idx in blocks:
        e, w = _entropy_weights(xn.loc[idx], shift, None if t == "_time" else year)
        weight_by_time[year] = pd.Series(w, index=list(dirs))
        for j, col in enumerate(dirs):
            rows.append({"indicator": col, "direction": dirs[col], "subsystem": sub[col], "entropy": e[j],
                         "divergence": 1 - e[j], "weight": w[j], **({"year": year} if not pooled else {})})
    weights = pd.DataFrame(rows)
    weights["weight_in_subsystem"] = weights["weight"] / weights.groupby(
        ["subsystem", *([] if pooled else ["year"])])["weight"].transform("sum")
    if not pooled:
        weights = weights[["year", *[c for c in weights.columns if c != "year"]]]
    scores = data[[id, t]].copy()
    wmat = (pd.DataFrame([weight_by_time[None]] * len(data), index=data.index) if pooled
            else pd.DataFrame([weight_by_time[y] for y in data[t]], index=data.index))
    scores["score"] = (xn * wmat).sum(axis=1)
    if subsystems is not None:
        for s in dict.fromkeys(sub):
            cols = list(sub.index[sub == s])
            part = wmat[cols]
            scores[s] = (xn[cols] * part).sum(axis=1) / part.sum(axis=1)
    norm = pd.concat([data[[id, t]], xn], axis=1)
    if t == "_time":
        scores, norm = scores.drop(columns="_time"), norm.drop(columns="_time")
    return EntropyResult(
        meta=provenance("spatialq.index.entropy", n=len(data), pooled=pooled, shift=shift,
                        indicators=dict(dirs), subsystems=dict(subsystems or {})),
        weights=weights.reset_index(drop=True), scores=scores.reset_index(drop=True),
        normalized=norm.reset_index(drop=True), id=id, time=None if t == "_time" else t,
    )


def weighted_sum(
    df: pd.DataFrame,
    indicators: Mapping[str, int],
    *,
    weights: Mapping[str, float],
    pooled: bool = True,
    id: str = "adcode",
    time: str = "year",
) -> pd.DataFrame:
    """Score Σ_j w_j x'_ij with given weights on direction-adjusted min–max values.

    Weights are rescaled to sum to 1.  Returns a frame with ``id``, ``time`` and ``score``, sorted by
    (id, time).  Needs indicators that vary (over the panel, or in every year when
    ``pooled=False``): a constant one is an error naming it.
    """
    dirs = _directions(indicators)
    w = pd.Series({c: float(weights[c]) for c in dirs}) if set(weights) >= set(dirs) else None
    if w is None:
        raise ValueError(f"weights= misses {sorted(set(dirs) - set(weights))}")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    data = long_frame(df, id=id, time=time, columns=list(dirs))
    t = time_col(data, time)
    data = data.sort_values([id, t], kind="mergesort").reset_index(drop=True)
    xn = normalize(data, dirs, None if pooled else data[t].rename(t))
    out = data[[id, t]].copy()
    out["score"] = xn.to_numpy() @ (w / w.sum()).to_numpy()
    return (out.drop(columns="_time") if t == "_time" else out).reset_index(drop=True)


@dataclass(frozen=True, eq=False, repr=False)
class TopsisResult(Result):
    """TOPSIS scores (see :func:`topsis`)."""

    scores: pd.DataFrame
    weights: pd.Series
    ideal: pd.DataFrame

    def _title(self) -> str:
        return "TOPSIS"

    def _summary_lines(self) -> list[str]:
        lines = ["weights: " + ", ".join(f"{k} {v:.4f}" for k, v in self.weights.items())]
        s = self.scores["score"]
        lines.append(f"scores: n = {len(s)}, mean {s.mean():.4f}, min {s.min():.4f}, max {s.max():.4f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """``id``, ``time``, ``d_best`` (D+), ``d_worst`` (D−) and ``score`` = D−/(D+ + D−)."""
        return self.scores.copy()

    def _plot(self, ax, **kw):
        ax.hist(self.scores["score"], bins=kw.pop("bins", 20), color=kw.pop("color", "#4477aa"), **kw)
        ax.set_xlabel("TOPSIS score")
        return ax


def topsis(
    df: pd.DataFrame,
    indicators: Mapping[str, int],
    *,
    weights: Mapping[str, float] | None = None,
    normalization: Literal["minmax", "vector"] = "minmax",
    pooled: bool = True,
    id: str = "adcode",
    time: str = "year",
) -> TopsisResult:
    """TOPSIS (Hwang & Yoon 1981) with entropy or given weights.

    v_ij = w_j r_ij, with r the direction-adjusted min–max values (``"minmax"``, the
    entropy-TOPSIS of Chinese papers; larger is better for every column) or the vector
    normalisation x_ij/√Σ_i x_ij² (``"vector"``, the original method; the best value is the
    maximum for benefit and the minimum for cost indicators).  D+_i = ‖v_i − v+‖,
    D−_i = ‖v_i − v−‖ (Euclidean), score_i = D−_i / (D+_i + D−_i) ∈ [0, 1].

    ``weights=None`` uses pooled entropy weights (:func:`entropy`, shift 1e-4).  ``pooled``
    takes the ideal points (and min–max) over the whole panel rather than per year.

    Needs at least 2 observations (in every year when ``pooled=False``) and indicators that vary
    (a constant one is an error naming it); the scores are sorted by (id, time).
    """
    dirs = _directions(indicators)
    if normalization not in ("minmax", "vector"):
        raise ValueError(f"normalization must be 'minmax' or 'vector', got {normalization!r}")
    data = long_frame(df, id=id, time=time, columns=list(dirs))
    t = time_col(data, time)
    data = data.sort_values([id, t], kind="mergesort").reset_index(drop=True)
    sizes = {None: len(data)} if pooled else data.groupby(t).size().to_dict()
    for year, size in sizes.items():
        check_min_units(int(size), 2, method="topsis", period=None if t == "_time" else year, what="observations")
    if weights is None:
        w = entropy(df, dirs, pooled=True, id=id, time=time).weights.set_index("indicator")["weight"]
    else:
        missing = sorted(set(dirs) - set(weights))
        if missing:
            raise ValueError(f"weights= misses {missing}")
        w = pd.Series({c: float(weights[c]) for c in dirs})
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        w = w / w.sum()
    w = w.reindex(list(dirs))
    groups = None if pooled else data[t]
    if normalization == "minmax":
        r = normalize(data, dirs, None if pooled else data[t].rename(t))
        best_is_max = {c: True for c in dirs}
    else:
        cols = list(dirs)
        keys = groups if groups is not None else pd.Series(0, index=data.index)
        scaled = pd.DataFrame({c: _pow2(data[c].to_numpy(dtype=float)) for c in cols}, index=data.index)
        norm = scaled.pow(2).groupby(keys).transform("sum").pow(0.5)
        if (norm == 0).any().any():
            bad = [c for c in cols if (norm[c] == 0).any()]
            raise InputError(f"indicators {bad} are all zero; vector normalisation divides by zero")
        r = scaled / norm
        best_is_max = {c: dirs[c] == 1 for c in dirs}
    v = r * w
    keys = groups if groups is not None else pd.Series(0, index=data.index)
    vmax, vmin = v.groupby(keys).transform("max"), v.groupby(keys).transform("min")
    best = pd.DataFrame({c: vmax[c] if best_is_max[c] else vmin[c] for c in dirs})
    worst = pd.DataFrame({c: vmin[c] if best_is_max[c] else vmax[c] for c in dirs})
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    if ((dp + dm) == 0).any():
        raise ValueError("every indicator is at its best and worst at once (no variation)")
    scores = data[[id, t]].copy()
    scores["d_best"], scores["d_worst"], scores["score"] = dp, dm, dm / (dp + dm)
    ideal = pd.concat({"best": best.groupby(keys).first(), "worst": worst.groupby(keys).first()})
    if t == "_time":
        scores = scores.drop(columns="_time")
    return TopsisResult(
        meta=provenance("spatialq.index.topsis", n=len(data), normalization=normalization, pooled=pooled,
                        weights="entropy" if weights is None else "given"),
        scores=scores.reset_index(drop=True), weights=w, ideal=ideal,
    )
