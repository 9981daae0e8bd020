"""Numbers in journal tables (spatialq._numbers, used by report.table, compare, effects_table and the study
tables): no 0.000 for a non-zero value, no -0.000, one p-value style (issue 19)."""

import numpy as np
import pandas as pd
import pytest

from spatialq import report
from spatialq._numbers import is_pvalue_column, number, pvalue


@pytest.mark.parametrize("v, digits, text", [
    (0.12345, 3, "0.123"), (123.4567, 3, "123.457"), (-1.5, 3, "-1.500"), (0.0005, 3, "0.001"),
    (0.000123, 3, "0.000123"), (-0.0004, 3, "-0.000400"), (4e-5, 3, "0.0000400"), (0.00049, 3, "0.000490"),
    (3.2e-12, 3, "3.20e-12"), (-2.5e-9, 3, "-2.50e-09"), (0.0, 3, "0.000"), (-0.0, 3, "0.000"),
    (-0.00001, 4, "-0.00001000"), (float("nan"), 3, ""), (np.float32(0.25), 2, "0.25"),
])
def test_number(v, digits, text):
    assert number(v, digits) == text


def test_number_never_prints_zero_for_a_nonzero_value_nor_negative_zero():
    rng = np.random.default_rng(0)
    for v in np.concatenate([10.0 ** rng.uniform(-15, 3, 500), -(10.0 ** rng.uniform(-15, 3, 500))]):
        for digits in (2, 3, 4):
            s = number(v, digits)
            assert float(s) != 0 and (float(s) < 0) == (v < 0), (v, digits, s)
            assert abs(float(s) - v) <= 0.5 * 10 ** -digits + 1e-3 * abs(v), (v, digits, s)
    assert not number(-1e-20, 3).startswith("-0.000")


@pytest.mark.parametrize("p, text", [(9.48e-4, "<0.001"), (0.001, "0.001"), (0.0496, "0.050"), (0.5, "0.500"),
                                     (1.0, "1.000"), (0.0, "<0.001"), (float("nan"), "")])
def test_pvalue(p, text):
    assert pvalue(p) == text


def test_pvalue_columns():
    assert all(map(is_pvalue_column, ["p", "p_sim", "p_norm", "lr_p", "P_value", "pvalue"]))
    assert not any(map(is_pvalue_column, ["pop", "prov", "gdp_pc", "period", "share"]))


def test_report_table_uses_one_style():
    f = pd.DataFrame({"term": ["rho", "x"], "estimate": [0.5, -0.00002], "std_error": [0.00031, -0.0],
                      "p_sim": [0.000948, 0.001], "p_norm": [0.2, 1e-9], "sigma2": [1.2e-4, 3.0]})
    t = report.table(f, lang="en", stars=False, index=False)
    assert t["Std. error"].tolist() == ["0.000310", "0.000"]
    assert t["Coefficient"].tolist() == ["0.500", "-0.0000200"]
    assert t["p_sim"].tolist() == ["<0.001", "0.001"] and t["p_norm"].tolist() == ["0.200", "<0.001"]
    assert t["σ²"].tolist() == ["0.000120", "3.000"]
    assert not t.apply(lambda c: c.str.contains("e-0")).to_numpy().any()
