"""/healthz, /readyz and /metrics (no key: for the platform's probes and scrapers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from riskmodel.serving.deps import ScoringDep, StoreDep
from riskmodel.serving.responses import HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz():
    """The process is up (answers while the model is still loading)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut, "description": (
    "not ready: no model loaded yet (`model_error` says why, e.g. the registry is unreachable) "
    "or the store does not answer")}})
def readyz(scoring: ScoringDep, store: StoreDep):
    """Ready for traffic: a model is loaded and the store answers."""
    loaded = scoring.holder.current
    store_ok = store.ping()
    body = {"model": None if loaded is None else {"name": loaded.name, "version": loaded.version},
            "store": store_ok, "model_error": scoring.holder.status() if loaded is None else None}
    return JSONResponse(body, status_code=200 if loaded is not None and store_ok else 503)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
                             "description": "Prometheus text format"}})
def metrics_endpoint(request: Request):
    """Prometheus metrics (request counts and latency by route, model version, swaps)."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
