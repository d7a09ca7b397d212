"""The coordinator's users page: people and their logins (create, new password, deactivate).

The same rules as the REST API (:mod:`api.users.service`): only coordinators; a password reset
and a deactivation end the user's open sessions; the last active coordinator stays.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.centres import service as centres
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.riders import service as riders
from api.users import service
from api.users.schemas import UserIn
from api.web.pages import PREFIX, page, redirect, render
from api.web.session import WebUser, check_csrf

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/koordinator/brugere", response_class=HTMLResponse)
@page
def users_page(request: Request, db: DbSession, who: WebUser) -> Response:
    rows = service.list_users(db, who, include_revoked=True)
    centre_names = {c.centre_id: c.name for c in centres.list_centres(db, who)}
    vehicles = riders.list_vehicles(db, who)
    return render(request, "users.html", who, users=rows, centre_names=centre_names,
                  vehicles=vehicles)


@router.post("/koordinator/brugere")
@page
def create_person(
    request: Request, db: DbSession, who: WebUser,
    csrf: Annotated[str, Form(max_length=100)] = "",
    navn: Annotated[str, Form(max_length=200)] = "",
    brugernavn: Annotated[str, Form(max_length=100)] = "",
    kode: Annotated[str, Form(max_length=200)] = "",
    rolle: Annotated[str, Form(max_length=20)] = "",
    center: Annotated[str, Form(max_length=64)] = "",
    vogn: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        data = UserIn(name=navn.strip(), role=rolle,  # type: ignore[arg-type]
                      centre_ids=[center] if rolle == "centre" and center else [],
                      vehicle_id=vogn if rolle == "driver" and vogn else None,
                      username=brugernavn.strip() or None, password=kode or None,
                      api_key=False)
    except ValidationError:
        return redirect("/koordinator/brugere", fejl="kode" if len(kode) < 8 else "felter")
    try:
        service.create_user(db, who, data)
    except ConflictError:
        db.rollback()
        return redirect("/koordinator/brugere", fejl="brugernavn")
    except (UnprocessableError, NotFoundError):
        db.rollback()
        return redirect("/koordinator/brugere", fejl="felter")
    return redirect("/koordinator/brugere", besked="bruger-oprettet")


@router.post("/koordinator/brugere/{user_id}/kode")
@page
def reset_password(request: Request, user_id: int, db: DbSession, who: WebUser,
                   context: Context,
                   csrf: Annotated[str, Form(max_length=100)] = "",
                   kode: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf)
    if len(kode) < 8:
        return redirect("/koordinator/brugere", fejl="kode")
    service.reset_password(db, who, user_id, kode)
    context.principals.clear()
    return redirect("/koordinator/brugere", besked="kode-nulstillet")


@router.post("/koordinator/brugere/{user_id}/deaktiver")
@page
def deactivate(request: Request, user_id: int, db: DbSession, who: WebUser, context: Context,
               csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    check_csrf(request, csrf)
    try:
        service.revoke_user(db, who, user_id)
    except ConflictError:
        db.rollback()
        return redirect("/koordinator/brugere", fejl="sidste-koordinator")
    context.principals.clear()
    return redirect("/koordinator/brugere", besked="deaktiveret")
