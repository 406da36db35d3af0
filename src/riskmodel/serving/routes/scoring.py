"""POST /v1/score and /v1/score/batch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from riskmodel.serving.auth import Key
from riskmodel.serving.deps import ScoringDep
from riskmodel.serving.errors import clean_errors, error_responses, validated
from riskmodel.serving.payload import PayloadError
from riskmodel.serving.responses import BatchOut, ScoreOut
from riskmodel.serving.schemas import EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD, HouseholdPayload

router = APIRouter(tags=["scoring"])

#: The bodies in the OpenAPI document: the endpoints read the bytes themselves (pydantic's JSON parser).
SCORE_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/HouseholdPayload"},
    "examples": {"known household": {"value": EXAMPLE_HOUSEHOLD},
                 "new household without history": {"value": EXAMPLE_NEW_HOUSEHOLD}}}}}
BATCH_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/BatchPayload"},
    "examples": {"two households": {"value": {"households": [EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD]}}}}}}


@router.post("/v1/score", response_model=ScoreOut, openapi_extra={"requestBody": SCORE_BODY},
             responses=error_responses(401, 403, 413, 422, 503))
async def score(request: Request, key: Key, scoring: ScoringDep):
    """Score one household from its contract-shaped data (child lists may be empty or absent).

    Send the household's `monitoring` rows (earlier identifications) too: the model reads them,
    and without them a household monitored before scores differently than on the weekly list.
    Requests arriving together are scored together (dynamic batching), each with its own result.
    """
    payload = await validated(HouseholdPayload, await request.body())
    try:
        result = await scoring.score_one(key, payload)
    except PayloadError as err:
        return JSONResponse({"detail": clean_errors(err.errors)}, status_code=err.status)
    return JSONResponse(result, headers={"X-Model-Version": result["model"]["version"]})


@router.post("/v1/score/batch", response_model=BatchOut, openapi_extra={"requestBody": BATCH_BODY},
             responses=error_responses(401, 403, 413, 422, 503))
async def score_batch(request: Request, key: Key, scoring: ScoringDep):
    """Score several households in one request (all with one model version).

    A body that breaks this schema anywhere (broken JSON, a wrong type or value in any household,
    too many households) is one 422. A schema-valid batch is scored household by household: one
    that breaks the contract's cross-row rules (one head, costs that balance, references,
    registered after `as_of`) is reported in `errors` with the details a single request would
    get, and the others are scored (`results`, in request order).
    """
    out = await run_in_threadpool(scoring.score_batch, key, await request.body())
    headers = {"X-Model-Version": out["model"]["version"]} if out["model"] else None
    return JSONResponse(out, headers=headers)
