"""One API contract: visits (idempotent, Location, sync), pages, time zone, region-bound keys, docs offline."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from tests.serving.serving_fakes import HH_IN, HH_OUT, IN_REGION, WEEK, auth, household

VISITS = f"/v1/households/{HH_IN}/visits"
VISIT = {"visited_on": "2024-07-03", "outcome": "not_home", "measures": [], "note": "无人在家"}


def test_a_visit_answers_201_with_its_location(client, keys):
    r = client.post(VISITS, json=VISIT, headers=auth(keys["office"]))
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "not_home" and r.json()["region_code"] == IN_REGION + "104201"
    location = r.headers["Location"]
    assert location == f"/v1/visits/{r.json()['id']}"
    assert client.get(location, headers=auth(keys["office"])).json() == r.json()


def test_a_retried_visit_with_the_same_idempotency_key_is_stored_once(client, keys, store):
    headers = {**auth(keys["office"]), "Idempotency-Key": "app-7f3a-0001"}
    first = client.post(VISITS, json=VISIT, headers=headers)
    again = client.post(VISITS, json=VISIT, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert len(store.visits()) == 1
    other = client.post(VISITS, json={**VISIT, "outcome": "not_at_risk"}, headers=headers)
    assert other.status_code == 409 and other.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    fresh = client.post(VISITS, json=VISIT, headers={**auth(keys["office"]), "Idempotency-Key": "app-7f3a-0002"})
    assert fresh.status_code == 201 and len(store.visits()) == 2


def test_idempotency_keys_are_per_api_key(client, keys, store):
    client.post(VISITS, json=VISIT, headers={**auth(keys["office"]), "Idempotency-Key": "same"})
    r = client.post(VISITS, json=VISIT, headers={**auth(keys["admin"]), "Idempotency-Key": "same"})
    assert r.status_code == 201 and len(store.visits()) == 2


def test_visits_sync_since_a_day_in_the_keys_region(client, keys):
    for hid in (HH_IN, HH_OUT):
        assert client.post(f"/v1/households/{hid}/visits", json=VISIT, headers=auth(keys["admin"])).status_code == 201
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    office = client.get(f"/v1/visits?since={today.isoformat()}", headers=auth(keys["office"])).json()
    assert [v["household_id"] for v in office["items"]] == [HH_IN] and office["next_after"] is None
    admin = client.get(f"/v1/visits?since={today.isoformat()}&limit=1", headers=auth(keys["admin"])).json()
    assert [v["household_id"] for v in admin["items"]] == [HH_IN]
    rest = client.get(f"/v1/visits?after={admin['next_after']}", headers=auth(keys["admin"])).json()
    assert [v["household_id"] for v in rest["items"]] == [HH_OUT]
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert client.get(f"/v1/visits?since={tomorrow}", headers=auth(keys["admin"])).json()["items"] == []
    assert client.get("/v1/visits?region=520323", headers=auth(keys["office"])).status_code == 403
    assert client.get(f"/v1/visits/{rest['items'][0]['id']}", headers=auth(keys["office"])).status_code == 404


def test_lists_are_paginated(client, keys, store):
    rows = pd.DataFrame({"household_id": [f"P{i:04d}" for i in range(7)], "region_code": ["520322104201"] * 7,
                         "rank": range(1, 8), "score": [7.0 - i for i in range(7)]})
    store.replace_risk_list("2024-07-08", rows)
    pages = [client.get(f"/v1/risk-lists/2024-07-08?size=3&page={n}", headers=auth(keys["admin"])).json()
             for n in (1, 2, 3, 4)]
    assert [p["count"] for p in pages] == [3, 3, 1, 0] and {p["total"] for p in pages} == {7}
    assert [i["rank"] for p in pages for i in p["items"]] == list(range(1, 8))
    assert client.get("/v1/risk-lists/2024-07-08?size=0", headers=auth(keys["admin"])).status_code == 422


def test_as_of_defaults_to_today_in_the_offices_time_zone(client, keys, app):
    r = client.post("/v1/score", json=household(), headers=auth(keys["admin"]))
    assert r.json()["as_of"] == dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert app.state.scoring.tz == ZoneInfo("Asia/Shanghai")


def test_a_household_with_no_data_gets_no_measures_and_says_so(client, keys):
    r = client.post("/v1/score", json=household("H0NODATA", members=False, as_of=WEEK), headers=auth(keys["admin"]))
    body = r.json()
    assert body["measures"] == [] and "no measures are suggested" in body["measures_note"]
    with_data = client.post("/v1/score", json=household(as_of=WEEK), headers=auth(keys["admin"])).json()
    assert with_data["measures"] == ["临时救助"] and with_data["measures_note"] is None


def test_a_key_with_a_region_is_bound_to_it_whatever_its_role(client, store):
    analyst = store.create_api_key("analyst", IN_REGION, name="county analysts")[1]
    assert client.get(f"/v1/households/{HH_OUT}", headers=auth(analyst)).status_code == 404
    assert client.get(f"/v1/households/{HH_IN}", headers=auth(analyst)).status_code == 200
    listed = client.get(f"/v1/risk-lists/{WEEK}", headers=auth(analyst)).json()
    assert [i["household_id"] for i in listed["items"]] == [HH_IN] and listed["region"] == IN_REGION
    assert client.post("/v1/score", json=household(region="520399000001"), headers=auth(analyst)).status_code == 403


def test_docs_load_without_any_cdn(client):
    html = client.get("/docs").text
    assert "cdn" not in html.lower() and "http" not in html.replace("http-equiv", "")
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        r = client.get(f"/docs-assets/{asset}")
        assert r.status_code == 200 and len(r.content) > 10_000


def test_openapi_has_a_response_schema_for_every_endpoint(client):
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            ok = next(s for s in op["responses"] if s.startswith("2"))
            content = op["responses"][ok]["content"]
            for media, spec in content.items():
                assert spec.get("schema"), (path, method, media)
            for status, resp in op["responses"].items():
                if status.startswith("4") and status != "422" or status == "503" and path != "/readyz":
                    assert resp["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut"), (path, status)
    assert schemas["ScoreOut"]["properties"]["band"]["anyOf"][0]["enum"] == ["high", "medium", "low"]
    assert schemas["ListItem"]["properties"]["category"]["anyOf"][0]["enum"] == ["unstable", "marginal", "sudden"]
    assert "not_home" in schemas["VisitIn"]["properties"]["outcome"]["enum"]
    assert "HTTPValidationError" not in schemas
