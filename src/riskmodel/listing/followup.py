"""Visits close the loop: what the offices found decides who is on next week's list.

线上预警、线下核实、结果反馈: an office visits the households it was sent and records one of
four outcomes. Without this, a household visited and found fine stays rank 1 week after week
and the offices' capacity goes on households they have already seen. The rules, per
household, from its latest visit (on or before the list date):

- 无风险 (``not_at_risk``): held off the list for a cool-down (default 13 weeks, per county in
  ``serving/capacity.yaml``) unless something new was reported after the visit — an event, a
  medical claim, or a month's income below ``INCOME_DROP_SHARE`` of its usual (median) level.
- 已在帮扶中 (``already_assisted``): held off while a recurring assistance spell lasts, and in
  any case for the cool-down (the spell often reaches the data weeks after the visit).
- 确认存在风险 (``confirmed_at_risk``): shown as 待认定 (pending) outside the capacity until a
  monitoring record identified on or after the visit appears (then the household is a
  monitoring object and no longer eligible), for at most ``PENDING_WEEKS``.
- 未遇到 (``not_home``): stays on the list, still to visit, marked 已走访.

Capacity is spent on households still to visit: held and pending households do not take a
place. Each row of a list carries a status: 新进 / 上周在榜 / 已走访 / 待认定.

Pure functions over frames (the weekly run and the season replay call them the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from riskmodel.contract.regions import county_of
from riskmodel.contract.schema import ONE_OFF_PROGRAMS

OUTCOMES = ("confirmed_at_risk", "not_at_risk", "already_assisted", "not_home")
OUTCOME_ZH = {"confirmed_at_risk": "确认存在风险", "not_at_risk": "无风险", "already_assisted": "已在帮扶中",
              "not_home": "未遇到"}
STATUSES = ("new", "carried_over", "visited", "pending")
STATUS_ZH = {"new": "新进", "carried_over": "上周在榜", "visited": "已走访", "pending": "待认定"}
#: What ``decide`` does with a visited household this week.
ACTIONS = ("visit", "hold", "pending")
DEFAULT_COOLDOWN_WEEKS = 13
#: A confirmed household not identified within this many weeks is ranked like any other again
#: (the contract's horizon: identification that takes longer is not this visit's doing).
PENDING_WEEKS = 26
#: A month's total income below this share of the household's median month in the year before
#: the visit counts as an income drop (something new to look at). Half, not less: rural incomes
#: swing by a quarter or more with the seasons, which is no news.
INCOME_DROP_SHARE = 0.5
#: A claim with at least this out-of-pocket (or any inpatient stay) is news after a visit: the
#: department screen's monthly outpatient threshold (contract policy ``outpatient_oop_monthly``).
CLAIM_NEWS_OOP = 500.0
INCOME_COLUMNS = ("wage", "business", "property", "transfer")
VISITED_COLUMNS = ("household_id", "county_code", "visited_on", "outcome", "reported_since", "assisted",
                   "identified")


@dataclass(frozen=True)
class Cooldown:
    """Weeks a household found 无风险 stays off the list: a default and per-county values."""

    default_weeks: int = DEFAULT_COOLDOWN_WEEKS
    counties: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for where, weeks in (("cooldown_weeks", self.default_weeks),
                             *((f"counties[{c}].cooldown_weeks", w) for c, w in self.counties.items())):
            if not isinstance(weeks, (int, np.integer)) or isinstance(weeks, bool) or weeks < 0:
                raise ValueError(f"capacity: {where}: cool-down must be a whole number of weeks ≥ 0, got {weeks!r}")

    def weeks(self, county_codes: pd.Series) -> np.ndarray:
        """Cool-down weeks for each county code."""
        return county_codes.astype(str).map(dict(self.counties)).fillna(self.default_weeks).to_numpy(dtype=np.int64)

    def as_dict(self) -> dict:
        return {"default_weeks": int(self.default_weeks), "counties": dict(sorted(self.counties.items()))}


def latest_visits(visits: pd.DataFrame, as_of) -> pd.DataFrame:
    """One row per household: its latest visit on or before ``as_of`` (``household_id, visited_on, outcome``).

    Two visits on the same day: the one recorded last counts (rows in recording order).
    """
    t = pd.Timestamp(as_of)
    unknown = ~visits["outcome"].isin(OUTCOMES)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise ValueError(f"visits: row {i + 1}, column outcome, value {visits['outcome'].iloc[i]!r}: "
                         f"allowed {', '.join(OUTCOMES)}")
    v = visits.loc[pd.to_datetime(visits["visited_on"]) <= t, ["household_id", "visited_on", "outcome"]].copy()
    v["household_id"] = v["household_id"].astype(str)
    v["visited_on"] = pd.to_datetime(v["visited_on"])
    v = v.sort_values("visited_on", kind="stable").drop_duplicates("household_id", keep="last")
    return v.sort_values("household_id", kind="stable").reset_index(drop=True)


def _after_visit(ids: pd.Series, reported_on: pd.Series, visited_on: pd.Series) -> pd.Index:
    """Households with a record reported after their visit."""
    seen = pd.DataFrame({"household_id": ids.astype(str).to_numpy(), "reported_on": pd.to_datetime(reported_on)})
    last = seen.groupby("household_id")["reported_on"].max()
    after = last.reindex(visited_on.index) > visited_on
    return visited_on.index[after.to_numpy(dtype=bool)]


def _income_drops(income: pd.DataFrame, visited_on: pd.Series, share: float) -> pd.Index:
    """Households with a month reported after the visit below ``share`` of the year before's median."""
    inc = income.loc[income["household_id"].astype(str).isin(visited_on.index)]
    if inc.empty:
        return pd.Index([], dtype=object)
    ids = inc["household_id"].astype(str).to_numpy()
    total = inc[list(INCOME_COLUMNS)].sum(axis=1).to_numpy(dtype=float)
    reported = pd.to_datetime(inc["reported_on"]).to_numpy()
    visit = visited_on.reindex(ids).to_numpy()
    before = (reported <= visit) & (reported > visit - np.timedelta64(365, "D"))
    usual = pd.Series(total[before]).groupby(ids[before]).median()
    base = usual.reindex(ids).to_numpy()
    drop = (reported > visit) & np.isfinite(base) & (total < share * base)
    return pd.Index(np.unique(ids[drop]))


