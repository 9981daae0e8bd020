"""Exercise 7 — A two-way fixed-effects spatial Durbin panel and its effects.

题目：合成面板（spatialq.datasets.synthetic_panel，真值见 df.attrs["truth"]）：
(1) 先做固定效应模型残差的 LM 检验，判断空间滞后还是空间误差；(2) 估计双向固定效应 SDM（Lee–Yu 修正），
检查 ρ 的估计值是否落在真值 ± 2 个标准误内；(3) 用 Wald 检验判断 SDM 能否退化为 SAR 或 SEM；
(4) 报告直接效应、间接效应（溢出）和总效应，说明 ln_gdp_pc 的溢出效应是否显著。

Task: LM tests, two-way FE SDM with the Lee–Yu correction, Wald tests, and LeSage–Pace effects on a
synthetic panel with known parameters.
"""

import warnings

from spatialq import geometry, panel, report, weights
from spatialq.datasets import synthetic_panel

df = synthetic_panel("province", seed=11)
truth = df.attrs["truth"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    w = weights.contiguity(geometry.provinces())
f = "ln_patents ~ ln_gdp_pc + rd_intensity + fdi_share + urban_rate"

print(panel.lm_tests(df, f, w))  # (1)
sdm = panel.spatial_panel(df, f, w, model="sdm", lee_yu=True, n_draws=500, seed=1)  # (2)
print(sdm.summary())
assert abs(sdm.rho - truth["rho"]) < 2.5 * sdm.std_errors["rho"]
print(sdm.tests)  # (3) Wald / LR of SDM against SAR and SEM
print(report.effects_table(sdm))  # (4)
inf = sdm.effects_inference.set_index(["term", "effect"])
print("indirect effect of ln_gdp_pc: p =", round(inf.loc[("ln_gdp_pc", "indirect"), "p"], 4))
assert inf.loc[("ln_gdp_pc", "total"), "estimate"] > 0
