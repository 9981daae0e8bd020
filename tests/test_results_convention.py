"""Every result of issue 3 follows the convention: summary/repr, HTML, to_frame copy, plot, frozen, provenance."""

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from spatialq import density, geometry, index, inequality
from spatialq.datasets import ai_index_provinces


def results():
    ai = ai_index_provinces()
    rng = np.random.default_rng(0)
    panel = ai.assign(x2=rng.uniform(1, 5, len(ai)), x3=rng.uniform(0, 1, len(ai)))
    ent = index.entropy(panel, {"ai_index": 1, "x2": 1, "x3": -1}, subsystems={"ai_index": "a", "x2": "a", "x3": "b"})
    three = geometry.regions("three")
    return {
        "entropy": ent,
        "topsis": index.topsis(panel, {"ai_index": 1, "x2": 1, "x3": -1}),
        "coupling": index.coupling(ent.to_frame(), ["a", "b"]),
        "tapio": index.tapio(panel, "x2", "ai_index", step=4),
        "dagum": inequality.dagum_gini(ai, "ai_index", three),
        "theil": inequality.theil(ai, "ai_index", three),
        "sigma": inequality.convergence(ai, "ai_index", kind="sigma"),
        "beta": inequality.convergence(ai, "ai_index", kind="beta"),
        "kde": density.kde(ai, "ai_index", group=three),
    }


@pytest.fixture(scope="module")
def all_results():
    return results()


@pytest.mark.parametrize("name", ["entropy", "topsis", "coupling", "tapio", "dagum", "theil", "sigma", "beta", "kde"])
def test_convention(all_results, name):
    r = all_results[name]
    text = r.summary()
    assert repr(r) == text and r.meta.method.startswith("spatialq.")
    assert "<div>" in r._repr_html_()
    f = r.to_frame()
    assert isinstance(f, pd.DataFrame) and len(f) > 0
    first = f.columns[0]
    del f[first]  # a copy: the result is unchanged
    assert first in r.to_frame().columns
    ax = r.plot()
    assert ax is not None
    plt.close("all")
    field = dataclasses.fields(r)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(r, field, None)
