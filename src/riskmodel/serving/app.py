"""The FastAPI application: scores, weekly lists, households, visits, model and drift.

``create_app()`` builds an app from settings; tests inject a store, a scorer loader and a
version resolver. Nothing happens at import time: the store is migrated and the model loaded
when the app starts (its lifespan), and the alias poller stops with it.
"""

# no `from __future__ import annotations`: FastAPI resolves the local Key/BatchPayload types at runtime

import datetime as dt
import gc
import logging
import re
import threading
import time
import traceback
from contextlib import asynccontextmanager
from typing import Annotated, Literal

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import ValidationError
from pydantic.json_schema import models_json_schema

import riskmodel
from riskmodel.contract.schema import CATEGORY_ZH
from riskmodel.listing import ListPolicy, band_at_cutoffs
from riskmodel.monitoring.lists import from_stored
from riskmodel.monitoring.writers import csv_bytes, list_workbook
from riskmodel.serving.auth import KeyCache, current_key, in_region, list_region, require_visit_writer
from riskmodel.serving.batching import ScoreBatcher
from riskmodel.serving.config import ServingSettings
from riskmodel.serving.model_holder import LoadedModel, ModelHolder, mlflow_info, mlflow_resolver
from riskmodel.serving.payload import PayloadError, score_payloads
from riskmodel.serving.schemas import (
    EXAMPLE_HOUSEHOLD,
    EXAMPLE_NEW_HOUSEHOLD,
    BatchOut,
    HouseholdPayload,
    ScoreOut,
    VisitIn,
    VisitOut,
    batch_payload,
)
from riskmodel.settings import Settings, get_settings
from riskmodel.store import ApiKeyInfo, Store
from riskmodel.web import mount_pages

log = logging.getLogger("riskmodel.serving")

WEEK_PATTERN = r"^(latest|\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$"
REGION_PATTERN = r"^[0-9]{2,12}$"
HOUSEHOLD_ID_PATTERN = r"^\S{1,64}$"
AUTH_RESPONSES = {401: {"description": "missing, unknown or revoked API key"},
                  403: {"description": "the key's role or region does not allow this"}}


class Metrics:
    """Prometheus metrics of one app (own registry, so several apps in a process never clash)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("riskmodel_http_requests", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("riskmodel_http_request_seconds", "request latency", ["route"],
                                 buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10), registry=self.registry)
        self.scored = Counter("riskmodel_households_scored", "households scored over HTTP", registry=self.registry)
        self.swaps = Counter("riskmodel_model_swaps", "model loads and swaps", registry=self.registry)
        self.batch = Histogram("riskmodel_score_batch_households", "households per scoring call (dynamic batching)",
                               buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=self.registry)
        self.model = Gauge("riskmodel_model_info", "served model version (value 1)", ["name", "version"],
                           registry=self.registry)

    def swapped(self, loaded: LoadedModel) -> None:
        self.model.clear()
        self.model.labels(loaded.name, loaded.version).set(1)
        self.swaps.inc()


class Observe:
    """Request counts, latency and one log line per request, by route template and key id only
    (never household ids or payloads). Plain ASGI: ``BaseHTTPMiddleware`` costs a task and
    queues per request."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500  # until a response starts: an unhandled error is answered 500 further out

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - start
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            log.info("%s %s %s %.1fms key=%s", scope["method"], route, status, elapsed * 1000,
                     (scope.get("state") or {}).get("key_id", "-"))


#: ``/v1/score``'s body in the OpenAPI document: the endpoint reads the bytes itself (below).
SCORE_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/HouseholdPayload"},
    "examples": {"known household": {"value": EXAMPLE_HOUSEHOLD},
                 "new household without history": {"value": EXAMPLE_NEW_HOUSEHOLD}}}}}
BATCH_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/BatchPayload"},
    "examples": {"two households": {"value": {"households": [EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD]}}}}}}


