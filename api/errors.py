"""The one place where exceptions become HTTP responses: RFC 9457 problem details.

Every 4xx and 5xx answer of the API is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and ``instance`` (the request path), plus extension members where useful:

* ``errors`` — a list of items, for request validation (``{in, field, detail, type}``, ``field``
  being the dotted path of the offending field) and for scenario imports
  (``{file, row, column, detail}``).
* ``id`` / ``entity`` — the unknown or conflicting resource.

Services raise the :class:`ApiError` subclasses below (or the core's own errors); they never build
HTTP responses themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from routing.errors import (
    NetworkError,
    PlanFormatError,
    ScenarioError,
    ScenarioErrors,
    SnapError,
)

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "tag:samkorsel.dk,2026:problem/"
"""Problem type URIs are ``tag:`` URIs (RFC 9457 § 3.1.1: identifiers, not links); the list with
their meaning is in README.md (*REST API*, *Errors*)."""


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "tag:samkorsel.dk,2026:problem/not-found",
                "title": "Not Found",
                "status": 404,
                "detail": "rider 'R17' does not exist",
                "instance": "/api/v1/riders/R17",
            }
        },
    )

    type: str = Field(default="about:blank", description="URI identifying the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="HTTP status code.")
    detail: str = Field(default="", description="What went wrong with this request.")
    instance: str = Field(default="", description="The request path.")
    errors: list[dict[str, Any]] | None = Field(default=None,
        description="Itemised errors: validation ({in, field, detail, type}) or scenario import "
        "({file, row, column, detail}).",
    )


class ApiError(Exception):
    """An error the client can act on. Subclasses fix the status and the problem type."""

    status: int = 400
    slug: str = "bad-request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequestError(ApiError):
    status, slug = 400, "bad-request"


class UnauthorizedError(ApiError):
    status, slug = 401, "unauthorized"


class ForbiddenError(ApiError):
    status, slug = 403, "forbidden"


class NotFoundError(ApiError):
    status, slug = 404, "not-found"

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(f"{entity} {str(entity_id)!r} does not exist", entity=entity,
                         id=str(entity_id))


class NotAcceptableError(ApiError):
    status, slug = 406, "not-acceptable"


class ConflictError(ApiError):
    status, slug = 409, "conflict"


class PayloadTooLargeError(ApiError):
    status, slug = 413, "payload-too-large"


class UnprocessableError(ApiError):
    """The request is well-formed but breaks a domain rule (e.g. a session of another centre)."""

    status, slug = 422, "invalid-input"


_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})


def problem(
    request: Request,
    status: int,
    detail: str,
    /,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    """Build a problem response for ``request``."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extensions.items()
                 if v is not None and k not in _STANDARD_MEMBERS})
    return ProblemResponse(body, status_code=status, headers=headers)


def _field_path(loc: Sequence[Any]) -> tuple[str, str]:
    where = str(loc[0]) if loc else ""
    return where, ".".join(str(part) for part in loc[1:])


def _scenario_error_item(error: ScenarioError) -> dict[str, Any]:
    return {"file": error.file, "row": error.row, "column": error.column, "detail": error.detail}


async def _api_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": 'Bearer realm="samkorsel"'} if exc.status == 401 else None
    return problem(request, exc.status, exc.detail, type_=problem_type(exc.slug),
                   title=exc.title, headers=headers, **exc.extensions)


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    broken = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if broken:
        # Not a field's value but an unreadable body: 400, as for any malformed request.
        ctx = broken[0].get("ctx") or {}
        return problem(request, 400, "the body is not valid JSON"
                       + (f": {ctx['error']}" if ctx.get("error") else ""))
    items = []
    for err in exc.errors():
        where, field = _field_path(err.get("loc", ()))
        items.append({"in": where, "field": field, "detail": err.get("msg", ""),
                      "type": err.get("type", "")})
    fields = ", ".join(f"{i['in']}.{i['field']}" if i["field"] else i["in"] for i in items)
    return problem(request, 422, f"invalid request: {fields}",
                   type_=problem_type("validation"), title="Request validation failed",
                   errors=items)


