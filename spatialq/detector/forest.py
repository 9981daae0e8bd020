"""Random-forest importance and partial dependence of the drivers (optional: scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._guards import InputError, check_finite, check_min_units, check_not_constant
from .._results import Result, provenance

__all__ = ["ForestResult", "forest_importance"]


@dataclass(frozen=True, eq=False, repr=False)
class ForestResult(Result):
    """Random-forest importance (see :func:`forest_importance`).

    ``importance``: per feature ``inc_mse`` (mean increase of the MSE when the feature is permuted),
    ``inc_mse_pct`` (as % of the unpermuted MSE, the %IncMSE style of R randomForest), ``inc_mse_sd``
    over repeats, ``impurity`` (mean decrease in impurity, sums to 1) and ``rank``.
    ``partial_dependence``: feature, grid value, average prediction.  ``oob_r2``: out-of-bag R².
    """

    importance: pd.DataFrame
    partial_dependence: pd.DataFrame
    oob_r2: float

    def _title(self) -> str:
        return "Random-forest importance"

    def _summary_lines(self) -> list[str]:
        lines = [f"out-of-bag R² = {self.oob_r2:.4f}", f"{'feature':<20}{'%IncMSE':>10}{'impurity':>10}{'rank':>6}"]
        for f, r in self.importance.iterrows():
            lines.append(f"{f!s:<20}{r.inc_mse_pct:>10.2f}{r.impurity:>10.4f}{int(r['rank']):>6}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The importance table (one row per feature)."""
        return self.importance.copy()

    def _plot(self, ax, kind: str = "importance", feature: str | None = None, **kw):
        if kind == "importance":
            s = self.importance["inc_mse_pct"].sort_values()
            ax.barh(s.index.astype(str), s.to_numpy(), color=kw.pop("color", "#4477aa"), **kw)
            ax.set_xlabel("%IncMSE")
            return ax
        pdp = self.partial_dependence
        f = feature or pdp["feature"].iloc[0]
        part = pdp[pdp["feature"] == f]
        ax.plot(part["value"], part["prediction"], **kw)
        ax.set_xlabel(str(f))
        ax.set_ylabel("partial dependence")
        return ax


def forest_importance(
    df: pd.DataFrame,
    y: str,
    features: Sequence[str],
    *,
    n_estimators: int = 500,
    permutation_repeats: int = 10,
    grid_resolution: int = 30,
    seed: int | None = None,
) -> ForestResult:
    """Random-forest regression of ``y`` on ``features`` with permutation and impurity importance.

    A scikit-learn ``RandomForestRegressor`` (``n_estimators`` trees, bootstrap, out-of-bag score)
    seeded with ``seed``; permutation importance on the training data over ``permutation_repeats``
    shuffles (``sklearn.inspection.permutation_importance``, scoring by MSE) — reported as the
    increase in MSE and as a percentage of the unpermuted MSE (%IncMSE style; R's randomForest
    measures on out-of-bag rows instead, so values differ in scale); partial dependence on a
    ``grid_resolution`` grid per feature (average over the data).  Missing values are an error.

    Needs at least 10 rows (out-of-bag predictions need every row left out of some trees), finite
    values, a y that varies and each feature once.  Rows are put in a canonical order (sorted by y
    and the features) before the seeded forest is grown, so the same seed gives the same result
    whatever the row order of ``df``.
    """
    try:
        from sklearn.ensemble import RandomForestRegressor
        from sklearn.inspection import partial_dependence, permutation_importance
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("forest_importance needs scikit-learn: pip install 'spatialq[forest]'") from exc
    features = [features] if isinstance(features, str) else list(features)
    if not features:
        raise InputError("give at least one feature")
    if y in features:
        raise InputError(f"{y!r} is both the response and a feature; remove it from the features")
    twice = [f for f in dict.fromkeys(features) if features.count(f) > 1]
    if twice:
        raise InputError(f"forest_importance: feature {', '.join(map(repr, twice))} is listed more than once")
    missing = [c for c in [y, *features] if c not in df.columns]
    if missing:
        raise KeyError(f"columns not found: {missing}")
    data = df[[y, *features]]
    if data.isna().any().any():
        raise InputError(f"missing values in {list(data.columns[data.isna().any()])}; fill or drop them first")
    check_min_units(len(data), 10, method="forest_importance", what="rows",
                    why="out-of-bag predictions need every row left out of some trees")
    data = data.sort_values([y, *features], kind="mergesort")  # canonical order: row order changes nothing
    for c in [y, *features]:
        check_finite(data[c].to_numpy(dtype=float), column=c)
    X = data[features].to_numpy(dtype=float)
    yv = data[y].to_numpy(dtype=float)
    check_not_constant(yv, column=y, method="forest_importance")
    model = RandomForestRegressor(n_estimators=n_estimators, oob_score=True, random_state=seed, n_jobs=1)
    model.fit(X, yv)
    base = float(np.mean((model.predict(X) - yv) ** 2))
    perm = permutation_importance(model, X, yv, n_repeats=permutation_repeats, random_state=seed,
                                  scoring="neg_mean_squared_error")
    imp = pd.DataFrame({"inc_mse": perm.importances_mean, "inc_mse_sd": perm.importances_std,
                        "impurity": model.feature_importances_}, index=pd.Index(features, name="feature"))
    imp["inc_mse_pct"] = 100 * imp["inc_mse"] / base if base > 0 else np.nan
    imp["rank"] = imp["inc_mse"].rank(ascending=False, method="min").astype(int)
    rows = []
    for j, f in enumerate(features):
        pdres = partial_dependence(model, X, [j], grid_resolution=grid_resolution, kind="average")
        grid = pdres["grid_values"][0]
        rows.append(pd.DataFrame({"feature": f, "value": grid, "prediction": pdres["average"][0]}))
    return ForestResult(meta=provenance("spatialq.detector.forest_importance", seed=seed, n=len(yv), y=y,
                                        features=features, n_estimators=n_estimators,
                                        permutation_repeats=permutation_repeats),
                        importance=imp[["inc_mse", "inc_mse_pct", "inc_mse_sd", "impurity", "rank"]],
                        partial_dependence=pd.concat(rows, ignore_index=True), oob_r2=float(model.oob_score_))
