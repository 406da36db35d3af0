"""The office pages on a real weekly run: a small generated panel, two weeks listed by the real
``Scorer`` on a transparent linear model into a SQLite store, users of each role, and the app as ``riskmodel serve`` builds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.monitoring.panels import make_scorer
from tests.serving.serving_fakes import Registry

from riskmodel.serving import ServingSettings, create_app
from riskmodel.store import Store

WEEKS = ("2024-06-24", "2024-07-01")
CAPACITY = {"share": 0.1}


@pytest.fixture(scope="session")
def web_run(tmp_path_factory):
    """(data_dir, out_dir, database file): two weekly runs written to files and the store."""
    from riskmodel.contract import load
    from riskmodel.monitoring.weekly import WeeklyConfig, run_weekly
    from riskmodel.synth import generate_to

    root = tmp_path_factory.mktemp("web")
    data = generate_to(root / "data", households=600, start="2023-01-01", end="2024-07-31", seed=7,
                       scenario="baseline", fmt="parquet")
    panel, scorer = load(data), make_scorer(model_version="1")
    db = root / "web.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    for week in WEEKS:
        run_weekly(data, week, root / "weekly", capacity=CAPACITY, store=store, scorer=scorer, panel=panel,
                   config=WeeklyConfig(evidently=False), log_mlflow=False)
    store.dispose()
    return Path(data), root / "weekly", db


@pytest.fixture
def store(web_run, tmp_path):
    """A copy of the run's store for this test (visits and users written here stay here)."""
    db = tmp_path / "web.db"
    db.write_bytes(web_run[2].read_bytes())
    s = Store(f"sqlite:///{db}")
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def week_rows(store):
    return store.risk_list(store.risk_list_weeks()[-1])


@pytest.fixture
def counties(week_rows) -> tuple[str, str]:
    """(the office's county, another county) among the listed households."""
    codes = sorted(week_rows["county_code"].unique())
    assert len(codes) >= 2, "the panel spans two counties"
    return codes[0], codes[1]


@pytest.fixture
def users(store, counties) -> dict[str, tuple[str, str]]:
    """username → (username, password) for an office user bound to the first county, an analyst, an admin."""
    out = {}
    for name, role, region in (("office1", "office", counties[0]), ("analyst1", "analyst", None),
                               ("admin1", "admin", None)):
        _, password = store.create_user(name, role, region)
        out[role] = (name, password)
    return out


@pytest.fixture
def app(store):
    registry = Registry()
    return create_app(store=store, scorer_loader=registry.load, version_resolver=registry.resolve,
                      model_info=registry.info, serving=ServingSettings(reload_interval_s=0, auth_cache_s=0))


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def log_in(client, username: str, password: str):
    form = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(form.text)})
