"""Monte Carlo: spatial DID effects on the prefecture W, and Hansen panel thresholds.

Part 1 — SDM-DID with staggered adoption on the bundled prefecture queen W (367 units, islands linked
to their nearest neighbour, row-standardised), T = 10: a third of the units adopt at random periods 3–7,
y_t = (I − ρW)⁻¹(δD_t + γWD_t + x_t + 0.3Wx_t + μ + 0.2t + ε_t), ρ = 0.3, δ = 1, γ = 0.5.  For each
replication ``policy.spatial_did(..., lee_yu=True)``; the table gives, for the direct effect (on the
treated), the indirect effect (the spillover onto neighbours) and the total effect: the true value
(tr(S)/N, (1'S1 − tr(S))/N with S = (I − ρW)⁻¹(δI + γW)), mean, bias, RMSE, the sampling sd, the mean
reported sd and the coverage of the 95 % interval.

Part 2 — Hansen (1999) single threshold: y = μ_i + (1 + δ·1(q > 4))x1 + 0.5x2 + 0.5ε, q ~ U(0, 10),
N = 30, T = 5; bias and RMSE of γ̂, coverage of the LR interval (of the true partition: the interval
contains the largest observed q ≤ 4) and the rejection rate of the bootstrap F test at 5 % (δ = 0: size).

The full tables (500 DID and 200 threshold replications per cell) are in docs/policy.md and
docs/threshold.md.  CI runs this script at reduced size (default 8 DID and 20 threshold replications);
pass larger numbers for the full study:

Run: python examples/11_did_threshold_monte_carlo.py [did_replications] [threshold_replications]
(outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT: did_monte_carlo.csv, threshold_monte_carlo.csv)
"""

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from spatialq import geometry, weights
from spatialq.panel import threshold_panel
from spatialq.policy import spatial_did

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)
R_DID = int(sys.argv[1]) if len(sys.argv) > 1 else 8
R_TH = int(sys.argv[2]) if len(sys.argv) > 2 else 20

# -- Part 1: spatial DID -------------------------------------------------------------------------
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the island-linking notice
    w = weights.contiguity(geometry.prefectures())
w.transform = "r"
ids = sorted(w.id_order, key=str)
N, T = len(ids), 10
pos = {a: i for i, a in enumerate(ids)}
Wd = np.zeros((N, N))
for a, nbrs in w.neighbors.items():
    for b, v in zip(nbrs, w.weights[a]):
        Wd[pos[a], pos[b]] = v
rho, delta, gamma = 0.3, 1.0, 0.5
A = np.linalg.inv(np.eye(N) - rho * Wd)
S = A @ (delta * np.eye(N) + gamma * Wd)
truth = {"direct": np.trace(S) / N, "total": S.sum() / N}
truth["indirect"] = truth["total"] - truth["direct"]

rows = []
for rep, ss in enumerate(np.random.SeedSequence(20261201).spawn(R_DID)):
    rng = np.random.default_rng(ss)
    adopt = np.full(N, np.inf)
    treated = rng.permutation(N)[: N // 3]
    adopt[treated] = rng.integers(3, 8, len(treated))
    mu = rng.normal(size=N)
    parts = []
    for t in range(T):
        d = (t >= adopt).astype(float)
        x = rng.normal(size=N) + 0.3 * d
        y = A @ (delta * d + gamma * Wd @ d + x + 0.3 * Wd @ x + mu + 0.2 * t + rng.normal(size=N))
        parts.append(pd.DataFrame({"adcode": ids, "year": 2010 + t, "y": y, "x": x, "d": d}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the staggered-adoption advice
        r = spatial_did(pd.concat(parts, ignore_index=True), "y", "d", w, controls=["x"], lee_yu=True,
                        n_draws=500, seed=rep, tests=False)
    for eff in ("direct", "indirect", "total"):
        e = r.effects.loc[eff]
        rows.append({"effect": eff, "estimate": e["estimate"], "sd": e["sd"],
                     "covered": bool(e["ci_lower"] <= truth[eff] <= e["ci_upper"])})
mc = pd.DataFrame(rows)
mc["true"] = mc["effect"].map(truth)
g = mc.groupby("effect", sort=False)
did = pd.DataFrame({"true": g["true"].first(), "mean": g["estimate"].mean(),
                    "bias": g["estimate"].mean() - g["true"].first(),
                    "rmse": np.sqrt(((mc["estimate"] - mc["true"]) ** 2).groupby(mc["effect"], sort=False).mean()),
                    "sd_mc": g["estimate"].std(), "mean_sd": g["sd"].mean(), "coverage": g["covered"].mean(),
                    "replications": g.size()})
did.to_csv(out / "did_monte_carlo.csv", encoding="utf-8-sig")
print(f"Spatial DID, prefecture W (N = {N}, T = {T}), {R_DID} replications")
print(did.round(4).to_string())
# a sanity check a reader can rely on even at reduced size: the effects are near the truth
assert (did["bias"].abs() < 4 * did["sd_mc"].fillna(1) / np.sqrt(R_DID) + 0.05).all(), did

# -- Part 2: panel thresholds ----------------------------------------------------------------------


def simulate(jump: float, rng: np.random.Generator, n: int = 30, t: int = 5) -> pd.DataFrame:
    q = rng.uniform(0, 10, (n, t))
    x1, x2, e = rng.normal(size=(3, n, t))
    mu = rng.normal(size=(n, 1))
    y = mu + (1 + jump * (q > 4)) * x1 + 0.5 * x2 + 0.5 * e
    return pd.DataFrame({"adcode": np.repeat(np.arange(n), t), "year": np.tile(np.arange(2001, 2001 + t), n),
                         "y": y.ravel(), "x1": x1.ravel(), "x2": x2.ravel(), "q": q.ravel()})


rows = []
for jump in (0.0, 1.0):
    for rep, ss in enumerate(np.random.SeedSequence([20261201, int(jump * 100)]).spawn(R_TH)):
        df = simulate(jump, np.random.default_rng(ss))
        r = threshold_panel(df, "y", ["x1", "x2"], "q", regime=["x1"], grid=150, bootstrap=49, seed=rep)
        th = r.thresholds.iloc[0]
        below = df.loc[df["q"] <= 4, "q"].max()
        rows.append({"delta": jump, "estimate": th["estimate"], "covered": th["ci_low"] <= below <= th["ci_high"],
                     "reject": r.tests["p"].iloc[0] < 0.05})
th = pd.DataFrame(rows)
tab = th.groupby("delta").agg(bias=("estimate", lambda s: s.mean() - 4.0),
                              rmse=("estimate", lambda s: float(np.sqrt(np.mean((s - 4.0) ** 2)))),
                              coverage=("covered", "mean"), rejection=("reject", "mean"),
                              replications=("estimate", "size"))
tab.loc[0.0, ["bias", "rmse", "coverage"]] = np.nan  # no threshold to estimate without a break
tab.to_csv(out / "threshold_monte_carlo.csv", encoding="utf-8-sig")
print(f"\nPanel threshold (N = 30, T = 5, true γ = 4), {R_TH} replications per δ")
print(tab.round(3).to_string())
assert tab.loc[1.0, "rejection"] >= 0.8 and abs(tab.loc[1.0, "bias"]) < 0.3, tab
