"""The departmental rule screen (部门筛查预警): the baseline every model must beat.

Monitoring offices today act on pushes from other departments: households whose per-capita
income falls below the year's monitoring line, large medical out-of-pocket bills, high school
fees, disasters and accidents. ``dept_screen`` applies those published rules as of a date, with
thresholds from the data directory's ``policy.yaml``, and ranks the flagged households by a
documented severity order (``SEVERITY_ORDER``), so that "the rule" is a list of any size and
can be compared with a model at the same capacity.

Ranking: ``rule_score`` is lexicographic in the flags (a household with the first flag in
``SEVERITY_ORDER`` outranks any household without it; among equal first flags the next flag
decides, and so on), then by how far the most severe flag is exceeded (a fraction in [0, 1)).
Households with no flag score 0 and come last (ties are broken by ``household_id`` wherever
a list is cut).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract import Panel
from riskmodel.labels import eligible

#: Flags from most to least severe (documented order of the screen).
SEVERITY_ORDER: tuple[str, ...] = (
    "income",      # per-capita income of the trailing 12 months below the year's monitoring line
    "inpatient",   # inpatient out-of-pocket of the trailing 12 months >= 5,000 (alleviated) / 20,000 (general)
    "disaster",    # a disaster push (灾情) dated in the trailing 13 weeks
    "accident",    # an accident push dated in the trailing 13 weeks
    "outpatient",  # outpatient out-of-pocket >= 500 in one month of the trailing 3 months
    "education",   # estimated non-compulsory school fees > 10,000 a year
)

#: Days a disaster or accident push stays "recent".
PUSH_WINDOW_DAYS = 91
#: The contract carries no fee records, so fees are estimated from the school stage of members
#: (在校生情况) at typical yearly costs of tuition and boarding for rural students.
STAGE_FEES: dict[str, float] = {"senior": 4000.0, "vocational": 3000.0, "college": 12000.0}


def _per_household(values: pd.Series, keys: pd.Series, ids: pd.Index, how: str = "sum") -> pd.Series:
    grouped = values.groupby(keys.to_numpy(), sort=False)
    agg = grouped.sum() if how == "sum" else grouped.max()
    return agg.reindex(ids, fill_value=0.0).astype(float)


def dept_screen(panel: Panel, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """The rule screen as of ``as_of`` for eligible households, highest ``rule_score`` first.

    Columns: ``household_id``, ``rule_score``, ``top_flag`` (name from ``SEVERITY_ORDER`` or
    NA) and one boolean ``flag_<name>`` per rule. Uses only records reported by ``as_of``.
    """
    t = pd.Timestamp(as_of)
    view = panel.as_of(t)
    ids = pd.Index(eligible(panel, t), name="household_id")
    hh = view.households.set_index("household_id").reindex(ids)
    alerts = panel.policy.dept_alerts

    members = view.members
    present = members.loc[members["left_on"].isna().to_numpy()]
    size = present.groupby(present["household_id"].to_numpy(), sort=False).size().reindex(ids, fill_value=0)
    size = size.clip(lower=1).astype(float)

    # income: trailing 12 reported months, annualised per person
    month0 = t.to_period("M").to_timestamp() - pd.DateOffset(months=11)
    inc = view.income.loc[(view.income["month"] >= month0).to_numpy()]
    total = inc["wage"] + inc["business"] + inc["property"] + inc["transfer"]
    inc_sum = _per_household(total, inc["household_id"], ids)
    inc_months = inc.groupby(inc["household_id"].to_numpy(), sort=False).size().reindex(ids, fill_value=0)
    per_capita = (inc_sum / inc_months.where(inc_months > 0) * 12.0 / size).to_numpy()
    line = panel.policy.line(t.year)
    with np.errstate(invalid="ignore"):
        flag_income = np.nan_to_num(per_capita, nan=np.inf) < line
    sev_income = np.clip(1.0 - np.nan_to_num(per_capita, nan=line) / line, 0.0, 1.0)

    # medical out-of-pocket
    claims = view.medical_claims.merge(
        view.members[["member_id", "household_id"]], on="member_id", how="inner", validate="many_to_one")
    recent = claims.loc[(claims["service_date"] > t - pd.Timedelta(days=365)).to_numpy()]
    inpatient = recent.loc[(recent["kind"] == "inpatient").to_numpy()]
    oop_in = _per_household(inpatient["out_of_pocket"], inpatient["household_id"], ids).to_numpy()
    alleviated = (hh["household_type"] == "alleviated").fillna(False).to_numpy(dtype=bool)
    threshold_in = np.where(alleviated, alerts.inpatient_oop_alleviated, alerts.inpatient_oop_general)
    flag_inpatient = oop_in >= np.maximum(threshold_in, 1e-9)
    sev_inpatient = 1.0 - np.minimum(threshold_in / np.maximum(oop_in, 1e-9), 1.0)

    first_month = t.to_period("M").to_timestamp() - pd.DateOffset(months=2)
    outp = claims.loc[(claims["kind"] != "inpatient").to_numpy() & (claims["service_date"] >= first_month).to_numpy()]
    by_month = outp.groupby([outp["household_id"].to_numpy(), outp["service_date"].dt.to_period("M").to_numpy()],
                            sort=False)["out_of_pocket"].sum()
    oop_out = by_month.groupby(level=0).max().reindex(ids, fill_value=0.0).to_numpy(dtype=float)
    flag_outpatient = oop_out >= max(alerts.outpatient_oop_monthly, 1e-9)
    sev_outpatient = 1.0 - np.minimum(alerts.outpatient_oop_monthly / np.maximum(oop_out, 1e-9), 1.0)

    # pushes
    ev = view.events.loc[(view.events["event_date"] > t - pd.Timedelta(days=PUSH_WINDOW_DAYS)).to_numpy()]
    flags_push, sev_push = {}, {}
    for kind in ("disaster", "accident"):
        e = ev.loc[(ev["event_type"] == kind).to_numpy()]
        n = e.groupby(e["household_id"].to_numpy(), sort=False).size().reindex(ids, fill_value=0).to_numpy()
        flags_push[kind] = n > 0
        sev_push[kind] = 1.0 - 1.0 / (1.0 + n)

    # education: estimated yearly fees of members in non-compulsory schooling
    stage_fee = present["in_school"].astype(object).map(STAGE_FEES).fillna(0.0).astype(float)
    fees = _per_household(stage_fee, present["household_id"], ids).to_numpy()
    flag_education = fees > alerts.education_fees
    sev_education = 1.0 - np.minimum(alerts.education_fees / np.maximum(fees, 1e-9), 1.0)

    flags = {
        "income": flag_income, "inpatient": flag_inpatient, "disaster": flags_push["disaster"],
        "accident": flags_push["accident"], "outpatient": flag_outpatient, "education": flag_education,
    }
    severity = {
        "income": sev_income, "inpatient": sev_inpatient, "disaster": sev_push["disaster"],
        "accident": sev_push["accident"], "outpatient": sev_outpatient, "education": sev_education,
    }
    n = len(SEVERITY_ORDER)
    score = np.zeros(len(ids))
    top = np.full(len(ids), None, dtype=object)
    top_sev = np.zeros(len(ids))
    for i, name in enumerate(SEVERITY_ORDER):
        f = np.asarray(flags[name], dtype=bool)
        score += f * 2.0 ** (n - i)
        first = f & (top == None)  # noqa: E711  (object array comparison)
        top[first] = name
        top_sev[first] = severity[name][first]
    score += 0.999 * np.clip(top_sev, 0.0, 1.0)

    out = pd.DataFrame({"household_id": ids.astype("string[pyarrow]"), "rule_score": score,
                        "top_flag": pd.array(top, dtype="string[pyarrow]")})
    for name in SEVERITY_ORDER:
        out[f"flag_{name}"] = np.asarray(flags[name], dtype=bool)
    return out.sort_values(["rule_score", "household_id"], ascending=[False, True], kind="mergesort",
                           ignore_index=True)


from riskmodel.rules.must_visit import MUST_VISIT_ORDER, must_visit, must_visit_scores  # noqa: E402

__all__ = ["MUST_VISIT_ORDER", "PUSH_WINDOW_DAYS", "SEVERITY_ORDER", "STAGE_FEES", "dept_screen", "must_visit",
           "must_visit_scores"]
