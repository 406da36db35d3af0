"""The FastAPI application: routers over the store, the served model and the list views.

``create_app()`` wires settings, the store, the model holder and the scoring service, and
mounts the routers (``riskmodel.serving.routes``); tests inject a store, a scorer loader and a
version resolver. Nothing happens at import time: the store is migrated when the app starts
(its lifespan), the model is loaded in the background (the server listens meanwhile, and
``/readyz`` says why it is not ready yet), and the alias poller stops with the app.
"""

from __future__ import annotations

import asyncio
import gc
import re
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema

import riskmodel
from riskmodel.serving.auth import KeyCache
from riskmodel.serving.config import ServingSettings
from riskmodel.serving.deps import declared_query_only
from riskmodel.serving.errors import ErrorOut, install_handlers
from riskmodel.serving.model_holder import LoadedModel, ModelHolder, mlflow_info, mlflow_resolver
from riskmodel.serving.observe import Metrics, Observe
from riskmodel.serving.payload import score_payloads
from riskmodel.serving.routes import ROUTERS
from riskmodel.serving.schemas import EXAMPLE_HOUSEHOLD, HouseholdPayload, VisitIn, batch_payload
from riskmodel.serving.service import ScoringService
from riskmodel.settings import Settings, get_settings
from riskmodel.store import Store, StoreProtocol
from riskmodel.web import mount_pages

DOCS_ASSETS = "/docs-assets"


def _with_request_schemas(app: FastAPI, *models) -> None:
    """Add the request models that endpoints read from raw bytes, and the error shape, to the OpenAPI components."""
    default = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = default()
            _, defs = models_json_schema([(m, "validation") for m in models],
                                         ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(defs.get("$defs", {}))
            # FastAPI's own 422 schema is replaced by the one error shape every error uses
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            for item in schema.get("paths", {}).values():
                for op in item.values():
                    r422 = op.get("responses", {}).get("422")
                    if r422 is not None:
                        r422["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def _local_docs(app: FastAPI) -> None:
    """Swagger UI from the package's own files (offline intranets: no CDN)."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} docs",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png")


def _registry_loader(uri: str):
    from riskmodel.training.scorers import load_scorer

    return load_scorer(uri)


def _on_swap(metrics: Metrics):
    """Count the swap; after the first, freeze what is loaded: it lives as long as the process
    (libraries, the model), and out of the collector's view full collections stay short."""
    frozen = []

    def swapped(loaded: LoadedModel) -> None:
        metrics.swapped(loaded)
        if not frozen:
            frozen.append(True)
            gc.collect()
            gc.freeze()

    return swapped


def create_app(settings: Settings | None = None, scorer_loader=None, store: StoreProtocol | None = None, *,
               serving: ServingSettings | None = None, version_resolver=None, model_info=None) -> FastAPI:
    """The API. Defaults: store from ``settings.database_url``; model ``models:/<name>@champion``
    loaded with ``riskmodel.training.scorers.load_scorer`` and followed as the alias moves.

    ``scorer_loader(model_uri) -> Scorer``, ``version_resolver() -> version | None`` and
    ``model_info(version) -> dict`` are injectable (tests use fakes).
    """
    settings = settings or get_settings()
    serving = serving or ServingSettings()
    store = Store(settings.database_url) if store is None else store
    name = settings.model_name
    model_uri = serving.model_uri or f"models:/{name}@{serving.alias}"
    follows_alias = re.fullmatch(rf"models:/{re.escape(name)}@[\w-]+", model_uri) is not None
    scorer_loader = scorer_loader or _registry_loader
    if version_resolver is None and follows_alias:
        version_resolver = mlflow_resolver(settings.mlflow_tracking_uri, name, model_uri.rsplit("@", 1)[1])
        model_info = model_info or mlflow_info(settings.mlflow_tracking_uri, name)
    metrics = Metrics()
    holder = ModelHolder(scorer_loader, model_uri, name=name, resolver=version_resolver, info=model_info,
                         on_swap=_on_swap(metrics), warm=lambda loaded: _warm(loaded, scoring))
    BatchPayload = batch_payload(serving.max_batch)
    scoring = ScoringService(store, holder, serving, capacity_share=settings.capacity_share,
                             batch_model=BatchPayload, metrics=metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store.migrate()
        holder.start(serving.reload_interval_s, retry_initial_s=serving.load_retry_initial_s,
                     retry_max_s=serving.load_retry_max_s)
        if serving.startup_wait_s > 0:
            await asyncio.to_thread(holder.first_attempt.wait, serving.startup_wait_s)
        try:
            yield
        finally:
            scoring.batcher.stop()
            holder.stop()

    app = FastAPI(
        title="riskmodel API",
        version=riskmodel.__version__,
        summary="Early warning of rural households at risk of (re)falling into poverty (防止返贫动态监测).",
        description="Scores contract-shaped household data, serves the weekly ranked risk lists, records visit "
                    "outcomes. Authenticate with the `X-API-Key` header; office keys see only their region. "
                    "Every error answers `{\"detail\": [{\"loc\", \"msg\", \"type\"}, …]}`.",
        lifespan=lifespan,
        max_body_size=serving.max_body_bytes,
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.serving = serving
    app.state.scoring = scoring
    app.state.batcher = scoring.batcher
    app.state.key_cache = KeyCache(serving.auth_cache_s)
    app.add_middleware(Observe, metrics=metrics)
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(declared_query_only)])
    _with_request_schemas(app, HouseholdPayload, BatchPayload, VisitIn, ErrorOut)
    _local_docs(app)
    mount_pages(app)  # the office pages (/login, /, /households/…, /overview): riskmodel.web
    return app


def _warm(loaded: LoadedModel, scoring: ScoringService) -> None:
    """First-call costs (lazy imports, caches) paid before any request sees a new model."""
    example = HouseholdPayload.model_validate(EXAMPLE_HOUSEHOLD)
    for _ in range(3):
        score_payloads(loaded, [example], ["body"], scoring.today())


__all__ = ["create_app"]
