"""Master-data changes and the plan in force (issue 15, isolation).

No single record may stop the operation of the others. Deleting a rider the plan in force
carries goes through the living plan: the rider is taken out of a new version of the plan in
force (nobody else's agreed time moves), which is published at once, so its diff and
notifications say what changed. A vehicle or centre the plan in force drives to/with cannot be
taken out that way (its riders would need new runs): deleting one is refused with a 409 saying
what to do first.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import repo_plans
from api.errors import ConflictError
from api.plans.living import remove
from api.plans.schemas import RemoveRequest
from api.plans.service import finished_plan, publish_plan, published_plan
from routing.living.edits import BrokenRun, deletion_breaks, sorted_broken
from routing.model import format_hm

if TYPE_CHECKING:
    from api.db.repo_plans import PlanRef
    from routing.model import Plan

log = logging.getLogger(__name__)


def _plan_in_force(db: DbSession) -> tuple[PlanRef, Plan] | None:

    if repo_plans.published_ref(db) is None:
        return None
    return published_plan(db)


def plans_driving(db: DbSession, today: date) -> list[tuple[int, Plan]]:
    """The published plans drivers follow from ``today`` on: the plan in force today and
    every plan taking effect later (days before today keep what they had)."""
    ref = repo_plans.published_ref(db, today)
    if ref is None:
        return []
    ids = [ref.plan_id] + [pid for pid, start in repo_plans.in_force_from(db)
                           if start is not None and start > today and pid != ref.plan_id]
    out = []
    for plan_id in ids:
        row = repo_plans.get_plan(db, plan_id)
        if row is not None and row.status == "done":
            out.append((plan_id, finished_plan(row)))
    return out


def broken_runs_out(broken: list[BrokenRun]) -> list[dict[str, object]]:
    """The runs for the problem body (``runs``): id, vehicle, weekday, direction, times,
    riders, why, and the load at its peak."""
    return [{"run_id": b.run_id, "vehicle_id": b.vehicle_id, "weekday": b.weekday,
             "direction": b.direction, "start": format_hm(b.start_s),
             "end": format_hm(b.end_s), "rider_ids": list(b.rider_ids), "reason": b.reason,
             "load_seats": b.load_seats, "load_wheelchairs": b.load_wheelchairs}
            for b in sorted_broken(broken)]


def refuse_breaking_edit(db: DbSession, today: date, kind: str, entity_id: str,
                         breaks: Callable[[Plan], list[BrokenRun]], then: str = "") -> None:
    """409 naming the runs when the edit breaks runs of a plan drivers follow from today on
    (nothing is stored: the caller has not written yet, or its transaction is rolled back)."""
    for plan_id, plan in plans_driving(db, today):
        broken = breaks(plan)
        if broken:
            first = sorted_broken(broken)[0]
            raise ConflictError(
                f"{kind} {entity_id!r}: the change breaks {len(broken)} run(s) of published "
                f"plan {plan_id} (first: {first.run_id}, {first.reason}); "
                + (then.replace("{id}", str(plan_id)) if then else
                   "make a plan with the change first (the living plan or a new plan), "
                   f"publish it, then change the {kind}"),
                id=entity_id, plan_id=plan_id, runs=broken_runs_out(broken))


def refuse_if_planned(db: DbSession, kind: str, entity_id: str,
                      today: date | None = None) -> None:
    """409 when the plan in force (from ``today`` on: also plans taking effect later) has
    runs of the vehicle (``kind="vehicle"``) or to the centre (``kind="centre"``), naming
    the runs and what to do."""
    if today is None:
        current = _plan_in_force(db)
        driving = [(current[0].plan_id, current[1])] if current else []
    else:
        driving = plans_driving(db, today)
    for plan_id, plan in driving:
        broken = deletion_breaks(plan, kind, entity_id)
        if broken:
            raise ConflictError(
                f"{kind} {entity_id!r} is used by {len(broken)} run(s) of plan {plan_id} in "
                f"force; make and publish a plan without it first (POST /plans, then "
                f"POST /plans/{{id}}/publish), then delete it", id=entity_id,
                plan_id=plan_id, runs=broken_runs_out(broken))


def remove_from_plan_in_force(db: DbSession, who: Principal, context: AppContext,
                              rider_id: str) -> int | None:
    """Take an (already deleted) rider out of the plan in force: a new version is stored and
    published; return its id (None when the plan in force does not carry the rider).

    Runs as the caller but with the coordinator's right to publish: centre staff delete their
    own riders, and leaving the deleted rider in the plan would make every day name someone
    no longer stored. 409 (nothing changes) when the version without the rider breaks a rule.
    """

    current = _plan_in_force(db)
    if current is None:
        return None
    ref, plan = current
    # A rider only listed as unserved needs no new version: the day's derivation leaves
    # unserved riders no longer stored out (api.manifests.service.derivable_plan).
    if not any(rider_id in run.rider_ids for run in plan.runs):
        return None
    acting = dataclasses.replace(who, role="coordinator")
    answer = remove(db, acting, context, ref.plan_id,
                    RemoveRequest(rider_id=rider_id,
                                  name=f"plan {ref.plan_id} without deleted rider {rider_id}"))
    assert answer.plan_id is not None
    # The change was checked against the source plan's findings by the living plan; findings
    # the source already had (and was published with) do not block taking a rider out.
    # In force from today (the service's clock); past days keep the plan they had.
    publish_plan(db, acting, answer.plan_id, force=True, today=context.today())
    log.info("rider %s deleted: plan %s replaces plan %s in force", rider_id, answer.plan_id,
             ref.plan_id)
    return answer.plan_id
