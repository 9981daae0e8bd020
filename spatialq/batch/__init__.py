"""Batches beyond one call: robustness grids of spatial regressions and many study files, fanned out through
joblib (:func:`spatialq._parallel.pmap`) — serially, on local cores (loky) or over a Dask cluster inside
``joblib.parallel_config(backend="dask")`` with a ``dask.distributed.Client`` (``pip install 'spatialq[dask]'``).

>>> from spatialq import batch
>>> res = batch.robustness(df, formulas="y ~ x1 + x2", weights={"queen": wq, "knn6": wk},
...                        models=["sar", "sem", "sdm"], years="all", n_jobs=-1)      # doctest: +SKIP
>>> res.table()                                                                    # doctest: +SKIP

See ``docs/batch.md`` (what runs in parallel, how to point it at a SLURM/PBS cluster).
"""

from .robustness import RobustnessResult, robustness
from .studies import StudiesResult, run_studies

__all__ = ["RobustnessResult", "StudiesResult", "robustness", "run_studies"]
