"""Fixtures of the monitoring tests: a small panel and a scorer with a transparent model."""

from __future__ import annotations

import pytest

from tests.monitoring.panels import make_panel, make_scorer


@pytest.fixture(scope="session")
def panel():
    return make_panel(seed=1, households=400, end="2025-06-30")


@pytest.fixture(scope="session")
def scorer():
    return make_scorer()


@pytest.fixture
def quick():
    """Weekly config without the Evidently rendering (10 s a run); the alert is computed anyway."""
    from riskmodel.monitoring.weekly import WeeklyConfig

    return WeeklyConfig(evidently=False)
