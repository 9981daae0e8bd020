"""Stratified bootstrap percentile intervals for the Dagum Gini decomposition (used by
:func:`spatialq.inequality.dagum_gini` with ``bootstrap > 0``).

Each replication resamples, in every period, the regions of each group with replacement, keeping
every group's size (the groups — east, centre, west — are fixed by design, not sampled: a bootstrap
that let group sizes vary would mix sampling noise with changes of the population shares p_j that
the decomposition conditions on).  Replication r draws from ``default_rng(SeedSequence(seed).spawn(B)[r])``
and its periods in sorted order, so the draws do not depend on ``n_jobs``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from .._guards import InputError, at, check_permutations
from .._parallel import groups as job_groups
from .._parallel import pmap

__all__ = ["bootstrap_intervals", "check_bootstrap"]

_TOTALS = ("gini", "within", "between", "transvariation", "within_share", "between_share", "transvariation_share")


def check_bootstrap(bootstrap, level) -> tuple[int, float]:
    """``bootstrap`` 0 (none) or enough replications for at least one draw beyond each percentile."""
    b = check_permutations(bootstrap, name="bootstrap")
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating) or not 0 < level < 1:
        raise InputError(f"level must be a number strictly between 0 and 1 (e.g. 0.95), got {level!r}")
    if b and b * (1 - level) / 2 < 1:
        need = int(np.ceil(2 / (1 - level)))
        raise InputError(f"bootstrap={b} is too few for a {level:.0%} percentile interval: use at least {need} "
                         "(199 or 999 are usual)")
    return b, float(level)


def _flat(r: dict) -> dict:
    """The statistics of one decomposition keyed by (statistic, group, group_low)."""
    g = r["total"]
    out = {("gini", None, None): g, ("within", None, None): r["gw"], ("between", None, None): r["gnb"],
           ("transvariation", None, None): r["gt"]}
    for k, part in (("within_share", "gw"), ("between_share", "gnb"), ("transvariation_share", "gt")):
        out[(k, None, None)] = r[part] / g if g > 0 else np.nan
    for grp, val in r["gjj"].items():
        out[("group_gini", grp, None)] = val
    for j, h, gjh, *_ in r["pairs"]:
        out[("pair_gini", frozenset((j, h)), None)] = gjh  # G_jh is symmetric: the mean order may flip in a draw
    return out


def _replicate(child, periods: list, labels: list, decompose: Callable) -> list[dict]:
    rng = np.random.default_rng(child)
    res = []
    for _, values, groups, strata in periods:
        take = np.concatenate([pos[rng.integers(0, len(pos), len(pos))] for pos in strata])
        res.append(_flat(decompose(values[take], groups[take], labels)))
    return res


def _chunk(children: list, periods: list, labels: list, decompose: Callable) -> list[list[dict]]:
    return [_replicate(c, periods, labels, decompose) for c in children]


def bootstrap_intervals(periods: list, labels: list, estimates: list[dict], *, decompose: Callable, bootstrap: int,
                        level: float, seed, n_jobs: int = 1) -> pd.DataFrame:
    """Percentile intervals per period and statistic.

    ``periods``: (period, values, groups, when) per period (values already rescaled); ``estimates``: the
    point decompositions.  Returns period, statistic, group, group_low, estimate, se (bootstrap standard
    deviation), lower, upper, level and the number of replications.
    """
    prepared = []
    for period, values, groups, when in periods:
        strata = []
        for grp in labels:
            pos = np.flatnonzero(groups == grp)
            if len(pos) == 1:
                raise InputError(f"dagum_gini: group {grp!r} has a single region{at(when)}; a stratified bootstrap "
                                 "cannot resample it (its Gini would be 0 in every draw). Merge it with another "
                                 "group, drop it, or use bootstrap=0")
            if len(pos):
                strata.append(pos)
        prepared.append((period, values, groups, strata))
    children = np.random.SeedSequence(seed).spawn(bootstrap)
    if n_jobs == 1:
        draws = [_replicate(c, prepared, labels, decompose) for c in children]
    else:  # contiguous groups of replications, concatenated back in order
        parts = pmap(partial(_chunk, periods=prepared, labels=labels, decompose=decompose),
                     job_groups(children, n_jobs, per_worker=4), n_jobs=n_jobs)
        draws = [d for part in parts for d in part]
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    rows = []
    for k, (period, *_rest) in enumerate(periods):
        est = _flat(estimates[k])
        for key, value in est.items():
            x = np.array([d[k][key] for d in draws], dtype=float)
            ok = np.isfinite(x)
            stat, grp, low = key
            if stat == "pair_gini":
                high_low = next((j, h) for j, h, *_ in estimates[k]["pairs"] if frozenset((j, h)) == grp)
                grp, low = high_low
            lower, upper = (np.quantile(x[ok], [lo_q, hi_q]) if ok.sum() else (np.nan, np.nan))
            rows.append(dict(period=period, statistic=stat, group=grp, group_low=low, estimate=value,
                             se=float(np.std(x[ok], ddof=1)) if ok.sum() > 1 else np.nan,
                             lower=float(lower), upper=float(upper), level=level, replications=int(ok.sum())))
    return pd.DataFrame(rows)