def visit_facts(latest: pd.DataFrame, tables: Mapping[str, pd.DataFrame], as_of, *,
                income_drop_share: float = INCOME_DROP_SHARE) -> pd.DataFrame:
    """What the data say about each visited household since its visit, as known at ``as_of``.

    ``latest``: ``latest_visits`` output; ``tables``: contract frames (households, members,
    income, medical_claims, assistance, events, monitoring), already cut to what was reported
    by ``as_of`` (``Panel.as_of(t).tables()``). Returns ``VISITED_COLUMNS``.
    """
    t = pd.Timestamp(as_of)
    visited_on = pd.Series(latest["visited_on"].to_numpy(), index=latest["household_id"].astype(str))
    hh = tables["households"]
    region = pd.Series(hh["region_code"].astype(str).to_numpy(), index=hh["household_id"].astype(str))
    news = set()
    ev = tables.get("events")
    if ev is not None and len(ev):
        news.update(_after_visit(ev["household_id"], ev["reported_on"], visited_on))
    cl, mem = tables.get("medical_claims"), tables.get("members")
    if cl is not None and len(cl) and mem is not None:
        owner = pd.Series(mem["household_id"].astype(str).to_numpy(), index=mem["member_id"].astype(str))
        claim_hh = cl["member_id"].astype(str).map(owner)
        big = (cl["kind"].eq("inpatient") | (cl["out_of_pocket"].astype(float) >= CLAIM_NEWS_OOP)).to_numpy()
        known = claim_hh.notna().to_numpy() & big
        news.update(_after_visit(claim_hh[known], cl.loc[known, "reported_on"], visited_on))
    inc = tables.get("income")
    if inc is not None and len(inc):
        news.update(_income_drops(inc, visited_on, income_drop_share))
    assisted = pd.Index([], dtype=object)
    asst = tables.get("assistance")
    if asst is not None and len(asst):
        end = pd.to_datetime(asst["end_date"])
        ongoing = (~asst["program"].isin(ONE_OFF_PROGRAMS) & (pd.to_datetime(asst["start_date"]) <= t)
                   & (end.isna() | (end > t)))
        assisted = pd.Index(asst.loc[ongoing, "household_id"].astype(str).unique())
    identified = pd.Index([], dtype=object)
    mon = tables.get("monitoring")
    if mon is not None and len(mon):
        identified = _after_visit(mon["household_id"], mon["identified_on"], visited_on - pd.Timedelta(days=1))
    ids = visited_on.index
    return pd.DataFrame({
        "household_id": ids.to_numpy(dtype=object),
        "county_code": county_of(ids.map(region).astype(str)).to_numpy(),
        "visited_on": visited_on.to_numpy(),
        "outcome": latest["outcome"].to_numpy(),
        "reported_since": ids.isin(list(news)), "assisted": ids.isin(assisted), "identified": ids.isin(identified),
    }, columns=list(VISITED_COLUMNS))


