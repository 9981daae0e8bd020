"""Global Moran's I under several weight matrices in one table: the robustness table of applied papers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._guards import InputError
from .._numbers import number
from .._results import Result, provenance
from .moran import moran

__all__ = ["MoranRobustnessResult", "moran_robustness"]


def _stars(p: float) -> str:
    return "***" if p <= 0.01 else "**" if p <= 0.05 else "*" if p <= 0.10 else ""


@dataclass(frozen=True, eq=False, repr=False)
class MoranRobustnessResult(Result):
    """Moran's I per weight matrix and period (see :func:`moran_robustness`)."""

    table: pd.DataFrame
    time: str | None
    names: tuple

    def _title(self) -> str:
        return "Global Moran's I under several weight matrices"

    def _summary_lines(self) -> list[str]:
        return self.formatted().to_string(index=False).splitlines()

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per weight matrix and period: ``weights`` (the name given), the period, ``n``, ``I``,
        ``expectation``, ``z_norm``, ``p_norm``, ``z_rand``, ``p_rand``, ``p_sim``, ``z_sim``."""
        return self.table.rename(columns={"period": self.time or "period"}).copy()

    def wide(self, value: str = "I") -> pd.DataFrame:
        """One row per period, one column per weight matrix, holding ``value`` (e.g. "I", "z_rand")."""
        if value not in self.table.columns or value in ("weights", "period"):
            raise InputError(f"value must be one of the statistics {list(self.table.columns[2:])}, got {value!r}")
        out = self.table.pivot(index="period", columns="weights", values=value)[list(self.names)]
        out.columns.name = None
        return out.rename_axis(self.time or "period").reset_index()

    def formatted(self, p: Literal["p_rand", "p_norm", "p_sim"] = "p_rand", digits: int = 3) -> pd.DataFrame:
        """The paper's table: per period and matrix "I***" (stars at 1 / 5 / 10 % by ``p``) over "(z)"."""
        if p not in ("p_rand", "p_norm", "p_sim"):
            raise InputError(f"p must be 'p_rand', 'p_norm' or 'p_sim', got {p!r}")
        zcol = {"p_rand": "z_rand", "p_norm": "z_norm", "p_sim": "z_sim"}[p]
        rows = []
        for period, part in self.table.groupby("period", sort=True, dropna=False):
            part = part.set_index("weights")
            row = {self.time or "period": period}
            for name in self.names:
                r = part.loc[name]
                stars = "" if pd.isna(r[p]) else _stars(float(r[p]))
                row[name] = f"{number(r['I'], digits)}{stars} ({number(r[zcol], digits - 1)})"
            rows.append(row)
        return pd.DataFrame(rows)

    def _plot(self, ax, **kw):
        """Moran's I over the periods, one line per weight matrix."""
        for name in self.names:
            part = self.table[self.table["weights"] == name]
            x = part["period"] if part["period"].notna().all() else np.arange(len(part))
            ax.plot(x, part["I"], marker="o", label=str(name), **kw)
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.set_ylabel("Moran's I")
        ax.legend()
        return ax


def moran_robustness(
    df: pd.DataFrame,
    column: str,
    weights: Mapping[str, object],
    *,
    by: str | None = "year",
    transform: Literal["r", "b", "o"] = "r",
    permutations: int = 999,
    seed: int | None = None,
    id: str = "adcode",
) -> MoranRobustnessResult:
    """Global Moran's I of ``column`` under each weight matrix in ``weights`` (e.g. ``{"queen": w_q,
    "distance": w_d, "economic": w_e, "nested": w_n}`` from :mod:`spatialq.weights`), per period.

    Each row is :func:`moran` with that matrix — I, E[I] = −1/(n − 1), z and two-sided p under
    normality and randomisation (equal to spdep's ``moran.test``), and ``p_sim`` from ``permutations``
    random permutations seeded with ``seed`` (the same seed for every matrix, so the results do not
    depend on the order of ``weights``).  ``transform`` applies to every matrix (row-standardised by
    default, on a copy).  :meth:`MoranRobustnessResult.formatted` prints the usual table: I with stars
    at 1 / 5 / 10 % over its z in brackets; :meth:`~MoranRobustnessResult.wide` one statistic per matrix.

    Needs at least one matrix, with names that are non-empty strings; each matrix is checked by
    :func:`moran` (ids matching the data, no islands; errors name the matrix).
    """
    if not isinstance(weights, Mapping) or not weights:
        raise InputError("weights must be a non-empty dict of name -> weights, e.g. {'queen': w1, 'distance': w2}")
    bad = [k for k in weights if not isinstance(k, str) or not k.strip()]
    if bad:
        raise InputError(f"weight matrix names must be non-empty strings, got {bad}")
    frames = []
    for name, w in weights.items():
        try:
            r = moran(df, column, w, by=by, transform=transform, permutations=permutations, seed=seed, id=id)
        except (InputError, TypeError) as err:
            raise type(err)(f"weights {name!r}: {err}") from err
        frames.append(r.table.assign(weights=name))
    table = pd.concat(frames, ignore_index=True)
    cols = ["weights", "period", "n", "I", "expectation", "variance_norm", "z_norm", "p_norm", "variance_rand",
            "z_rand", "p_rand", "p_sim", "z_sim", "mean_sim"]
    table = table[cols]
    return MoranRobustnessResult(
        meta=provenance("spatialq.hotspot.moran_robustness", seed=seed, n=int(table["n"].sum() // len(weights)),
                        column=column, weights=tuple(weights), transform=transform, permutations=permutations),
        table=table, time=None if table["period"].isna().all() else by, names=tuple(weights))
