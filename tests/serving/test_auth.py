"""The auth matrix: role × region × endpoint, plus missing, bad and revoked keys."""

from __future__ import annotations

import pytest
from tests.serving.serving_fakes import HH_IN, HH_OUT, IN_REGION, OUT_REGION, WEEK, auth, household

VISIT = {"visited_on": "2024-07-03", "outcome": "already_assisted"}

# endpoint name → (method, path, json body)
ENDPOINTS = {
    "score in region": ("post", "/v1/score", household(region=IN_REGION + "000001", as_of="2024-07-01")),
    "score other region": ("post", "/v1/score", household(region=OUT_REGION + "000001", as_of="2024-07-01")),
    "batch in region": ("post", "/v1/score/batch", {"households": [household(region=IN_REGION + "000001")]}),
    "batch other region": ("post", "/v1/score/batch", {"households": [household(region=OUT_REGION + "000001")]}),
    "list": ("get", f"/v1/risk-lists/{WEEK}", None),
    "list own region": ("get", f"/v1/risk-lists/{WEEK}?region={IN_REGION}104", None),
    "list other region": ("get", f"/v1/risk-lists/{WEEK}?region={OUT_REGION}", None),
    "household in region": ("get", f"/v1/households/{HH_IN}", None),
    "household other region": ("get", f"/v1/households/{HH_OUT}", None),
    "visit in region": ("post", f"/v1/households/{HH_IN}/visits", VISIT),
    "visit other region": ("post", f"/v1/households/{HH_OUT}/visits", VISIT),
    "model": ("get", "/v1/model", None),
    "drift": ("get", "/v1/drift/latest", None),
}

#                                  admin analyst office
EXPECTED = {
    "score in region":            (200, 200, 200),
    "score other region":         (200, 200, 403),
    "batch in region":            (200, 200, 200),
    "batch other region":         (200, 200, 403),
    "list":                       (200, 200, 200),
    "list own region":            (200, 200, 200),
    "list other region":          (200, 200, 403),
    "household in region":        (200, 200, 200),
    "household other region":     (200, 200, 404),
    "visit in region":            (201, 403, 201),
    "visit other region":         (201, 403, 404),
    "model":                      (200, 200, 200),
    "drift":                      (200, 200, 200),
}
ROLES = ("admin", "analyst", "office")


def _call(client, endpoint, headers):
    method, path, body = ENDPOINTS[endpoint]
    return getattr(client, method)(path, headers=headers, **({"json": body} if body is not None else {}))


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_role_region_matrix(client, keys, endpoint):
    got = tuple(_call(client, endpoint, auth(keys[role])).status_code for role in ROLES)
    assert got == EXPECTED[endpoint]


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_missing_or_bad_key_is_401(client, keys, endpoint):
    assert _call(client, endpoint, {}).status_code == 401
    assert _call(client, endpoint, auth("rk_000000000000_nope")).status_code == 401
    assert _call(client, endpoint, auth("not a key at all")).status_code == 401
    assert _call(client, endpoint, auth(keys["admin"] + "x")).status_code == 401


def test_office_list_is_its_region_only(client, keys):
    items = client.get(f"/v1/risk-lists/{WEEK}", headers=auth(keys["office"])).json()["items"]
    assert {i["region_code"][:6] for i in items} == {IN_REGION}
    broader = client.get(f"/v1/risk-lists/{WEEK}?region=52", headers=auth(keys["office"])).json()
    assert broader["region"] == IN_REGION and len(broader["items"]) == 1


def test_other_region_household_looks_like_an_unknown_one(client, keys):
    other = client.get(f"/v1/households/{HH_OUT}", headers=auth(keys["office"]))
    unknown = client.get("/v1/households/H9999999", headers=auth(keys["office"]))
    assert (other.status_code, other.json()) == (unknown.status_code, unknown.json())


def test_revoked_key_is_401(client, keys, store):
    assert client.get("/v1/model", headers=auth(keys["analyst"])).status_code == 200
    key_id = keys["analyst"].split("_")[1]
    assert store.revoke_api_key(key_id)
    assert client.get("/v1/model", headers=auth(keys["analyst"])).status_code == 401  # auth cache off in tests


def test_health_endpoints_need_no_key(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_openapi_documents_the_key_header(client):
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    assert "examples" in doc["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]
