"""Shock indicators: the households hit recently (disaster, job loss, hospital stay …) against the
same weeks a year earlier, province-wide and per county and township (see ``monitoring.drift``
for why). Counts are addable (``ShockCounts``), so county partitions are summed before the
indicators are judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel.contract.columns import positions
from riskmodel.monitoring.drift import DriftThresholds


#: Shock indicators: what a department pushes when something happens, with its risk type.
SHOCK_EVENTS = {"disaster": "disaster", "job_loss": "employment", "business_failure": "business",
                "accident": "accident", "death": "labor", "housing_unsafe": "housing"}


def _households_hit(panel, t: pd.Timestamp, window: pd.Timedelta) -> dict[str, _Hit]:
    """Indicator → the households hit in the ``window`` before ``t`` (as reported by ``t``)."""
    hh_ids = panel.households["household_id"]
    ev = panel.events
    recent = ((ev["event_date"] > t - window) & (ev["event_date"] <= t) & (ev["reported_on"] <= t)).to_numpy()
    rows = np.flatnonzero(recent)
    kinds = ev["event_type"].to_numpy()[rows]
    ids = ev["household_id"].array[rows]
    at = positions(ids, hh_ids)
    out = {k: _Hit.of(at[mask], ids[mask]) for k in SHOCK_EVENTS for mask in [kinds == k]}
    c = panel.medical_claims
    inpatient = ((c["kind"] == "inpatient") & (c["service_date"] > t - window) & (c["service_date"] <= t)
                 & (c["reported_on"] <= t)).to_numpy()
    members = panel.members
    ill = np.flatnonzero(positions(members["member_id"], c["member_id"].array[np.flatnonzero(inpatient)]) >= 0)
    ids = members["household_id"].array[ill]
    out["inpatient"] = _Hit.of(positions(ids, hh_ids), ids)
    return out


@dataclass(frozen=True)
class _Hit:
    """The households hit by one indicator: their rows in ``panel.households``, and how many hit
    households that table does not hold (counted by id in the province, in no township)."""

    rows: np.ndarray
    elsewhere: int

    @classmethod
    def of(cls, at: np.ndarray, ids) -> _Hit:
        known = at >= 0
        other = {v for v, k in zip(ids.tolist(), known.tolist()) if not k} if not known.all() else ()
        return cls(np.unique(at[known]), len(other))

    def __len__(self) -> int:
        return len(self.rows) + self.elsewhere


def _z(p1: float, n1: int, p0: float, n0: int) -> float:
    """Two-proportion z statistic (pooled)."""
    pooled = (p1 * n1 + p0 * n0) / max(n1 + n0, 1)
    se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / max(n1, 1) + 1 / max(n0, 1)))
    return (p1 - p0) / se


SHOCK_INDICATORS = (*SHOCK_EVENTS, "inpatient")
WHEN = ("current", "reference")


@dataclass
class ShockCounts:
    """Households counted for the shock indicators, this week and a year earlier: addable over
    partitions of the households (each household's rows in one partition).

    ``province``: rows ``current``/``reference``, columns ``registered`` and the households hit
    per indicator; ``townships``: the same per (``when``, township code), counting registered
    households only (as the regional indicators do).
    """

    province: pd.DataFrame
    townships: pd.DataFrame

    def __add__(self, other: ShockCounts) -> ShockCounts:
        townships = pd.concat([self.townships, other.townships]).groupby(level=[0, 1], sort=True).sum()
        return ShockCounts(self.province + other.province, townships)


def shock_counts(panel, as_of, thresholds: DriftThresholds = DriftThresholds()) -> ShockCounts:
    """``ShockCounts`` of ``panel`` (or of one partition of it) at ``as_of`` and a year earlier."""
    t = pd.Timestamp(as_of)
    window = pd.Timedelta(days=thresholds.shock_window_days)
    province, townships = [], []
    hh = panel.households
    township, codes = _townships(hh["region_code"])
    for when in (t, t - pd.DateOffset(years=1)):
        registered = (hh["registered_on"] <= when).to_numpy()
        hit = _households_hit(panel, when, window)
        province.append([int(registered.sum()), *(len(hit[k]) for k in SHOCK_INDICATORS)])
        counts = {"households": np.bincount(township[registered], minlength=len(codes))}
        for k in SHOCK_INDICATORS:
            rows = hit[k].rows
            counts[k] = np.bincount(township[rows[registered[rows]]], minlength=len(codes))
        out = pd.DataFrame(counts, index=pd.Index(codes, dtype=object), dtype=np.int64)
        townships.append(out.loc[out["households"].to_numpy() > 0])
    province = pd.DataFrame(province, index=list(WHEN), columns=["registered", *SHOCK_INDICATORS], dtype=np.int64)
    townships = pd.concat(townships, keys=list(WHEN)).sort_index()
    return ShockCounts(province, townships)


def _townships(region_code) -> tuple[np.ndarray, list[str]]:
    """Each household's township as a number, and the townships' codes (the numbers' order)."""
    from riskmodel.contract.regions import township_of

    # a missing code counts as its text, as the shares always counted it
    text = region_code.astype(str) if region_code.isna().any() else region_code
    numbers, codes = pd.factorize(township_of(text))
    return numbers.astype(np.int64, copy=False), [str(c) for c in codes]


def regional_shocks(panel, as_of, thresholds: DriftThresholds = DriftThresholds()) -> pd.DataFrame:
    """Shock indicators per county and per township against the same region a year earlier.

    A flood in one county of eight hits most of its households and barely moves the
    province's shares or any feature's distribution; the county's own share moves from a few
    percent to most. Townships are judged only where they have ``min_township_households``
    (counties ``min_county_households``) registered households on both dates.
    """
    return regional_from_counts(shock_counts(panel, as_of, thresholds), thresholds)


def regional_from_counts(counts: ShockCounts, thresholds: DriftThresholds = DriftThresholds()) -> pd.DataFrame:
    """``regional_shocks`` from (merged) ``ShockCounts``; regions in code order."""
    from riskmodel.contract.regions import COUNTY_DIGITS, TOWNSHIP_DIGITS

    rows = []
    for level, digits, minimum in (("county", COUNTY_DIGITS, thresholds.min_county_households),
                                   ("township", TOWNSHIP_DIGITS, thresholds.min_township_households)):
        by = {w: (counts.townships.loc[w].groupby(lambda code: code[:digits], sort=True).sum()
                  if w in counts.townships.index.get_level_values(0) else pd.DataFrame(
                      columns=["households", *SHOCK_INDICATORS])) for w in WHEN}
        cur = by["current"]
        ref = by["reference"].reindex(cur.index, fill_value=0)
        for region in cur.index:
            n1, n0 = int(cur.at[region, "households"]), int(ref.at[region, "households"])
            if min(n1, n0) < minimum:
                continue
            for k in SHOCK_INDICATORS:
                p1, p0 = cur.at[region, k] / n1, ref.at[region, k] / n0
                z = _z(p1, n1, p0, n0)
                ratio = p1 / p0 if p0 > 0 else (float("inf") if p1 > 0 else 1.0)
                fired = bool(ratio >= thresholds.shock_ratio and p1 - p0 >= thresholds.regional_excess
                             and z >= thresholds.regional_z)
                rows.append({"level": level, "region": str(region), "indicator": k,
                             "risk_type": SHOCK_EVENTS.get(k, "illness"), "households": n1,
                             "share_reference": float(p0), "share_current": float(p1), "ratio": ratio,
                             "z": float(z), "fired": fired})
    cols = ["level", "region", "indicator", "risk_type", "households", "share_reference", "share_current", "ratio",
            "z", "fired"]
    return pd.DataFrame(rows, columns=cols)


def shock_indicators(panel, as_of, thresholds: DriftThresholds = DriftThresholds()) -> pd.DataFrame:
    """Share of households hit by each kind of shock in the last weeks vs the same weeks a year earlier.

    Shocks hit few households in any one year, and most features look back twelve months, so
    an 8-week flood or factory closure barely moves a feature's distribution; the share of
    households with a recent disaster, job loss or hospital stay moves a lot. Same-season by
    construction (a year earlier), with the same reporting cut relative to each date.
    """
    return shocks_from_counts(shock_counts(panel, as_of, thresholds), thresholds)


def shocks_from_counts(counts: ShockCounts, thresholds: DriftThresholds = DriftThresholds()) -> pd.DataFrame:
    """``shock_indicators`` from (merged) ``ShockCounts``."""
    p = counts.province
    n1, n0 = int(p.at["current", "registered"]), int(p.at["reference", "registered"])
    rows = []
    for k in SHOCK_INDICATORS:
        p1, p0 = p.at["current", k] / max(n1, 1), p.at["reference", k] / max(n0, 1)
        z = _z(p1, n1, p0, n0)
        ratio = p1 / p0 if p0 > 0 else (float("inf") if p1 > 0 else 1.0)
        fired = bool(n0 > 0 and ratio >= thresholds.shock_ratio and p1 - p0 >= thresholds.shock_excess
                     and z >= thresholds.shock_z)
        rows.append({"indicator": k, "risk_type": SHOCK_EVENTS.get(k, "illness"), "share_reference": float(p0),
                     "share_current": float(p1), "ratio": ratio, "z": z, "fired": fired})
    return pd.DataFrame(rows)