async def _scenario_errors(request: Request, exc: Exception) -> ProblemResponse:
    errors = exc.errors if isinstance(exc, ScenarioErrors) else [exc]
    items = [_scenario_error_item(e) for e in errors if isinstance(e, ScenarioError)]
    return problem(request, 422, f"{len(items)} error(s) in the scenario; nothing was imported",
                   type_=problem_type("invalid-scenario"), title="Invalid scenario",
                   errors=items)


async def _snap_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, SnapError)
    return problem(request, 422, str(exc), type_=problem_type("off-network"),
                   title="Place is off the road network", id=exc.point_id,
                   distance_m=exc.distance_m)


async def _http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    return problem(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _integrity_error(request: Request, exc: Exception) -> ProblemResponse:
    # A constraint the services did not check first (e.g. two requests racing for the same id).
    log.info("integrity error on %s %s: %s", request.method, request.url.path,
             type(exc).__name__)
    return problem(request, 409, "the change conflicts with the stored data (duplicate or "
                   "still referenced)", type_=problem_type("conflict"))


async def _data_error(request: Request, exc: Exception) -> ProblemResponse:
    # A value the database refuses (out of range, bad characters) that validation let through.
    log.info("data error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem(request, 422, "a value cannot be stored (out of range or invalid "
                   "characters)", type_=problem_type("invalid-input"))


async def _operational_error(request: Request, exc: Exception) -> ProblemResponse:
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem(request, 503, "the database is unavailable; try again",
                   type_=problem_type("unavailable"), headers={"Retry-After": "5"})


async def _dbapi_error(request: Request, exc: Exception) -> ProblemResponse:
    # A lost connection surfaces as InterfaceError or with connection_invalidated set (e.g. the
    # database server restarted mid-request): the request failed cleanly, nothing was
    # committed, and the client may retry.
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or type(exc).__name__ == "InterfaceError":
        return await _operational_error(request, exc)
    return await _server_error(request, exc)


async def _server_error(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(request, 500, "internal error; it has been logged",
                   type_=problem_type("internal"))


async def _stored_plan_error(request: Request, exc: Exception) -> ProblemResponse:
    log.error("stored plan unreadable on %s: %s", request.url.path, exc)
    return problem(request, 500, "a stored plan could not be read",
                   type_=problem_type("internal"))


async def _network_error(request: Request, exc: Exception) -> ProblemResponse:
    log.error("road network unavailable: %s", exc)
    return problem(request, 503, "the road network could not be loaded",
                   type_=problem_type("unavailable"))


class RejectNulMiddleware:
    """Answer 400 to a request whose path or query holds a NUL character (``%00``): no id or
    parameter may contain one, and PostgreSQL would refuse it deep inside a query."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and ("\x00" in scope.get("path", "") or
                                        b"%00" in scope.get("query_string", b"").lower() or
                                        b"\x00" in scope.get("query_string", b"")):
            response = ProblemResponse(
                {"type": problem_type("bad-request"), "title": "Bad Request", "status": 400,
                 "detail": "the path or query contains a NUL character",
                 "instance": (scope.get("raw_path") or b"").decode("latin-1")},
                status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping of every exception kind to a problem response."""
    app.add_middleware(RejectNulMiddleware)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ScenarioErrors, _scenario_errors)
    app.add_exception_handler(ScenarioError, _scenario_errors)
    app.add_exception_handler(SnapError, _snap_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(DBAPIError, _dbapi_error)
    app.add_exception_handler(PlanFormatError, _stored_plan_error)
    app.add_exception_handler(NetworkError, _network_error)
    app.add_exception_handler(Exception, _server_error)


# ------------------------------------------------------------------------------------------------
# OpenAPI documentation of the problem responses

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or unknown API key",
    403: "The caller's role may not do this",
    404: "Unknown id (or not visible to the caller)",
    406: "Requested format not available",
    409: "Conflict with the stored data",
    413: "Upload too large",
    422: "Invalid input (the `errors` member names each field)",
    500: "Internal error",
    503: "Database or road network unavailable",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting problem answers with these statuses."""
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


def tidy_openapi_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Document every error response as ``application/problem+json`` only.

    FastAPI lists a response ``model`` under ``application/json`` and adds its own 422 schema;
    both are replaced by the :class:`Problem` schema under the problem media type.
    """
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for code, response in operation.get("responses", {}).items():
                if code.isdigit() and int(code) >= 400:
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
                    response.setdefault("description", _DESCRIPTIONS.get(int(code), "Error"))
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema
