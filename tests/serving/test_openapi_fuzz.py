"""Schemathesis against the OpenAPI document: generated requests (valid and invalid) never get a 5xx.

Bounded: a few examples per operation, so the whole run takes seconds.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from serving_fakes import Registry, seed_week

from riskmodel.serving import ServingSettings, create_app
from riskmodel.store import Store


REGISTRY = Registry("1")
# in-memory store: the app (and so the schema) exists at collection time; the fixture fills it
STORE = Store("sqlite://")
APP = create_app(store=STORE, scorer_loader=REGISTRY.load, version_resolver=REGISTRY.resolve,
                 model_info=REGISTRY.info, serving=ServingSettings(reload_interval_s=0, auth_cache_s=60, max_batch=5))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def office_key():
    STORE.migrate()
    seed_week(STORE)
    APP.state.holder.refresh()  # what the lifespan does at start
    yield STORE.create_api_key("office", "520322")[1]  # the most constrained role: every branch of the rules
    STORE.dispose()


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, office_key):
    case.call_and_validate(headers={"X-API-Key": office_key}, checks=[not_a_server_error])
