"""When the champion alias moves, the server swaps models without failing requests in flight."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn
from tests.serving.serving_fakes import FakeScorer, Registry, auth, household

from riskmodel.serving import ServingSettings, create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """uvicorn in a thread on a free loopback port (a real server: real concurrency)."""

    def __init__(self, app):
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=20)


def test_alias_move_swaps_model_without_failing_in_flight_requests(store, keys):
    registry = Registry("1", delay_s=0.05)  # each score takes 50 ms more, so swaps land mid-request
    app = create_app(store=store, scorer_loader=registry.load, version_resolver=registry.resolve,
                     model_info=registry.info,
                     serving=ServingSettings(reload_interval_s=0.05, auth_cache_s=5, startup_wait_s=30))
    swapped_at: dict[str, float] = {}
    on_swap = app.state.holder.on_swap
    app.state.holder.on_swap = lambda loaded: (swapped_at.setdefault(loaded.version, time.monotonic()),
                                               on_swap(loaded))
    payload = household(as_of="2024-07-01")
    results: list[tuple[int, str | None, float, float]] = []  # status, version, start, end
    lock = threading.Lock()

    def hammer(url: str, stop: threading.Event):
        with httpx.Client(base_url=url, headers=auth(keys["admin"]), timeout=30) as c:
            while not stop.is_set():
                start = time.monotonic()
                r = c.post("/v1/score", json=payload)
                version = r.json()["model"]["version"] if r.status_code == 200 else None
                with lock:
                    results.append((r.status_code, version, start, time.monotonic()))

    def wait_for(version: str, n: int = 8):
        deadline = time.monotonic() + 60
        while sum(v == version for _, v, _, _ in list(results)) < n:
            assert time.monotonic() < deadline, f"no responses from version {version}"
            time.sleep(0.02)

    with _Server(app) as url:
        stop = threading.Event()
        with ThreadPoolExecutor(6) as pool:
            for _ in range(6):
                pool.submit(hammer, url, stop)
            wait_for("1")
            registry.version = "2"  # the alias moves; the poller sees it within 50 ms
            wait_for("2")
            registry.version = "3"
            wait_for("3")
            stop.set()
        with httpx.Client(base_url=url, headers=auth(keys["admin"])) as c:
            after = c.post("/v1/score", json=payload).json()["model"]["version"]
            served = c.get("/v1/model").json()["version"]

    failed = [r for r in results if r[0] != 200]
    assert not failed, f"{len(failed)} of {len(results)} requests failed"
    assert (after, served) == ("3", "3")
    assert registry.loads == ["models:/riskmodel/1", "models:/riskmodel/2", "models:/riskmodel/3"]
    in_flight = [r for r in results for v in ("2", "3") if r[2] < swapped_at[v] < r[3]]
    assert in_flight, "no request was in flight during a swap: the test did not test anything"
    # versions only move forward: a request never goes back to a model that was replaced
    versions = [v for _, v, _, _ in sorted(results, key=lambda r: r[2])]
    firsts = [versions.index(v) for v in ("1", "2", "3")]
    assert firsts == sorted(firsts)


def test_failed_load_keeps_serving_the_old_model(store, keys):
    registry = Registry("1")
    good_load = registry.load

    def flaky(uri):
        if uri.endswith("/2"):
            raise OSError("artifact store unreachable")
        return good_load(uri)

    app = create_app(store=store, scorer_loader=flaky, version_resolver=registry.resolve, model_info=registry.info,
                     serving=ServingSettings(reload_interval_s=0, auth_cache_s=0, startup_wait_s=30))
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        registry.version = "2"
        assert app.state.holder.refresh() is False
        r = c.post("/v1/score", json=household(as_of="2024-07-01"), headers=auth(keys["admin"]))
        assert r.status_code == 200 and r.json()["model"]["version"] == "1"
        assert "artifact store unreachable" in app.state.holder.last_error
        assert c.get("/readyz").status_code == 200


def test_a_new_version_is_warmed_up_before_requests_see_it():
    from riskmodel.serving.model_holder import ModelHolder

    seen: list[tuple[str, object]] = []
    holder = ModelHolder(lambda uri: FakeScorer(), "models:/riskmodel@champion", name="riskmodel",
                         resolver=lambda: "3", warm=lambda loaded: seen.append((loaded.version, holder.current)))
    assert holder.refresh()
    assert seen == [("3", None)]  # warmed while the previous model (none) was still served
    assert holder.current.version == "3"


def test_a_failing_warm_up_does_not_stop_the_model_loading():
    from riskmodel.serving.model_holder import ModelHolder

    def broken(loaded):
        raise ValueError("example does not score")

    holder = ModelHolder(lambda uri: FakeScorer(), "models:/riskmodel@champion", name="riskmodel", resolver=lambda: "4",
                         warm=broken)
    assert holder.refresh() and holder.current.version == "4"


def test_a_loader_that_returns_no_scorer_is_a_load_error():
    from riskmodel.serving.model_holder import ModelHolder

    holder = ModelHolder(lambda uri: uri, "models:/riskmodel@champion", name="riskmodel", resolver=lambda: "5")
    assert not holder.refresh() and holder.current is None
    assert holder.last_error == "TypeError: models:/riskmodel/5: the loader returned a str, not a scorer"


def test_the_scorer_and_the_test_fakes_keep_one_protocol():
    from tests.monitoring.panels import make_scorer

    from riskmodel.scoring import ScorerProtocol

    assert isinstance(make_scorer(), ScorerProtocol) and isinstance(FakeScorer(), ScorerProtocol)
