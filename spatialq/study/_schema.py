"""The vocabulary of a study file's schema: an option, its type check, and the error that lists problems.

Shared by :mod:`spatialq.study.spec` (the top-level sections) and every module of
:mod:`spatialq.study.analyses` (one analysis each), so that neither imports the other's internals.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_LISTED", "NUM", "REQUIRED", "Opt", "StudyError", "check_value", "did_you_mean", "type_name"]

REQUIRED = object()
#: How many items (names, cells) an error or note lists before "…".
MAX_LISTED = 12
NUM = (int, float)


class StudyError(ValueError):
    """A study file that cannot be run; the message lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        n = len(problems)
        head = f"study file {source} has {n} problem{'s' if n > 1 else ''}: "
        body = problems[0] if n == 1 else " ".join(f"({i}) {p}" for i, p in enumerate(problems, 1))
        super().__init__(head + body)


@dataclass(frozen=True)
class Opt:
    """One key: accepted type(s), default (``REQUIRED`` if none), allowed values, bounds, documentation.

    ``low`` / ``high`` bound numbers (inclusive) and, for lists, every element that is a number;
    ``max_len`` bounds the length of a list.
    """

    type: type | tuple
    default: Any = REQUIRED
    choices: tuple | None = None
    doc: str = ""
    low: float | None = None
    high: float | None = None
    max_len: int | None = None
    min_len: int | None = None


def did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def type_name(t) -> str:
    ts = t if isinstance(t, tuple) else (t,)
    names = {str: "a string", int: "an integer", float: "a number", bool: "true/false", list: "a list",
             dict: "a table"}
    return " or ".join(dict.fromkeys(names.get(x, x.__name__) for x in ts))


def _bounds(where: str, key: str, value, opt: Opt, problems: list[str]) -> None:
    nums = [value] if isinstance(value, NUM) and not isinstance(value, bool) else (
        [v for v in value if isinstance(v, NUM) and not isinstance(v, bool)] if isinstance(value, list) else [])
    for v in nums:
        if (opt.low is not None and v < opt.low) or (opt.high is not None and v > opt.high):
            lo = "" if opt.low is None else f"≥ {opt.low:g}"
            hi = "" if opt.high is None else f"≤ {opt.high:g}"
            problems.append(f"{where} {key}: {v!r} is out of range (must be {' and '.join(x for x in (lo, hi) if x)})")
            return
    if opt.min_len is not None and isinstance(value, list | dict) and len(value) < opt.min_len:
        problems.append(f"{where} {key}: give at least {opt.min_len} entr{'y' if opt.min_len == 1 else 'ies'}")
    if opt.max_len is not None and isinstance(value, list | dict) and len(value) > opt.max_len:
        problems.append(f"{where} {key}: {len(value)} entries; at most {opt.max_len} are allowed")
    if isinstance(value, list) and len(set(map(repr, value))) < len(value):
        rep = sorted({repr(v) for v in value if sum(repr(u) == repr(v) for u in value) > 1})
        problems.append(f"{where} {key}: repeated entries {', '.join(rep)}")


def check_value(where: str, key: str, value, opt: Opt, problems: list[str]) -> Any:
    """Append a problem if ``value`` has the wrong type, is not a choice, or is out of bounds."""
    types = opt.type if isinstance(opt.type, tuple) else (opt.type,)
    ok = isinstance(value, types) or (float in types and isinstance(value, int))
    ok = ok and not (isinstance(value, bool) and bool not in types)
    if not ok:
        problems.append(f"{where} {key}: expected {type_name(opt.type)}, got {value!r}")
        return value
    nums = [value] if isinstance(value, float) else [v for v in value if isinstance(v, float)] \
        if isinstance(value, list) else []
    if any(not math.isfinite(v) for v in nums):
        problems.append(f"{where} {key}: {value!r} is not a finite number")
        return value
    if isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
        problems.append(f"{where} {key}: expected a flat list, got {value!r}")
        return value
    if opt.choices is not None and value not in opt.choices:
        problems.append(f"{where} {key}: {value!r} is not one of {list(opt.choices)}"
                        f"{did_you_mean(str(value), opt.choices)}")
    _bounds(where, key, value, opt, problems)
    return value
