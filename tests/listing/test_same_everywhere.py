"""One household, one week, one model: the same rank, band, risk types and measures in the weekly
XLSX, CSV and JSON, the stored list, ``GET /v1/households/{id}`` and ``POST /v1/score``."""

from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from tests.monitoring.panels import make_panel, make_scorer

from riskmodel.features.spec import risk_types
from riskmodel.monitoring.weekly import WeeklyConfig, run_weekly
from riskmodel.monitoring.writers import HEADERS_ZH
from riskmodel.serving import ServingSettings, create_app
from riskmodel.serving.payload import panel_payloads
from riskmodel.store import Store

WEEK = "2025-06-02"
VERSION = "3"


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """A weekly run written to files and a store, and the API serving the same model over that store."""
    out = tmp_path_factory.mktemp("weekly")
    panel, scorer = make_panel(seed=1, households=400, end="2025-06-30"), make_scorer(model_version=VERSION)
    store = Store(f"sqlite:///{out / 'store.db'}")
    store.migrate()
    run_weekly(None, WEEK, out, panel=panel, scorer=scorer, store=store, capacity={"share": 0.05},
               config=WeeklyConfig(evidently=False), log_mlflow=False)
    app = create_app(store=store, scorer_loader=lambda uri: scorer, version_resolver=lambda: VERSION,
                     model_info=lambda v: {}, serving=ServingSettings(reload_interval_s=0, auth_cache_s=0))
    with TestClient(app, raise_server_exceptions=False) as client:
        key = store.create_api_key("admin", name="test")[1]
        yield {"dir": out / WEEK, "panel": panel, "store": store, "client": client, "auth": {"X-API-Key": key}}
    store.dispose()


def _zh(codes) -> str:
    rt = risk_types()
    return "、".join(rt[c].zh for c in codes)


def test_every_listed_household_reads_the_same_in_every_output(week):
    doc = json.loads((week["dir"] / "risk_list.json").read_text("utf-8"))
    rows = pd.DataFrame(doc["rows"]).set_index("household_id")
    assert len(rows) >= 10 and set(rows["band"]) >= {"high", "medium"}
    csv = pd.read_csv(week["dir"] / "risk_list.csv", dtype=str, encoding="utf-8-sig").set_index(HEADERS_ZH["household_id"])
    stored = week["store"].risk_list(WEEK).set_index("household_id")
    sheets = {}
    for county in rows["county_code"].unique():
        wb = openpyxl.load_workbook(week["dir"] / "xlsx" / f"county_{county}.xlsx", read_only=True)
        for ws in wb.worksheets[2:]:  # the township sheets
            values = list(ws.values)
            for r in values[1:]:
                sheets[r[values[0].index(HEADERS_ZH["household_id"])]] = dict(zip(values[0], r))
    client, auth, panel = week["client"], week["auth"], week["panel"]

    for hid, row in rows.iterrows():
        rank, band, types, measures = row["rank"], row["band"], row["risk_types"], row["measures"]
        assert types and measures
        # CSV and XLSX: the office's files
        for people in (csv.loc[hid], sheets[hid]):
            assert int(people[HEADERS_ZH["rank"]]) == rank and people[HEADERS_ZH["band"]] == band
            assert people[HEADERS_ZH["risk_types_zh"]] == _zh(types)
            assert people[HEADERS_ZH["measures"]] == "；".join(measures)
        # the stored list
        s = stored.loc[hid]
        assert (s["rank"], s["band"], list(s["risk_types"]), list(s["measures"])) == (rank, band, types, measures)
        # the API: the household's latest week, and a fresh score of its data as of the same date
        latest = client.get(f"/v1/households/{hid}", headers=auth).json()["latest"]
        assert (latest["rank"], latest["band"], [t["code"] for t in latest["risk_types"]], latest["measures"]) == (
            rank, band, types, measures)
        scored = client.post("/v1/score", json=panel_payloads(panel, [hid], as_of=WEEK)[0], headers=auth)
        assert scored.status_code == 200, scored.text
        body = scored.json()
        assert body["score"] == pytest.approx(row["score"], abs=1e-6)
        assert (body["band"], [t["code"] for t in body["risk_types"]], body["measures"]) == (band, types, measures)


def test_the_api_export_is_the_weekly_runs_csv(week):
    r = week["client"].get(f"/v1/risk-lists/{WEEK}?format=csv", headers=week["auth"])
    assert r.status_code == 200
    exported = pd.read_csv(io.BytesIO(r.content), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    weekly = pd.read_csv(week["dir"] / "risk_list.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    key = [HEADERS_ZH["township_code"], HEADERS_ZH["rank"]]
    pd.testing.assert_frame_equal(exported.sort_values(key, ignore_index=True), weekly.sort_values(key, ignore_index=True))
