"""FastAPI dependencies: the request's unit of work, the caller, the app's shared services."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, authenticate
from api.context import AppContext
from api.errors import problem_responses
from api.gate import RequestGate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="API key of a coordinator, centre or driver user: `Authorization: Bearer sk_…`.",
)


def _commit_after(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session) and value.in_transaction():
                value.commit()
        return result

    return run


class UnitOfWorkRoute(APIRoute):
    """Routes whose (synchronous) handler commits the request's transaction itself, in its own
    worker thread, right after it returns.

    The transaction still ends before the response is sent and still rolls back when the
    handler raises; committing in the handler's thread saves a trip through the thread pool
    and, on SQLite, shortens the time the single writer holds the database.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _commit_after(endpoint)
        super().__init__(path, endpoint, **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    """A router of this service: :class:`UnitOfWorkRoute` routes, and the problem answers
    every authenticated endpoint may give documented."""
    responses = {**problem_responses(400, 401, 403, 500), **kwargs.pop("responses", {})}
    return APIRouter(route_class=UnitOfWorkRoute, responses=responses, **kwargs)


def get_context(request: Request) -> AppContext:
    context = request.app.state.context
    assert isinstance(context, AppContext)
    return context


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed after the handler returns, rolled back on error.

    Runs with ``scope="function"`` (see :data:`DbSession`), so the commit happens *before* the
    response is sent and a failed commit becomes an error response.
    """
    context = get_context(request)
    gate = context.gate
    if gate is None:
        gate = context.gate = RequestGate(context.database,
                                          context.settings.db_concurrency)
    write = request.method not in SAFE_METHODS
    database = context.database
    async with gate.writers if write else gate.readers:
        # Opening does no I/O (the transaction begins with the first statement, in the
        # handler's thread); ending it does, so it runs in the thread pool.
        session = database.open_session(write=write)
        try:
            yield session
        except BaseException:
            await run_in_threadpool(database.finish, session, False)
            raise
        if not session.in_transaction() or (database.is_sqlite and not write):
            # Committed in the handler's thread (see UnitOfWorkRoute), or a read transaction
            # on SQLite (a quick in-process call): ending it here spares the request a second
            # trip through the thread pool.
            database.finish(session, True)
        else:
            await run_in_threadpool(database.finish, session, True)


DbSession = Annotated[Session, Depends(db_session, scope="function")]
Context = Annotated[AppContext, Depends(get_context)]


async def current_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from the API key; recently seen keys come from a short-lived cache
    (:class:`api.auth.PrincipalCache`) without touching the database."""
    token = credentials.credentials if credentials else None
    cache = get_context(request).principals
    cached = cache.get(token) if token else None
    if cached is not None:
        return cached
    principal = await run_in_threadpool(authenticate, session, token)
    if token:
        cache.put(token, principal)
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
