"""Column headings of journal tables in Chinese or English, with units, for every column a spatialq result puts
in its ``to_frame()`` (beyond the regression headings of :data:`spatialq.report.HEADINGS`).

:func:`localise` renames the headings of a table for ``lang`` and keeps one language of each label pair: of
``x``, ``x_zh`` and ``x_en`` it keeps ``x_zh`` (Chinese) or ``x_en`` (English) under the heading of ``x``, and
``x`` itself only when it holds numbers (a grade 1–10 stays next to its name; a code such as ``HH`` next to
高-高 does not).  Studies apply it to every table; :func:`spatialq.report.write` users can call it themselves.
"""

from __future__ import annotations

import pandas as pd

#: {column: (Chinese heading, English heading)}; units in brackets as journals print them.  Symbols (I, C, T, D,
#: F, q) stay as they are: they read the same in both languages and mean different things in different tables
COLUMNS: dict[str, tuple[str, str]] = {
    # composite index (entropy, TOPSIS)
    "indicator": ("指标", "Indicator"),
    "direction": ("方向", "Direction"),
    "subsystem": ("子系统", "Subsystem"),
    "entropy": ("信息熵", "Entropy"),
    "divergence": ("差异系数", "Divergence"),
    "weight": ("权重", "Weight"),
    "weight_in_subsystem": ("子系统内权重", "Weight within subsystem"),
    # weights
    "id": ("行政区划代码", "Adcode"),
    "n_neighbors": ("邻居数", "Neighbours"),
    "neighbors": ("邻居", "Neighbours (ids)"),
    # kernel density
    "period": ("年份", "Year"),
    "bandwidth": ("带宽", "Bandwidth"),
    "peak_x": ("主峰位置", "Main peak"),
    "peak_height": ("主峰高度", "Peak height"),
    "peak_width": ("主峰宽度", "Peak width"),
    "n_peaks": ("波峰数", "Peaks"),
    # Moran, LISA, Gi*
    "expectation": ("期望值", "Expectation"),
    "variance": ("方差", "Variance"),
    "z_norm": ("z 值（正态）", "z (normality)"), "p_norm": ("p 值（正态）", "p (normality)"),
    "z_rand": ("z 值（随机化）", "z (randomisation)"), "p_rand": ("p 值（随机化）", "p (randomisation)"),
    "p_sim": ("p 值（置换）", "p (permutation)"), "Ii": ("局部莫兰指数", "Local Moran's I"),
    "quadrant": ("象限", "Quadrant"), "category": ("类别", "Category"), "cluster": ("集聚类型", "Cluster"),
    "gi_star": ("Gi*", "Gi*"),
    "gi_bin": ("置信区间分箱编号", "Confidence bin (number)"),
    "bin": ("置信区间分箱", "Confidence bin"),
    "class": ("类别", "Class"),
    # standard deviational ellipse and centre migration
    "weight_sum": ("权重和", "Weight sum"), "center_x": ("重心 x（m）", "Centre x (m)"),
    "center_y": ("重心 y（m）", "Centre y (m)"), "center_lon": ("重心经度（°）", "Centre longitude (°)"),
    "center_lat": ("重心纬度（°）", "Centre latitude (°)"),
    "median_x": ("中位中心 x（m）", "Median centre x (m)"),
    "median_y": ("中位中心 y（m）", "Median centre y (m)"),
    "major_axis": ("长半轴（km）", "Semi-major axis (km)"),
    "minor_axis": ("短半轴（km）", "Semi-minor axis (km)"),
    "rotation_deg": ("转角 θ（°）", "Rotation θ (°)"),
    "area": ("面积（km²）", "Area (km²)"), "perimeter": ("周长（km）", "Perimeter (km)"),
    "flattening": ("扁率", "Flattening"),
    "centre": ("中心", "Centre"),
    "period_from": ("起始年份", "From"),
    "period_to": ("终止年份", "To"),
    "dx_km": ("东西向移动（km）", "Δx (km)"),
    "dy_km": ("南北向移动（km）", "Δy (km)"),
    "distance_km": ("移动距离（km）", "Distance (km)"), "bearing_deg": ("移动方位角（°）", "Bearing (°)"),
    "speed_km_per_year": ("移动速度（km/年）", "Speed (km/year)"),
    # Theil, convergence
    "theil_t": ("泰尔 T 指数", "Theil T"),
    "theil_l": ("泰尔 L 指数", "Theil L"),
    "within_t": ("组内差异（T）", "Within (T)"),
    "between_t": ("组间差异（T）", "Between (T)"), "within_l": ("组内差异（L）", "Within (L)"),
    "between_l": ("组间差异（L）", "Between (L)"),
    "within_share_t": ("组内贡献率（T）", "Within share (T)"),
    "between_share_t": ("组间贡献率（T）", "Between share (T)"), "sd_log": ("对数标准差", "SD of logs"),
    "cv": ("变异系数", "CV"), "coef": ("系数", "Coefficient"), "se": ("标准误", "Std. error"),
    # Markov
    "lag": ("邻域状态", "Neighbourhood state"),
    # coupling coordination
    "grade": ("协调等级", "Grade"), "type": ("类型", "Type"),
    # geographical detector
    "factor": ("探测因子", "Factor"),
    "factor1": ("因子 1", "Factor 1"),
    "factor2": ("因子 2", "Factor 2"),
    "q1": ("q(X1)", "q(X1)"),
    "q2": ("q(X2)", "q(X2)"),
    "q12": ("q(X1∩X2)", "q(X1∩X2)"),
    "ncp": ("非中心参数", "Non-centrality"), "n_strata": ("分层数", "Strata"), "rank": ("排序", "Rank"),
}


def _other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def localise(t: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A copy of ``t`` with headings in ``lang`` (see :data:`COLUMNS`) and one language of each label pair.

    Parameters
    ----------
    t : pandas.DataFrame
        A table (result frame or formatted strings).
    lang : {"zh", "en"}

    Returns
    -------
    pandas.DataFrame
        ``t`` is not modified.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    cols = [str(c) for c in t.columns]
    keep, names = [], []
    for c in cols:
        base, _, suffix = c.rpartition("_")
        if base and suffix in ("zh", "en"):
            if suffix != lang and f"{base}_{lang}" in cols:
                continue  # the other language of a pair
            keep.append(c)
            names.append(COLUMNS.get(base, (base, base))[lang == "en"] if suffix == lang else c)
            continue
        head = COLUMNS.get(c, (c, c))[lang == "en"]
        if f"{c}_{lang}" in cols:  # a value with its label in lang next to it
            values = t[c].dropna()
            if not len(values) or pd.to_numeric(values, errors="coerce").isna().any():
                continue  # a code (HH, "economic lagging"): the label says it
            head = f"{head}（编号）" if lang == "zh" else f"{head} (number)"
        keep.append(c)
        names.append(head)
    out = t.iloc[:, [cols.index(c) for c in keep]].copy()
    out.columns = names
    return out
