"""Why a household is on the list: contributions by official risk type, category and measures.

Contributions are LightGBM's exact per-feature SHAP values (``pred_contrib``) in log-odds,
summed over the features that speak for each risk type in the one risk-type map
(``features.yaml`` → ``feature_risk_types()``; names and measures from ``risk_types.yaml``).
They cost about 200× a prediction, so callers compute them only for rows that are shown.

Suggested category (监测类别), documented rule, first match wins:

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

from riskmodel.contract import CATEGORY_ZH, RISK_TYPES, Panel
from riskmodel.contract.columns import ID_DTYPE, equals, positions, positions_at

#: Days a shock counts as "recent" for the sudden category.
SHOCK_WINDOW_DAYS = 91
SHOCK_EVENTS = ("disaster", "accident", "death", "business_failure", "job_loss")
#: Measures shown per household: those of its main risk types, at most this many types.
MEASURE_TYPES = 2


def risk_type_matrix(feature_names: list[str], feature_risk_types: dict[str, str]) -> np.ndarray:
    """A (features × risk types) 0/1 matrix, rows in ``feature_names`` order, columns ``RISK_TYPES``."""
    unknown = [f for f in feature_names if feature_risk_types.get(f, "other") not in RISK_TYPES]
    if unknown:
        raise ValueError(f"features with a risk type outside the contract's codes: {unknown}")
    m = np.zeros((len(feature_names), len(RISK_TYPES)))
    col = {code: j for j, code in enumerate(RISK_TYPES)}
    for i, name in enumerate(feature_names):
        m[i, col[feature_risk_types.get(name, "other")]] = 1.0
    return m


def sum_by_risk_type(contrib: np.ndarray, feature_names: list[str],
                     feature_risk_types: dict[str, str]) -> pd.DataFrame:
    """Per-row contributions summed by risk type; ``contrib`` is ``pred_contrib`` output.

    The last column of ``contrib`` (the bias term) is dropped: it is the same for every row.
    """
    return pd.DataFrame(risk_type_sums(contrib, feature_names, feature_risk_types), columns=list(RISK_TYPES))


def risk_type_sums(contrib: np.ndarray, feature_names: list[str], feature_risk_types: dict[str, str], *,
                   matrix: np.ndarray | None = None) -> np.ndarray:
    """``sum_by_risk_type`` as an array (columns in ``RISK_TYPES`` order).

    ``matrix``: ``risk_type_matrix(feature_names, feature_risk_types)`` when the caller keeps it.
    """
    contrib = np.asarray(contrib, dtype=float)
    if contrib.ndim != 2 or contrib.shape[1] != len(feature_names) + 1:
        raise ValueError(f"pred_contrib must have {len(feature_names) + 1} columns, got {contrib.shape}")
    return contrib[:, :-1] @ (risk_type_matrix(feature_names, feature_risk_types) if matrix is None else matrix)


def reasons(by_type: pd.DataFrame, measures: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """From contributions by risk type to ``risk_types`` (positive ones, largest first),
    ``contributions`` (code → float, all codes with a non-zero sum) and ``measures``.

    A row with no positive contribution gets ``["other"]``: the list still needs a visit.
    """
    return pd.DataFrame(reason_lists(by_type.to_numpy(), list(by_type.columns), measures), index=by_type.index)


def reason_lists(values: np.ndarray, codes: list[str], measures: dict[str, tuple[str, ...]]) -> dict[str, list]:
    """``reasons`` as three lists, one item per row of ``values`` (columns named by ``codes``)."""
    order = np.argsort(-values, axis=1, kind="stable")
    rows_types, rows_contrib, rows_measures = [], [], []
    for i in range(values.shape[0]):  # only shown rows reach here (tens to thousands)
        v = values[i]
        types = [codes[j] for j in order[i] if v[j] > 0] or ["other"]
        rows_types.append(types)
        rows_contrib.append({codes[j]: round(float(v[j]), 6) for j in order[i] if v[j] != 0})
        shown: list[str] = []
        for code in types[:MEASURE_TYPES]:
            shown.extend(m for m in measures[code] if m not in shown)
        rows_measures.append(shown)
    return {"risk_types": rows_types, "contributions": rows_contrib, "measures": rows_measures}


def suggest_category(panel: Panel, as_of: str | pd.Timestamp, household_ids: Iterable[str]) -> pd.DataFrame:
    """Suggested monitoring category per household (see the module docstring for the rule).

    Returns ``household_id, category, category_zh`` in the order of ``household_ids``. Only
    what is known at ``as_of`` counts (rows reported by then, members who had joined).
    """
    # no round trip through Python strings for an Arrow column (0.7 s on a million ids)
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
    return np.where(shocked, "sudden", np.where(alleviated, "unstable", "marginal")).astype(object)


def _take(values, rows: np.ndarray):
    """The id array's values at ``rows`` (all of it when every row is wanted)."""
    return values if len(rows) == len(values) else values[rows]


__all__ = ["SHOCK_EVENTS", "SHOCK_WINDOW_DAYS", "categories", "reason_lists", "reasons", "risk_type_matrix",
           "risk_type_sums", "suggest_category", "sum_by_risk_type"]
