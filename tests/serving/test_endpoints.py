"""Lists, households, visits, model, drift and health endpoints, and the access log they write."""

from __future__ import annotations

import io

import pandas as pd

from riskmodel.monitoring.writers import HEADERS_ZH
from tests.serving.serving_fakes import HH_IN, HH_OUT, IN_REGION, WEEK, auth


def test_risk_list_json_by_date_iso_week_and_latest(client, keys):
    by_date = client.get(f"/v1/risk-lists/{WEEK}", headers=auth(keys["analyst"]))
    assert by_date.status_code == 200
    body = by_date.json()
    assert body["as_of"] == WEEK and body["count"] == 2 and body["model_version"] == "1" and body["run_id"] == "r1"
    first = body["items"][0]
    assert (first["rank"], first["household_id"]) == (1, HH_IN)
    assert [(t["code"], t["zh"]) for t in first["risk_types"]] == [("illness", "因病"), ("labor", "缺劳动力")]
    assert first["category_zh"] == "突发严重困难户" and first["new_on_list"] is True
    assert client.get("/v1/risk-lists/2024-W27", headers=auth(keys["analyst"])).json() == body
    assert client.get("/v1/risk-lists/latest", headers=auth(keys["analyst"])).json() == body


def test_risk_list_region_filter_and_unknown_week(client, keys):
    r = client.get(f"/v1/risk-lists/{WEEK}?region={IN_REGION}", headers=auth(keys["admin"]))
    assert [i["household_id"] for i in r.json()["items"]] == [HH_IN]
    assert client.get("/v1/risk-lists/2024-07-08", headers=auth(keys["admin"])).status_code == 404
    assert client.get("/v1/risk-lists/2024-W40", headers=auth(keys["admin"])).status_code == 404
    assert client.get("/v1/risk-lists/2024-13-45", headers=auth(keys["admin"])).status_code == 422
    assert client.get(f"/v1/risk-lists/{WEEK}?region=52x", headers=auth(keys["admin"])).status_code == 422


def test_risk_list_csv_and_xlsx(client, keys):
    csv = client.get(f"/v1/risk-lists/{WEEK}?format=csv", headers=auth(keys["admin"]))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    # the weekly run's own files: Chinese headers, the same cells as its risk_list.csv and workbooks
    df = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")), dtype=str)
    assert list(df.columns) == list(HEADERS_ZH.values())
    assert df["户编号"].tolist() == [HH_IN, HH_OUT]
    assert df.loc[0, "主要风险类型"] == "因病、缺劳动力" and df.loc[0, "建议识别类别"] == "突发严重困难户"
    assert df.loc[0, "建议帮扶措施"] == "临时救助" and df.loc[0, "名单日期"] == WEEK
    xlsx = client.get(f"/v1/risk-lists/{WEEK}?format=xlsx", headers=auth(keys["admin"]))
    assert xlsx.status_code == 200
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None, dtype=str)
    assert list(sheets)[:2] == ["汇总", "全县名单"]
    assert sheets["全县名单"]["户编号"].tolist() == [HH_IN, HH_OUT]
    assert sheets["全县名单"].loc[1, "村代码"].startswith("520323")


def test_household_latest_history_visits_and_access_log(client, keys, store):
    store.replace_scores("2024-06-24", pd.DataFrame({"household_id": [HH_IN], "region_code": [IN_REGION + "104201"],
                                                     "score": [1.0], "probability": [0.2]}), {"model_version": "1"})
    visit = {"visited_on": "2024-07-03", "outcome": "confirmed_at_risk", "measures": ["临时救助"], "note": "ok"}
    posted = client.post(f"/v1/households/{HH_IN}/visits", json=visit, headers=auth(keys["office"]))
    assert posted.status_code == 201, posted.text
    r = client.get(f"/v1/households/{HH_IN}", headers=auth(keys["office"]))
    assert r.status_code == 200
    body = r.json()
    assert body["region_code"] == IN_REGION + "104201"
    assert body["latest"]["as_of"] == WEEK and body["latest"]["rank"] == 1
    assert [t["code"] for t in body["latest"]["risk_types"]] == ["illness", "labor"]
    assert body["latest"]["measures"] == ["临时救助"]
    assert [h["as_of"] for h in body["history"]] == ["2024-06-24", WEEK]
    assert body["visits"][0]["outcome"] == "confirmed_at_risk" and body["visits"][0]["visited_on"] == "2024-07-03"
    log = store.access_log(household_id=HH_IN)
    office_id = next(k.id for k in store.list_api_keys() if k.role == "office")
    assert log["endpoint"].tolist() == ["household"] and log["key_id"].tolist() == [office_id]


