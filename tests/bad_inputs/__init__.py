"""Cases of the catalogue of bad inputs (``tests/test_bad_inputs.py``), one module per area.

Each module defines ``CASES``: a list of :class:`Case`.  A case either expects an error of a given type
whose message names the culprit (every string of ``names`` appears in it), or a right number checked by
``check``.  In both, no ``RuntimeWarning`` may be raised: a warning alone is not an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[], object]
    error: type[BaseException] | None = None
    names: tuple[str, ...] = ()
    check: Callable[[object], None] | None = None
    issue: str = ""  # the line of the issue this case comes from
    allow_warnings: tuple[type[Warning], ...] = field(default_factory=tuple)
