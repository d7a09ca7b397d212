"""Grants (bevillinger) in the coordinator's pages: a rider's grant history and the form to
record or end one, the confirmation before a reimbursement (or no) grant takes the rider out of
the plan in force, and the list of riders granted the shared ride but not yet in the plan.

Uses the same services as the REST API (:mod:`api.grants.service`); a grant other than the
shared ride leaves the plan through the living plan, exactly as ``POST /riders/{id}/grants``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.centres import service as centres
from api.context import AppContext
from api.db import models as m
from api.db import repo_plans, repo_riders
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError, UnprocessableError
from api.grants import service as grants
from api.grants.rules_store import rules_in_force
from api.grants.schemas import GrantEndIn, GrantIn
from api.plans import living
from api.plans.schemas import LivingChangeOut, RemoveRequest
from api.plans.service import finished_plan
from api.reimbursement import service as reimbursement
from api.riders import service as riders
from api.scenario.service import scenario_from_db
from api.web.pages import ERRORS, MESSAGES, PREFIX, form_date, page, parse_date, redirect, render
from api.web.pages import templates as page_templates
from api.web.planning import _namer
from api.web.session import WebUser, check_csrf
from routing.municipality.grants import AwaitingStart
from routing.texts.da import COMPLAINT_STATUS_DA, GRANT_KIND_DA, OUTCOME_DA

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

# The flash texts of these pages, in the shared tables that render() reads.
MESSAGES.update({
    "bevilling": "Bevillingen er gemt.",
    "bevilling-ud": "Bevillingen er gemt, og borgeren er taget ud af den gældende plan fra "
                    "bevillingens første dag. Ingen andres tider er flyttet.",
    "bevilling-ind": "Bevillingen er gemt, og borgeren er sat ind i den gældende plan igen fra "
                     "samkørslens første dag. Ingen andres tider er flyttet.",
    "bevilling-venter": "Bevillingen er gemt. Borgeren kan ikke sættes ind i den gældende plan "
                        "uden at flytte andre og står nu på «Bevilget, ikke i plan». Vælg en "
                        "indsættelse med forhåndsvisning (se nedenfor).",
    "bevilling-ud-ind": "Bevillingen er gemt. Borgeren er taget ud af den gældende plan fra "
                        "bevillingens første dag og sat ind igen fra dagen efter den sidste "
                        "(samkørslen genoptages). Ingen andres tider er flyttet.",
    "bevilling-ud-venter": "Bevillingen er gemt, og borgeren er taget ud af den gældende plan "
                           "fra bevillingens første dag. Samkørslen genoptages dagen efter den "
                           "sidste, men borgeren kan ikke sættes ind i planen uden at flytte "
                           "andre og står på «Bevilget, ikke i plan».",
    "bevilling-ny": "Bevillingen er gemt. Borgeren er ikke med i den gældende plan endnu og "
                    "står på «Bevilget, ikke i plan» (se nedenfor).",
    "bevilling-slut": "Bevillingen er afsluttet.",
    "bevilling-slut-ind": "Bevillingen er afsluttet. Samkørslen er genoptaget fra dagen efter, "
                          "og borgeren er sat ind i den gældende plan igen. Ingen andres tider "
                          "er flyttet.",
    "bevilling-slut-i-plan": "Bevillingen er afsluttet, og samkørslen er genoptaget fra dagen "
                             "efter. Borgeren er med i den gældende plan.",
    "bevilling-slut-venter": "Bevillingen er afsluttet, og samkørslen er genoptaget fra dagen "
                             "efter. Borgeren kan ikke sættes ind i den gældende plan uden at "
                             "flytte andre og står nu på «Bevilget, ikke i plan». Vælg en "
                             "indsættelse med forhåndsvisning (se nedenfor).",
})
ERRORS.update({
    "bevilling": "Bevillingen kunne ikke gemmes: tjek datoerne, og skriv, hvem der har "
                 "besluttet den.",
    "bevilling-overlap": "Bevillingen kunne ikke gemmes: borgeren har en bevilling, der starter "
                         "samme dag eller senere. Bevillinger må ikke overlappe; en ny "
                         "bevilling afslutter kun en bevilling, der startede før den.",
})

# Where the rider stands after a grant (outcome of api.grants.plan_effects): the flash text.
_OUTCOME_MESSAGE = {"taken_out": "bevilling-ud", "back_in_plan": "bevilling-ind",
                    "awaiting": "bevilling-venter"}
page_templates.env.globals.update(GRANT_KIND_DA=GRANT_KIND_DA, OUTCOME_DA=OUTCOME_DA,
                                  COMPLAINT_STATUS_DA=COMPLAINT_STATUS_DA,
                                  one_day=timedelta(days=1))


def _dato(value: date | str | None) -> str:
    """A date (or ISO text) as Danish readers write it: 21.12.2026."""
    if not value:
        return "–"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d.%m.%Y")


page_templates.env.filters["dato"] = _dato


def rider_section(db: Session, who: Principal, context: AppContext,
                  rider_id: str) -> dict[str, Any]:
    """What the rider's page shows of grants and reimbursement decisions (``_bevillinger.html``):
    coordinators and the rider's own centre see them (forms for coordinators only)."""
    today = context.today()
    rows = grants.list_grants(db, who, rider_id)
    decisions = reimbursement.list_decisions(db, who, rider_id, 20, 0)
    return {"grants": rows, "decisions": decisions, "grant_today": today,
            "grant_kinds": GRANT_KIND_DA,
            "grant_awaiting": _awaiting(db, who, context, rider_id) if rows else None,
            "grant_in_force": {g.grant_id for g in rows
                               if g.start <= today and (g.end is None or today <= g.end)}}


