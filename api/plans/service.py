"""Weekly plans: create solve jobs, read, publish, compare, map, marginal costs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext, parsed_plan, road_lines
from api.db import models as m
from api.db import repo, repo_plans
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.jobs.leases import request_cancel
from api.plans.diff import pickup_changes
from api.plans.schemas import NotificationOut, PickupChangeOut, PlanCreate, PlanDiffOut
from api.scenario.service import SCENARIO_CONFIG_KEY, plan_params_from_config, scenario_from_db
from api.schemas import time_text
from maps.geojson import plan_geojson as to_geojson
from routing.living.notifications import plan_notifications
from routing.model import Plan
from routing.params import plan_params_from_mapping, plan_params_to_stored
from routing.planning.planner import place_matrix
from routing.reimbursement.marginal import marginal_costs as compute
from routing.scenario.reader import _check_plan_params

log = logging.getLogger(__name__)


def create_plan(db: DbSession, who: Principal, context: AppContext, data: PlanCreate
                ) -> m.PlanRecord:
    """Store a queued plan job (the route submits it after the commit)."""
    who.require("coordinator")
    settings = context.settings
    base = plan_params_from_config(repo.get_config(db, SCENARIO_CONFIG_KEY))
    try:
        params = plan_params_from_mapping(data.params, base)
    except ValueError as exc:
        raise UnprocessableError(str(exc), errors=[{
            "in": "body", "field": "params", "detail": str(exc), "type": "value_error"}]) \
            from exc
    # The same sanity rules as the [plan] table of scenario.toml (e.g. no negative times).

    problems = _check_plan_params(params)
    if problems:
        raise UnprocessableError(
            f"invalid plan parameter(s): {', '.join(n for n, _ in problems)}",
            errors=[{"in": "body", "field": f"params.{name}", "detail": f"{name} {message}",
                     "type": "value_error"} for name, message in problems])
    limit = data.time_limit_s or settings.plan_time_limit_s
    if "time_limit_s" not in data.params or data.time_limit_s is not None:
        params = params.with_overrides(time_limit_s=float(limit))
    if params.time_limit_s > settings.plan_time_limit_max_s:
        raise UnprocessableError(
            f"time limit {params.time_limit_s} s exceeds the server's maximum "
            f"{settings.plan_time_limit_max_s} s",
            errors=[{"in": "body", "field": "time_limit_s", "detail": "too large",
                     "type": "less_than_equal"}])
    scenario = scenario_from_db(db)
    if not scenario.riders or not scenario.vehicles:
        raise ConflictError("nothing to plan: the database holds no riders or no vehicles "
                            "(import a scenario first)")
    row = repo_plans.add_plan(db, name=data.name, params=plan_params_to_stored(params),
                              created_by=who.user_id)
    repo.audit(db, who.user_id, "create", "plan", str(row.plan_id),
               {"name": data.name, "params": data.params, "time_limit_s": params.time_limit_s})
    log.info("plan %s queued: %d riders, %d vehicles", row.plan_id, len(scenario.riders),
             len(scenario.vehicles))
    return row


def get_plan(db: DbSession, who: Principal, plan_id: int) -> m.PlanRecord:
    who.require("coordinator")
    row = repo_plans.get_plan(db, plan_id)
    if row is None:
        raise NotFoundError("plan", plan_id)
    return row


def cancel_plan(db: DbSession, who: Principal, plan_id: int) -> m.PlanRecord:
    """Cancel a plan job: a queued one at once, a running one at its next wave (the solving
    worker sees the flag with its heartbeat); 409 when it has already ended otherwise."""

    row = get_plan(db, who, plan_id)
    before = request_cancel(db, plan_id)
    if before in ("done", "failed"):
        raise ConflictError(f"plan {plan_id} has already ended ({before})", id=str(plan_id))
    if before in repo_plans.UNFINISHED:
        repo.audit(db, who.user_id, "cancel", "plan", str(plan_id))
    return row


def list_plans(db: DbSession, who: Principal, status: str | None, limit: int,
               offset: int) -> list[m.PlanRecord]:
    who.require("coordinator")
    return repo_plans.list_plans(db, status=status, limit=limit, offset=offset)


def finished_plan(row: m.PlanRecord) -> Plan:
    """The plan of a finished job; 409 when it is not done."""
    return _parsed(row, lambda: row.document)


def _parsed(ref: m.PlanRecord | repo_plans.PlanRef,
            load: Callable[[], dict[str, Any] | None]) -> Plan:
    """The finished plan ``ref`` parsed (cached; ``load`` reads its document when it is not)."""
    if ref.status != "done":
        raise ConflictError(f"plan {ref.plan_id} is {ref.status}, not done", id=str(ref.plan_id),
                            plan_status=ref.status)

    def document() -> dict[str, Any]:
        doc = load()
        if doc is None:  # pragma: no cover - done plans have one
            raise ConflictError(f"plan {ref.plan_id} has no document", id=str(ref.plan_id))
        return doc

    return parsed_plan(plan_key(ref), document)


def plan_key(row: m.PlanRecord | repo_plans.PlanRef) -> tuple[object, ...]:
    """Identifies a stored plan across databases (ids restart in a fresh database)."""
    return (row.plan_id, row.created_at, row.finished_at)


def publish_plan(db: DbSession, who: Principal, plan_id: int, force: bool = False,
                 effective_from: date | None = None, today: date | None = None
                 ) -> m.PlanRecord:
    """Make the plan the one daily runs follow from ``effective_from`` (default: ``today``)
    on; the days before keep the plan in force then. Publishing again is harmless.

    The date may not lie before ``today``: the manifests of past days do not change. A plan
    the independent checker found errors in is refused (409) unless ``force`` — the
    coordinator's informed decision, recorded in the audit log with the number of errors.
    """
    today = today or date.today()
    row = get_plan(db, who, plan_id)
    finished_plan(row)
    first_day = effective_from or today
    if first_day < today:
        raise UnprocessableError(
            f"the effective date {first_day} lies in the past; past days keep their plan",
            errors=[{"in": "query", "field": "effective_from", "detail": "in the past",
                     "type": "past"}])
    errors = [v for v in row.violations or [] if v.get("severity") == "error"]
    if errors and not force:
        raise ConflictError(f"plan {plan_id} breaks {len(errors)} rule(s) (see its "
                            "violations); publish with force=true to use it anyway",
                            id=str(plan_id), violations=len(errors))
    if not row.published:
        row.published = True
        row.published_at = utcnow()
        row.published_by = who.user_id
        row.effective_from = first_day
        repo.audit(db, who.user_id, "publish", "plan", str(plan_id),
                   {"violations": len(errors), "forced": bool(errors),
                    "effective_from": first_day.isoformat()})
        log.info("plan %s published, in force from %s", plan_id, first_day)
    return row


def delete_plan(db: DbSession, who: Principal, plan_id: int) -> None:
    row = get_plan(db, who, plan_id)
    if row.status in repo_plans.UNFINISHED:
        raise ConflictError(f"plan {plan_id} is {row.status}; wait until it has finished",
                            id=str(plan_id))
    if row.published:
        raise ConflictError(f"plan {plan_id} has been published and is kept as a record",
                            id=str(plan_id))
    db.delete(row)
    repo.audit(db, who.user_id, "delete", "plan", str(plan_id))


def published_plan(db: DbSession, on_date: date | None = None
                   ) -> tuple[repo_plans.PlanRef, Plan]:
    """The plan in force on ``on_date`` (see :func:`repo_plans.published_ref`; every day's
    endpoint passes its day, so days before a new plan's effective date keep the old one);
    without a date the latest published. 409 when none has been published."""
    ref = repo_plans.published_ref(db, on_date)
    if ref is None:
        raise ConflictError("no plan has been published yet")
    return ref, _parsed(ref, lambda: repo_plans.document(db, ref.plan_id))


def plans_to_compare(db: DbSession, who: Principal, plan_id: int, against: int | None
                     ) -> tuple[m.PlanRecord, m.PlanRecord]:
    """``(old, new)`` rows: ``against`` (default: the plan in force) and ``plan_id``."""
    new_row = get_plan(db, who, plan_id)
    if against is None:
        old_row = repo_plans.current_published(db, before_id=plan_id)
        if old_row is None:
            raise ConflictError("no other published plan to compare with; pass ?against=")
    else:
        old_row = get_plan(db, who, against)
    return old_row, new_row


def diff_plans(db: DbSession, who: Principal, plan_id: int, against: int | None) -> PlanDiffOut:
    """Riders whose pickup time differs between ``against`` (default: the plan in force) and
    ``plan_id``."""
    old_row, new_row = plans_to_compare(db, who, plan_id, against)
    old_plan, new_plan = finished_plan(old_row), finished_plan(new_row)
    changes = pickup_changes(old_plan, new_plan)

    notes = plan_notifications(old_plan, new_plan, scenario_from_db(db))
    return PlanDiffOut(
        from_plan_id=old_row.plan_id, to_plan_id=new_row.plan_id,
        riders=sorted({c.rider_id for c in changes}),
        changes=[PickupChangeOut(
            rider_id=c.rider_id, weekday=c.weekday, direction=c.direction,
            old_pickup=time_text(c.old_s) if c.old_s is not None else None,
            new_pickup=time_text(c.new_s) if c.new_s is not None else None,
            delta_s=c.delta_s, old_vehicle_id=c.old_vehicle_id,
            new_vehicle_id=c.new_vehicle_id) for c in changes],
        notifications=[NotificationOut.of(n) for n in notes],
    )


def plan_geojson(db: DbSession, who: Principal, context: AppContext, plan_id: int,
                 weekday: str | None) -> dict[str, Any]:
    plan = finished_plan(get_plan(db, who, plan_id))

    snap_max_m = plan.params.snap_max_m
    return to_geojson(plan, context.networks.get(), snap_max_m=snap_max_m, weekday=weekday,
                      lines=road_lines(context, snap_max_m))


def marginal_costs(db: DbSession, who: Principal, context: AppContext,
                   plan_id: int) -> list[dict[str, Any]]:
    """What the plan costs with and without each rider (coordinators only)."""
    plan = finished_plan(get_plan(db, who, plan_id))

    scenario = scenario_from_db(db, context.networks.path)
    params = scenario.plan_params
    matrix = place_matrix(scenario, context.networks.get(), params)
    known = {r.rider_id for r in scenario.riders}
    planned = {rid for run in plan.runs for rid in run.rider_ids} | \
        {u.rider_id for u in plan.unserved}
    if not planned <= known:
        raise ConflictError(f"plan {plan_id} names riders no longer stored; make a new plan",
                            id=str(plan_id))
    result = compute(plan, scenario, matrix, params)
    return [result[r].to_dict() for r in sorted(result)]
