"""The catalogue of bad inputs (issue 14): each input gives the right number or a clear error that names the
unit, column, period or option — never a NaN, a zero standard error, or only a RuntimeWarning.

The cases live in ``tests/bad_inputs/<area>.py`` (one list per area of the package); this one parametrised
module runs them all, so the catalogue grows in one place.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bad_inputs import Case  # noqa: E402


def _cases() -> list[Case]:
    out = []
    for path in sorted((HERE / "bad_inputs").glob("[!_]*.py")):
        spec = importlib.util.spec_from_file_location(f"bad_inputs.{path.stem}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out += [pytest.param(c, id=f"{path.stem}:{c.id}") for c in mod.CASES]
    return out


CASES = _cases()


def test_catalogue_size():
    assert len(CASES) >= 60, f"the catalogue has {len(CASES)} inputs; issue 14 asks for at least 60"


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: Case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if case.error is not None:
            with pytest.raises(case.error) as info:
                case.call()
            msg = str(info.value)
            missing = [n for n in case.names if n not in msg]
            assert not missing, f"the message does not name {missing}: {msg}"
        else:
            result = case.call()
            assert case.check is not None, "a case without an expected error must check its number"
            case.check(result)
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)
               and not issubclass(w.category, case.allow_warnings or ())]
    assert not runtime, f"RuntimeWarning(s) instead of an answer: {[str(w.message) for w in runtime]}"
