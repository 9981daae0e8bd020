"""The Chinese documentation (docs/zh/) keeps in step with the English pages (docs/*.md).

Every English page outside ``docs/api/`` has a Chinese twin ``docs/zh/<same name>.md`` that

* starts with a link back to the English page (``[English](../<name>.md)``; the English pages get
  their "中文" link from ``docs/zh/assets/lang.js``);
* keeps every fenced code block byte for byte, every inline code span (options, names, paths) and
  every formula token (a word that carries a mathematical sign: Greek letters, ⁺ ⁻ ², subscripts
  ``_``, Σ, ≤, ‖, ·, × …) of the English page — so an equation edited on one side and not the other
  fails here;
* keeps the reference list: every year, DOI and first author of each entry under the English
  ``## References`` heading appears in the Chinese page;
* has about as many headings, and only links to Chinese twins, ``../api/…`` or ``../<name>.md``
  whose anchors exist;
* is listed in the "中文" section of mkdocs.yml, and both languages build with mkdocs --strict without a
  single warning (links, nav, anchors; the API pages' docstrings are checked by tests/test_docs.py).

Headings of a Chinese page carry the English ids (``## 孤岛 {#islands}``), so ``weights.md#islands`` works in
both languages. The generated analyses reference of docs/study.md is shared verbatim.
"""

import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ZH = DOCS / "zh"
PAGES = sorted(p.name for p in DOCS.glob("*.md"))

FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
MATH_SIGN = re.compile(r"[\u0370-\u03ff\u2070-\u209f\u2200-\u22ff‖·×′″²³¹_^\u0304\u0302]")
YEAR = re.compile(r"(?<![\d.])(1[89]\d\d|20\d\d)[a-z]?(?!\d)")
DOI = re.compile(r"10\.\d{4,9}/[^\s)>\]]+[^\s)>\].,;]")
EDGE = ".,;:!?()[]{}\"'“”‘’*<>"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _fences(text: str) -> list[str]:
    return [m.group(0) for m in FENCE.finditer(text)]


def _prose(text: str) -> str:
    """Text without fenced blocks, code spans and link targets."""
    text = FENCE.sub(" ", text)
    text = CODE_SPAN.sub(" ", text)
    return LINK_TARGET.sub("] ", text)


def _code_spans(text: str) -> set[str]:
    return {m.group(2).strip() for m in CODE_SPAN.finditer(FENCE.sub(" ", text))}


def _formula_tokens(text: str) -> set[str]:
    out = set()
    for word in _prose(text).split():
        # an English word glued to a sign ("β-convergence", "−Hessian", "I_i's", "year²") is prose, not formula
        word = re.sub(r"['’]s\b", "", word)
        for tok in re.sub(r"(?<![\w_^(])[A-Za-z]{4,}|(?<=-)[A-Za-z]{4,}", " ", word).split():
            tok = tok.strip(EDGE + "-")
            if tok and MATH_SIGN.search(tok) and not re.fullmatch(r"[\d.,]+×", tok):  # "20×" faster: prose
                out.add(tok)
    return out


def _headings(text: str) -> list[str]:
    return re.findall(r"^#{1,6} .*$", FENCE.sub("", text), re.M)


def _references(text: str) -> list[str]:
    """Bullet entries under the '## References' heading (joined continuation lines)."""
    m = re.search(r"^## References\s*$(.*?)(?=^#{1,2} |\Z)", text, re.M | re.S)
    if not m:
        return []
    body = m.group(1)
    if re.search(r"^\* ", body, re.M):
        return [" ".join(b.split()) for b in re.split(r"^\* ", body, flags=re.M)[1:]]
    return [line.strip() for line in body.splitlines() if line.strip()]  # one entry per line


def _reference_keys(entry: str) -> set[str]:
    keys = set(YEAR.findall(entry)) | set(DOI.findall(entry)) | set(re.findall(r"\d+(?:[–-]\d+)?", entry))
    first = re.match(r"[^\s,.(（'’]+", entry)
    if first:
        keys.add(first.group(0))
    return keys


def _ids(text: str) -> set[str]:
    md = markdown.Markdown(extensions=["toc", "attr_list", "tables", "admonition", "fenced_code"])
    return set(re.findall(r'\sid="([^"]+)"', md.convert(text)))


