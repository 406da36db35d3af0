"""A listed household's status as a page shows it: 新进 / 上周在榜 / 已走访 / 待认定.

The weekly run stores each row's status (``listing.followup``: from last week's list and the
visits before the list date). Visits recorded after the list date are not in it yet, so the
page lays them over it with the follow-up rules' own precedence
(``followup.with_later_visits``): the office sees its visit at once, and next week's run
decides what the visit means for the list. Names and codes come from ``listing.followup``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from riskmodel.listing import followup
from riskmodel.listing.followup import STATUS_ZH

STATUSES = tuple(STATUS_ZH.values())
__all__ = ["STATUSES", "list_status", "visit_window"]


def visit_window(weeks: list[dt.date], as_of: dt.date) -> tuple[dt.date, dt.date | None]:
    """Visits the stored list of week ``as_of`` does not know: from its date until the next list."""
    later = [w for w in weeks if w > as_of]
    return as_of, (min(later) if later else None)


def list_status(rows: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """``status`` (Chinese) and ``last_outcome`` (code or None) for each row of a week's list.

    ``rows``: the stored list (``household_id, new_on_list`` and, from weekly runs that store
    them, ``status, visit_outcome``); ``visits``: the store's visits in the week's window
    (``visit_window``), oldest first. The stored status is the weekly run's
    (``listing.followup``); lists stored before statuses were fall back to last week's list.
    """
    none = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    stored = rows["status"] if "status" in rows else none
    fallback = pd.Series(["carried_over" if v is False or v == 0 else "new" for v in rows["new_on_list"].tolist()],
                         index=rows.index, dtype=object)
    codes = stored.where(stored.notna(), fallback)
    before = rows["visit_outcome"] if "visit_outcome" in rows else none
    before = before.where(codes.isin(["visited", "pending"]), None)
    last = visits.drop_duplicates("household_id", keep="last").set_index("household_id")["outcome"]
    since = rows["household_id"].astype(str).map(last)
    status = followup.with_later_visits(codes, since).map(STATUS_ZH).astype(object)
    outcome = since.where(since.notna(), before)
    return pd.DataFrame({"status": status, "last_outcome": outcome.astype(object).where(outcome.notna(), None)},
                        index=rows.index)
