"""The whole study from a TOML file, at prefecture level, with city names matched to adcodes.

Writes a yearbook-style CSV of the synthetic prefecture panel (城市 and 省份 columns, no adcodes: the
names are matched, the province column tells apart repeated city names), a study file, and runs it with
spatialq.study.run — the same as `spatialq run study_prefectures.toml --out …` on the command line.
SYNTHETIC DATA (spatialq.datasets.synthetic_urbanisation): the numbers illustrate the workflow.

Run: python examples/10_study_file.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
from pathlib import Path

from spatialq import study
from spatialq.datasets import synthetic_urbanisation

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out")) / "study"
(out / "input").mkdir(parents=True, exist_ok=True)
df = synthetic_urbanisation("prefecture", years=range(2016, 2023))
df = df.rename(columns={"name": "城市", "province": "省份", "year": "年份"}).drop(columns=["adcode"])
df.to_csv(out / "input" / "cities.csv", index=False, encoding="utf-8-sig")

(out / "input" / "study_prefectures.toml").write_text("""
[study]
title = "地级市新型城镇化（合成数据示例）"
seed = 1
table_formats = ["csv", "md"]
dpi = 120

[data]
path = "cities.csv"
id = "城市"
province = "省份"
time = "年份"
level = "prefecture"

[index]
name = "urbanisation"
[index.indicators]
urban_pop_share = "+"
urban_income = "+"
internet_per_100 = "+"
pm25 = "-"

[regions]
scheme = "four"

[weights]
type = "queen"

[analyses.moran]
permutations = 199

[analyses.lisa]
permutations = 199

[analyses.dagum]

[analyses.regression]
formula = "urbanisation ~ ln_gdp_pc + innovation + openness"
models = ["sdm"]
n_draws = 200
""", encoding="utf-8")

res = study.run(out / "input" / "study_prefectures.toml", out=out / "results")
print(res.summary())
assert res.data["adcode"].nunique() == 367
assert {o.name for o in res.outputs} >= {"moran", "lisa_map", "dagum_gini", "regression", "effects_sdm"}
