"""A replication-style study of new-type urbanisation, end to end with the Python API.

The workflow of a typical paper (../shared/DOMAIN.md), on the synthetic province panel
spatialq.datasets.synthetic_urbanisation (SYNTHETIC DATA, known parameters; not statistics of China):

  1 index      entropy weights of nine indicators in four sub-systems; coupling of two sub-systems
  2 time       kernel density per year (national and by the four regions), 3-D surface
  3 space      Moran's I per year; standard deviational ellipses and centre migration; Gi* hot spots
  4 gaps       Dagum Gini by the four regions; σ- and β-convergence
  5 dynamics   quartile Markov chain and spatial Markov chain
  6 drivers    geographical detector; two-way fixed-effects SDM (Lee–Yu) with direct/indirect effects
  7 output     journal tables (xlsx, md) and maps

Run: python examples/09_replication_urbanisation.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
The same study as a TOML file: examples/10_study_file.py.
"""

import os
import warnings
from pathlib import Path

from spatialq import density, detector, geometry, hotspot, index, inequality, markov, panel, plot, report, weights
from spatialq.datasets import synthetic_urbanisation
from spatialq.datasets.urbanisation import DRIVERS, INDICATORS
from spatialq.ellipse import sde

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out")) / "replication"
out.mkdir(parents=True, exist_ok=True)
df = synthetic_urbanisation("province")
prov = geometry.provinces()
df["region"] = df["adcode"].map(geometry.regions("four"))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Hainan -> Guangdong, reported by contiguity()
    w = weights.contiguity(prov)

# 1 index: pooled entropy weights, sub-system scores, coupling of economic and ecological urbanisation
ent = index.entropy(df, {k: v[0] for k, v in INDICATORS.items()}, subsystems={k: v[1] for k, v in INDICATORS.items()})
report.write(ent.weights, out / "table1_weights.xlsx", caption="表 1 新型城镇化指标体系与权重", stars=False)
d = df.merge(ent.to_frame().rename(columns={"score": "urbanisation"}), on=["adcode", "year"])
cc = index.coupling(d, ["economic", "ecological"])
plot.save(cc.plot(gdf=prov, period=2022, title="经济—生态城镇化耦合协调（2022）"), out / "fig1_coupling.png", dpi=150)

# 2 time: kernel density
kd = density.kde(d, "urbanisation", group="region")
print(kd.summary())
plot.save(kd.plot(kind="surface"), out / "fig2_kde_surface.png", dpi=150)

# 3 space: Moran's I, ellipses, Gi*
mi = hotspot.moran(d, "urbanisation", w, seed=1)
report.write(mi.to_frame()[["year", "I", "z_rand", "p_rand", "p_sim"]], out / "table2_moran.md",
             caption="表 2 全局 Moran's I", stars=False)
g = geometry.to_albers(prov)[["geometry"]].join(d[d.year.isin([2011, 2016, 2022])].set_index("adcode"))
ell = sde(g.reset_index(), weights="urbanisation", by="year")
print(ell.summary())
plot.save(ell.plot(), out / "fig3_ellipse.png", dpi=150)
gi = hotspot.gi_star(d, "urbanisation", w)
ax = gi.plot(gdf=prov, period=2022, scheme="breaks", title="冷热点（2022，自然断点）")
plot.save(ax, out / "fig4_gi.png", dpi=150)

# 4 gaps
dg = inequality.dagum_gini(d, "urbanisation", "region")
report.write(dg.paper_table(), out / "table3_dagum.xlsx", caption="表 3 Dagum 基尼系数及其分解", stars=False)
sigma = inequality.convergence(d, "urbanisation", kind="sigma")
beta = inequality.convergence(d, "urbanisation", kind="beta", panel=True)
print(sigma.summary(), beta.summary(), sep="\n")

# 5 dynamics
mk = markov.markov(d, "urbanisation", classes=4)
sm = markov.spatial_markov(d, "urbanisation", w, classes=4)
report.write(sm.paper_table(), out / "table4_spatial_markov.md", caption="表 4 空间马尔可夫转移矩阵", stars=False)

# 6 drivers: detector on 2022, then the two-way fixed-effects SDM with effects
gd = detector.geodetector(d[d.year == 2022], "urbanisation", list(DRIVERS), discretize="optimal", k=[3, 4, 5])
print(gd.summary())
f = "urbanisation ~ " + " + ".join(DRIVERS)
print(panel.lm_tests(d, f, w))
fits = [panel.spatial_panel(d, f, w, model=m, lee_yu=True, n_draws=500, seed=1) for m in ("sar", "sem", "sdm")]
report.write(report.compare(fits, names=["SAR", "SEM", "SDM"]), out / "table5_models.xlsx", caption="表 5 空间面板模型")
report.write(report.effects_table(fits[-1]), out / "table6_effects.md", caption="表 6 SDM 效应分解",
             note=report.STAR_NOTE_T["zh"])

# the known truth of the latent level (the index is a noisy monotone proxy of it: signs, not sizes, compare)
truth = df.attrs["truth"]
sdm = fits[-1]
for k in DRIVERS:
    print(f"{k:<18} true β {truth['beta'][k]:+.2f}   SDM on the index {sdm.params[k]:+.4f} "
          f"(se {sdm.std_errors[k]:.4f})")
assert sdm.rho > 0 and sdm.params["innovation"] > 0 and sdm.params["fiscal_spending"] < 0
print("written to", out)
