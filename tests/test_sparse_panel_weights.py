"""A scipy sparse W in the panel estimators follows the units in the order of the input's rows.

The panel estimators sort their units by text; they used to read a bare sparse matrix in that order, so with ids
0 … N − 1 (text order 0, 1, 10, 11, …) the row of unit 10 was taken as that of unit 2: a wrong model with
numbers that looked valid (a two-way SDM on a 30 × 30 lattice gave ρ = 0.17 for a true 0.4).  Now the matrix is
given the ids of the input's units in the order of its rows (the convention of the cross-section and of
``hotspot.moran``) and matched by id, and every estimator gives the numbers of the same weights as a libpysal W.  The
same held for the methods that sort their rows before they align W: ``spatial_gmm`` (a cross-section),
``stochastic_kernel``, ``spatial_markov`` and ``lisa_markov``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal.weights import lat2W

from spatialq import density_conditional, inequality, markov, panel, policy, regression
from spatialq._guards import InputError

ROWS = COLS = 8
T = 5


@pytest.fixture(scope="module")
def setup():
    w = lat2W(ROWS, COLS, rook=False)  # ids 0 … 63, text order differs from numeric order
    n = ROWS * COLS
    C = sp.csr_matrix(w.sparse)
    m = sp.csr_matrix(sp.diags(1 / np.asarray(C.sum(1)).ravel()) @ C)
    rng = np.random.default_rng(7)
    mu = rng.normal(size=n)
    A = sp.csc_matrix(sp.identity(n) - 0.5 * m)
    frames = []
    for t in range(T):
        x = rng.normal(size=(n, 2))
        y = sp.linalg.spsolve(A, x @ [1.0, -0.5] + 0.3 * (m @ x[:, 0]) + mu + 0.2 * t + rng.normal(size=n))
        frames.append(pd.DataFrame({"adcode": np.arange(n), "year": 2011 + t, "y": y + 10.0, "x1": x[:, 0],
                                    "x2": x[:, 1]}))
    df = pd.concat(frames, ignore_index=True)
    df["treat"] = ((df.adcode % 3 == 0) & (df.year >= 2013)).astype(int)
    df["adopt"] = np.where(df.adcode % 3 == 0, 2013.0, np.nan)
    order = rng.permutation(n)  # the input lists the units in this order, in every period
    shuffled = pd.concat([f.set_index("adcode").loc[order].reset_index() for _, f in df.groupby("year")],
                         ignore_index=True)
    return w, C[order][:, order], shuffled


CASES = {
    "spatial_panel": lambda d, w: panel.spatial_panel(d, "y ~ x1 + x2", w, model="sdm").params,
    "lm_tests": lambda d, w: panel.lm_tests(d, "y ~ x1 + x2", w)["statistic"],
    "spatial_panel_re": lambda d, w: panel.spatial_panel_re(d, "y ~ x1 + x2", w, model="sar").params,
    "dynamic_panel": lambda d, w: panel.dynamic_panel(d, "y ~ x1 + x2", w, model="sar").params,
    "spatial_did": lambda d, w: policy.spatial_did(d, "y", "treat", w, n_draws=50).to_frame()["estimate"],
    "event_study": lambda d, w: policy.event_study(d, "y", "adopt", w, leads=1, lags=1,
                                                   n_draws=50).to_frame()["estimate"],
    "spatial_convergence": lambda d, w: pd.Series([inequality.spatial_convergence(d, "y", w).beta]),
    "fixed_effects_tests": lambda d, w: panel.fixed_effects_tests(d, "y ~ x1 + x2", w)["statistic"],
    # cross-section and per-period methods that sort their rows before they align W
    "spatial_gmm": lambda d, w: regression.spatial_gmm(d[d.year == 2011], "y ~ x1 + x2", w, model="sar").params,
    "stochastic_kernel": lambda d, w: _numbers(density_conditional.stochastic_kernel(d, "y", w=w, kind="spatial")),
    "spatial_markov": lambda d, w: _numbers(markov.spatial_markov(d, "y", w, classes=4)),
    "lisa_markov": lambda d, w: _numbers(markov.lisa_markov(d, "y", w)),
}


def _numbers(result) -> np.ndarray:
    return result.to_frame().select_dtypes("number").to_numpy(dtype=float)


@pytest.mark.parametrize("name", list(CASES))
def test_sparse_w_in_input_order_equals_the_w_matched_by_id(setup, name):
    w, C_input, shuffled = setup
    before = shuffled.copy()
    by_id = CASES[name](shuffled, w)
    bare = CASES[name](shuffled, C_input)
    pd.testing.assert_frame_equal(shuffled, before)  # the caller's frame is not modified
    np.testing.assert_allclose(np.asarray(bare, float), np.asarray(by_id, float), rtol=1e-9, atol=1e-10)


def test_periods_listing_the_units_in_different_orders_are_refused(setup):
    w, C_input, shuffled = setup
    mixed = shuffled.copy()
    last = mixed.year == 2011 + T - 1
    mixed.loc[last] = mixed.loc[last].iloc[::-1].to_numpy()  # the last period lists the units backwards
    with pytest.raises(InputError, match=r"in period 2015 unit 17 comes after unit 50, which it precedes in earlier"):
        panel.spatial_panel(mixed, "y ~ x1 + x2", C_input, model="sar")
    # matched by id, the order of the rows does not matter
    a = panel.spatial_panel(mixed, "y ~ x1 + x2", w, model="sar").params
    b = panel.spatial_panel(shuffled, "y ~ x1 + x2", w, model="sar").params
    pd.testing.assert_series_equal(a, b, rtol=1e-10)


def test_periods_kept_as_given_monthly_panel(setup):
    """Months are periods of the panel estimators as they are; the order check reads the periods as given (it used
    to collapse them to years and report duplicated keys)."""
    w, C_input, shuffled = setup
    months = shuffled.copy()
    months["month"] = pd.to_datetime(dict(year=2011, month=months["year"] - 2010, day=1))
    months = months.drop(columns="year")
    a = panel.spatial_panel(months, "y ~ x1 + x2", w, model="sar", time="month", n_draws=50).params
    b = panel.spatial_panel(months, "y ~ x1 + x2", C_input, model="sar", time="month", n_draws=50).params
    pd.testing.assert_series_equal(a, b, rtol=1e-9)


@pytest.mark.parametrize("which", ["gmm", "ml", "moran"])
def test_to_pysal_reads_a_bare_sparse_w_as_the_method_did(setup, which):
    """``interop.to_pysal`` re-fits in spreg / esda on the frame sorted by id: a bare sparse w in the input's order
    gives the same re-fit as the W matched by id (it used to re-fit another model without an error)."""
    from spatialq import hotspot, interop

    w, C_input, shuffled = setup
    one = shuffled[shuffled.year == 2011].drop(columns="year").reset_index(drop=True)
    if which == "moran":
        res = hotspot.moran(one, "y", C_input, by=None, seed=1)
        a, b = interop.to_pysal(res, one, w), interop.to_pysal(res, one, C_input)  # one esda.Moran each
        assert a.I == pytest.approx(b.I, rel=1e-12) and a.I == pytest.approx(res.table["I"].iloc[0], rel=1e-12)
        return
    fit = (regression.spatial_gmm if which == "gmm" else regression.spatial_model)(one, "y ~ x1 + x2", C_input,
                                                                                   model="sar")
    a, b = interop.to_pysal(fit, one, w), interop.to_pysal(fit, one, C_input)
    np.testing.assert_allclose(np.ravel(b.betas), np.ravel(a.betas), rtol=1e-9)
    np.testing.assert_allclose(np.ravel(a.betas)[:3], fit.params.iloc[:3], rtol=1e-4)


def test_a_sparse_w_of_the_wrong_size_or_with_missing_values_is_refused(setup):
    """Degenerate bare matrices: one unit too few, or a missing weight, are errors that say what is wrong."""
    _, C_input, shuffled = setup
    with pytest.raises(InputError, match=r"the sparse weights are \(63, 63\) but the input lists 64 units"):
        panel.spatial_panel(shuffled, "y ~ x1 + x2", C_input[:63, :63], model="sar")
    bad = C_input.astype(float).tocsr(copy=True)
    bad.data[0] = np.nan
    with pytest.raises(InputError, match="missing or infinite"):
        panel.spatial_panel(shuffled, "y ~ x1 + x2", bad, model="sar")
