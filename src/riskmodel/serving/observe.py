"""Metrics, one log line per request, and the last line of defence against unhandled errors."""

from __future__ import annotations

import json
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from riskmodel.serving.errors import unhandled
from riskmodel.serving.model_holder import LoadedModel

log = logging.getLogger("riskmodel.serving")

_INTERNAL = json.dumps({"detail": [{"loc": [], "msg": "internal error", "type": "internal"}]}).encode()


class Metrics:
    """Prometheus metrics of one app (own registry, so several apps in a process never clash)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("riskmodel_http_requests", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("riskmodel_http_request_seconds", "request latency", ["route"],
                                 buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10), registry=self.registry)
        self.scored = Counter("riskmodel_households_scored", "households scored over HTTP", registry=self.registry)
        self.swaps = Counter("riskmodel_model_swaps", "model loads and swaps", registry=self.registry)
        self.batch = Histogram("riskmodel_score_batch_households", "households per scoring call (dynamic batching)",
                               buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=self.registry)
        self.model = Gauge("riskmodel_model_info", "served model version (value 1)", ["name", "version"],
                           registry=self.registry)

    def swapped(self, loaded: LoadedModel) -> None:
        self.model.clear()
        self.model.labels(loaded.name, loaded.version).set(1)
        self.swaps.inc()


class Observe:
    """Request counts, latency and one log line per request, by route template and key id only
    (never household ids or payloads). Plain ASGI: ``BaseHTTPMiddleware`` costs a task and
    queues per request.

    It also answers any exception that reached it with a 500 and does NOT re-raise it:
    Starlette's outer error middleware would re-raise to the server, and uvicorn logs an
    exception with its message — which may quote what the client sent.
    """

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500  # until a response starts
        started = False

        async def send_status(message):
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception as exc:  # noqa: BLE001 - answered here, logged without its message
            if _is_body_limit_signal(exc):
                raise  # Starlette's body-size limit aborts the request this way (it answers the 413)
            unhandled(exc, getattr(scope.get("route"), "path", "unmatched"))
            status = 500
            if not started:
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(_INTERNAL)).encode())]})
                await send({"type": "http.response.body", "body": _INTERNAL})
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - start
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            log.info("%s %s %s %.1fms key=%s", scope["method"], route, status, elapsed * 1000,
                     (scope.get("state") or {}).get("key_id", "-"))


def _is_body_limit_signal(exc: BaseException) -> bool:
    """Starlette's request-body limit signals "too large" and "413 already sent" with private exceptions."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_is_body_limit_signal(e) for e in exc.exceptions)
    return type(exc).__module__ == "starlette.middleware.body_limit"
