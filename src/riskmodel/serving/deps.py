"""Request-scoped access to the app's store and services (set up once by ``create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from riskmodel.serving.service import ScoringService
from riskmodel.store import StoreProtocol


# ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request
async def get_store(request: Request) -> StoreProtocol:
    return request.app.state.store


async def get_scoring(request: Request) -> ScoringService:
    return request.app.state.scoring


StoreDep = Annotated[StoreProtocol, Depends(get_store)]
ScoringDep = Annotated[ScoringService, Depends(get_scoring)]
