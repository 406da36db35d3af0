"""Serving fixtures: a SQLite store with keys and a stored week, the app on a fake registry."""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId
from fastapi.testclient import TestClient
from tests.serving.serving_fakes import IN_REGION, Registry, seed_week

from riskmodel.serving import ServingSettings, create_app
from riskmodel.store import Store


def pytest_collection_modifyitems(items):
    """Schemathesis gives every API operation's item the same node id; pytest-xdist keys its
    schedule by node id, so under ``-n 2`` only the first operation was fuzzed. The operation
    goes into the id (``test_no_check_fails[POST /v1/score]``) so each one is scheduled and run."""
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and "[" in item.name and "[" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}[{item.name.split('[', 1)[1]}")


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'serving.db'}")
    s.migrate()
    seed_week(s)
    yield s
    s.dispose()


@pytest.fixture
def keys(store) -> dict[str, str]:
    return {
        "admin": store.create_api_key("admin", name="ops")[1],
        "analyst": store.create_api_key("analyst", name="province")[1],
        "office": store.create_api_key("office", IN_REGION, name="county office")[1],
    }


@pytest.fixture
def registry() -> Registry:
    return Registry()


@pytest.fixture
def serving_settings() -> ServingSettings:
    return ServingSettings(reload_interval_s=0, auth_cache_s=0, max_body_bytes=200_000, max_batch=20,
                           startup_wait_s=30)


@pytest.fixture
def app(store, registry, serving_settings):
    return create_app(store=store, scorer_loader=registry.load, serving=serving_settings,
                      version_resolver=registry.resolve, model_info=registry.info)


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
