"""An app factory for subprocess tests (``uvicorn tests.serving.canary_app:make --factory``): the real app on a
fake registry whose scorer fails, quoting its input, for households whose id contains ``BOOM``.

Environment: ``CANARY_DB`` (store URL), ``CANARY_SCHEMA`` (PostgreSQL schema, optional),
``CANARY_TRACKING`` (an MLflow tracking URI: then the real registry client is used instead).
"""

from __future__ import annotations

import os

from tests.serving.serving_fakes import FakeScorer, Registry, seed_week

from riskmodel.serving import ServingSettings, create_app
from riskmodel.settings import Settings
from riskmodel.store import Store


class QuotingScorer(FakeScorer):
    def columns(self, panel, as_of, *, explain=None):
        ids = list(panel.households["household_id"].astype(str))
        if any("BOOM" in h for h in ids):
            raise ValueError(f"cannot score {ids}")  # an error message that quotes client data
        return super().columns(panel, as_of, explain=explain)


def make():
    store = Store(os.environ["CANARY_DB"], schema=os.environ.get("CANARY_SCHEMA") or None)
    store.migrate()
    if not store.risk_list_weeks():
        seed_week(store)
    serving = ServingSettings(reload_interval_s=0, auth_cache_s=0, load_retry_initial_s=0.2, load_retry_max_s=1)
    tracking = os.environ.get("CANARY_TRACKING")
    if tracking:
        return create_app(Settings(mlflow_tracking_uri=tracking), store=store, serving=serving)
    registry = Registry()
    return create_app(store=store, scorer_loader=lambda uri: QuotingScorer(uri.rsplit("/", 1)[-1]),
                      version_resolver=registry.resolve, model_info=registry.info, serving=serving)
