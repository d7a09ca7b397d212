"""What a grant does to the plan in force, always through the living plan and never moving
anybody else: a reimbursement (or no) grant takes the rider out; a shared ride that follows one
puts the rider back in when an insertion keeps every other rider's agreed time, else the rider
waits on the list of riders granted but not in the plan (the coordinator then chooses an option
with the preview of the living plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import models as m
from api.db import repo_plans
from api.errors import ConflictError

Outcome = Literal["taken_out", "not_in_plan", "back_in_plan", "awaiting", "in_plan"]
"""taken_out: out of the plan in force; not_in_plan: there was nothing to take out;
back_in_plan: inserted again (nobody else moves); awaiting: granted the shared ride but not in
the plan in force (see /grants/awaiting-start); in_plan: the rider already rides in it."""


@dataclass(frozen=True, slots=True)
class PlanEffect:
    outcome: Outcome
    plan_id: int | None
    """The new version published (taken out or put back), else None."""
    message: str
    looked: bool = False
    """An insertion that moves nobody was looked for (a shared ride after reimbursement)."""


def rides_in(published: m.PlanRecord, rider_id: str) -> bool:
    from api.plans.service import finished_plan

    return any(rider_id in run.rider_ids for run in finished_plan(published).runs)


def _publish(db: DbSession, who: Principal, context: AppContext, plan_id: int,
             start: date) -> None:
    from api.plans.service import publish_plan

    # In force from the grant's first day (today at the earliest): the days before keep the
    # plan they had. force: the living plan stored the version only if the change added no
    # error, so any finding is one the plan in force already had (e.g. a newly granted rider
    # not planned yet); refusing here would leave the plan and the grant disagreeing.
    today = context.today()
    publish_plan(db, who, plan_id, force=True, effective_from=max(start, today), today=today)


def leave_plan(db: DbSession, who: Principal, context: AppContext, rider_id: str, kind: str,
               start: date) -> PlanEffect:
    """Take the rider out of the plan in force (a new version, published from ``start``)."""
    from api.plans.living import remove
    from api.plans.schemas import RemoveRequest

    published = repo_plans.current_published(db)
    if published is None:
        return PlanEffect("not_in_plan", None, "no plan in force")
    if not rides_in(published, rider_id):
        return PlanEffect("not_in_plan", None, "the rider is not in the plan in force")
    change = remove(db, who, context, published.plan_id, RemoveRequest(
        rider_id=rider_id, name=f"{published.name or 'plan'}: {rider_id} {kind}"))
    if change.plan_id is None:
        raise ConflictError(f"rider {rider_id} could not be taken out of plan "
                            f"{published.plan_id}")
    _publish(db, who, context, change.plan_id, start)
    return PlanEffect("taken_out", change.plan_id,
                      f"taken out of plan {published.plan_id}: {change.message}; plan "
                      f"{change.plan_id} is now in force")


def rejoin_plan(db: DbSession, who: Principal, context: AppContext, rider_id: str,
                start: date) -> PlanEffect:
    """Put the rider back into the plan in force from ``start`` with the best-ranked insertion
    that moves nobody and serves every trip; without one the rider waits (awaiting start)."""
    from api.plans.living import insert
    from api.plans.schemas import InsertRequest

    published = repo_plans.current_published(db)
    if published is None:
        return PlanEffect("awaiting", None, "no plan in force; the rider is listed at "
                          "/grants/awaiting-start")
    if rides_in(published, rider_id):
        return PlanEffect("in_plan", None, "the rider already rides in the plan in force")
    source = published.plan_id
    try:
        options = insert(db, who, context, source, InsertRequest(
            rider_id=rider_id, dry_run=True, max_shift_min=0)).options
    except ConflictError:  # no insertion at all
        options = []
    rank = next((o.rank for o in options if o.keeps_all_times and not o.unplaced), None)
    waiting = (f"no insertion into plan {source} keeps every other rider's agreed time; the "
               f"rider is listed at /grants/awaiting-start: choose an option with "
               f"POST /plans/{source}/insert")
    if rank is None:
        return PlanEffect("awaiting", None, waiting, looked=True)
    try:
        change = insert(db, who, context, source, InsertRequest(
            rider_id=rider_id, choose=rank, max_shift_min=0,
            name=f"{published.name or 'plan'}: {rider_id} shared ride again"))
    except ConflictError as exc:  # the inserted plan breaks a rule: nothing was stored
        return PlanEffect("awaiting", None, f"{waiting} ({exc.detail})", looked=True)
    assert change.plan_id is not None
    _publish(db, who, context, change.plan_id, start)
    return PlanEffect("back_in_plan", change.plan_id,
                      f"put back into plan {source} (option {rank}, nobody else moves); plan "
                      f"{change.plan_id} is in force from {max(start, context.today())}",
                      looked=True)
