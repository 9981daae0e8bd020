"""The documentation site: builds without warnings, API pages in sync, the study keys all documented."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from spatialq.study import ANALYSES, SECTIONS

ROOT = Path(__file__).resolve().parents[1]


def _api_pages():
    spec = importlib.util.spec_from_file_location("build_api_docs", ROOT / "tools" / "build_api_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.pages()


def test_api_pages_are_up_to_date():
    for name, text in _api_pages().items():
        path = ROOT / "docs" / "api" / name
        assert path.exists() and path.read_text(encoding="utf-8") == text, (
            f"docs/api/{name} is out of date: run python tools/build_api_docs.py")


def test_study_analyses_reference_is_generated_from_the_registry():
    spec = importlib.util.spec_from_file_location("build_api_docs", ROOT / "tools" / "build_api_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    doc = (ROOT / "docs" / "study.md").read_text(encoding="utf-8")
    assert mod.study_page(doc) == doc, "docs/study.md's analyses reference is out of date: run tools/build_api_docs.py"


def test_every_study_key_is_documented():
    doc = (ROOT / "docs" / "study.md").read_text(encoding="utf-8")
    missing = [f"[{s}] {k}" for s, keys in SECTIONS.items() for k in keys if f"`{k}`" not in doc]
    missing += [f"[analyses.{a}]" for a in ANALYSES if f"`{a}`" not in doc]
    missing += [f"[analyses.{a}] {k}" for a, keys in ANALYSES.items() for k in keys if f"`{k}`" not in doc]
    assert missing == []


@pytest.mark.skipif(importlib.util.find_spec("mkdocstrings") is None, reason="docs extra not installed")
def test_docs_build_strict(tmp_path):
    """mkdocs with strict = true: any warning (broken link, page not in nav, docstring problem) fails."""
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "WARNING" not in out.stderr + out.stdout, (out.stdout + out.stderr)[-3000:]  # griffe docstring warnings too
    assert (tmp_path / "site" / "api" / "study" / "index.html").exists()
    html = (tmp_path / "site" / "api" / "hotspot" / "index.html").read_text(encoding="utf-8")
    assert 'id="spatialq.hotspot.moran.moran"' in html and 'id="spatialq.hotspot.getis.gi_star"' in html
    # the Chinese site (docs/zh/, the "中文" nav section) is built by the same strict run
    zh = (tmp_path / "site" / "zh" / "weights" / "index.html").read_text(encoding="utf-8")
    assert 'id="islands"' in zh and 'href="../../weights/"' in zh and "空间权重矩阵" in zh
    english = (tmp_path / "site" / "weights" / "index.html").read_text(encoding="utf-8")
    assert "zh/assets/lang.js" in english  # puts the "中文" link on every English page
