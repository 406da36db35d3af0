"""The correctness oracle: a naive, per-household Python implementation of features.yaml.

It reads ``panel.as_of(t)`` (the contract's own point-in-time view) and walks each household's
records one by one with plain dates and lists, following the words in features.yaml. Slow on
purpose; the fast pipeline must agree with it on small panels.
"""

from __future__ import annotations

import math
import statistics

import pandas as pd

from riskmodel.contract import Panel
from riskmodel.features import feature_names

NAN = float("nan")


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict("records"):
        out.append({k: (None if (v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v))) else v)
                    for k, v in rec.items()})
    return out


def _by(records: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in records:
        out.setdefault(r[key], []).append(r)
    return out


def _mean(xs):
    return sum(xs) / len(xs) if xs else NAN


def _ratio(a, b):
    if b is None or a is None or (isinstance(b, float) and math.isnan(b)) or b == 0:
        return NAN
    return a / b


def reference_features(panel: Panel, as_of) -> pd.DataFrame:
    t = pd.Timestamp(as_of)
    view = panel.as_of(t)
    line = panel.policy.line(t.year)
    households = _records(view.households)
    # skills and schooling as the latest member_status row known at t says, else as registered
    members = _records(view.members if view.member_status is None else view.member_attributes(t))
    member_hh = {m["member_id"]: m["household_id"] for m in members}
    members_by = _by(members, "household_id")
    income_by = _by(_records(view.income), "household_id")
    claims_by: dict[str, list[dict]] = {}
    for c in _records(view.medical_claims):
        if c["member_id"] in member_hh:
            claims_by.setdefault(member_hh[c["member_id"]], []).append(c)
    assist_by = _by(_records(view.assistance), "household_id")
    events_by = _by(_records(view.events), "household_id")
    monitoring_by = _by(_records(view.monitoring), "household_id")

    # the last complete month: the latest month whose last day is on or before t
    last = pd.Period(t, "M") if (t + pd.Timedelta(days=1)).month != t.month else pd.Period(t, "M") - 1

    def days_ago(d) -> int:
        return (t - pd.Timestamp(d)).days

    rows = []
    for h in sorted(households, key=lambda r: r["household_id"]):
        hid = h["household_id"]
        mon = monitoring_by.get(hid, [])
        if any(m["identified_on"] <= t and (m["eliminated_on"] is None or m["eliminated_on"] > t) for m in mon):
            continue  # an open monitoring object is not eligible
        f: dict[str, float] = {}

        # --- composition
        mem = members_by.get(hid, [])
        current = [m for m in mem if m["left_on"] is None]  # as_of already hid later departures
        size = len(current)
        age = {m["member_id"]: t.year - m["birth_year"] for m in mem}
        capable = lambda m: m["labor_skill"] in ("skilled", "ordinary")  # noqa: E731
        f["hh_size"] = size
        f["labor_capable"] = sum(1 for m in current if 16 <= age[m["member_id"]] <= 64 and capable(m))
        f["weak_labor"] = sum(1 for m in current if 16 <= age[m["member_id"]] <= 64 and not capable(m))
        f["elderly_65plus"] = sum(1 for m in current if age[m["member_id"]] >= 65)
        f["children_under16"] = sum(1 for m in current if age[m["member_id"]] < 16)
        f["elderly_only"] = (1.0 if all(age[m["member_id"]] >= 60 for m in current) else 0.0) if size else NAN
        f["dependency_ratio"] = (f["children_under16"] + f["elderly_65plus"]) / size if size else NAN
        f["students_compulsory"] = sum(1 for m in current if m["in_school"] == "compulsory")
        f["students_senior"] = sum(1 for m in current if m["in_school"] in ("senior", "vocational"))
        f["students_college"] = sum(1 for m in current if m["in_school"] == "college")
        f["working_age_members"] = sum(1 for m in current if 16 <= age[m["member_id"]] <= 64)
        for stage, (lo, hi) in (("compulsory", (6, 15)), ("senior", (16, 18)), ("college", (19, 22))):
            f[f"school_age_{stage}"] = sum(1 for m in current if lo <= age[m["member_id"]] <= hi)
        f["members_joined_12m"] = sum(1 for m in mem if days_ago(m["joined_on"]) < 365)
        left = [m for m in mem if m["left_on"] is not None and days_ago(m["left_on"]) < 365]
        f["members_left_12m"] = len(left)
        f["earner_death_12m"] = sum(
            1 for m in left
            if m["left_reason"] == "death" and capable(m) and 16 <= m["left_on"].year - m["birth_year"] <= 64)

        # --- income
        per_month = {pd.Period(r["month"], "M"): r for r in income_by.get(hid, [])}
        total = {p: r["wage"] + r["business"] + r["property"] + r["transfer"] for p, r in per_month.items()}

        def window(lo: int, hi: int) -> list[float]:
            return [total[last - a] for a in range(lo, hi) if (last - a) in total]

        pc = lambda monthly: monthly * 12 / size if size else NAN  # noqa: E731
        m3, m6, m12 = _mean(window(0, 3)), _mean(window(0, 6)), _mean(window(0, 12))
        p3, p12 = _mean(window(12, 15)), _mean(window(12, 24))
        f["income_pc_3m"], f["income_pc_6m"], f["income_pc_12m"] = pc(m3), pc(m6), pc(m12)
        f["income_line_ratio_3m"] = f["income_pc_3m"] / line
        f["income_line_ratio_6m"] = f["income_pc_6m"] / line
        f["income_line_ratio_12m"] = f["income_pc_12m"] / line
        recent = sorted((p for p in total if 0 <= (last - p).n < 24), reverse=True)[:3]
        f["income_pc_latest3"] = pc(_mean([total[p] for p in recent]))
        f["income_line_ratio_latest3"] = f["income_pc_latest3"] / line
        f["income_yoy_change_3m"] = pc(m3 - p3)
        f["income_yoy_change_12m"] = pc(m12 - p12)
        f["income_yoy_rel_12m"] = _ratio(m12 - p12, abs(p12))
        w12 = window(0, 12)
        f["income_volatility_12m"] = statistics.pstdev([pc(x) for x in w12]) if len(w12) >= 2 and size else NAN
        months12 = [last - a for a in range(12) if (last - a) in per_month]
        sum12 = sum(total[p] for p in months12)
        for src in ("wage", "business", "property", "transfer"):
            f[f"income_share_{src}_12m"] = sum(per_month[p][src] for p in months12) / sum12 if sum12 > 0 else NAN
        for src in ("wage", "business"):
            def src_window(lo: int, hi: int, src=src) -> list[float]:
                return [per_month[last - a][src] for a in range(lo, hi) if (last - a) in per_month]
            f[f"{src}_pc_12m"] = pc(_mean(src_window(0, 12)))
            f[f"{src}_yoy_change_12m"] = pc(_mean(src_window(0, 12)) - _mean(src_window(12, 24)))
            if src == "wage":
                f["wage_trend_3m"] = pc(_mean(src_window(0, 3)) - _mean(src_window(3, 6)))
                w = src_window(0, 12)
                f["wage_volatility_12m"] = statistics.pstdev([pc(x) for x in w]) if len(w) >= 2 and size else NAN
        recent12 = sorted((p for p in total if 0 <= (last - p).n < 24), reverse=True)[:12]
        mean12 = _mean([total[p] for p in recent12])
        f["income_pc_last12"] = pc(mean12)
        this_year = [p for p in total if p.year == t.year and p <= last]
        f["projected_income_pc_year"] = ((sum(total[p] for p in this_year) + (12 - len(this_year)) * mean12) / size
                                         if size else NAN)
        f["projected_income_line_ratio"] = f["projected_income_pc_year"] / line
        f["income_months_unreported_12m"] = 12 - len(months12)
        f["income_months_since_report"] = float((last - recent[0]).n) if recent else NAN

        # --- medical
        claims = [c for c in claims_by.get(hid, []) if days_ago(c["service_date"]) < 365]
        oop12 = sum(c["out_of_pocket"] for c in claims)
        f["oop_3m"] = sum(c["out_of_pocket"] for c in claims if days_ago(c["service_date"]) < 91)
        f["oop_12m"] = oop12
        f["inpatient_stays_12m"] = sum(1 for c in claims if c["kind"] == "inpatient")
        f["inpatient_oop_12m"] = sum(c["out_of_pocket"] for c in claims if c["kind"] == "inpatient")
        f["chronic_outpatient_oop_12m"] = sum(c["out_of_pocket"] for c in claims if c["kind"] == "outpatient_chronic")
        for g in ("cancer", "cardio", "renal", "mental", "injury"):
            f[f"dx_{g}_12m"] = sum(1 for c in claims if c["diagnosis_group"] == g)
        decay = lambda d: 0.5 ** (days_ago(d) / 182.5)  # noqa: E731
        f["medical_burden_pc"] = sum(c["out_of_pocket"] * decay(c["service_date"]) for c in claims) / size if size else NAN
        annual = m12 * 12
        f["oop_income_ratio_12m"] = oop12 / annual if annual > 0 else NAN  # NaN > 0 is False
        f["oop_line_ratio_12m"] = oop12 / (size * line) if size else NAN

        # --- events
        events = events_by.get(hid, [])
        ev12 = [e for e in events if days_ago(e["event_date"]) < 365]

        def who(kind: str) -> int:
            keys = {("m", e["member_id"]) if e["member_id"] is not None else ("e", e["event_id"])
                    for e in events if e["event_type"] == kind}
            return len(keys)

        f["chronic_registered_members"] = who("chronic_registered")
        f["disabled_members"] = who("disability_certified")
        grades = [e["severity"] for e in events if e["event_type"] == "disability_certified" and e["severity"] is not None]
        f["disability_grade_min"] = min(grades) if grades else NAN
        f["disability_certified_12m"] = sum(1 for e in ev12 if e["event_type"] == "disability_certified")
        for kind in ("job_loss", "business_failure", "disaster", "accident", "housing_unsafe",
                     "water_unsafe", "school_dropout", "uninsured"):
            f[f"{kind}_12m"] = sum(1 for e in ev12 if e["event_type"] == kind)
        f["death_event_12m"] = sum(1 for e in ev12 if e["event_type"] == "death")
        grades = [e["severity"] for e in ev12 if e["event_type"] == "disaster" and e["severity"] is not None]
        f["disaster_severity_max_12m"] = max(grades) if grades else NAN
        f["event_loss_12m"] = sum(e["loss_amount"] or 0.0 for e in ev12)
        for kind in ("disaster", "accident"):
            loss = sum((e["loss_amount"] or 0.0) * decay(e["event_date"]) for e in ev12 if e["event_type"] == kind)
            f[f"{kind}_loss_pc"] = loss / size if size else NAN
        adverse = [days_ago(e["event_date"]) for e in events
                   if e["event_type"] not in ("birth", "disability_certified", "chronic_registered")]
        f["days_since_adverse_event"] = min(adverse) if adverse else NAN

        # --- assistance
        spells = assist_by.get(hid, [])
        one_off = ("temporary_relief", "medical_relief", "poverty_insurance")
        recurring = [s for s in spells if s["program"] not in one_off]
        active = [s for s in recurring if s["end_date"] is None or s["end_date"] > t]
        ended = [s for s in recurring if s["end_date"] is not None and s["end_date"] <= t]
        has = lambda *names: 1.0 if any(s["program"] in names for s in active) else 0.0  # noqa: E731
        f["dibao_active"] = has("dibao")
        f["tekun_active"] = has("tekun")
        f["assistance_programs_active"] = len({s["program"] for s in active})
        f["assistance_monthly_active"] = sum(s["monthly_amount"] for s in active)
        f["recurring_assistance_pc"] = 12 * f["assistance_monthly_active"] / size if size else NAN
        f["dibao_started_12m"] = 1.0 if any(s["program"] == "dibao" and 0 <= days_ago(s["start_date"]) < 365
                                            for s in spells) else 0.0
        dibao_ends = [days_ago(s["end_date"]) for s in ended if s["program"] == "dibao"]
        since = min(dibao_ends) if dibao_ends and not f["dibao_active"] else NAN
        f["days_since_dibao_ended"] = since
        f["dibao_ended_12m"] = 1.0 if since < 365 else 0.0
        f["assistance_ended_6m"] = sum(1 for s in ended if days_ago(s["end_date"]) < 182)
        f["one_off_relief_12m"] = sum(s["monthly_amount"] for s in spells
                                      if s["program"] in one_off and days_ago(s["start_date"]) < 365)
        f["public_job_active"] = has("public_job")
        f["disability_subsidy_active"] = has("disability_living", "disability_care")
        f["education_aid_active"] = has("education_aid")
        f["industry_dividend_active"] = has("industry_dividend")

        # --- monitoring history
        gone = [m["eliminated_on"] for m in mon if m["eliminated_on"] is not None and m["eliminated_on"] <= t]
        f["monitored_before"] = len(gone)
        f["days_since_eliminated"] = days_ago(max(gone)) if gone else NAN

        # --- static
        f["alleviated"] = 1.0 if h["household_type"] == "alleviated" else 0.0
        f["poverty_exit_year"] = float(h["poverty_exit_year"]) if h["poverty_exit_year"] is not None else NAN
        f["relocated"] = 1.0 if h["relocated"] else 0.0
        f["days_registered"] = days_ago(h["registered_on"])

        # --- resources
        nz = lambda v: 0.0 if math.isnan(v) else v  # noqa: E731
        school = 1000 * f["school_age_compulsory"] + 3600 * f["school_age_senior"] + 6000 * f["school_age_college"]
        f["school_cost_pc"] = school / size if size else NAN
        workers = max(f["working_age_members"] - f["school_age_senior"] - f["school_age_college"], 0)
        f["labor_gap_pc"] = line * max(size - 3 * workers, 0) / size if size else NAN
        income = f["income_pc_last12"] + nz(f["recurring_assistance_pc"])
        f["resources_pc"] = (income - nz(f["medical_burden_pc"]) - nz(f["disaster_loss_pc"])
                             - nz(f["accident_loss_pc"]) - nz(f["school_cost_pc"]))
        f["resources_line_ratio"] = f["resources_pc"] / line
        explained = (nz(f["labor_gap_pc"]) + max(-nz(f["wage_yoy_change_12m"]), 0.0)
                     + max(-nz(f["business_yoy_change_12m"]), 0.0))
        f["unexplained_gap_pc"] = NAN if math.isnan(income) else max(line - income - explained, 0.0)
        f["as_of_month"] = t.month

        rows.append({"household_id": hid, "region_code": h["region_code"],
                     **{name: float(f[name]) for name in feature_names()}})
    columns = ["household_id", "region_code", *feature_names()]
    return pd.DataFrame(rows, columns=columns)
