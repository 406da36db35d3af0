"""A small fitted scorer shared by the scoring tests (one fit for the session)."""

from __future__ import annotations

import pytest

from riskmodel.scoring import Scorer
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import fit_recipe

FAST = TrainConfig(step_weeks=8, fit_periods=3, calibration_periods=2, num_boost_round=30,
                   lightgbm={"num_leaves": 7, "min_data_in_leaf": 20})


@pytest.fixture(scope="session")
def scorer(synth_panel) -> Scorer:
    """Fitted on the session's synth panel as of 2024-03-31, capacity share 2 %."""
    fitted = fit_recipe(synth_panel.as_of("2024-03-31"), "2024-03-31", FAST)
    return Scorer(fitted.lightgbm, model_name="riskmodel", model_version="7", capacity_share=0.02)