def decide(visited: pd.DataFrame, as_of, cooldown: Cooldown = Cooldown()) -> pd.DataFrame:
    """This week's action for each visited household: ``visit``, ``hold`` or ``pending``.

    ``visited``: ``VISITED_COLUMNS`` (one row per household, its latest visit). Returns
    ``household_id, action, visited_on, outcome, recent`` — ``recent``: the visit lies inside
    the cool-down (a listed household is then shown as 已走访).
    """
    t = pd.Timestamp(as_of)
    out = visited[["household_id", "visited_on", "outcome"]].copy()
    weeks = cooldown.weeks(visited["county_code"])
    age = (t - pd.to_datetime(visited["visited_on"])).dt.days.to_numpy()
    recent = age < 7 * weeks
    outcome = visited["outcome"].to_numpy()
    news = visited["reported_since"].to_numpy(dtype=bool)
    assisted = visited["assisted"].to_numpy(dtype=bool)
    identified = visited["identified"].to_numpy(dtype=bool)
    hold = (((outcome == "not_at_risk") & recent & ~news)
            | ((outcome == "already_assisted") & (assisted | (recent & ~news))))
    pending = (outcome == "confirmed_at_risk") & ~identified & (age < 7 * PENDING_WEEKS)
    out["action"] = np.where(pending, "pending", np.where(hold, "hold", "visit"))
    out["recent"] = recent
    return out.reset_index(drop=True)


def status(household_ids: pd.Series, decided: pd.DataFrame, previous_ids: Iterable[str] | None) -> pd.Series:
    """Status code of each listed household (``STATUSES``): 待认定 > 已走访 > 上周在榜 > 新进."""
    ids = household_ids.astype(str)
    d = decided.set_index(decided["household_id"].astype(str))
    pending = ids.map(d["action"]).eq("pending").to_numpy()
    visited = ids.map(d["recent"]).eq(True).to_numpy()
    before = ids.isin(pd.Index([str(i) for i in (previous_ids if previous_ids is not None else [])])).to_numpy()
    codes = np.where(pending, "pending", np.where(visited, "visited", np.where(before, "carried_over", "new")))
    return pd.Series(codes, index=household_ids.index, dtype=object)


def with_later_visits(status_codes: pd.Series, outcome_since: pd.Series) -> pd.Series:
    """Listed households' status codes with visits recorded after the list date laid over them,
    by the same precedence as ``status``: a visit makes a household ``visited``, a confirmed one
    ``pending``; ``pending`` stays. ``outcome_since``: the latest outcome recorded since, or NA.

    Next week's run decides what the visit means for the list; until then the pages show it.
    """
    out = status_codes.astype(object).copy()
    visited = outcome_since.notna().to_numpy()
    out[visited & (out != "pending").to_numpy()] = "visited"
    out[(outcome_since == "confirmed_at_risk").to_numpy()] = "pending"
    return out

