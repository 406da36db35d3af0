"""A listed household's status as a page shows it: 新进 / 上周在榜 / 已走访 / 待认定.

The weekly run stores each row's status (``listing.followup``: from last week's list and the
visits before the list date). Visits recorded after the list date are not in it yet, so the
page lays them over it with the same precedence (待认定 > 已走访 > 上周在榜 > 新进): the
office sees its visit at once, and next week's run decides what the visit means for the list.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from riskmodel.listing.followup import OUTCOME_ZH, STATUS_ZH

STATUSES = tuple(STATUS_ZH.values())
__all__ = ["OUTCOME_ZH", "STATUSES", "list_status", "visit_window"]


def visit_window(weeks: list[dt.date], as_of: dt.date) -> tuple[dt.date, dt.date | None]:
    """Visits the stored list of week ``as_of`` does not know: from its date until the next list."""
    later = [w for w in weeks if w > as_of]
    return as_of, (min(later) if later else None)


def list_status(rows: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """``status`` (Chinese) and ``last_outcome`` (code or None) for each row of a week's list.

    ``rows``: the stored list (``household_id, new_on_list`` and, from weekly runs that store
    them, ``status, visit_outcome``); ``visits``: the store's visits in the week's window
    (``visit_window``), oldest first.
    """
    stored = rows["status"] if "status" in rows else pd.Series([None] * len(rows), index=rows.index)
    fallback = pd.Series(["carried_over" if v is False or v == 0 else "new" for v in rows["new_on_list"].tolist()],
                         index=rows.index, dtype=object)
    status = stored.where(stored.notna(), fallback).map(STATUS_ZH).astype(object)
    before = rows["visit_outcome"] if "visit_outcome" in rows else pd.Series([None] * len(rows), index=rows.index)
    before = before.where(status.isin(["已走访", "待认定"]), None)
    last = visits.drop_duplicates("household_id", keep="last").set_index("household_id")["outcome"]
    since = rows["household_id"].astype(str).map(last)
    status[since.notna() & (status != "待认定")] = "已走访"
    status[since == "confirmed_at_risk"] = "待认定"
    outcome = since.where(since.notna(), before)
    return pd.DataFrame({"status": status, "last_outcome": outcome.astype(object).where(outcome.notna(), None)},
                        index=rows.index)
