"""The suggested monitoring category follows its documented rule, with only what is known at as-of."""

from __future__ import annotations

import pandas as pd

from riskmodel.contract import Panel
from riskmodel.listing import suggest_category


def _panel() -> Panel:
    hh = lambda hid, kind: {"household_id": hid, "region_code": "530102001001", "household_type": kind,  # noqa: E731
                            "poverty_exit_year": "2018" if kind == "alleviated" else "", "registered_on": "2021-01-05"}
    households = pd.DataFrame([hh("A", "alleviated"), hh("G", "general"), hh("S", "general"),
                               hh("B", "alleviated"), hh("OLD", "general")])
    members = pd.DataFrame([{"member_id": f"{h}1", "household_id": h, "relation": "head", "sex": "F",
                             "birth_year": "1970", "education": "none", "in_school": "none",
                             "labor_skill": "ordinary", "joined_on": "2021-01-05"} for h in households["household_id"]])
    events = pd.DataFrame([
        {"event_id": "e1", "household_id": "S", "event_type": "accident", "event_date": "2024-06-01",
         "reported_on": "2024-06-02"},
        {"event_id": "e2", "household_id": "OLD", "event_type": "disaster", "event_date": "2023-01-01",
         "reported_on": "2023-01-02"},
    ])
    claims = pd.DataFrame([{"claim_id": "c", "member_id": "B1", "service_date": "2024-05-01", "kind": "inpatient",
                            "diagnosis_group": "cancer", "total_cost": "40000", "reimbursed": "15000",
                            "out_of_pocket": "25000", "reported_on": "2024-05-03"}])
    return Panel.from_frames({"households": households, "members": members, "events": events,
                              "medical_claims": claims})


def test_suggested_category_follows_the_documented_rule():
    out = suggest_category(_panel(), "2024-06-30", ["A", "G", "S", "B", "OLD"]).set_index("household_id")
    assert out["category"].to_dict() == {"A": "unstable", "G": "marginal", "S": "sudden", "B": "sudden",
                                         "OLD": "marginal"}
    assert out.loc["A", "category_zh"] == "脱贫不稳定户"
    assert out.loc["S", "category_zh"] == "突发严重困难户"
    assert out.loc["G", "category_zh"] == "边缘易致贫户"


def test_suggested_category_ignores_shocks_reported_after_as_of():
    out = suggest_category(_panel(), "2024-06-01", ["S"]).set_index("household_id")
    assert out.loc["S", "category"] == "marginal"  # the accident was reported on 2024-06-02


def test_categories_are_shared_strings_not_one_per_household():
    from riskmodel.listing.category import categories

    ids = ["A", "G", "S", "B", "OLD"] * 200
    out = categories(_panel(), pd.Timestamp("2024-06-30"), pd.array(ids, dtype="string[pyarrow]"))
    assert len(out) == 1_000 and len({id(v) for v in out}) == 3
