"""Exercise 9 — Spatial difference-in-differences: direct and spillover effects of a pilot policy.

题目：七个省在 2017 年成为某政策试点（合成数据，真实政策效应已知）。
(1) 构造处理变量 D（试点省且 t ≥ 2017 为 1），用双向固定效应空间杜宾模型（SDM-DID）估计政策效应；
(2) 手工核对：policy.spatial_did 与 panel.spatial_panel("y ~ D + x", model="sdm") 的系数完全相同；
(3) 直接效应（对试点省自身）、间接效应（溢出到邻省）、总效应各是多少？是否显著？
(4) 事件研究：试点前各期的效应是否接近 0（平行趋势）？

Task: estimate a pilot policy's direct and spillover effects with an SDM-DID, check it against the spatial
panel it is built on, and read the event study's pre-trends.
"""

import os
import warnings
from pathlib import Path

import numpy as np

from spatialq import geometry, panel, policy, weights
from spatialq.datasets import synthetic_urbanisation

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Hainan is linked to Guangdong
    w = weights.contiguity(geometry.provinces())

df = synthetic_urbanisation("province")
pilots = ["330000", "320000", "440000", "510000", "420000", "610000", "210000"]
df["adopt"] = np.where(df["adcode"].isin(pilots), 2017.0, np.nan)
df["D"] = ((df["year"] >= df["adopt"]) & df["adopt"].notna()).astype(int)
rng = np.random.default_rng(9)
df["y"] = df["urbanisation_latent"] + 0.4 * df["D"] + rng.normal(0, 0.05, len(df))

# (1) and (2)
did = policy.spatial_did(df, "y", "D", w, controls=("ln_gdp_pc",), model="sdm", n_draws=200, seed=1)
by_hand = panel.spatial_panel(df, "y ~ D + ln_gdp_pc", w, model="sdm", n_draws=200, seed=1)
print(did.summary())
assert np.allclose(did.fit.params.to_numpy(), by_hand.params.to_numpy(), rtol=1e-10)
# (3)
effects = did.to_frame()  # indexed by effect: direct, indirect, total
print(effects[["estimate", "t", "p"]])
assert effects.loc["direct", "p"] < 0.05 and effects.loc["direct", "estimate"] > 0
# (4)
ev = policy.event_study(df, "y", "adopt", w, leads=3, lags=3, controls=("ln_gdp_pc",), n_draws=200, seed=1)
pre = ev.to_frame().query("effect == 'direct' and k < -1")
print(pre[["k", "estimate", "ci_lower", "ci_upper"]])
assert ((pre["ci_lower"] <= 0) & (pre["ci_upper"] >= 0)).mean() >= 0.5  # no pre-trend built in
ev.plot().figure.savefig(out / "ex09_event_study.png", dpi=120)
