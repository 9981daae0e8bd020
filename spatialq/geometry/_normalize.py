"""Normalisation of Chinese and romanised place names (shared by the build script and ``match``).

The rules are deliberately mechanical so that they can be documented:

* Chinese: NFKC (full-width letters and spaces become ASCII), all white space and
  punctuation removed, traditional characters mapped to simplified ones with the
  table in ``registry/t2s.json``.
* Administrative suffixes (省, 市, 自治区, 自治州, 地区, 盟, 县, 区, 旗, …) and the ethnic
  names that precede 自治 (e.g. 壮族, 维吾尔, 土家族苗族) are removed to give the short
  name; a stem is never shortened to a single character (忠县 stays 忠县).
* Romanised names: lower case ASCII letters only, after removing the words province,
  city, municipality, autonomous region, prefecture, county, district, SAR and the
  ethnic adjectives used in official English names (Zhuang, Hui, Uygur, …).
"""

from __future__ import annotations

import re
import unicodedata

# The 55 officially recognised minority nationalities (without 族), longest first so
# that 哈萨克 is tried before 哈尼 etc.  Single-character names are only removed together
# with 族 (土族, 水族, 回族, 白族, 京族, 怒族, 黎族, 藏族, 苗族, 彝族, 壮族, 满族, 侗族, 瑶族, 傣族, 畲族, 羌族, 佤族).
MINORITIES = sorted(
    """蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水
    东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克
    俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺""".split(),
    key=len,
    reverse=True,
)

_ETHNIC_TAIL = re.compile(
    "(?:" + "|".join(f"{m}族" for m in MINORITIES) + "|" + "|".join(m for m in MINORITIES if len(m) > 1) + ")$"
)

# Suffixes by level, longest first.
PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
PREFECTURE_SUFFIXES = ("自治州", "地区", "林区", "盟", "州", "市", "县")
COUNTY_SUFFIXES = ("自治县", "自治旗", "特区", "新区", "县", "区", "市", "旗")
#: Names whose short form no suffix rule gives (神农架林区 is the only 林区; 万柏林区 is a 区).
SHORT_EXCEPTIONS = {"神农架林区": "神农架"}

_PUNCT = re.compile(r"[\s\u3000·•・.,，。、'’‘`\"“”()（）\[\]【】/\\-]+")

_T2S: dict[str, str] | None = None


def _t2s_table() -> dict[str, str]:
    global _T2S
    if _T2S is None:
        import json
        from importlib import resources

        with resources.files("spatialq.registry").joinpath("t2s.json").open(encoding="utf-8") as fh:
            _T2S = json.load(fh)
    return _T2S


def clean_zh(text: str) -> str:
    """NFKC, remove white space and punctuation, map traditional to simplified characters."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _PUNCT.sub("", text)
    table = _t2s_table()
    return "".join(table.get(ch, ch) for ch in text)


def strip_ethnic(stem: str) -> str:
    """Remove trailing ethnic names (``延边朝鲜族`` -> ``延边``, ``伊犁哈萨克`` -> ``伊犁``)."""
    while True:
        m = _ETHNIC_TAIL.search(stem)
        if not m or m.start() < 2:
            return stem
        stem = stem[: m.start()]


def short_name(name: str, level: str) -> str:
    """Short form of an official Chinese name.

    ``内蒙古自治区`` -> ``内蒙古``; ``延边朝鲜族自治州`` -> ``延边``; ``大兴安岭地区`` -> ``大兴安岭``;
    ``石家庄市`` -> ``石家庄``; ``朝阳区`` -> ``朝阳``; ``忠县`` -> ``忠县`` (single-character stems
    keep their suffix).
    """
    name = clean_zh(name)
    if name in SHORT_EXCEPTIONS:
        return SHORT_EXCEPTIONS[name]
    suffixes = {"province": PROVINCE_SUFFIXES, "prefecture": PREFECTURE_SUFFIXES, "county": COUNTY_SUFFIXES}[level]
    for suf in suffixes:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            stem = name[: -len(suf)]
            if suf.startswith("自治") or suf == "自治区":
                stem = strip_ethnic(stem)
            elif level == "province" and suf == "自治区":
                stem = strip_ethnic(stem)
            return stem
    return name


_EN_GENERIC = {
    "special", "administrative", "autonomous", "region", "prefecture", "province", "provincial",
    "municipality", "city", "county", "district", "league", "banner", "sar", "of", "the",
}
_EN_ETHNIC = {"zhuang", "hui", "uygur", "uyghur", "uighur", "weiwuer", "zhuangzu", "huizu"}
_PINYIN_SUFFIX = {"shi", "sheng", "xian", "qu", "diqu", "meng", "zizhiqu", "zizhizhou", "zizhixian"}


def clean_en(text: str) -> str:
    """Lower-case ASCII key of a romanised name.

    ``"Guangxi Zhuang Autonomous Region"`` -> ``"guangxi"``; ``"Xi'an City"`` -> ``"xian"``;
    ``"Hengshui Shi"`` -> ``"hengshui"``.  Generic English words are dropped anywhere, the
    ethnic adjectives of official names after the first word, and pinyin suffixes
    (shi, sheng, xian, qu, …) only as trailing separate words.
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = re.sub(r"[^a-z]+", " ", re.sub(r"[’'`]", "", text)).split()
    words = [w for w in words if w not in _EN_GENERIC]
    words = words[:1] + [w for w in words[1:] if w not in _EN_ETHNIC]
    while len(words) > 1 and words[-1] in _PINYIN_SUFFIX:
        words.pop()
    return "".join(words)


def is_latin(text: str) -> bool:
    """True when the text has no CJK characters."""
    return not re.search(r"[\u3400-\u9fff\uf900-\ufaff]", str(text))
