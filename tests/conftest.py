"""Shared fixtures: a small synthetic panel (session-wide) and the PostgreSQL URL.

Tests are fast by default: panels here are a few thousand households at most; larger runs
belong in bench/.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL database; skips locally when unset, fails in CI."""
    url = os.environ.get("RISKMODEL_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: set RISKMODEL_TEST_POSTGRES_URL")
        pytest.skip("RISKMODEL_TEST_POSTGRES_URL not set")
    return url


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path):
    """Every test gets its own working directory, so default SQLite/MLflow files never collide."""
    monkeypatch.chdir(tmp_path)
    from riskmodel.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
