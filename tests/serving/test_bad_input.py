"""Bad input of every class gets a bounded 4xx in the one error shape — never a 500 (issue 17, 1–4 and 8)."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import text
from tests.serving.serving_fakes import HH_IN, auth, household

#: ID-number-shaped test values, assembled at run time so that no such literal is committed.
ID_SHAPED = "110101" + "19900307" + "4514"


VISITS = f"/v1/households/{HH_IN}/visits"
VISIT = {"visited_on": "2024-07-03", "outcome": "confirmed_at_risk", "measures": ["临时救助"], "note": "ok"}


def _post(client, key, path, body: bytes | str):
    return client.post(path, content=body, headers={**auth(key), "Content-Type": "application/json"})


def _score_body(**changes) -> dict:
    p = household(as_of="2024-07-01")
    for dotted, value in changes.items():
        target = p
        *parts, last = dotted.split(".")
        for part in parts:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return p


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
@pytest.mark.parametrize("field", ["medical_claims.0.total_cost", "members.0.birth_year"])
def test_non_finite_numbers_are_422(client, keys, token, field):
    body = json.dumps(_score_body(**{field: "__X__"})).replace('"__X__"', token)
    for path, payload in (("/v1/score", body), ("/v1/score/batch", '{"households": [' + body + "]}")):
        r = _post(client, keys["admin"], path, payload)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert detail[0]["loc"][-1] == field.rsplit(".", 1)[1]
        json.dumps(detail, allow_nan=False)  # the echoed input is JSON-safe


@pytest.mark.parametrize("field,value", [
    ("as_of", "9999-12-31"), ("as_of", "1024-07-03"), ("household.registered_on", "1500-01-01"),
    ("medical_claims.0.service_date", "2262-04-12"), ("members.0.joined_on", "1677-09-21"),
])
def test_dates_outside_the_contract_range_are_422(client, keys, field, value):
    r = client.post("/v1/score", json=_score_body(**{field: value}), headers=auth(keys["admin"]))
    assert r.status_code == 422, r.text
    (err,) = r.json()["detail"]
    assert err["loc"][1:] == [int(p) if p.isdigit() else p for p in field.split(".")]
    assert "between 1900-01-01 and 2100-12-31" in err["msg"]


def test_a_month_outside_the_range_is_422(client, keys):
    p = _score_body()
    p["income"] = [{"month": "1024-05", "wage": 1.0, "business": 0.0, "property": 0.0, "transfer": 0.0,
                    "reported_on": "2024-06-20"}]
    assert client.post("/v1/score", json=p, headers=auth(keys["admin"])).status_code == 422


@pytest.mark.parametrize("visited_on", ["1024-07-03", "0001-01-01", "1899-12-31"])
def test_an_implausible_visit_date_is_refused_and_reads_keep_working(client, keys, visited_on):
    r = client.post(VISITS, json={**VISIT, "visited_on": visited_on}, headers=auth(keys["admin"]))
    assert r.status_code == 422, r.text
    assert client.get(f"/v1/households/{HH_IN}", headers=auth(keys["admin"])).status_code == 200


def test_reads_survive_a_date_written_before_the_range_check(client, keys, store):
    """A row from before writes were checked: every read still answers (the class of issue 17.1)."""
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO visits (household_id, visited_on, outcome, measures, note, recorded_at) "
                          "VALUES (:h, '1024-07-03', 'not_at_risk', '[]', '', '2024-07-03 00:00:00')"), {"h": HH_IN})
    r = client.get(f"/v1/households/{HH_IN}", headers=auth(keys["admin"]))
    assert r.status_code == 200 and r.json()["visits"][0]["visited_on"] == "1024-07-03"
    assert client.get("/v1/visits", headers=auth(keys["admin"])).status_code == 200
    frame = store.visits()
    assert len(frame) == 1 and frame["visited_on"].isna().all()  # NaT, not OutOfBoundsDatetime


@pytest.mark.parametrize("path", ["/v1/score", "/v1/score/batch", VISITS])
@pytest.mark.parametrize("body", [b"\xff\xfe{\x00", b'{"household": "\xc3\x28"}', b'{"note": "\xed\xa0\x80"}'])
def test_non_utf8_bodies_are_422(client, keys, path, body):
    r = _post(client, keys["admin"], path, body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize("note,loc,rule", [
    ("a\\ud800b", ["body"], "json_invalid"), ("\\udc80", ["body"], "json_invalid"),  # the JSON parser refuses them
    ("a\\u0000b", ["body", "note"], "contract.free_text"), ("\\u0007", ["body", "note"], "contract.free_text"),
])
def test_lone_surrogates_and_nul_in_a_note_are_422(client, keys, note, loc, rule):
    body = json.dumps({**VISIT, "note": "__N__"}).replace("__N__", note)
    r = _post(client, keys["admin"], VISITS, body)
    assert r.status_code == 422, r.text
    assert (r.json()["detail"][0]["loc"], r.json()["detail"][0]["type"]) == (loc, rule)


@pytest.mark.parametrize("hid", ["H%00001", "%E2%80%8B", ID_SHAPED, "13812345678"])
def test_bad_household_ids_in_the_path_are_422(client, keys, hid):
    for r in (client.get(f"/v1/households/{hid}", headers=auth(keys["admin"])),
              client.post(f"/v1/households/{hid}/visits", json=VISIT, headers=auth(keys["admin"]))):
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["path", "household_id"]


@pytest.mark.parametrize("field,value", [
    ("medical_claims.0.total_cost", "20000"), ("medical_claims.0.total_cost", True),
    ("members.0.birth_year", "1970"), ("members.0.birth_year", 1970.0), ("members.0.birth_year", False),
    ("household.relocated", "yes"), ("household.relocated", 1), ("household.relocated", "true"),
])
def test_loose_json_types_are_refused(client, keys, field, value):
    r = client.post("/v1/score", json=_score_body(**{field: value}), headers=auth(keys["admin"]))
    assert r.status_code == 422, r.text


def test_an_integer_is_a_valid_amount(client, keys):
    r = client.post("/v1/score", json=_score_body(**{"medical_claims.0.total_cost": 20000}), headers=auth(keys["admin"]))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("hid", ["   ", "\u200b", "\u200b\ufeff", " \u2060 ", "H\x00X", ID_SHAPED,
                                 "tel13812345678"])
@pytest.mark.parametrize("field", ["household.household_id", "members.0.member_id", "medical_claims.0.claim_id"])
def test_blank_invisible_and_personal_ids_are_refused(client, keys, hid, field):
    p = _score_body(**{field: hid})
    if field == "members.0.member_id":
        p["medical_claims"][0]["member_id"] = hid
    r = client.post("/v1/score", json=p, headers=auth(keys["admin"]))
    assert r.status_code == 422, r.text
    assert any(e["type"] == "contract.pseudonymous_id" for e in r.json()["detail"])
    assert "1101011990" not in r.text.split('"input"')[0]  # the message never quotes the value


@pytest.mark.parametrize("note", [f"身份证{ID_SHAPED}", "电话 138-1234-5678", "联系 0851-6234567"])
def test_id_number_and_phone_shaped_text_in_notes_and_measures_is_refused(client, keys, note):
    for visit in ({**VISIT, "note": note}, {**VISIT, "measures": [note]}):
        r = client.post(VISITS, json=visit, headers=auth(keys["admin"]))
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["type"] == "contract.free_text"


def test_many_unknown_keys_give_a_small_bounded_answer(store, registry, keys):
    from fastapi.testclient import TestClient

    from riskmodel.serving import ServingSettings, create_app

    app = create_app(store=store, scorer_loader=registry.load, version_resolver=registry.resolve,
                     serving=ServingSettings(reload_interval_s=0, startup_wait_s=30))  # the default 2 MB body limit
    p = _score_body()
    p["household"].update({f"k{i}": 1 for i in range(100_000)})
    body = json.dumps(p)
    assert len(body) > 1_000_000
    with TestClient(app) as client:
        r = _post(client, keys["admin"], "/v1/score", body)
    assert r.status_code == 422
    (detail,) = r.json()["detail"]  # refused by its shape, before pydantic builds 100,000 errors
    assert (detail["loc"], detail["type"]) == (["body", "household"], "too_many_keys")
    assert len(r.content) < 1_000


def test_errors_are_counted_beyond_the_first_twenty(client, keys):
    p = _score_body()
    p["household"].update({f"k{i}": 1 for i in range(50)})  # a small body: validated as usual
    r = client.post("/v1/score", json=p, headers=auth(keys["admin"]))
    detail = r.json()["detail"]
    assert len(detail) == 21 and detail[-1]["type"] == "too_many_errors"
    assert detail[-1]["msg"].startswith("30 more problems")


def test_a_body_over_the_limit_is_413_not_an_error(client, keys, caplog):
    r = _post(client, keys["admin"], "/v1/score", "[" + "1," * 150_000 + "1]")  # the fixture's limit is 200 kB
    assert r.status_code == 413 and "unhandled" not in caplog.text


def test_invalid_json_does_not_echo_the_body(client, keys):
    body = '{"household": {"household_id": "SECRET-BODY-TEXT", ' + "x" * 5000
    r = _post(client, keys["admin"], "/v1/score", body)
    assert r.status_code == 422
    assert "SECRET-BODY-TEXT" not in r.text and len(r.content) < 1000


def test_long_inputs_are_echoed_truncated(client, keys):
    r = client.post("/v1/score", json=_score_body(**{"household.household_type": "z" * 5000}),
                    headers=auth(keys["admin"]))
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert len(err["input"]) <= 101


@pytest.mark.parametrize("status,request_args", [
    (401, ("GET", "/v1/model", {})), (404, ("GET", "/v1/households/H9999999", "admin")),
    (404, ("GET", "/v1/nowhere", "admin")), (405, ("DELETE", "/v1/model", "admin")),
    (403, ("POST", VISITS, "analyst")), (422, ("GET", "/v1/risk-lists/2024-13-45", "admin")),
])
def test_every_error_has_the_one_shape(client, keys, status, request_args):
    method, path, who = request_args
    headers = auth(keys[who]) if isinstance(who, str) else {}
    r = client.request(method, path, headers=headers, json=VISIT if method == "POST" else None)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail
    for e in detail:
        assert set(e) <= {"loc", "msg", "type", "input"} and isinstance(e["loc"], list)
        assert e["msg"] and " " in e["msg"]  # words, not a bare rule id


def test_contract_rule_messages_are_words(client, keys):
    p = copy.deepcopy(_score_body())
    p["medical_claims"][0]["out_of_pocket"] = 1  # breaks the cost balance
    r = client.post("/v1/score", json=p, headers=auth(keys["admin"]))
    (err,) = r.json()["detail"]
    assert err["type"].startswith("contract.") and err["msg"] != err["type"].split(".", 1)[1]


@pytest.mark.parametrize("method,path", [
    ("GET", "/v1/risk-lists/latest"), ("GET", f"/v1/households/{HH_IN}"), ("POST", "/v1/score"),
    ("GET", "/v1/model"), ("GET", "/healthz"),
])
def test_a_query_parameter_the_endpoint_does_not_take_is_named_not_ignored(client, keys, method, path):
    """A mistyped filter (``?regoin=``) would otherwise answer as if no filter were given."""
    r = client.request(method, path, params=[("regoin", "520322"), ("", "x"), ("regoin", "2")],
                       headers=auth(keys["admin"]), json=_score_body() if method == "POST" else None)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert sorted((d["loc"], d["type"], d["input"]) for d in detail) == [
        (["query", ""], "extra_forbidden", "x"), (["query", "regoin"], "extra_forbidden", "2"),
        (["query", "regoin"], "extra_forbidden", "520322")]
    assert detail[0]["msg"].startswith("unknown query parameter (this endpoint takes: ")


def test_the_parameters_an_endpoint_takes_are_still_taken(client, keys):
    r = client.get("/v1/risk-lists/latest", params={"region": "520322", "page": 1, "size": 2, "format": "json"},
                   headers=auth(keys["admin"]))
    assert r.status_code == 200, r.text
    assert r.json()["size"] == 2
