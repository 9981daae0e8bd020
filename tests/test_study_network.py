"""[analyses.network]: the study's tables equal the public API's (spatialq.network), and bad options or data
are refused up front naming the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from studyrun import run as run_study
from studyrun import table as study_table

from spatialq.study import StudyError

HEAD = """
[study]
table_formats = ["csv"]
figure_formats = ["png"]
dpi = 50
seed = 7
[data]
path = "data.csv"
id = "province"
"""


def _run(tmp_path: Path, body: str, data: pd.DataFrame, **kw):
    return run_study(tmp_path, body, data, head=HEAD, **kw)


def _table(res, name):
    return study_table(res, name)


def test_network_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import network

    d = study_raw.copy()
    d["gdp_pc"] = np.exp(d["ln_gdp_pc"])
    body = '[analyses.network]\nmass = ["urban_income", "doctors_per_10k"]\nyear = 2017\nyears = [2015, 2018]\n'
    res = _run(tmp_path, body, d)
    names = {o.name for o in res.outputs}
    assert {"network_measures", "network_centrality", "network_blocks", "network_block_members",
            "network_block_density", "network_map", "network_maps"} <= names
    net = network.gravity(res.data, ["urban_income", "doctors_per_10k"])
    api = network.measures(net)
    got = _table(res, "network_measures")
    assert got.iloc[:, 0].tolist() == [2015, 2016, 2017, 2018]
    np.testing.assert_array_equal(got.iloc[:, 2].to_numpy(), api.network["edges"].to_numpy())  # arcs
    np.testing.assert_allclose(got.iloc[:, 3].to_numpy(), api.network["density"].round(3), atol=1e-9)
    blocks = network.blocks(net, period=2017)
    roles = _table(res, "network_blocks")
    assert len(roles) == len(blocks.roles)
    np.testing.assert_array_equal(roles.iloc[:, 1:1 + len(roles)].to_numpy(), blocks.counts.to_numpy())
    assert roles.columns[-1] == "板块角色"
    assert roles.iloc[:, -1].tolist() == blocks.paper_table()["板块角色"].tolist()


def test_network_checks_up_front(tmp_path, study_raw, no_compute):
    body = '[analyses.network]\nmass = ["urban_income"]\ndistance = "economic"\n'
    with pytest.raises(StudyError, match=r"\[analyses.network\] gdp_per_capita: distance = \"economic\" needs"):
        _run(tmp_path, body, study_raw)
    body = '[analyses.network]\nmass = ["openness"]\n'
    with pytest.raises(StudyError, match=r"\[analyses.network\] 'openness' must be positive"):
        _run(tmp_path, body, study_raw)
    body = '[analyses.network]\nmass = ["urban_income"]\nbinarize = "median"\n'
    with pytest.raises(StudyError, match=r"binarize"):
        _run(tmp_path, body, study_raw)
    d = study_raw[~((study_raw["province"] == "江苏省") & (study_raw["year"] == 2016))]
    body = '[analyses.network]\nmass = ["urban_income"]\n'
    with pytest.raises(StudyError, match=r"\[analyses.network\]: needs every region in every year; .*江苏省"):
        _run(tmp_path, body, d)
    body = '[analyses.network]\nmass = ["urban_income"]\nyear = 2030\n'
    with pytest.raises(StudyError, match=r"\[analyses.network\] year: \[2030\] not in the data"):
        _run(tmp_path, body, study_raw)
    assert not (tmp_path / "out").exists()
