"""Parallel study runs (issue 18): ``n_jobs = 2`` writes the same bytes as ``n_jobs = 1`` in every format,
analyses that read a column another creates run after it, ``n_jobs`` is validated, and an analysis that fails
in a worker raises the serial run's error and leaves the previous outputs as they were."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import pytest
from studyrun import run as run_study

from spatialq._guards import InputError
from spatialq.cli import main
from spatialq.study import StudyError
from spatialq.study.schedule import levels

HEAD = """
[study]
figure_formats = ["png", "pdf", "svg"]
table_formats = ["csv", "xlsx", "docx", "md", "tex"]
dpi = 50
seed = 7
[data]
path = "data.csv"
id = "province"
[regions]
"""
IO = 'inputs = ["fiscal_spending", "energy_intensity"]\noutputs = ["urban_income"]\nundesirable = ["pm25"]\n'
# describe and theil are independent; moran reads the column efficiency creates, so it must wait for it
BODY = ("[analyses.describe]\ncolumns = [\"urban_income\", \"pm25\"]\n"
        "[analyses.efficiency]\n" + IO + 'malmquist = "none"\nname = "gtfp"\n'
        '[analyses.moran]\ncolumn = "gtfp"\npermutations = 99\n'
        '[analyses.theil]\ncolumn = "urban_income"\n')
RUN_FIELDS = ("date_utc", "n_jobs")  # provenance.json: what differs between any two runs (with "seconds")


def _digests(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (partial runs aside), by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.relative_to(root).parts[0].startswith("partial")}


def _run_record(root: Path) -> dict:
    """provenance.json without the run's date, worker count and step times; the manifest without the
    digest of provenance.json (which holds them)."""
    prov = json.loads((root / "provenance.json").read_text(encoding="utf-8"))
    prov.pop("seconds")
    for k in RUN_FIELDS:
        prov["run"].pop(k)
    man = json.loads((root / ".spatialq-manifest.json").read_text(encoding="utf-8"))
    man["files"].pop("provenance.json")
    return {"provenance": prov, "manifest": man}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, study_raw):
    out = {}
    for n_jobs in (1, 2):
        tmp = tmp_path_factory.mktemp(f"jobs{n_jobs}")
        out[n_jobs] = (tmp / "out", run_study(tmp, BODY, study_raw, head=HEAD, n_jobs=n_jobs))
    return out


def test_levels_follow_created_columns():
    from types import MappingProxyType as M

    from spatialq.study.spec import parse

    raw = {"data": {"dataset": "synthetic_urbanisation"}, "regions": {},
           "analyses": {"describe": {"columns": ["b"]},
                        "efficiency": {"inputs": ["a"], "outputs": ["b"], "name": "gtfp"},
                        "moran": {"column": "gtfp"}, "theil": {"column": "b"}, "dagum": {"column": "gtfp"}}}
    spec = parse(raw)
    assert levels(spec.analyses) == [[0, 1, 3], [2, 4]]
    assert levels([(n, M(dict(o))) for n, o in spec.analyses if n != "efficiency"]) == [[0, 1, 2, 3]]


def test_parallel_output_folder_is_byte_identical(runs):
    (a, ra), (b, rb) = runs[1], runs[2]
    da, db = _digests(a), _digests(b)
    assert sorted(da) == sorted(db)
    exts = {Path(p).suffix for p in da}
    assert {".png", ".pdf", ".svg", ".csv", ".xlsx", ".docx", ".md", ".tex", ".html", ".json"} <= exts
    differ = sorted(p for p in da if da[p] != db[p])
    assert differ == [".spatialq-manifest.json", "provenance.json"]  # the run's date, n_jobs and times only
    assert _run_record(a) == _run_record(b)
    prov = json.loads((b / "provenance.json").read_text(encoding="utf-8"))
    assert prov["run"]["n_jobs"] == 2
    # numbered in study-file order whatever finished first; moran saw the column efficiency created
    assert [o.analysis for o in ra.outputs] == [o.analysis for o in rb.outputs]
    assert [p.name for o in rb.outputs for p in o.files] == [p.name for o in ra.outputs for p in o.files]
    assert list(ra.data.columns) == list(rb.data.columns) and "gtfp" in rb.data
    assert ra.notes == rb.notes
    assert not [p for p in b.iterdir() if p.name.startswith((".spatialq-staging", ".step"))]


def test_pdf_svg_and_office_dates_are_pinned(runs):
    import zipfile

    out, _ = runs[2]
    pdf = next((out / "figures").glob("*.pdf")).read_bytes()
    assert b"/CreationDate (D:19800101000000Z)" in pdf
    svg = next((out / "figures").glob("*.svg")).read_text(encoding="utf-8")
    assert "<dc:date>1980-01-01T00:00:00+00:00</dc:date>" in svg
    for ext in ("xlsx", "docx"):
        with zipfile.ZipFile(next((out / "tables").glob(f"*.{ext}"))) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert b"1980-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_n_jobs_is_validated(tmp_path, study_raw, capsys):
    for bad in (0, 1.5, "2", True):
        with pytest.raises(InputError, match=r"spatialq\.study\.run .*n_jobs must be a non-zero whole number"):
            run_study(tmp_path, BODY, study_raw, head=HEAD, n_jobs=bad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert main(["run", str(tmp_path / "s.toml"), "--n-jobs", "0", "--quiet"]) == 1
    assert "--n-jobs" in capsys.readouterr().err.replace("\n", " ")
    with pytest.raises(StudyError, match=r"\[study\] n_jobs: 0 is not a number of processes"):
        run_study(tmp_path, BODY, study_raw, head=HEAD.replace("seed = 7", "seed = 7\nn_jobs = 0"))
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_failing_analysis_in_a_worker(tmp_path, study_raw, runs):
    """The error of the first failing analysis in study-file order, as a serial run raises it; the previous
    run's files unchanged."""
    data = study_raw.assign(flat=1.0)  # Moran's I of a constant column is undefined: fails while computing
    body = ('[analyses.theil]\ncolumn = "urban_income"\n[analyses.moran]\ncolumn = "flat"\npermutations = 9\n'
            '[analyses.describe]\ncolumns = ["urban_income"]\n')
    head = HEAD.replace('"png", "pdf", "svg"', '"png"').replace('"csv", "xlsx", "docx", "md", "tex"', '"csv"')
    errors = {}
    for n_jobs in (1, 2):
        (tmp_path / f"j{n_jobs}").mkdir()
        with pytest.raises(Exception) as info:
            run_study(tmp_path / f"j{n_jobs}", body, data, head=head, n_jobs=n_jobs)
        errors[n_jobs] = (type(info.value), str(info.value))
    assert errors[1] == errors[2] and errors[2][0] is InputError and "moran" in errors[2][1]

    out, _ = runs[2]
    before = _digests(out)
    with pytest.raises(InputError) as info:
        run_study(out.parent, body, data, head=head, n_jobs=2)
    assert (type(info.value), str(info.value)) == errors[1]
    assert "previous outputs" in " ".join(info.value.__notes__)
    assert _digests(out) == before
    assert len(list(out.glob("partial-run-*"))) == 1


