"""spatialq.batch: robustness grids and many studies, serial = loky = a Dask LocalCluster, failures per spec."""

import dataclasses
import importlib
import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

from spatialq import batch, panel, regression
from spatialq._guards import InputError

F = "ln_patents ~ ln_gdp_pc + rd_intensity"
HAS_DISTRIBUTED = importlib.util.find_spec("distributed") is not None


@pytest.fixture(scope="module")
def data():
    from spatialq.datasets import synthetic_panel

    return synthetic_panel("province", years=range(2011, 2015), seed=3)


@pytest.fixture(scope="module")
def ws():
    from spatialq import geometry, weights

    prov = geometry.provinces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Hainan linked to Guangdong (islands="nearest")
        return {"queen": weights.contiguity(prov), "knn4": weights.knn(prov, k=4)}


@pytest.fixture(scope="module")
def serial(data, ws):
    return batch.robustness(data, formulas=F, weights=ws, models=["sar", "sem", "sdm"], years=[2012, 2013],
                            n_draws=200)


def _same(a, b):
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(a.specs, b.specs, check_exact=True)
    pd.testing.assert_frame_equal(a.tests, b.tests, check_exact=True)


def test_grid_order_and_rows_equal_direct_calls(data, ws, serial):
    s = serial.specs
    assert len(s) == 12 and (s["status"] == "ok").all()
    # formula → weights → period → model, the model fastest
    assert list(zip(s["weights"], s["period"], s["model"]))[:4] == [
        ("queen", 2012, "sar"), ("queen", 2012, "sem"), ("queen", 2012, "sdm"), ("queen", 2013, "sar")]
    one = data[data["year"] == 2013]
    for wname, model in (("knn4", "sdm"), ("queen", "sem")):
        direct = regression.spatial_model(one, F, ws[wname], model=model, n_draws=200)
        spec = int(s.query("weights == @wname and period == 2013 and model == @model")["spec"].iloc[0])
        frame = serial.to_frame()
        got = frame[frame["spec"] == spec].set_index("term")
        assert got["estimate"].equals(direct.params) and got["std_error"].equals(direct.std_errors)
        assert got["loglik"].iloc[0] == direct.loglik and got["n"].iloc[0] == 31
        eff = direct.effects_inference.set_index(["effect", "term"])
        for kind in ("direct", "indirect", "total"):
            assert got[kind].dropna().equals(eff.loc[kind, "estimate"].rename(kind))
    wide = serial.table()
    assert wide.columns.names == ["weights", "period", "model"] and wide.shape[1] == 12
    assert wide.loc["n"].eq("31").all() and "rho" in wide.index and "lambda" in wide.index
    r = serial.ranges()
    assert r.loc["ln_gdp_pc", "specs"] == 12 and r.loc["rho", "specs"] == 8
    with pytest.raises(dataclasses.FrozenInstanceError):
        serial.specs = None
    assert serial.to_frame() is not serial.coefficients and "<strong>" in serial._repr_html_()
    assert serial.meta.n == 12 and serial.meta.options["models"] == ["sar", "sem", "sdm"]


def test_panel_windows_and_effects_equal_direct_calls(data, ws):
    res = batch.robustness(data, formulas={"base": F}, weights={"queen": ws["queen"]}, models=["sar", "sdm"],
                           periods=[(2011, 2014), (2012, 2014)], effects=["twoways", "individual"], n_draws=100,
                           keep_results=True)
    assert len(res.specs) == 8 and (res.specs["status"] == "ok").all()
    assert list(res.specs["period"].unique()) == ["2011–2014", "2012–2014"]
    direct = panel.spatial_panel(data[data["year"] >= 2012], F, ws["queen"], model="sdm", effects="individual",
                                 n_draws=100)
    spec = int(res.specs.query("period == '2012–2014' and effects == 'individual' and model == 'sdm'")["spec"].iloc[0])
    frame = res.to_frame()
    got = frame[frame["spec"] == spec].set_index("term")
    assert got["estimate"].equals(direct.params) and got["std_error"].equals(direct.std_errors)
    assert res.results[spec].loglik == direct.loglik and res.results[spec].panel["T"] == 3


def test_loky_two_workers_equal_serial(data, ws, serial):
    from joblib import parallel_config

    grid = dict(formulas=F, weights=ws, models=["sar", "sem", "sdm"], years=[2012, 2013], n_draws=200)
    panels = dict(formulas=F, weights=ws, models=["sar", "sdm"], periods=[(2011, 2014), (2012, 2014)], n_draws=100)
    serial_panels = batch.robustness(data, **panels)
    with parallel_config(max_nbytes=1):  # every array reaches the workers memory-mapped (read-only)
        par = batch.robustness(data, **grid, n_jobs=2, backend="loky")
        par_panels = batch.robustness(data, **panels, n_jobs=2, backend="loky")
    _same(serial, par)
    _same(serial_panels, par_panels)


