"""The centre staff's afbud and closing-day tools on ``/web/center/{centre_id}``.

* An afbud registered after its deadline is accepted but flagged: the page says so, with the
  deadline, and tells the staff to phone the operator's dispatch (setting ``dispatch_phone``),
  since the day's runs may already be on the road.
* An afbud for days the rider has no ride (no run of the plan in force that weekday, or the
  centre closed) is refused: there is nothing to cancel.
* An afbud "until further notice" can be ended on a date (the rider is back after it).
* Closing days are listed with the riders who would have had a ride on them, and can be edited
  and deleted.

The centre page (:func:`api.web.routes.centre_page`) calls :func:`page_values`; the forms post
to the routes below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.absences import service as absences
from api.auth import Principal
from api.centres import service as centres
from api.context import AppContext
from api.db import repo, repo_centres
from api.db.models import Closure
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ApiError, ConflictError, NotFoundError, UnprocessableError
from api.grants.rules_store import absence_rules_in_force
from api.plans.service import published_plan
from api.riders import service as riders
from api.web.pages import ERRORS, MESSAGES, PREFIX, form_date, page, redirect
from api.web.session import WebUser, check_csrf
from routing.model import WEEKDAYS, Plan
from routing.texts.da import WEEKDAY_NAMES, date_text

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

OPEN_ENDED_LOOKAHEAD_DAYS = 28
"""An afbud "until further notice" is refused only when the rider has no ride in this many days
from its start (a rider who comes once a fortnight still has one)."""

MESSAGES.update({
    "afbud-afsluttet": "Afbuddet er afsluttet. Borgeren køres igen fra dagen efter.",
    "lukning-rettet": "Lukkedagen er rettet.",
    "lukning-slettet": "Lukkedagen er slettet. Borgerne køres som planlagt de dage.",
})
ERRORS.update({
    "ingen-koersel": "Borgeren har ingen kørsel i de valgte dage, så der er intet at melde "
                     "afbud for.",
    "lukning": "Lukkedagen findes ikke, eller du har ikke adgang til den.",
    "lukning-findes": "Der er allerede en lukkedag med de datoer.",
    "afbud-slut": "Afbuddet kan ikke afsluttes: sidste dag skal ligge på eller efter første "
                  "dag (træk det ellers tilbage).",
})


# --------------------------------------------------------------------------------------------
# Ride days


def _weekday(day: date) -> str | None:
    """The plan's weekday key of ``day`` (None at weekends: the plans have no runs then)."""
    return WEEKDAYS[day.weekday()] if day.weekday() < len(WEEKDAYS) else None


def _ride_weekdays(plan: Plan, rider_id: str, scope: str) -> set[str]:
    """Weekdays (``mon`` …) the plan drives the rider, in the afbud's direction(s)."""
    return {run.weekday for run in plan.runs if rider_id in run.rider_ids
            and (scope == "both" or run.direction == scope)}


def ride_days(db: Session, rider_id: str, centre_id: str, first: date, last: date,
              scope: str = "both") -> list[date] | None:
    """The days from ``first`` to ``last`` the rider has a ride (a run of the plan in force
    that weekday, the centre open); None when no plan is in force (nothing to judge by)."""
    try:
        _, plan = published_plan(db)
    except ConflictError:
        return None
    weekdays = _ride_weekdays(plan, rider_id, scope)
    calendar = centres.calendar_of(db, [centre_id])
    days = []
    day = first
    while day <= last:
        if _weekday(day) in weekdays and calendar.is_open(centre_id, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def ride_weekdays_text(db: Session, rider_id: str) -> str:
    """``mandag og onsdag``: when the plan in force drives the rider (empty: never/no plan)."""
    try:
        _, plan = published_plan(db)
    except ConflictError:
        return ""
    days = _ride_weekdays(plan, rider_id, "both")
    names = [WEEKDAY_NAMES[i] for i, key in enumerate(WEEKDAYS) if key in days]
    return " og ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def refuses(db: Session, rider_id: str, centre_id: str, first: date, last: date | None,
            scope: str) -> bool:
    """Whether an afbud from ``first`` to ``last`` (None: until further notice) is refused:
    the rider has no ride on any of its days."""
    end = last if last is not None else first + timedelta(days=OPEN_ENDED_LOOKAHEAD_DAYS - 1)
    days = ride_days(db, rider_id, centre_id, first, end, scope)
    return days is not None and not days


