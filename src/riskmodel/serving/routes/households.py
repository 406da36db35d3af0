"""GET /v1/households/{id} and POST /v1/households/{id}/visits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from riskmodel.serving.auth import Key, require_visit_writer
from riskmodel.serving.deps import ScoringDep, StoreDep
from riskmodel.serving.errors import error_responses, validated
from riskmodel.serving.responses import HouseholdOut, VisitOut
from riskmodel.serving.schemas import VisitIn
from riskmodel.serving.views import household_view, record_visit

router = APIRouter(tags=["households"])

HOUSEHOLD_ID_PATTERN = r"^\S{1,64}$"
HouseholdId = Annotated[str, Path(pattern=HOUSEHOLD_ID_PATTERN, examples=["H7F3A91C"])]
VISIT_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/VisitIn"},
    "examples": {"confirmed": {"value": VisitIn.model_config["json_schema_extra"]["examples"][0]}}}}}


@router.get("/v1/households/{household_id}", response_model=HouseholdOut,
            responses=error_responses(401, 403, 404, 422))
def household(key: Key, store: StoreDep, household_id: HouseholdId):
    """Latest week with reasons and measures (as on the list), the score history, and recorded visits."""
    return JSONResponse(jsonable_encoder(household_view(store, key, household_id)))


@router.post("/v1/households/{household_id}/visits", status_code=201, response_model=VisitOut,
             openapi_extra={"requestBody": VISIT_BODY},
             responses={201: {"headers": {"Location": {"description": "the visit's URL", "schema": {"type": "string"}}}},
                        **error_responses(401, 403, 404, 409, 413, 422,
                                          d409="Idempotency-Key already used for a different visit")})
async def post_visit(request: Request, key: Key, store: StoreDep, scoring: ScoringDep, household_id: HouseholdId,
                     idempotency_key: Annotated[str | None, Header(
                         min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
                         description="client-chosen key; a retry with the same key returns the visit "
                                     "already recorded (never a second one)")] = None):
    """Record a visit outcome; stored durably (committed before this returns) for training and next week's list."""
    require_visit_writer(key)
    visit = await validated(VisitIn, await request.body())
    row = await run_in_threadpool(record_visit, store, key, household_id, visit, idempotency_key, scoring.today())
    return JSONResponse(jsonable_encoder(row), status_code=201, headers={"Location": f"/v1/visits/{row['id']}"})