def test_weights_travel_per_chunk_not_per_spec(data, ws, serial, monkeypatch):
    import pickle

    module = importlib.import_module("spatialq.batch.robustness")  # the module, not the function it exports

    sent = []

    def spy(func, tasks, *, n_jobs=1):  # what would be dispatched to 2 workers, run here
        sent.extend(tasks)
        return [func(t) for t in tasks]

    monkeypatch.setattr(module, "pmap", spy)
    res = batch.robustness(data, formulas=F, weights=ws, models=["sar", "sem", "sdm"], years=[2012, 2013],
                           n_draws=200, n_jobs=2)
    _same(serial, res)
    assert len(sent) == 4  # two chunks per worker, not one task per specification
    jobs = [j for chunk, _ in sent for j in chunk]
    assert [j.index for j in jobs] == list(range(12))  # sorted by weights: here the grid order itself
    assert len({id(j.matrix) for j in jobs}) == 2  # one aligned matrix per weights (same ids in both years)
    for chunk, _ in sent:  # one pickle per chunk: each shared matrix and period's rows written once
        shared = {id(o): o for j in chunk for o in (j.matrix, j.frame)}
        assert len(pickle.dumps(chunk)) < sum(len(pickle.dumps(o)) for o in shared.values()) + 300 * len(chunk)


@pytest.mark.skipif(not HAS_DISTRIBUTED, reason="dask.distributed is not installed (pip install 'spatialq[dask]')")
def test_dask_local_cluster_equals_serial(data, ws, serial, studies):
    from distributed import Client, LocalCluster, get_task_stream
    from joblib import parallel_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dashboard port already in use, etc.
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client:
        with parallel_config(backend="dask"), get_task_stream(client) as ts:
            dask = batch.robustness(data, formulas=F, weights=ws, models=["sar", "sem", "sdm"], years=[2012, 2013],
                                    n_draws=200, n_jobs=-1)
        assert len(ts.data) >= 2 and len({t["worker"] for t in ts.data}) == 2  # ran on both cluster workers
        _same(serial, dask)
        # backend="dask" does the same without an outer parallel_config
        again = batch.robustness(data, formulas=F, weights=ws, models=["sar", "sem", "sdm"], years=[2012, 2013],
                                 n_draws=200, n_jobs=-1, backend="dask")
        _same(serial, again)
        with pytest.raises(InputError, match="n_jobs=-1"):
            batch.robustness(data, formulas=F, weights=ws, years=[2012], n_jobs=1, backend="dask")
        # many studies on the cluster: the same tables, byte for byte, as the serial run
        root, files, res = studies
        with pytest.warns(UserWarning, match="1 of 3"):
            on_dask = batch.run_studies(files, root / "dask", n_jobs=-1, backend="dask")
        assert list(on_dask.runs["status"]) == list(res.runs["status"])
        for name in ("a", "b"):
            assert _tables(root / "dask" / name) == _tables(root / "out" / name)


def test_failures_recorded_per_spec_or_raised(data, ws):
    bad = data.copy()
    bad.loc[bad["year"] == 2013, "rd_intensity"] = 1.0  # constant regressor in 2013 only
    w_short = {"queen": ws["queen"], "missing": ws["queen"]}
    from spatialq import geometry, weights

    prov = geometry.provinces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w_short["missing"] = weights.knn(prov[prov.index != "110000"], k=4)  # no Beijing
    with pytest.warns(UserWarning, match="6 of 8 specifications failed"):
        res = batch.robustness(bad, formulas=F, weights=w_short, models=["sar", "sem"], years=[2012, 2013],
                               n_draws=50)
    f = res.failures
    assert list(f["spec"]) == [2, 3, 4, 5, 6, 7]
    assert f.set_index("spec").loc[2, "error"].startswith("regressors ['rd_intensity'] are constant")
    assert "ids in the data but not in the weights" in f.set_index("spec").loc[4, "error"]
    assert (res.specs.set_index("spec").loc[[0, 1], "status"] == "ok").all()
    assert "failed #2" in res.summary()
    with pytest.raises(ValueError, match="constant") as info:
        batch.robustness(bad, formulas=F, weights=w_short, models=["sar", "sem"], years=[2012, 2013], n_draws=50,
                         errors="raise")
    assert any("specification #2" in n for n in getattr(info.value, "__notes__", []))


