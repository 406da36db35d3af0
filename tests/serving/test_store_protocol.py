"""The API and the pages work over any ``StoreProtocol``: served here over a view that has the
protocol's methods and nothing else, so a route reaching past the protocol answers 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.serving.serving_fakes import HH_IN, WEEK, auth, household
from tests.store.protocol_view import ProtocolView

from riskmodel.serving import create_app


@pytest.fixture
def view(store) -> ProtocolView:
    return ProtocolView(store)


def test_the_api_reads_and_writes_through_the_protocol_only(view, keys, registry, serving_settings, store):
    app = create_app(store=view, scorer_loader=registry.load, serving=serving_settings,
                     version_resolver=registry.resolve, model_info=registry.info)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/readyz").status_code == 200
        lists = client.get(f"/v1/risk-lists/{WEEK}", headers=auth(keys["analyst"]))
        assert lists.status_code == 200 and lists.json()["count"] == 2
        visit = {"visited_on": "2024-07-03", "outcome": "not_home", "measures": [], "note": ""}
        posted = client.post(f"/v1/households/{HH_IN}/visits", json=visit, headers=auth(keys["office"]))
        assert posted.status_code == 201, posted.text
        hh = client.get(f"/v1/households/{HH_IN}", headers=auth(keys["office"]))
        assert hh.status_code == 200 and hh.json()["visits"][0]["outcome"] == "not_home"
        scored = client.post("/v1/score", json=household(as_of=WEEK), headers=auth(keys["admin"]))
        assert scored.status_code == 200, scored.text
    assert {"migrate", "authenticate", "risk_list", "add_visit", "household_history", "log_access",
            "score_cutoffs"} <= set(view.called)
    assert store.visits()["outcome"].tolist() == ["not_home"]  # written to the real store behind the view
