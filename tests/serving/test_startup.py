"""The server listens at once while the registry is down, says why it is not ready, retries, and stops on SIGTERM."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.serving.serving_fakes import Registry, auth, household
from tests.serving.test_log_canary import _free_port, _serve

from riskmodel.serving import ServingSettings, create_app


class DownRegistry(Registry):
    """A registry that is unreachable (each attempt hangs ``hang_s``, then fails) until ``up`` is set."""

    def __init__(self, hang_s: float = 0.0):
        super().__init__()
        self.hang_s = hang_s
        self.up = threading.Event()
        self.attempts = 0

    def resolve(self) -> str:
        self.attempts += 1
        if not self.up.is_set():
            time.sleep(self.hang_s)
            raise ConnectionError("tracking server unreachable")
        return super().resolve()


def _settings(**kw) -> ServingSettings:
    return ServingSettings(reload_interval_s=0, auth_cache_s=0, load_retry_initial_s=0.05, load_retry_max_s=0.2, **kw)


def test_starts_at_once_while_the_registry_hangs(store):
    registry = DownRegistry(hang_s=30)
    app = create_app(store=store, scorer_loader=registry.load, serving=_settings(),
                     version_resolver=registry.resolve, model_info=registry.info)
    start = time.monotonic()
    with TestClient(app) as client:
        assert time.monotonic() - start < 5
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["model_error"] == "loading the model (first attempt under way)"
    assert time.monotonic() - start < 10  # shutdown does not wait for the hanging attempt


def test_not_ready_with_the_reason_then_ready_when_the_registry_is_back(store, keys):
    registry = DownRegistry()
    app = create_app(store=store, scorer_loader=registry.load, serving=_settings(),
                     version_resolver=registry.resolve, model_info=registry.info)
    with TestClient(app) as client:
        deadline = time.monotonic() + 10
        while registry.attempts < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["model_error"] == "ConnectionError: tracking server unreachable"
        assert client.post("/v1/score", json=household(), headers=auth(keys["admin"])).status_code == 503
        registry.up.set()
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline + 10, "never became ready"
            time.sleep(0.05)
        assert client.post("/v1/score", json=household(), headers=auth(keys["admin"])).status_code == 200


@pytest.mark.slow
def test_uvicorn_listens_and_stops_on_sigterm_with_the_tracking_server_unreachable(tmp_path):
    """The real MLflow client against a closed port: before, 104 s without listening and SIGTERM ignored."""
    port, dead = _free_port(), _free_port()
    proc = _serve({"CANARY_DB": f"sqlite:///{tmp_path / 'down.db'}", "CANARY_TRACKING": f"http://127.0.0.1:{dead}"},
                  port)
    base = f"http://127.0.0.1:{port}"
    try:
        start = time.monotonic()
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() - start < 30, "not listening"
            time.sleep(0.1)
        ready = httpx.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 503 and ready.json()["model"] is None and ready.json()["model_error"]
        proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        output = proc.communicate(timeout=20)[0]
        assert time.monotonic() - stopped < 20
        # uvicorn shuts down gracefully, then re-raises the signal it caught (exit status -SIGTERM)
        assert proc.returncode == -signal.SIGTERM and "Application shutdown complete" in output, output[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
