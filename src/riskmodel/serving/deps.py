"""Request-scoped access to the app's store and services (set up once by ``create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from riskmodel.serving.service import ScoringService
from riskmodel.store import StoreProtocol


# ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request
async def get_store(request: Request) -> StoreProtocol:
    return request.app.state.store


async def get_scoring(request: Request) -> ScoringService:
    return request.app.state.scoring


StoreDep = Annotated[StoreProtocol, Depends(get_store)]
ScoringDep = Annotated[ScoringService, Depends(get_scoring)]


async def declared_query_only(request: Request) -> None:
    """A query parameter the endpoint does not take is a 422 naming it, not silently ignored: a
    mistyped filter (``?regoin=520322``) would otherwise answer for the key's whole region."""
    route = request.scope.get("route")
    if route is None or not request.query_params:
        return
    names = set(_query_names(route.dependant))
    unknown = [(k, v) for k, v in request.query_params.multi_items() if k not in names]
    if unknown:
        takes = ", ".join(sorted(names)) or "none"
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", k), "input": v,
                                       "msg": f"unknown query parameter (this endpoint takes: {takes})"}
                                      for k, v in unknown])


def _query_names(dependant) -> list[str]:
    """The query parameters an endpoint and its dependencies declare."""
    return [f.alias for f in dependant.query_params] + [n for d in dependant.dependencies for n in _query_names(d)]
