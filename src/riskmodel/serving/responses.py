"""Response models of every endpoint: the OpenAPI document's schemas and examples.

One naming for one thing across the API: ``risk_types`` is always a list of objects (code,
Chinese and English name, contribution), ``rank`` is always the rank on the weekly list,
every collection is ``items``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from riskmodel.contract.schema import CATEGORIES
from riskmodel.serving.errors import ErrorItem
from riskmodel.store.models import VISIT_OUTCOMES

Band = Literal["high", "medium", "low"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Outcome = Literal[VISIT_OUTCOMES]  # type: ignore[valid-type]

_BAND_DOC = ("high | medium | low: high = within the list capacity share of the week's ranking, medium = "
             "within 5x; for a score over HTTP, where it would rank in the latest weekly scores of the same model "
             "version (null before any weekly run)")


class RiskTypeOut(BaseModel):
    code: str = Field(examples=["illness"])
    zh: str = Field(examples=["因病"])
    en: str = Field(examples=["illness"])
    contribution: float | None = Field(default=None, description="summed feature contributions (log-odds)")


class ModelRef(BaseModel):
    name: str = Field(examples=["riskmodel"])
    version: str = Field(examples=["3"])


class ScoreOut(BaseModel):
    household_id: str = Field(examples=["H7F3A91C"])
    region_code: str = Field(examples=["520322104201"])
    as_of: dt.date
    score: float = Field(description="model score (higher = more at risk)")
    probability: float = Field(description="calibrated probability of identification within the horizon")
    band: Band | None = Field(default=None, description=_BAND_DOC)
    category: Category | None = Field(default=None, description="suggested category (监测对象类别)")
    category_zh: str | None = Field(default=None, examples=["边缘易致贫户"])
    risk_types: list[RiskTypeOut] = Field(description="main risk types, main first, with contributions")
    measures: list[str] = Field(description="suggested assistance measures (from the one risk-type map)")
    measures_note: str | None = Field(default=None, description=(
        "why no measures are suggested (a household sent without any record besides its registration)"))
    model: ModelRef


class BatchFailure(BaseModel):
    index: int = Field(description="position of the household in the request's `households`")
    household_id: str | None = Field(description="its household_id, when it could be read")
    detail: list[ErrorItem]


class BatchOut(BaseModel):
    """Each household of the request is either in ``results`` or in ``errors`` (never both)."""

    results: list[ScoreOut] = Field(description="scored households, in request order")
    errors: list[BatchFailure] = Field(description="households that could not be scored, and why")
    model: ModelRef | None = Field(description="the model that scored them (null if none was scored)")


class ListItem(BaseModel):
    rank: int = Field(description="rank on the week's list (1 = most at risk)")
    household_id: str
    region_code: str
    county_code: str
    township_code: str
    score: float
    probability: float | None = None
    band: Band | None = Field(default=None, description=_BAND_DOC)
    category: Category | None = None
    category_zh: str | None = None
    risk_types: list[RiskTypeOut]
    measures: list[str]
    new_on_list: bool | None = Field(default=None, description="not on the previous stored week's list")
    previous_rank: int | None = Field(default=None, description="rank on the previous stored week's list")
    model_version: str | None = None
    run_id: str | None = None


class RiskListOut(BaseModel):
    as_of: dt.date
    region: str | None = Field(description="region prefix the list is restricted to")
    model_name: str | None = None
    model_version: str | None = None
    run_id: str | None = None
    total: int = Field(description="households on the list in the region (all pages)")
    page: int
    size: int
    count: int = Field(description="households on this page")
    items: list[ListItem]


class WeekScore(BaseModel):
    as_of: dt.date
    score: float
    probability: float | None = None
    band: Band | None = None
    rank: int | None = Field(default=None, description="rank on that week's list (null: not listed)")
    model_version: str | None = None


class LatestOut(WeekScore):
    region_code: str
    category: Category | None = None
    category_zh: str | None = None
    risk_types: list[RiskTypeOut]
    measures: list[str]
    run_id: str | None = None


class VisitOut(BaseModel):
    id: int
    household_id: str
    region_code: str | None = Field(default=None, description="the household's region when the visit was recorded")
    visited_on: dt.date
    outcome: Outcome
    measures: list[str]
    note: str
    recorded_at: dt.datetime


class VisitsOut(BaseModel):
    items: list[VisitOut]
    next_after: int | None = Field(description="pass as `after` for the next page (null: no more)")


class HouseholdOut(BaseModel):
    household_id: str
    region_code: str
    latest: LatestOut | None = Field(description="the latest stored week, with reasons and measures as listed")
    history: list[WeekScore]
    visits: list[VisitOut]


class ModelOut(BaseModel):
    name: str
    version: str
    uri: str
    alias: str
    loaded_at: dt.datetime
    follows_alias: bool
    trained_at: dt.datetime | None = None
    run_id: str | None = None
    metrics: dict[str, float]


class DriftOut(BaseModel):
    id: int
    as_of: dt.date
    model_version: str | None = None
    summary: dict
    created_at: dt.datetime


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    model: ModelRef | None
    store: bool
    model_error: str | None = Field(default=None, description="why no model is loaded yet (registry down, …)")
