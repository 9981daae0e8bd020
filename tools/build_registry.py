"""Build the name tables in ``spatialq/registry/`` (build time only; deterministic).

* ``t2s.json``: traditional -> simplified characters for every character in a bundled
  or historical (GB/T 2260) name, from OpenCC's tables (opencc-python-reimplemented).

Run ``python tools/build_registry.py`` before ``tools/build_shapes.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cnmaps_source import CnmapsSource
from gb2260_history import all_names
from opencc import OpenCC

REG = Path(__file__).resolve().parents[1] / "spatialq" / "registry"


def build_t2s(names: set[str]) -> dict[str, str]:
    chars = sorted({ch for n in names for ch in n})
    table: dict[str, str] = {}
    for conv in ("s2t", "s2tw", "s2hk"):
        cc = OpenCC(conv)
        for ch in chars:
            t = cc.convert(ch)
            if len(t) == 1 and t != ch:
                table.setdefault(t, ch)
        for n in sorted(names):
            t = cc.convert(n)
            if len(t) == len(n):
                for a, b in zip(t, n):
                    if a != b:
                        table.setdefault(a, b)
    return dict(sorted(table.items()))


def main() -> None:
    src = CnmapsSource()
    names = {u.province for u in src.units} | {u.city for u in src.units if u.city}
    names |= {u.district for u in src.units if u.district}
    names |= all_names()
    names |= {"内蒙古", "臺灣", "台湾", "香港", "澳门"}
    t2s = build_t2s(names)
    (REG / "t2s.json").write_text(json.dumps(t2s, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"t2s.json: {len(t2s)} characters")


if __name__ == "__main__":
    main()
