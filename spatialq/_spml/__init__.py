"""Maximum-likelihood machinery shared by :mod:`spatialq.regression` and :mod:`spatialq.panel`.

Private: log-determinants and traces (``_logdet``), concentrated likelihoods and their optimisation
(``_ml``), information matrices and standard errors (``_info``), LeSage–Pace effects (``_effects``),
LM / LR / Wald tests (``_tests``), design matrices from formulas (``_design``), the checks that refuse
misleading inputs (``_checks``), the model builder (``_engine``) and the result class (``_result``).
"""
