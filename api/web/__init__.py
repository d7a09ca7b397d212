"""Web pages for coordinators, centre staff and drivers (Danish, server-rendered).

:func:`install` adds the pages under ``/web`` and the static files (Leaflet and the map script
under ``/static/maps``, the pages' CSS/JS under ``/static/web``) to the app.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

WEB_STATIC_DIR = Path(__file__).parent / "static"


API_PREFIX = "/api/v1"


def install(app: FastAPI) -> None:
    """Register the web pages, their static files and their login/CSRF redirects on ``app``,
    and the REST API's run map (``GET /api/v1/days/{date}/manifests/{vehicle}/runs/{run}.png``).
    """
    from api.web.followups import router as followups_router
    from api.web.png import router as png_router
    from api.web.routes import MAPS_STATIC, PREFIX, WEB_STATIC, router
    from api.web.session import CsrfError, LoginRequired
    from maps.leaflet import STATIC_DIR as MAPS_STATIC_DIR

    app.include_router(router)
    app.include_router(followups_router)
    app.include_router(png_router, prefix=API_PREFIX)
    app.mount(MAPS_STATIC, StaticFiles(directory=MAPS_STATIC_DIR), name="maps-static")
    app.mount(WEB_STATIC, StaticFiles(directory=WEB_STATIC_DIR), name="web-static")

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
