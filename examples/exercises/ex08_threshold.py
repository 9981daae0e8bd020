"""Exercise 8 — Panel threshold regression (Hansen 1999) by hand and with spatialq.

题目：在省域面板上，开放度（openness）对城镇化的作用是否随人均 GDP 的对数（ln_gdp_pc）分段变化？
(1) 取 ln_gdp_pc 的一个候选门槛 γ，手工构造 openness·1(q ≤ γ) 与 openness·1(q > γ)，做组内（个体固定效应）
    回归，得到残差平方和 S(γ)；在候选网格上求 S(γ) 最小者，与 panel.threshold_panel 的门槛估计对照；
(2) 用自抽样 F 检验判断是否存在门槛效应；读出 95% 置信区间（LR(γ) ≤ 7.35）；
(3) 两个区制中 openness 的系数各是多少？

Task: find the threshold of ln_gdp_pc by a hand-made grid search of the within sum of squares, compare it
with panel.threshold_panel, then read the bootstrap F test, the LR interval and the regime slopes.
The panel is synthetic with a threshold built in at ln_gdp_pc = 10.5.
"""

import numpy as np

from spatialq import panel
from spatialq.datasets import synthetic_urbanisation

df = synthetic_urbanisation("province")
rng = np.random.default_rng(8)
gamma_true = 10.5
df["y"] = (df["urbanisation_latent"] + np.where(df["ln_gdp_pc"] <= gamma_true, 0.2, 1.2) * df["openness"]
           + rng.normal(0, 0.05, len(df)))


def within(frame, cols):
    return frame[cols] - frame.groupby("adcode")[cols].transform("mean")


# (1) by hand: the within sum of squares at each candidate
res = panel.threshold_panel(df, "y", ["urbanisation_latent", "openness"], "ln_gdp_pc", regime=["openness"],
                            bootstrap=50, seed=1)
grid = res.grid[0] if isinstance(res.grid, list | tuple) else res.grid
best, best_s = None, np.inf
for g in np.asarray(grid, dtype=float):
    d = df.assign(low=df["openness"] * (df["ln_gdp_pc"] <= g), high=df["openness"] * (df["ln_gdp_pc"] > g))
    w = within(d, ["y", "urbanisation_latent", "low", "high"])
    X = w[["urbanisation_latent", "low", "high"]].to_numpy()
    e = w["y"].to_numpy() - X @ np.linalg.lstsq(X, w["y"].to_numpy(), rcond=None)[0]
    if e @ e < best_s:
        best, best_s = g, e @ e
estimate = float(res.thresholds["estimate"].iloc[0])
print(f"threshold: by hand {best:.4f}, spatialq {estimate:.4f} (true {gamma_true})")
assert np.isclose(best, estimate)

# (2) the F test and the interval
print(res.summary())
assert float(res.tests["p"].iloc[0]) < 0.05
low, high = res.thresholds[["ci_low", "ci_high"]].iloc[0]
assert low <= estimate <= high

# (3) the regime slopes of openness
print(res.params[res.params["term"].str.contains("openness")][["term", "regime", "coef", "se"]])
