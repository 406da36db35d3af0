"""The status a page shows: what the weekly run stored, with visits since the list date laid over it."""

from __future__ import annotations

import pandas as pd

from riskmodel.web.status import list_status


def _visits(*rows):
    return pd.DataFrame(rows, columns=["household_id", "outcome"])


def test_the_stored_status_is_shown_in_chinese_and_new_visits_override_it():
    rows = pd.DataFrame({"household_id": ["A", "B", "C", "D", "E"],
                         "new_on_list": [True, False, False, True, False],
                         "status": ["new", "carried_over", "visited", "pending", "carried_over"],
                         "visit_outcome": [None, None, "not_home", "confirmed_at_risk", None]})
    out = list_status(rows, _visits(("A", "not_at_risk"), ("B", "not_home"), ("B", "confirmed_at_risk"),
                                    ("D", "not_home")))
    assert out["status"].tolist() == ["已走访", "待认定", "已走访", "待认定", "上周在榜"]
    assert out["last_outcome"].tolist() == ["not_at_risk", "confirmed_at_risk", "not_home", "not_home", None]


def test_lists_written_before_statuses_were_stored_fall_back_to_last_weeks_list():
    rows = pd.DataFrame({"household_id": ["A", "B"], "new_on_list": pd.array([True, False], dtype="boolean")})
    out = list_status(rows, _visits())
    assert out["status"].tolist() == ["新进", "上周在榜"] and out["last_outcome"].tolist() == [None, None]
