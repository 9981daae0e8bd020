"""The missing-value policy of a study (``[data] missing``): raise, drop_units or interpolate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._schema import MAX_LISTED


def cells(df: pd.DataFrame, mask: pd.Series, names) -> str:
    ex = df.loc[mask, ["adcode", "year"]].head(4)
    return ", ".join(f"{names.get(a, a)} {y}" for a, y in ex.itertuples(index=False))


def apply_policy(df: pd.DataFrame, cols: list[str], policy: str, names, lacks: dict, filled: list[dict],
                    dropped: list[str], notes: list[str], problems: list[str]) -> pd.DataFrame:
    """Apply ``[data] missing`` to the columns the study reads: raise, drop_units or interpolate."""
    years = sorted(df["year"].dropna().unique().tolist())
    if policy != "raise" and cols:  # a region absent in a year counts as missing values in that year
        grid = pd.MultiIndex.from_product([sorted(df["adcode"].dropna().unique()), years], names=["adcode", "year"])
        df = df.set_index(["adcode", "year"]).reindex(grid).reset_index()
    gaps = df[cols].isna()
    if not gaps.to_numpy().any():
        return df
    if policy == "raise":
        for c in cols:
            if gaps[c].any():
                why = lacks.get(c, "")
                problems.append(f"column {c!r} has {int(gaps[c].sum())} missing value(s), at "
                                f"{cells(df, gaps[c], names)}" + (f" — {why}" if why else "")
                                + '; fill them, or set [data] missing = "drop_units" or "interpolate"')
        return df
    if policy == "drop_units":
        n_units, n_problems = df["adcode"].nunique(), len(problems)
        for c in cols:  # a year no region has is a missing year, not missing regions
            empty = [int(y) for y, g in gaps[c].groupby(df["year"]) if g.all()]
            if empty:
                why = lacks.get(c, "")
                problems.append(f"column {c!r} has no value in {', '.join(map(str, empty))} for any region"
                                + (f" — {why}" if why else "") + '; missing = "drop_units" leaves out regions, not '
                                "years: keep the complete years with [data] years")
        if len(problems) > n_problems:
            return df
        bad = sorted(df.loc[gaps.any(axis=1), "adcode"].unique())
        if len(bad) == n_units:
            problems.append(f'[data] missing = "drop_units" would leave out every region: each has a missing value '
                            f"(e.g. at {cells(df, gaps.any(axis=1), names)}); fill the gaps or use missing = "
                            '"interpolate"')
            return df
        dropped += bad
        notes.append(f"[data] missing = \"drop_units\": {len(bad)} region(s) with missing values left out: "
                     + ", ".join(str(names.get(a, a)) for a in bad[:MAX_LISTED]) + (" …" if len(bad) > MAX_LISTED
                                                                                      else ""))
        return df[~df["adcode"].isin(bad)].reset_index(drop=True)
    out = df.sort_values(["adcode", "year"], kind="stable").reset_index(drop=True)
    ends = []
    for c in cols:
        if not pd.api.types.is_numeric_dtype(out[c]):  # a category (C(col)) cannot be interpolated
            if out[c].isna().any():
                problems.append(f'[data] missing = "interpolate": column {c!r} holds categories, which cannot be '
                                f"interpolated; it has gaps at {cells(out, out[c].isna(), names)}")
            continue
        v = pd.to_numeric(out[c], errors="coerce")
        filled_c = []
        new = v.copy()
        for code, idx in out.groupby("adcode").groups.items():
            s = pd.Series(v.loc[idx].to_numpy(), index=out.loc[idx, "year"].astype(float).to_numpy())
            f = s.interpolate(method="index", limit_area="inside")
            new.loc[idx] = f.to_numpy()
            for year, before, after in zip(s.index, s.to_numpy(), f.to_numpy()):
                if np.isnan(before) and not np.isnan(after):
                    filled_c.append({"adcode": code, "name": str(names.get(code, code)), "year": int(year),
                                     "column": c, "value": float(after)})
                elif np.isnan(before):
                    ends.append(f"{names.get(code, code)} {int(year)} ({c})")
        out[c] = new
        filled += filled_c
    if ends:
        problems.append(f'[data] missing = "interpolate" fills gaps between observed years only (never '
                        f"extrapolates); {len(ends)} value(s) lie before the first or after the last observation: "
                        + ", ".join(ends[:MAX_LISTED]) + ' — drop those years with [data] years, or use missing = '
                        '"drop_units"' + "".join(f"; {lacks[c]}" for c in cols if c in lacks))
    if filled:
        notes.append(f"[data] missing = \"interpolate\": {len(filled)} value(s) filled linearly within a region: "
                     + ", ".join(f"{f['name']} {f['year']} {f['column']} = {f['value']:.6g}"
                                 for f in filled[:MAX_LISTED]) + (" …" if len(filled) > MAX_LISTED else ""))
    return out
