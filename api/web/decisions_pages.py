"""Reimbursement decisions in the pages (Sønderborg: only on the centre's concrete assessment).

- The centre records its assessment (who, when, why) for its own riders and sees the
  candidates the plan suggests for an assessment ("Overvej en vurdering …").
- The coordinator sees the candidates and recent decisions, decides for a rider from the rider's
  page, reads the decision (outcome, amounts, grounds, each means with its reason), opens or
  prints the Danish letter (HTML, and PDF by WeasyPrint from the same HTML), and grants the
  reimbursement from the decision (the grant form of :mod:`api.web.grants_pages`).

Same services as the REST API (:mod:`api.reimbursement.service`); a centre sees only its own
riders' decisions (others answer 404), drivers none.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.centres import service as centres
from api.context import AppContext
from api.db import models as m
from api.db import repo_plans, repo_reimbursement, repo_riders
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError, UnprocessableError
from api.grants import complaints
from api.grants import service as grants
from api.grants.rules_store import rules_in_force
from api.plans.service import finished_plan
from api.reimbursement import service as reimbursement
from api.reimbursement.schemas import AssessmentIn, RecomputeIn
from api.riders import service as riders
from api.uploads import content_disposition
from api.web.pages import ERRORS, MESSAGES, PREFIX, form_date, page, redirect, render, templates
from api.web.session import WebUser, check_csrf
from maps.manifest.pdf import html_to_pdf
from routing.reimbursement.rates import available_years

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

MESSAGES.update({
    "vurdering": "Centrets vurdering er registreret. Koordinatoren kan nu træffe afgørelse.",
    "afgoerelse": "Afgørelsen er truffet og gemt.",
    "genberegnet": "Afgørelsen er genberegnet med de valgte takster og gemt som en ny "
                   "afgørelse. Den tidligere afgørelse er bevaret uændret.",
})
ERRORS.update({
    "genberegning": "Afgørelsen kunne ikke genberegnes med de valgte takster.",
    "vurdering": "Vurderingen skal sige hvem, hvornår og hvorfor. Udfyld alle tre felter.",
    "kandidater": "Kandidatlisten kan ikke laves uden en offentliggjort plan.",
})


def _candidates(db: Session, who: Principal, context: AppContext,
                centre_id: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """The plan's candidates for an assessment (never a grant), or why there are none."""
    try:
        found = reimbursement.list_candidates(db, who, context, None, None)
    except ConflictError:
        return [], ERRORS["kandidater"]
    people = repo_riders.riders_by_id(db, {c["rider_id"] for c in found})
    out = []
    for c in found:
        if centre_id is not None and c["centre_id"] != centre_id:
            continue
        rider = people.get(c["rider_id"])
        out.append({**c, "name": rider.name if rider else c["rider_id"],
                    "assessed": bool(rider and rider.centre_assessment_on)})
    return out, None


def _names(db: Session, rows: list[m.ReimbursementRecord]) -> dict[str, str]:
    return {r.rider_id: r.name for r in
            repo_riders.riders_by_id(db, {d.rider_id for d in rows}).values()}


@router.get("/center/{centre_id}/vurderinger", response_class=HTMLResponse)
@page
def centre_assessments(request: Request, centre_id: str, db: DbSession, who: WebUser,
                       context: Context) -> Response:
    """The centre's page for its assessments: its riders, the assessment each has, the
    candidates the plan suggests, and the decisions about its riders."""
    centre = centres.visible_centre(db, who, centre_id)
    people = sorted(riders.list_riders(db, who, centre_id), key=lambda r: r.name)
    found, problem = _candidates(db, who, context, centre_id)
    decisions = [d for d in reimbursement.decisions_of_centres(db, who)
                 if any(p.rider_id == d.rider_id for p in people)]
    return render(request, "assessments.html", who, centre=centre, riders=people,
                  candidates=found, candidates_problem=problem, decisions=decisions,
                  names={p.rider_id: p.name for p in people}, today=context.today())


