"""The suggested monitoring category (监测类别) of a listed household, documented rule,
first match wins:

1. ``sudden`` 突发严重困难户 — a sudden shock in the trailing ``SHOCK_WINDOW_DAYS``: a disaster,
   accident, death of a member, business failure or job loss push, or an inpatient
   out-of-pocket bill at or above the general households' alert threshold;
2. ``unstable`` 脱贫不稳定户 — otherwise, an alleviated household (脱贫户);
3. ``marginal`` 边缘易致贫户 — otherwise (a general household near the line).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from riskmodel.contract import CATEGORY_ZH, Panel
from riskmodel.contract.columns import ID_DTYPE, SMALL, equals, positions, positions_at, text_values

#: Days a shock counts as "recent" for the sudden category.
SHOCK_WINDOW_DAYS = 91
SHOCK_EVENTS = ("disaster", "accident", "death", "business_failure", "job_loss")


def suggest_category(panel: Panel, as_of: str | pd.Timestamp, household_ids: Iterable[str]) -> pd.DataFrame:
    """Suggested monitoring category per household (see the module docstring for the rule).

    Returns ``household_id, category, category_zh`` in the order of ``household_ids``. Only
    what is known at ``as_of`` counts (rows reported by then, members who had joined).
    """
    # no round trip through Python strings for an Arrow column (slow on a million ids)
    ids = pd.array(household_ids if hasattr(household_ids, "__len__") else list(household_ids), dtype=ID_DTYPE)
    category = categories(panel, as_of, ids)
    return pd.DataFrame({"household_id": ids, "category": category,
                         "category_zh": [CATEGORY_ZH[c] for c in category]})


def categories(panel: Panel, as_of: str | pd.Timestamp, ids) -> np.ndarray:
    """``suggest_category``'s category codes alone (an object array), for ids as an id array."""
    t = pd.Timestamp(as_of).to_datetime64()
    since = t - np.timedelta64(SHOCK_WINDOW_DAYS, "D")
    n = len(ids)

    ev = panel.columns("events")
    hit = (ev["reported_on"] <= t) & (ev["event_date"] > since) & equals(ev["event_type"], *SHOCK_EVENTS)
    at = positions_at(ev["household_id"], np.flatnonzero(hit), ids)
    shocked = np.bincount(at[at >= 0], minlength=n)[:n] > 0

    claims = panel.columns("medical_claims")
    big = np.flatnonzero((claims["reported_on"] <= t) & (claims["service_date"] > since)
                         & equals(claims["kind"], "inpatient"))
    if len(big):
        members = panel.columns("members")
        joined = np.flatnonzero(members["joined_on"] <= t)
        member = positions(_take(claims["member_id"], big), _take(members["member_id"], joined))
        owner = np.full(len(big), -1, dtype=np.intp)
        owner[member >= 0] = positions_at(members["household_id"], joined[member[member >= 0]], ids)
        ok = owner >= 0
        oop = np.bincount(owner[ok], weights=np.asarray(claims["out_of_pocket"])[big][ok], minlength=n)[:n]
        shocked |= oop >= panel.policy.dept_alerts.inpatient_oop_general

    hh = panel.columns("households")
    row = positions(ids, hh["household_id"])
    known = row >= 0
    alleviated = np.zeros(n, dtype=bool)
    alleviated[known] = (equals(hh["household_type"], "alleviated")[row[known]]
                         & (hh["registered_on"][row[known]] <= t))
    # three shared strings, not one per household
    return _CATEGORY_NAMES[np.where(shocked, 0, np.where(alleviated, 1, 2))]


_CATEGORY_NAMES = np.array(["sudden", "unstable", "marginal"], dtype=object)


def _take(values, rows: np.ndarray):
    """The id array's values at ``rows`` (all of it when every row is wanted); a small one's as a
    list of strings (``positions`` reads those with a dict anyway, and a pandas take costs more)."""
    if len(rows) == len(values):
        return values
    if len(values) <= SMALL:
        texts = text_values(values)
        return [texts[i] for i in rows]
    return values[rows]


__all__ = ["SHOCK_EVENTS", "SHOCK_WINDOW_DAYS", "categories", "suggest_category"]
