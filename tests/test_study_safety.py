"""A shared study is data, never code: attacks fail before anything runs or is written; runs are
transactional; files spatialq did not write survive (issue 13, items 1–4)."""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from spatialq import study
from spatialq.study import StudyError
from spatialq.study.output import MANIFEST, slug

CANARY = "CANARY_SPATIALQ"


@pytest.fixture(scope="module")
def raw(study_raw):
    return study_raw[study_raw["year"] <= 2017].reset_index(drop=True)


SMALL = """
[study]
table_formats = ["csv", "xlsx", "md"]
dpi = 60
[data]
path = "data.csv"
id = "province"
[index]
name = "u"
[index.indicators]
urban_pop_share = "+"
pm25 = "-"
[analyses.describe]
[analyses.moran]
permutations = 0
"""


def _study(folder: Path, body: str, data: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data.to_csv(folder / "data.csv", index=False)
    p = folder / "s.toml"
    p.write_text(body, encoding="utf-8")
    return p


def _tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (relative path → bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def unresolved(page_links):
    """A function: the links of ``out/index.html`` that do not resolve to a file."""
    return lambda out: [r for r in page_links(out / "index.html") if not (out / r).is_file()]


# ----------------------------------------------------------------------------- code is never run


PAYLOADS = [
    "{0*__import__(chr(111)+chr(115)).system('touch %s')}",
    "I(__import__('os').system('touch %s'))",
    "__import__('os').system('touch %s')",
    "eval(\"open('%s','w')\")",
    "exec(\"open('%s','w')\")",
    "open('%s', 'w')",
    "x.__class__.__init__.__globals__['os'].system('touch %s')",
    "getattr(__builtins__, 'open')('%s', 'w')",
    "@python -c \"open('%s','w')\"",
    "=cmd|' /C touch %s'!A0",
    "`; touch %s`",
    "$(touch %s)",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_refused_before_anything_runs(tmp_path, raw, payload, monkeypatch):
    canary = tmp_path / CANARY
    bad = payload % canary
    body = SMALL + f'[analyses.regression]\nformula = {_toml_str("u ~ ln_gdp_pc + " + bad)}\n'
    path = _study(tmp_path / "s", body, raw)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StudyError) as err:
        study.run(path, out=tmp_path / "out", progress=False)
    assert "[analyses.regression]" in str(err.value)  # a grammar error, or a quoted name that is no column
    assert not canary.exists() and not (tmp_path / "out").exists()


def _toml_str(s: str) -> str:
    return "'''" + s + "'''" if "'''" not in s else '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _string_fields():
    """Every string-valued key of the schema that a study may set (top-level sections and analyses)."""
    from spatialq.study.analyses import REGISTRY
    from spatialq.study.spec import SECTIONS

    out = []
    for sec, keys in SECTIONS.items():
        for key, opt in keys.items():
            types = opt.type if isinstance(opt.type, tuple) else (opt.type,)
            if str in types and sec in ("study", "data", "index", "regions", "weights"):
                out.append((sec, key))
    for name, a in REGISTRY.items():
        for key, opt in a.options.items():
            types = opt.type if isinstance(opt.type, tuple) else (opt.type,)
            if str in types:
                out.append((f"analyses.{name}", key))
    return out


@pytest.mark.parametrize(("section", "key"), _string_fields())
def test_payload_in_every_string_field_never_runs(tmp_path, raw, section, key, monkeypatch):
    """Each string key set to a code payload: the study fails validation or runs, but the canary file never
    appears and nothing is written outside the output folder."""
    canary = tmp_path / CANARY
    payload = "{__import__('os').system('touch " + str(canary) + "')}"
    base = tmp_path / "s"
    body = SMALL.replace("[analyses.describe]\n", "")
    if section.startswith("analyses.") and f"[{section}]" not in body:
        body += f"[{section}]\n"
    lines = body.split("\n")
    head = f"[{section}]"
    if head not in lines:
        lines += [head]
    i = lines.index(head) + 1
    lines.insert(i, f"{key} = {_toml_str(payload)}")
    text = "\n".join(_dedupe_keys(lines))
    path = _study(base, text, raw)
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            study.run(path, out=tmp_path / "out", progress=False)
        except StudyError:  # refused up front; anything else (a crash mid-run) fails the test
            pass
    assert not canary.exists()
    assert set(os.listdir(tmp_path)) - before <= {"out"}


def _dedupe_keys(lines: list[str]) -> list[str]:
    """Keep the first assignment of a key within each table (the payload is inserted first)."""
    seen, out = set(), []
    for ln in lines:
        if ln.startswith("["):
            seen = set()
        elif " = " in ln:
            k = ln.split(" = ")[0].strip()
            if k in seen:
                continue
            seen.add(k)
        out.append(ln)
    return out


def test_data_column_named_like_a_payload_is_only_a_name(tmp_path, raw, monkeypatch):
    """A column whose name is a payload is just a column: the formula must quote it and nothing runs."""
    canary = tmp_path / CANARY
    evil = "__import__('os').system('touch " + str(canary) + "')"
    data = raw.assign(**{evil: raw["ln_gdp_pc"] + 0.0})
    body = SMALL + f"[analyses.regression]\nformula = {_toml_str('u ~ ln_gdp_pc + ' + evil)}\nmodels = ['sar']\n"
    path = _study(tmp_path / "s", body, data)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StudyError):
        study.run(path, out=tmp_path / "out", progress=False)
    assert not canary.exists()


# ----------------------------------------------------------------------------- writes stay inside --out


def test_slug_is_a_single_safe_component():
    for s in ["x/../../../../NAME", "../evil", "/etc/passwd", "..", ".", "a\\b", "C:\\x", "名称\n(亿元)", "", "-rf",
              "\x00x", "a" * 500]:
        out = slug(s)
        assert out and "/" not in out and "\\" not in out and out not in (".", "..")
        assert not out.startswith((".", "-")) and len(out) <= 60 and "\x00" not in out


def test_traversal_names_write_inside_out(tmp_path, raw, monkeypatch):
    """An index name and a data column with ``../`` (used by maps, which name files after the column) and an
    absolute path: every file lands inside the output folder under a slug."""
    evil_col = "../../../../../EVIL_COLUMN"
    data = raw.assign(**{evil_col: raw["pm25"], "/tmp/ABS_COLUMN": raw["pm25"]})
    body = SMALL.replace('name = "u"', 'name = "x/../../../../NAME"') + (
        f'[analyses.maps]\ncolumn = "{evil_col}"\nyears = [2017]\n'
        '[analyses.kde]\ncolumn = "/tmp/ABS_COLUMN"\nby_region = false\n')
    path = _study(tmp_path / "s", body, data)
    monkeypatch.chdir(tmp_path / "s")
    before = _tree(tmp_path)
    res = study.run(path, out=tmp_path / "s" / "out", progress=False)
    after = _tree(tmp_path)
    outside = [p for p in set(after) - set(before) if not p.startswith("s/out/")]
    assert outside == []
    assert not Path("/tmp/ABS_COLUMN.png").exists()
    names = [p.name for o in res.outputs for p in o.files]
    assert any("EVIL_COLUMN" in n for n in names) and all(".." not in n and "/" not in n for n in names)
    for o in res.outputs:
        for p in o.files:
            assert p.resolve().is_relative_to((tmp_path / "s" / "out").resolve())


@pytest.mark.parametrize("link", ["index.md", "provenance.json", "tables", "figures/fig01_x.png", "data"])
def test_symlink_in_the_output_folder_is_refused(tmp_path, raw, link):
    path = _study(tmp_path / "s", SMALL, raw)
    out = tmp_path / "out"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "bashrc").write_text("precious", encoding="utf-8")
    target = out / link
    target.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(victim if "." not in link else victim / "bashrc", target)
    before = _tree(victim)
    with pytest.raises(StudyError, match="symbolic link") as err:
        study.run(path, out=out, progress=False)
    assert link.split("/")[-1] in str(err.value)
    assert _tree(victim) == before and target.is_symlink()
    assert not [p for p in out.iterdir() if p.name.startswith(".spatialq-staging")]