# --------------------------------------------------------------------------------------------
# Texts on the centre page


def late_warning(db: Session, who: Principal, context: AppContext, absence_id: str
                 ) -> str | None:
    """The warning after registering the afbud ``absence_id`` when it came after its deadline:
    the deadline and what to do (phone the operator)."""
    if not absence_id.isdigit():
        return None
    try:
        row = absences.visible_absence(db, who, int(absence_id))
    except ApiError:
        return None
    if not row.late or row.withdrawn_at is not None:
        return None
    deadline = absence_rules_in_force(db, context).deadline.deadline(row.start_date)
    phone = context.settings.dispatch_phone.strip()
    call = (f"Ring til vagtcentralen på {phone}" if phone else "Ring til kørselskontoret")
    return (f"Afbuddet kom efter fristen: afbud for {date_text(row.start_date)} skulle være "
            f"meldt senest {date_text(deadline.date())} kl. {deadline:%H:%M}. Det er "
            f"registreret, men chaufføren kan allerede være på vej. {call} med det samme, så "
            f"borgeren ikke bliver hentet forgæves.")


def refusal_text(db: Session, who: Principal, query: Mapping[str, str]) -> str | None:
    """The refusal of an afbud for days without a ride, naming the rider and their ride days."""
    rider_id = query.get("borger", "")
    try:
        rider = riders.visible_rider(db, who, rider_id)
    except ApiError:
        return None
    first, last = form_date(query.get("fra", "")), form_date(query.get("til", ""))
    if first is None:
        return None
    period = (period_text(first, last) if last is not None
              else f"fra {date_text(first)} og fire uger frem")
    weekdays = ride_weekdays_text(db, rider.rider_id)
    days = (f"faste køredage: {weekdays}" if weekdays
            else "ingen faste køredage i den gældende plan")
    return (f"Afbuddet er ikke registreret: {rider.name} har ingen kørsel {period} ({days}), "
            f"så der er intet at melde afbud for.")


@dataclass(frozen=True)
class ClosureView:
    """A closing day on the centre page: the closure and whom it takes off their ride."""

    closure_id: int
    start_date: date
    end_date: date
    reason: str
    affected: list[str]  # names of the riders with a ride on one of its days


def closures_with_riders(db: Session, who: Principal, centre_id: str, today: date
                         ) -> list[ClosureView]:
    """The coming closing days, each with the riders who would have had a ride on them."""
    rows = [c for c in centres.list_closures(db, who, centre_id) if c.end_date >= today]
    if not rows:
        return []
    try:
        _, plan = published_plan(db)
    except ConflictError:
        plan = Plan(runs=(), unserved=())
    names = {r.rider_id: r.name for r in riders.list_riders(db, who, centre_id)}
    by_weekday: dict[str, set[str]] = {}
    for run in plan.runs:
        by_weekday.setdefault(run.weekday, set()).update(r for r in run.rider_ids if r in names)
    out = []
    for c in rows:
        ids: set[str] = set()
        day = max(c.start_date, today)
        while day <= c.end_date and len(ids) < len(names):
            ids |= by_weekday.get(_weekday(day) or "", set())
            day += timedelta(days=1)
        out.append(ClosureView(int(c.closure_id), c.start_date, c.end_date, c.reason or "",
                               sorted(names[i] for i in ids)))
    return out


def page_values(db: Session, who: Principal, context: AppContext, centre_id: str, today: date,
                query: Mapping[str, str]) -> dict[str, Any]:
    """What the centre page shows from these tools: the closures with their riders, the late
    warning after a late afbud, and a refusal's explanation."""
    values: dict[str, Any] = {
        "closures": closures_with_riders(db, who, centre_id, today),
        "late_warning": late_warning(db, who, context, query.get("sent", "")),
    }
    if query.get("fejl") == "ingen-koersel":
        text = refusal_text(db, who, query)
        if text:
            values["error"] = text
    return values


