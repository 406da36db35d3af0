"""A synthetic panel large enough for model comparisons (the shared ``synth_dir`` has too few
identified households for a gate decision to mean anything)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def training_dir(tmp_path_factory):
    """10,000 households, 2021–2024, seed 11, baseline scenario, Parquet (~7 s to generate)."""
    from riskmodel.synth import generate_to

    out = tmp_path_factory.mktemp("training") / "panel"
    return generate_to(out, households=10000, start="2021-01-01", end="2024-12-31", seed=11,
                       scenario="baseline", fmt="parquet")


@pytest.fixture
def env(store, monkeypatch):
    """The module's MLflow ``store`` settings as environment variables, settings re-read."""
    from riskmodel.settings import get_settings

    for k, v in store["env"].items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    return store["env"]