def test_output_folder_that_is_a_symlink_is_refused(tmp_path, raw):
    path = _study(tmp_path / "s", SMALL, raw)
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "out")
    with pytest.raises(StudyError, match="symbolic link"):
        study.run(path, out=tmp_path / "out", progress=False)
    assert list((tmp_path / "real").iterdir()) == []


def test_reading_outside_the_study_folder_needs_consent(tmp_path, raw):
    (tmp_path / "elsewhere").mkdir()
    secret = tmp_path / "elsewhere" / "secret.csv"
    secret.write_text("password\nhunter2-TOPSECRET\n", encoding="utf-8")
    body = SMALL.replace('path = "data.csv"', 'path = "../elsewhere/secret.csv"')
    path = _study(tmp_path / "s", body, raw)
    with pytest.raises(StudyError, match="allow_outside") as err:
        study.run(path, out=tmp_path / "out", progress=False)
    assert "hunter2" not in str(err.value) and "password" not in str(err.value)
    body = SMALL.replace('path = "data.csv"', f'path = "{secret}"')
    path = _study(tmp_path / "s", body, raw)
    with pytest.raises(StudyError, match="outside the study's folder") as err:
        study.run(path, out=tmp_path / "out", progress=False)
    assert "hunter2" not in str(err.value)


