"""The list policy: what a weekly list shows and in which order, defined once.

Read by the Scorer, the weekly lists and their files, every API response and export, and the
office pages. ``policy``: rank and tie-break, bands, capacity share and horizon, which risk
types and measures are shown and how many; ``category``: the suggested monitoring category.
"""

from riskmodel.listing.category import SHOCK_EVENTS, SHOCK_WINDOW_DAYS, categories, suggest_category
from riskmodel.listing.policy import (
    BANDS,
    CAPACITY_SHARE,
    DEFAULT_POLICY,
    FALLBACK_RISK_TYPE,
    HORIZON_WEEKS,
    ListPolicy,
    band_at_cutoffs,
    bands,
    rank_order,
    ranked,
    reasons_from_sums,
    shown_measures,
    shown_risk_types,
    top_count,
)

__all__ = ["BANDS", "CAPACITY_SHARE", "DEFAULT_POLICY", "FALLBACK_RISK_TYPE", "HORIZON_WEEKS", "SHOCK_EVENTS",
           "SHOCK_WINDOW_DAYS", "ListPolicy", "band_at_cutoffs", "bands", "categories", "rank_order", "ranked",
           "reasons_from_sums", "shown_measures", "shown_risk_types", "suggest_category", "top_count"]
