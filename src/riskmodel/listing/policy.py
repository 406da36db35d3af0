"""The list policy: who comes first, which band, which risk types and measures are shown.

One definition read by the Scorer, the weekly lists and their files, every API response and
export, and the office pages, so the same household on the same date shows the same rank,
band, risk types and measures everywhere. Pure functions over arrays; no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from riskmodel.contract.columns import SMALL, arrow_text, id_text, text_values

#: Share of eligible households an office can visit in a week (the default list length).
CAPACITY_SHARE = 0.02
#: Weeks ahead the model predicts identification (the contract's outcome horizon H).
HORIZON_WEEKS = 26
#: Risk type shown when no risk type speaks for a household (the list still needs a visit).
FALLBACK_RISK_TYPE = "other"
BANDS = ("high", "medium", "low")


class ListPolicy(BaseModel):
    """What a list shows and in which order (defaults are the offices' current practice).

    Order: score descending, ties by ``household_id`` ascending (Unicode code points).
    Bands: ``high`` for the first ``top_count(capacity_share, n)`` ranks, ``medium`` for the
    first ``top_count(medium_band_factor × capacity_share, n)``, else ``low``.
    Reasons: risk types with a positive contribution, largest first, at most
    ``shown_risk_types``; measures: the first ``measures_per_type`` of each shown type, in
    that order, without repeats, at most ``max_measures``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    capacity_share: float = Field(CAPACITY_SHARE, gt=0, le=1)
    horizon_weeks: int = Field(HORIZON_WEEKS, ge=1)
    medium_band_factor: float = Field(5.0, ge=1)
    shown_risk_types: int = Field(3, ge=1)
    measures_per_type: int = Field(2, ge=1)
    max_measures: int = Field(4, ge=1)

    @property
    def band_shares(self) -> tuple[float, float]:
        """Shares of the ranking that end the ``high`` and the ``medium`` band."""
        return self.capacity_share, min(1.0, self.medium_band_factor * self.capacity_share)


DEFAULT_POLICY = ListPolicy()


def top_count(share: float, n: int) -> int:
    """How many of ``n`` households a share covers: rounded up, so any share of a non-empty
    group is at least one household (a float product like 0.02 × 150 = 3.0000000000000004
    does not round up to 4)."""
    return max(0, math.ceil(share * n - 1e-9))


def rank_order(scores: np.ndarray, household_ids) -> np.ndarray:
    """Positions in rank order: score descending, ties by household_id ascending (code points)."""
    n = len(scores)
    if n <= SMALL:  # an API-sized call: Python's sort, not an Arrow table
        ids = text_values(household_ids)
        return np.array(sorted(range(n), key=lambda i: (-scores[i], ids[i])), dtype=np.intp)
    order = pc.sort_indices(pa.table({"score": np.asarray(scores, dtype=float), "household_id": arrow_text(household_ids)}),
                            sort_keys=[("score", "descending"), ("household_id", "ascending")])
    return order.to_numpy(zero_copy_only=False).view(np.intp)  # positions below 2**63: the same bits, no copy


def ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with ``score`` and ``household_id``) in rank order, index reset."""
    ids = frame["household_id"]
    order = rank_order(frame["score"].to_numpy(dtype=float), id_text(ids))
    return frame.iloc[order].reset_index(drop=True)


def bands(rank: np.ndarray, n: int, policy: ListPolicy = DEFAULT_POLICY) -> np.ndarray:
    """The band of each 1-based ``rank`` among ``n`` ranked households (an object array)."""
    high, medium = (top_count(s, n) for s in policy.band_shares)
    rank = np.asarray(rank)
    # three shared strings, not one per household (a province's bands are millions of cells)
    return _BAND_NAMES[np.where(rank <= high, 0, np.where(rank <= medium, 1, 2))]


_BAND_NAMES = np.array(["high", "medium", "low"], dtype=object)


def band_at_cutoffs(scores: Sequence[float], cutoffs: Sequence[float] | None) -> list[str | None]:
    """Bands for scores placed into a stored ranking by its cut-off scores (``high``, ``medium``
    ends), as the households would rank in that week; None when no ranking is stored."""
    if cutoffs is None:
        return [None] * len(scores)
    high, medium = cutoffs
    return ["high" if s >= high else "medium" if s >= medium else "low" for s in scores]


def shown_risk_types(codes: Iterable[str] | None, contributions: Mapping[str, float] | None = None,
                     policy: ListPolicy = DEFAULT_POLICY) -> list[str]:
    """The risk types a household is shown with, main first.

    ``codes``: risk types ordered by contribution (largest first). With ``contributions``
    only those with a positive one are shown; none positive → the first code, none at all →
    ``FALLBACK_RISK_TYPE``.
    """
    codes = [] if codes is None or isinstance(codes, float) else [str(c) for c in codes]
    if contributions:
        codes = [c for c in codes if contributions.get(c, 0.0) > 0] or codes[:1]
    return codes[:policy.shown_risk_types] or [FALLBACK_RISK_TYPE]


def shown_measures(codes: Sequence[str], measures: Mapping[str, Sequence[str]],
                   policy: ListPolicy = DEFAULT_POLICY) -> list[str]:
    """The measures shown for a household shown with risk types ``codes`` (main first).

    ``measures``: risk type → its measures (the one risk-type map, ``risk_types.yaml``).
    """
    shown: list[str] = []
    for code in codes[:policy.shown_risk_types]:
        for m in list(measures.get(code, ()))[:policy.measures_per_type]:
            if m not in shown:
                shown.append(m)
    return shown[:policy.max_measures]


def reasons_from_sums(values: np.ndarray, codes: Sequence[str], measures: Mapping[str, Sequence[str]],
                      policy: ListPolicy = DEFAULT_POLICY) -> dict[str, list]:
    """Shown risk types, contributions (code → value, every non-zero one) and shown measures
    for each row of ``values`` (contributions summed by risk type, columns named by ``codes``)."""
    order = np.argsort(-values, axis=1, kind="stable")
    rows_types, rows_contrib, rows_measures = [], [], []
    for i in range(values.shape[0]):  # only shown rows reach here (tens to thousands)
        v = values[i]
        types = shown_risk_types([codes[j] for j in order[i] if v[j] > 0], policy=policy)
        rows_types.append(types)
        rows_contrib.append({codes[j]: round(float(v[j]), 6) for j in order[i] if v[j] != 0})
        rows_measures.append(shown_measures(types, measures, policy))
    return {"risk_types": rows_types, "contributions": rows_contrib, "measures": rows_measures}


__all__ = ["BANDS", "CAPACITY_SHARE", "DEFAULT_POLICY", "FALLBACK_RISK_TYPE", "HORIZON_WEEKS", "ListPolicy",
           "band_at_cutoffs", "bands", "rank_order", "ranked", "reasons_from_sums", "shown_measures",
           "shown_risk_types", "top_count"]