# ----------------------------------------------------------------------------- spreadsheet safety


def test_formula_like_cells_are_text_in_xlsx_and_neutral_in_csv(tmp_path, raw):
    openpyxl = pytest.importorskip("openpyxl")
    evil = '=HYPERLINK("http://example.invalid","x")'
    data = raw.assign(**{evil: raw["pm25"]})
    body = SMALL + f"[analyses.describe]\ncolumns = [{_toml_str(evil)}, 'pm25']\n"
    body = body.replace("[analyses.describe]\n[analyses.moran]", "[analyses.moran]", 1)
    path = _study(tmp_path / "s", body, data)
    res = study.run(path, out=tmp_path / "out", progress=False)
    desc = next(o for o in res.outputs if o.name == "descriptive")
    xlsx = next(p for p in desc.files if p.suffix == ".xlsx")
    cells = [c for row in openpyxl.load_workbook(xlsx).active.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    csv_text = next(p for p in desc.files if p.suffix == ".csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text and ",=HYPERLINK" not in csv_text
    data_csv = (tmp_path / "out" / "data" / "analysis_data.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in data_csv.splitlines()[0]


def test_text_cells_of_the_data_are_neutral_in_analysis_data(tmp_path, raw):
    """Text columns (pandas' string dtype included) of the analysis data: every formula-like cell neutralised."""
    import csv

    data = raw.assign(note=['=HYPERLINK("http://example.invalid/?"&A1,"x")', "@SUM(1+1)*cmd|' /C calc'!A0",
                            "-2+3", "plain", "-0.5"] * (len(raw) // 5) + ["plain"] * (len(raw) % 5))
    res = study.run(_study(tmp_path / "s", SMALL, data), out=tmp_path / "out", progress=False)
    with open(res.out / "data" / "analysis_data.csv", encoding="utf-8-sig", newline="") as fh:
        notes = [row["note"] for row in csv.DictReader(fh)]
    assert {n for n in notes if n[:1] in "=+-@"} <= {"-0.5"}  # only the number keeps its sign
    assert "'=HYPERLINK(\"http://example.invalid/?\"&A1,\"x\")" in notes and "'-2+3" in notes


def test_a_shipped_manifest_cannot_delete_the_study_or_its_data(tmp_path, raw):
    """A replication package with a manifest naming its own files, run with --out = its own folder."""
    import json

    folder = tmp_path / "pkg"
    path = _study(folder, SMALL, raw)
    (folder / "README.txt").write_text("read me", encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps({"files": {"s.toml": [], "data.csv": [], "README.txt": [],
                                                         "../outside.txt": []}}), encoding="utf-8")
    (tmp_path / "outside.txt").write_text("mine", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != MANIFEST}
    study.run(path, out=folder, progress=False)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in before} == before
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "mine"


def test_an_edited_output_is_the_users(previous_run):
    """A table of the previous run edited since is not replaced: the run stops and names it."""
    path, out, _ = previous_run
    table = next((out / "tables").glob("table*_moran.csv"))
    table.write_text("edited by hand\n", encoding="utf-8")
    with pytest.raises(ValueError, match="edited"):
        study.run(path, out=out, progress=False)
    assert table.read_text(encoding="utf-8") == "edited by hand\n"


def test_interrupted_hand_over_is_completed_by_the_next_run(previous_run, monkeypatch, unresolved):
    """Stopped while moving the finished files into place: the message says so, and the next run recognises
    every file (old or new) as its own and completes the folder."""
    import spatialq.study.output as output

    path, out, _ = previous_run
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 4 and str(dst).startswith(str(out)) and ".spatialq-staging" not in str(dst):
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", flaky)
    with pytest.raises(KeyboardInterrupt) as info:
        study.run(path, out=out, progress=False)
    assert any("run it again" in n for n in info.value.__notes__)
    monkeypatch.setattr(output.os, "replace", real)
    study.run(path, out=out, progress=False)
    assert unresolved(out) == [] and (out / "my_notes.txt").read_text(encoding="utf-8") == "mine"


def test_dollar_signs_in_names_are_text_not_mathtext(tmp_path, raw):
    data = raw.assign(**{"GDP $\\frac{a$": raw["pm25"]})
    body = SMALL + '[analyses.maps]\ncolumn = "GDP $\\\\frac{a$"\nyears = [2017]\n'
    res = study.run(_study(tmp_path / "s", body, data), out=tmp_path / "out", progress=False)
    assert any(o.name.startswith("map_") for o in res.outputs)
    import matplotlib

    assert matplotlib.rcParams["text.parse_math"] is True  # restored


def test_index_md_escapes_the_title(tmp_path, raw):
    title = "![x](http://example.invalid/a.png) <script>alert(1)</script>\n# heading"
    body = SMALL.replace("[study]\n", f"[study]\ntitle = {_toml_str(title)}\n".replace("'''", '"""'), 1)
    path = _study(tmp_path / "s", body, raw)
    study.run(path, out=tmp_path / "out", progress=False)
    md = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    import re

    assert not re.search(r"!\[x\]\(http", md) and not re.search(r"(?<!\\)<script", md)  # only escaped forms
    assert "\n# heading" not in md and "\\<script>" in md
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page


# ----------------------------------------------------------------------------- transactional runs


@pytest.fixture
def previous_run(tmp_path, raw):
    path = _study(tmp_path / "s", SMALL, raw)
    out = tmp_path / "out"
    study.run(path, out=out, progress=False)
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")  # a user's files in --out
    (out / "tables" / "my_table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return path, out, _tree(out)


@pytest.mark.parametrize("error", [RuntimeError("a step failed"), KeyboardInterrupt()])
def test_failed_or_interrupted_run_leaves_the_previous_outputs(previous_run, monkeypatch, error, unresolved):
    import spatialq.hotspot as hotspot

    path, out, before = previous_run

    def fail(*a, **k):
        raise error

    monkeypatch.setattr(hotspot, "moran", fail)
    with pytest.raises(type(error)) as info:
        study.run(path, out=out, progress=False)
    partial = [p for p in out.iterdir() if p.name.startswith("partial-run-")]
    assert len(partial) == 1 and (partial[0] / "RUN_FAILED.txt").exists()
    assert any(str(partial[0]) in n for n in getattr(info.value, "__notes__", []))
    after = {k: v for k, v in _tree(out).items() if not k.startswith("partial-run-")}
    assert after == before  # byte-identical, user files included
    assert unresolved(out) == []
    # the partial run holds what was written before the failure (the describe table)
    assert list((partial[0] / "tables").glob("table*_descriptive.csv"))


def test_rerun_replaces_only_its_own_files(previous_run, monkeypatch, unresolved):
    path, out, before = previous_run
    smaller = path.read_text(encoding="utf-8").replace("[analyses.moran]\npermutations = 0\n", "")
    path.write_text(smaller, encoding="utf-8")
    study.run(path, out=out, progress=False)
    after = _tree(out)
    assert after["my_notes.txt"] == b"mine" and after["tables/my_table.csv"] == before["tables/my_table.csv"]
    assert not [k for k in after if "moran" in k]  # the previous run's Moran outputs are gone
    assert unresolved(out) == []
    import json

    manifest = json.loads(after[MANIFEST])["files"]
    assert "my_notes.txt" not in manifest and set(manifest) <= set(after)


def test_file_not_written_by_spatialq_is_never_overwritten(tmp_path, raw):
    path = _study(tmp_path / "s", SMALL, raw)
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("my own page", encoding="utf-8")
    with pytest.raises(ValueError, match="not written by spatialq") as err:
        study.run(path, out=out, progress=False)
    assert (out / "index.html").read_text(encoding="utf-8") == "my own page"
    assert "index.html" in str(err.value)


def test_writes_are_atomic_files_not_links(tmp_path):
    from spatialq.study.output import OutputError, atomic_write_text

    target = tmp_path / "f.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text(encoding="utf-8") == "two" and [p.name for p in tmp_path.iterdir()] == ["f.json"]
    os.symlink(tmp_path / "f.json", tmp_path / "link.json")
    with pytest.raises(OutputError):
        atomic_write_text(tmp_path / "link.json", "three")
    assert target.read_text(encoding="utf-8") == "two"


def test_provenance_records_inputs_and_matching(previous_run):
    import json

    path, out, _ = previous_run
    info = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    data = path.parent / "data.csv"
    assert info["inputs"][0]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert info["run"]["study_file"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info["run"]["date_utc"].startswith("20") and info["versions"]["spatialq"]
    spellings = {m["spelling"]: m["adcode"] for m in info["name_matching"]}
    assert spellings["北京市"] == "110000" and len(spellings) == 31
    assert any("海南省" in link for link in info["island_links"])


def test_staging_folder_of_a_killed_run_becomes_a_partial_run(previous_run, unresolved):
    from spatialq.study.output import STAGING_PREFIX

    path, out, _ = previous_run
    dead = out / f"{STAGING_PREFIX}20260101-000000-999999999"  # no such process
    (dead / "tables").mkdir(parents=True)
    (dead / "tables" / "table01_x.csv").write_text("x\n1\n", encoding="utf-8")
    study.run(path, out=out, progress=False)
    partial = out / dead.name.replace(STAGING_PREFIX, "partial-run-")
    assert not dead.exists() and (partial / "RUN_FAILED.txt").exists()
    assert unresolved(out) == []


def test_knn_k_larger_than_possible_is_refused_up_front(tmp_path, raw):
    body = SMALL.replace("[analyses.describe]", "[weights]\ntype = \"knn\"\nk = 31\n[analyses.describe]")
    with pytest.raises(StudyError, match=r"\[weights\] k: 31 neighbours for 31 regions; k must be at most 30"):
        study.run(_study(tmp_path / "s", body, raw), out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