def _nav_paths(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [p for v in node.values() for p in _nav_paths(v)]
    if isinstance(node, list):
        return [p for v in node for p in _nav_paths(v)]
    return []


def _twin(name: str) -> Path:
    zh = ZH / name
    if not zh.exists():
        pytest.fail(f"docs/{name} has no Chinese twin docs/zh/{name}: translate it (same file name)")
    return zh


def test_there_are_pages_to_compare():
    assert len(PAGES) > 30 and "index.md" in PAGES and "weights.md" in PAGES


def test_every_chinese_page_has_an_english_original():
    orphans = sorted(p.name for p in ZH.glob("*.md") if not (DOCS / p.name).exists())
    assert orphans == [], f"docs/zh pages without an English page: {orphans}"


@pytest.mark.parametrize("name", PAGES)
def test_twin_exists_and_links_back(name):
    zh = _read(_twin(name))
    first = next(line for line in zh.splitlines() if line.strip())
    assert f"](../{name})" in first and "English" in first, (
        f"docs/zh/{name} must start with a link to its English page: [English](../{name})")
    assert re.search(r"[\u4e00-\u9fff]", _prose(zh)), f"docs/zh/{name} has no Chinese text"


@pytest.mark.parametrize("name", PAGES)
def test_twin_keeps_code_formulas_and_options(name):
    zh = _read(_twin(name))
    en = _read(DOCS / name)
    missing_blocks = [b.splitlines()[0] + " …" + b[-60:] for b in _fences(en) if b not in _fences(zh)]
    assert missing_blocks == [], f"docs/zh/{name}: code blocks differ from the English page: {missing_blocks}"
    spans = sorted(s for s in _code_spans(en) if s not in zh)
    assert spans == [], f"docs/zh/{name}: inline code of the English page missing: {spans}"
    en_prose, zh_prose = _prose(en), _prose(zh)
    # a formula fragment must occur as often as in English (an edit to one of its copies shows); a lone sign
    # (≤, ×, −) only has to occur, since prose may say "不大于" where the English writes "≤"
    formulas = sorted(t for t in _formula_tokens(en)
                      if zh_prose.count(t) < (en_prose.count(t) if len(t) > 1 else 1))
    assert formulas == [], f"docs/zh/{name}: formula tokens of the English page missing or fewer: {formulas}"


@pytest.mark.parametrize("name", PAGES)
def test_twin_keeps_references(name):
    zh = _read(_twin(name))
    missing = []
    for entry in _references(_read(DOCS / name)):
        missing += [f"{k!r} of {entry[:60]!r}" for k in sorted(_reference_keys(entry)) if k not in zh]
    assert missing == [], f"docs/zh/{name}: reference entries missing: {missing}"


@pytest.mark.parametrize("name", PAGES)
def test_twin_has_the_same_sections(name):
    zh = _read(_twin(name))
    n_en, n_zh = len(_headings(_read(DOCS / name))), len(_headings(zh))
    assert abs(n_en - n_zh) <= max(1, n_en // 10), f"docs/zh/{name}: {n_zh} headings, English {n_en}"


@pytest.mark.parametrize("name", PAGES)
def test_twin_links_resolve(name):
    """Relative links go to Chinese twins (with their anchors), ../api/… or the English page."""
    zh = _read(_twin(name))
    bad = []
    for target in LINK_TARGET.findall(FENCE.sub(" ", zh)):
        if re.match(r"[a-z]+:|#", target):
            continue
        path, _, anchor = target.partition("#")
        if path.startswith("../"):
            ok = (DOCS / path[3:]).exists() and (path.startswith("../api/") or path == f"../{name}")
            if not ok:
                bad.append(f"{target} (use the Chinese twin, ../api/… or ../{name})")
            continue
        dest = ZH / path
        if not dest.exists():
            bad.append(f"{target} (no such page in docs/zh)")
        elif anchor and dest.suffix == ".md" and anchor not in _ids(_read(dest)):
            bad.append(f"{target} (no heading with id {anchor!r}: give it {{#{anchor}}})")
    assert bad == [], f"docs/zh/{name}: broken links: {bad}"


def test_study_analyses_reference_is_the_generated_one():
    """The generated analyses reference (option names and defaults) is shared verbatim."""
    en, zh = _read(DOCS / "study.md"), _read(_twin("study.md"))
    begin, end = "<!-- analyses:", "<!-- end of generated analyses -->"
    block = en[en.index(begin):en.index(end)]
    assert block in zh, "docs/zh/study.md: copy the generated analyses reference from docs/study.md"


def test_nav_has_a_chinese_twin_of_every_english_page():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = _nav_paths(yaml.safe_load(text)["nav"])
    english = {p for p in nav if "/" not in p}
    chinese = {p[3:] for p in nav if p.startswith("zh/")}
    assert english == set(PAGES)
    assert chinese == english, (
        f"mkdocs.yml 中文 nav: missing {sorted(english - chinese)}, not English pages {sorted(chinese - english)}")


def test_both_languages_build_strictly_without_warnings(tmp_path):
    """mkdocs.yml without mkdocstrings, strict and *not* quiet: every broken link, page left out of the nav or
    bad anchor in docs/*.md and docs/zh/*.md is a warning, and a warning fails. (With ``-q`` mkdocs 1.6 drops
    warnings before strict mode counts them, so ``--strict -q`` passes whatever the warnings.)"""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(DOCS)
    config["plugins"] = []  # the API pages' ":::" lines stay text; docstrings are test_docs.py's job
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(tmp_path / "mkdocs.yml"),
                          "-d", str(tmp_path / "site")], capture_output=True, text=True, timeout=300)
    warnings = [line for line in (out.stdout + out.stderr).splitlines() if "WARNING" in line]
    assert out.returncode == 0 and warnings == [], "\n".join(warnings) or out.stderr[-3000:]
    assert (tmp_path / "site" / "zh" / "weights" / "index.html").exists()
