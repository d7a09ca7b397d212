"""Absences (afbud), no-shows and the long-absence list, stored; the rules are the core's
(:mod:`routing.operations.absences`).

An afbud is on time until the deadline (default 16:00 on the working day before its first day,
Europe/Copenhagen); later ones are accepted and marked late. Registering the same afbud (same rider,
days and scope) again returns the stored one. Withdrawing keeps the row as history. Every change is
in the audit log with who and when.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from api.absences.schemas import AbsenceIn, NoShowIn
from api.auth import Principal
from api.centres.service import visible_centre
from api.db import convert, repo, repo_absences, repo_riders
from api.db import models as m
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.plans.service import published_plan
from api.riders.service import visible_rider
from routing.operations import absences as core
from routing.operations.absences import AbsenceRules as AbsenceRules
from routing.operations.calendar import weekday_key

log = logging.getLogger(__name__)


def _scope(who: Principal) -> list[str] | None:
    return None if who.is_coordinator else sorted(who.centre_ids)


def register(db: DbSession, who: Principal, data: AbsenceIn, rules: AbsenceRules,
             now: datetime) -> tuple[m.Absence, bool]:
    """Register an afbud; the same afbud again returns the stored one (``created`` False)."""
    rider = visible_rider(db, who, data.rider_id)
    key = core.absence_key(rider.rider_id, data.start, data.end, data.scope)
    existing = repo_absences.active_by_key(db, key)
    if existing is not None:
        return existing, False
    row = m.Absence(
        rider_id=rider.rider_id, start_date=data.start, end_date=data.end, reason=data.reason,
        scope=data.scope, reported_by=data.reported_by, natural_key=key,
        registered_by=who.user_id, registered_at=now,
    )
    row.late = core.is_late_afbud(core.Absence(
        absence_id="new", rider_id=rider.rider_id, start=data.start, end=data.end,
        reason=data.reason, registered_by_role=data.reported_by,
        registered_by=str(who.user_id), registered_at=now, scope=data.scope), rules.deadline)
    try:
        # A savepoint: when a concurrent request registered the same afbud first, the unique
        # index rejects this insert and the stored one is returned instead.
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        existing = repo_absences.active_by_key(db, key)
        if existing is None:
            raise
        return existing, False
    repo.audit(db, who.user_id, "create", "absence", str(row.absence_id), {
        "rider_id": row.rider_id, "start": data.start.isoformat(),
        "end": data.end.isoformat() if data.end else None, "reason": data.reason,
        "scope": data.scope, "reported_by": data.reported_by, "late": row.late})
    log.info("absence %s registered for rider %s (late=%s)", row.absence_id, row.rider_id,
             row.late)
    return row, True


def visible_absence(db: DbSession, who: Principal, absence_id: int) -> m.Absence:
    who.require("coordinator", "centre")
    row = repo_absences.get_absence(db, absence_id)
    if row is None:
        raise NotFoundError("absence", absence_id)
    rider = repo_riders.get_rider(db, row.rider_id)
    if rider is None or not who.sees_centre(rider.centre_id):
        raise NotFoundError("absence", absence_id)
    return row


def withdraw(db: DbSession, who: Principal, absence_id: int, now: datetime) -> m.Absence:
    """Withdraw an afbud (the rider comes after all). Withdrawing twice is harmless."""
    row = visible_absence(db, who, absence_id)
    if row.withdrawn_at is None:
        row.withdrawn_at = now
        row.withdrawn_by = who.user_id
        repo.audit(db, who.user_id, "withdraw", "absence", str(absence_id),
                   {"rider_id": row.rider_id})
    return row


def list_absences(
    db: DbSession, who: Principal, *, rider_id: str | None, centre_id: str | None,
    first: date | None, last: date | None, include_withdrawn: bool, limit: int, offset: int,
) -> list[m.Absence]:
    who.require("coordinator", "centre")
    scope = _scope(who)
    if centre_id is not None:
        visible_centre(db, who, centre_id)
        scope = [centre_id]
    if rider_id is not None:
        visible_rider(db, who, rider_id)
    overlapping = None
    if first is not None or last is not None:
        overlapping = (first or date.min, last or date.max)
        if overlapping[1] < overlapping[0]:
            raise UnprocessableError("to is before from")
    return repo_absences.list_absences(db, centre_ids=scope, rider_id=rider_id,
                                       overlapping=overlapping,
                                       include_withdrawn=include_withdrawn, limit=limit,
                                       offset=offset)


@dataclass(frozen=True, slots=True)
class LongAbsence:
    rider_id: str
    centre_id: str
    absent_since: date
    absent_until: date | None
    days: int


def long_absences(db: DbSession, who: Principal, on: date, min_days: int | None,
                  centre_id: str | None, rules: AbsenceRules) -> list[LongAbsence]:
    """Riders absent more than ``min_days`` (default 21) consecutive days as of ``on``
    (:func:`routing.operations.absences.long_absences`: touching afbud, or afbud separated by a
    weekend,
    count as one absence; only afbud of both rides count)."""
    who.require("coordinator", "centre")
    threshold = rules.long_absence_days if min_days is None else min_days
    scope = _scope(who)
    if centre_id is not None:
        visible_centre(db, who, centre_id)
        scope = [centre_id]
    rows = repo_absences.list_absences(db, centre_ids=scope, overlapping=(date.min, on))
    found = core.long_absences([convert.absence_model(r) for r in rows], on, threshold)
    riders = repo_riders.riders_by_id(db, {a.rider_id for a in found})
    out = [LongAbsence(a.rider_id, riders[a.rider_id].centre_id, a.start, a.planned_end,
                       a.days) for a in found if a.rider_id in riders]
    out.sort(key=lambda a: (-a.days, a.rider_id))
    return out


# --------------------------------------------------------------------------------------------
# No-shows


def record_no_show(db: DbSession, who: Principal, data: NoShowIn, now: datetime,
                   today: date) -> tuple[m.NoShow, bool]:
    """Record that the rider was not at the pickup point of a run of the plan in force."""
    who.require("coordinator", "driver")
    if data.date > today:
        raise UnprocessableError(f"{data.date} is in the future; a no-show is recorded after "
                                 "the vehicle came", errors=[{"in": "body", "field": "date",
                                                              "detail": "in the future",
                                                              "type": "future"}])
    _, plan = published_plan(db, data.date)
    weekday = weekday_key(data.date)
    run = next((r for r in plan.runs if r.run_id == data.run_id and r.weekday == weekday), None)
    if run is None or not who.sees_vehicle(run.vehicle_id):
        raise NotFoundError("run", f"{data.run_id} on {data.date}")
    if data.rider_id not in run.rider_ids:
        raise NotFoundError("rider", f"{data.rider_id} in run {data.run_id}")
    existing = repo_absences.find_no_show(db, data.rider_id, data.date, data.run_id)
    if existing is not None:
        return existing, False
    row = m.NoShow(rider_id=data.rider_id, date=data.date, run_id=data.run_id,
                   vehicle_id=run.vehicle_id, direction=run.direction,
                   keep_ride_home=data.keep_ride_home, note=data.note, recorded_by=who.user_id,
                   recorded_at=now)
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        existing = repo_absences.find_no_show(db, data.rider_id, data.date, data.run_id)
        if existing is None:
            raise
        return existing, False
    repo.audit(db, who.user_id, "create", "no_show", str(row.no_show_id),
               {"rider_id": data.rider_id, "date": data.date.isoformat(),
                "run_id": data.run_id})
    log.info("no-show %s recorded for rider %s on run %s", row.no_show_id, data.rider_id,
             data.run_id)
    return row, True


def list_no_shows(db: DbSession, who: Principal, *, rider_id: str | None, first: date | None,
                  last: date | None, limit: int, offset: int) -> list[m.NoShow]:
    between = (first or date.min, last or date.max)
    if who.role == "driver":
        return repo_absences.list_no_shows(db, vehicle_id=who.vehicle_id or "",
                                           rider_id=rider_id, between=between, limit=limit,
                                           offset=offset)
    who.require("coordinator", "centre")
    if rider_id is not None:
        visible_rider(db, who, rider_id)
    return repo_absences.list_no_shows(db, centre_ids=_scope(who), rider_id=rider_id,
                                       between=between, limit=limit, offset=offset)



def end_absence(db: DbSession, who: Principal, absence_id: int, last_day: date,
                now: datetime) -> m.Absence:
    """Set the last day of an afbud (e.g. one "until further notice" ends: the rider is back)."""
    row = visible_absence(db, who, absence_id)
    problem = core.end_problem(row.start_date, row.withdrawn_at is not None, last_day)
    if problem == "withdrawn":
        raise ConflictError(f"absence {absence_id} has been withdrawn")
    if problem == "before_start":
        raise UnprocessableError(f"last day {last_day} is before the start {row.start_date}; "
                                 "withdraw the afbud instead",
                                 errors=[{"in": "body", "field": "last_day",
                                          "detail": "before the start", "type": "range"}])
    if row.end_date == last_day:
        return row
    key = core.absence_key(row.rider_id, row.start_date, last_day, row.scope)
    if repo_absences.active_by_key(db, key) is not None:
        raise ConflictError(f"rider {row.rider_id} already has that afbud")
    before = row.end_date.isoformat() if row.end_date else None
    row.end_date = last_day
    row.natural_key = key
    repo.audit(db, who.user_id, "end", "absence", str(absence_id),
               {"before": {"end": before}, "after": {"end": last_day.isoformat()}})
    return row


def keep_ride_home(db: DbSession, who: Principal, no_show_id: int) -> m.NoShow:
    """Someone says otherwise: a morning no-show does not cancel the rider's ride home."""
    who.require("coordinator", "centre", "driver")
    row = repo_absences.get_no_show(db, no_show_id)
    if row is None:
        raise NotFoundError("no-show", no_show_id)
    rider = repo_riders.get_rider(db, row.rider_id)
    visible = who.sees_vehicle(row.vehicle_id) or (
        rider is not None and who.sees_centre(rider.centre_id))
    if not visible:
        raise NotFoundError("no-show", no_show_id)
    if not row.keep_ride_home:
        row.keep_ride_home = True
        repo.audit(db, who.user_id, "keep_ride_home", "no_show", str(no_show_id),
                   {"rider_id": row.rider_id, "date": row.date.isoformat()})
    return row
