"""One place that makes table text safe for the file it goes into.

Tables carry strings that come from data (region names, column names, captions, notes), so
every writer of :mod:`spatialq.report` sends every header, cell, caption and note through
:func:`escape` with its format.  What each format gets:

``csv``
    OWASP's advice against CSV (formula) injection: a cell whose first character after any
    leading spaces is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote
    ``'`` in front, unless it is numeric-looking (see :data:`NUMERIC`), so ``-0.123***`` and
    ``-1.5`` stay as they are, and so does a cell of dashes alone (``-``, ``--``: the
    journals' placeholder for an empty cell).
``xlsx``
    The text is kept as it is (control characters that XML cannot hold are removed); the writer
    stores every string as a text cell and marks the formula-like ones with Excel's quote prefix,
    see :func:`formula_like`.
``md``
    ``\\``, ``|``, ``[`` and ``]`` are escaped (no table breaks, no links or images: ``[x](javascript:…)``
    and ``![](http://tracker/p.png)`` stay text); a line break (``\\r\\n``, ``\\n`` or ``\\r``) becomes
    ``<br>`` so that a row stays on one line; ``<`` followed by a letter, ``/``, ``!`` or ``?`` (the start
    of an HTML tag or comment) becomes ``&lt;``, while ``<0.001`` stays readable.
``tex``
    The LaTeX specials ``\\ { } $ & # ^ _ % ~`` and ``< > |`` are escaped, a few Greek letters and
    ``²`` go to math mode, and line breaks become spaces (a blank line would end the cell's
    paragraph and break the table).
``docx``
    The text is kept (Word receives plain runs, never field codes; python-docx turns ``\\n`` into
    a line break inside the cell); control characters that XML cannot hold are removed.
"""

from __future__ import annotations

import re
from typing import Literal

Format = Literal["csv", "xlsx", "md", "tex", "docx"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP: ``= + - @``, tab, CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A numeric-looking cell, the kind a journal table is made of; such cells are never given a quote.
#: Optional spaces; an optional opening ``(`` or ``[``; an optional sign (``+``, ``-`` or the
#: Unicode minus ``−``); digits with optional ``,`` thousands groups and an optional decimal part,
#: or a decimal part alone (``.5``), or ``inf`` / ``nan`` (any case); an optional exponent
#: (``e-5``, ``E+03``); an optional ``%``; optional significance stars ``*``; an optional
#: closing ``)`` or ``]``; optional stars after it; optional spaces.  Examples that match:
#: ``-0.123***``, ``-1.5``, ``-3.2e-5``, ``(-0.45)``, ``[0.031]``, ``+12.5%``, ``-1,234.5``, ``-inf``.
#: Examples that do not: ``-2+3``, ``-cmd``, ``=1``, ``@SUM(A1)``.
NUMERIC = re.compile(
    r"""\s*[(\[]?\s*
        [+\-\u2212]?
        (?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+|inf|nan)
        (?:[eE][+\-\u2212]?\d+)?
        \s*%?\s*\**\s*[)\]]?\s*\**\s*""",
    re.VERBOSE | re.IGNORECASE,
)

# XML 1.0 cannot hold C0 control characters other than tab, line feed and carriage return, lone surrogates
# (U+D800–DFFF, which UTF-8 cannot encode either) or the non-characters U+FFFE and U+FFFF.
_DASHES = re.compile(r"\s*-+\s*")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
        ">": r"\textgreater{}", "|": r"\textbar{}", "\n": " ", "\r": " ", "σ": r"$\sigma$", "ρ": r"$\rho$",
        "λ": r"$\lambda$", "²": r"$^2$", "θ": r"$\theta$", "β": r"$\beta$"}


def looks_numeric(s: str) -> bool:
    """Whether ``s`` is a formatted number as tables print them (the whole string matches :data:`NUMERIC`).

    Parameters
    ----------
    s : str
        The cell text.

    Returns
    -------
    bool
    """
    return NUMERIC.fullmatch(s) is not None


def formula_like(s: str) -> bool:
    """Whether a spreadsheet could take ``s`` for a formula.

    True when the first character after any leading spaces is one of :data:`FORMULA_START`,
    ``s`` is not numeric-looking (:func:`looks_numeric`) and not a placeholder made of dashes
    alone (``-``, ``--``).

    Parameters
    ----------
    s : str
        The cell text.

    Returns
    -------
    bool
    """
    head = s.lstrip(" ")
    return head.startswith(FORMULA_START) and not looks_numeric(s) and _DASHES.fullmatch(s) is None


def escape(value, fmt: Format) -> str:
    """The text of one header, cell, caption or note made safe for format ``fmt``.

    Parameters
    ----------
    value : object
        The cell; anything but a string is turned into one with ``str``.
    fmt : {"csv", "xlsx", "md", "tex", "docx"}
        The file format; the module docstring says what each one does.

    Returns
    -------
    str
    """
    s = value if isinstance(value, str) else str(value)
    if fmt == "csv":
        return "'" + s if formula_like(s) else s
    if fmt in ("xlsx", "docx"):
        return _XML_ILLEGAL.sub("", s)
    if fmt == "md":
        s = s.replace("\\", "\\\\").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")
        return _NEWLINE.sub("<br>", _MD_TAG.sub("&lt;", s))
    if fmt == "tex":
        return "".join(_TEX.get(ch, ch) for ch in _NEWLINE.sub(" ", s))
    raise ValueError(f"unknown format {fmt!r}: use 'csv', 'xlsx', 'md', 'tex' or 'docx'")


def map_strings(values, fn) -> list:
    """``[fn(v) if isinstance(v, str) else v for v in values]`` with ``fn`` called once per distinct string.

    A table's cells repeat (years, regions, class labels, stars); escaping or relabelling each distinct text once
    and looking the rest up is what keeps writing a county table in every format fast.  The cache is keyed on the
    string itself (exact equality), so no two different cells share a result.

    Parameters
    ----------
    values : iterable
        The cells of one column.
    fn : callable
        A pure function of one string.

    Returns
    -------
    list
        One entry per cell; cells that are not strings (numbers, missing values) are passed through.
    """
    if hasattr(values, "to_numpy"):  # a pandas column: its cells as Python objects at once (iterating an Arrow
        values = values.to_numpy(dtype=object)  # string column boxes every cell on its own, ten times slower)
    cache: dict[str, object] = {}
    out = []
    for v in values:
        if isinstance(v, str):
            r = cache.get(v, cache)
            if r is cache:
                r = cache[v] = fn(v)
            out.append(r)
        else:
            out.append(v)
    return out
