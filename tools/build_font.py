"""Subset Noto Sans CJK SC for map labels (build time only).

Source: the PyPI wheel noto-cjk-sans-otc 0.0.1 (NotoSansCJK-Regular.ttc, SIL OFL 1.1),
face index 2 = "Noto Sans CJK SC".  Kept glyphs: ASCII, Latin-1, general punctuation,
CJK symbols and full-width forms, all 6,763 hanzi of GB 2312, and every character of a
bundled place name or label.  Writes ``spatialq/fonts/NotoSansCJKsc-Subset.otf`` with the
OFL text and records the source in ``spatialq/fonts/SOURCES.json``.  The subset is renamed
("Noto Sans CJK SC Subset") as the OFL's Reserved Font Name clause asks for modified fonts.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pandas as pd
from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _wheels import pinned_wheel, sha256  # noqa: E402

NAME, VERSION = "noto-cjk-sans-otc", "0.0.1"
SHA = "44596df7f0c1590cb9c4cfe85b9213b7e91e1086a8a024f1a05df6d6badd33ec"
ROOT = HERE.parent / "spatialq"
OUT = ROOT / "fonts"
FAMILY = "Noto Sans CJK SC Subset"

EXTRA = (
    "低中高等较热点次冷过渡区不显著置信度东部中部西部东北地区沿海内陆北方南方长江经济带黄河流域城市群"
    "京津冀长三角珠三角成渝长江中游山东半岛粤闽浙沿海中原关中平原北部湾哈长辽中南山西中部黔中滇中呼包鄂榆"
    "兰州西宁宁夏沿黄天山北坡极度失调严重中度轻度濒临勉强协调初级中级良好优质图例比例尺千米公里南海诸岛"
    "年份指数密度核估计莫兰散点显著性热点冷点椭圆重心迁移距离方向速度系数标准误检验直接间接总效应"
)


def gb2312_chars() -> str:
    out = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(out)


def name_chars() -> str:
    chars = set(EXTRA)
    for level in ("provinces", "prefectures", "counties"):
        df = pd.read_parquet(HERE.parent / "shapes" / f"{level}.parquet", columns=["name_zh", "name_short"])
        for col in ("name_zh", "name_short"):
            chars.update("".join(df[col]))
    return "".join(sorted(chars))


def main() -> None:
    wheel = pinned_wheel(NAME, VERSION, SHA)
    with zipfile.ZipFile(wheel) as z:
        ttc = z.read("noto_cjk_sans_otc/NotoSansCJK-Regular.ttc")
        lic = z.read("noto_cjk_sans_otc-0.0.1.dist-info/licenses/LICENSE").decode()
    font = TTCollection(io.BytesIO(ttc)).fonts[2]
    assert font["name"].getDebugName(4) == "Noto Sans CJK SC"
    text = gb2312_chars() + name_chars()
    unicodes = {ord(c) for c in text}
    unicodes |= set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x206F))
    unicodes |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0)) | {0x00B0, 0x2212, 0x00B7}
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            rec.string = FAMILY
        elif rec.nameID == 6:
            rec.string = FAMILY.replace(" ", "")
        elif rec.nameID == 3:
            rec.string = f"{FAMILY};subset-by-spatialq"
    OUT.mkdir(exist_ok=True)
    path = OUT / "NotoSansCJKsc-Subset.otf"
    font.save(path)
    (OUT / "OFL.txt").write_text(lic, encoding="utf-8")
    meta = {
        "source": {"package": NAME, "version": VERSION, "wheel_sha256": SHA, "face": "Noto Sans CJK SC (index 2)",
                   "license": "SIL Open Font License 1.1", "copyright": "Google LLC / Adobe (Noto CJK)"},
        "subset": "ASCII, Latin-1, punctuation, CJK symbols, full-width forms, GB 2312 hanzi, bundled names",
        "family_name": FAMILY,
        "codepoints": len(font.getBestCmap()),
        "files": {path.name: {"sha256": sha256(path)}, "OFL.txt": {"sha256": sha256(OUT / 'OFL.txt')}},
    }
    (OUT / "SOURCES.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(path, round(path.stat().st_size / 1e6, 2), "MB,", meta["codepoints"], "code points")


if __name__ == "__main__":
    main()
