"""A throw-away MLflow store and alias log for one test module (``isolated_mlflow``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from riskmodel.settings import get_settings


@contextmanager
def isolated_mlflow(root: Path) -> Iterator[dict[str, str]]:
    """Point riskmodel and MLflow at a private store under ``root``; yields the environment set."""
    env = {"RISKMODEL_MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
           "RISKMODEL_MLFLOW_ARTIFACT_ROOT": str(root / "mlartifacts"),
           "RISKMODEL_ALIAS_LOG": str(root / "alias_history.jsonl"), "RISKMODEL_ACTOR": "test-suite"}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        get_settings.cache_clear()
        try:
            yield env
        finally:
            get_settings.cache_clear()
