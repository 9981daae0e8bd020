"""Model formulas as data: spatialq's own small formula grammar, parsed and never evaluated.

A study file travels between co-authors and replication packages, so its formulas must not run
code.  :func:`parse` reads a formula with a hand-written tokenizer and recursive-descent parser;
column names are looked up in the data, transforms in a closed table, and nothing in the text
ever reaches ``eval``, ``getattr`` or an import.  The Python API (``regression.spatial_model``,
``panel.spatial_panel``) still accepts a plain string, which goes to formulaic for the caller's
own code; a :class:`Formula` goes through this module.

Grammar
-------
::

    formula   := response "~" rhs
    response  := factor                      (one column or one transform, not C())
    rhs       := ["-"] item (("+" | "-") item)*
    item      := "0" | "1" | product          (0 / 1 only as a term of their own)
    product   := inter ("*" inter)*           a*b  =  a + b + a:b
    inter     := atom (":" atom)*             a:b  =  the product of a and b
    atom      := factor | "(" sum ")"         (a + b):c  =  a:c + b:c
    sum       := ["-"] product (("+" | "-") product)*      (no 0 / 1 inside parentheses)
    factor    := name | transform "(" name ")"
    transform := log | log1p | sqrt | exp | np.log | np.log1p | np.sqrt | np.exp
               | center | scale | standardize | C
    name      := identifier | `any text` | "any text" | 'any text'

* **Names**: identifiers are letters (Chinese included), digits and ``_``, not starting with a
  digit and without ``__`` (``人均GDP``, ``ln_gdp``, ``x1``).  Any other column name is quoted
  with backticks, double or single quotes (``"GDP (亿元)"``); there are no escapes, a name ends at
  the next matching quote and may not span lines.
* **Terms** are added left to right; ``- term`` removes a term (or every term of a parenthesised
  group).  The intercept is on by default; ``+ 0`` and ``- 1`` remove it, ``+ 1`` (and, as in
  formulaic, ``- 0``) put it back; the last of these wins.  ``a:a`` is ``a``; a term written twice
  is kept once, where it first appeared.  Terms are ordered by degree, intercept first.
* **Transforms** of one column: ``log``, ``log1p``, ``sqrt``, ``exp`` (with or without ``np.``);
  ``center(x)`` = x − mean(x); ``scale(x)`` = (x − mean)/sd with the sample sd (ddof = 1, as
  formulaic's ``scale``); ``standardize(x)`` = (x − mean)/sd with the population sd (ddof = 0, as
  patsy's and formulaic's ``standardize``).  ``C(g)`` makes dummy variables, treatment coded:
  the first level (sorted, or the categorical dtype's order) is dropped while an intercept or
  another term spans it, exactly as formulaic decides, and columns are named ``C(g)[T.b]``
  (reduced) or ``C(g)[b]`` (full).  Transforms do not nest and take no further arguments.
* **Not allowed**: ``lag(...)`` (the spatial lag Wy, WX is what the models add; a time lag needs
  the panel's id and time, so make the lagged column in the data), ``I(...)``, ``{...}``, any
  other function, attribute access other than the ``np.`` aliases, ``**``, ``/``, ``|``, numbers
  other than a lone ``0`` or ``1``.  Such a formula raises :class:`FormulaError` naming the term.
  A formula has at most 1,000 characters and 200 terms.

Column names in the design matrix are those formulaic gives the same text (``np.log(x)``,
``log(x)``, ``Intercept``, ``x1:x2``, ``C(g)[T.b]``; a quoted name inside a transform keeps its
backticks, ``log(`GDP (亿元)`)``).  Only ``C()`` makes dummies: a text or categorical column used
as a number is an error (formulaic would dummy-code it silently).
"""

from __future__ import annotations

import difflib
import functools
import itertools
import operator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._formula_tokens import ALLOWED, FormulaError, _chunk, _Tok, _tokenize

__all__ = ["ALLOWED", "Formula", "FormulaError", "from_columns", "parse"]

MAX_LENGTH = 1000
MAX_TERMS = 200
MAX_DEPTH = 20

_WHY_NOT = {
    "lag": "lag() is not supported: the spatial lag (Wy, WX) is what the models add (model='sar', "
           "'sdm', durbin=), and a time lag needs the panel's id and time — make the lagged column in the data",
    "I": "I(...) would evaluate a Python expression; make the column in the data first",
}
_HINT = {"log": "log needs positive values (log1p(x) allows zeros)", "log1p": "log1p needs values above -1",
         "sqrt": "sqrt needs values that are not negative", "exp": "exp overflows for values above about 709",
         None: "the column holds inf", "center": "the column holds inf", "scale": "the column has no spread",
         "standardize": "the column has no spread"}


