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
from riskmodel.contract.columns import positions
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
    """``values`` summed (or maxed) per eligible household, 0 for those without rows.

    Grouped by the household's position among ``ids`` (an Arrow lookup, not a hash of Python
    strings); each group keeps its rows' order, so the sums are the same to the last bit.
    """
    at = positions(keys, ids)
    inside = at >= 0
    grouped = values.reset_index(drop=True).loc[inside].groupby(at[inside], sort=False)
    return _spread(grouped.sum() if how == "sum" else grouped.max(), ids)


def _spread(by_position: pd.Series, ids: pd.Index) -> pd.Series:
    """Values indexed by position among ``ids`` as one value per eligible household, 0 elsewhere."""
    out = np.zeros(len(ids))
    out[by_position.index.to_numpy()] = by_position.to_numpy(dtype=float)
    return pd.Series(out, index=ids)


def _count(keys, ids: pd.Index) -> pd.Series:
    """Rows per eligible household (``keys``: the rows' household ids)."""
    at = positions(keys, ids)
    return pd.Series(np.bincount(at[at >= 0], minlength=len(ids)), index=ids)


class _Screen:
    """What every rule reads: the view as of ``t``, the eligible ids, their households and size."""

    def __init__(self, panel: Panel, t: pd.Timestamp):
        self.t = t
        self.view = panel.as_of(t)
        self.ids = pd.Index(eligible(panel, t), name="household_id")
        hh = self.view.households
        self.households = hh.iloc[positions(self.ids, hh["household_id"])].set_index("household_id")
        self.alerts = panel.policy.dept_alerts
        self.line = panel.policy.line(t.year)
        members = self.view.members
        self.present = members.loc[members["left_on"].isna().to_numpy()]
        self.size = _count(self.present["household_id"], self.ids).clip(lower=1).astype(float)

    def count(self, frame: pd.DataFrame) -> pd.Series:
        """Rows of ``frame`` per eligible household."""
        return _count(frame["household_id"], self.ids)


#: A rule's result: the flag and how far it is exceeded (in [0, 1]) per eligible household.
Rule = tuple[np.ndarray, np.ndarray]


def _income_rule(s: _Screen) -> Rule:
    """Trailing 12 reported months, annualised per person, below the year's monitoring line."""
    month0 = s.t.to_period("M").to_timestamp() - pd.DateOffset(months=11)
    inc = s.view.income.loc[(s.view.income["month"] >= month0).to_numpy()]
    total = inc["wage"] + inc["business"] + inc["property"] + inc["transfer"]
    inc_sum = _per_household(total, inc["household_id"], s.ids)
    inc_months = s.count(inc)
    per_capita = (inc_sum / inc_months.where(inc_months > 0) * 12.0 / s.size).to_numpy()
    with np.errstate(invalid="ignore"):
        flag = np.nan_to_num(per_capita, nan=np.inf) < s.line
    return flag, np.clip(1.0 - np.nan_to_num(per_capita, nan=s.line) / s.line, 0.0, 1.0)


#: The claims' columns the medical rules read (``_inpatient_rule``, ``_outpatient_rule``).
CLAIM_COLUMNS = ("service_date", "kind", "out_of_pocket")


def _claims(s: _Screen) -> pd.DataFrame:
    """Claims of known members with their household (an inner join on the contract's unique member ids)."""
    claims, members = s.view.medical_claims, s.view.members
    at = positions(claims["member_id"], members["member_id"])
    known = np.flatnonzero(at >= 0)
    # only the columns the rules read: a province's claims are millions of rows on every date
    out = pd.DataFrame({c: claims[c].array.take(known) for c in CLAIM_COLUMNS})
    out["household_id"] = members["household_id"].array.take(at[known])
    return out


def _inpatient_rule(s: _Screen, claims: pd.DataFrame) -> Rule:
    """Inpatient out-of-pocket of the trailing 12 months at the household type's threshold."""
    recent = claims.loc[(claims["service_date"] > s.t - pd.Timedelta(days=365)).to_numpy()]
    inpatient = recent.loc[(recent["kind"] == "inpatient").to_numpy()]
    oop = _per_household(inpatient["out_of_pocket"], inpatient["household_id"], s.ids).to_numpy()
    alleviated = (s.households["household_type"] == "alleviated").fillna(False).to_numpy(dtype=bool)
    threshold = np.where(alleviated, s.alerts.inpatient_oop_alleviated, s.alerts.inpatient_oop_general)
    return oop >= np.maximum(threshold, 1e-9), 1.0 - np.minimum(threshold / np.maximum(oop, 1e-9), 1.0)


