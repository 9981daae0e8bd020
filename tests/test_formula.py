"""spatialq's own formula grammar (issue 13, item 1): a study file's formula is parsed, never
evaluated.  The design matrices are checked against formulaic's ``model_matrix`` on the same text
(names and values), code-execution payloads against a canary file, and the models give the same
estimates with a parsed formula as with the string."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from formulaic import model_matrix
from libpysal import examples
from libpysal.weights import W, lat2W

from spatialq import panel, regression, weights
from spatialq._spml._design import design
from spatialq.formula import MAX_TERMS, Formula, FormulaError, parse


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(13)
    n = 40
    return pd.DataFrame({
        "y": rng.uniform(1, 5, n), "x1": rng.normal(size=n), "x2": rng.uniform(1, 2, n), "ln_gdp": rng.normal(size=n),
        "人均GDP": rng.uniform(1, 3, n), "GDP (亿元)": rng.uniform(0, 3, n), "城镇化率": rng.uniform(0.3, 0.9, n),
        "g": rng.choice(["东部", "中部", "西部"], n), "h": rng.choice(["u", "v"], n), "k": rng.integers(1, 4, n),
        "flag": rng.choice([True, False], n),
    })


def _formulaic(df, text, intercept=True):
    mm = model_matrix(text, df, na_action="raise")
    X = mm.rhs
    if not intercept and "Intercept" in X.columns:
        X = X.drop(columns="Intercept")
    return str(mm.lhs.columns[0]), mm.lhs.to_numpy(dtype=float).ravel(), X


def _assert_same(ours, ref):
    name, y, X = ours
    rname, ry, rX = ref
    assert name == rname
    assert list(X.columns) == [str(c) for c in rX.columns]
    np.testing.assert_allclose(y, ry, rtol=1e-12, atol=0)
    np.testing.assert_allclose(X.to_numpy(), np.asarray(rX, dtype=float), rtol=1e-12, atol=1e-15)
    assert X.index.equals(rX.index) or len(X) == len(rX)


ORACLE = [
    "y ~ x1 + x2",
    "y ~ 人均GDP + 城镇化率 + ln_gdp",
    "y ~ `GDP (亿元)` + `人均GDP`",
    "np.log(y) ~ np.log(x2) + np.log1p(`GDP (亿元)`) + np.sqrt(x2) + np.exp(x1)",
    "log(y) ~ log(x2) + center(x1) + scale(人均GDP) + standardize(城镇化率)",
    "y ~ x1:x2 + x1",
    "y ~ x1*x2*ln_gdp",
    "y ~ (x1 + x2):ln_gdp",
    "y ~ (x1 + x2)*(ln_gdp + 人均GDP) - x1:人均GDP",
    "y ~ x1 + x2 - 1",
    "y ~ 0 + x1 + x2",
    "y ~ -1 + x1 + 1",
    "y ~ x1 + x2 - x2 + 1",
    "y ~ C(g) + x1",
    "y ~ C(g) - 1",
    "y ~ C(g) + C(h) + 0",
    "y ~ x1:C(g)",
    "y ~ C(g)*x1",
    "y ~ C(g):C(h)",
    "y ~ C(g)*C(h) + C(k)",
    "y ~ C(g):C(h) + C(g) + x1:C(h) - 1",
    "y ~ C(flag) + flag:x1",
    "y ~ x2:x1 + x1:x2 + x1:x1",
    "y ~ log(`GDP (亿元)` ) + center( x1 ) + C( g )",
    "y ~ 1",
]


@pytest.mark.parametrize("text", ORACLE)
def test_design_equals_formulaic(frame, text):
    df = frame.assign(**{"GDP (亿元)": frame["GDP (亿元)"] + 0.5})
    _assert_same(parse(text).design(df, intercept=True), _formulaic(df, text))
    # fixed effects absorb the intercept: the same columns less "Intercept"
    _assert_same(parse(text).design(df, intercept=False), _formulaic(df, text, intercept=False))
    # and through the hook, exactly as the string goes through formulaic
    _assert_same(design(df, parse(text), intercept=False), design(df, text, intercept=False))


@pytest.mark.parametrize("ours, theirs", [
    ('y ~ "GDP (亿元)" + \'人均GDP\'', "y ~ `GDP (亿元)` + `人均GDP`"),
    ('y ~ log("GDP (亿元)") + C("g")', "y ~ log(`GDP (亿元)`) + C(`g`)"),
    ("y ~ sqrt(x2) + log1p(x2) + exp(x1)", "y ~ np.sqrt(x2) + np.log1p(x2) + np.exp(x1)"),
])
def test_quotes_and_plain_transforms_equal_formulaic_spellings(frame, ours, theirs):
    """Double and single quotes name columns like backticks; sqrt/log1p/exp (which formulaic does
    not know without np.) give the np. values under their own names."""
    _, _, X = parse(ours).design(frame, intercept=True)
    _, _, rX = _formulaic(frame, theirs)
    np.testing.assert_allclose(X.to_numpy(), rX.to_numpy(dtype=float), rtol=1e-12)
    if "np." not in theirs:
        assert list(X.columns) == list(rX.columns)
    else:
        assert list(X.columns) == ["Intercept", "sqrt(x2)", "log1p(x2)", "exp(x1)"]


def test_standardize_is_ddof0_and_scale_ddof1(frame):
    x = frame["x1"].to_numpy()
    _, _, X = parse("y ~ standardize(x1) + scale(x1) + center(x1)").design(frame, intercept=True)
    np.testing.assert_allclose(X["standardize(x1)"], (x - x.mean()) / x.std(ddof=0), rtol=1e-12)
    np.testing.assert_allclose(X["scale(x1)"], (x - x.mean()) / x.std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(X["center(x1)"], x - x.mean(), rtol=1e-12)


def test_formula_object():
    f = parse("log(gdp) ~ 人均GDP*`GDP (亿元)` + C(region) - x9 + x9 - 1")
    assert isinstance(f, Formula) and str(f) == f.text and repr(f) == f"Formula({f.text!r})"
    assert f.response == "log(gdp)"
    assert f.terms == ("人均GDP", "GDP (亿元)", "C(region)", "x9", "人均GDP:GDP (亿元)")
    assert f.intercept is False
    assert f.columns == ("gdp", "人均GDP", "GDP (亿元)", "region", "x9")
    assert parse(f) is f and parse(f.text) == f
    assert parse("y ~ x + z - z").columns == ("y", "x")
    assert parse("y ~ x + 0 + 1").intercept and not parse("y ~ 0").intercept and parse("y ~ 0").terms == ()
    with pytest.raises(TypeError):
        parse(3)


# -- payloads -------------------------------------------------------------------------------------

def _payloads(canary):
    c = str(canary)
    sh = f"touch {c}"
    return [
        f"y ~ x1 + {{0*__import__(chr(111)+chr(115)).system('{sh}')}}",
        f"y ~ x1 + I(__import__('os').system('{sh}'))",
        f"y ~ I(open('{c}', 'w').close() or 1)",
        f"y ~ x1 + open('{c}', 'w')",
        "y ~ x1.__class__",
        f"y ~ getattr(__builtins__, 'exec')(\"open('{c}', 'w')\")",
        "y ~ getattr(x1, 'y')",
        f"y ~ eval(\"open('{c}', 'w')\")",
        f"y ~ exec(\"open('{c}', 'w')\")",
        f"y ~ (lambda: open('{c}', 'w'))()",
        "y ~ lambda x: x",
        "y ~ np.random.seed(1)",
        f"y ~ os.system('{sh}')",
        f"y ~ np.os.system('{sh}')",
        "y ~ x1 + {1}",
        "y ~ C(g, Treatment)",
        f"y ~ C(g, Treatment(open('{c}', 'w')))",
        f"y ~ log(__import__('os').system('{sh}'))",
        f"y ~ x1 + `x`({sh!r})",
        f"{{__import__('os').system('{sh}')}} ~ x1",
        "y ~ x1 ** 2 + x1 / x2 + x1 | g",
        f"y ~ Q('{c}')",
        f"y ~ x1 + [open('{c}', 'w')]",
        f"y ~ x1; open('{c}', 'w')",
    ]


def test_the_first_payloads_are_live(tmp_path):
    """formulaic does run them: the canary appears (so the tests below test something)."""
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x1": [0.5, 0.1, 0.7]})
    for i, text in enumerate(_payloads(tmp_path / "canary")[:2]):
        canary = tmp_path / f"live{i}"
        try:
            model_matrix(text.replace(str(tmp_path / "canary"), str(canary)), df)
        except Exception:
            pass  # the shell command ran before any error
        assert canary.exists()


def test_payloads_are_formula_errors_and_never_run(tmp_path, frame):
    canary = tmp_path / "canary"
    payloads = _payloads(canary)
    assert len(payloads) >= 15
    for text in payloads:
        with pytest.raises(FormulaError) as err:
            parse(text)
        assert err.value.term and repr(err.value.term) in str(err.value) and "allowed" in str(err.value), text
    assert not canary.exists()


def test_quoted_payloads_are_only_column_names(tmp_path, frame):
    canary = tmp_path / "canary"
    names = [f"__import__('os').system('touch {canary}')", f"{{open('{canary}', 'w')}}", "x1.__class__",
             f"I(open('{canary}', 'w'))"]
    for name in names:
        f = parse(f"y ~ x1 + `{name}`")
        assert f.columns == ("y", "x1", name)
        with pytest.raises(KeyError, match="is not a column of the data"):
            f.design(frame, intercept=True)
        with pytest.raises(KeyError):
            regression.spatial_model(frame.assign(adcode=range(len(frame))), f, None, id="adcode")
        # a column that really has that name is just data
        df = frame.assign(**{name: frame["x2"]})
        _, _, X = f.design(df, intercept=True)
        np.testing.assert_array_equal(X[name], frame["x2"])
    assert not canary.exists()


# -- errors name the term ------------------------------------------------------------------------

@pytest.mark.parametrize("text, term, words", [
    ("y ~ x1 + lag(x2)", "lag(x2)", "spatial lag"),
    ("y ~ x1 + I(x2 * 2)", "I(x2 * 2)", "Python expression"),
    ("y ~ x1 + sin(x2)", "sin(x2)", "not an allowed transform"),
    ("y ~ x1 + log(sqrt(x2))", "log(sqrt(x2))", "do not nest"),
    ("y ~ x1 + C(g, Sum)", "C(g, Sum)", "exactly one column"),
    ("y ~ x1 + 2", "2", "only 0 or 1"),
    ("y ~ x1 + 0.5:x2", "0.5:x2", "numbers other than 0 and 1"),
    ("y ~ x1 + x2:1", "x2:1", "number 1"),
    ("y ~ x1 + 2x", "2x", "may not start with a digit"),
    ("y ~ x1 + x2 ** 2", "x2 ** 2", "'**'"),
    ("y ~ x1 + x2 / x1", "x2 / x1", "'/'"),
    ("y ~ x1 + x2.mean", "x2.mean", "attribute access"),
    ("y ~ x1 + a__b", "a__b", "must be quoted"),
    ("y ~ x1＋x2", "x1＋x2", "full-width"),
    ("y ~ x1 + (x2 + 1):x1", "(x2 + 1):x1", "outside parentheses"),
    ("y ~ x1 + (x2", "(x2", "not closed"),
    ("y ~ x1 + `x2", "`x2", "not closed"),
    ("y ~ x1 + \"GDP\n(亿元)\"", "\"GDP\n(亿元)\"", "span lines"),
    ("y ~ x1 +", "x1 +", "missing"),
    ("y + x2 ~ x1", "y + x2", "response"),
    ("C(g) ~ x1", "C(g)", "response"),
    ("y ~ x1 x2", "x1 x2", "cannot follow"),
    ("y x1", "y x1", "'~'"),
    ("y ~ x1 ~ x2", "y ~ x1 ~ x2", "only one '~'"),
    ("y ~ " + "(" * 25 + "x1" + ")" * 25, "(" * 25 + "x1" + ")" * 25, "nest deeper"),
])
def test_errors_name_the_term(text, term, words):
    with pytest.raises(FormulaError) as err:
        parse(text)
    assert err.value.term == term
    assert repr(term) in str(err.value) and words in str(err.value)
    assert "log, log1p, sqrt, exp" in str(err.value) and "C(column)" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_length_and_term_caps():
    with pytest.raises(FormulaError, match="characters"):
        parse("y ~ " + " + ".join(f"x{i}" for i in range(300)))
    many = " + ".join(f"a{i}" for i in range(15))
    with pytest.raises(FormulaError, match=f"more than {MAX_TERMS} terms"):
        parse(f"y ~ ({many})*({many.replace('a', 'b')})")
    assert len(parse(f"y ~ ({many}):({' + '.join(f'b{i}' for i in range(13))})").terms) == 195


def test_design_errors(frame):
    df = frame.assign(zero=np.r_[0.0, frame["x2"].to_numpy()[1:]], text=frame["k"].astype(str),
                      miss=np.r_[np.nan, frame["x1"].to_numpy()[1:]], const=1.0)
    with pytest.raises(KeyError) as err:
        parse("y ~ gpd").design(df, intercept=True)
    assert "'gpd' is not a column of the data; did you mean 'g'" in err.value.args[0]
    assert "(columns: ['y', 'x1'" in err.value.args[0]
    with pytest.raises(KeyError) as err:
        parse("y ~ log(x3)").design(df, intercept=True)
    assert "'x3' (in 'log(x3)') is not a column of the data; did you mean 'x2', 'x1'" in err.value.args[0]
    with pytest.raises(ValueError, match=r"formula term 'log\(zero\)' is not finite in 1 row.*positive"):
        parse("y ~ x1 + log(zero)").design(df, intercept=True)
    with pytest.raises(ValueError, match=r"'np.log\(x1\)' is not finite"):
        parse("np.log(x1) ~ x2").design(df, intercept=True)
    with pytest.raises(ValueError, match=r"column 'miss' .* 1 missing value.*drop or fill"):
        parse("y ~ miss").design(df, intercept=True)
    with pytest.raises(ValueError, match=r"column 'text' .*not numeric.*pandas.to_numeric.*C\(text\)"):
        parse("y ~ text").design(df, intercept=True)
    with pytest.raises(ValueError, match=r"column 'g' .*not numeric"):
        parse("y ~ g").design(df, intercept=True)
    with pytest.raises(ValueError, match=r"\['const'\] are constant"):
        parse("y ~ x1 + const").design(df, intercept=True)
    _, _, X = parse("y ~ C(text)").design(df, intercept=True)          # only C() makes dummies
    assert list(X.columns) == ["Intercept", "C(text)[T.2]", "C(text)[T.3]"]


# -- the models ----------------------------------------------------------------------------------

def _same_result(a, b):
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-12)
    pd.testing.assert_series_equal(a.std_errors, b.std_errors, rtol=1e-12)
    for eff in ("direct", "indirect", "total"):
        if a.effects is not None:
            np.testing.assert_allclose(a.effects[eff].to_numpy(), b.effects[eff].to_numpy(), rtol=1e-12)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    assert str(a.formula) == str(b.formula)


@pytest.mark.parametrize("text", ["CRIME ~ INC + HOVAL", "np.log(CRIME) ~ INC*HOVAL + C(CP) + center(OPEN)"])
def test_spatial_model_with_a_parsed_formula(text):
    col = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
    w = weights.contiguity(col, islands="raise")
    for model in ("sar", "sdm"):
        s = regression.spatial_model(col, text, w, model=model, id="POLYID", n_draws=20)
        f = regression.spatial_model(col, parse(text), w, model=model, id="POLYID", n_draws=20)
        _same_result(f, s)
        assert f.formula.text == text and f"formula: {text}" in f.summary()


def _panel(seed=0, side=5, T=5):
    w = lat2W(side, side, rook=True)
    N = side * side
    ids = [f"{i:02d}" for i in range(N)]
    rng = np.random.default_rng(seed)
    rows = [pd.DataFrame({"adcode": ids, "year": 2010 + t, "x1": rng.normal(size=N), "x2": rng.uniform(1, 3, N),
                          "区域": rng.choice(["东", "西"], N)}) for t in range(T)]
    df = pd.concat(rows, ignore_index=True)
    df["y"] = 1 + df["x1"] - 0.5 * np.log(df["x2"]) + rng.normal(size=len(df))
    return df, W({ids[i]: [ids[j] for j in w.neighbors[i]] for i in range(N)})


@pytest.mark.parametrize("text, effects", [
    ("y ~ x1 + log(x2) + x1:x2", "twoways"),
    ("y ~ x1 + C(区域) + C(year)", "individual"),
    ("y ~ x1*x2 + C(区域)", "none"),
])
def test_spatial_panel_with_a_parsed_formula(text, effects):
    df, w = _panel()
    s = panel.spatial_panel(df, text, w, model="sar", effects=effects, n_draws=20)
    f = panel.spatial_panel(df, parse(text), w, model="sar", effects=effects, n_draws=20)
    _same_result(f, s)


def test_from_columns_keeps_every_name_a_name(tmp_path):
    """Names given by a study or a caller become quoted columns, never code — also through the models that
    build their formulas from names (spatial convergence's controls, spatial DID)."""
    import warnings

    from spatialq import geometry, inequality, weights
    from spatialq.datasets import synthetic_urbanisation
    from spatialq.formula import from_columns

    canary = tmp_path / "CANARY"
    evil = "x` + {__import__('os').system('touch " + str(canary) + "')} + `y"
    f = from_columns("y", ["x1", evil, "GDP (亿元)"])
    assert f.columns == ("y", "x1", evil, "GDP (亿元)")
    with pytest.raises(FormulaError, match="every quote character"):
        from_columns("y", ["a`b\"c'd"])
    d = synthetic_urbanisation("province", years=range(2015, 2019))
    d[evil] = d["openness"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
        res = inequality.spatial_convergence(d, "urban_income", w, kind="conditional", controls=[evil], n_draws=20)
    assert evil in res.model.params.index and not canary.exists()
