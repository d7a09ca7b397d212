"""Complaints (klage) in the coordinator's pages: recorded against a decision with the date it
was received, the municipality's deadlines shown (in time, reassessment by, where it goes next),
marked upheld, changed or forwarded; the list of open complaints with overdue ones flagged.

Same service as the REST API (:mod:`api.grants.complaints`); deadlines from the rules in force
(:mod:`routing.municipality.klage`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.db import repo_riders
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError
from api.grants import complaints
from api.grants.rules_store import rules_in_force
from api.grants.schemas import ComplaintIn, ComplaintUpdateIn
from api.web.pages import ERRORS, MESSAGES, PREFIX, form_date, page, redirect, render
from api.web.session import WebUser, check_csrf

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

MESSAGES.update({
    "klage": "Klagen er registreret. Fristerne står nedenfor.",
    "klage-status": "Klagens status er ændret.",
})
ERRORS.update({
    "klage-trin": "Det trin kan klagen ikke tage nu (en klage genvurderes først; kun en "
                  "fastholdt afgørelse sendes videre).",
})
OPEN = ("received", "upheld")
"""Complaints still waiting for the municipality: to reassess, or to forward."""


@router.post("/afgoerelser/{decision_id}/klage")
@page
def record_complaint(
    request: Request, decision_id: int, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    modtaget: Annotated[str, Form(max_length=20)] = "",
    klager: Annotated[str, Form(max_length=200)] = "",
    tekst: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    back = f"/afgoerelser/{decision_id}"
    check_csrf(request, csrf)
    who.require("coordinator")
    received = form_date(modtaget)
    if received is None:
        return redirect(back, fejl="dato")
    if received > context.today():
        return redirect(back, fejl="dato")
    try:
        data = ComplaintIn(received_on=received, complainant=klager.strip(), text=tekst.strip())
    except ValidationError:
        return redirect(back, fejl="felter")
    complaints.create(db, who, context, decision_id, data)
    return redirect(back, besked="klage")


@router.post("/klager/{complaint_id}/status")
@page
def move_complaint(
    request: Request, complaint_id: int, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    dato: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    tilbage: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    row = complaints.visible(db, who, complaint_id)
    back = tilbage if tilbage.startswith("/") and not tilbage.startswith("//") \
        else f"/afgoerelser/{row.decision_id}"
    on = form_date(dato) if dato.strip() else context.today()
    if on is None:
        return redirect(back, fejl="dato")
    try:
        data = ComplaintUpdateIn(status=status, on=on,  # type: ignore[arg-type]
                                 note=note.strip())
        complaints.update(db, who, context, complaint_id, data)
    except (ValidationError, ConflictError):
        db.rollback()
        return redirect(back, fejl="klage-trin")
    return redirect(back, besked="klage-status")


@router.get("/koordinator/klager", response_class=HTMLResponse)
@page
def complaints_page(request: Request, db: DbSession, who: WebUser,
                    context: Context) -> Response:
    """Open complaints with their deadlines, overdue first; then the closed ones."""
    who.require("coordinator")
    found = complaints.list_for(db, who)
    rows = [complaints.out(db, context, c) for c in found]
    names = {r.rider_id: r.name for r in
             repo_riders.riders_by_id(db, {c.rider_id for c in rows}).values()}
    open_rows = sorted((c for c in rows if c.status in OPEN),
                       key=lambda c: (not c.deadlines.get("overdue"),
                                      c.deadlines.get("reassess_by", "")))
    closed = [c for c in rows if c.status not in OPEN]
    return render(request, "complaints.html", who, open_rows=open_rows, closed=closed,
                  names=names, today=context.today(), rules=rules_in_force(db, context))