def _with_request_schemas(app: FastAPI, *models) -> None:
    """Add the request models that endpoints read from raw bytes to the OpenAPI components."""
    default = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = default()
            _, defs = models_json_schema([(m, "validation") for m in models],
                                         ref_template="#/components/schemas/{model}")
            schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def _validated(model, body: bytes):
    """The body validated straight from its bytes by pydantic's own JSON parser.

    FastAPI's body parameter runs ``json.loads`` and then validates the Python objects: on the
    single-score endpoint that was a third of the event loop's time per request; for a batch of
    48 households, 7.2 ms against 4.8 ms. Errors are FastAPI's 422 format (``loc`` starts with ``body``).
    """
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
                                     ) from None


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _loaded(request: Request) -> LoadedModel:
    loaded = request.app.state.holder.current
    if loaded is None:
        raise HTTPException(503, "no model loaded yet (see /readyz)")
    return loaded


def _payload_422(err: PayloadError) -> JSONResponse:
    return JSONResponse(status_code=err.status, content={"detail": jsonable_encoder(err.errors)})


def _resolve_week(store: Store, week: str) -> dt.date:
    weeks = store.risk_list_weeks()
    if week == "latest":
        if not weeks:
            raise HTTPException(404, "no risk list stored yet")
        return weeks[-1]
    if "W" in week:
        year, num = int(week[:4]), int(week[-2:])
        found = [w for w in weeks if tuple(w.isocalendar())[:2] == (year, num)]
        if not found:
            raise HTTPException(404, f"no risk list stored for ISO week {week}")
        return found[-1]
    try:
        day = dt.date.fromisoformat(week)
    except ValueError:
        raise HTTPException(422, f"week {week!r}: not a valid date") from None
    if day not in weeks:
        raise HTTPException(404, f"no risk list stored for week {week}")
    return day


def _records(df: pd.DataFrame) -> list[dict]:
    out = df.astype(object).where(df.notna(), None)
    return out.to_dict("records")


def _export(df: pd.DataFrame, day: dt.date, prefix: str | None, run: dict, format: str) -> bytes:
    """A stored list as the weekly run's own CSV or workbook (one export, not two)."""
    from riskmodel.features.spec import risk_types

    table = from_stored(df, day, risk_types())
    if format == "csv":
        return csv_bytes(table)
    header = {"as_of": day.isoformat(), "model_name": run.get("model_name"), "model_version": run.get("model_version")}
    return list_workbook(table, header, region=("区划代码", prefix) if prefix else None)