@dataclass(frozen=True)
class _Factor:
    name: str              # the label formulaic gives it: x, log(x), np.log(`GDP (亿元)`), C(g)
    column: str            # the data column
    kind: str | None       # None (the column itself) or a key of _TRANSFORMS / "C"


def _scale(x: np.ndarray, ddof: int = 1, rescale: bool = True) -> np.ndarray:
    c = x - np.mean(x)        # formulaic's arithmetic, so that the columns agree to the last bit
    return c / np.sqrt(np.sum(c ** 2) / (c.shape[0] - ddof)) if rescale else c


_TRANSFORMS = {"log": np.log, "log1p": np.log1p, "sqrt": np.sqrt, "exp": np.exp,
               "center": functools.partial(_scale, rescale=False), "scale": _scale,
               "standardize": functools.partial(_scale, ddof=0)}
_FUNCS = {**{k: k for k in _TRANSFORMS}, **{f"np.{k}": k for k in ("log", "log1p", "sqrt", "exp")}, "C": "C"}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: what :func:`parse` returns and the models accept in place of a string.

    Attributes
    ----------
    text : str
        The formula as written; ``str(formula)`` gives it back.
    response : str
        Name of the response, e.g. ``"gdp"`` or ``"log(gdp)"``.
    terms : tuple of str
        Right-hand-side terms without the intercept, in design-matrix order, e.g.
        ``("x1", "C(g)", "x1:x2")``.
    intercept : bool
        Whether the formula keeps the intercept.
    columns : tuple of str
        Every data column the response and the kept terms use, in order of first appearance.
    """

    text: str
    response: str
    terms: tuple[str, ...]
    intercept: bool
    columns: tuple[str, ...]
    _response: _Factor = field(repr=False)
    _terms: tuple[tuple[_Factor, ...], ...] = field(repr=False)

    def __str__(self) -> str:
        return self.text

    @property
    def categorical(self) -> tuple[str, ...]:
        """Columns used only inside ``C()`` (they may hold text; every other column must be numeric)."""
        uses = [f for term in self._terms for f in term] + [self._response]
        return tuple(c for c in self.columns if all(f.kind == "C" for f in uses if f.column == c))

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def design(self, df: pd.DataFrame, *, intercept: bool) -> tuple[str, np.ndarray, pd.DataFrame]:
        """Response name, response values and regressors of this formula on ``df``.

        Same contract as formulaic's path in ``spatialq._spml._design.design``: the matrix is
        built as the formula says (so ``C()`` is reduced-rank when the formula has an intercept)
        and the ``Intercept`` column is then dropped when ``intercept`` is False (fixed effects
        absorb it).

        Parameters
        ----------
        df : DataFrame
            The data; columns are looked up by name (non-string labels by ``str(label)``).
        intercept : bool
            Keep the ``Intercept`` column if the formula has one.

        Returns
        -------
        tuple of (str, ndarray, DataFrame)
            The response's name, the response (float) and the regressors (float, indexed like ``df``).

        Raises
        ------
        KeyError
            A column that is not in the data (with the closest names and the columns).
        ValueError
            Missing values, a text or categorical column used as a number, values that are not
            finite after a transform (naming the term), constant or duplicated regressors.
        """
        labels = {str(c): c for c in df.columns}
        words = list(labels)
        for f in (self._response, *itertools.chain.from_iterable(self._terms)):
            if f.column not in labels:
                close = difflib.get_close_matches(f.column, words, n=3, cutoff=0.5)
                where = "" if f.name == f.column else f" (in {f.name!r})"
                raise KeyError(f"formula term {f.column!r}{where} is not a column of the data"
                               f"{'; did you mean ' + ', '.join(map(repr, close)) + '?' if close else ''} "
                               f"(columns: {words[:20]})")
        cache: dict[str, object] = {}

        def values(f: _Factor):
            return cache[f.name] if f.name in cache else cache.setdefault(f.name, _evaluate(df, labels[f.column], f))

        y = values(self._response)
        cols: dict[str, np.ndarray] = {}
        if self.intercept:
            cols["Intercept"] = np.ones(len(df))
        for scoped in _scoped_terms(self._terms, self.intercept):
            parts = []
            for f, reduced in scoped:
                v = values(f)
                if f.kind == "C":
                    levels, dummies = v
                    keep = range(1, len(levels)) if reduced else range(len(levels))
                    fmt = "{}[T.{}]" if reduced else "{}[{}]"
                    parts.append([(fmt.format(f.name, levels[i]), dummies[:, i]) for i in keep])
                else:
                    parts.append([(f.name, v)])
            # formulaic's order: the first factor's columns vary fastest
            for rev in itertools.product(*reversed(parts)):
                combo = rev[::-1]
                name = ":".join(p[0] for p in combo) or "Intercept"
                if name in cols:
                    raise ValueError(f"two regressors of the formula are both named {name!r}; rename the column")
                cols[name] = functools.reduce(operator.mul, (p[1] for p in combo))
        X = pd.DataFrame(cols, index=df.index, dtype=float) if cols else pd.DataFrame(index=df.index)
        if not intercept and "Intercept" in X.columns:
            X = X.drop(columns="Intercept")
        bad = [c for c in X.columns if not np.all(np.isfinite(X[c].to_numpy()))]
        if bad:
            raise ValueError(f"non-finite values after evaluating the formula (a product overflows) in {bad}")
        const = [c for c in X.columns if c != "Intercept" and np.ptp(X[c].to_numpy()) == 0]
        if const:
            raise ValueError(f"regressors {const} are constant; drop them")
        return self.response, np.asarray(y, dtype=float), X


def _evaluate(df: pd.DataFrame, label, f: _Factor):
    """Values of one factor: a float vector, or (levels, dummy matrix) for C()."""
    s = df[label]
    if isinstance(s, pd.DataFrame):
        raise ValueError(f"column {f.column!r} appears more than once in the data; rename one")
    na = s.isna().to_numpy()
    if na.any():
        raise ValueError(f"column {f.column!r} (formula term {f.name!r}) has {int(na.sum())} missing value(s) "
                         f"(rows {df.index[na][:5].tolist()}) — drop or fill the rows with missing values first")
    if f.kind == "C":
        cat = s.astype("category")
        levels = list(cat.cat.categories)
        codes = cat.cat.codes.to_numpy()
        return levels, (codes[:, None] == np.arange(len(levels))[None, :]).astype(float)
    if isinstance(s.dtype, pd.CategoricalDtype) or not (pd.api.types.is_numeric_dtype(s.dtype)
                                                        or pd.api.types.is_bool_dtype(s.dtype)):
        raise ValueError(f"column {f.column!r} (formula term {f.name!r}) is not numeric (dtype {s.dtype}, "
                         f"e.g. {s.iloc[0]!r}); convert it with pandas.to_numeric, or write C({f.column}) "
                         "for dummy variables")
    x = s.to_numpy(dtype=float)
    if f.kind is not None:
        with np.errstate(all="ignore"):
            x = _TRANSFORMS[f.kind](x)
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(f"formula term {f.name!r} is not finite in {int(bad.sum())} row(s) "
                         f"(e.g. {df.index[bad][:5].tolist()}): {_HINT[f.kind]}")
    return x


def _scoped_terms(terms, intercept: bool) -> list[tuple[tuple[_Factor, bool], ...]]:
    """formulaic's (and patsy's) structural full-rank rule: which factors of each term are coded
    with reduced rank (first level dropped) given what the earlier terms already span."""
    spanned = {frozenset()} if intercept else set()
    out = []
    for term in terms:
        options = [((f, True), None) if f.kind == "C" else ((f, False),) for f in term]
        span = _dedup([tuple(p for p in prod if p is not None) for prod in itertools.product(*options)])
        fresh = [st for st in span if frozenset(st) not in spanned]
        out += _simplify(fresh)
        spanned |= {frozenset(st) for st in fresh}
    return out


def _simplify(scoped: list) -> list:
    """(anything):(reduced g) + (anything) → (anything):(full g), repeatedly (formulaic's rule)."""
    terms: list = []
    for st in sorted(scoped, key=len):
        factors = set(st)
        combined = False
        for existing in terms:
            cof = set(existing)
            diff = factors - cof
            if len(factors) - 1 != len(cof) or len(diff) != 1:
                continue
            new = next(iter(diff))
            if new[1]:
                full = tuple((new[0], False) if p == new else p for p in st)
                rest = [t for t in terms if set(t) != cof]
                terms = _simplify(_dedup([*rest, full]))
                combined = True
                break
        if not combined and all(set(t) != factors for t in terms):
            terms.append(st)
    return terms


def _dedup(scoped: list) -> list:
    out: dict = {}
    for st in scoped:
        out.setdefault(frozenset(st), st)
    return list(out.values())


# -- tokenizer -------------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str, toks: list[_Tok]):
        self.text, self.toks, self.i, self.depth = text, toks, 0, 0
        self.order: list[str] = []     # columns in order of appearance

    def fail(self, tok: _Tok | None, reason: str):
        pos = tok.pos if tok is not None else len(self.text)
        raise FormulaError(_chunk(self.text, pos), reason)

    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, op: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == "op" and t.text == op

    def take(self) -> _Tok:
        t = self.peek()
        self.i += 1
        return t

    def sum(self, top: bool, stop: str | None):
        """Terms (ordered dict key → factors) and the intercept setting (None: not set)."""
        terms: dict[frozenset, tuple[_Factor, ...]] = {}
        intercept, sign = None, self.take().text if self.at("-") else "+"
        while True:
            t = self.peek()
            if t is None or (t.kind == "op" and t.text in "+-)" and t.text != stop):
                self.fail(t, "a term is missing here" if t is None or t.text != ")" else "unbalanced ')'")
            after = self.peek(1)
            if t.kind == "num" and (after is None or (after.kind == "op" and after.text in "+-)")):
                self.take()
                if not top:
                    self.fail(t, "0 and 1 (the intercept) go outside parentheses")
                if t.text not in ("0", "1"):
                    self.fail(t, f"the number {t.text} is not allowed (only 0 or 1 for the intercept)")
                intercept = (t.text == "1") == (sign == "+")
            else:
                new = self.product()
                if sign == "+":
                    terms.update((k, v) for k, v in new if k not in terms)
                else:
                    terms = {k: v for k, v in terms.items() if k not in dict(new)}
                if len(terms) > MAX_TERMS:
                    self.fail(t, f"the formula has more than {MAX_TERMS} terms")
            t = self.peek()
            if t is None or (stop is not None and self.at(stop)):
                return terms, intercept
            if not (t.kind == "op" and t.text in "+-"):
                self.fail(t, f"{t.text!r} cannot follow here (a missing '+', or an operator that is not allowed)")
            sign = self.take().text

    def product(self) -> list:
        out = self.inter()
        while self.at("*"):
            star = self.take()
            right = self.inter()
            both = _cross(out, right)
            if len(out) + len(right) + len(both) > MAX_TERMS:
                self.fail(star, f"the formula has more than {MAX_TERMS} terms")
            out = _merge(_merge(out, right), both)
        return out

    def inter(self) -> list:
        out = self.atom()
        while self.at(":"):
            colon = self.take()
            out = _cross(out, self.atom())
            if len(out) > MAX_TERMS:
                self.fail(colon, f"the formula has more than {MAX_TERMS} terms")
        return out

    def atom(self) -> list:
        t = self.peek()
        if t is None:
            self.fail(t, "a term is missing at the end")
        if t.kind == "op" and t.text == "(":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.fail(t, f"parentheses nest deeper than {MAX_DEPTH}")
            terms, _ = self.sum(top=False, stop=")")
            if not self.at(")"):
                self.fail(t, "'(' is not closed")
            self.take()
            self.depth -= 1
            return list(terms.items())
        f = self.factor()
        return [(frozenset([f.name]), (f,))]

    def factor(self) -> _Factor:
        t = self.take()
        if t is not None and t.kind == "num":
            self.fail(t, f"the number {t.text} is not allowed here (only 0 or 1, as a term of their own, "
                         "for the intercept)")
        if t is None or t.kind != "name":
            self.fail(t, f"expected a column name or a transform, got {t.text if t else 'nothing'!r}")
        if not self.at("("):
            if "." in t.text and not t.quoted:
                self.fail(t, f"{t.text!r}: attribute access ('.') is not allowed; quote a column name with a "
                             f"dot, e.g. `{t.text}`")
            self.order.append(t.text)
            return _Factor(t.text, t.text, None)
        if t.quoted:
            self.fail(t, "a quoted name cannot be called like a function")
        if t.text not in _FUNCS:
            self.fail(t, _WHY_NOT.get(t.text, f"{t.text}() is not an allowed transform"))
        self.take()
        arg = self.peek()
        if arg is not None and arg.kind == "name" and self.at("(", 1):
            self.fail(t, "transforms do not nest; make the inner column in the data first")
        if arg is None or arg.kind != "name" or (not arg.quoted and "." in arg.text):
            self.fail(t, f"{t.text}() takes one column name")
        self.take()
        if not self.at(")"):
            extra = "contrasts and levels are not supported" if t.text == "C" else "further arguments are not allowed"
            self.fail(t, f"{t.text}() takes exactly one column; {extra}")
        self.take()
        shown = f"`{arg.text}`" if arg.quoted else arg.text
        self.order.append(arg.text)
        return _Factor(f"{t.text}({shown})", arg.text, _FUNCS[t.text])


def _merge(a: list, b: list) -> list:
    out = dict(a)
    for k, v in b:
        out.setdefault(k, v)
    return list(out.items())


def _cross(a: list, b: list) -> list:
    out: dict = {}
    for _, fa in a:
        for _, fb in b:
            fs = tuple({f.name: f for f in (*fa, *fb)}.values())
            out.setdefault(frozenset(f.name for f in fs), fs)
    return list(out.items())


def parse(text: str) -> Formula:
    """Parse a formula of the grammar above into a :class:`Formula`; nothing is evaluated.

    Parameters
    ----------
    text : str
        E.g. ``"log(gdp) ~ 人均GDP + `GDP (亿元)` + C(region) - 1"``.  A :class:`Formula` is
        returned unchanged.

    Returns
    -------
    Formula

    Raises
    ------
    FormulaError
        Anything outside the grammar, naming the offending term and listing what is allowed.
    TypeError
        ``text`` is not a string.
    """
    if isinstance(text, Formula):
        return text
    if not isinstance(text, str):
        raise TypeError(f"a formula is a string like 'y ~ x1 + x2', got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(text[:60] + "...", f"the formula has {len(text)} characters (at most {MAX_LENGTH})")
    toks = _tokenize(text)
    tildes = [t for t in toks if t.kind == "op" and t.text == "~"]
    if len(tildes) != 1:
        raise FormulaError(text.strip()[:80], "a formula needs exactly one '~', like 'y ~ x1 + x2'"
                           if not tildes else "a formula has only one '~'")
    cut = toks.index(tildes[0])
    p = _Parser(text, toks[:cut])
    if not p.toks:
        raise FormulaError(text.strip()[:80], "the response (left of '~') is missing")
    if p.peek().kind != "name":
        p.fail(p.peek(), "the response must be one column or one transform of a column, e.g. log(gdp)")
    response = p.factor()
    if p.peek() is not None or response.kind == "C":
        p.fail(p.peek() or p.toks[0], "the response must be one column or one transform of a column, e.g. log(gdp)")
    q = _Parser(text, toks[cut + 1:])
    if not q.toks:
        raise FormulaError(text.strip()[:80], "the right-hand side (after '~') is empty")
    terms, intercept = q.sum(top=True, stop=None)
    kept = sorted(terms.values(), key=len)  # formulaic orders by degree, stably
    used = {response.column} | {f.column for term in kept for f in term}
    columns = tuple(dict.fromkeys(c for c in [response.column, *q.order] if c in used))
    return Formula(text=text, response=response.name, terms=tuple(":".join(f.name for f in t) for t in kept),
                   intercept=intercept is not False, columns=columns, _response=response, _terms=tuple(kept))


def _quote(name: str) -> str:
    """A column name as the grammar reads it: bare when it is a plain identifier, else quoted."""
    if name.isidentifier() and "__" not in name:
        return name
    for q in ("`", '"', "'"):
        if q not in name and "\n" not in name:
            return f"{q}{name}{q}"
    raise FormulaError(name, "a column name that holds every quote character (` \" ') cannot be written in a "
                             "formula; rename the column")


def from_columns(response: str, terms: list[str] | tuple[str, ...]) -> Formula:
    """``response ~ term1 + term2 + …`` from column names, quoted as needed and parsed by :func:`parse`.

    For code that builds a model from names it was given (a study's options, a function's arguments): the
    names never become code, whatever they contain.

    >>> str(from_columns("人均GDP", ["x1", "GDP (亿元)"]))
    '人均GDP ~ x1 + `GDP (亿元)`'
    """
    return parse(f"{_quote(response)} ~ " + " + ".join(_quote(t) for t in terms))
