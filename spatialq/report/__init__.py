"""Journal tables from results: CSV, XLSX, LaTeX, Markdown and DOCX, Chinese or English headings.

``table(obj)`` turns any spatialq result (through its ``to_frame()``) or a DataFrame into a
formatted table of strings: numbers rounded to ``digits`` decimals, significance stars
(``*** p < 0.01, ** p < 0.05, * p < 0.1``) attached to the estimate when the frame has a ``p``
column, headings translated (``lang="zh"`` 系数 / 标准误 …, or ``"en"``).  ``compare(results)``
is the side-by-side model table (coefficient with stars above its standard error in
parentheses).  ``write(obj, path)`` picks the format from the suffix: ``.csv`` (UTF-8 with BOM,
so Excel opens Chinese correctly), ``.xlsx`` (openpyxl), ``.tex`` (booktabs ``tabular`` with the
star note), ``.md`` (pipe table) or ``.docx`` (python-docx; extra ``spatialq[docx]``).
Shares in ``to_frame()`` are fractions; pass ``percent=[columns]`` to show them as percentages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._numbers import is_pvalue_column, number, pvalue
from .._spml._result import compare as _compare_models
from .._spml._result import stars as _stars
from ._docx import write_docx
from ._safe import escape, map_strings
from ._xlsx import write_xlsx

__all__ = ["HEADINGS", "compare", "effects_table", "table", "to_latex", "to_markdown", "write"]

HEADINGS = {
    "zh": {"term": "变量", "estimate": "系数", "std_error": "标准误", "z": "z 值", "t": "t 值", "p": "p 值",
           "stars": "显著性", "statistic": "统计量", "df": "自由度", "test": "检验", "note": "说明",
           "direct": "直接效应", "indirect": "间接效应", "total": "总效应", "effect": "效应",
           "ci_lower": "置信下限", "ci_upper": "置信上限", "sigma2": "σ²", "rho": "ρ", "lambda": "λ",
           "log L": "对数似然值", "AIC": "AIC", "n": "样本量", "year": "年份", "adcode": "行政区划代码",
           "region": "区域", "group": "组别", "value": "数值", "q": "q 值", "share": "贡献率", "model": "模型",
           "variable": "变量", "label": "含义", "mean": "均值", "sd": "标准差", "min": "最小值", "max": "最大值"},
    "en": {"term": "Variable", "estimate": "Coefficient", "std_error": "Std. error", "z": "z", "t": "t", "p": "p",
           "stars": "Sig.", "statistic": "Statistic", "df": "df", "test": "Test", "note": "Note",
           "direct": "Direct", "indirect": "Indirect", "total": "Total", "effect": "Effect",
           "ci_lower": "CI lower", "ci_upper": "CI upper", "sigma2": "σ²", "rho": "ρ", "lambda": "λ",
           "log L": "Log-likelihood", "AIC": "AIC", "n": "N", "year": "Year", "adcode": "Adcode",
           "region": "Region", "group": "Group", "value": "Value", "q": "q", "share": "Share", "model": "Model",
           "variable": "Variable", "label": "Label", "mean": "Mean", "sd": "SD", "min": "Min", "max": "Max"},
}
STAR_NOTE = {"zh": "注：***、**、* 分别表示在 1%、5%、10% 的水平上显著；括号内为标准误。",
             "en": "Note: ***, ** and * denote significance at the 1%, 5% and 10% levels; "
                   "standard errors in parentheses."}
STAR_NOTE_T = {"zh": "注：***、**、* 分别表示在 1%、5%、10% 的水平上显著；括号内为 t 值。",
               "en": "Note: ***, ** and * denote significance at the 1%, 5% and 10% levels; t-values in parentheses."}


def _frame(obj) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj.copy()
    if isinstance(obj, pd.Series):
        return obj.to_frame()
    if hasattr(obj, "to_frame"):
        return obj.to_frame()
    raise TypeError(f"expected a spatialq result or a DataFrame, got {type(obj).__name__}")


def _check_lang(lang: str) -> dict:
    if lang not in HEADINGS:
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return HEADINGS[lang]


def _fmt(v, digits: int) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return number(v, digits)
    return str(v)


def table(obj, *, lang: str = "zh", digits: int = 3, stars: bool = True,
          percent: Sequence[str] = (), index: bool = True) -> pd.DataFrame:
    """A copy of ``obj.to_frame()`` (or of the DataFrame) formatted as strings for publication.

    ``stars`` appends ***/**/* to the ``estimate`` column using the ``p`` column (and drops an
    existing ``stars`` column); ``percent`` columns are multiplied by 100 and get a ``%`` sign."""
    heads = _check_lang(lang)
    f = _frame(obj)
    if index and not isinstance(f.index, pd.RangeIndex):
        f = f.reset_index()
    dup = f.columns[f.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"columns {dup} appear more than once; give each column its own name before formatting")
    out = pd.DataFrame(index=f.index)
    for c in f.columns:
        col = f[c].to_numpy(dtype=object)  # cells as Python objects at once (an Arrow column boxes each on its own)
        if c in percent:
            out[c] = [("" if pd.isna(v) else f"{100 * v:.{max(digits - 2, 1)}f}%") for v in col]
        elif is_pvalue_column(c) and pd.api.types.is_numeric_dtype(f[c]):  # one style: "<0.001" below the last digit
            out[c] = [pvalue(v, digits) for v in col]
        else:
            out[c] = [_fmt(v, digits) for v in col]
    if "term" in out.columns:  # spatial parameters by their symbols
        out["term"] = [heads[v] if v in {"rho", "lambda", "sigma2"} else v for v in out["term"]]
    if stars and "p" in f.columns and "estimate" in f.columns:
        out["estimate"] = [e + (_stars(p) if e else "") for e, p in zip(out["estimate"], f["p"])]
        out = out.drop(columns=[c for c in ["stars"] if c in out.columns])
    missing = [c for c in percent if c not in f.columns]
    if missing:
        raise KeyError(f"percent columns {missing} are not in the table: {list(f.columns)}")
    out.columns = [heads.get(str(c), str(c)) for c in out.columns]
    return out.reset_index(drop=True)


def compare(results: Iterable, *, names: Sequence[str] | None = None, lang: str = "zh", stat: str = "se",
            digits: int = 3) -> pd.DataFrame:
    """Side-by-side regression table (see :func:`spatialq.regression.compare`), rows labelled in ``lang``."""
    heads = _check_lang(lang)
    t = _compare_models(list(results), names=names, stat=stat, digits=digits)
    t.index = [heads.get(i, i) for i in t.index]
    t.index.name = heads["term"]
    return t.reset_index()


def effects_table(result, *, lang: str = "zh", stat: str = "t", digits: int = 3) -> pd.DataFrame:
    """The papers' table of LeSage–Pace effects: one row per regressor with the direct, indirect and total
    effect (stars from the simulated p-values) and, below each, the t-value (``stat="t"``) or the
    simulated standard deviation (``stat="se"``) in parentheses."""
    heads = _check_lang(lang)
    if stat not in ("t", "se"):
        raise ValueError(f"stat must be 't' or 'se', got {stat!r}")
    inf = getattr(result, "effects_inference", None)
    if inf is None or len(inf) == 0:
        raise ValueError("this result has no effects (OLS, SEM and SLX without W·X have none to decompose)")
    cols = [heads["direct"], heads["indirect"], heads["total"]]
    rows = []
    for term, part in inf.groupby("term", sort=False):
        part = part.set_index("effect")
        effs = ("direct", "indirect", "total")
        est = [number(part.loc[e, "estimate"], digits) + _stars(part.loc[e, "p"]) for e in effs]
        sub = [f"({number(part.loc[e, 't' if stat == 't' else 'std_error'], digits)})" for e in effs]
        rows += [[str(term), *est], ["", *sub]]
    return pd.DataFrame(rows, columns=[heads["term"], *cols])


def _escaped_rows(t: pd.DataFrame, fmt: str) -> list[tuple[str, ...]]:
    """The rows of ``t`` as text, every cell escaped for ``fmt`` (once per distinct text): a missing cell (None,
    NaN, ``pd.NA``) is empty, any other non-string is its ``str``."""
    def text(v) -> str:
        return v if isinstance(v, str) else "" if _missing(v) else escape(v, fmt)

    cols = [[text(v) for v in map_strings(t.iloc[:, j], lambda v: escape(v, fmt))] for j in range(t.shape[1])]
    return list(zip(*cols)) if cols else [()] * len(t)


def _missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # an array-like cell is not missing
        return False


def to_markdown(t: pd.DataFrame) -> str:
    """Pipe table of a formatted table (strings).

    Headers and cells are escaped for Markdown (see :mod:`spatialq.report._safe`): ``|`` becomes
    ``\\|`` and a line break becomes ``<br>``, so every row is one line with the same number of
    ``|``; ``<`` that would open an HTML tag becomes ``&lt;``.

    Parameters
    ----------
    t : pandas.DataFrame
        The formatted table.

    Returns
    -------
    str
    """
    cols = [escape(c, "md") for c in t.columns]
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in _escaped_rows(t, "md")]
    return "\n".join(lines) + "\n"


def _tex(s) -> str:
    return escape(s, "tex")


def to_latex(t: pd.DataFrame, *, caption: str | None = None, label: str | None = None,
             note: str | None = None) -> str:
    """booktabs table (needs ``\\usepackage{booktabs}``; Chinese text needs ctex / xeCJK).

    Headers, cells, caption and note are escaped for LaTeX: ``\\ { } $ & # ^ _ % ~ < > |`` become
    their text commands, line breaks become spaces; ``label`` keeps only letters, digits and
    ``: . _ -``.

    Parameters
    ----------
    t : pandas.DataFrame
        The formatted table.
    caption, label, note : str or None
        ``\\caption``, ``\\label`` and a footnote-size note under the table.

    Returns
    -------
    str
    """
    spec = "l" + "c" * (t.shape[1] - 1)
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{_tex(caption)}}}")
    if label:
        key = re.sub(r"[^\w:.-]", "", label)
        lines.append(rf"\label{{{key}}}")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & ".join(_tex(c) for c in t.columns) + r" \\",
              r"\midrule"]
    lines += [" & ".join(row) + r" \\" for row in _escaped_rows(t, "tex")]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if note:
        lines += [r"\par\smallskip", rf"{{\footnotesize {_tex(note)}}}"]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write(obj, path, *, lang: str = "zh", digits: int = 3, stars: bool = True, caption: str | None = None,
          note: str | None = None, percent: Sequence[str] = (), sheet: str = "table",
          rules: Literal["three_line", "grid"] = "three_line", source: str | None = None) -> Path:
    """Write a formatted table; the format comes from the suffix (.csv .xlsx .tex .md .docx).

    Text from data (region and column names, captions, notes) never becomes a formula or
    breaks the file: every header, cell, caption and note goes through one function,
    ``spatialq.report._safe.escape``, with the file's format.

    - ``.csv`` (UTF-8 with BOM): OWASP's rule against formula injection.  A cell or header whose
      first character (after leading spaces) is ``=``, ``+``, ``-``, ``@``, a tab or a carriage
      return gets a ``'`` in front, unless it is numeric-looking: the whole text matches
      ``[spaces] [( or [] [sign + - −] (digits[,ddd...][.digits] | .digits | inf | nan)
      [exponent e±d] [%] [*...] [) or ]] [*...] [spaces]``, so ``-0.123***``, ``-1.5``,
      ``-3.2e-5``, ``(-0.45)`` and ``-12.5%`` are written as they are; so is ``-`` alone.
    - ``.xlsx``: strings are text cells, never formulas; formula-like ones also carry Excel's
      quote prefix.  Numbers (a frame with numeric cells) stay numbers.
    - ``.md``: ``|`` is escaped and line breaks become ``<br>``.
    - ``.tex``: LaTeX specials are escaped and line breaks become spaces.
    - ``.docx``: plain text runs (a line break stays a line break inside its cell); the table is
      built in time linear in its number of cells.

    Tables are three-line tables (三线表, the form Chinese journals print) by default: in ``.docx`` and
    ``.xlsx`` a thick rule above the head, a thin rule under it and a thick rule under the last row, nothing
    else; ``.tex`` uses booktabs' ``\\toprule``/``\\midrule``/``\\bottomrule`` in any case.  ``rules="grid"``
    boxes every cell of the table with thin lines (Word's "Table Grid" in ``.docx``).

    Parameters
    ----------
    obj : result or pandas.DataFrame
        A result, a DataFrame, or a table already made by :func:`table` / :func:`compare`
        (a DataFrame of strings is written as it is).
    path : str or pathlib.Path
        The file; its suffix picks the format.
    lang, digits, stars, percent
        Passed to :func:`table` when ``obj`` is not yet formatted.
    caption : str, optional
        Title above the table.
    note : str, optional
        Text below the table; defaults to the significance note when stars are shown.
    sheet : str
        Sheet name in ``.xlsx`` (characters Excel forbids become ``_``, at most 31 characters).
    rules : {"three_line", "grid"}
        The lines of ``.docx`` and ``.xlsx`` tables.
    source : str, optional
        A line after the note, e.g. the data source (数据来源：…).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    if rules not in ("three_line", "grid"):
        raise ValueError(f"rules must be 'three_line' or 'grid', got {rules!r}")
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx", ".tex", ".md", ".docx"}:
        raise ValueError(f"unknown table format {suffix!r} for {path.name}: use .csv, .xlsx, .tex, .md or .docx")
    f = obj if (isinstance(obj, pd.DataFrame) and all(pd.api.types.is_string_dtype(t) for t in obj.dtypes)) else None
    t = f.copy() if f is not None else table(obj, lang=lang, digits=digits, stars=stars, percent=percent)
    text = [t.iloc[:, j].astype(str) for j in range(t.shape[1])]  # a cell ending in a star (before a final newline)
    has_stars = any((c.str.endswith("*") | c.str.endswith("*\n")).any() for c in text)
    if note is None and has_stars:
        _check_lang(lang)
        note = STAR_NOTE[lang]
    if source:
        note = f"{note}\n{source}" if note else source
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        safe = pd.DataFrame({j: map_strings(t.iloc[:, j], lambda v: escape(v, "csv")) for j in range(t.shape[1])},
                            index=t.index)
        safe.columns = [escape(c, "csv") for c in t.columns]
        safe.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        write_xlsx(t, path, caption=caption, note=note, sheet=sheet, rules=rules)
    elif suffix == ".tex":
        path.write_text(to_latex(t, caption=caption, note=note), encoding="utf-8")
    elif suffix == ".md":
        text = ((f"**{escape(caption, 'md')}**\n\n" if caption else "") + to_markdown(t)
                + (f"\n{escape(note, 'md')}\n" if note else ""))
        path.write_text(text, encoding="utf-8")
    else:
        write_docx(t, path, caption=caption, note=note, rules=rules)
    return path
