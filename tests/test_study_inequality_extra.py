"""Study analyses ``[analyses.theil] weight`` and ``[analyses.dagum] bootstrap/level``: the study's tables equal
the public API's, and bad options are refused up front naming the key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from studyrun import HEAD as BASE
from studyrun import run as run_study
from studyrun import table as _table

from spatialq import geometry, inequality
from spatialq.report.headings import COLUMNS
from spatialq.study import StudyError

HEAD = BASE + """[regions]
scheme = "three"
"""


def _run(tmp_path, body: str, data: pd.DataFrame, **kw):
    return run_study(tmp_path, body, data, head=HEAD, **kw)


@pytest.fixture
def data(study_raw):
    d = study_raw.copy()
    d["pop"] = np.random.default_rng(0).uniform(300, 12_000, len(d)).round(1)
    return d


def test_weighted_theil_equals_api(tmp_path, data):
    res = _run(tmp_path, '[analyses.theil]\ncolumn = "urban_income"\nweight = "pop"\n', data)
    got = _table(res, "theil")
    d = res.data
    api = inequality.theil(d.assign(region=d["adcode"].map(geometry.regions("three"))), "urban_income", "region",
                           weight="pop").to_frame()
    assert len(got) == 4
    cols = ["theil_t", "within_t", "between_t", "theil_l"]  # tables are written to 3 decimals, headings in Chinese
    np.testing.assert_allclose(got[[COLUMNS[c][0] for c in cols]].to_numpy(), api[cols].round(3).to_numpy(),
                               atol=1e-9)
    unweighted = inequality.theil(d.assign(region=d["adcode"].map(geometry.regions("three"))), "urban_income",
                                  "region").to_frame()
    assert not np.allclose(api["theil_t"], unweighted["theil_t"], atol=1e-4)
    assert any("weighted by pop" in c or "以 pop 加权" in c for c in res.to_frame()["caption"])


def test_dagum_bootstrap_table_equals_api(tmp_path, data):
    res = _run(tmp_path, '[analyses.dagum]\ncolumn = "urban_income"\nbootstrap = 60\nlevel = 0.9\n', data)
    got = _table(res, "dagum_intervals")
    d = res.data
    api = inequality.dagum_gini(d.assign(region=d["adcode"].map(geometry.regions("three"))), "urban_income", "region",
                                bootstrap=60, level=0.9, seed=7).intervals
    assert len(got) == len(api) == 4 * 13
    # columns: year, statistic, group, group_low, estimate, se, lower, upper, level, replications (some headers are
    # translated in a Chinese study)
    cols = ["estimate", "se", "lower", "upper"]
    np.testing.assert_allclose(got.iloc[:, 4:8].to_numpy(dtype=float), api[cols].round(3).to_numpy(), atol=1e-9)
    assert list(got.iloc[:, 1]) == list(api["statistic"])
    assert (got["level"] == 0.9).all()
    plain = _run(tmp_path, '[analyses.dagum]\ncolumn = "urban_income"\n', data)
    assert not any(o.name == "dagum_intervals" for o in plain.outputs)


@pytest.mark.parametrize("body,msg", [
    ('[analyses.dagum]\nbootstrap = 10\n', r"\[analyses.dagum\] bootstrap: 10 replications are too few.*at least 40"),
    ('[analyses.dagum]\nbootstrap = -5\n', r"\[analyses.dagum\] bootstrap"),
    ('[analyses.dagum]\nbootstrap = 99\nlevel = 1.5\n', r"\[analyses.dagum\] level"),
    ('[analyses.theil]\ncolumn = "urban_income"\nweight = "nope"\n', r"nope"),
    ('[analyses.theil]\ncolumn = "urban_income"\nweight = 3\n', r"\[analyses.theil\] weight"),
])
def test_bad_options_refused_up_front(tmp_path, data, body, msg, no_compute):
    with pytest.raises(StudyError, match=msg):
        _run(tmp_path, body, data)


def test_non_positive_weight_refused_naming_key(tmp_path, data, no_compute):
    d = data.copy()
    d.loc[5, "pop"] = 0.0
    with pytest.raises(StudyError, match=r"\[analyses.theil\] weight: 'pop' must be positive"):
        _run(tmp_path, '[analyses.theil]\ncolumn = "urban_income"\nweight = "pop"\n', d)