@router.post("/center/{centre_id}/vurdering")
@page
def record_assessment(
    request: Request, centre_id: str, db: DbSession, who: WebUser,
    csrf: Annotated[str, Form(max_length=100)] = "",
    borger: Annotated[str, Form(max_length=64)] = "",
    vurderet_af: Annotated[str, Form(max_length=200)] = "",
    vurderet_den: Annotated[str, Form(max_length=20)] = "",
    begrundelse: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    back = f"/center/{quote(centre_id)}/vurderinger"
    check_csrf(request, csrf)
    centres.visible_centre(db, who, centre_id)
    rider = riders.visible_rider(db, who, borger) if borger else None
    if rider is None or rider.centre_id != centre_id:
        return redirect(back, fejl="borger")
    on = form_date(vurderet_den)
    if on is None:
        return redirect(back, fejl="dato")
    try:
        reimbursement.record_assessment(db, who, rider.rider_id, vurderet_af, on, begrundelse)
    except UnprocessableError:
        db.rollback()
        return redirect(back, fejl="vurdering")
    return redirect(back, besked="vurdering")


@router.get("/koordinator/godtgoerelse", response_class=HTMLResponse)
@page
def reimbursement_home(request: Request, db: DbSession, who: WebUser,
                       context: Context) -> Response:
    """The coordinator's overview: candidates for an assessment and the recent decisions."""
    who.require("coordinator")
    found, problem = _candidates(db, who, context)
    decisions = reimbursement.decisions_of_centres(db, who, limit=50)
    return render(request, "reimbursement.html", who, candidates=found,
                  candidates_problem=problem, decisions=decisions,
                  names=_names(db, decisions))


@router.post("/koordinator/borgere/{rider_id}/afgoerelse")
@page
def decide(request: Request, rider_id: str, db: DbSession, who: WebUser, context: Context,
           csrf: Annotated[str, Form(max_length=100)] = "",
           besluttet_af: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Assess the rider against the plan in force with the centre's stored assessment and store
    the decision (no grant yet: that is confirmed from the decision's page)."""
    check_csrf(request, csrf)
    who.require("coordinator")
    riders.visible_rider(db, who, rider_id)
    published = repo_plans.current_published(db)
    plan = finished_plan(published) if published is not None else None
    # A rider already out of the plan (e.g. reimbursed before) is decided on the centre's
    # assessment alone: the plan has nothing to say about them.
    in_plan = plan is not None and (any(rider_id in run.rider_ids for run in plan.runs)
                                    or any(u.rider_id == rider_id for u in plan.unserved))
    row = reimbursement.create_decision(db, who, context, rider_id, AssessmentIn(
        decided_by=besluttet_af.strip() or None, use_plan=in_plan))
    return redirect(f"/afgoerelser/{row.decision_id}", besked="afgoerelse")


def _paragraphs(text: str) -> list[tuple[str, list[str]]]:
    """The letter's text in paragraphs (blank lines): a short first line without a full stop
    is the paragraph's heading (``Begrundelse``, ``Klagevejledning``), the rest its lines."""
    out: list[tuple[str, list[str]]] = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        if len(lines) > 1 and len(lines[0]) <= 40 and not lines[0].endswith("."):
            out.append((lines[0], lines[1:]))
        else:
            out.append(("", lines))
    return out


@router.get("/afgoerelser/{decision_id}", response_class=HTMLResponse)
@page
def decision_page(request: Request, decision_id: int, db: DbSession, who: WebUser,
                  context: Context) -> Response:
    """A decision as the coordinator (and the rider's centre) reads it, with its complaints."""
    row = reimbursement.visible_decision(db, who, decision_id)
    rider = riders.visible_rider(db, who, row.rider_id)
    found = complaints.list_for(db, who, decision_id)
    rows = [complaints.out(db, context, c) for c in found]
    rules = rules_in_force(db, context)
    # Same rider, so visible too.
    earlier = repo_reimbursement.get_decision(db, row.supersedes_id) \
        if row.supersedes_id is not None else None
    today = context.today()
    held = grants.grant_on(db, row.rider_id, today)
    return render(request, "decision.html", who, row=row, d=row.decision, rider=rider,
                  complaints=rows, today=today, rules=rules, earlier=earlier,
                  # Not warranted while reimbursed: the decision can end that grant.
                  reimbursed=held is not None and held.kind != "shared_ride",
                  rate_years=available_years(context.settings.rates_dir),
                  grant_id=(row.inputs or {}).get("grant_id") or db.scalar(
                      select(m.Grant.grant_id).where(m.Grant.decision_id == decision_id)))


@router.post("/afgoerelser/{decision_id}/genberegn")
@page
def recompute(request: Request, decision_id: int, db: DbSession, who: WebUser,
              context: Context, csrf: Annotated[str, Form(max_length=100)] = "",
              aar: Annotated[str, Form(max_length=4)] = "") -> Response:
    """The decision again under another year's rates: a new decision superseding it (the old
    one is kept as it was), shown with the new amount."""
    check_csrf(request, csrf)
    who.require("coordinator")
    reimbursement.visible_decision(db, who, decision_id)
    if not aar.isdigit():
        return redirect(f"/afgoerelser/{decision_id}", fejl="genberegning")
    try:
        row = reimbursement.recompute_decision(db, who, context, decision_id,
                                               RecomputeIn(year=int(aar)))
    except (UnprocessableError, ConflictError, ValidationError):
        db.rollback()
        return redirect(f"/afgoerelser/{decision_id}", fejl="genberegning")
    return redirect(f"/afgoerelser/{row.decision_id}", besked="genberegnet")


def _letter_html(db: Session, who: Principal, context: AppContext, decision_id: int) -> str:
    row = reimbursement.visible_decision(db, who, decision_id)
    rider = riders.visible_rider(db, who, row.rider_id)
    rules = rules_in_force(db, context)
    decided = (row.inputs or {}).get("decided_on") or row.created_at.date().isoformat()
    return templates.get_template("decision_letter.html").render(
        row=row, d=row.decision, rider=rider, rules=rules,
        decided_on=date.fromisoformat(decided),
        paragraphs=_paragraphs(str(row.decision.get("text_da", ""))))


@router.get("/afgoerelser/{decision_id}/brev", response_class=HTMLResponse)
@page
def letter(request: Request, decision_id: int, db: DbSession, who: WebUser,
           context: Context) -> Response:
    """The decision letter as a printable page (the same HTML the PDF is made from)."""
    return HTMLResponse(_letter_html(db, who, context, decision_id),
                        headers={"Cache-Control": "no-store"})


@router.get("/afgoerelser/{decision_id}/brev.pdf")
@page
def letter_pdf(request: Request, decision_id: int, db: DbSession, who: WebUser,
               context: Context) -> Response:
    body = html_to_pdf(_letter_html(db, who, context, decision_id))
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": content_disposition("inline", f"afgoerelse-{decision_id}.pdf"),
        "Cache-Control": "no-store"})
