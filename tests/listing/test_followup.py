"""Visits close the loop: the follow-up rules on three-row frames."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.listing.followup import (
    OUTCOME_ZH,
    OUTCOMES,
    Cooldown,
    decide,
    latest_visits,
    status,
    visit_facts,
    with_later_visits,
)

AS_OF = pd.Timestamp("2025-06-02")


def visited(outcomes, *, days_ago=(7, 7, 7), news=(False, False, False), assisted=(False, False, False),
            identified=(False, False, False), counties=("530102", "530102", "530102")):
    return pd.DataFrame({
        "household_id": ["A", "B", "C"], "county_code": list(counties),
        "visited_on": [AS_OF - pd.Timedelta(days=d) for d in days_ago], "outcome": list(outcomes),
        "reported_since": list(news), "assisted": list(assisted), "identified": list(identified)})


def actions(frame, cooldown=Cooldown()):
    return decide(frame, AS_OF, cooldown).set_index("household_id")["action"].to_dict()


def test_not_at_risk_is_held_for_the_cooldown_then_listed_again():
    frame = visited(["not_at_risk"] * 3, days_ago=(7, 13 * 7 - 1, 13 * 7))
    assert actions(frame) == {"A": "hold", "B": "hold", "C": "visit"}


def test_something_reported_after_the_visit_lifts_the_cooldown():
    frame = visited(["not_at_risk"] * 3, news=(True, False, True), days_ago=(7, 7, 200))
    assert actions(frame) == {"A": "visit", "B": "hold", "C": "visit"}


def test_cooldown_per_county():
    frame = visited(["not_at_risk"] * 3, days_ago=(30, 30, 30), counties=("530102", "530103", "530104"))
    cooldown = Cooldown(default_weeks=13, counties={"530103": 4, "530104": 0})
    assert actions(frame, cooldown) == {"A": "hold", "B": "visit", "C": "visit"}


def test_already_assisted_leaves_while_assistance_lasts():
    frame = visited(["already_assisted"] * 3, days_ago=(400, 400, 7), assisted=(True, False, False))
    assert actions(frame) == {"A": "hold", "B": "visit", "C": "hold"}


def test_confirmed_is_pending_until_identified_and_not_home_stays():
    frame = visited(["confirmed_at_risk", "confirmed_at_risk", "not_home"], identified=(False, True, False))
    assert actions(frame) == {"A": "pending", "B": "visit", "C": "visit"}


def test_pending_expires_after_the_horizon():
    frame = visited(["confirmed_at_risk"] * 3, days_ago=(7, 26 * 7 - 1, 26 * 7))
    assert actions(frame) == {"A": "pending", "B": "pending", "C": "visit"}


def test_status_order_pending_visited_carried_over_new():
    decided = decide(visited(["confirmed_at_risk", "not_home", "not_at_risk"], days_ago=(7, 7, 200)), AS_OF)
    listed = pd.Series(["A", "B", "C", "D"])
    got = status(listed, decided, previous_ids=["A", "B", "C"]).tolist()
    assert got == ["pending", "visited", "carried_over", "new"]
    assert status(listed, decided, None).tolist() == ["pending", "visited", "new", "new"]


def test_latest_visit_counts_and_later_visits_are_ignored():
    visits = pd.DataFrame({"household_id": ["A", "A", "B"],
                           "visited_on": ["2025-05-01", "2025-05-20", "2025-06-09"],
                           "outcome": ["not_home", "not_at_risk", "not_at_risk"]})
    got = latest_visits(visits, AS_OF)
    assert got["household_id"].tolist() == ["A"]
    assert got["outcome"].tolist() == ["not_at_risk"]


def test_unknown_outcome_is_an_error_naming_row_and_column():
    visits = pd.DataFrame({"household_id": ["A"], "visited_on": ["2025-05-01"], "outcome": ["maybe"]})
    with pytest.raises(ValueError, match=r"visits: row 1, column outcome, value 'maybe'"):
        latest_visits(visits, AS_OF)


def tables(**extra):
    base = {
        "households": pd.DataFrame({"household_id": ["A", "B", "C"],
                                    "region_code": ["530102001001", "530102001002", "530103001001"]}),
        "members": pd.DataFrame({"member_id": ["A1", "B1", "C1"], "household_id": ["A", "B", "C"]}),
    }
    return {**base, **extra}


def latest():
    return pd.DataFrame({"household_id": ["A", "B", "C"], "visited_on": pd.to_datetime(["2025-05-10"] * 3),
                         "outcome": ["not_at_risk"] * 3})


def test_facts_event_and_claim_reported_after_the_visit_are_news():
    events = pd.DataFrame({"household_id": ["A", "B"], "reported_on": pd.to_datetime(["2025-05-20", "2025-05-01"])})
    claims = pd.DataFrame({"member_id": ["C1", "B1", "B1"], "kind": ["inpatient", "outpatient", "outpatient"],
                           "out_of_pocket": [100.0, 120.0, 480.0],
                           "reported_on": pd.to_datetime(["2025-05-11", "2025-05-12", "2025-05-13"])})
    got = visit_facts(latest(), tables(events=events, medical_claims=claims), AS_OF)
    assert got["reported_since"].tolist() == [True, False, True]  # routine outpatient claims are no news
    claims.loc[2, "out_of_pocket"] = 500.0
    got = visit_facts(latest(), tables(events=events, medical_claims=claims), AS_OF)
    assert got["reported_since"].tolist() == [True, True, True]
    assert got["county_code"].tolist() == ["530102", "530102", "530103"]


def test_facts_income_drop_after_the_visit_is_news():
    months = ["2024-11", "2024-12", "2025-01", "2025-05"]
    rep = pd.to_datetime(["2024-12-30", "2025-01-30", "2025-02-28", "2025-05-30"])
    rows = []
    for hid, last in (("A", 400.0), ("B", 600.0), ("C", 1000.0)):
        for m, r, wage in zip(months, rep, [1000.0, 1000.0, 1000.0, last]):
            rows.append({"household_id": hid, "month": m, "wage": wage, "business": 0.0, "property": 0.0,
                         "transfer": 0.0, "reported_on": r})
    got = visit_facts(latest(), tables(income=pd.DataFrame(rows)), AS_OF)
    assert got["reported_since"].tolist() == [True, False, False]


def test_facts_ongoing_recurring_assistance_and_identification_after_the_visit():
    asst = pd.DataFrame({"household_id": ["A", "B", "C"], "program": ["dibao", "temporary_relief", "dibao"],
                         "start_date": pd.to_datetime(["2025-01-01", "2025-05-01", "2024-01-01"]),
                         "end_date": pd.to_datetime([None, None, "2025-03-01"])})
    mon = pd.DataFrame({"household_id": ["A", "B"], "identified_on": pd.to_datetime(["2025-05-10", "2025-05-09"])})
    got = visit_facts(latest(), tables(assistance=asst, monitoring=mon), AS_OF)
    assert got["assisted"].tolist() == [True, False, False]
    assert got["identified"].tolist() == [True, False, False]


def test_visits_after_the_list_date_lay_over_the_stored_status_by_the_same_precedence():
    codes = pd.Series(["new", "carried_over", "pending", "visited", "new"], index=list("ABCDE"))
    since = pd.Series(["not_at_risk", "confirmed_at_risk", "not_home", None, None], index=list("ABCDE"))
    assert with_later_visits(codes, since).tolist() == ["visited", "pending", "pending", "visited", "new"]


def test_the_outcome_vocabulary_has_one_home():
    from riskmodel.serving.responses import Outcome
    from riskmodel.store import VISIT_OUTCOMES

    assert VISIT_OUTCOMES is OUTCOMES and set(OUTCOME_ZH) == set(OUTCOMES)
    assert Outcome.__args__ == OUTCOMES
