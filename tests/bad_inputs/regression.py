"""Bad inputs to the spatial regressions (issue 14): spatial_model, spatial_panel and both lm_tests.

Each error names the response, the regressors or the column; inputs at extreme magnitudes give the number
of the same data at ordinary scale (mapped back exactly from powers of two)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from libpysal.weights import W, lat2W

from bad_inputs import Case
from spatialq import panel, regression
from spatialq._guards import InputError

F = "CRIME ~ INC + HOVAL"


@cache
def _columbus():
    import geopandas as gpd
    from libpysal import examples

    from spatialq import weights

    col = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
    return pd.DataFrame(col.drop(columns="geometry")), weights.contiguity(col, islands="raise")


def _col(**assign):
    col, w = _columbus()
    return col.assign(**assign), w


def _sm(data, formula=F, model="sar", **kw):
    df, w = data
    return regression.spatial_model(df, formula, w, model=model, id="POLYID", n_draws=20, **kw)


def _lm(data, formula=F):
    df, w = data
    return regression.lm_tests(df, formula, w, id="POLYID")


def _lattice(n_side: int, m_side: int | None = None):
    w = lat2W(n_side, m_side or n_side, rook=True)
    ids = [f"u{i:02d}" for i in range(w.n)]
    return W({ids[i]: [ids[j] for j in w.neighbors[i]] for i in range(w.n)}), ids


@cache
def _panel_data(n_side: int = 4, T: int = 5, seed: int = 0):
    w, ids = _lattice(n_side)
    rng = np.random.default_rng(seed)
    N = len(ids)
    rows = [pd.DataFrame({"adcode": ids, "year": 2010 + t, "x1": rng.normal(size=N), "x2": rng.normal(size=N),
                          "y": rng.normal(size=N)}) for t in range(T)]
    return pd.concat(rows, ignore_index=True), w


def _sp(df, w, formula="y ~ x1 + x2", model="sar", **kw):
    return panel.spatial_panel(df, formula, w, model=model, n_draws=20, **kw)


def _near_copy():
    col, _ = _columbus()
    return _col(X2=col.INC + 1e-10 * np.random.default_rng(0).normal(size=len(col)))


def _exact_sar():
    """y = (I − 0.5W)⁻¹(1 + 2x) exactly: the SAR model explains y with no error."""
    col, w = _columbus()
    from spatialq._wmatrix import aligned

    Wm = aligned(w, list(col.index), transform="r").toarray()
    y = np.linalg.solve(np.eye(len(col)) - 0.5 * Wm, 1 + 2 * col.INC.to_numpy())
    return col.assign(Y=y), w


def _durbin_collinear():
    col, w = _columbus()
    from spatialq._wmatrix import aligned

    Wm = aligned(w, list(col.index), transform="r")
    return col.assign(WINC=Wm @ col.INC.to_numpy()), w


def _same_scaled(scale_y: float, scale_x: float, model: str):
    """A model on y·scale_y, INC·scale_x equals the model at scale 1 with β mapped back."""
    base = _sm(_columbus(), model=model)

    def call():
        col, w = _columbus()
        return _sm((col.assign(CRIME=col.CRIME * scale_y, INC=col.INC * scale_x), w), model=model)

    def check(r):
        lam = "rho" if model in {"sar", "sdm"} else "lambda"
        assert abs(r.params[lam] - base.params[lam]) < 1e-9
        g = pd.Series(scale_y, index=r.params.index)
        g[[t for t in g.index if t.endswith("INC")]] = scale_y / scale_x
        g[lam] = 1.0
        np.testing.assert_allclose((r.params / g).to_numpy(), base.params.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose((r.std_errors / g).to_numpy(), base.std_errors.to_numpy(), rtol=1e-7)
        assert abs(r.sigma2 / scale_y**2 - base.sigma2) < 1e-8 * base.sigma2
        assert abs(r.loglik - (base.loglik - r.nobs * np.log(scale_y))) < 1e-7 * abs(base.loglik)
        np.testing.assert_allclose(r.tests["statistic"].to_numpy(), base.tests["statistic"].to_numpy(), rtol=1e-7)
        if r.effects is not None:
            np.testing.assert_allclose(r.effects.loc["HOVAL"].to_numpy() / scale_y,
                                       base.effects.loc["HOVAL"].to_numpy(), rtol=1e-8)

    return call, check


def _lm_scaled():
    base = _lm(_columbus())
    col, w = _columbus()

    def check(t):
        np.testing.assert_allclose(t["statistic"].to_numpy(), base["statistic"].to_numpy(), rtol=1e-9)

    return lambda: _lm((col.assign(CRIME=col.CRIME * 1e200, HOVAL=col.HOVAL * 1e-200), w)), check


def _numeric_text_panel():
    df, w = _panel_data()
    return df.assign(x1=df.x1.map(lambda v: f"{v * 1e4:,.1f}")), w


def _categorical_codes_ok():
    col, w = _columbus()
    codes = (np.arange(len(col)) % 3 + 1).astype(str)
    return lambda: _sm((col.assign(zone=codes), w), formula="CRIME ~ INC + HOVAL + C(zone)", model="sar")


def _check_codes(r):
    assert {"C(zone)[T.2]", "C(zone)[T.3]"} <= set(r.params.index)
    assert np.isfinite(r.std_errors).all() and (r.std_errors > 0).all()


_s1, _c1 = _same_scaled(1e150, 1.0, "sar")
_s2, _c2 = _same_scaled(1.0, 1e-200, "sdm")
_s3, _c3 = _same_scaled(1e-120, 1e180, "sem")
_s4, _c4 = _lm_scaled()

CASES = [
    # constant response
    Case("constant-y-sar", lambda: _sm(_col(CRIME=5.0)), InputError, ("'CRIME'", "constant"),
         issue="spatial_model with a constant y: rho = 0.999 and every standard error 0.0"),
    Case("constant-y-sem", lambda: _sm(_col(CRIME=5.0), model="sem"), InputError, ("'CRIME'", "constant")),
    Case("constant-y-lm-tests", lambda: _lm(_col(CRIME=-2.5)), InputError, ("lm_tests", "'CRIME'", "constant")),
    Case("constant-y-panel", lambda: _sp(*(lambda d: (d[0].assign(y=1.0), d[1]))(_panel_data())), InputError,
         ("spatial_panel", "'y'", "constant")),
    Case("y-absorbed-by-unit-effects",
         lambda: _sp(*(lambda d: (d[0].assign(y=d[0].adcode.str[1:].astype(float)), d[1]))(_panel_data()),
                     effects="individual"),
         InputError, ("'y'", "individual fixed effects")),
    # perfect fit
    Case("perfect-fit-sar", lambda: _sm(_col(CRIME=1 + 2 * _columbus()[0].INC - _columbus()[0].HOVAL)),
         InputError, ("perfect fit", "'CRIME'"), issue="a perfect fit: standard errors 0.0, z infinite"),
    Case("perfect-fit-lm-tests", lambda: _lm(_col(CRIME=3 * _columbus()[0].INC)), InputError,
         ("lm_tests", "perfect fit", "'CRIME'"), issue="lm_tests on a perfect fit: NaN"),
    Case("perfect-fit-panel-lm-tests",
         lambda: panel.lm_tests(_panel_data()[0].eval("y = 2 * x1 - x2"), "y ~ x1 + x2", _panel_data()[1]),
         InputError, ("perfect fit", "'y'")),
    Case("perfect-fit-sar-exact", lambda: _sm(_exact_sar(), formula="Y ~ INC"), InputError,
         ("perfect fit", "SAR model", "'Y'")),
    # rank deficiency and near-singularity
    Case("near-collinear-1e-10", lambda: _sm(_near_copy(), formula="CRIME ~ INC + X2"), InputError,
         ("near-singular", "'INC'", "'X2'"),
         issue="near-collinear regressors (x2 = x1 + 1e-10 noise): coefficients ±500 with NaN standard errors"),
    Case("duplicate-regressor-lm-tests", lambda: _lm(_col(INC2=_columbus()[0].INC * 2.0), "CRIME ~ INC + INC2"),
         InputError, ("rank-deficient", "'INC'", "'INC2'")),
    Case("durbin-lag-equals-regressor", lambda: _sm(_durbin_collinear(), formula="CRIME ~ INC + WINC", model="sdm"),
         InputError, ("'W*INC'", "'WINC'")),
    Case("panel-near-collinear-after-effects",
         lambda: _sp((lambda d: d.assign(x3=d.x1 + 1e-11 * np.sin(np.arange(len(d))) + d.year))(_panel_data()[0]),
                     _panel_data()[1], formula="y ~ x1 + x2 + x3"),
         InputError, ("'x1'", "'x3'", "twoways fixed effects")),
    # too few units
    Case("sar-three-units",
         lambda: regression.spatial_model(pd.DataFrame({"adcode": ["u00", "u01", "u02"], "y": [1.0, 3.0, 2.0],
                                                        "x": [0.5, 0.1, 0.9]}), "y ~ x", _lattice(1, 3)[0]),
         InputError, ("at least 5 units", "there are 3", "SAR"), issue="spatial_model SAR on three units"),
    Case("sdm-five-units",
         lambda: regression.spatial_model(pd.DataFrame({"adcode": _lattice(1, 5)[1], "y": np.arange(5.0) ** 1.5,
                                                        "x": [0.5, 0.1, 0.9, 0.3, 0.7]}),
                                          "y ~ x", _lattice(1, 5)[0], model="sdm"),
         InputError, ("at least 6 units", "there are 5", "SDM")),
    Case("panel-two-units",
         lambda: _sp((lambda d: d[d.adcode.isin(["u00", "u01"])])(_panel_data()[0]),
                     _lattice(1, 2)[0]),
         InputError, ("spatial_panel", "at least 3 units", "there are 2")),
    Case("panel-too-few-observations",
         lambda: _sp((lambda d: d[d.adcode.isin(["u00", "u01", "u02"]) & (d.year < 2012)])(_panel_data()[0]),
                     _lattice(1, 3)[0]),
         InputError, ("observations after removing the twoways fixed effects", "there are 2")),
    # numbers stored as text
    Case("numeric-strings", lambda: _sm(_col(INC=_columbus()[0].INC.map(lambda v: f"{v:.3f}"))), InputError,
         ("'INC'", "numbers stored as text", "to_numeric"),
         issue="Numeric strings in a regression column are dummy-coded and then reported as '31 collinear regressors'"),
    Case("numeric-strings-lm-tests", lambda: _lm(_col(HOVAL=_columbus()[0].HOVAL.astype(str))), InputError,
         ("'HOVAL'", "numbers stored as text")),
    Case("numeric-strings-in-log", lambda: _sm(_col(HOVAL=_columbus()[0].HOVAL.astype(str)),
                                               formula="CRIME ~ INC + np.log(HOVAL)"),
         InputError, ("'HOVAL'", "numbers stored as text")),
    Case("numeric-strings-thousands-panel", lambda: _sp(*_numeric_text_panel()), InputError,
         ("spatial_panel", "'x1'", "numbers stored as text")),
    Case("category-codes-in-C-are-dummies", _categorical_codes_ok(), check=_check_codes),
    # extreme magnitudes: the right number
    Case("y-1e150-sar", _s1, check=_c1, issue="a regression on 1e150 raises OverflowError (34, …)"),
    Case("x-1e-200-sdm", _s2, check=_c2),
    Case("y-1e-120-x-1e180-sem", _s3, check=_c3),
    Case("lm-tests-1e200", _s4, check=_c4),
]
