"""``Scorer.score``: one ranked row per eligible household, reasons only for the rows asked for."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskmodel.contract import RISK_TYPES
from riskmodel.labels import eligible

AS_OF = pd.Timestamp("2024-06-30")
@pytest.fixture(scope="module")
def scored(scorer, synth_panel) -> pd.DataFrame:
    return scorer.score(synth_panel, AS_OF, explain=5)


def test_one_row_per_eligible_household_with_the_interface_columns(scored, synth_panel):
    assert list(scored.columns) == ["household_id", "region_code", "score", "probability", "rank", "band",
                                    "category", "category_zh", "projected_income_pc", "projected_income_line_ratio",
                                    "risk_types", "contributions", "measures"]
    assert set(scored["household_id"]) == set(eligible(synth_panel, AS_OF))
    assert scored["household_id"].is_unique


def test_each_row_carries_the_projected_income_of_its_household_against_the_line(scored, synth_panel):
    from riskmodel.features import build_features

    f = build_features(synth_panel, AS_OF).set_index("household_id")
    got = scored.set_index("household_id")
    want = f.loc[got.index.astype(str)]
    assert np.allclose(got["projected_income_pc"], want["projected_income_pc_year"], equal_nan=True)
    assert np.allclose(got["projected_income_line_ratio"] * synth_panel.policy.line(AS_OF.year),
                       got["projected_income_pc"], equal_nan=True)
    assert got["projected_income_pc"].notna().mean() > 0.5


def test_rank_one_is_the_highest_score_and_ties_go_by_household_id(scored):
    assert scored["rank"].tolist() == list(range(1, len(scored) + 1))
    key = list(zip(-scored["score"], scored["household_id"]))
    assert key == sorted(key)
    assert scored["probability"].between(0, 1).all()


def test_band_high_is_the_capacity_share(scored):
    assert (scored["band"] == "high").sum() == math.ceil(0.02 * len(scored))
    assert scored.loc[scored["band"] == "high", "rank"].max() < scored.loc[scored["band"] != "high", "rank"].min()
    assert set(scored["category"]) <= {"unstable", "marginal", "sudden"}


def test_reasons_only_for_the_top_k_rows_asked_for(scored):
    shown = scored["risk_types"].notna()
    assert shown.sum() == 5 and scored.loc[shown, "rank"].max() == 5
    for types, contrib, measures in scored.loc[shown, ["risk_types", "contributions", "measures"]].itertuples(
            index=False):
        assert types and set(types) <= set(RISK_TYPES)
        assert set(contrib) <= set(RISK_TYPES)
        assert measures


def test_reasons_for_named_households_and_contributions_add_up(scorer, synth_panel, scored):
    pick = scored["household_id"].iloc[[10, 200]].tolist()
    out = scorer.score(synth_panel, AS_OF, explain=pick)
    shown = out.loc[out["risk_types"].notna(), "household_id"].tolist()
    assert sorted(shown) == sorted(pick)
    # SHAP sums by risk type + bias reproduce the raw margin of each shown household
    from riskmodel.features import build_features

    X = build_features(synth_panel, AS_OF).set_index("household_id").loc[pick]
    contrib = scorer.model.contributions(X)
    margin = np.log(scorer.model.score(X) / (1 - scorer.model.score(X)))
    assert np.allclose(contrib.sum(axis=1), margin, atol=1e-6)
    row = out.set_index("household_id").loc[pick[0], "contributions"]
    assert sum(row.values()) == pytest.approx(contrib[0, :-1].sum(), abs=1e-4)


def test_scoring_is_deterministic_and_point_in_time(scorer, synth_panel, scored):
    again = scorer.score(synth_panel.as_of(AS_OF), AS_OF, explain=5)
    pd.testing.assert_frame_equal(scored.drop(columns=["contributions", "measures", "risk_types"]),
                                  again.drop(columns=["contributions", "measures", "risk_types"]))
