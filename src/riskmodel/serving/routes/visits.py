"""GET /v1/visits (sync for the cadres' app) and GET /v1/visits/{id} (a POST's ``Location``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from riskmodel.serving.auth import Key
from riskmodel.serving.deps import ScoringDep, StoreDep
from riskmodel.serving.errors import error_responses
from riskmodel.serving.responses import VisitOut, VisitsOut
from riskmodel.serving.routes.lists import Region
from riskmodel.serving.schemas import IsoDate
from riskmodel.serving.views import one_visit, visits_page

router = APIRouter(tags=["visits"])


@router.get("/v1/visits", response_model=VisitsOut, responses=error_responses(401, 403, 422))
def list_visits(key: Key, store: StoreDep, scoring: ScoringDep, region: Region = None,
                since: Annotated[IsoDate | None, Query(
                    description="visits recorded on or after this day (service time zone)")] = None,
                after: Annotated[int | None, Query(ge=0, le=2**62, description="continue after this visit id")] = None,
                limit: Annotated[int, Query(ge=1, le=5000)] = 1000):
    """Visits recorded since a day, in a region, oldest first: what the cadres' app synchronises."""
    start = None if since is None else dt.datetime.combine(since, dt.time(), scoring.tz)
    return JSONResponse(jsonable_encoder(visits_page(store, key, start, region, after, limit)))


@router.get("/v1/visits/{visit_id}", response_model=VisitOut, responses=error_responses(401, 404, 422))
def get_visit(key: Key, store: StoreDep, visit_id: Annotated[int, Path(ge=1, le=2**62)]):
    """One recorded visit (the URL a POST answers in `Location`)."""
    return JSONResponse(jsonable_encoder(one_visit(store, key, visit_id)))
