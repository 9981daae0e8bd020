"""Maximum-likelihood machinery shared by :mod:`spatialq.regression` and :mod:`spatialq.panel`.

Private: log-determinants and traces (``_logdet``), concentrated likelihoods and covariance
matrices (``_ml``), LeSage–Pace effects (``_effects``), LM / LR / Wald tests (``_tests``),
design matrices from formulas (``_design``) and the result class (``_result``).
"""
