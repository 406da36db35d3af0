"""The departmental rule screen flags what the published rules say, ranked by severity order."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.contract import Panel, Policy
from riskmodel.rules import SEVERITY_ORDER, dept_screen

AS_OF = "2024-06-30"


def _panel(policy: Policy | None = None) -> Panel:
    hh = lambda hid, kind="general", reg="2021-01-05": {  # noqa: E731
        "household_id": hid, "region_code": "530102001001", "household_type": kind,
        "poverty_exit_year": "2018" if kind == "alleviated" else "", "relocated": "false", "registered_on": reg}
    households = pd.DataFrame([
        hh("POOR"), hh("RICH"), hh("INP_A", "alleviated"), hh("INP_G"), hh("OUTP"), hh("FLOOD"),
        hh("CRASH"), hh("FEES"), hh("OPEN"), hh("LATE", reg="2024-07-01"), hh("POOR_INP"),
    ])
    members = pd.DataFrame([
        {"member_id": f"{h}-1", "household_id": h, "relation": "head", "sex": "M", "birth_year": "1970",
         "education": "junior", "in_school": "none", "labor_skill": "ordinary", "joined_on": "2021-01-05",
         "left_on": "", "left_reason": ""} for h in households["household_id"]
    ] + [
        {"member_id": f"FEES-{i}", "household_id": "FEES", "relation": "child", "sex": "F", "birth_year": "2003",
         "education": "senior", "in_school": "college", "labor_skill": "none", "joined_on": "2021-01-05",
         "left_on": "", "left_reason": ""} for i in (2,)
    ] + [
        {"member_id": "RICH-2", "household_id": "RICH", "relation": "child", "sex": "F", "birth_year": "2007",
         "education": "junior", "in_school": "senior", "labor_skill": "none", "joined_on": "2021-01-05",
         "left_on": "", "left_reason": ""},
    ])
    inc = []
    for month in pd.period_range("2023-07", "2024-05", freq="M"):
        rep = (month.to_timestamp(how="end").normalize() + pd.Timedelta(days=20)).strftime("%Y-%m-%d")
        for h, wage in (("POOR", 300), ("RICH", 3000), ("POOR_INP", 200)):
            inc.append({"household_id": h, "month": str(month), "wage": wage, "business": 0, "property": 0,
                        "transfer": 0, "reported_on": rep})
    # a huge income month reported after the as-of date must not lift POOR above the line
    inc.append({"household_id": "POOR", "month": "2024-06", "wage": 100000, "business": 0, "property": 0,
                "transfer": 0, "reported_on": "2024-07-20"})
    claim = lambda cid, mid, day, kind, oop, rep=None: {  # noqa: E731
        "claim_id": cid, "member_id": mid, "service_date": day, "kind": kind, "diagnosis_group": "cardio",
        "total_cost": str(oop + 100), "reimbursed": "100", "out_of_pocket": str(oop), "reported_on": rep or day}
    claims = pd.DataFrame([
        claim("c1", "INP_A-1", "2024-03-01", "inpatient", 5000),        # alleviated: >= 5,000
        claim("c2", "INP_G-1", "2024-03-01", "inpatient", 15000),       # general: < 20,000, not flagged
        claim("c3", "OUTP-1", "2024-05-03", "outpatient", 300),
        claim("c4", "OUTP-1", "2024-05-20", "outpatient_chronic", 250),  # 550 in May
        claim("c5", "RICH-1", "2024-06-29", "outpatient", 900, "2024-07-03"),  # reported too late
        claim("c6", "POOR_INP-1", "2024-02-01", "inpatient", 30000),
    ])
    events = pd.DataFrame([
        {"event_id": "e1", "household_id": "FLOOD", "member_id": "", "event_type": "disaster",
         "event_date": "2024-06-01", "severity": "3", "loss_amount": "5000", "reported_on": "2024-06-05"},
        {"event_id": "e2", "household_id": "CRASH", "member_id": "CRASH-1", "event_type": "accident",
         "event_date": "2024-05-01", "severity": "", "loss_amount": "", "reported_on": "2024-05-02"},
        {"event_id": "e3", "household_id": "RICH", "member_id": "", "event_type": "disaster",
         "event_date": "2023-06-01", "severity": "2", "loss_amount": "", "reported_on": "2023-06-05"},  # too old
    ])
    monitoring = pd.DataFrame([
        {"household_id": "OPEN", "identified_on": "2024-01-10", "category": "marginal", "risk_types": "labor",
         "eliminated_on": "", "reported_on": "2024-01-12"},
    ])
    return Panel.from_frames({"households": households, "members": members, "income": pd.DataFrame(inc),
                              "medical_claims": claims, "events": events, "monitoring": monitoring}, policy=policy)


@pytest.fixture(scope="module")
def screen() -> pd.DataFrame:
    return dept_screen(_panel(), AS_OF).set_index("household_id")


def test_each_published_rule_flags_its_household(screen):
    flagged = {h: screen.loc[h, "top_flag"] for h in screen.index if screen.loc[h, "rule_score"] > 0}
    assert flagged == {"POOR": "income", "POOR_INP": "income", "INP_A": "inpatient", "FLOOD": "disaster",
                       "CRASH": "accident", "OUTP": "outpatient", "FEES": "education"}


def test_thresholds_depend_on_household_type_and_lateness(screen):
    assert not screen.loc["INP_G", "flag_inpatient"]      # 15,000 < 20,000 for a general household
    assert screen.loc["INP_A", "flag_inpatient"]          # 5,000 >= 5,000 for an alleviated one
    assert not screen.loc["RICH", "flag_outpatient"]      # the claim reached the system after as-of
    assert not screen.loc["RICH", "flag_disaster"]        # a year-old disaster is no longer a push
    assert not screen.loc["RICH", "flag_education"]       # one senior-school student: fees below 10,000


def test_only_eligible_households_are_screened(screen):
    assert "OPEN" not in screen.index   # open monitoring object
    assert "LATE" not in screen.index   # registered after the as-of date


def test_ranking_follows_the_documented_severity_order():
    out = dept_screen(_panel(), AS_OF)
    order = [f for f in out["top_flag"].dropna()]
    ranks = [SEVERITY_ORDER.index(f) for f in order]
    assert ranks == sorted(ranks)
    # two flags beat one flag with the same top flag
    s = out.set_index("household_id")["rule_score"]
    assert s["POOR_INP"] > s["POOR"]  # income + inpatient outranks income alone, however poor
    assert (out["rule_score"].diff().dropna() <= 0).all()


def test_thresholds_come_from_the_policy():
    strict = Policy.default().model_copy(update={
        "dept_alerts": Policy.default().dept_alerts.model_copy(update={"outpatient_oop_monthly": 600.0})})
    out = dept_screen(_panel(strict), AS_OF).set_index("household_id")
    assert not out.loc["OUTP", "flag_outpatient"]
    low_line = Policy.default().model_copy(update={"monitoring_line": {2024: 1000.0}})
    out = dept_screen(_panel(low_line), AS_OF).set_index("household_id")
    assert not out.loc["POOR", "flag_income"]  # 3,600 a year is above a 1,000 line
