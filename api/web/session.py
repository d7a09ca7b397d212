"""Browser sessions of the web pages, CSRF tokens for forms and the login form's CSRF check.

A person logs in with username and password (:func:`api.auth.login_user`); the login opens a
server-side session (:func:`api.auth.start_session`) whose random value sits in an ``HttpOnly``,
``SameSite=Strict`` cookie (``Secure`` over HTTPS). Only its SHA-256 is stored, and logout, a
password reset or deactivating the user end it on the server. A session lasts a working day;
a driver may keep a device logged in for 30 days. The REST API never reads the cookie (it
stays bearer-only, so no form on another site can drive it).

Every form that changes something carries a CSRF token, an HMAC of the session's cookie value:
another site can neither read the cookie nor compute the token. The login form itself (no
session yet) is protected against login CSRF twice: a one-time value in a cookie that the form
must repeat (double submit), and the request's ``Origin`` (when the browser sends one) must be
this site.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.auth import Principal, session_principal
from api.deps import DbSession, get_context

COOKIE_NAME = "samkorsel_session"
LOGIN_COOKIE = "samkorsel_login"
LOGIN_FORM_TTL_S = 3600


class LoginThrottle:
    """Failed logins per username: after :attr:`limit` failures within :attr:`window_s`
    further attempts are refused until the window has passed (guessing passwords online).

    Kept in the process's memory: with several workers each counts its own attempts, so the
    effective limit is ``limit`` × workers — still far too few to guess a password.
    """

    def __init__(self, limit: int = 5, window_s: float = 15 * 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def blocked(self, username: str) -> bool:
        with self._lock:
            return len(self._recent(username.strip().lower(), time.monotonic())) >= self.limit

    def failed(self, username: str) -> None:
        key = username.strip().lower()
        with self._lock:
            if len(self._failures) > 10_000:  # bounded memory under a flood of names
                self._failures.clear()
            self._recent(key, time.monotonic())
            self._failures.setdefault(key, []).append(time.monotonic())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username.strip().lower(), None)


def login_throttle(request: Request) -> LoginThrottle:
    """The app's login throttle (one per app, made on first use)."""
    extras = get_context(request).extras
    throttle = extras.get("login_throttle")
    if not isinstance(throttle, LoginThrottle):
        throttle = extras.setdefault("login_throttle", LoginThrottle())
    return throttle


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


class CsrfError(Exception):
    """A form without the session's CSRF token."""


def csrf_token(session_value: str) -> str:
    """The CSRF token of a session (HMAC-SHA256 of the cookie value; stable for the session)."""
    return hmac.new(session_value.encode("utf-8"), b"samkorsel-web-csrf",
                    hashlib.sha256).hexdigest()[:40]


def check_csrf(request: Request, submitted: str) -> None:
    """Raise :class:`CsrfError` unless ``submitted`` is the session's CSRF token."""
    key = request.cookies.get(COOKIE_NAME, "")
    if not key or not hmac.compare_digest(csrf_token(key), submitted or ""):
        raise CsrfError("missing or wrong CSRF token")


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def login_csrf_ok(request: Request, submitted: str) -> bool:
    """The login form's checks: the cookie's one-time value repeated in the form, and an
    ``Origin`` header (if any) naming this site."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        parts = urlsplit(origin)
        if (parts.scheme, parts.netloc) != (request.url.scheme, request.url.netloc):
            return False
    elif origin == "null":
        return False
    expected = request.cookies.get(LOGIN_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected, submitted or "")


def set_login_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(LOGIN_COOKIE, value, max_age=LOGIN_FORM_TTL_S, path="/web/login",
                        httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def set_session_cookie(response: Response, request: Request, value: str,
                       lifetime: timedelta) -> None:
    response.set_cookie(COOKIE_NAME, value, max_age=int(lifetime.total_seconds()), path="/",
                        httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_COOKIE, path="/web/login")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")


async def web_principal(request: Request, session: DbSession) -> Principal:
    """The logged-in user from the session cookie; :class:`LoginRequired` without one."""
    key = request.cookies.get(COOKIE_NAME)
    if not key:
        raise LoginRequired
    context = get_context(request)
    cache = context.principals
    cached = cache.get(key)
    if cached is not None:
        return cached
    principal = await run_in_threadpool(session_principal, session, key, context.now())
    if principal is None:
        raise LoginRequired
    cache.put(key, principal)
    return principal


WebUser = Annotated[Principal, Depends(web_principal)]
