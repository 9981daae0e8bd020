"""Quah's stochastic kernel (``density_conditional.stochastic_kernel``): the joint density equals
scipy.stats.gaussian_kde evaluated directly (full kernel) and a brute-force sum of normal pdfs (product
kernel); every conditional density integrates to 1; persistence puts the mass on the diagonal;
independence makes f(y | x) flat in x; weights aligned by id; guards."""

from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spatialq._guards import InputError
from spatialq._wmatrix import IslandError
from spatialq.density_conditional import stochastic_kernel


def panel(rng, n=60, years=range(2010, 2016), persist=0.9, noise=0.15):
    x = rng.lognormal(0, 0.5, n)
    rows = []
    for y in years:
        rows.append(pd.DataFrame({"adcode": np.arange(n), "year": y, "v": x.copy()}))
        x = np.exp(persist * np.log(x) + rng.normal(0, noise, n))
    return pd.concat(rows, ignore_index=True)


def test_joint_equals_scipy_gaussian_kde_full():
    df = panel(np.random.default_rng(0))
    r = stochastic_kernel(df, "v", kernel="full", grid=40)
    p = r.pairs
    assert len(p) == 60 * 5
    # pairs by hand: relative to each year's mean, (t, t + 1)
    rel = df.assign(r=df["v"] / df.groupby("year")["v"].transform("mean"))
    a = rel[rel["year"] == 2012].set_index("adcode")["r"]
    b = rel[rel["year"] == 2013].set_index("adcode")["r"]
    got = p[p["period"] == 2012].set_index("adcode")
    np.testing.assert_allclose(got["x"], a.loc[got.index], rtol=1e-15)
    np.testing.assert_allclose(got["y"], b.loc[got.index], rtol=1e-15)
    kde = stats.gaussian_kde(np.vstack([p["x"], p["y"]]), bw_method="scott")
    xg, yg = np.meshgrid(r.x_grid, r.y_grid, indexing="ij")
    direct = kde(np.vstack([xg.ravel(), yg.ravel()])).reshape(xg.shape)
    np.testing.assert_allclose(r.joint, direct, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(r.covariance, kde.covariance, rtol=1e-12)
    # the marginal is gaussian_kde of x alone with the same variance H_xx
    mk = stats.gaussian_kde(p["x"], bw_method=np.sqrt(kde.covariance[0, 0] / np.var(p["x"], ddof=1)))
    np.testing.assert_allclose(r.marginal, mk(r.x_grid), rtol=1e-10)
    # silverman equals scipy's too, and a numeric factor is scipy's factor
    r2 = stochastic_kernel(df, "v", kernel="full", grid=20, bandwidth=0.4)
    k2 = stats.gaussian_kde(np.vstack([p["x"], p["y"]]), bw_method=0.4)
    np.testing.assert_allclose(r2.covariance, k2.covariance, rtol=1e-12)


def test_product_kernel_equals_r_mass_kde2d():
    """R 4.2.2, MASS 7.3.58.2 ``kde2d`` (tests/reference/density/stochastic_kernel.R, its output
    stochastic_kernel_R.csv and versions file): the pairs, Scott bandwidths, grid, joint and conditional
    densities computed independently in R from the panel stochastic_kernel_panel.csv."""
    ref_dir = Path(__file__).parent / "reference" / "density"
    panel_r = pd.read_csv(ref_dir / "stochastic_kernel_panel.csv")
    ref = pd.read_csv(ref_dir / "stochastic_kernel_R.csv")
    r = stochastic_kernel(panel_r, "v", id="id", grid=50)
    np.testing.assert_allclose(r.x_grid, ref["x"].to_numpy()[:50], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(r.y_grid, ref["y"].to_numpy()[::50], rtol=1e-13, atol=1e-15)
    joint = ref["joint"].to_numpy().reshape(50, 50).T  # R: x varies fastest
    cond = ref["conditional"].to_numpy().reshape(50, 50).T
    assert np.max(np.abs(r.joint - joint)) < 1e-12 * joint.max()
    np.testing.assert_allclose(r.joint, joint, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(r.conditional, cond, rtol=1e-10)


def test_product_kernel_equals_sum_of_normal_pdfs():
    df = panel(np.random.default_rng(1), n=15, years=range(2010, 2013))
    r = stochastic_kernel(df, "v", grid=25, bandwidth="silverman")
    x, y = r.pairs["x"].to_numpy(), r.pairs["y"].to_numpy()
    n = len(x)
    c = (n * 4 / 4) ** (-1 / 6)
    hx, hy = c * np.std(x, ddof=1), c * np.std(y, ddof=1)
    brute = np.zeros((25, 25))
    for i, gx in enumerate(r.x_grid):
        for j, gy in enumerate(r.y_grid):
            brute[i, j] = sum(stats.norm.pdf(gx, x[k], hx) * stats.norm.pdf(gy, y[k], hy) for k in range(n)) / n
    np.testing.assert_allclose(r.joint, brute, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(r.conditional, brute / stats.norm.pdf(r.x_grid[:, None], x[None, :], hx).mean(axis=1)
                               [:, None], rtol=1e-10)


@pytest.mark.parametrize("kernel", ["product", "full"])
@pytest.mark.parametrize("kind", ["dynamic", "spatial"])
def test_conditional_integrates_to_one(kernel, kind):
    """Trapezoid over the y grid, every x: |∫ f(y | x) dy − 1| < 1e-3 (kernel mass beyond ± 4 sds plus
    quadrature error; measured ≈ 3e-5)."""
    rng = np.random.default_rng(2)
    df = panel(rng, n=49)
    w = libpysal.weights.lat2W(7, 7)
    r = stochastic_kernel(df, "v", kind=kind, kernel=kernel, w=w if kind == "spatial" else None)
    integral = np.trapezoid(r.conditional, r.y_grid, axis=1)
    assert np.max(np.abs(integral - 1)) < 1e-3
    assert np.trapezoid(np.trapezoid(r.joint, r.y_grid, axis=1), r.x_grid) == pytest.approx(1, abs=1e-3)


def test_perfect_persistence_puts_mass_on_diagonal():
    df = panel(np.random.default_rng(3), persist=1.0, noise=0.0)  # x_{t+1} = x_t (relative values too)
    r = stochastic_kernel(df, "v", grid=120)
    p = r.pairs
    assert np.allclose(p["x"], p["y"])
    h = np.sqrt(r.covariance[1, 1])
    # at the grid point nearest each observed x (between far-apart observations f(y | x) sits, rightly,
    # at the nearest observation's y, off the diagonal)
    rows = np.unique(np.abs(r.x_grid[:, None] - p["x"].to_numpy()[None, :]).argmin(axis=0))
    # f(y | x) mixes kernels N(y; x_i, h_y) of the observations within ~h_x of x: on the diagonal its sd is
    # about √(h_x² + h_y²) ≈ 1.4 h, so ~97 % lies within 3 h of the diagonal
    near = np.abs(r.y_grid[None, :] - r.x_grid[:, None]) <= 3 * h
    mass = (r.conditional * near).sum(axis=1) / r.conditional.sum(axis=1)
    assert mass[rows].min() > 0.9
    assert np.median(np.abs(r.y_grid[r.conditional[rows].argmax(axis=1)] - r.x_grid[rows])) < h / 2
    # contrast: an independent panel does not
    ind = panel(np.random.default_rng(4), persist=0.0, noise=0.5)
    ri = stochastic_kernel(ind, "v", grid=120)
    hi = np.sqrt(ri.covariance[1, 1])
    near_i = np.abs(ri.y_grid[None, :] - ri.x_grid[:, None]) <= 3 * hi
    mass_i = (ri.conditional * near_i).sum(axis=1) / ri.conditional.sum(axis=1)
    xi = int(np.argmin(np.abs(ri.x_grid - np.quantile(ri.pairs["x"], 0.95))))
    assert mass_i[xi] < 0.6
    with pytest.raises(InputError, match=r"perfectly correlated.*kernel='product'"):
        stochastic_kernel(df, "v", kernel="full")


def test_independent_draws_conditional_flat_in_x():
    """x_{t+1} independent of x_t: f(y | x) at the 25th and 75th percentiles of x differ by less than
    15 % of the peak (MC error with 1,500 pairs; the persistent panel differs by more than 50 %)."""
    rng = np.random.default_rng(5)
    n, years = 300, range(2000, 2006)
    df = pd.concat([pd.DataFrame({"adcode": np.arange(n), "year": y, "v": rng.lognormal(0, 0.4, n)})
                    for y in years], ignore_index=True)
    r = stochastic_kernel(df, "v", grid=80)

    def spread(res):
        i1, i2 = (int(np.argmin(np.abs(res.x_grid - np.quantile(res.pairs["x"], q)))) for q in (0.25, 0.75))
        return np.max(np.abs(res.conditional[i1] - res.conditional[i2])) / res.conditional[i1].max()

    assert spread(r) < 0.15
    assert spread(stochastic_kernel(panel(rng, n=300), "v", grid=80)) > 0.5


def test_spatial_lag_aligned_by_id_and_row_order():
    rng = np.random.default_rng(6)
    df = panel(rng, n=25, years=range(2015, 2018))
    ids = [f"c{i:02d}" for i in range(25)]
    df["code"] = [ids[i] for i in df["adcode"]]
    w = libpysal.weights.lat2W(5, 5, id_type="string")
    w = libpysal.weights.W({ids[int(k[2:])]: [ids[int(j[2:])] for j in v] for k, v in w.neighbors.items()})
    r = stochastic_kernel(df, "v", kind="spatial", w=w, id="code")
    part = df[df["year"] == 2016].set_index("code")
    rel = part["v"] / part["v"].mean()
    lag = {k: np.mean([rel[j] for j in w.neighbors[k]]) for k in ids}
    got = r.pairs[r.pairs["period"] == 2016].set_index("code")
    np.testing.assert_allclose(got["x"], [lag[k] for k in got.index], rtol=1e-13)
    np.testing.assert_allclose(got["y"], rel.loc[got.index], rtol=1e-15)
    # weights in another id order, rows shuffled: the same kernel
    perm = list(reversed(ids))
    w2 = libpysal.weights.W({k: w.neighbors[k] for k in perm}, id_order=perm)
    r2 = stochastic_kernel(df.sample(frac=1, random_state=3), "v", kind="spatial", w=w2, id="code")
    np.testing.assert_allclose(r2.joint, r.joint, rtol=1e-12)
    pd.testing.assert_frame_equal(r2.pairs, r.pairs)
    # an island is refused with the island policy's error
    nb = {k: list(v) for k, v in w.neighbors.items()}
    for j in nb.pop("c00"):
        nb[j] = [k for k in nb[j] if k != "c00"]
    nb["c00"] = []
    with pytest.raises(IslandError, match="c00"):
        stochastic_kernel(df, "v", kind="spatial", w=libpysal.weights.W(nb, silence_warnings=True), id="code")
    with pytest.raises(InputError, match="not in the weights"):
        stochastic_kernel(df.assign(code=df["code"].replace("c03", "zz")), "v", kind="spatial", w=w, id="code")


def test_step_and_relative_and_result_api():
    df = panel(np.random.default_rng(7), n=20)
    r = stochastic_kernel(df, "v", step=2, relative=False, grid=30)
    assert len(r.pairs) == 20 * 4 and set(r.pairs["period"]) == {2010, 2011, 2012, 2013}
    row = r.pairs.iloc[0]
    assert row["y"] == df[(df["adcode"] == row["adcode"]) & (df["year"] == row["period"] + 2)]["v"].item()
    f = r.to_frame()
    assert len(f) == 900 and list(f.columns) == ["x", "y", "joint", "marginal", "conditional"]
    f.loc[0, "joint"] = -1
    assert r.joint[0, 0] >= 0
    assert "E[y | x]" in r.summary()
    import matplotlib

    matplotlib.use("Agg")
    ax = r.plot()
    assert len(ax.lines) == 1  # the 45° line
    ax3 = r.plot(kind="surface", density="joint")
    assert ax3.name == "3d"


@pytest.mark.parametrize("kw,msg", [(dict(kind="x"), "kind must be"), (dict(grid=5), "grid must be"),
                                    (dict(step=0), "step must be"), (dict(bandwidth=-1.0), "positive factor"),
                                    (dict(bandwidth="nrd0"), "bandwidth must be"),
                                    (dict(kind="spatial"), "needs weights"),
                                    (dict(kernel="box"), "kernel must be"), (dict(step=9), "at least 3")])
def test_bad_options(kw, msg):
    df = panel(np.random.default_rng(8), n=10)
    with pytest.raises(InputError, match=msg):
        stochastic_kernel(df, "v", **kw)


def test_constant_axis_and_non_positive_mean():
    df = panel(np.random.default_rng(9), n=10)
    with pytest.raises(InputError, match="constant"):
        stochastic_kernel(df.assign(v=2.0), "v")
    bad = df.copy()
    bad.loc[bad["year"] == 2011, "v"] = -bad.loc[bad["year"] == 2011, "v"]
    with pytest.raises(InputError, match=r"not positive in \[2011\]"):
        stochastic_kernel(bad, "v")
