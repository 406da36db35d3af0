"""API-key authentication and the role × region rules.

| endpoint                         | admin | analyst | office (region prefix P)                    |
|----------------------------------|-------|---------|---------------------------------------------|
| POST /v1/score, /v1/score/batch  | yes   | yes     | households in P only, else 403              |
| GET /v1/risk-lists/{week}        | yes   | yes     | rows in P only (a region outside P → 403)   |
| GET /v1/households/{id}          | yes   | yes     | in P only, else 404 (existence not revealed)|
| POST /v1/households/{id}/visits  | yes   | 403     | in P only, else 404                         |
| GET /v1/visits, /v1/visits/{id}  | yes   | yes     | in P only (a region outside P → 403; a      |
|                                  |       |         | visit outside P → 404)                      |
| GET /v1/model, /v1/drift/latest  | yes   | yes     | yes                                         |

A key created with a region prefix is bound to it whatever its role: an admin or analyst key
with ``--region`` sees that region only, exactly as an office key does (the region is never
stored without being enforced). Missing, unknown or revoked key → 401. Keys are looked up by their public id and checked
against the stored salted hash; a verified key is cached in-process for ``auth_cache_s``.
"""

from __future__ import annotations

import hashlib

from typing import Annotated

from cachetools import TTLCache
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from riskmodel.store import ApiKeyInfo, sees_region

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False,
    description="API key from `riskmodel keys create --role admin|analyst|office [--region PREFIX]`",
)
VISIT_WRITERS = ("admin", "office")


class KeyCache:
    """Verified keys for a few seconds, so each request costs no database round trip."""

    def __init__(self, ttl_s: float):
        self.ttl_s = ttl_s
        self._items: TTLCache[str, ApiKeyInfo] | None = TTLCache(maxsize=10_000, ttl=ttl_s) if ttl_s > 0 else None

    def get(self, digest: str) -> ApiKeyInfo | None:
        return None if self._items is None else self._items.get(digest)

    def put(self, digest: str, info: ApiKeyInfo) -> None:
        if self._items is not None:
            self._items[digest] = info


async def current_key(request: Request, raw: str | None = Security(api_key_header)) -> ApiKeyInfo:
    """The authenticated key of this request (401 if missing, unknown or revoked).

    ``async`` so that a request does not hop to the thread pool and back just to read the cache;
    a miss (once per key every ``auth_cache_s``) reads one row from the store on the event loop.
    """
    if not raw:
        raise HTTPException(401, "missing X-API-Key header", headers={"WWW-Authenticate": "APIKey"})
    cache: KeyCache = request.app.state.key_cache
    digest = hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()
    info = cache.get(digest)
    if info is None:
        info = request.app.state.store.authenticate(raw)
        if info is None:
            raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "APIKey"})
        cache.put(digest, info)
    request.state.key_id = info.key_id
    return info


def in_region(key: ApiKeyInfo, region_code: str | None) -> bool:
    """Whether ``key`` may see a household in ``region_code`` (a key with a region: that prefix only)."""
    return sees_region(key.role, key.region_prefix, region_code)


def list_region(key: ApiKeyInfo, region: str | None) -> str | None:
    """The region prefix a list read is restricted to; 403 when a region-bound key asks outside its own."""
    own = key.region_prefix or ""
    if not own:
        if key.role == "office":
            raise HTTPException(403, "this office key has no region")
        return region
    if region is None or own.startswith(region):
        return own
    if region.startswith(own):
        return region
    raise HTTPException(403, "this key is bound to another region")


def require_visit_writer(key: ApiKeyInfo) -> None:
    if key.role not in VISIT_WRITERS:
        raise HTTPException(403, f"role {key.role!r} cannot record visits")


#: The authenticated key of a request (a route parameter ``key: Key``).
Key = Annotated[ApiKeyInfo, Depends(current_key)]
