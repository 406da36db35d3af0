"""The truth table (synthetic data only): what each column is and what each probability conditions on.

One row per household and panel month, all values as of the month's first day (before
anything that happens in the month). Never read by features, training or serving; evaluation
uses it to show how close a model comes to the best possible ranking. The descriptions below
are also written into the Parquet schema (field metadata ``description``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

TRUTH_COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "household_id": (pa.string(), "the household (as in households.parquet)"),
    "month": (pa.timestamp("ns"), "first day of the month; every value is as of this day"),
    "latent_income_pc": (pa.float64(), (
        "latent yearly income per person incl. recurring assistance (expected, deseasonalised), yuan")),
    "latent_net_income_pc": (pa.float64(), (
        "latent yearly per-capita net income: latent_income_pc minus the decayed medical out-of-pocket, "
        "losses and school costs of the past ~12 months, per person, yuan (the 防返贫监测 measure)")),
    "latent_distress": (pa.float64(), (
        "latent distress s = 1/(1+exp((r-c)/0.12)), r = latent_net_income_pc / monitoring line, "
        "c = 0.92 alleviated, 0.65 general; the identification process acts on s")),
    "in_hardship": (pa.bool_(), (
        "latent_distress >= 0.5 (r below c): the household is in hardship; a cadre visiting it would find "
        "the risk (season replay)")),
    "p_identified_26w": (pa.float64(), (
        "FULL-INFORMATION ORACLE (the upper bound): P(identification confirmed in the next 6 months) given "
        "the hazards the process really applies in each of those months: the household's latent distress "
        "month by month, its county's ACTUAL screening months and the department pushes that really happen "
        "(with their verification probability); only the draws of self-declaration, screening finds and "
        "verification are left to chance. 1 for households already picked up whose identification is not yet "
        "confirmed (confirmation follows within identification_days_max). Where the panel ends inside the "
        "horizon the last simulated month's hazard stands for the missing months. 0 for open monitoring "
        "objects on the day (identified_on <= day < eliminated_on, from all monitoring records, reported or "
        "not) and for dissolved or not yet registered households")),
    "p_identified_26w_state": (pa.float64(), (
        "STATE-NOW ORACLE: the generator's formula on the latent state at the month's start (distress, "
        "members' health and hazards), the county's ACTUAL screening months in the next 6 months and the "
        "expected (not actual) shocks and pushes, held constant over the horizon. It knows today's hidden "
        "state but not where it goes, so a model that learns the dynamics can rank better. Households picked "
        "up but not yet confirmed keep the formula's value; 0 for open monitoring objects (as for "
        "p_identified_26w) and dissolved households. The calibration report's lead times read it")),
    "p_identified_26w_observable": (pa.float64(), (
        "OBSERVABLE ORACLE (the reference for a learned model): the same formula fed only with what the "
        "contract tables show on the day (records with reported_on <= day): reported income of the last 12 "
        "months deseasonalised, recurring assistance, decayed reported medical costs and losses minus relief, "
        "recorded school stages, chronic and disability records, and the EXPECTED screening calendar "
        "(spring Mar-May; autumn Sep-Nov with probability 0.6). 0 for open monitoring objects as the "
        "tables show them on the day (row reported by the day), households without members and households "
        "not yet registered")),
}


def truth_schema() -> pa.Schema:
    return pa.schema([pa.field(name, typ, metadata={"description": doc})
                      for name, (typ, doc) in TRUTH_COLUMNS.items()])


def realised_oracle(log_survival: np.ndarray, pending: np.ndarray, horizon_months: int = 6) -> np.ndarray:
    """(months, households) P(identified within the horizon) from each month's realised log-survival.

    The months past the simulated end repeat the last one's hazard; pending pickups are certain."""
    padded = np.concatenate([log_survival, np.repeat(log_survival[-1:], horizon_months - 1, axis=0)])
    window = np.lib.stride_tricks.sliding_window_view(padded, horizon_months, axis=0).sum(axis=-1)
    return np.where(pending, 1.0, -np.expm1(window)) + 0.0   # + 0.0: no negative zeros


def open_on_month_starts(month_days: np.ndarray, hh: np.ndarray, identified: np.ndarray,
                         eliminated: np.ndarray, n_households: int) -> np.ndarray:
    """(months, households) bool: an open monitoring spell covers the month's first day."""
    T = len(month_days)
    first = np.searchsorted(month_days, identified, side="left")   # first month start >= identified
    last = np.searchsorted(month_days, eliminated, side="left")    # first month start >= eliminated
    diff = np.zeros((T + 1, n_households), dtype=np.int32)
    np.add.at(diff, (first, hh), 1)
    np.add.at(diff, (last, hh), -1)
    return np.cumsum(diff[:T], axis=0) > 0


def to_arrow(truth: pd.DataFrame) -> pa.Table:
    t = truth.copy()
    t["household_id"] = t["household_id"].astype(object)
    return pa.Table.from_pandas(t, preserve_index=False, schema=truth_schema())
