"""Nothing a client sends reaches a log line: a canary through every endpoint and error path (issue 17, 2).

In process (fast): every log record of every logger, and everything written to stdout/stderr.
In a real uvicorn process (slow; SQLite and PostgreSQL): its whole output, with uvicorn's own
logging, including an unhandled error whose message quotes the request and a database error.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.serving.canary_app import QuotingScorer
from tests.serving.serving_fakes import HH_IN, Registry, auth, household

from riskmodel.serving import ServingSettings, create_app

CANARY = "CANARY" + uuid.uuid4().hex[:10].upper()
ROOT = Path(__file__).resolve().parents[2]


def _requests(keys: dict) -> list[tuple]:
    """(method, path, headers, body) through every endpoint, valid and invalid, each carrying the canary."""
    admin, office = auth(keys["admin"]), auth(keys["office"])
    ok = household(f"H{CANARY}", as_of="2024-07-01")
    boom = household(f"BOOM{CANARY}", as_of="2024-07-01")
    bad_field = household(as_of="2024-07-01")
    bad_field["household"]["household_type"] = CANARY
    bad_contract = household(f"H{CANARY}X", as_of="2024-07-01")
    bad_contract["medical_claims"][0]["out_of_pocket"] = 1
    visit = {"visited_on": "2024-07-03", "outcome": "not_home", "measures": [CANARY], "note": f"备注 {CANARY}"}
    j = json.dumps
    return [
        ("POST", "/v1/score", admin, j(ok)), ("POST", "/v1/score", admin, j(bad_field)),
        ("POST", "/v1/score", admin, j(bad_contract)), ("POST", "/v1/score", admin, j(boom)),
        ("POST", "/v1/score", admin, '{"household": "' + CANARY + '" ' + "x" * 3000),
        ("POST", "/v1/score", admin, j({**ok, CANARY: 1})),
        ("POST", "/v1/score", office, j(household(f"H{CANARY}", region="520399000001"))),
        ("POST", "/v1/score/batch", admin, j({"households": [ok, bad_field, bad_contract]})),
        ("POST", "/v1/score/batch", admin, j({"households": [boom]})),
        ("POST", "/v1/score/batch", admin, j({"households": CANARY})),
        ("GET", f"/v1/risk-lists/{CANARY}", admin, None), ("GET", f"/v1/risk-lists/latest?region={CANARY}", admin, None),
        ("GET", f"/v1/households/{CANARY}", admin, None), ("GET", f"/v1/households/{HH_IN}?x={CANARY}", admin, None),
        ("POST", f"/v1/households/{HH_IN}/visits", {**office, "Idempotency-Key": CANARY}, j(visit)),
        ("POST", f"/v1/households/{HH_IN}/visits", {**office, "Idempotency-Key": CANARY},
         j({**visit, "outcome": "not_at_risk"})),
        ("POST", f"/v1/households/{HH_IN}/visits", admin, j({**visit, "outcome": CANARY})),
        ("POST", f"/v1/households/{HH_IN}/visits", admin, j({**visit, "note": CANARY + "\u0000"})),
        ("POST", f"/v1/households/{CANARY}/visits", admin, j(visit)),
        ("GET", f"/v1/visits?since={CANARY}", admin, None), ("GET", f"/v1/visits/{CANARY}", admin, None),
        ("GET", "/v1/model", {"X-API-Key": CANARY}, None), ("GET", "/v1/drift/latest", {"X-API-Key": f"rk_{CANARY}"}, None),
        ("GET", f"/{CANARY}", admin, None), ("DELETE", f"/v1/households/{CANARY}", admin, None),
        ("GET", "/healthz", {"User-Agent": CANARY}, None), ("GET", "/readyz", {}, None), ("GET", "/metrics", {}, None),
    ]


def _send(client, keys) -> list[int]:
    statuses = []
    for method, path, headers, body in _requests(keys):
        r = client.request(method, path, headers={**headers, "Content-Type": "application/json"}, content=body)
        statuses.append(r.status_code)
    return statuses


def test_no_canary_in_any_log_in_process(store, keys, serving_settings, caplog, capfd):
    registry = Registry()
    app = create_app(store=store, scorer_loader=lambda uri: QuotingScorer(uri.rsplit("/", 1)[-1]),
                     serving=serving_settings, version_resolver=registry.resolve, model_info=registry.info)
    with caplog.at_level(logging.DEBUG):
        # raise_server_exceptions: an exception escaping the app (as uvicorn would log it) fails here
        with TestClient(app, raise_server_exceptions=True) as client:
            statuses = _send(client, keys)
            with store.engine.begin() as conn:  # a database error on the write path
                conn.execute(text("ALTER TABLE visits RENAME TO visits_gone"))
            visit = {"visited_on": "2024-07-03", "outcome": "not_home", "note": CANARY}
            failed = client.post(f"/v1/households/{HH_IN}/visits", json=visit, headers=auth(keys["admin"]))
    assert failed.status_code == 500 and failed.json()["detail"][0]["type"] == "internal"
    assert 500 in statuses and 200 in statuses and 422 in statuses  # the error paths were taken
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the test client
    assert server_side and not [r.getMessage() for r in server_side if CANARY in r.getMessage()]
    assert not [r for r in server_side if r.exc_info or r.exc_text]  # no exception text (it may quote input)
    out, err = capfd.readouterr()
    assert CANARY not in out and CANARY not in err
    assert "unhandled ValueError" in caplog.text and "unhandled OperationalError" in caplog.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict, port: int) -> subprocess.Popen:
    # as ``riskmodel serve`` runs it: uvicorn's access log off (its lines carry raw paths and query strings)
    cmd = [sys.executable, "-m", "uvicorn", "tests.serving.canary_app:make", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "debug", "--no-access-log"]
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_ready(base: str, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.2)
    pytest.fail("server never ready")


def _canary_through_uvicorn(store_url: str, schema: str | None, tmp_path) -> str:
    from riskmodel.store import Store

    store = Store(store_url, schema=schema)
    store.migrate()
    keys = {"admin": store.create_api_key("admin")[1], "office": store.create_api_key("office", "520322")[1]}
    port = _free_port()
    proc = _serve({"CANARY_DB": store_url, "CANARY_SCHEMA": schema or ""}, port)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        with httpx.Client(base_url=base, timeout=30) as client:
            statuses = _send(client, keys)
            with store.engine.begin() as conn:
                conn.execute(text("ALTER TABLE visits RENAME TO visits_gone"))
            visit = {"visited_on": "2024-07-03", "outcome": "not_home", "note": CANARY}
            failed = client.post(f"/v1/households/{HH_IN}/visits", json=visit, headers=auth(keys["admin"]))
            raw = client.post("/v1/score", content=b'{"household": {"household_id": "\xff' + CANARY.encode() + b'"}}',
                              headers={**auth(keys["admin"]), "Content-Type": "application/json"})
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
        if schema:
            store.drop_all()
        store.dispose()
    assert failed.status_code == 500 and raw.status_code == 422
    assert 500 in statuses and 422 in statuses
    assert "unhandled ValueError" in output and "unhandled" in output.split("unhandled ValueError", 1)[1]
    return output


@pytest.mark.slow
def test_no_canary_in_uvicorns_output_sqlite(tmp_path):
    output = _canary_through_uvicorn(f"sqlite:///{tmp_path / 'canary.db'}", None, tmp_path)
    assert CANARY not in output, output[-3000:]
    assert "Exception in ASGI application" not in output


@pytest.mark.slow
@pytest.mark.postgres
def test_no_canary_in_uvicorns_output_postgres(postgres_url, tmp_path):
    output = _canary_through_uvicorn(postgres_url, f"rm_canary_{uuid.uuid4().hex[:10]}", tmp_path)
    assert CANARY not in output, output[-3000:]
    assert "Exception in ASGI application" not in output
