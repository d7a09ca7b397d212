"""Web pages for coordinators, centre staff and drivers (Danish, server-rendered).

:func:`install` adds the pages under ``/web`` and the static files (Leaflet and the map script
under ``/static/maps``, the pages' CSS/JS under ``/static/web``) to the app, and the OpenAPI
docs at ``/docs`` with the Swagger UI files shipped in the ``fastapi-offline`` package (served
from ``/static/docs``, so the docs work without internet).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web.addresses import router as addresses_router
from api.web.addresses import warm_addresses
from api.web.centre_tools import router as centre_tools_router
from api.web.complaints_pages import router as complaints_router
from api.web.dayview import router as dayview_router
from api.web.decisions_pages import router as decisions_router
from api.web.desk import router as desk_router
from api.web.followups import router as followups_router
from api.web.grants_pages import router as grants_router
from api.web.imports import router as imports_router
from api.web.master_tables import router as master_tables_router
from api.web.merges import router as merges_router
from api.web.pages import MAPS_STATIC, PREFIX, WEB_STATIC
from api.web.pin import router as pin_router
from api.web.planning import router as planning_router
from api.web.png import router as png_router
from api.web.prints import router as prints_router
from api.web.routes import router
from api.web.session import CsrfError, LoginRequired
from api.web.users import router as users_router
from maps.leaflet import STATIC_DIR as MAPS_STATIC_DIR

WEB_STATIC_DIR = Path(__file__).parent / "static"


API_PREFIX = "/api/v1"


def install(app: FastAPI) -> None:
    """Register the web pages, their static files and their login/CSRF redirects on ``app``,
    and the REST API's run map (``GET /api/v1/days/{date}/manifests/{vehicle}/runs/{run}.png``).
    """
    app.include_router(router)
    app.include_router(followups_router)
    app.include_router(desk_router)
    app.include_router(imports_router)
    app.include_router(master_tables_router)
    app.include_router(merges_router)
    app.include_router(pin_router)
    app.include_router(planning_router)
    app.include_router(centre_tools_router)
    app.include_router(prints_router)
    app.include_router(users_router)
    app.include_router(dayview_router)
    app.include_router(grants_router)
    app.include_router(decisions_router)
    app.include_router(complaints_router)
    app.include_router(png_router, prefix=API_PREFIX)
    app.include_router(addresses_router, prefix=API_PREFIX)
    app.mount(MAPS_STATIC, StaticFiles(directory=MAPS_STATIC_DIR), name="maps-static")
    app.mount(WEB_STATIC, StaticFiles(directory=WEB_STATIC_DIR), name="web-static")
    _install_docs(app)
    context = getattr(app.state, "context", None)
    if context is not None and context.settings.warm_up:
        warm_addresses(context)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        target = quote(request.url.path)
        return RedirectResponse(f"{PREFIX}/login?naeste={target}", status_code=303)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, exc: CsrfError) -> RedirectResponse:
        # Back to the page the form was on (same site only), with the error shown there.
        back = urlsplit(request.headers.get("referer", "")).path
        if not back.startswith(PREFIX + "/") or back.startswith("//"):
            back = f"{PREFIX}/login"
        return RedirectResponse(f"{back}?fejl=csrf", status_code=303)


DOCS_STATIC = "/static/docs"


def _install_docs(app: FastAPI) -> None:
    import fastapi_offline
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount(DOCS_STATIC, StaticFiles(directory=assets), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or f"{API_PREFIX}/openapi.json",
            title=f"{app.title} – docs",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png")
