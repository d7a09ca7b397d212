"""The printed documents behind the web pages: the centre's rider list and the driver's
manifest as PDF (the same HTML and print stylesheet as the API's ``?format=pdf``,
:mod:`maps.manifest.pdf`), for the logged-in user (the REST API wants a bearer key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import Context, DbSession, UnitOfWorkRoute
from api.grants.rules_store import absence_rules_in_force
from api.manifests import service as days
from api.uploads import content_disposition
from api.web.pages import PREFIX, page, parse_date
from api.web.session import WebUser
from maps.manifest.pdf import render_centre_list_pdf

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)


def _pdf(body: bytes, filename: str) -> Response:
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": content_disposition("inline", filename),
        "Cache-Control": "no-store"})


@router.get("/center/{centre_id}/deltagerliste.pdf")
@page
def centre_list_pdf(request: Request, centre_id: str, db: DbSession, who: WebUser,
                    context: Context,
                    dato: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """The centre's rider list of a date (default today) as PDF."""
    day = parse_date(dato, context.today())
    body = days.centre_list(db, who, context, centre_id, day, absence_rules_in_force(db, context))
    return _pdf(render_centre_list_pdf(body), f"deltagerliste-{centre_id}-{day}.pdf")


@router.get("/chauffoer/{vehicle_id}/koereliste.pdf")
@page
def manifest_pdf(request: Request, vehicle_id: str, db: DbSession, who: WebUser,
                 context: Context,
                 dato: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """The vehicle's manifest of a date (default today) as PDF (kept with the cached
    manifest)."""
    day = parse_date(dato, context.today())
    doc = days.manifest(db, who, context, day, vehicle_id, absence_rules_in_force(db, context))
    return _pdf(doc.pdf_bytes(), f"koereliste-{vehicle_id}-{day}.pdf")
