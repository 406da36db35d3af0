"""Errors of the API: one shape for every 4xx/5xx, bounded, never echoing a payload into a log.

Every error body is ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}, ...]}`` — the
422 shape FastAPI uses, also for 401/403/404/503 — so a client has one parser. What a 422
echoes back is bounded (``MAX_ERRORS`` problems, ``MAX_ECHO`` characters per input, no
containers, no whole bodies), so that 100,000 unknown keys cannot produce a 10 MB answer, and
it is made JSON-safe (bytes, NaN, Infinity and lone surrogates cannot break the handler).
"""

from __future__ import annotations

import logging
import math
import traceback
from typing import Any

import pydantic_core
from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

log = logging.getLogger("riskmodel.serving")

#: Most problems listed in one error response (the rest are counted in a last entry).
MAX_ERRORS = 20
#: Most characters of an input echoed back per problem (and of a message or a ``loc`` key).
MAX_ECHO = 100
#: Bodies up to this size are validated on the event loop (cheaper); larger ones in a thread.
INLINE_BODY_BYTES = 32_768
#: Error ``type`` per HTTP status, for errors that are not about one field.
STATUS_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                422: "invalid", 500: "internal", 503: "unavailable"}


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="where: body/query/path/header, then field names and row indexes",
                                 examples=[["body", "members", 0, "birth_year"]])
    msg: str = Field(description="what is wrong, in words", examples=["Input should be less than or equal to 2026"])
    type: str = Field(description="machine-readable rule (pydantic's type, contract.<rule>, or the status kind)",
                      examples=["less_than_equal"])
    input: Any = Field(default=None, description=f"the offending value (scalars only, at most {MAX_ECHO} characters)")


class ErrorOut(BaseModel):
    """Every error response: a list of problems (one for 401/403/404/503)."""

    detail: list[ErrorItem]


def error_responses(*statuses: int, **descriptions: str) -> dict:
    """OpenAPI ``responses`` entries for ``statuses``, all with the one error schema."""
    defaults = {401: "missing, unknown or revoked API key", 403: "the key's role or region does not allow this",
                404: "not found (or outside the key's region)", 409: "conflicts with an earlier request",
                413: "request body too large", 422: "invalid request (field and rule named)",
                503: "not ready (no model loaded yet, or store unreachable)"}
    return {s: {"model": ErrorOut, "description": descriptions.get(f"d{s}", defaults.get(s, "error"))}
            for s in statuses}


class ApiError(Exception):
    """An error answered with ``status`` and one problem (raised by services and routes)."""

    def __init__(self, status: int, msg: str, *, type: str | None = None, loc: tuple | list = (),
                 headers: dict | None = None):
        self.status = status
        self.item = {"loc": list(loc), "msg": msg, "type": type or STATUS_TYPES.get(status, "error")}
        self.headers = headers
        super().__init__(msg)


def _text(value: str, limit: int = MAX_ECHO) -> str:
    """At most ``limit`` characters, encodable (lone surrogates replaced)."""
    if len(value) > limit:
        value = value[:limit] + "…"
    return value.encode("utf-8", "replace").decode("utf-8")