def _awaiting(db: Session, who: Principal, context: AppContext, rider_id: str
              ) -> AwaitingStart | None:
    """The rider's entry on «Bevilget, ikke i plan», if the rider is on it."""
    if who.role != "coordinator":
        return None
    return next((a for a in grants.awaiting(db, who, context, None) if a.rider_id == rider_id),
                None)


def _removal_preview(db: Session, who: Principal, context: AppContext,
                     rider_id: str) -> tuple[LivingChangeOut, list[str]] | None:
    """What taking the rider out of the plan in force changes (a dry run of the living plan's
    remove) with its messages naming people, not ids; None when the rider rides in no run."""
    published = repo_plans.current_published(db)
    if published is None:
        return None
    plan = finished_plan(published)
    if not any(rider_id in run.rider_ids for run in plan.runs):
        return None
    answer = living.remove(db, who, context, published.plan_id,
                           RemoveRequest(rider_id=rider_id, dry_run=True))
    named = _namer(scenario_from_db(db, context.networks.path), plan)
    return answer, [named(n.message) for n in answer.notifications]


@router.post("/koordinator/borgere/{rider_id}/bevilling", response_class=HTMLResponse)
@page
def record_grant(
    request: Request, rider_id: str, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    art: Annotated[str, Form(max_length=20)] = "",
    fra: Annotated[str, Form(max_length=20)] = "",
    til: Annotated[str, Form(max_length=20)] = "",
    besluttet_af: Annotated[str, Form(max_length=200)] = "",
    besluttet_den: Annotated[str, Form(max_length=20)] = "",
    middel: Annotated[str, Form(max_length=200)] = "",
    revurderes: Annotated[str, Form(max_length=20)] = "",
    afgoerelse: Annotated[str, Form(max_length=20)] = "",
    genoptag: Annotated[str, Form(max_length=5)] = "",
    bekraeft: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    rider = riders.visible_rider(db, who, rider_id)
    back = f"/koordinator/borgere/{quote(rider_id)}"
    start, end, review = form_date(fra), form_date(til), form_date(revurderes)
    decided = form_date(besluttet_den) if besluttet_den.strip() else context.today()
    if start is None or decided is None or (til.strip() and end is None) \
            or (revurderes.strip() and review is None):
        return redirect(back, fejl="dato")
    if end is not None and end < start:
        return redirect(back, fejl="periode")
    try:
        data = GrantIn(kind=art, start=start, end=end,  # type: ignore[arg-type]
                       decided_by=besluttet_af.strip(), decided_on=decided,
                       means=middel.strip(), review_on=review,
                       decision_id=int(afgoerelse) if afgoerelse.strip() else None,
                       resume_shared_ride=genoptag == "ja")
    except (ValidationError, ValueError):
        return redirect(back, fejl="bevilling")
    if data.kind != "shared_ride" and bekraeft != "ja":
        # Like the living-plan pages: show what leaving the plan changes before doing it.
        preview = _removal_preview(db, who, context, rider_id)
        if preview is not None:
            form = {"art": art, "fra": fra, "til": til, "besluttet_af": besluttet_af,
                    "besluttet_den": decided.isoformat(), "middel": middel,
                    "revurderes": revurderes, "afgoerelse": afgoerelse, "genoptag": genoptag}
            return render(request, "grant_confirm.html", who, rider=rider, data=data,
                          preview=preview[0], messages=preview[1], form=form,
                          effective=max(data.start, context.today()),
                          ends=_superseded(db, rider_id, data))
    try:
        result = grants.create_grant(db, who, context, rider_id, data)
    except UnprocessableError:
        db.rollback()
        return redirect(back, fejl="bevilling")
    except ConflictError:
        db.rollback()
        return redirect(back, fejl="bevilling-overlap")
    return redirect(back, besked=_flash(result))


def _flash(result: grants.GrantResult) -> str:
    """The message saying what the grant did to the plan in force (and, for reimbursement
    with an end, what the shared ride from the day after did)."""
    if result.resumed is not None and result.effect.outcome == "taken_out":
        return {"back_in_plan": "bevilling-ud-ind", "awaiting": "bevilling-ud-venter"}.get(
            result.resumed.effect.outcome, "bevilling-ud")
    if result.effect.outcome == "awaiting" and not result.effect.looked:
        return "bevilling-ny"  # a first shared ride: planning the rider is the coordinator's
    return _OUTCOME_MESSAGE.get(result.effect.outcome, "bevilling")


def _superseded(db: Session, rider_id: str, data: GrantIn) -> list[m.Grant]:
    """The grants the new one would end (for the confirmation); none when it would be refused
    (the refusal follows on confirming)."""
    try:
        return grants.superseded(db, rider_id, data.start, data.end)
    except ConflictError:
        return []


@router.post("/koordinator/bevillinger/{grant_id}/afslut")
@page
def end_grant(request: Request, grant_id: int, db: DbSession, who: WebUser, context: Context,
              csrf: Annotated[str, Form(max_length=100)] = "",
              sidste_dag: Annotated[str, Form(max_length=20)] = "",
              genoptag: Annotated[str, Form(max_length=5)] = "") -> Response:
    """End a grant; ending reimbursement (or none) with «Genoptag samkørsel» checked (the
    default in the form) records the shared ride from the day after and puts the rider back
    into the plan when nobody moves."""
    check_csrf(request, csrf)
    who.require("coordinator")
    last = form_date(sidste_dag)
    if last is None:
        return redirect("/koordinator/bevilget-ikke-i-plan", fejl="dato")
    found = db.get(m.Grant, grant_id)
    back = f"/koordinator/borgere/{quote(found.rider_id)}" if found is not None else \
        "/koordinator/borgere"
    try:
        _, resumed = grants.end_grant(db, who, context, grant_id, GrantEndIn(
            last_day=last, resume_shared_ride=genoptag == "ja",
            decided_by=who.name or None))
    except UnprocessableError:
        db.rollback()
        return redirect(back, fejl="periode")
    except ConflictError:
        db.rollback()
        return redirect(back, fejl="bevilling-overlap")
    outcome = resumed.effect.outcome if resumed is not None else None
    return redirect(back, besked={"back_in_plan": "bevilling-slut-ind", "in_plan":
                                  "bevilling-slut-i-plan", "awaiting": "bevilling-slut-venter"}
                    .get(outcome or "", "bevilling-slut"))


@router.get("/koordinator/bevilget-ikke-i-plan", response_class=HTMLResponse)
@page
def awaiting_page(request: Request, db: DbSession, who: WebUser, context: Context,
                  dato: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """Riders granted the shared ride who are not in the plan in force, with the days left of
    the start promise (the rules' ``start_promise_days``, Brønderslev: 14)."""
    who.require("coordinator")
    on: date = parse_date(dato, context.today())
    found = grants.awaiting(db, who, context, on)
    people = repo_riders.riders_by_id(db, {a.rider_id for a in found})
    centre_names = {c.centre_id: c.name for c in centres.list_centres(db, who)}
    rows = [{"a": a, "name": people[a.rider_id].name if a.rider_id in people else a.rider_id,
             "address": people[a.rider_id].address if a.rider_id in people else "",
             "centre": centre_names.get(a.centre_id, a.centre_id)} for a in found]
    return render(request, "awaiting.html", who, rows=rows, on=on,
                  promise=rules_in_force(db, context).start_promise_days)
