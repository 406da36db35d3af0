"""Typed, frozen settings with ``RISKMODEL_*`` environment overrides.

Defaults are embedded and local (SQLite files and folders in the working directory) so that
one command runs everything on a laptop; production points the same settings at PostgreSQL
and a shared MLflow server.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from riskmodel.listing.policy import CAPACITY_SHARE, HORIZON_WEEKS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RISKMODEL_", frozen=True, extra="ignore")

    #: MLflow tracking/registry backend. Default: a SQLite file in the working directory.
    mlflow_tracking_uri: str = "sqlite:///mlflow.db"
    #: Where MLflow stores artifacts for experiments riskmodel creates.
    mlflow_artifact_root: Path = Path("mlartifacts")
    #: MLflow experiments by purpose: training and evaluation runs, weekly runs, promotions.
    experiment_name: str = "riskmodel-training"
    weekly_experiment: str = "riskmodel-weekly"
    promotion_experiment: str = "riskmodel-promotions"
    #: Registered model name in the MLflow registry.
    model_name: str = "riskmodel"
    #: Service store (API keys, lists, scores, visits, access log). SQLite by default.
    database_url: str = "sqlite:///riskmodel.db"
    #: Outcome horizon in weeks (the list policy's, from the contract).
    horizon_weeks: int = HORIZON_WEEKS
    #: Default list capacity as a share of eligible households (the list policy's).
    capacity_share: float = CAPACITY_SHARE
    #: Append-only history of registry alias moves (MLflow has none).
    alias_log: Path = Path("alias_history.jsonl")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment (call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
