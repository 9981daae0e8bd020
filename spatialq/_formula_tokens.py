"""The tokenizer of :mod:`spatialq.formula` and its error: text in, tokens out, nothing evaluated."""

from __future__ import annotations

from dataclasses import dataclass

ALLOWED = ("allowed: column names (letters, Chinese characters, digits and _; quote any other name with "
           "`...`, \"...\" or '...'), + to add a term, - to remove one, a:b for an interaction, a*b for "
           "a + b + a:b, parentheses (a + b):c, 0 or 1 for the intercept (y ~ x - 1 drops it), and the "
           "transforms log, log1p, sqrt, exp (also np.log, np.log1p, np.sqrt, np.exp), center, scale, "
           "standardize of one column, and C(column) for dummy variables")

_FULL_WIDTH = {"～": "~", "＋": "+", "－": "-", "＊": "*", "：": ":", "（": "(", "）": ")", "，": ",", "×": "*"}


class FormulaError(ValueError):
    """A formula outside the grammar of :mod:`spatialq.formula`.

    Attributes
    ----------
    term : str
        The offending term as written (the top-level ``+``/``-``/``~`` chunk around the problem).
    reason : str
        What is wrong with it; the message adds the list of what is allowed.
    """

    def __init__(self, term: str, reason: str):
        self.term, self.reason = term, reason
        super().__init__(f"formula term {term!r}: {reason}. {ALLOWED}")


@dataclass(frozen=True)
class _Tok:
    kind: str      # "name", "num", "op"
    text: str
    pos: int
    quoted: bool = False


def _chunk(text: str, pos: int) -> str:
    """The top-level ``~``/``+``/``-`` chunk of ``text`` that contains position ``pos``."""
    start, depth, quote = 0, 0, ""
    bounds = []
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "`\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch in "~+-" and depth == 0:
            bounds.append((start, i))
            start = i + 1
    bounds.append((start, len(text)))
    k = next((j for j, (a, b) in enumerate(bounds) if a <= pos < b), len(bounds) - 1)
    if pos in {b for _, b in bounds[:-1]}:          # on a separator: show both neighbours
        k = next(j for j, (_, b) in enumerate(bounds) if b == pos)
        piece = text[bounds[k][0]:bounds[k + 1][1]].strip()
    else:
        piece = text[bounds[k][0]:bounds[k][1]].strip()
        if not piece and k > 0:                     # nothing after the last separator
            piece = text[bounds[k - 1][0]:bounds[k][1]].strip()
    piece = piece or text.strip()
    return piece if len(piece) <= 80 else piece[:77] + "..."


def _is_start(ch: str) -> bool:
    return ch == "_" or ch.isidentifier()


def _is_cont(ch: str) -> bool:
    return ("_" + ch).isidentifier()


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)

    def fail(pos: int, reason: str):
        raise FormulaError(_chunk(text, pos), reason)

    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "`\"'":
            j = text.find(ch, i + 1)
            if j < 0:
                fail(i, f"the quote {ch} is not closed")
            name = text[i + 1:j]
            if "\n" in name or "\r" in name:
                fail(i, "a quoted name may not span lines")
            if not name.strip():
                fail(i, "an empty quoted name")
            toks.append(_Tok("name", name, i, quoted=True))
            i = j + 1
        elif ch == "*" and text.startswith("**", i):
            fail(i, "'**' (powers) is not allowed; make the column in the data")
        elif ch in "~+-*:(),":
            toks.append(_Tok("op", ch, i))
            i += 1
        elif "0" <= ch <= "9":
            j = i
            while j < n and (_is_cont(text[j]) or text[j] == "."):
                j += 1
            word = text[i:j]
            if not word.isdigit() or not word.isascii():
                fail(i, f"{word!r}: numbers other than 0 and 1 are not allowed, and names may not start "
                        "with a digit (quote such a name)")
            toks.append(_Tok("num", word, i))
            i = j
        elif _is_start(ch):
            j = i + 1
            while j < n and (_is_cont(text[j]) or (text[j] == "." and j + 1 < n and _is_start(text[j + 1]))):
                j += 1
            word = text[i:j]
            if "__" in word:
                fail(i, f"{word!r}: attribute access ('.') is not allowed" if "." in word
                     else f"{word!r}: a name with '__' must be quoted, e.g. `{word}`")
            toks.append(_Tok("name", word, i))
            i = j
        else:
            hint = f" (a full-width {ch!r}; write {_FULL_WIDTH[ch]!r})" if ch in _FULL_WIDTH else ""
            fail(i, f"the character {ch!r} is not allowed{hint}")
    return toks


# -- parser ----------------------------------------------------------------------------------

