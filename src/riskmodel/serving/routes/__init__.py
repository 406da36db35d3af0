"""The API's routers: each reads the request, calls a service or view, and answers; no rule lives here."""

from riskmodel.serving.routes import health, households, lists, model, scoring, visits

ROUTERS = (scoring.router, lists.router, households.router, visits.router, model.router, health.router)

__all__ = ["ROUTERS"]
