"""POST /v1/score and /v1/score/batch: known and brand-new households, malformed payloads."""

from __future__ import annotations

import copy
import json

import pytest
from tests.serving.serving_fakes import IN_REGION, auth, household

from riskmodel.serving.schemas import EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD


def test_score_returns_explained_result_with_model_version(client, keys):
    r = client.post("/v1/score", json=household(as_of="2024-07-01"), headers=auth(keys["admin"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["household_id"] == "H0NEW001"
    assert body["as_of"] == "2024-07-01"
    assert body["score"] == pytest.approx(8000 / 5000 - 0.1 + 0.01)  # the fake scorer's formula
    assert 0 < body["probability"] < 1
    assert body["category"] == "marginal" and body["category_zh"] == "边缘易致贫户"
    assert [t["code"] for t in body["risk_types"]] == ["illness", "labor"]
    assert body["risk_types"][0]["zh"] == "因病"
    assert body["risk_types"][0]["contribution"] == pytest.approx(body["score"] * 0.7)
    assert body["measures"] == ["临时救助"]
    assert body["model"] == {"name": "riskmodel", "version": "1"}
    assert r.headers["X-Model-Version"] == "1"


def test_new_household_without_any_history_scores(client, keys):
    payload = household("H0NEW002", members=False, as_of="2024-07-01")
    assert set(payload) == {"household", "as_of"}  # no members, income, claims, assistance or events
    r = client.post("/v1/score", json=payload, headers=auth(keys["office"]))
    assert r.status_code == 200, r.text
    assert r.json()["score"] == pytest.approx(0.01)


def test_empty_lists_are_the_same_as_absent_ones(client, keys):
    absent = household("H0NEW003", members=False, as_of="2024-07-01")
    empty = {**absent, "members": [], "income": [], "medical_claims": [], "assistance": [], "events": []}
    a = client.post("/v1/score", json=absent, headers=auth(keys["admin"])).json()
    b = client.post("/v1/score", json=empty, headers=auth(keys["admin"])).json()
    assert a == b


def test_openapi_examples_score(client, keys):
    for example in (EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD):
        payload = {**example, "as_of": "2024-07-01"}
        r = client.post("/v1/score", json=payload, headers=auth(keys["admin"]))
        assert r.status_code == 200, r.text


def test_openapi_request_bodies_resolve_and_their_examples_score(client, keys):
    doc = client.get("/openapi.json").json()
    components = doc["components"]["schemas"]
    for path in ("/v1/score", "/v1/score/batch"):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"].rsplit("/", 1)[1] in components
        for example in body["examples"].values():
            payload = {**example["value"], "as_of": "2024-07-01"}
            r = client.post(path, json=payload, headers=auth(keys["admin"]))
            assert r.status_code == 200, r.text
    assert {"HouseholdPayload", "BatchPayload", "IncomeRow", "MemberRow"} <= set(components)


def test_batch_scores_in_request_order(client, keys):
    payload = {"households": [household("H0NEW00B"), household("H0NEW00A", members=False)], "as_of": "2024-07-01"}
    r = client.post("/v1/score/batch", json=payload, headers=auth(keys["analyst"]))
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["household_id"] for x in results] == ["H0NEW00B", "H0NEW00A"]
    assert r.json()["model"]["version"] == "1"
    single = client.post("/v1/score", json=household("H0NEW00B", as_of="2024-07-01"),
                         headers=auth(keys["analyst"])).json()
    assert results[0] == single


def test_batch_with_different_as_of_dates(client, keys):
    late_claim = household("H0NEW00C", as_of="2024-03-10")  # the claim is reported on 2024-03-20
    payload = {"households": [late_claim, household("H0NEW00D")], "as_of": "2024-07-01"}
    results = client.post("/v1/score/batch", json=payload, headers=auth(keys["admin"])).json()["results"]
    assert results[0]["as_of"] == "2024-03-10" and results[0]["score"] == pytest.approx(-0.1 + 0.01)
    assert results[1]["as_of"] == "2024-07-01" and results[1]["score"] == pytest.approx(1.5 + 0.01)


def _with(path: tuple, value, base=None) -> dict:
    p = copy.deepcopy(base or household(as_of="2024-07-01", income=[
        {"month": "2024-05", "wage": 1800.0, "business": 0.0, "property": 0.0, "transfer": 200.0,
         "reported_on": "2024-06-20"}]))
    node = p
    for k in path[:-1]:
        node = node[k]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return p


_DELETE = object()

MALFORMED = {
    "bad enum": (("members", 0, "relation"), "boss", ["body", "members", 0, "relation"]),
    "bad date": (("household", "registered_on"), "2023-1-5", ["body", "household", "registered_on"]),
    "impossible date": (("household", "registered_on"), "2023-02-30", ["body", "household", "registered_on"]),
    "timestamp for a date": (("household", "registered_on"), "2023-01-05T00:00:00",
                             ["body", "household", "registered_on"]),
    "unix time for a date": (("household", "registered_on"), 1672876800, ["body", "household", "registered_on"]),
    "date with a newline": (("household", "registered_on"), "2023-01-05\n", ["body", "household", "registered_on"]),
    "month 13": (("income", 0, "month"), "2024-13", ["body", "income", 0, "month"]),
    "month of year 0": (("income", 0, "month"), "0000-05", ["body", "income", 0, "month"]),
    "date for a month": (("income", 0, "month"), "2024-05-01", ["body", "income", 0, "month"]),
    "bad region": (("household", "region_code"), "52032210420", ["body", "household", "region_code"]),
    "missing required": (("household", "household_type"), _DELETE, ["body", "household", "household_type"]),
    "unknown column": (("household", "name"), "x", ["body", "household", "name"]),
    "negative money": (("medical_claims", 0, "total_cost"), -1, ["body", "medical_claims", 0, "total_cost"]),
    "string for number": (("medical_claims", 0, "total_cost"), "lots", ["body", "medical_claims", 0, "total_cost"]),
    "birth year in future": (("members", 0, "birth_year"), 2999, ["body", "members", 0, "birth_year"]),
    "bad as_of": (("as_of",), "July", ["body", "as_of"]),
    "cost does not balance": (("medical_claims", 0, "out_of_pocket"), 100,
                              ["body", "medical_claims", 0, "out_of_pocket"]),
    "reported before event": (("medical_claims", 0, "reported_on"), "2024-01-01",
                              ["body", "medical_claims", 0, "reported_on"]),
    "alleviated without exit year": (("household", "household_type"), "alleviated",
                                     ["body", "household", "poverty_exit_year"]),
    "members without head": (("members", 0, "relation"), "spouse", ["body", "members"]),
    "claim of a stranger": (("medical_claims", 0, "member_id"), "M-other", ["body", "medical_claims", 0, "member_id"]),
    "child row of another household": (("members", 0, "household_id"), "H-other",
                                       ["body", "members", 0, "household_id"]),
    "registered after as_of": (("household", "registered_on"), "2024-08-01", ["body", "household", "registered_on"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_payload_is_422_naming_the_field(client, keys, case):
    path, value, loc = MALFORMED[case]
    r = client.post("/v1/score", json=_with(path, value), headers=auth(keys["admin"]))
    assert r.status_code == 422, r.text
    details = r.json()["detail"]
    assert any(d["loc"] == loc for d in details), details
    assert all(d["msg"] for d in details)


FIELD_CASES = ("bad enum", "bad date", "impossible date", "timestamp for a date", "month 13", "bad region",
               "unknown column", "string for number", "bad as_of")


@pytest.mark.parametrize("case", FIELD_CASES)
def test_a_batch_breaking_the_schema_in_one_household_is_422_naming_household_and_field(client, keys, case):
    """The schema promises it: a request that breaks it is rejected whole (a client's encoding bug)."""
    path, value, loc = MALFORMED[case]
    payload = {"households": [household("H0NEW00E"), _with(path, value), household("H0NEW00G")]}
    r = client.post("/v1/score/batch", json=payload, headers=auth(keys["admin"]))
    assert r.status_code == 422, r.text
    assert any(d["loc"] == ["body", "households", 1, *loc[1:]] for d in r.json()["detail"]), r.json()


def test_contract_errors_in_a_batch_point_at_the_household(client, keys):
    bad = _with(("members", 0, "relation"), "spouse")
    payload = {"households": [household("H0NEW00E"), bad]}
    r = client.post("/v1/score/batch", json=payload, headers=auth(keys["admin"]))
    assert r.status_code == 200
    assert [x["household_id"] for x in r.json()["results"]] == ["H0NEW00E"]
    (failed,) = r.json()["errors"]
    assert (failed["index"], failed["household_id"]) == (1, bad["household"]["household_id"])
    assert failed["detail"][0]["loc"] == ["body", "households", 1, "members"]
    assert failed["detail"][0]["type"] == "contract.one_head"


def test_a_batch_where_every_household_breaks_the_contract_reports_each(client, keys):
    bad = _with(("members", 0, "relation"), "spouse")
    late = _with(("household", "registered_on"), "2024-08-01")
    late["household"]["household_id"] = "H0LATE01"
    r = client.post("/v1/score/batch", json={"households": [bad, late], "as_of": "2024-07-01"},
                    headers=auth(keys["admin"]))
    assert r.status_code == 200
    body = r.json()
    assert body["results"] == [] and body["model"] is None
    assert [f["index"] for f in body["errors"]] == [0, 1]


def test_duplicate_household_in_batch_is_reported_once(client, keys):
    payload = {"households": [household("H0NEW00F", members=False), household("H0NEW00F", members=False)]}
    r = client.post("/v1/score/batch", json=payload, headers=auth(keys["admin"]))
    assert r.status_code == 200
    body = r.json()
    assert [x["household_id"] for x in body["results"]] == ["H0NEW00F"]
    assert [(f["index"], f["detail"][0]["type"]) for f in body["errors"]] == [(1, "contract.unique")]


@pytest.mark.parametrize("path", ["/v1/score", "/v1/score/batch"])
@pytest.mark.parametrize("body", ["{not json", "", "[]", "null", json.dumps({"households": []})])
def test_broken_json_is_422_not_500(client, keys, body, path):
    r = client.post(path, content=body, headers={**auth(keys["admin"]), "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][0] == "body"


def test_request_size_is_limited(client, keys):
    p = household(as_of="2024-07-01")
    p["household"]["pad"] = "x" * 300_000  # the fixture's limit is 200 kB
    r = client.post("/v1/score", json=p, headers=auth(keys["admin"]))
    assert r.status_code == 413


def test_batch_size_is_limited(client, keys):
    payload = {"households": [household(f"H{i:07d}", members=False) for i in range(21)]}  # limit 20
    r = client.post("/v1/score/batch", json=payload, headers=auth(keys["admin"]))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "households"]


def test_no_model_yet_is_503_and_not_ready(store, keys, serving_settings):
    from fastapi.testclient import TestClient

    from riskmodel.serving import create_app

    app = create_app(store=store, scorer_loader=lambda uri: None, serving=serving_settings,
                     version_resolver=lambda: None)
    with TestClient(app) as c:
        assert c.post("/v1/score", json=household(), headers=auth(keys["admin"])).status_code == 503
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["model"] is None
        assert c.get("/healthz").status_code == 200


def test_office_scores_only_its_region(client, keys):
    ok = client.post("/v1/score", json=household(region=IN_REGION + "000001"), headers=auth(keys["office"]))
    other = client.post("/v1/score", json=household(region="520399000001"), headers=auth(keys["office"]))
    mixed = client.post("/v1/score/batch", headers=auth(keys["office"]), json={
        "households": [household("H1", region=IN_REGION + "000001"), household("H2", region="520399000001")]})
    assert (ok.status_code, other.status_code, mixed.status_code) == (200, 403, 403)


def test_band_is_where_the_score_would_rank_in_the_latest_stored_week(client, keys, store):
    import pandas as pd

    week = pd.DataFrame({"household_id": [f"W{i:03d}" for i in range(100)], "region_code": ["520322104201"] * 100,
                         "score": [float(i) for i in range(100)]})
    store.replace_scores("2024-07-08", week, {"model_version": "1"})  # cut-offs: rank 2 → 98, rank 10 → 90

    def band(out_of_pocket):
        p = household(as_of="2024-07-01")
        claim = p["medical_claims"][0]
        claim.update(total_cost=out_of_pocket, reimbursed=0, out_of_pocket=out_of_pocket)
        r = client.post("/v1/score", json=p, headers=auth(keys["admin"]))
        return r.json()["band"]

    assert [band(500_000), band(460_000), band(8000)] == ["high", "medium", "low"]


def test_band_is_null_before_any_weekly_scores_of_the_model(client, keys, registry, store, app):
    registry.version = "2"
    app.state.holder.refresh()
    r = client.post("/v1/score", json=household(as_of="2024-07-01"), headers=auth(keys["admin"]))
    assert r.json()["model"]["version"] == "2" and r.json()["band"] is None


def test_concurrent_single_requests_each_get_their_own_answer(client, keys, app):
    """Dynamic batching under concurrency: right household per response, 422 only for the bad one."""
    from concurrent.futures import ThreadPoolExecutor

    payloads = [household(f"H0CC{i:03d}", as_of="2024-07-01") for i in range(24)]
    payloads += [household("H0CC000", as_of="2024-07-01")]  # the same household twice
    bad = household("H0CCBAD", as_of="2024-07-01")
    bad["medical_claims"][0]["out_of_pocket"] = 1  # breaks cost balance
    payloads.insert(7, bad)

    def send(p):
        return client.post("/v1/score", json=p, headers=auth(keys["admin"]))

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, payloads))
    for p, r in zip(payloads, responses):
        hid = p["household"]["household_id"]
        if hid == "H0CCBAD":
            assert r.status_code == 422
            assert [e["loc"] for e in r.json()["detail"]] == [["body", "medical_claims", 0, "out_of_pocket"]]
        else:
            assert r.status_code == 200, r.text
            assert r.json()["household_id"] == hid
    assert app.state.batcher.requests == len(payloads)


def test_concurrent_batches_are_scored_one_at_a_time_each_with_its_own_answer(store, keys, serving_settings):
    """Batches score in a worker thread, one at a time: concurrent ones only fought over the GIL."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient
    from tests.serving.serving_fakes import Registry

    from riskmodel.serving import create_app

    registry = Registry(delay_s=0.05)
    active, peak, lock = [0], [0], threading.Lock()
    load = registry.load

    def counting_load(uri):
        scorer = load(uri)
        score = scorer.score

        def counted(*args, **kwargs):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            try:
                return score(*args, **kwargs)
            finally:
                with lock:
                    active[0] -= 1

        scorer.score = counted
        return scorer

    app = create_app(store=store, scorer_loader=counting_load, serving=serving_settings,
                     version_resolver=registry.resolve, model_info=registry.info)
    batches = [[household(f"H0B{b}{i:03d}", as_of="2024-07-01") for i in range(3)] for b in range(4)]
    with TestClient(app) as c:
        peak[0] = 0  # warm-up scores at start are not requests

        def send(batch):
            return c.post("/v1/score/batch", json={"households": batch}, headers=auth(keys["admin"]))

        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(send, batches))
    for batch, r in zip(batches, responses):
        assert r.status_code == 200, r.text
        assert [x["household_id"] for x in r.json()["results"]] == [p["household"]["household_id"] for p in batch]
    assert peak[0] == 1

