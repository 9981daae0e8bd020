"""The order in which a parallel study hands its analyses to joblib (longest first) and the order in which it
adopts them (study-file order): the first changes the wall time only, never a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from studyrun import run as run_study

import spatialq._parallel
from spatialq.study.schedule import COST_HINT, PANEL_HINT, dispatch_order, run_one

HEAD = """
[study]
figure_formats = ["png"]
table_formats = ["csv", "md"]
dpi = 50
seed = 7
[data]
path = "data.csv"
id = "province"
[regions]
"""
# one level: theil (cheap), describe, dagum, moran; dispatched describe, dagum, moran, theil
BODY = ('[analyses.theil]\ncolumn = "urban_income"\n[analyses.describe]\ncolumns = ["urban_income", "pm25"]\n'
        '[analyses.dagum]\ncolumn = "urban_income"\n[analyses.moran]\ncolumn = "urban_income"\npermutations = 9\n')


def test_longest_first_ties_in_study_order():
    analyses = [("theil", {}), ("describe", {}), ("lisa", {"years": [2011, 2022]}), ("gi_star", {}),
                ("no_such_hint", {}), ("coupling", {"years": None}), ("maps", {"years": [2011, 2015, 2019, 2022]}),
                ("other_unknown", {})]
    assert COST_HINT["lisa"] == COST_HINT["gi_star"] and PANEL_HINT > 0
    order = dispatch_order(analyses, range(len(analyses)))
    # lisa's panels put it before gi_star; maps (1 + 4 panels) after coupling; unknown ones (1.0) in file order
    assert order == [2, 3, 5, 6, 4, 7, 1, 0]
    assert dispatch_order(analyses, [0, 1, 4]) == [4, 1, 0]
    assert sorted(order) == list(range(len(analyses)))


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in {"provenance.json",
                                                                                ".spatialq-manifest.json"}}


def test_dispatched_longest_first_adopted_in_study_order(tmp_path, study_raw, monkeypatch):
    (tmp_path / "a").mkdir()
    serial = run_study(tmp_path / "a", BODY, study_raw, head=HEAD)
    seen: list[list[str]] = []

    def fake_pmap(func, tasks, *, n_jobs=1, prefer=None):  # joblib's contract: results in the order of tasks
        tasks = list(tasks)
        if func is run_one:
            seen.append([t.name for t in tasks])
        return [func(t) for t in tasks]

    monkeypatch.setattr(spatialq._parallel, "pmap", fake_pmap)
    (tmp_path / "b").mkdir()
    parallel = run_study(tmp_path / "b", BODY, study_raw, head=HEAD, n_jobs=2)
    assert seen == [["describe", "dagum", "moran", "theil"]]
    assert [o.analysis for o in parallel.outputs] == [o.analysis for o in serial.outputs]
    assert [p.name for o in parallel.outputs for p in o.files] == [p.name for o in serial.outputs for p in o.files]
    analyses = list(dict.fromkeys(o.analysis for o in serial.outputs if o.analysis != "weights"))
    assert analyses == ["theil", "describe", "dagum", "moran"]  # numbered in study-file order
    assert _digests(tmp_path / "a" / "out") == _digests(tmp_path / "b" / "out")