def period_text(first: date, last: date) -> str:
    """``mandag den 7. december 2026`` or ``fra … til …``."""
    if last == first:
        return date_text(first)
    return f"fra {date_text(first)} til {date_text(last)}"


# --------------------------------------------------------------------------------------------
# Routes


@router.post("/center/{centre_id}/afbud/{absence_id}/afslut")
@page
def end_absence(request: Request, centre_id: str, absence_id: int, db: DbSession,
                who: WebUser, context: Context,
                csrf: Annotated[str, Form(max_length=100)] = "",
                sidste: Annotated[str, Form(max_length=20)] = "") -> Response:
    """End an afbud "until further notice" on a date (its last day)."""
    back = f"/center/{quote(centre_id)}"
    check_csrf(request, csrf)
    centres.visible_centre(db, who, centre_id)
    last = form_date(sidste)
    if last is None:
        return redirect(back, fejl="dato")
    try:
        row = absences.visible_absence(db, who, absence_id)
        if riders.visible_rider(db, who, row.rider_id).centre_id != centre_id:
            raise NotFoundError("absence", absence_id)
        absences.end_absence(db, who, absence_id, last, context.now())
    except UnprocessableError:
        db.rollback()
        return redirect(back, fejl="afbud-slut")
    except (NotFoundError, ConflictError):
        db.rollback()
        return redirect(back, fejl="afbud")
    return redirect(back, besked="afbud-afsluttet")


def _centre_closure(db: Session, who: Principal, centre_id: str, closure_id: int
                    ) -> Closure:
    centres.visible_centre(db, who, centre_id)
    row = repo_centres.get_closure(db, closure_id)
    if row is None or row.centre_id != centre_id:
        raise NotFoundError("closure", closure_id)
    return row


@router.post("/center/{centre_id}/lukning/{closure_id}")
@page
def edit_closure(request: Request, centre_id: str, closure_id: int, db: DbSession,
                 who: WebUser,
                 csrf: Annotated[str, Form(max_length=100)] = "",
                 fra: Annotated[str, Form(max_length=20)] = "",
                 til: Annotated[str, Form(max_length=20)] = "",
                 aarsag: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Change a closing day's dates or reason."""
    back = f"/center/{quote(centre_id)}"
    check_csrf(request, csrf)
    try:
        row = _centre_closure(db, who, centre_id, closure_id)
    except NotFoundError:
        return redirect(back, fejl="lukning")
    start, end = form_date(fra), form_date(til)
    if start is None or (til.strip() and end is None):
        return redirect(back, fejl="dato")
    end = end or start
    if end < start:
        return redirect(back, fejl="periode")
    other = repo_centres.find_closure(db, centre_id, start, end)
    if other is not None and other.closure_id != row.closure_id:
        return redirect(back, fejl="lukning-findes")
    before = {"start": row.start_date.isoformat(), "end": row.end_date.isoformat(),
              "reason": row.reason}
    row.start_date, row.end_date, row.reason = start, end, aarsag.strip()
    repo.audit(db, who.user_id, "update", "closure", str(closure_id), {
        "centre_id": centre_id, "before": before,
        "after": {"start": start.isoformat(), "end": end.isoformat(), "reason": row.reason}})
    return redirect(back, besked="lukning-rettet")


@router.post("/center/{centre_id}/lukning/{closure_id}/slet")
@page
def delete_closure(request: Request, centre_id: str, closure_id: int, db: DbSession,
                   who: WebUser,
                   csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Delete a closing day: the riders get their rides those days again."""
    back = f"/center/{quote(centre_id)}"
    check_csrf(request, csrf)
    try:
        centres.delete_closure(db, who, centre_id, closure_id)
    except NotFoundError:
        db.rollback()
        return redirect(back, fejl="lukning")
    return redirect(back, besked="lukning-slettet")