def _outpatient_rule(s: _Screen, claims: pd.DataFrame) -> Rule:
    """Outpatient out-of-pocket in one month of the trailing 3 months at the monthly threshold."""
    first_month = s.t.to_period("M").to_timestamp() - pd.DateOffset(months=2)
    outp = claims.loc[(claims["kind"] != "inpatient").to_numpy() & (claims["service_date"] >= first_month).to_numpy()]
    at = positions(outp["household_id"], s.ids)
    inside = at >= 0
    date = outp["service_date"]
    month = (date.dt.year * 12 + date.dt.month).to_numpy()[inside]  # a number per calendar month
    by_month = outp["out_of_pocket"].reset_index(drop=True).loc[inside].groupby([at[inside], month], sort=False).sum()
    oop = _spread(by_month.groupby(level=0).max(), s.ids).to_numpy()
    threshold = s.alerts.outpatient_oop_monthly
    return oop >= max(threshold, 1e-9), 1.0 - np.minimum(threshold / np.maximum(oop, 1e-9), 1.0)


def _push_rules(s: _Screen) -> dict[str, Rule]:
    """A disaster or accident push dated in the trailing ``PUSH_WINDOW_DAYS``."""
    ev = s.view.events.loc[(s.view.events["event_date"] > s.t - pd.Timedelta(days=PUSH_WINDOW_DAYS)).to_numpy()]
    out = {}
    for kind in ("disaster", "accident"):
        n = s.count(ev.loc[(ev["event_type"] == kind).to_numpy()]).to_numpy()
        out[kind] = (n > 0, 1.0 - 1.0 / (1.0 + n))
    return out


def _education_rule(s: _Screen) -> Rule:
    """Estimated yearly fees of members in non-compulsory schooling above the threshold."""
    stage_fee = s.present["in_school"].astype(object).map(STAGE_FEES).fillna(0.0).astype(float)
    fees = _per_household(stage_fee, s.present["household_id"], s.ids).to_numpy()
    threshold = s.alerts.education_fees
    return fees > threshold, 1.0 - np.minimum(threshold / np.maximum(fees, 1e-9), 1.0)


def _ranked(ids: pd.Index, rules: dict[str, Rule]) -> pd.DataFrame:
    """``rule_score`` lexicographic in the flags by ``SEVERITY_ORDER``, then the first flag's severity."""
    n = len(SEVERITY_ORDER)
    score = np.zeros(len(ids))
    top = np.full(len(ids), None, dtype=object)
    top_sev = np.zeros(len(ids))
    for i, name in enumerate(SEVERITY_ORDER):
        f = np.asarray(rules[name][0], dtype=bool)
        score += f * 2.0 ** (n - i)
        first = f & (top == None)  # noqa: E711  (object array comparison)
        top[first] = name
        top_sev[first] = rules[name][1][first]
    score += 0.999 * np.clip(top_sev, 0.0, 1.0)
    out = pd.DataFrame({"household_id": ids.astype("string[pyarrow]"), "rule_score": score,
                        "top_flag": pd.array(top, dtype="string[pyarrow]")})
    for name in SEVERITY_ORDER:
        out[f"flag_{name}"] = np.asarray(rules[name][0], dtype=bool)
    return out.sort_values(["rule_score", "household_id"], ascending=[False, True], kind="mergesort",
                           ignore_index=True)


def dept_screen(panel: Panel, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """The rule screen as of ``as_of`` for eligible households, highest ``rule_score`` first.

    Columns: ``household_id``, ``rule_score``, ``top_flag`` (name from ``SEVERITY_ORDER`` or
    NA) and one boolean ``flag_<name>`` per rule. Uses only records reported by ``as_of``.
    """
    s = _Screen(panel, pd.Timestamp(as_of))
    claims = _claims(s)
    rules = {"income": _income_rule(s), "inpatient": _inpatient_rule(s, claims), **_push_rules(s),
             "outpatient": _outpatient_rule(s, claims), "education": _education_rule(s)}
    return _ranked(s.ids, rules)


from riskmodel.rules.must_visit import MUST_VISIT_ORDER, must_visit, must_visit_scores  # noqa: E402

__all__ = ["MUST_VISIT_ORDER", "PUSH_WINDOW_DAYS", "SEVERITY_ORDER", "STAGE_FEES", "dept_screen", "must_visit",
           "must_visit_scores"]