def create_app(settings: Settings | None = None, scorer_loader=None, store: Store | None = None, *,
               serving: ServingSettings | None = None, version_resolver=None, model_info=None) -> FastAPI:
    """The API. Defaults: store from ``settings.database_url``; model ``models:/<name>@champion``
    loaded with ``riskmodel.scoring.load_scorer`` and followed as the alias moves.

    ``scorer_loader(model_uri) -> Scorer``, ``version_resolver() -> version | None`` and
    ``model_info(version) -> dict`` are injectable (tests use fakes).
    """
    settings = settings or get_settings()
    serving = serving or ServingSettings()
    store = store or Store(settings.database_url)
    name = settings.model_name
    model_uri = serving.model_uri or f"models:/{name}@{serving.alias}"
    follows_alias = re.fullmatch(rf"models:/{re.escape(name)}@[\w-]+", model_uri) is not None
    if scorer_loader is None:
        def scorer_loader(uri: str):
            from riskmodel.scoring import load_scorer

            return load_scorer(uri)
    if version_resolver is None and follows_alias:
        version_resolver = mlflow_resolver(settings.mlflow_tracking_uri, name, model_uri.rsplit("@", 1)[1])
        model_info = model_info or mlflow_info(settings.mlflow_tracking_uri, name)
    metrics = Metrics()
    def warm(loaded: LoadedModel) -> None:
        example = HouseholdPayload.model_validate(EXAMPLE_HOUSEHOLD)
        for _ in range(3):
            score_payloads(loaded, [example], ["body"], _today())

    holder = ModelHolder(scorer_loader, model_uri, name=name, resolver=version_resolver, info=model_info,
                         on_swap=metrics.swapped, warm=warm)
    BatchPayload = batch_payload(serving.max_batch)
    band_cache: dict[str, tuple[float, dict | None]] = {}

    def banded(results: list[dict], loaded: LoadedModel) -> list[dict]:
        """Band each result as it would rank in the latest stored week of the same model version.

        The scorer's own band is relative to the households scored together, meaningless for
        one household; the weekly run's stored scores give the real cut-offs (None until then).
        """
        hit = band_cache.get(loaded.version)
        if hit is None or hit[0] < time.monotonic():
            policy = ListPolicy(capacity_share=float(getattr(loaded.scorer, "capacity_share", settings.capacity_share)))
            hit = (time.monotonic() + 300, store.score_cutoffs(policy.band_shares, loaded.version))
            band_cache[loaded.version] = hit
        cut = hit[1]
        for r, band in zip(results, band_at_cutoffs([r["score"] for r in results], cut and cut["cutoffs"])):
            r["band"] = band
        return results

    def score_now(payloads, prefix: list, default_as_of: dt.date) -> list[dict]:
        """Score payloads with the model loaded right now (one version for all of them)."""
        loaded = holder.current
        if loaded is None:
            raise HTTPException(503, "no model loaded yet (see /readyz)")
        metrics.batch.observe(len(payloads))
        return banded(score_payloads(loaded, payloads, prefix, default_as_of,
                                     full_validation=serving.full_validation), loaded)

    batcher = ScoreBatcher(score_now, serving.coalesce_max)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store.migrate()
        holder.refresh()
        # Everything loaded so far (libraries, the model) lives as long as the process: move it
        # out of the collector's view, so full collections stay short (tail latency).
        gc.collect()
        gc.freeze()
        holder.start(serving.reload_interval_s)
        try:
            yield
        finally:
            batcher.stop()
            holder.stop()

    app = FastAPI(
        title="riskmodel API",
        version=riskmodel.__version__,
        summary="Early warning of rural households at risk of (re)falling into poverty (防止返贫动态监测).",
        description="Scores contract-shaped household data, serves the weekly ranked risk lists, records visit "
                    "outcomes. Authenticate with the `X-API-Key` header; office keys see only their region.",
        lifespan=lifespan,
        max_body_size=serving.max_body_bytes,
    )
    app.state.store = store
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.key_cache = KeyCache(serving.auth_cache_s)
    app.state.serving = serving
    app.state.batcher = batcher

    app.add_middleware(Observe, metrics=metrics)
    _with_request_schemas(app, HouseholdPayload, BatchPayload)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        frames = "".join(traceback.format_tb(exc.__traceback__))  # no message: it may quote data
        log.error("unhandled %s on %s\n%s", type(exc).__name__,
                  getattr(request.scope.get("route"), "path", "?"), frames)
        return JSONResponse(status_code=500, content={"detail": "internal error"})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        # FastAPI's default, minus echoing whole inputs back (they can be large)
        errors = [{k: v for k, v in e.items() if k not in ("ctx", "url")} for e in exc.errors()]
        for e in errors:
            if isinstance(e.get("input"), (dict, list)):
                e.pop("input")
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})

    Key = Annotated[ApiKeyInfo, Depends(current_key)]

    # --- scoring -----------------------------------------------------------------------------

    def _check_score_region(key: ApiKeyInfo, payloads) -> None:
        for p in payloads:
            if not in_region(key, p.household.region_code):
                raise HTTPException(403, "this key may only score households in its own region")

    @app.post("/v1/score", response_model=ScoreOut, tags=["scoring"], openapi_extra={"requestBody": SCORE_BODY},
              responses={**AUTH_RESPONSES, 422: {"description": "payload breaks the contract (field and rule named)"},
                         503: {"description": "no model loaded yet"}})
    async def score(request: Request, key: Key):
        """Score one household from its contract-shaped data (child lists may be empty or absent).

        Requests arriving together are scored together (dynamic batching), each with its own result.
        """
        payload = _validated(HouseholdPayload, await request.body())
        _check_score_region(key, [payload])
        _loaded(request)
        try:
            result = await batcher.submit(payload, _today())
        except PayloadError as err:
            return _payload_422(err)
        metrics.scored.inc()
        return JSONResponse(result, headers={"X-Model-Version": result["model"]["version"]})

    batch_lock = threading.Lock()

    def score_batch_now(key: ApiKeyInfo, body: bytes) -> JSONResponse:
        """Validate, score and encode one batch request, one batch at a time per process.

        All of it off the event loop, so single scores keep flowing meanwhile (LightGBM releases
        the GIL); one at a time, because concurrent batches only take turns at the GIL (measured
        before: 30 ms of CPU per batch of 50 with four concurrent clients, 22 ms with one).
        """
        with batch_lock:
            payload = _validated(BatchPayload, body)
            _check_score_region(key, payload.households)
            try:
                results = score_now(payload.households, ["body", "households"], payload.as_of or _today())
            except PayloadError as err:
                return _payload_422(err)
            metrics.scored.inc(len(results))
            model = results[0]["model"]
            return JSONResponse({"results": results, "model": model}, headers={"X-Model-Version": model["version"]})

    @app.post("/v1/score/batch", response_model=BatchOut, tags=["scoring"], openapi_extra={"requestBody": BATCH_BODY},
              responses={**AUTH_RESPONSES, 422: {"description": "payload breaks the contract"},
                         503: {"description": "no model loaded yet"}})
    async def score_batch(request: Request, key: Key):
        """Score several households in one request (all with one model version)."""
        return await run_in_threadpool(score_batch_now, key, await request.body())  # 503 there if no model

    # --- lists, households, visits -----------------------------------------------------------

    @app.get("/v1/risk-lists/{week}", tags=["lists"], responses={
        **AUTH_RESPONSES, 404: {"description": "no list stored for that week"},
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
              "description": "the week's ranked list (JSON, CSV or XLSX)"}})
    def risk_list(request: Request, key: Key,
                  week: Annotated[str, Path(pattern=WEEK_PATTERN, description="as-of date, ISO week (2024-W27) or latest",
                                            examples=["latest", "2024-07-01", "2024-W27"])],
                  region: Annotated[str | None, Query(pattern=REGION_PATTERN,
                                                      description="region code prefix (county 6, township 9 digits)")] = None,
                  format: Literal["json", "csv", "xlsx"] = "json"):
        """A stored weekly risk list, by rank, restricted to a region prefix."""
        prefix = list_region(key, region)
        day = _resolve_week(store, week)
        df = store.risk_list(day, prefix)
        store.log_access(key.id, df["household_id"].tolist(), "risk_list")
        stem = f"risk-list-{day.isoformat()}" + (f"-{prefix}" if prefix else "")
        run = store.risk_list_run(day) or {}
        if format == "csv":
            return Response(_export(df, day, prefix, run, "csv"), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
        if format == "xlsx":
            return Response(_export(df, day, prefix, run, "xlsx"),
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
        items = _records(df.drop(columns=["as_of"]))
        for item in items:
            item["category_zh"] = CATEGORY_ZH.get(item.get("category") or "")
        return JSONResponse(jsonable_encoder({
            "as_of": day, "region": prefix, "model_name": run.get("model_name"),
            "model_version": run.get("model_version"), "run_id": run.get("run_id"), "count": len(items),
            "items": items}))

    def _visible_region(key: ApiKeyInfo, household_id: str) -> str:
        region = store.household_region(household_id)
        if region is None or not in_region(key, region):
            raise HTTPException(404, "household not found")
        return region

    @app.get("/v1/households/{household_id}", tags=["households"],
             responses={**AUTH_RESPONSES, 404: {"description": "unknown household, or outside the key's region"}})
    def household(key: Key, household_id: Annotated[str, Path(pattern=HOUSEHOLD_ID_PATTERN)]):
        """Latest score with reasons, the score history, and recorded visits of one household."""
        region = _visible_region(key, household_id)
        history = store.household_history(household_id)
        visits = store.visits(household_id=household_id)
        store.log_access(key.id, household_id, "household")
        latest = _records(history.tail(1))[0] if len(history) else None
        if latest is not None:
            latest["category_zh"] = CATEGORY_ZH.get(latest.get("category") or "")
        trend = _records(history[["as_of", "score", "probability", "band", "list_rank", "model_version"]])
        return JSONResponse(jsonable_encoder({
            "household_id": household_id, "region_code": region, "latest": latest, "history": trend,
            "visits": _records(visits.drop(columns=["key_id", "household_id"]).assign(
                visited_on=visits["visited_on"].dt.date))}))

    @app.post("/v1/households/{household_id}/visits", status_code=201, response_model=VisitOut, tags=["households"],
              responses={**AUTH_RESPONSES, 404: {"description": "unknown household, or outside the key's region"}})
    def record_visit(key: Key, household_id: Annotated[str, Path(pattern=HOUSEHOLD_ID_PATTERN)], visit: VisitIn):
        """Record a visit outcome; stored durably (committed before this returns) for training."""
        require_visit_writer(key)
        _visible_region(key, household_id)
        if visit.visited_on > _today() + dt.timedelta(days=1):
            raise HTTPException(422, "visited_on is in the future")
        row = store.add_visit(household_id, visit.visited_on, visit.outcome, visit.measures, visit.note, key.id)
        return JSONResponse(jsonable_encoder({k: v for k, v in row.items() if k != "key_id"}), status_code=201)

    # --- model, drift, health ----------------------------------------------------------------

    @app.get("/v1/model", tags=["model"], responses={**AUTH_RESPONSES, 503: {"description": "no model loaded yet"}})
    def model(request: Request, key: Key):
        """The served (champion) model: version, when trained, key metrics."""
        loaded = _loaded(request)
        return JSONResponse(jsonable_encoder({
            "name": loaded.name, "version": loaded.version, "uri": loaded.uri, "alias": serving.alias,
            "loaded_at": loaded.loaded_at, "follows_alias": holder.resolver is not None,
            "trained_at": loaded.info.get("trained_at"), "run_id": loaded.info.get("run_id"),
            "metrics": loaded.info.get("metrics") or getattr(loaded.scorer, "metrics", None) or {}}))

    @app.get("/v1/drift/latest", tags=["model"], responses={**AUTH_RESPONSES, 404: {"description": "no drift summary yet"}})
    def drift_latest(key: Key):
        """The newest weekly drift summary written by the weekly run."""
        found = store.latest_drift()
        if found is None:
            raise HTTPException(404, "no drift summary stored yet")
        return JSONResponse(jsonable_encoder(found))

    @app.get("/healthz", tags=["health"])
    def healthz():
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "model not loaded or store unreachable"}})
    def readyz():
        """Ready for traffic: a model is loaded and the store answers."""
        loaded = holder.current
        store_ok = store.ping()
        body = {"model": None if loaded is None else {"name": loaded.name, "version": loaded.version},
                "store": store_ok, "model_error": holder.last_error if loaded is None else None}
        return JSONResponse(body, status_code=200 if loaded is not None and store_ok else 503)

    @app.get("/metrics", tags=["health"], response_class=Response)
    def metrics_endpoint():
        """Prometheus metrics (request counts and latency by route, model version, swaps)."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    mount_pages(app)  # the office pages (/login, /, /households/…, /overview): riskmodel.web
    return app


__all__ = ["create_app"]