def _echo(value: Any) -> Any:
    """A JSON-safe, bounded copy of a scalar input; None for containers and whole bodies."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (bytes, bytearray)):
        return _text(bytes(value[: MAX_ECHO * 4]).decode("utf-8", "replace"))
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return value if abs(value) < 2**63 else _text(str(value)[:30])
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, (dict, list, tuple, set)):
        return None
    return _text(str(value))


def _loc(loc) -> list:
    return [p if isinstance(p, int) else _text(str(p)) for p in loc]


def clean_errors(errors: list[dict]) -> list[dict]:
    """Bounded, JSON-safe problems in the one shape (first ``MAX_ERRORS``, then a count)."""
    out = []
    for e in errors[:MAX_ERRORS]:
        item = {"loc": _loc(e.get("loc", ())), "msg": _text(str(e.get("msg", "")), 300),
                "type": _text(str(e.get("type", "invalid")), 60)}
        if e.get("type") != "json_invalid":  # its input is the whole body
            echoed = _echo(e.get("input"))
            if echoed is not None:
                item["input"] = echoed
        out.append(item)
    if len(errors) > MAX_ERRORS:
        out.append({"loc": out[0]["loc"][:1] if out else [], "type": "too_many_errors",
                    "msg": f"{len(errors) - MAX_ERRORS} more problems not listed (fix these first)"})
    return out


class CleanedValidationError(RequestValidationError):
    """A 422 whose problems are already bounded and JSON-safe (answered as they are)."""


#: Most keys in one JSON object and items in one array of a request body (far above any
#: contract row or payload): pydantic would otherwise build one error per unknown key, and
#: 100,000 of them held the GIL (so the event loop, even from a thread) for seconds.
MAX_OBJECT_KEYS = 64
MAX_ARRAY_ITEMS = 5000


def _shape_problem(value) -> dict | None:
    """The first object with too many keys or array with too many items, walking the parsed body."""
    stack = [(value, ("body",))]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, dict):
            if len(node) > MAX_OBJECT_KEYS:
                return {"loc": list(loc), "type": "too_many_keys",
                        "msg": f"object with {len(node)} keys (at most {MAX_OBJECT_KEYS})"}
            stack.extend((v, (*loc, _text(str(k)))) for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            if len(node) > MAX_ARRAY_ITEMS:
                return {"loc": list(loc), "type": "too_long",
                        "msg": f"array with {len(node)} items (at most {MAX_ARRAY_ITEMS})"}
            stack.extend((v, (*loc, i)) for i, v in enumerate(node) if isinstance(v, (dict, list)))
    return None


def validate_now(model: type[BaseModel], body: bytes):
    """``body`` validated (any thread); a large body's shape is bounded first (see ``MAX_OBJECT_KEYS``)."""
    if len(body) > INLINE_BODY_BYTES:
        try:
            parsed = pydantic_core.from_json(body, cache_strings=False)  # unique keys: caching only costs
        except ValueError:
            parsed = None  # the validator reports it (json_invalid)
        problem = _shape_problem(parsed)
        if problem is not None:
            raise CleanedValidationError([problem])
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        # only the first problems are turned into dicts' worth of text: the rest are counted
        n = exc.error_count()
        errors = exc.errors(include_url=False, include_context=False)[: MAX_ERRORS]
        cleaned = clean_errors([{**e, "loc": ("body", *e["loc"])} for e in errors])
        if n > MAX_ERRORS:
            cleaned.append({"loc": ["body"], "type": "too_many_errors",
                            "msg": f"{n - MAX_ERRORS} more problems not listed (fix these first)"})
        raise CleanedValidationError(cleaned) from None


async def validated(model: type[BaseModel], body: bytes):
    """``body`` validated by pydantic's own JSON parser (strict about UTF-8, NaN, types).

    Small bodies are validated on the event loop (a thread hop costs more than they do);
    large ones in the thread pool, so that one pathological body cannot stall the loop.
    Errors are 422 problems whose ``loc`` starts with ``body``.
    """
    if len(body) <= INLINE_BODY_BYTES:
        return validate_now(model, body)
    return await run_in_threadpool(validate_now, model, body)


def _json(status: int, items: list[dict], headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status, headers=headers)


def install_handlers(app: FastAPI) -> None:
    """One error shape for validation errors, ``ApiError`` and Starlette/FastAPI HTTP errors.

    Unhandled exceptions are answered by ``Observe`` (``riskmodel.serving.observe``), which logs
    their type and frames but never their message, and does not re-raise them to the server.
    """

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        errors = list(exc.errors())
        return _json(422, errors if isinstance(exc, CleanedValidationError) else clean_errors(errors))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _json(exc.status, [exc.item], exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        msg = exc.detail if isinstance(exc.detail, str) else STATUS_TYPES.get(exc.status_code, "error")
        item = {"loc": [], "msg": _text(str(msg), 300), "type": STATUS_TYPES.get(exc.status_code, "error")}
        return _json(exc.status_code, [item], getattr(exc, "headers", None))

    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(StarletteHTTPException, http_error)


def unhandled(exc: BaseException, route: str) -> None:
    """Log an unhandled error by type, route and code frames: never its message (it may quote input)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unhandled %s on %s\n%s", type(exc).__name__, route, frames)
