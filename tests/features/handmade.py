"""A tiny, hand-written contract panel with odd but valid data (pseudonymous ids only).

- H1: alleviated, full income history, a member who left by death, a dibao spell that ended,
  an inpatient claim on the as-of day, a disability certification, an eliminated monitoring spell.
- H2: general household with no income rows at all and a member who leaves after the as-of date.
- H3: registered a week before the as-of date, nothing else (brand new).
- H4: an open monitoring object at the as-of date (not eligible).
- H5: registered after the as-of date (not eligible).
"""

from __future__ import annotations

import pandas as pd

AS_OF = "2024-06-30"


def _income_rows() -> list[dict]:
    rows = []
    for month in pd.period_range("2022-05", "2024-05", freq="M"):
        if str(month) in ("2023-11", "2024-02"):
            continue  # months may be missing
        end = month.to_timestamp(how="end").normalize()
        lag = 45 if month.month % 2 else 20
        rows.append({
            "household_id": "H1", "month": str(month), "wage": 900 + 10 * month.month,
            "business": -50 if month.month == 3 else 120, "property": 15, "transfer": 60,
            "reported_on": (end + pd.Timedelta(days=lag)).strftime("%Y-%m-%d"),
        })
    return rows


def frames() -> dict[str, pd.DataFrame]:
    households = pd.DataFrame([
        {"household_id": "H1", "region_code": "530102001001", "household_type": "alleviated",
         "poverty_exit_year": "2019", "relocated": "true", "registered_on": "2021-01-05"},
        {"household_id": "H2", "region_code": "530102001002", "household_type": "general",
         "poverty_exit_year": "", "relocated": "", "registered_on": "2021-03-01"},
        {"household_id": "H3", "region_code": "530102002001", "household_type": "general",
         "poverty_exit_year": "", "relocated": "false", "registered_on": "2024-06-23"},
        {"household_id": "H4", "region_code": "530102002001", "household_type": "alleviated",
         "poverty_exit_year": "2016", "relocated": "false", "registered_on": "2021-01-05"},
        {"household_id": "H5", "region_code": "530102002002", "household_type": "general",
         "poverty_exit_year": "", "relocated": "false", "registered_on": "2024-07-15"},
    ])
    m = lambda mid, hid, rel, sex, by, skill, joined, left="", reason="", school="none", edu="junior": {  # noqa: E731
        "member_id": mid, "household_id": hid, "relation": rel, "sex": sex, "birth_year": str(by),
        "education": edu, "in_school": school, "labor_skill": skill, "joined_on": joined,
        "left_on": left, "left_reason": reason}
    members = pd.DataFrame([
        m("P11", "H1", "head", "M", 1975, "ordinary", "2021-01-05", "2024-03-10", "death"),
        m("P12", "H1", "spouse", "F", 1978, "weak", "2021-01-05"),
        m("P13", "H1", "child", "M", 2010, "none", "2021-01-05", school="compulsory", edu="primary"),
        m("P14", "H1", "parent", "F", 1950, "none", "2021-01-05"),
        m("P15", "H1", "grandchild", "F", 2024, "none", "2024-02-01", edu="none"),
        m("P21", "H2", "head", "M", 1958, "weak", "2021-03-01"),
        m("P22", "H2", "spouse", "F", 1960, "none", "2021-03-01", "2024-09-01", "migration"),
        m("P23", "H2", "child", "F", 2005, "ordinary", "2024-08-01", school="college", edu="senior"),
        m("P31", "H3", "head", "F", 1990, "skilled", "2024-06-23", edu="college"),
        m("P41", "H4", "head", "M", 1962, "ordinary", "2021-01-05"),
        m("P51", "H5", "head", "M", 1980, "ordinary", "2024-07-15"),
    ])
    income = pd.DataFrame(_income_rows() + [
        {"household_id": "H4", "month": "2024-04", "wage": 0, "business": 0, "property": 0,
         "transfer": 300, "reported_on": "2024-05-20"},
    ])
    medical_claims = pd.DataFrame([
        {"claim_id": "C1", "member_id": "P12", "service_date": AS_OF, "kind": "inpatient",
         "diagnosis_group": "cancer", "total_cost": "30000", "reimbursed": "22000",
         "out_of_pocket": "8000", "reported_on": AS_OF},
        {"claim_id": "C2", "member_id": "P14", "service_date": "2023-09-01", "kind": "outpatient_chronic",
         "diagnosis_group": "cardio", "total_cost": "1200", "reimbursed": "900",
         "out_of_pocket": "300", "reported_on": "2023-09-20"},
        {"claim_id": "C3", "member_id": "P11", "service_date": "2024-03-01", "kind": "inpatient",
         "diagnosis_group": "injury", "total_cost": "5000", "reimbursed": "3000",
         "out_of_pocket": "2000", "reported_on": "2024-03-05"},
        {"claim_id": "C4", "member_id": "P12", "service_date": "2024-06-20", "kind": "outpatient",
         "diagnosis_group": "acute_other", "total_cost": "200", "reimbursed": "100",
         "out_of_pocket": "100", "reported_on": "2024-07-02"},
        {"claim_id": "C5", "member_id": "P21", "service_date": "2024-06-29", "kind": "outpatient",
         "diagnosis_group": "acute_other", "total_cost": "80", "reimbursed": "40",
         "out_of_pocket": "40", "reported_on": "2024-06-30"},
    ])
    assistance = pd.DataFrame([
        {"household_id": "H1", "member_id": "", "program": "dibao", "start_date": "2021-06-01",
         "end_date": "2024-04-30", "monthly_amount": "420", "reported_on": "2021-06-10"},
        {"household_id": "H1", "member_id": "P12", "program": "disability_living", "start_date": "2022-01-01",
         "end_date": "", "monthly_amount": "90", "reported_on": "2022-01-15"},
        {"household_id": "H1", "member_id": "", "program": "temporary_relief", "start_date": "2024-03-15",
         "end_date": "", "monthly_amount": "2000", "reported_on": "2024-03-20"},
        {"household_id": "H2", "member_id": "", "program": "public_job", "start_date": "2023-01-01",
         "end_date": "2024-12-31", "monthly_amount": "800", "reported_on": "2023-01-05"},
    ])
    events = pd.DataFrame([
        {"event_id": "E1", "household_id": "H1", "member_id": "P12", "event_type": "disability_certified",
         "event_date": "2021-12-10", "severity": "2", "loss_amount": "", "reported_on": "2021-12-20"},
        {"event_id": "E2", "household_id": "H1", "member_id": "P11", "event_type": "death",
         "event_date": "2024-03-10", "severity": "", "loss_amount": "", "reported_on": "2024-03-12"},
        {"event_id": "E3", "household_id": "H1", "member_id": "", "event_type": "disaster",
         "event_date": "2024-06-30", "severity": "3", "loss_amount": "6000", "reported_on": "2024-06-30"},
        {"event_id": "E4", "household_id": "H2", "member_id": "P21", "event_type": "job_loss",
         "event_date": "2024-06-01", "severity": "", "loss_amount": "", "reported_on": "2024-07-10"},
        {"event_id": "E5", "household_id": "H1", "member_id": "P14", "event_type": "chronic_registered",
         "event_date": "2023-08-01", "severity": "", "loss_amount": "", "reported_on": "2023-08-15"},
    ])
    monitoring = pd.DataFrame([
        {"household_id": "H1", "identified_on": "2022-02-01", "category": "unstable",
         "risk_types": "illness;labor", "eliminated_on": "2022-12-01", "reported_on": "2022-02-10"},
        {"household_id": "H1", "identified_on": "2024-09-01", "category": "sudden",
         "risk_types": "disaster", "eliminated_on": "", "reported_on": "2024-09-05"},
        {"household_id": "H4", "identified_on": "2024-01-10", "category": "marginal",
         "risk_types": "labor", "eliminated_on": "2024-08-01", "reported_on": "2024-01-12"},
    ])
    return {"households": households, "members": members, "income": income,
            "medical_claims": medical_claims, "assistance": assistance, "events": events,
            "monitoring": monitoring}
