"""Exercise 5 — Classic and spatial Markov chains.

题目：把合成城镇化指数分成四个分位类型（低、中低、中高、高，全样本分位数），
(1) 估计传统马尔可夫转移概率矩阵并检查每行之和为 1；(2) 计算稳态分布；
(3) 做空间马尔可夫：邻居为"中高"时，"低"类型省份向上转移的概率是否高于邻居为"低"时？

Task: quartile Markov chain of the synthetic urbanisation index: transition matrix, steady state, and the
spatial Markov chain conditioned on the neighbours' class.
"""

import warnings

import numpy as np

from spatialq import geometry, index, markov, weights
from spatialq.datasets import synthetic_urbanisation
from spatialq.datasets.urbanisation import INDICATORS

df = synthetic_urbanisation("province")
scores = index.entropy(df, {k: v[0] for k, v in INDICATORS.items()}).to_frame()

mk = markov.markov(scores, "score", classes=4)
print(mk.paper_table())
P = mk.probabilities
assert np.allclose(np.nansum(P, axis=1), 1.0)
print("steady state:", np.round(mk.steady_state, 3))
assert np.isclose(mk.steady_state.sum(), 1.0) and np.allclose(mk.steady_state @ P, mk.steady_state, atol=1e-10)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    w = weights.contiguity(geometry.provinces())
sm = markov.spatial_markov(scores, "score", w, classes=4)
print(sm.paper_table())
up_low_nb = 1 - sm.probabilities[0][0, 0]  # P(leave 低 | neighbours 低)
up_mid_nb = 1 - sm.probabilities[2][0, 0]  # P(leave 低 | neighbours 中高)
print(f"P(leave 低): neighbours 低 {up_low_nb:.3f}, neighbours 中高 {up_mid_nb:.3f}")
assert up_mid_nb > up_low_nb  # richer neighbours pull a low region up (positive spillover)
assert sm.counts.sum() == mk.counts.sum()  # the same transitions, split by the neighbours' class
