"""Grants per rider: stored, listed, ended. Grants do not overlap: a new one ends the grant it
replaces. Their effect on the plan in force is in :mod:`api.grants.plan_effects`."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import models as m
from api.db import repo, repo_plans
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.grants.plan_effects import PlanEffect, leave_plan, rejoin_plan, rides_in
from api.grants.rules_store import municipal_rules
from api.grants.schemas import GrantEndIn, GrantIn
from api.riders.service import visible_rider
from routing.model import Scenario
from routing.municipality.grants import (
    AwaitingStart,
    Grant,
    GrantError,
    awaiting_start,
    in_force,
    with_grants,
)

log = logging.getLogger(__name__)


def grant_model(row: m.Grant) -> Grant:
    return Grant(rider_id=row.rider_id, kind=row.kind,  # type: ignore[arg-type]
                 start=row.start, end=row.end, decided_by=row.decided_by,
                 decided_on=row.decided_on, means=row.means, review_on=row.review_on)


def stored_grants(db: DbSession) -> dict[str, list[Grant]]:
    """Every rider's recorded grants."""
    out: dict[str, list[Grant]] = defaultdict(list)
    for row in db.scalars(select(m.Grant).order_by(m.Grant.start, m.Grant.grant_id)):
        out[row.rider_id].append(grant_model(row))
    return dict(out)


def scenario_on(db: DbSession, scenario: Scenario, day: date) -> Scenario:
    """The scenario with each rider's grant as it stands on ``day`` (the day's runs: a rider
    back on the shared ride after reimbursement also rode before it)."""
    grants = stored_grants(db)
    if not grants:
        return scenario
    return replace(scenario, riders=with_grants(scenario.riders, grants, day))


def _invalid(exc: Exception, field: str) -> UnprocessableError:
    return UnprocessableError(str(exc), errors=[{"in": "body", "field": field,
                                                 "detail": str(exc), "type": "value_error"}])


@dataclass(frozen=True, slots=True)
class GrantResult:
    """A recorded grant, the grants it ended and what it did to the plan in force."""

    grant: m.Grant
    ended: list[m.Grant]
    effect: PlanEffect
    resumed: GrantResult | None = None
    """A reimbursement (or no) grant with an end: the shared ride recorded from the day after."""


def _rider_rows(db: DbSession, rider_id: str) -> list[m.Grant]:
    return list(db.scalars(select(m.Grant).where(m.Grant.rider_id == rider_id)
                           .order_by(m.Grant.start, m.Grant.grant_id)))


def grant_on(db: DbSession, rider_id: str, day: date) -> Grant | None:
    """The rider's recorded grant in force on ``day`` (None: none covers it)."""
    return in_force([grant_model(r) for r in _rider_rows(db, rider_id)], rider_id, day)


def superseded(db: DbSession, rider_id: str, start: date, end: date | None) -> list[m.Grant]:
    """The rider's grants a new one from ``start`` to ``end`` ends the day before ``start``
    (grants do not overlap); 409 when it would overlap a grant starting on or after ``start``
    (a later decision is not undone by an earlier-starting one: end or correct that first)."""
    found = [r for r in _rider_rows(db, rider_id) if grant_model(r).overlaps(start, end)]
    later = [r for r in found if r.start >= start]
    if later:
        g = later[0]
        raise ConflictError(
            f"rider {rider_id} has grant {g.grant_id} ({g.kind} from {g.start}), which starts "
            f"on or after {start}; grants do not overlap: a new grant ends only grants that "
            "started before it", id=str(g.grant_id))
    return found


def _end_superseded(db: DbSession, who: Principal, rows: list[m.Grant], start: date,
                    by: int) -> None:
    last_day = start - timedelta(days=1)
    for row in rows:
        before = row.end
        row.end, row.updated_at = last_day, utcnow()
        repo.audit(db, who.user_id, "end", "grant", str(row.grant_id),
                   {"before": before.isoformat() if before else None,
                    "after": last_day.isoformat(), "superseded_by": by})


def create_grant(db: DbSession, who: Principal, context: AppContext, rider_id: str,
                 data: GrantIn) -> GrantResult:
    """Record a grant; it ends the rider's grant in force (or one starting earlier) the day
    before its start. Reimbursement or none: the rider leaves the plan in force at once (a new
    version through the living plan, published from the grant's start; the day's runs leave
    the rider out only while the grant is in force). A shared ride following reimbursement or
    none: the rider goes back into the plan when that moves nobody, else waits."""
    who.require("coordinator")
    visible_rider(db, who, rider_id)
    try:
        Grant(rider_id, data.kind, data.start, data.end, data.decided_by, data.decided_on,
              data.means, data.review_on)
    except GrantError as exc:
        raise _invalid(exc, "end" if "end" in str(exc) else "decided_by") from exc
    if data.decision_id is not None:
        decision = db.get(m.ReimbursementRecord, data.decision_id)
        if decision is None or decision.rider_id != rider_id:
            raise NotFoundError("reimbursement decision of the rider", data.decision_id)
    ended = superseded(db, rider_id, data.start, data.end)
    # What the rider had the day before (a shared ride after reimbursement goes back in).
    before = grant_on(db, rider_id, data.start - timedelta(days=1))
    row = m.Grant(rider_id=rider_id, kind=data.kind, start=data.start, end=data.end,
                  decided_by=data.decided_by, decided_on=data.decided_on, means=data.means,
                  review_on=data.review_on, decision_id=data.decision_id, note=data.note,
                  created_by=who.user_id, created_at=utcnow(), updated_at=utcnow())
    db.add(row)
    db.flush()
    _end_superseded(db, who, ended, data.start, row.grant_id)
    repo.audit(db, who.user_id, "create", "grant", str(row.grant_id),
               {"rider_id": rider_id, "kind": data.kind, "start": data.start.isoformat(),
                "end": data.end.isoformat() if data.end else None,
                "decided_by": data.decided_by, "ended": [r.grant_id for r in ended]})
    effect = _plan_effect(db, who, context, rider_id, data, before)
    log.info("grant %s for rider %s: %s from %s (%s)", row.grant_id, rider_id, data.kind,
             data.start, effect.message)
    resumed = _resume_after(db, who, context, row, data.decided_by, data.decided_on) \
        if data.end is not None and data.resume_shared_ride else None
    return GrantResult(row, ended, effect, resumed)


