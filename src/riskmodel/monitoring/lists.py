"""The weekly lists themselves: who is on which township's list, in which order, and why.

Pure functions over frames; the weekly run does the I/O. Order, and which risk types and
measures a row shows, are the list policy's (``riskmodel.listing``), as in ``Scorer``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract import CATEGORY_ZH
from riskmodel.contract.columns import ID_DTYPE, positions
from riskmodel.contract.regions import county_of, township_of
from riskmodel.listing import DEFAULT_POLICY, ListPolicy, ranked, shown_measures, shown_risk_types

#: Columns of a list frame, in output order (machine names; writers translate to Chinese).
LIST_COLUMNS = (
    "as_of", "county_code", "township_code", "village_code", "rank", "county_rank", "household_id",
    "score", "probability", "band", "category", "category_zh", "risk_types", "risk_types_zh",
    "measures", "new_on_list", "previous_rank", "status", "visit_outcome", "visited_on",
)

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
    s = ranked(scores)
    # a province's codes stay Arrow strings (no Python string per household); the listed rows' are plain
    codes = s["region_code"].astype(ID_DTYPE)
    township = township_of(codes)
    rank = township.groupby(township, sort=False).cumcount().to_numpy() + 1
    at = positions(township, sizes["township_code"])
    cap = np.where(at >= 0, sizes["capacity"].to_numpy()[at], 0)
    keep = rank <= cap
    listed = s.loc[keep].copy()
    codes = codes[keep]
    listed["township_code"] = township[keep].astype(object).to_numpy()
    listed["county_code"] = county_of(codes).astype(object).to_numpy()
    listed["village_code"] = codes.astype(object).to_numpy()
    listed["rank"] = rank[keep]
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


def attach_reasons(listed: pd.DataFrame, explained: pd.DataFrame | None, risk_type_map: dict,
                   policy: ListPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Main risk types (codes and Chinese names) and suggested measures for every listed row.

    ``explained``: ``Scorer.score(..., explain=ids)`` rows (``risk_types``, ``contributions``,
    ``measures``). Measures come from the scorer when it gives them, else from the risk-type
    map; either way the list policy decides how many are shown.
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
    main = [shown_risk_types(r, c if isinstance(c, dict) else None, policy)  # one per listed row only
            for r, c in zip(ex["risk_types"], contributions)]
    out["risk_types"] = main
    out["risk_types_zh"] = ["、".join(risk_type_map[c].zh for c in codes if c in risk_type_map) for codes in main]
    given = ex["measures"] if "measures" in ex else pd.Series([None] * len(ex), index=ex.index)
    by_code = {code: rt.measures for code, rt in risk_type_map.items()}
    measures = []
    for codes, m in zip(main, given):
        if m is None or isinstance(m, float) or len(m) == 0:
            m = shown_measures(codes, by_code, policy)
        measures.append(list(dict.fromkeys(m))[:policy.max_measures])
    out["measures"] = measures
    return out


def from_stored(stored: pd.DataFrame, as_of, risk_type_map: dict) -> pd.DataFrame:
    """A list as the store returns it (``Store.risk_list``) back into the weekly run's list
    table (``LIST_COLUMNS``), so an export of it is the weekly run's files, row for row."""
    out = stored.copy()
    out["village_code"] = out["region_code"].astype(str)
    out["county_code"] = county_of(out["village_code"])
    out["township_code"] = township_of(out["village_code"])
    out = ranked(out)
    out["county_rank"] = out.groupby("county_code", sort=False).cumcount().to_numpy() + 1
    codes = [list(c) if isinstance(c, (list, tuple)) else [] for c in out["risk_types"]]
    out["risk_types"] = codes
    out["risk_types_zh"] = ["、".join(risk_type_map[c].zh for c in cs if c in risk_type_map) for cs in codes]
    out["measures"] = [list(m) if isinstance(m, (list, tuple)) else [] for m in out["measures"]]
    out["category_zh"] = out["category"].map(lambda c: CATEGORY_ZH.get(c or "", ""))
    out["new_on_list"] = out["new_on_list"].fillna(False).astype(bool)
    out = out.sort_values(["county_code", "township_code", "rank"], kind="stable").reset_index(drop=True)
    return finish(out, as_of)


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
    if "status" not in out:  # no follow-up information: new or carried over
        out["status"] = np.where(out["new_on_list"], "new", "carried_over")
    for col in ("visit_outcome", "visited_on"):
        if col not in out:
            out[col] = ""
    out["visit_outcome"] = out["visit_outcome"].astype(object).where(out["visit_outcome"].notna(), "").astype(str)
    visited = pd.to_datetime(out["visited_on"].replace("", None))
    out["visited_on"] = visited.dt.strftime("%Y-%m-%d").where(visited.notna(), "").astype(str)
    return out[list(LIST_COLUMNS)].reset_index(drop=True)
