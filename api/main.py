"""The application factory: ``create_app()`` builds the FastAPI service under ``/api/v1``.

``samkorsel serve`` calls it; tests call it with their own :class:`~api.settings.Settings`.
Nothing is configured at import time.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from api.absences.routes import router as absences_router
from api.centres.routes import router as centres_router
from api.context import AppContext, NetworkCache
from api.db.database import Database, upgrade_database
from api.errors import install_error_handlers, tidy_openapi_problems
from api.gate import RequestGate
from api.grants.routes import router as grants_router
from api.manifests.routes import router as days_router
from api.plans.jobs import JobRunner
from api.plans.routes import router as plans_router
from api.privacy.http import NoStoreMiddleware
from api.privacy.routes import router as privacy_router
from api.reimbursement.routes import router as reimbursement_router
from api.riders.routes import router as riders_router
from api.riders.routes import vehicles as vehicles_router
from api.scenario.routes import router as scenario_router
from api.settings import Settings
from api.uploads import BodyLimitMiddleware
from api.users.routes import router as users_router
from api.warmup import warm_up
from api.web import install as install_web_pages

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
VERSION = "1.0.0"

TAGS: list[dict[str, Any]] = [
    {"name": "health", "description": "Liveness (no API key needed)."},
    {"name": "users", "description": "Users, roles and API keys."},
    {"name": "centres", "description": "Centres, sessions (moduler), closures and calendars."},
    {"name": "riders", "description": "Riders: home, granted sessions, needs."},
    {"name": "vehicles", "description": "Vehicles, depots and tariffs."},
    {"name": "scenario", "description": "Import and export of the CSV scenario format."},
    {"name": "plans", "description": "Weekly plans: solve jobs, publication, diffs, maps."},
    {"name": "days", "description": "Daily runs, driver manifests, centre rider lists."},
    {"name": "absences", "description": "Afbud, no-shows and long absences."},
    {"name": "reimbursement", "description": "Reimbursement instead of the shared ride."},
    {"name": "audit", "description": "Who changed what when."},
    {"name": "privacy", "description": "Erasure of a rider's personal data; retention."},
]

DESCRIPTION = """
Routing service for shared transport (samkørsel) to activity and day centres
(Serviceloven § 104).

**Authentication**: `Authorization: Bearer <API key>`. Roles: `coordinator` (everything),
`centre` (its centres' riders, absences, closures and lists), `driver` (its vehicle's runs and
manifests, no-shows). Resources a caller may not see answer 404, like unknown ids; endpoints a
role may never use answer 403.

**Errors**: every 4xx/5xx response is an RFC 9457 problem detail
(`application/problem+json`); validation errors list each offending field in `errors`.
"""


ROUTERS: tuple[APIRouter, ...] = (
    days_router, absences_router, users_router, centres_router, riders_router, vehicles_router,
    scenario_router, plans_router, reimbursement_router, privacy_router,
    grants_router)
"""Requests are matched against the routers in this order: the busiest (drivers' manifests,
afbud) first. Their paths overlap no other router's."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API service.

    Parameters
    ----------
    settings
        Configuration; default: read from ``SAMKORSEL_*`` environment variables now.

    Notes
    -----
    The database schema is brought to the newest revision when the app starts (lifespan), when
    ``settings.auto_migrate`` is true. Plan jobs are solved by the job engine's worker
    processes, never in this one; at start-up, jobs whose worker died are requeued and queued
    jobs handed to the engine, and on shutdown the embedded workers stop (see
    :mod:`api.plans.jobs`).
    """
    settings = settings or Settings()
    database = Database(settings.database_url)
    context = AppContext(settings=settings, database=database,
                         networks=NetworkCache(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The gate's locks belong to the event loop serving the app, so they are made here.
        context.gate = RequestGate(database, settings.db_concurrency)
        if settings.auto_migrate:
            await run_in_threadpool(upgrade_database, settings.database_url)
        await run_in_threadpool(_start_jobs, context)
        await run_in_threadpool(_prepare_process, context)
        log.info("samkorsel API ready (database backend %s)", database.engine.dialect.name)
        try:
            yield
        finally:
            if context.jobs is not None:
                await run_in_threadpool(context.jobs.shutdown)
            database.dispose()

    app = FastAPI(
        title="Samkørsel API",
        version=VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # /docs is served by api.web with bundled Swagger UI files (offline)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = context
    install_error_handlers(app)
    app.add_middleware(NoStoreMiddleware)
    # Outermost: oversized bodies are refused before anything reads them.
    app.add_middleware(BodyLimitMiddleware, upload_bytes=settings.max_upload_bytes,
                       body_bytes=settings.max_body_bytes,
                       anonymous_bytes=settings.max_anonymous_body_bytes)

    health = APIRouter(tags=["health"])

    @health.get("/health", summary="Liveness check")
    def health_check() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(health, prefix=API_PREFIX)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    install_web_pages(app)  # /web pages and /static files (not part of the OpenAPI description)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes,
                                 tags=app.openapi_tags)
            app.openapi_schema = add_openapi_links(tidy_openapi_problems(schema))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def add_openapi_links(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links from each creating operation to the operations on what it created.

    ``POST /riders`` answers 201 with the rider (``rider_id``): links lead to
    ``/riders/{rider_id}`` and its sub-resources, taking the id from the response body.
    Clients and stateful testers (schemathesis) follow them.
    """

    paths = schema.get("paths", {})
    components = schema.get("components", {}).get("schemas", {})
    for path, item in paths.items():
        post = item.get("post")
        if not isinstance(post, dict):
            continue
        created = next((r for code, r in post.get("responses", {}).items()
                        if code in ("201", "202")), None)
        if created is None:
            continue
        body = (created.get("content", {}).get("application/json", {}).get("schema", {}))
        ref = body.get("$ref", "")
        properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
        links: dict[str, Any] = {}
        for target, target_item in paths.items():
            match = re.fullmatch(re.escape(path) + r"/\{([a-z_]+)\}(/[^{}]*)?", target)
            if not match or match.group(1) not in properties:
                continue
            parameter = match.group(1)
            for operation in target_item.values():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                # Path parameters of the creating request carry over (e.g. the centre of a
                # session).
                inherited = {name: f"$request.path.{name}"
                             for name in re.findall(r"\{([a-z_]+)\}", path)}
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": {**inherited, parameter: f"$response.body#/{parameter}"}}
        if links:
            created["links"] = links
    return schema


def _prepare_process(context: AppContext) -> None:
    """Warm the caches (:mod:`api.warmup`) rather than in the first requests (the heavy
    modules, OR-Tools and the road network stack, are imported with this module already);
    then move everything loaded so far out of the garbage collector's reach (``gc.freeze``):
    the libraries' hundreds of thousands of long-lived objects would otherwise be walked by
    every full collection, pausing all requests for a fifth of a second. Then collect less
    often: the default (a young collection every 700 allocations) runs several collections per
    request, and the caches filled after start-up (road network, matrices, parsed plans) make
    the older generations' collections long; at 100 requests/s this halves the p99 latency
    (``scripts/bench_api.py``)."""
    if context.settings.warm_up:
        warm_up(context)
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


def _start_jobs(context: AppContext) -> None:
    jobs = context.jobs = JobRunner(context)
    jobs.recover()
