"""The weekly lists themselves: who is on which township's list, in which order, and why.

Pure functions over frames; the weekly run does the I/O. Order inside a list is the score,
highest first, ties broken by household id (the same rule as ``Scorer`` ranks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of a list frame, in output order (machine names; writers translate to Chinese).
LIST_COLUMNS = (
    "as_of", "county_code", "township_code", "village_code", "rank", "county_rank", "household_id",
    "score", "probability", "band", "category", "category_zh", "risk_types", "risk_types_zh",
    "measures", "new_on_list", "previous_rank",
)
#: How many risk types a row names (the main one first).
MAX_RISK_TYPES = 3
MAX_MEASURES = 4


def _order(frame: pd.DataFrame) -> np.ndarray:
    """Positions sorting by score (desc) then household id (asc)."""
    return np.lexsort((frame["household_id"].astype(str).to_numpy(), -frame["score"].to_numpy(dtype=float)))


def select(scores: pd.DataFrame, sizes: pd.DataFrame) -> pd.DataFrame:
    """The top ``capacity`` households of each township, ranked within township and county.

    ``scores``: one row per eligible household (``household_id, region_code, score, probability``
    and optionally ``band, category, category_zh``); ``sizes``: ``list_sizes`` output.
    """
    missing = {"household_id", "region_code", "score", "probability"} - set(scores.columns)
    if missing:
        raise ValueError(f"scores: missing columns {sorted(missing)}")
    if scores["household_id"].duplicated().any():
        dup = scores.loc[scores["household_id"].duplicated(), "household_id"].iloc[0]
        raise ValueError(f"scores: household_id {dup} appears twice")
    s = scores.iloc[_order(scores)].reset_index(drop=True)
    codes = s["region_code"].astype(str)
    s["township_code"] = codes.str[:9].to_numpy()
    s["county_code"] = codes.str[:6].to_numpy()
    s["village_code"] = codes.to_numpy()
    s["rank"] = s.groupby("township_code", sort=False).cumcount().to_numpy() + 1
    cap = s["township_code"].map(sizes.set_index("township_code")["capacity"]).fillna(0).to_numpy()
    listed = s.loc[s["rank"].to_numpy() <= cap].copy()
    listed["county_rank"] = listed.groupby("county_code", sort=False).cumcount().to_numpy() + 1
    for col, default in (("band", ""), ("category", ""), ("category_zh", "")):
        if col not in listed:
            listed[col] = default
    listed = listed.sort_values(["county_code", "township_code", "rank"], kind="stable").reset_index(drop=True)
    return listed


def mark_changes(listed: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """``new_on_list`` (not on last week's list) and ``previous_rank`` (last week's township rank)."""
    out = listed.copy()
    if previous is None or previous.empty:
        out["previous_rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["new_on_list"] = True
        return out
    prev = previous.drop_duplicates("household_id").set_index(previous["household_id"].astype(str).to_numpy())["rank"]
    ranks = out["household_id"].astype(str).map(prev)
    out["previous_rank"] = pd.array(ranks, dtype="Int64")
    out["new_on_list"] = out["previous_rank"].isna().to_numpy()
    return out


def _main_types(risk_types, contributions) -> list[str]:
    codes = list(risk_types) if risk_types is not None and not isinstance(risk_types, float) else []
    if isinstance(contributions, dict) and contributions:
        positive = [c for c in codes if contributions.get(c, 0.0) > 0]
        codes = positive or codes[:1]
    return codes[:MAX_RISK_TYPES]


def attach_reasons(listed: pd.DataFrame, explained: pd.DataFrame | None, risk_type_map: dict) -> pd.DataFrame:
    """Main risk types (codes and Chinese names) and suggested measures for every listed row.

    ``explained``: ``Scorer.score(..., explain=ids)`` rows (``risk_types``, ``contributions``,
    ``measures``). Measures come from the scorer when it gives them, else from the risk-type map.
    Every listed household must be explained: a list row without reasons is an error.
    """
    out = listed.copy()
    if out.empty:
        out["risk_types"] = pd.Series([], dtype=object)
        out["risk_types_zh"] = pd.Series([], dtype=object)
        out["measures"] = pd.Series([], dtype=object)
        return out
    if explained is None or "risk_types" not in explained:
        raise ValueError("scorer: no reasons (risk_types) for the listed households")
    ex = explained.set_index(explained["household_id"].astype(str).to_numpy())
    ids = out["household_id"].astype(str)
    lacking = ~ids.isin(ex.index)
    if lacking.any():
        raise ValueError(f"scorer: no reasons for listed household {ids[lacking].iloc[0]} "
                         f"({int(lacking.sum())} listed households unexplained)")
    ex = ex.loc[ids.to_numpy()]
    contributions = ex["contributions"] if "contributions" in ex else pd.Series([None] * len(ex), index=ex.index)
    main = [_main_types(r, c) for r, c in zip(ex["risk_types"], contributions)]  # one per listed row only
    out["risk_types"] = main
    out["risk_types_zh"] = ["、".join(risk_type_map[c].zh for c in codes if c in risk_type_map) for codes in main]
    given = ex["measures"] if "measures" in ex else pd.Series([None] * len(ex), index=ex.index)
    measures = []
    for codes, m in zip(main, given):
        if m is None or isinstance(m, float) or len(m) == 0:
            m = [x for c in codes if c in risk_type_map for x in risk_type_map[c].measures[:2]]
        measures.append(list(dict.fromkeys(m))[:MAX_MEASURES])
    out["measures"] = measures
    return out


def finish(listed: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Stable column order and rounding, so a rerun writes identical bytes."""
    out = listed.copy()
    out["as_of"] = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    out["score"] = out["score"].astype(float).round(6)
    out["probability"] = out["probability"].astype(float).round(6)
    for col in ("band", "category", "category_zh"):
        out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
    out["household_id"] = out["household_id"].astype(str)
    out["rank"] = out["rank"].astype(np.int64)
    out["county_rank"] = out["county_rank"].astype(np.int64)
    out["new_on_list"] = out["new_on_list"].astype(bool)
    return out[list(LIST_COLUMNS)].reset_index(drop=True)
