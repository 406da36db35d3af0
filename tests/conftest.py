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


# --- synthetic panel (owned by riskmodel.synth) ------------------------------------------

@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory):
    """A small generated panel folder: 2,000 households, 2021–2024, seed 7, baseline, Parquet."""
    from riskmodel.synth import generate_to

    out = tmp_path_factory.mktemp("synth") / "panel"
    return generate_to(out, households=2000, start="2021-01-01", end="2024-12-31", seed=7,
                       scenario="baseline", fmt="parquet")


@pytest.fixture(scope="session")
def synth_panel(synth_dir):
    """The ``synth_dir`` panel loaded and validated (``riskmodel.contract.Panel``)."""
    from riskmodel.contract import load

    return load(synth_dir)


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch):
    """Argon2 at its smallest in tests (production keeps argon2-cffi's defaults): hashes stay Argon2id."""
    from argon2 import PasswordHasher

    from riskmodel.store import accounts

    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture(scope="session")
def synth_parts_dir(synth_dir, tmp_path_factory):
    """The ``synth_dir`` panel rewritten in the county-partitioned layout (same rows, same policy)."""
    import shutil

    from riskmodel.contract import atomic_dir, load, write_panel
    from riskmodel.contract.policy import POLICY_FILE

    out = tmp_path_factory.mktemp("synth_parts") / "panel"
    with atomic_dir(out) as staging:
        write_panel(load(synth_dir).tables(), staging, partitioned=True)
        shutil.copy(synth_dir / POLICY_FILE, staging / POLICY_FILE)
    return out
