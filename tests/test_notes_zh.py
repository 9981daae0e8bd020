"""Notes on a Chinese index page: spatialq's own notes and the warnings of the libraries it builds on (issue 19).

The library messages are raised here by the libraries themselves, so a library that rewords a warning fails a test
instead of leaving an English note on a Chinese page unnoticed.
"""

import json
import re
import warnings

import numpy as np
import pytest

from spatialq.study.notes_zh import UNKNOWN_LEAD, note_zh


def _raised(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


def _libpysal_islands():
    from libpysal.weights import W

    W({"a": ["b"], "b": ["a"], "c": []})  # two components, one island
    W({"a": ["b"], "b": ["a"], "c": [], "d": []})  # three components, two islands
    W({"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"]})  # two components, no island


def _mapclassify_few_values():
    import mapclassify

    mapclassify.Quantiles(np.array([1.0, 1.0, 2.0, 2.0, 2.0]), k=5)


LIBRARIES = {
    "numpy": [lambda: np.log(np.zeros(1)), lambda: np.zeros(1) / np.zeros(1), lambda: np.exp(np.full(1, 1e4)),
              lambda: np.mean(np.array([])), lambda: np.var(np.ones(1), ddof=1)],
    "mapclassify": [_mapclassify_few_values],
    "libpysal": [_libpysal_islands],
}


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_library_warnings_in_chinese(library):
    """Each warning as the library raises it gets a Chinese note naming the library; the values in it (function
    names, class counts, ids) are carried over; no English prose is left."""
    messages = [m for fn in LIBRARIES[library] for m in _raised(fn)]
    assert len(messages) >= {"numpy": 5, "mapclassify": 1, "libpysal": 3}[library], messages
    for m in messages:
        zh = note_zh(m)
        assert zh.startswith(f"（{library} 提示）") and not zh.startswith(UNKNOWN_LEAD), (m, zh)
        prose = re.sub(r"（\w+ 提示）|\b(log|divide|exp|true_divide|NaN)\b", "", zh)
        assert not re.search(r"[A-Za-z]{3,}", prose), (m, zh)
        for number in re.findall(r"\d+", m):
            assert number in zh, (m, zh)
    if library == "libpysal":
        islands = [note_zh(m) for m in messages if "island" in m]
        assert len(islands) == 2 and all("孤岛" in z for z in islands) and any("编号：c, d" in z for z in islands)


def test_spatialq_notes_of_setup_in_chinese():
    from spatialq import geometry, weights

    caught = _raised(lambda: weights.contiguity(geometry.provinces(), islands="drop"))
    dropped = next(m for m in caught if m.startswith("dropping units"))
    assert note_zh(dropped).startswith("已去掉没有邻居的单元：") and "海南省 (460000)" in note_zh(dropped)
    regions = "regions: units ['810000'] belong to no 'four' region and are left out of group decompositions"
    assert note_zh(regions) == "regions：单元 ['810000'] 不属于 'four' 区域划分中的任何区域，分组分解中不含这些单元"


def test_unknown_note_is_marked_and_kept():
    """A note no rule knows stays readable: the English text whole, behind a Chinese lead-in; an analysis'
    ``[analyses.x]`` prefix stays in front and the rest is translated as a note of its own."""
    assert note_zh("a warning spatialq does not know") == UNKNOWN_LEAD + "a warning spatialq does not know"
    assert note_zh("[analyses.efficiency] something new") == "[analyses.efficiency] " + UNKNOWN_LEAD + "something new"
    assert note_zh("[analyses.maps] divide by zero encountered in log") == (
        "[analyses.maps] （numpy 提示）计算 log 时出现除以零")


def test_study_page_in_chinese_provenance_in_english(tmp_path, study_raw):
    """A zh study whose weights drop Hainan and whose map classes a two-valued column into five quantiles: the
    index page shows spatialq's note and mapclassify's warning in Chinese, provenance.json keeps both as raised."""
    from studyrun import HEAD, run

    data = study_raw.assign(flag=(study_raw["urban_pop_share"] > study_raw["urban_pop_share"].median()) * 1.0)
    body = ('[weights]\ntype = "rook"\nislands = "drop"\n'
            '[analyses.maps]\ncolumn = "flag"\nscheme = "quantiles"\nk = 5\n')
    res = run(tmp_path, body, data, head=HEAD.replace("[study]", '[study]\nlang = "zh"'))
    recorded = json.loads((tmp_path / "out" / "provenance.json").read_text(encoding="utf-8"))["notes"]
    english = [n for n in recorded if n.startswith("dropping units") or n.startswith("Not enough unique values")]
    assert len(english) == 2, recorded
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for n in english:
        assert n not in page
    assert "已去掉没有邻居的单元" in page and "（mapclassify 提示）不同取值不足以分为 5 类，已改为 2 类" in page
    assert list(res.notes) == recorded


def test_gwr_collinearity_note_in_chinese():
    """The note a GWR step passes on (seen in a study of the demo data with four regressors), from the warning
    itself."""
    from spatialq.local._fit import warn_collinear

    ids = np.array(["110000", "120000", "130000"], dtype=object)  # the study's adcodes (Python strings)
    (m,) = _raised(lambda: warn_collinear(np.array([5.0, 45.0, 60.0]), ids, "gwr"))
    assert note_zh(m) == ("gwr：3 个单元中有 2 个的局部条件数大于 30（例如 ['120000', '130000']），"
                          "其局部系数不可靠（局部共线性），见 to_frame()['condition_number']")
