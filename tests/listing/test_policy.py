"""The list policy: rank and tie-break, bands, and which risk types and measures are shown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskmodel.listing import (
    DEFAULT_POLICY,
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
from riskmodel.listing import policy as policy_mod

MEASURES = {"illness": ("i1", "i2", "i3"), "labor": ("l1", "i2", "l3"), "housing": ("h1",), "other": ("o1", "o2")}


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from([0.1, 0.25, 0.5, 0.9, 1e-9]), st.text("H1户", min_size=1, max_size=3)),
                     max_size=20, unique_by=lambda r: r[1]))
def test_rank_order_is_the_same_on_the_small_and_the_arrow_path(rows):
    scores = np.array([r[0] for r in rows], dtype=np.float64)
    ids = pd.array([r[1] for r in rows], dtype="string[pyarrow]")
    small = rank_order(scores, ids)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(policy_mod, "SMALL", -1)
        large = rank_order(scores, ids)
    assert np.array_equal(small, large)
    order = [(-scores[i], ids[i]) for i in small]
    assert order == sorted(order)  # score descending, ties by household_id


def test_ranked_frame_breaks_ties_by_household_id():
    frame = pd.DataFrame({"household_id": ["b", "a", "c"], "score": [0.5, 0.5, 0.9]})
    assert ranked(frame)["household_id"].tolist() == ["c", "a", "b"]


def test_top_count_rounds_up_but_not_float_noise():
    assert top_count(0.02, 150) == 3          # 0.02 × 150 is 3.0000000000000004 in floats
    assert top_count(0.02, 151) == 4
    assert top_count(0.02, 1) == 1
    assert top_count(0.02, 0) == 0


def test_bands_high_within_the_capacity_share_medium_within_five_times():
    b = bands(np.arange(1, 101), 100)
    assert (b == "high").sum() == 2 and (b == "medium").sum() == 8 and (b == "low").sum() == 90
    assert list(b[:3]) == ["high", "high", "medium"]
    wide = bands(np.arange(1, 101), 100, ListPolicy(capacity_share=0.1))
    assert (wide == "high").sum() == 10 and (wide == "medium").sum() == 40


def test_a_provinces_bands_are_three_shared_strings_not_one_per_household():
    b = bands(np.arange(1, 100_001), 100_000)
    assert b.dtype == object and {id(v) for v in b} == {id(b[0]), id(b[2_000]), id(b[-1])}


def test_band_at_stored_cutoffs():
    assert band_at_cutoffs([0.9, 0.5, 0.4, 0.1], (0.5, 0.2)) == ["high", "high", "medium", "low"]
    assert band_at_cutoffs([0.9], None) == [None]


def test_shown_risk_types_are_the_positive_ones_at_most_three():
    assert shown_risk_types(["illness", "labor", "housing", "disaster"]) == ["illness", "labor", "housing"]
    assert shown_risk_types(["illness", "labor"], {"illness": 0.3, "labor": -0.1}) == ["illness"]
    assert shown_risk_types(["labor", "illness"], {"labor": -0.2, "illness": -0.1}) == ["labor"]
    assert shown_risk_types([]) == ["other"] and shown_risk_types(None) == ["other"]


def test_shown_measures_two_per_type_main_first_no_repeats_at_most_four():
    assert shown_measures(["illness", "labor", "housing"], MEASURES) == ["i1", "i2", "l1", "h1"]
    assert shown_measures(["labor"], MEASURES) == ["l1", "i2"]
    assert shown_measures(["illness"], MEASURES, ListPolicy(measures_per_type=3, max_measures=2)) == ["i1", "i2"]


def test_reasons_from_sums_apply_the_policy():
    codes = ["illness", "labor", "housing", "other"]
    values = np.array([[0.2, 0.5, 0.1, 0.0], [-0.1, 0.0, 0.0, 0.0]])
    out = reasons_from_sums(values, codes, MEASURES)
    assert out["risk_types"] == [["labor", "illness", "housing"], ["other"]]
    assert out["measures"] == [["l1", "i2", "i1", "h1"], ["o1", "o2"]]
    assert out["contributions"][1] == {"illness": -0.1}


def test_the_policy_is_a_frozen_validated_config():
    with pytest.raises(ValidationError, match="capacity_share"):
        ListPolicy(capacity_share=0)
    with pytest.raises(ValidationError, match="extra"):
        ListPolicy(shown_types=2)
    with pytest.raises(ValidationError, match="frozen"):
        DEFAULT_POLICY.capacity_share = 0.5  # type: ignore[misc]
