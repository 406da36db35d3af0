"""GET /v1/model and /v1/drift/latest."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from riskmodel.serving.auth import Key
from riskmodel.serving.deps import ScoringDep, StoreDep
from riskmodel.serving.errors import ApiError, error_responses
from riskmodel.serving.responses import DriftOut, ModelOut

router = APIRouter(tags=["model"])


@router.get("/v1/model", response_model=ModelOut, responses=error_responses(401, 503))
def model(key: Key, scoring: ScoringDep):
    """The served (champion) model: version, when trained, key metrics."""
    loaded = scoring.loaded()
    metrics = loaded.info.get("metrics") or {}
    return JSONResponse(jsonable_encoder({
        "name": loaded.name, "version": loaded.version, "uri": loaded.uri, "alias": scoring.serving.alias,
        "loaded_at": loaded.loaded_at, "follows_alias": scoring.holder.resolver is not None,
        "trained_at": loaded.info.get("trained_at"), "run_id": loaded.info.get("run_id"),
        "metrics": {str(k): float(v) for k, v in metrics.items() if isinstance(v, (int, float))}}))


@router.get("/v1/drift/latest", response_model=DriftOut,
            responses=error_responses(401, 404, d404="no drift summary stored yet"))
def drift_latest(key: Key, store: StoreDep):
    """The newest weekly drift summary written by the weekly run."""
    found = store.latest_drift()
    if found is None:
        raise ApiError(404, "no drift summary stored yet")
    return JSONResponse(jsonable_encoder(found))
