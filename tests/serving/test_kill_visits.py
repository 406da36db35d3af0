"""kill -9 of the server while clients record visits: every acknowledged visit is stored, once (slow).

Four clients post visits with idempotency keys to a real uvicorn process; the server is killed
with SIGKILL mid-stream, started again, and the clients retry what was not acknowledged with the
same keys. Afterwards the store holds every acknowledged visit exactly once, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid

import httpx
import pytest
from tests.serving.serving_fakes import HH_IN, auth
from tests.serving.test_log_canary import _free_port, _serve, _wait_ready

from riskmodel.store import Store

pytestmark = pytest.mark.slow

VISIT = {"visited_on": "2024-07-03", "outcome": "not_home", "measures": [], "note": "kill test"}


def _clients(base: str, key: str, stop: threading.Event, acked: dict, pending: dict, lock: threading.Lock) -> list:
    def run(worker: int):
        n = 0
        with httpx.Client(base_url=base, timeout=10) as client:
            while not stop.is_set():
                ikey = f"w{worker}-{n}"
                with lock:
                    pending[ikey] = True
                try:
                    r = client.post(f"/v1/households/{HH_IN}/visits", json=VISIT,
                                    headers={**auth(key), "Idempotency-Key": ikey})
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue  # not acknowledged: retried later with the same key
                if r.status_code == 201:
                    with lock:
                        acked[ikey] = r.json()["id"]
                        pending.pop(ikey, None)
                    n += 1

    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(4)]
    for t in threads:
        t.start()
    return threads


def _kill_while_writing(url: str, schema: str | None) -> None:
    store = Store(url, schema=schema)
    store.migrate()
    key = store.create_api_key("admin")[1]
    env = {"CANARY_DB": url, "CANARY_SCHEMA": schema or ""}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    acked: dict[str, int] = {}
    pending: dict[str, bool] = {}
    lock = threading.Lock()
    proc = _serve(env, port)
    try:
        _wait_ready(base, proc)
        stop = threading.Event()
        threads = _clients(base, key, stop, acked, pending, lock)
        deadline = time.monotonic() + 60
        while len(acked) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # mid-stream: requests in flight are lost, none acknowledged is
        proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        proc = _serve(env, port)
        _wait_ready(base, proc)
        with httpx.Client(base_url=base, timeout=30) as client:  # the clients' retries after the outage
            for ikey in list(pending):
                r = client.post(f"/v1/households/{HH_IN}/visits", json=VISIT,
                                headers={**auth(key), "Idempotency-Key": ikey})
                assert r.status_code == 201, r.text
                acked[ikey] = r.json()["id"]
    finally:
        proc.kill()
        proc.wait()
    stored = store.visits()
    try:
        assert len(acked) >= 40
        assert set(acked.values()) <= set(stored["id"])  # nothing acknowledged is lost
        assert len(stored) == len(acked)  # and nothing retried is stored twice
    finally:
        if schema:
            store.drop_all()
        store.dispose()


def test_kill_9_during_visit_writes_sqlite(tmp_path):
    _kill_while_writing(f"sqlite:///{tmp_path / 'kill.db'}", None)


@pytest.mark.postgres
def test_kill_9_during_visit_writes_postgres(postgres_url):
    _kill_while_writing(postgres_url, f"rm_kill_{uuid.uuid4().hex[:10]}")
