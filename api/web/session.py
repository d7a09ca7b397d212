"""Browser sessions of the web pages: the API key in a cookie, and CSRF tokens for forms.

The login page takes the user's API key (the same key the REST API uses) and stores it in an
``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` over HTTPS); the pages authenticate it
exactly as the API authenticates a bearer key, so roles and visibility are the API's. The REST
API itself never reads the cookie (it stays bearer-only, so no form on another site can drive
it).

Every form that changes something carries a CSRF token, an HMAC of the session's key: another
site can neither read the cookie nor compute the token (``SameSite=Strict`` already keeps the
cookie off cross-site requests; the token is the second lock).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.auth import Principal, authenticate
from api.deps import DbSession, get_context
from api.errors import UnauthorizedError

COOKIE_NAME = "samkorsel_session"
COOKIE_MAX_AGE_S = 12 * 3600
"""A browser session lasts a working day; then the user logs in again."""


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


class CsrfError(Exception):
    """A form without the session's CSRF token."""


def csrf_token(api_key: str) -> str:
    """The CSRF token of a session (HMAC-SHA256 of the key; stable for the session)."""
    return hmac.new(api_key.encode("utf-8"), b"samkorsel-web-csrf",
                    hashlib.sha256).hexdigest()[:40]


def check_csrf(request: Request, submitted: str) -> None:
    """Raise :class:`CsrfError` unless ``submitted`` is the session's CSRF token."""
    key = request.cookies.get(COOKIE_NAME, "")
    if not key or not hmac.compare_digest(csrf_token(key), submitted or ""):
        raise CsrfError("missing or wrong CSRF token")


def set_session_cookie(response: Response, request: Request, api_key: str) -> None:
    response.set_cookie(COOKIE_NAME, api_key, max_age=COOKIE_MAX_AGE_S, path="/",
                        httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")


async def web_principal(request: Request, session: DbSession) -> Principal:
    """The logged-in user from the session cookie; :class:`LoginRequired` without one."""
    key = request.cookies.get(COOKIE_NAME)
    if not key:
        raise LoginRequired
    cache = get_context(request).principals
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        principal = await run_in_threadpool(authenticate, session, key)
    except UnauthorizedError:
        raise LoginRequired from None
    cache.put(key, principal)
    return principal


WebUser = Annotated[Principal, Depends(web_principal)]
