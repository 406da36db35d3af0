"""Signing in to the pages: session cookie, CSRF tokens, where an anonymous visitor is sent.

The session cookie is HttpOnly and SameSite=Lax and carries a random token (the store keeps
its hash). Every form carries ``csrf_token``: the session's own token once signed in; on the
login form, a random value that must equal a cookie set with the form (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

SESSION_COOKIE = "rm_session"
LOGIN_CSRF_COOKIE = "rm_login_csrf"
#: Headers on every page: nothing loads from elsewhere, no framing, no caching of household data.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def signed_in(request: Request):
    """``(user, csrf_token)`` of this browser's live session, or None."""
    return request.app.state.store.session(request.cookies.get(SESSION_COOKIE))


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) is followed after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def csrf_ok(expected: str | None, given) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected, given)


def _cookie_options(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


def set_session(response: Response, request: Request, token: str, hours: float) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(hours * 3600), **_cookie_options(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def login_csrf(request: Request) -> str:
    """The login form's token: the cookie's if the browser has one, else a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf(response: Response, request: Request, token: str) -> None:
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_options(request))
