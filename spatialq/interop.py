"""Hand weights and regression results to PySAL, and take PySAL weights back.

``to_pysal(w)`` gives a libpysal ``Graph`` (or ``W``) copy of spatialq weights, transformed as asked;
``to_pysal(result, df, w)`` re-fits a cross-section spatial regression in spreg with the same design, weights
and estimator, for users who continue with spreg's own diagnostics and output, and gives the esda object of each
period of a global Moran / Geary / General G / join-count result; ``from_pysal(w)`` takes a libpysal
``W`` or ``Graph`` (from any PySAL workflow) as spatialq weights, checked against the data's ids.  Nothing here
estimates anything itself.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import pandas as pd
import scipy.sparse as sp
from libpysal.weights import W

from ._data import unit_weights
from ._guards import InputError
from ._wmatrix import aligned, with_unit_ids

__all__ = ["from_pysal", "to_pysal"]

_TRANSFORMS = ("o", "r", "b")


def _copy_w(w, *, transform: str, what: str) -> W:
    if transform not in _TRANSFORMS:
        raise InputError(f"{what}: transform must be one of {_TRANSFORMS}, got {transform!r}")
    if isinstance(w, W):  # the caller's current weights become the copy's original ones
        out = W({k: list(v) for k, v in w.neighbors.items()}, {k: list(v) for k, v in w.weights.items()},
                id_order=list(w.id_order), silence_warnings=True)
    elif hasattr(w, "to_W"):  # libpysal.graph.Graph
        out = w.to_W()
    else:
        raise InputError(f"{what}: expected a libpysal W or Graph, got {type(w).__name__}")
    if transform != "o":
        out.transform = transform
    return out


def from_pysal(w, *, ids=None, transform: str = "o") -> W:
    """spatialq weights (a libpysal ``W``) from a libpysal ``W`` or ``Graph``, on a copy.

    Parameters
    ----------
    w : libpysal W or Graph
        Built anywhere in PySAL (``libpysal.graph.Graph.build_contiguity``, ``weights.KNN`` …).  Never modified.
    ids : sequence, optional
        The ids of the data the weights will be used with (e.g. ``df["adcode"]``): checked to be exactly the
        weights' ids, and that no unit is an island (spatialq's island policy) — the errors name them.
    transform : {"o", "r", "b"}
        "o" keeps the weights as given (spatialq's functions transform their own copies), "r" row-standardises,
        "b" binarises.

    Returns
    -------
    libpysal.weights.W
        A new object with the same ids, links and weights (``to_pysal`` inverts it exactly).
    """
    out = _copy_w(w, transform=transform, what="from_pysal")
    if ids is not None:
        aligned(out, list(ids), transform="o", method="from_pysal")  # ids match both ways, no islands
    return out


def _spreg_refit(result, df: pd.DataFrame, w, *, id: str | None):
    import spreg

    from .regression import _spec
    from .regression.gmm import _pysal_w, sorted_by_id, spreg_model

    opts = dict(result.meta.options)
    model = result.model
    id = id or result.residuals.index.name or "adcode"
    durbin = [t[2:] for t in result.params.index if t.startswith("W*")] or None
    gmm = result.meta.method == "spatialq.regression.spatial_gmm"
    if result.panel:
        raise InputError("to_pysal: panel results have no spreg counterpart (spreg fits cross-sections)")
    w = unit_weights(w, df, id=id, time=None, method="to_pysal")  # a bare sparse w follows the input's rows
    spec, ids, Wm = _spec(sorted_by_id(df, id), result.formula, w, id=id, transform=opts.get("transform", "r"),
                          durbin=durbin, logdet="lu", order=2, seed=0, method="to_pysal")
    if sorted(map(str, ids)) != sorted(map(str, result.residuals.index)):
        raise InputError("to_pysal: df does not hold the units the result was estimated on (compare "
                         "result.residuals.index with the frame's ids)")
    names = list(spec.names)
    if names[0] != "Intercept":
        raise InputError("to_pysal: spreg always adds an intercept; the result's formula has none")
    k = len(names)
    lagged = [j for j in range(1, k) if f"W*{names[j]}" in result.params.index]
    slx = dict(slx_lags=1 if lagged else 0,
               slx_vars="All" if len(lagged) in (0, k - 1) else [j in lagged for j in range(1, k)])
    y, x, Wl = spec.y[:, None], spec.X[:, 1:], _pysal_w(Wm)
    kw = dict(name_y=spec.response, name_x=names[1:], name_w="spatialq W", name_ds="spatialq")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        if gmm:
            if opts.get("robust") == "hac":
                raise InputError("to_pysal: re-fit a HAC result with spreg.GM_Lag(robust='hac', gwk=...) "
                                 "yourself; spreg needs its own Kernel object")
            return spreg_model(model, y, x, Wl, errors=opts.get("errors", "kp"), robust=opts.get("robust"), gwk=None,
                               w_lags=int(opts.get("w_lags", 2)), slx_vars=slx["slx_vars"], n_slx=len(lagged),
                               labels=kw)
        if model in {"ols", "slx"}:
            return spreg.OLS(y, x, w=Wl, spat_diag=True, moran=True, **slx, **kw)
        if model in {"sar", "sdm"}:
            return spreg.ML_Lag(y, x, Wl, method="full", spat_impacts=None, **slx, **kw)
        if model in {"sem", "sdem"}:
            return spreg.ML_Error(y, x, Wl, method="full", **slx, **kw)
    raise InputError(f"to_pysal: spreg has no maximum-likelihood {model.upper()} (SAC); fit "
                     "spatial_gmm(model='sac') for spreg's GM_Combo")


def _esda_refit(result, df: pd.DataFrame, w, *, id: str, permutations: int):
    """esda objects for a global Moran / Geary / General G / join-count result, per period."""
    import esda
    import numpy as np
    from libpysal.weights import WSP

    from ._data import long_frame, time_col

    opts = dict(result.meta.options)
    column, by = opts["column"], result.time
    statistic = getattr(result, "statistic", "moran")
    sparse = sp.issparse(w)
    data = long_frame(df, id=id, time=by, columns=[column], row="_row" if sparse else None)
    t = time_col(data, by)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for period, idx in data.groupby(t, sort=True).indices.items():
            rows = np.sort(idx)
            ids = list(data[id].to_numpy()[rows])
            x = data[column].to_numpy(dtype=float)[rows]
            wp = w
            if sparse:  # as hotspot.moran: a bare sparse w follows the input's rows of each period
                given = rows[np.argsort(data["_row"].to_numpy()[rows], kind="stable")]
                wp = with_unit_ids(w, data[id].to_numpy()[given])
            m = aligned(wp, ids, transform=opts.get("transform", "r"), method="to_pysal")
            Wp = WSP(m, id_order=ids).to_W(silence_warnings=True)  # the data's ids, a fresh object for esda
            if statistic == "moran":
                out[period] = esda.Moran(x, Wp, transformation="o", permutations=permutations)
            elif statistic == "geary":
                out[period] = esda.Geary(x, Wp, transformation="o", permutations=permutations)
            elif statistic == "general_g":
                out[period] = esda.G(x, Wp, permutations=permutations)
            else:
                out[period] = esda.Join_Counts(x, Wp, permutations=permutations)
    return out if t != "_time" else next(iter(out.values()))


def to_pysal(obj, df: pd.DataFrame | None = None, w=None, *, id: str | None = None, transform: str = "o",
             kind: str = "graph", permutations: int = 0):
    """PySAL objects for users who continue in PySAL.

    * **Weights** (a libpysal ``W`` or ``Graph``, e.g. from :mod:`spatialq.weights`): a copy as a
      ``libpysal.graph.Graph`` (``kind="graph"``, PySAL's current weights class) or ``W`` (``kind="W"``), with
      ``transform`` "o" (as given), "r" or "b".  The caller's object is never modified.
    * **A cross-section regression result** (:func:`spatialq.regression.spatial_model` or
      :func:`~spatialq.regression.spatial_gmm`) with the data ``df`` and weights ``w`` it was fitted on: the spreg
      model re-fitted with the same formula design, W (aligned by id, transformed as the result records) and
      estimator — ``OLS`` (ols, slx), ``ML_Lag`` (sar, sdm), ``ML_Error`` (sem, sdem), or for GMM results the spreg
      class that produced them (``GM_Lag``, ``GM_Error``/``_Het``/``_Hom``, ``GM_Combo``/``_Het``/``_Hom``; ``TSLS``
      for an SDM with a durbin subset).  Its ``betas`` equal ``result.params`` (GMM exactly, except the
      Kelejian–Prucha moments ``errors="kp"`` of SEM/SDEM/SAC, where spatialq solves λ to the minimiser and spreg's
      optimiser stops ~1e-6 short: ~1e-6; ML to the optimisers' tolerance, ~1e-6) and its ``summary`` is spreg's.
      ML SAC has no spreg counterpart and is refused, as are panel results and HAC fits.
    * **A global autocorrelation result** (:func:`spatialq.hotspot.moran`, :func:`~spatialq.hotspot.geary`,
      :func:`~spatialq.hotspot.general_g`, :func:`~spatialq.hotspot.join_counts`) with its data and weights: the esda
      object (``esda.Moran``, ``Geary``, ``G``, ``Join_Counts``) of each period — a dict keyed by period, or one
      object for a cross-section — on a copy of W aligned by id and transformed as the result records.  Its statistic
      and analytical moments equal the result's; ``permutations`` (default 0) are esda's own, drawn from NumPy's
      global random state, so its ``p_sim`` is not the result's seeded one.

    ``id`` defaults to the id name the result recorded (regressions) or ``"adcode"``.
    """
    from ._guards import check_permutations
    from ._spml._result import SpatialRegressionResult
    from .hotspot.global_stats import GlobalStatResult
    from .hotspot.moran import MoranResult

    if isinstance(obj, MoranResult | GlobalStatResult):
        if df is None or w is None:
            raise InputError("to_pysal: a global statistic needs the data and weights it was computed on: "
                             "to_pysal(result, df, w)")
        return _esda_refit(obj, df, w, id=id or "adcode", permutations=check_permutations(permutations))

    if isinstance(obj, SpatialRegressionResult):
        if df is None or w is None:
            raise InputError("to_pysal: a regression result needs the data and weights it was fitted on: "
                             "to_pysal(result, df, w)")
        return _spreg_refit(obj, df, w, id=id)
    if kind not in ("graph", "W"):
        raise InputError(f"to_pysal: kind must be 'graph' or 'W', got {kind!r}")
    out = _copy_w(obj, transform=transform, what="to_pysal")
    if kind == "W":
        return out
    from libpysal.graph import Graph

    return Graph.from_W(out)

