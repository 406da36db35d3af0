"""A listed household's status this week: 新进 / 上周在榜 / 已走访 / 待认定.

The one place the pages derive it. Until the weekly run stores statuses itself (visits closing
the loop), it comes from what the store has: last week's list (``new_on_list``) and the visits
recorded since the list came out. Replace ``list_status`` when the store carries them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

STATUSES = ("新进", "上周在榜", "已走访", "待认定")
OUTCOME_ZH = {"confirmed_at_risk": "确认存在风险", "not_at_risk": "无风险", "already_assisted": "已在帮扶中",
              "not_home": "未遇到"}


def visit_window(weeks: list[dt.date], as_of: dt.date) -> tuple[dt.date, dt.date | None]:
    """Visits that answer week ``as_of``'s list: from its date until the next stored list."""
    later = [w for w in weeks if w > as_of]
    return as_of, (min(later) if later else None)


def list_status(rows: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """``status`` and ``last_outcome`` (code or None) for each row of a week's list.

    ``rows``: ``household_id, new_on_list``; ``visits``: the store's visits in the week's
    window (``visit_window``), oldest first. 确认存在风险 → 待认定 (until the household appears in
    monitoring); any other outcome → 已走访 (未遇到 stays on the list, marked by its outcome).
    """
    last = visits.drop_duplicates("household_id", keep="last").set_index("household_id")["outcome"]
    outcome = rows["household_id"].astype(str).map(last)
    status = pd.Series(["新进" if bool(n) else "上周在榜" for n in rows["new_on_list"].fillna(True)],
                       index=rows.index, dtype=object)
    status[outcome.notna()] = "已走访"
    status[outcome == "confirmed_at_risk"] = "待认定"
    return pd.DataFrame({"status": status, "last_outcome": outcome.astype(object).where(outcome.notna(), None)},
                        index=rows.index)
