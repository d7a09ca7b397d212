"""Grants per rider: stored, listed, ended; a grant other than the shared ride takes the rider out
of the plan in force through the living plan (nobody else moves)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import models as m
from api.db import repo, repo_plans
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.grants.rules_store import municipal_rules
from api.grants.schemas import GrantIn
from api.riders.service import visible_rider
from routing.municipality.grants import AwaitingStart, Grant, GrantError, awaiting_start

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


def _invalid(exc: Exception, field: str) -> UnprocessableError:
    return UnprocessableError(str(exc), errors=[{"in": "body", "field": field,
                                                 "detail": str(exc), "type": "value_error"}])


def create_grant(db: DbSession, who: Principal, context: AppContext, rider_id: str,
                 data: GrantIn) -> tuple[m.Grant, int | None, str]:
    """Record a grant. A grant other than the shared ride that has started removes the rider
    from the plan in force (a new version through the living plan, published); one starting
    later is left to the day's runs, which leave the rider out from its start."""
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
    row = m.Grant(rider_id=rider_id, kind=data.kind, start=data.start, end=data.end,
                  decided_by=data.decided_by, decided_on=data.decided_on, means=data.means,
                  review_on=data.review_on, decision_id=data.decision_id, note=data.note,
                  created_by=who.user_id, created_at=utcnow(), updated_at=utcnow())
    db.add(row)
    db.flush()
    repo.audit(db, who.user_id, "create", "grant", str(row.grant_id),
               {"rider_id": rider_id, "kind": data.kind, "start": data.start.isoformat(),
                "end": data.end.isoformat() if data.end else None,
                "decided_by": data.decided_by})
    plan_id, message = _leave_plan(db, who, context, rider_id, data)
    log.info("grant %s for rider %s: %s from %s (%s)", row.grant_id, rider_id, data.kind,
             data.start, message)
    return row, plan_id, message


def _leave_plan(db: DbSession, who: Principal, context: AppContext, rider_id: str,
                data: GrantIn) -> tuple[int | None, str]:
    if data.kind == "shared_ride":
        return None, "shared ride granted; see /grants/awaiting-start until the rider is planned"
    published = repo_plans.current_published(db)
    if published is None:
        return None, "no plan in force"
    from api.plans.living import remove
    from api.plans.schemas import RemoveRequest
    from api.plans.service import finished_plan, publish_plan

    if not any(rider_id in run.rider_ids for run in finished_plan(published).runs):
        return None, "the rider is not in the plan in force"
    change = remove(db, who, context, published.plan_id, RemoveRequest(
        rider_id=rider_id, name=f"{published.name or 'plan'}: {rider_id} {data.kind}"))
    if change.plan_id is None:
        raise ConflictError(f"rider {rider_id} could not be taken out of plan "
                            f"{published.plan_id}")
    # In force from the grant's first day (today at the earliest): the days before keep the
    # rider's shared ride (the day's runs also leave a rider out only while the grant is in force).
    # force: the living plan stored the version only if the removal added no error, so any
    # finding is one the plan in force already had (e.g. a newly granted rider not planned
    # yet); refusing here would leave the rider in the plan and the municipality paying twice.
    today = context.today()
    publish_plan(db, who, change.plan_id, force=True, effective_from=max(data.start, today),
                 today=today)
    return change.plan_id, (f"taken out of plan {published.plan_id}: {change.message}; plan "
                            f"{change.plan_id} is now in force")


def list_grants(db: DbSession, who: Principal, rider_id: str) -> list[m.Grant]:
    visible_rider(db, who, rider_id)
    return list(db.scalars(select(m.Grant).where(m.Grant.rider_id == rider_id)
                           .order_by(m.Grant.start.desc(), m.Grant.grant_id.desc())))


def end_grant(db: DbSession, who: Principal, grant_id: int, last_day: date) -> m.Grant:
    who.require("coordinator")
    row = db.get(m.Grant, grant_id)
    if row is None:
        raise NotFoundError("grant", grant_id)
    visible_rider(db, who, row.rider_id)
    if last_day < row.start:
        raise UnprocessableError(f"last_day {last_day} is before the grant's start {row.start}",
                                 errors=[{"in": "body", "field": "last_day",
                                          "detail": "before start", "type": "value_error"}])
    before = row.end
    row.end = last_day if row.end is None else min(row.end, last_day)
    row.updated_at = utcnow()
    repo.audit(db, who.user_id, "end", "grant", str(grant_id),
               {"before": before.isoformat() if before else None,
                "after": row.end.isoformat()})
    return row


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
