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
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import repo_plans
from api.errors import ConflictError
from api.plans.living import remove
from api.plans.schemas import RemoveRequest
from api.plans.service import publish_plan, published_plan

if TYPE_CHECKING:
    from api.db.repo_plans import PlanRef
    from routing.model import Plan

log = logging.getLogger(__name__)


def _plan_in_force(db: DbSession) -> tuple[PlanRef, Plan] | None:

    if repo_plans.published_ref(db) is None:
        return None
    return published_plan(db)


def refuse_if_planned(db: DbSession, kind: str, entity_id: str) -> None:
    """409 when the plan in force has runs of the vehicle (``kind="vehicle"``) or to the centre
    (``kind="centre"``), naming what to do."""
    current = _plan_in_force(db)
    if current is None:
        return
    ref, plan = current
    if kind == "vehicle":
        runs = [r for r in plan.runs if r.vehicle_id == entity_id]
    else:
        runs = [r for r in plan.runs if entity_id in (r.centre_ids or (r.centre_id,))]
    if runs:
        raise ConflictError(
            f"{kind} {entity_id!r} is used by {len(runs)} run(s) of plan {ref.plan_id} in "
            f"force; make and publish a plan without it first (POST /plans, then "
            f"POST /plans/{{id}}/publish), then delete it", id=entity_id,
            plan_id=ref.plan_id, runs=len(runs))


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