def test_risk_list_reads_are_access_logged_per_household(client, keys, store):
    client.get(f"/v1/risk-lists/{WEEK}", headers=auth(keys["office"]))
    log = store.access_log()
    assert log["household_id"].tolist() == [HH_IN]  # the office saw only its own county's row
    assert log["endpoint"].tolist() == ["risk_list"]


def test_visit_is_durable_and_available_to_training(client, keys, store):
    visit = {"visited_on": "2024-07-03", "outcome": "not_at_risk", "measures": [], "note": ""}
    r = client.post(f"/v1/households/{HH_IN}/visits", json=visit, headers=auth(keys["admin"]))
    assert r.status_code == 201
    fresh = type(store)(store.url.render_as_string(hide_password=False))  # a new connection pool
    feedback = fresh.visits(since="2024-07-01")
    assert feedback[["household_id", "outcome"]].values.tolist() == [[HH_IN, "not_at_risk"]]
    assert feedback["id"].tolist() == [r.json()["id"]]
    fresh.dispose()


def test_visit_validation(client, keys):
    url = f"/v1/households/{HH_IN}/visits"
    for bad in ({"visited_on": "2024-07-03", "outcome": "maybe"}, {"outcome": "not_at_risk"},
                {"visited_on": "2999-01-01", "outcome": "not_at_risk"},
                {"visited_on": "2024-07-03", "outcome": "not_at_risk", "note": "x" * 3000}):
        assert client.post(url, json=bad, headers=auth(keys["admin"])).status_code == 422, bad


def test_unknown_household_is_404(client, keys):
    assert client.get("/v1/households/H9999999", headers=auth(keys["admin"])).status_code == 404
    visit = {"visited_on": "2024-07-03", "outcome": "not_at_risk"}
    assert client.post("/v1/households/H9999999/visits", json=visit, headers=auth(keys["admin"])).status_code == 404


def test_model_and_drift(client, keys):
    m = client.get("/v1/model", headers=auth(keys["office"])).json()
    assert (m["name"], m["version"], m["uri"]) == ("riskmodel", "1", "models:/riskmodel/1")
    assert m["metrics"] == {"auc": 0.8} and m["run_id"] == "run1" and m["follows_alias"] is True
    d = client.get("/v1/drift/latest", headers=auth(keys["analyst"])).json()
    assert d["as_of"] == WEEK and d["summary"]["share_drifted"] == 0.05 and d["model_version"] == "1"


def test_health_ready_and_metrics(client, keys):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["model"]["version"] == "1" and ready.json()["store"] is True
    client.get(f"/v1/households/{HH_IN}", headers=auth(keys["admin"]))
    text = client.get("/metrics").text
    assert 'riskmodel_model_info{name="riskmodel",version="1"} 1.0' in text
    assert 'route="/v1/households/{household_id}"' in text
    assert HH_IN not in text  # route templates only, never ids


def test_logs_carry_no_household_ids(client, keys, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="riskmodel.serving"):
        client.get(f"/v1/households/{HH_IN}", headers=auth(keys["admin"]))
        client.post("/v1/score", json={"household": {"household_id": "H7SECRET"}}, headers=auth(keys["admin"]))
    assert caplog.records  # the request lines were logged
    assert HH_IN not in caplog.text and "H7SECRET" not in caplog.text
    line = next(r.getMessage() for r in caplog.records if "/v1/households/{household_id}" in r.getMessage())
    assert " 200 " in line and "key=-" not in line  # status and the key id that made the request
