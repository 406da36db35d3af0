"""GET /v1/risk-lists/{week}: a stored weekly list as JSON pages, CSV or XLSX."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from riskmodel.serving.auth import Key, list_region
from riskmodel.serving.deps import StoreDep
from riskmodel.serving.errors import error_responses
from riskmodel.serving.export import XLSX_TYPE, list_file
from riskmodel.serving.responses import RiskListOut
from riskmodel.serving.views import resolve_week, risk_list_page

router = APIRouter(tags=["lists"])

WEEK_PATTERN = r"^(latest|\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$"
REGION_PATTERN = r"^[0-9]{2,12}$"
MAX_PAGE_SIZE = 5000

Week = Annotated[str, Path(pattern=WEEK_PATTERN, description="as-of date, ISO week (2024-W27) or latest",
                           examples=["latest", "2024-07-01", "2024-W27"])]
Region = Annotated[str | None, Query(pattern=REGION_PATTERN,
                                     description="region code prefix (county 6, township 9 digits)")]


@router.get("/v1/risk-lists/{week}", response_model=RiskListOut, responses={
    **error_responses(401, 403, 404, 422, d404="no list stored for that week"),
    200: {"content": {"text/csv": {"schema": {"type": "string"}},
                      XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
          "description": "the week's ranked list: JSON (one page), CSV or XLSX (the whole list in the region)"}})
def risk_list(key: Key, store: StoreDep, week: Week, region: Region = None,
              format: Literal["json", "csv", "xlsx"] = "json",
              page: Annotated[int, Query(ge=1, le=1_000_000, description="page number (JSON), from 1")] = 1,
              size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="households per page (JSON)")] = 500):
    """A stored weekly risk list, by rank, restricted to a region prefix (JSON paginated)."""
    if format == "json":
        return JSONResponse(jsonable_encoder(risk_list_page(store, key, week, region, page, size)))
    prefix = list_region(key, region)
    day = resolve_week(store, week)
    df = store.risk_list(day, prefix)
    store.log_access(key.id, df["household_id"].tolist(), "risk_list")
    content, media_type = list_file(df, format, day, prefix, store.risk_list_run(day) or {})
    stem = f"risk-list-{day.isoformat()}" + (f"-{prefix}" if prefix else "")
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{format}"'})