def test_workers_are_warmed_only_for_a_parallel_loky_run(runs, monkeypatch):
    """The warm-up of a parallel run (schedule.warm_workers: loky workers import while the data is read) is joined
    before the run returns, never started for a serial run or under a threading backend, and ran in the workers the
    analyses then used (the byte-identical outputs above come from such a run)."""
    import threading

    import joblib

    from spatialq.study import schedule

    assert runs[2][1].outputs  # the parallel run of the fixture went through the warm-up
    assert not [t for t in threading.enumerate() if t.name == "spatialq-warm-workers"]
    assert schedule.warm_workers(1) is None
    with joblib.parallel_config(backend="threading"):
        assert schedule.warm_workers(2) is None
    thread = schedule.warm_workers(2)
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive()
    pids = set(joblib.Parallel(n_jobs=2)(joblib.delayed(schedule._warm)(i) for i in range(4)))
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def _worker_growth_limit(_) -> tuple[int, int]:
    import time

    from joblib.externals.loky import process_executor

    time.sleep(0.2)  # every worker gets some of the tasks
    return os.getpid(), process_executor._MAX_MEMORY_LEAK_SIZE


def test_study_workers_are_not_replaced_for_their_caches(tmp_path, study_raw, monkeypatch):
    """loky replaces a worker whose memory grew by 300 MB since its first task; a study worker raises that limit
    when it runs an analysis (and when it is warmed up) so that its shared data and map caches are not taken for a
    leak (at county level every worker was replaced after one analysis).  Fresh workers, no warm-up: the workers
    that ran the analyses carry the raised limit, the calling process keeps loky's own."""
    import joblib
    from joblib.externals.loky import get_reusable_executor, process_executor

    from spatialq.study import schedule

    monkeypatch.setattr(process_executor, "_MAX_MEMORY_LEAK_SIZE", int(3e8))
    schedule._warm(0)  # the warm-up raises it (here in this process; restored by monkeypatch)
    assert process_executor._MAX_MEMORY_LEAK_SIZE == schedule.WORKER_GROWTH
    monkeypatch.setattr(process_executor, "_MAX_MEMORY_LEAK_SIZE", int(3e8))
    get_reusable_executor().shutdown(wait=True, kill_workers=True)  # workers that never ran a study task
    assert set(dict(joblib.Parallel(n_jobs=2)(joblib.delayed(_worker_growth_limit)(i) for i in range(4))).values()) \
        == {int(3e8)}
    get_reusable_executor().shutdown(wait=True, kill_workers=True)
    monkeypatch.setattr(schedule, "warm_workers", lambda n_jobs: None)
    run_study(tmp_path, BODY, study_raw, head=HEAD, n_jobs=2)
    limits = dict(joblib.Parallel(n_jobs=2)(joblib.delayed(_worker_growth_limit)(i) for i in range(8)))
    assert schedule.WORKER_GROWTH in limits.values() and os.getpid() not in limits
    assert process_executor._MAX_MEMORY_LEAK_SIZE == int(3e8)