@pytest.mark.parametrize("kw, match", [
    ({"models": ["sar", "sdn"]}, "unknown model 'sdn'; did you mean 'sdm'"),
    ({"formulas": "ln_patents ~ ln_gdp_pcc"}, "'ln_gdp_pcc'; did you mean 'ln_gdp_pc'"),
    ({"formulas": None, "y": "ln_patents", "x": ["rd_intensty"]}, "'rd_intensty' is not a column.*'rd_intensity'"),
    ({"formulas": "ln_patents ~ ln_gdp_pc +"}, "cannot be parsed"),
    ({"years": [2009]}, r"years \[2009\] are not in column 'year'"),
    ({"years": None}, "pass years=.*or periods="),
    ({"periods": "all"}, "not both"),
    ({"effects": "twoways"}, "effects= is an option of fixed-effects panels"),
    ({"weights": {"queen": np.eye(31)}}, "must be a libpysal W or Graph"),
    ({"weights": {}}, "weights must be a dict"),
    ({"n_jobs": 0}, "n_jobs must be a non-zero whole number"),
    ({"backend": "daks"}, "backend must be None.*did you mean 'dask'"),
    ({"errors": "ignore"}, "errors must be 'record' or 'raise'"),
    ({"id": "code"}, "id column 'code' not found"),
    ({"se": "exat"}, "se must be one of.*did you mean 'exact'"),
    ({"n_draws": 0}, "n_draws must be a whole number"),
    ({"years": [2012, 2012]}, "years repeats a year"),
    ({"formulas": [F, F]}, "formulas repeats a formula"),
    ({"backend": "threading"}, "backend must be None"),
])
def test_bad_options_raise_input_errors(data, ws, kw, match):
    args = dict(formulas=F, weights=ws, models=["sar"], years=[2012])
    args.update(kw)
    with pytest.raises(InputError, match=match):
        batch.robustness(data, **args)


def test_periods_and_y_x_grid(data, ws):
    with pytest.raises(InputError, match="holds 1 value"):
        batch.robustness(data, formulas=F, weights=ws, periods=[(2014, 2014)])
    res = batch.robustness(data, y=["ln_patents"], x={"short": ["ln_gdp_pc"], "long": ["ln_gdp_pc", "fdi_share"]},
                           weights={"queen": ws["queen"]}, models="sar", years=[2012], n_draws=50)
    assert list(res.specs["formula"]) == ["short", "long"]
    assert list(res.specs["formula_text"]) == ["ln_patents ~ ln_gdp_pc", "ln_patents ~ ln_gdp_pc + fdi_share"]


def test_plot_specification_curve(serial):
    import matplotlib

    matplotlib.use("Agg")
    ax = serial.plot(term="ln_gdp_pc", effect="direct")
    assert len(ax.get_yticklabels()) == 12
    with pytest.raises(InputError, match="no direct"):
        serial.plot(term="nope", effect="direct")


STUDY = """
[study]
seed = 7
table_formats = ["csv"]
dpi = 50
[data]
path = "data.csv"
id = "province"
[regions]
scheme = "three"
[analyses.dagum]
column = "urban_pop_share"
"""


@pytest.fixture(scope="module")
def studies(tmp_path_factory, study_raw):
    root = tmp_path_factory.mktemp("studies")
    study_raw.to_csv(root / "data.csv", index=False)
    (root / "a.toml").write_text(STUDY, encoding="utf-8")
    (root / "b.toml").write_text(STUDY.replace("seed = 7", "seed = 8"), encoding="utf-8")
    (root / "broken.toml").write_text(STUDY.replace('"data.csv"', '"nope.csv"'), encoding="utf-8")
    files = [root / "a.toml", root / "b.toml", root / "broken.toml"]
    with pytest.warns(UserWarning, match="1 of 3 studies failed"):
        res = batch.run_studies(files, root / "out")
    return root, files, res


def _tables(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted((folder / "tables").rglob("*.csv"))}


def test_run_studies_separate_folders_and_failures(tmp_path, studies):
    root, files, res = studies
    runs = res.to_frame()
    assert list(runs["name"]) == ["a", "b", "broken"] and list(runs["status"]) == ["ok", "ok", "failed"]
    assert "nope.csv" in runs.loc[2, "error"] and "FAILED StudyError" in res.summary()
    for name in ("a", "b"):
        assert (root / "out" / name / "index.html").exists() and _tables(root / "out" / name)
    with pytest.raises(InputError, match="broken"):
        batch.run_studies({"x": files[2]}, tmp_path / "out2", errors="raise")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.toml").write_text(STUDY, encoding="utf-8")
    with pytest.raises(InputError, match="same folder"):
        batch.run_studies([files[0], sub / "a.toml"], tmp_path / "out3")
    with pytest.raises(InputError, match="not found"):
        batch.run_studies([tmp_path / "missing.toml"], tmp_path / "out3")
    with pytest.raises(InputError, match="must be plain"):
        batch.run_studies({"../x": files[0]}, tmp_path / "out3")
