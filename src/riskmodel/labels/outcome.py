"""The contract's outcome definition: who is eligible at t, who is identified within the horizon.

Eligible at ``t``: registered by ``t`` and not an open monitoring object at ``t`` (no monitoring
row reported by ``t`` with ``identified_on <= t`` and ``eliminated_on`` empty or after ``t``).
Label: a monitoring row with ``t < identified_on <= t + H``. Mature: ``t + H`` on or before the
data's cut-off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract import Panel
from riskmodel.contract.columns import positions, positions_at, sort_order
from riskmodel.listing.policy import HORIZON_WEEKS


def _ts(t) -> np.datetime64:
    return np.datetime64(pd.Timestamp(t).to_datetime64(), "ns")


def open_at(monitoring, as_of) -> np.ndarray:
    """Row mask of monitoring rows (a frame or its ``Columns``) that make their household an open
    monitoring object at t."""
    t = _ts(as_of)
    elim = np.asarray(monitoring["eliminated_on"])
    return ((np.asarray(monitoring["reported_on"]) <= t)
            & (np.asarray(monitoring["identified_on"]) <= t)
            & ~(elim <= t))  # NaT compares False: an empty eliminated_on means still open


def eligible_rows(panel: Panel, as_of) -> np.ndarray | None:
    """Positions in ``panel.households`` of the households eligible at ``as_of``, sorted by
    household_id; None when that is every row, in the order they stand."""
    t = _ts(as_of)
    hh = panel.columns("households")
    keep = hh["registered_on"] <= t
    mon = panel.columns("monitoring")
    if len(mon):
        mask = open_at(mon, t)
        if mask.any():
            keep &= positions(hh["household_id"], mon["household_id"][mask]) < 0
    if keep.all():
        return sort_order(hh["household_id"])
    rows = np.flatnonzero(keep)
    order = sort_order(hh["household_id"][rows])
    return rows if order is None else rows[order]


def eligible_households(panel: Panel, as_of) -> pd.DataFrame:
    """Rows of ``panel.households`` eligible at ``as_of``, sorted by household_id."""
    rows = eligible_rows(panel, as_of)
    return panel.households if rows is None else panel.households.iloc[rows]


def eligible(panel: Panel, as_of) -> pd.Index:
    """Household ids eligible at ``as_of`` (sorted), as the contract's outcome definition says."""
    return pd.Index(eligible_households(panel, as_of)["household_id"], name="household_id")


def outcomes(panel: Panel, as_of, horizon_weeks: int = HORIZON_WEEKS) -> pd.DataFrame:
    """One row per eligible household: whether (and how) it is identified in ``(t, t + H]``.

    Uses every monitoring row of ``panel``: pass ``panel.as_of(cutoff)`` to see only what was
    known at a cut-off. The first identification in the window gives date, category and main
    risk type.
    """
    t = pd.Timestamp(as_of)
    end = t + pd.Timedelta(weeks=horizon_weeks)
    ids = eligible(panel, t)
    mon = panel.monitoring
    ident = mon["identified_on"]
    window = np.flatnonzero(((ident > t) & (ident <= end)).to_numpy())  # NaT compares False
    hits = mon.iloc[window[positions_at(mon["household_id"], window, ids) >= 0]]
    first = (hits.sort_values(["household_id", "identified_on", "reported_on"], kind="stable")
             .drop_duplicates("household_id", keep="first")
             .set_index("household_id"))
    first = first.reindex(ids)
    main = first["risk_types"].astype("string").str.split(";").str[0].str.strip()
    try:
        cutoff = panel.cutoff()
    except ValueError:  # no dated records at all: nothing is mature
        cutoff = pd.NaT
    mature = bool(pd.notna(cutoff) and end <= cutoff)
    return pd.DataFrame({
        "household_id": ids.to_numpy(),
        "label": first["identified_on"].notna().to_numpy().astype("int64"),
        "identified_on": first["identified_on"].to_numpy(),
        "category": first["category"].to_numpy(),
        "main_risk_type": main.to_numpy(),
        "mature": np.full(len(ids), mature),
    }).astype({"household_id": panel.households["household_id"].dtype,
               "category": panel.monitoring["category"].dtype})
