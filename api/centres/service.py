"""Centres, sessions and closures: visibility rules, validation, audit."""

from __future__ import annotations

import csv
import logging
from datetime import date
from typing import Any

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.centres.placement import require_on_network
from api.centres.schemas import CentreFields, CentreIn, ClosureIn, SessionFields, SessionIn
from api.context import AppContext
from api.db import convert, repo, repo_centres, repo_riders
from api.db import models as m
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.schemas import FIRST_DATE, LAST_DATE, time_seconds
from api.uploads import csv_error_row
from routing.errors import ScenarioError, ScenarioErrors
from routing.living.edits import centre_edit_breaks, session_edit_breaks
from routing.model import Session as CoreSession
from routing.operations import calendar as cal

log = logging.getLogger(__name__)


def changes(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Apply ``values`` to ``row``; return ``{"before": …, "after": …}`` of what changed."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in values.items():
        old = getattr(row, key)
        if old != value:
            # Dates go into the audit log's JSON as ISO text.
            before[key], after[key] = (v.isoformat() if isinstance(v, date) else v
                                       for v in (old, value))
            setattr(row, key, value)
    return {"before": before, "after": after}


def visible_centre(db: DbSession, who: Principal, centre_id: str) -> m.Centre:
    """The centre if the caller may see it; 404 when unknown or not visible, 403 for drivers."""
    who.require("coordinator", "centre")
    centre = repo_centres.get_centre(db, centre_id)
    if centre is None or not who.sees_centre(centre_id):
        raise NotFoundError("centre", centre_id)
    return centre


# --------------------------------------------------------------------------------------------
# Centres


def list_centres(db: DbSession, who: Principal) -> list[m.Centre]:
    who.require("coordinator", "centre")
    return repo_centres.list_centres(db, None if who.is_coordinator else who.centre_ids)


def create_centre(db: DbSession, who: Principal, data: CentreIn,
                  context: AppContext) -> m.Centre:
    who.require("coordinator")
    require_on_network(context, data.centre_id, data.lat, data.lon)
    if repo_centres.get_centre(db, data.centre_id) is not None:
        raise ConflictError(f"centre {data.centre_id!r} already exists", id=data.centre_id)
    now = utcnow()
    centre = m.Centre(centre_id=data.centre_id, name=data.name, lat=data.lat, lon=data.lon,
                      address=data.address, created_at=now, updated_at=now)
    db.add(centre)
    db.flush()
    repo.audit(db, who.user_id, "create", "centre", data.centre_id, data.model_dump())
    return centre


def update_centre(db: DbSession, who: Principal, centre_id: str, data: CentreFields,
                  context: AppContext) -> m.Centre:
    who.require("coordinator")
    centre = visible_centre(db, who, centre_id)
    if (data.lat, data.lon) != (centre.lat, centre.lon):
        require_on_network(context, centre_id, data.lat, data.lon)
        from api.riders.isolation import refuse_breaking_edit

        old_point, new_point = (centre.lat, centre.lon), (data.lat, data.lon)
        refuse_breaking_edit(db, context.today(), "centre", centre_id, lambda plan:
                             centre_edit_breaks(plan, centre_id, old_point, new_point))
    change = changes(centre, data.model_dump())
    if change["after"]:
        centre.updated_at = utcnow()
        repo.audit(db, who.user_id, "update", "centre", centre_id, change)
    return centre


def delete_centre(db: DbSession, who: Principal, centre_id: str,
                  today: date | None = None) -> None:
    who.require("coordinator")
    centre = visible_centre(db, who, centre_id)
    if repo_centres.centre_has_riders(db, centre_id):
        raise ConflictError(f"centre {centre_id!r} still has riders; move or delete them first",
                            id=centre_id)
    from api.riders.isolation import refuse_if_planned

    refuse_if_planned(db, "centre", centre_id, today)
    db.delete(centre)
    repo.audit(db, who.user_id, "delete", "centre", centre_id)


# --------------------------------------------------------------------------------------------
# Sessions


def list_sessions(db: DbSession, who: Principal, centre_id: str) -> list[m.Session]:
    visible_centre(db, who, centre_id)
    return repo_centres.list_sessions(db, centre_id)


def cal_session(centre_id: str, session_id: str, values: dict[str, Any]) -> CoreSession:
    """The core's session of the stored values (checks start before end)."""
    return CoreSession(centre_id=centre_id, session_id=session_id, weekday=values["weekday"],
                       start_s=values["start_s"], end_s=values["end_s"])


def _today() -> date:
    # Services without the app's clock (CLI, older callers): Danish today.
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def _session_values(data: SessionFields) -> dict[str, Any]:
    return {"weekday": data.weekday, "start_s": time_seconds(data.start),
            "end_s": time_seconds(data.end)}


def create_session(db: DbSession, who: Principal, centre_id: str, data: SessionIn) -> m.Session:
    who.require("coordinator")
    visible_centre(db, who, centre_id)
    if repo_centres.get_session(db, data.session_id) is not None:
        raise ConflictError(f"session {data.session_id!r} already exists (session ids are "
                            "unique across centres)", id=data.session_id)
    row = m.Session(session_id=data.session_id, centre_id=centre_id, **_session_values(data))
    db.add(row)
    db.flush()
    repo.audit(db, who.user_id, "create", "session", data.session_id,
               {"centre_id": centre_id, **data.model_dump()})
    return row


def _centre_session(db: DbSession, who: Principal, centre_id: str, session_id: str) -> m.Session:
    visible_centre(db, who, centre_id)
    row = repo_centres.get_session(db, session_id)
    if row is None or row.centre_id != centre_id:
        raise NotFoundError("session", session_id)
    return row


def update_session(
    db: DbSession, who: Principal, centre_id: str, session_id: str, data: SessionFields,
    today: date | None = None,
) -> m.Session:
    """Change a session's day and times; 409 naming the runs when published plans drive to
    or from it (from ``today`` on; without a date: the latest published plan)."""
    who.require("coordinator")
    row = _centre_session(db, who, centre_id, session_id)
    values = _session_values(data)
    old = convert.session_model(row)
    try:
        new = cal_session(centre_id, session_id, values)
    except ValueError as exc:
        raise UnprocessableError(str(exc)) from exc
    from api.riders.isolation import refuse_breaking_edit

    refuse_breaking_edit(db, today or _today(), "session", session_id,
                         lambda plan: session_edit_breaks(plan, old, new))
    change = changes(row, values)
    if change["after"]:
        repo.audit(db, who.user_id, "update", "session", session_id, change)
    return row


def delete_session(db: DbSession, who: Principal, centre_id: str, session_id: str) -> None:
    who.require("coordinator")
    row = _centre_session(db, who, centre_id, session_id)
    users = repo_riders.riders_with_session(db, session_id)
    if users:
        raise ConflictError(f"session {session_id!r} is granted to {len(users)} rider(s); "
                            "change their grants first", id=session_id, rider_ids=users)
    db.delete(row)
    repo.audit(db, who.user_id, "delete", "session", session_id)


# --------------------------------------------------------------------------------------------
# Closures and calendar


def list_closures(db: DbSession, who: Principal, centre_id: str) -> list[m.Closure]:
    visible_centre(db, who, centre_id)
    return repo_centres.list_closures(db, [centre_id])


def add_closure(
    db: DbSession, who: Principal, centre_id: str, start: date, end: date, reason: str
) -> tuple[m.Closure, bool]:
    existing = repo_centres.find_closure(db, centre_id, start, end)
    if existing is not None:
        return existing, False
    row = m.Closure(centre_id=centre_id, start_date=start, end_date=end, reason=reason,
                    created_by=who.user_id, created_at=utcnow())
    db.add(row)
    db.flush()
    repo.audit(db, who.user_id, "create", "closure", str(row.closure_id),
               {"centre_id": centre_id, "start": start.isoformat(), "end": end.isoformat(),
                "reason": reason})
    return row, True


def create_closure(
    db: DbSession, who: Principal, centre_id: str, data: ClosureIn
) -> tuple[m.Closure, bool]:
    """Add a closure; the same period again returns the existing one (``created`` False)."""
    visible_centre(db, who, centre_id)
    return add_closure(db, who, centre_id, data.start, data.end or data.start, data.reason)


def delete_closure(db: DbSession, who: Principal, centre_id: str, closure_id: int) -> None:
    visible_centre(db, who, centre_id)
    row = repo_centres.get_closure(db, closure_id)
    if row is None or row.centre_id != centre_id:
        raise NotFoundError("closure", closure_id)
    db.delete(row)
    repo.audit(db, who.user_id, "delete", "closure", str(closure_id),
               {"centre_id": centre_id, "start": row.start_date.isoformat(),
                "end": row.end_date.isoformat()})


def import_closures(
    db: DbSession, who: Principal, centre_id: str, filename: str, content: bytes
) -> tuple[list[m.Closure], int]:
    """Import closures from a CSV (``centre_id,start,end,reason``) or iCalendar file.

    All or nothing: any row error rejects the file. Closures already stored are kept (import is
    idempotent). Returns the closures of the file and how many were new.
    """
    visible_centre(db, who, centre_id)
    is_ics = filename.lower().endswith(".ics") or content.lstrip().startswith(b"BEGIN:VCALENDAR")
    closures: tuple[cal.AnyClosure, ...]
    if is_ics:
        closures = cal.parse_closures_ics(content, centre_id, file=filename)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnprocessableError(f"{filename}: not UTF-8 text") from exc
        try:
            closures = cal.parse_closures_csv(text, file=filename, centre_ids={centre_id})
        except csv.Error as exc:
            raise ScenarioErrors([ScenarioError(f"cannot be read as CSV: {exc}", file=filename,
                                                row=csv_error_row(text))]) from exc
    others = [c for c in closures if c.centre_id != centre_id]
    if others:
        raise UnprocessableError(f"{filename}: the file names other centres than {centre_id!r} "
                                 "(a whole closures.csv goes to POST /closures/import)")
    rows: list[m.Closure] = []
    created = 0
    for closure in closures:
        if isinstance(closure, cal.RecurringClosure):
            raise UnprocessableError(f"{filename}: closures every year (MM-DD, Www) are "
                                     "imported with POST /closures/import")
        row, new = add_closure(db, who, centre_id, closure.start, closure.end, closure.reason)
        rows.append(row)
        created += new
    log.info("imported %d closure(s) for centre %s (%d new)", len(rows), centre_id, created)
    return rows, created


def calendar_of(db: DbSession, centre_ids: list[str] | None = None) -> cal.CentreCalendar:
    """The centres' calendar (holidays, the municipality's customary closing days per centre,
    stored closures once and every year)."""
    from api.grants.closures import recurring_closures
    from api.grants.rules_store import municipal_rules

    # Clamped to the dates the API accepts: a closure stored from year 1 to 9999 (by an older
    # server) must not overflow the calendars' date arithmetic for every year.
    closures: list[cal.AnyClosure] = [
        cal.Closure(c.centre_id, max(c.start_date, FIRST_DATE), min(c.end_date, LAST_DATE),
                    c.reason)
        for c in repo_centres.list_closures(db, centre_ids)
        if c.end_date >= FIRST_DATE and c.start_date <= LAST_DATE]
    closures += recurring_closures(db, centre_ids)
    ids = centre_ids if centre_ids is not None else [
        c.centre_id for c in repo_centres.list_centres(db)]
    return cal.calendar_from_rules(municipal_rules(db), ids, closures)


def calendar_ics(db: DbSession, who: Principal, centre_id: str, year: int) -> bytes:
    centre = visible_centre(db, who, centre_id)
    return cal.calendar_to_ics(calendar_of(db, [centre_id]), centre_id, year,
                               centre_name=centre.name)


def open_days(
    db: DbSession, who: Principal, centre_id: str, first: date, last: date
) -> list[tuple[date, bool, str | None]]:
    visible_centre(db, who, centre_id)
    if last < first:
        raise UnprocessableError(f"to {last} is before from {first}")
    if (last - first).days > 400:
        raise UnprocessableError("at most 400 days at a time")
    calendar = calendar_of(db, [centre_id])
    out = []
    day = first
    while day <= last:
        reason = calendar.closing_reason(centre_id, day)
        out.append((day, reason is None, reason))
        day = date.fromordinal(day.toordinal() + 1)
    return out

