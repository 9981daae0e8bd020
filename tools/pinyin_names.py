"""Pinyin for Chinese place names (build time only): pypinyin plus place-name readings.

pypinyin reads characters by their commonest reading; place names keep older readings.
``PHRASES`` fixes whole stems, ``CHARS`` fixes a character in every place name.  Each
reading follows the 《中国地名录》 / official romanisation of the place concerned.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

PHRASES = {
    "六安": ["lu", "an"], "六合": ["lu", "he"], "涡阳": ["guo", "yang"], "洪洞": ["hong", "tong"],
    "漯河": ["luo", "he"], "郫都": ["pi", "du"], "单县": ["shan", "xian"], "筠连": ["jun", "lian"],
    "浚县": ["xun", "xian"], "蚌山": ["beng", "shan"], "长子": ["zhang", "zi"], "乐亭": ["lao", "ting"],
    "乐清": ["yue", "qing"], "荥经": ["ying", "jing"], "东阿": ["dong", "e"], "番禺": ["pan", "yu"],
    "铅山": ["yan", "shan"], "蔚县": ["yu", "xian"], "大冶": ["da", "ye"], "柏乡": ["bai", "xiang"],
    "吐鲁番": ["tu", "lu", "fan"], "鄱阳": ["po", "yang"], "曲阜": ["qu", "fu"], "曲沃": ["qu", "wo"],
    "临朐": ["lin", "qu"], "句容": ["ju", "rong"], "沈丘": ["shen", "qiu"], "尉氏": ["wei", "shi"],
    "尉犁": ["yu", "li"], "阿城": ["a", "cheng"], "巴中": ["ba", "zhong"],
}
CHARS = {"长": "chang", "朝": "chao", "都": "du", "蚌": "beng", "漯": "luo", "会": "hui", "宿": "su", "藏": "zang"}

#: Official English names that are not plain pinyin.
ENGLISH = {
    "呼和浩特": "Hohhot", "乌鲁木齐": "Urumqi", "哈尔滨": "Harbin", "拉萨": "Lhasa",
}


def syllables(stem: str) -> list[str]:
    if stem in PHRASES:
        return list(PHRASES[stem])
    out = lazy_pinyin(stem, style=Style.NORMAL, v_to_u=True)
    if len(out) != len(stem):  # non-Chinese characters: keep pypinyin's result
        return out
    for i, ch in enumerate(stem):
        if ch in CHARS and not (ch == "长" and stem[i:i + 2] == "长子"):
            out[i] = CHARS[ch]
    return out


def pinyin(stem: str) -> str:
    """``石家庄`` -> ``Shijiazhuang``; ``西安`` -> ``Xi'an``; ``吕梁`` -> ``Lüliang``."""
    if stem in ENGLISH:
        return ENGLISH[stem]
    syl = syllables(stem)
    text = syl[0]
    for s in syl[1:]:
        text += ("'" if s[:1] in "aoe" else "") + s
    return text[:1].upper() + text[1:]
