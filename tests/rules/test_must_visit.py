"""八必访: each of the eight kinds flags its household, ranked by the documented order, as of the date."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.contract import Panel
from riskmodel.rules import MUST_VISIT_ORDER, dept_screen, must_visit

AS_OF = "2024-06-30"
LINE_2024 = 7480  # the default policy's line


def _panel() -> Panel:
    hh = lambda hid, kind="general", reg="2021-01-05": {  # noqa: E731
        "household_id": hid, "region_code": "530102001001", "household_type": kind,
        "poverty_exit_year": "2018" if kind == "alleviated" else "", "relocated": "false", "registered_on": reg}
    names = ["LOW", "FALL", "RICHFALL", "SICK", "DISAB", "FLOOD", "TEKUN", "DIBAO", "MIGRANT", "STUDY",
             "OPEN", "LATE", "PLAIN"]
    households = pd.DataFrame([hh(h, reg="2024-07-01" if h == "LATE" else "2021-01-05") for h in names])
    member = lambda mid, h, by="1975", skill="ordinary": {  # noqa: E731
        "member_id": mid, "household_id": h, "relation": "head" if mid.endswith("-1") else "child", "sex": "M", "birth_year": by, "education": "junior",
        "in_school": "none", "labor_skill": skill, "joined_on": "2021-01-05", "left_on": "", "left_reason": ""}
    members = [member(f"{h}-1", h) for h in names] + [member(f"{h}-2", h) for h in names if h != "TEKUN"]
    members += [member("STUDY-3", "STUDY", "2007", "none"), member("STUDY-4", "STUDY", "2004", "none")]
    # per household: monthly household wage in the 12 months before and the last 12 months
    wages = {"LOW": (600, 600), "FALL": (1500, 900), "RICHFALL": (8000, 3000), "MIGRANT": (2400, 2400)}
    inc = []
    for month in pd.period_range("2022-06", "2024-05", freq="M"):
        rep = (month.to_timestamp(how="end").normalize() + pd.Timedelta(days=20)).strftime("%Y-%m-%d")
        recent = month >= pd.Period("2023-06", "M")
        for h in names:
            wage, business = (wages[h][recent], 0) if h in wages else (300, 3000)
            if h == "MIGRANT":
                business = 500
            if h == "FALL":  # some business income: not mostly a migrant worker's household
                business = 700
            if h == "RICHFALL":  # mostly business income: its wage fall is not a migrant worker's
                business = 10000
            inc.append({"household_id": h, "month": str(month), "wage": wage, "business": business, "property": 0,
                        "transfer": 0, "reported_on": rep})
    claims = pd.DataFrame([
        {"claim_id": "c1", "member_id": "SICK-1", "service_date": "2024-03-01", "kind": "inpatient",
         "diagnosis_group": "cancer", "total_cost": "30000", "reimbursed": "15000", "out_of_pocket": "15000",
         "reported_on": "2024-03-10"},
        {"claim_id": "c2", "member_id": "PLAIN-1", "service_date": "2024-03-01", "kind": "outpatient",
         "diagnosis_group": "acute_other", "total_cost": "300", "reimbursed": "100", "out_of_pocket": "200",
         "reported_on": "2024-03-10"},
    ])
    ev = lambda eid, h, kind, day, sev="", loss="", mid="", rep=None: {  # noqa: E731
        "event_id": eid, "household_id": h, "member_id": mid, "event_type": kind, "event_date": day,
        "severity": sev, "loss_amount": loss, "reported_on": rep or day}
    events = pd.DataFrame([
        ev("e1", "DISAB", "disability_certified", "2022-01-10", sev="1", mid="DISAB-1"),
        ev("e2", "FLOOD", "disaster", "2024-05-01", sev="3", loss="20000"),
        ev("e3", "PLAIN", "disaster", "2024-05-01", sev="1", loss="500"),          # minor: not a must-visit
        ev("e4", "MIGRANT", "job_loss", "2024-04-01", mid="MIGRANT-1"),
        ev("e5", "PLAIN", "accident", "2024-06-29", mid="PLAIN-1", rep="2024-07-02"),  # reported after as-of
    ])
    spell = lambda h, prog, start, amount: {  # noqa: E731
        "household_id": h, "member_id": "", "program": prog, "start_date": start,
        "end_date": "", "monthly_amount": str(amount), "reported_on": start}
    assistance = pd.DataFrame([spell("TEKUN", "tekun", "2022-01-01", 800), spell("DIBAO", "dibao", "2024-02-01", 400),
                               spell("PLAIN", "dibao", "2021-02-01", 400)])  # an old dibao household is not new
    monitoring = pd.DataFrame([{"household_id": "OPEN", "identified_on": "2024-01-10", "category": "marginal",
                                "risk_types": "labor", "eliminated_on": "", "reported_on": "2024-01-12"}])
    return Panel.from_frames({"households": households, "members": pd.DataFrame(members), "income": pd.DataFrame(inc),
                              "medical_claims": claims, "events": events, "assistance": assistance,
                              "monitoring": monitoring})


@pytest.fixture(scope="module")
def listed() -> pd.DataFrame:
    return must_visit(_panel(), AS_OF)


def test_each_kind_flags_its_household_and_nothing_else(listed):
    top = listed.set_index("household_id")["top_flag"].dropna().to_dict()
    assert top == {"LOW": "income", "FALL": "income", "SICK": "illness", "DISAB": "disability", "FLOOD": "shock",
                   "TEKUN": "tekun_single", "DIBAO": "dibao_new", "MIGRANT": "migrant_wage", "STUDY": "schooling"}


def test_falling_income_counts_only_inside_the_monitoring_range(listed):
    flags = listed.set_index("household_id")
    # RICHFALL lost 28 % but still earns 78,000 a person: far above 1.5 × the line
    assert not flags.loc["RICHFALL", "flag_income"]
    assert flags.loc["FALL", "flag_income"]  # 9,600 a person, inside 1.5 × 7,480, and down 27 %


def test_ranked_by_the_documented_order_then_by_income_shortfall(listed):
    ranks = [MUST_VISIT_ORDER.index(f) for f in listed["top_flag"].dropna()]
    assert ranks == sorted(ranks)
    assert listed["household_id"].tolist()[:2] == ["LOW", "FALL"]  # the poorer first among equal flags
    assert (listed["rule_score"].diff().dropna() <= 0).all()
    assert listed["top_flag"].isna().sum() == 2  # RICHFALL and PLAIN come last


def test_same_shape_and_eligibility_as_the_department_screen(listed):
    screen = dept_screen(_panel(), AS_OF)
    assert sorted(listed["household_id"]) == sorted(screen["household_id"])
    assert "OPEN" not in set(listed["household_id"]) and "LATE" not in set(listed["household_id"])
    assert list(listed.columns[:3]) == list(screen.columns[:3]) == ["household_id", "rule_score", "top_flag"]
    assert list(listed.columns[3:]) == [f"flag_{k}" for k in MUST_VISIT_ORDER]
    assert listed["household_id"].dtype == screen["household_id"].dtype