def _plan_effect(db: DbSession, who: Principal, context: AppContext, rider_id: str,
                 data: GrantIn, before: Grant | None) -> PlanEffect:
    if data.kind != "shared_ride":
        return leave_plan(db, who, context, rider_id, data.kind, data.start)
    if before is not None and before.kind != "shared_ride":
        return rejoin_plan(db, who, context, rider_id, data.start)
    # A first or renewed shared ride: planning the rider is the coordinator's choice.
    published = repo_plans.current_published(db)
    if published is not None and rides_in(published, rider_id):
        return PlanEffect("in_plan", None, "shared ride granted; the rider rides in the plan "
                          "in force")
    return PlanEffect("awaiting", None, "shared ride granted; see /grants/awaiting-start "
                      "until the rider is planned")


def list_grants(db: DbSession, who: Principal, rider_id: str) -> list[m.Grant]:
    visible_rider(db, who, rider_id)
    return list(db.scalars(select(m.Grant).where(m.Grant.rider_id == rider_id)
                           .order_by(m.Grant.start.desc(), m.Grant.grant_id.desc())))


def end_grant(db: DbSession, who: Principal, context: AppContext, grant_id: int,
              data: GrantEndIn) -> tuple[m.Grant, GrantResult | None]:
    """End a grant on ``last_day``. Ending a reimbursement (or no) grant resumes the shared ride
    from the day after (unless ``resume_shared_ride`` is false): a shared-ride grant until the
    rider's next grant, if any, and the rider back into the plan when that moves nobody."""
    who.require("coordinator")
    row = db.get(m.Grant, grant_id)
    if row is None:
        raise NotFoundError("grant", grant_id)
    visible_rider(db, who, row.rider_id)
    if data.last_day < row.start:
        raise UnprocessableError(f"last_day {data.last_day} is before the grant's start "
                                 f"{row.start}",
                                 errors=[{"in": "body", "field": "last_day",
                                          "detail": "before start", "type": "value_error"}])
    before = row.end
    row.end = data.last_day if row.end is None else min(row.end, data.last_day)
    row.updated_at = utcnow()
    repo.audit(db, who.user_id, "end", "grant", str(grant_id),
               {"before": before.isoformat() if before else None,
                "after": row.end.isoformat()})
    if not data.resume_shared_ride:
        return row, None
    return row, _resume_after(db, who, context, row,
                              data.decided_by or who.name or f"user {who.user_id}",
                              data.decided_on or context.today())


def _resume_after(db: DbSession, who: Principal, context: AppContext, row: m.Grant,
                  decided_by: str, decided_on: date) -> GrantResult | None:
    """The shared ride from the day after a reimbursement (or no) grant ends, until the
    rider's next grant if any (grants do not overlap); None for a shared-ride grant or when the
    next grant starts that very day."""
    if row.kind == "shared_ride" or row.end is None:
        return None
    resume = row.end + timedelta(days=1)
    following = [r.start for r in _rider_rows(db, row.rider_id) if r.start >= resume]
    if following and min(following) == resume:
        return None
    return create_grant(db, who, context, row.rider_id, GrantIn(
        kind="shared_ride", start=resume,
        end=min(following) - timedelta(days=1) if following else None,
        decided_by=decided_by, decided_on=decided_on, means="samkørsel",
        note=f"The shared ride again after grant {row.grant_id} ({row.kind}) ended."))


def awaiting(db: DbSession, who: Principal, context: AppContext, on: date | None
             ) -> list[AwaitingStart]:
    """Riders granted the shared ride who are not in the plan in force, with the days left of
    the start promise (the municipality's ``start_promise_days``)."""
    from api.plans.service import finished_plan
    from api.scenario.service import scenario_from_db

    who.require("coordinator", "centre")
    row = repo_plans.current_published(db)
    plan = finished_plan(row) if row is not None else None
    scenario = scenario_from_db(db, context.networks.path)
    found = awaiting_start(scenario, plan, on or context.today(),
                           municipal_rules(db).start_promise_days)
    return [a for a in found if who.sees_centre(a.centre_id)]
