"""The contract's outcome definition: eligibility at t, labels over (t, t + H], maturity."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.contract import Panel
from riskmodel.labels import eligible, outcomes

from tests.features.handmade import AS_OF, frames


@pytest.fixture(scope="module")
def panel() -> Panel:
    return Panel.from_frames(frames())


def test_eligible_excludes_unregistered_and_open_monitoring_objects(panel):
    assert eligible(panel, AS_OF).tolist() == ["H1", "H2", "H3"]  # H4 open, H5 registers in July


def test_a_monitoring_object_is_eligible_again_once_eliminated(panel):
    assert "H4" not in eligible(panel, "2024-07-31")
    assert "H4" in eligible(panel, "2024-08-01")  # eliminated_on <= t


def test_an_identification_counts_only_once_reported(panel):
    # H1 identified on 2024-09-01 but reported on 2024-09-05: the office does not know yet
    assert "H1" in eligible(panel, "2024-09-03")
    assert "H1" not in eligible(panel, "2024-09-05")


def test_outcomes_label_the_first_identification_within_the_horizon(panel):
    out = outcomes(panel, AS_OF, horizon_weeks=26).set_index("household_id")
    assert out["label"].to_dict() == {"H1": 1, "H2": 0, "H3": 0}
    assert out.loc["H1", "identified_on"] == pd.Timestamp("2024-09-01")
    assert out.loc["H1", "category"] == "sudden" and out.loc["H1", "main_risk_type"] == "disaster"
    assert pd.isna(out.loc["H2", "identified_on"]) and pd.isna(out.loc["H2", "main_risk_type"])


def test_identification_after_the_horizon_or_on_t_is_not_a_positive(panel):
    short = outcomes(panel, AS_OF, horizon_weeks=8).set_index("household_id")
    assert short.loc["H1", "label"] == 0  # 2024-09-01 is after t + 8 weeks
    on_t = outcomes(panel, "2024-09-01", horizon_weeks=26)
    assert "H1" in on_t["household_id"].tolist()  # identified on t but reported later: eligible at t
    assert on_t.set_index("household_id").loc["H1", "label"] == 0  # t < identified_on is strict


def test_maturity_is_t_plus_horizon_within_the_cutoff(panel):
    cutoff = panel.cutoff()
    assert cutoff == pd.Timestamp("2024-09-05")
    assert not outcomes(panel, AS_OF, 26)["mature"].any()
    assert outcomes(panel, AS_OF, 9)["mature"].all()  # 2024-09-01 <= cut-off


def test_outcomes_rows_match_eligible(panel):
    for t in ("2022-01-01", AS_OF, "2024-10-01"):
        assert outcomes(panel, t)["household_id"].tolist() == eligible(panel, t).tolist()
