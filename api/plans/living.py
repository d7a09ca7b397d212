"""A living plan over HTTP: insert, remove, change and re-optimise riders in a finished plan.

Each request works on a finished plan (usually the one in force) and, unless it is a dry run,
stores the result as a **new plan version**: a finished, unpublished draft with the independent
checker's findings, which the coordinator reviews (``GET /plans/{id}/diff``) and publishes as
usual. A change whose plan fails the independent check is refused (409) and nothing is stored.
The domain logic is in :mod:`routing.living.changes`, :mod:`routing.living.reoptimise` and
:mod:`routing.living.notifications`; this module only loads, stores and translates.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Literal

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext, travel_matrix_for
from api.db import models as m
from api.db import repo, repo_plans
from api.db.repo_plans import plan_summary
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.plans.jobs import REOPTIMISE
from api.plans.schemas import (
    InsertionOptionOut,
    InsertRequest,
    LivingChangeOut,
    MovedOut,
    NotificationOut,
    PlacementOut,
    RemoveRequest,
    ReoptimiseRequest,
    UnservedOut,
)
from api.plans.service import finished_plan, get_plan, plans_to_compare
from api.scenario.service import scenario_from_db
from api.schemas import time_text
from routing.living.changes import (
    InsertionOption,
    InsertionReport,
    LivingPlanError,
    TimeMove,
    change_rider,
    insert_rider,
    remove_rider,
)
from routing.living.notifications import notifications_csv as to_csv
from routing.living.notifications import plan_notifications
from routing.model import DIRECTIONS, WEEKDAYS, Plan, Scenario
from routing.params import plan_params_from_stored
from routing.planning.costing import runs_cost_ore
from routing.planning.plan_io import plan_to_dict
from routing.verify.checks import expected_trips, verify_plan

log = logging.getLogger(__name__)

Action = Literal["insert", "remove", "change"]


def _moved_out(moves: tuple[TimeMove, ...]) -> list[MovedOut]:
    return [MovedOut(rider_id=mv.rider_id, weekday=mv.weekday, direction=mv.direction,
                     run_id=mv.run_id, old_pickup=time_text(mv.old_agreed_s),
                     new_pickup=time_text(mv.new_agreed_s), shift_s=mv.shift_s)
            for mv in moves]


def _option_out(rank: int, o: InsertionOption) -> InsertionOptionOut:
    return InsertionOptionOut(
        rank=rank, added_cost_ore=o.added_cost_ore, keeps_all_times=o.keeps_all_times,
        moved_riders=list(o.moved_riders), moved=_moved_out(o.moved),
        total_shift_s=o.total_shift_s, consistency_exception=o.consistency_exception,
        placements=[PlacementOut(weekday=p.weekday, direction=p.direction, run_id=p.run_id,
                                 vehicle_id=p.vehicle_id, pickup=time_text(p.agreed_s),
                                 new_run=p.new_run, added_cost_ore=p.added_cost_ore)
                    for p in o.placements],
        unplaced=[UnservedOut(weekday=u.weekday, direction=u.direction,
                              session_id=u.session_id, reason=u.reason) for u in o.unplaced])


class _Work:
    """What every living-plan request needs: the source plan, scenario, matrix and rules."""

    def __init__(self, db: DbSession, who: Principal, context: AppContext, plan_id: int,
                 removing: str | None = None) -> None:
        who.require("coordinator")
        self.db = db
        self.who = who
        self.context = context
        self.row = get_plan(db, who, plan_id)
        self.plan = finished_plan(self.row)
        self.scenario: Scenario = scenario_from_db(db, context.networks.path)
        self.params = plan_params_from_stored(self.row.params)
        known = {r.rider_id for r in self.scenario.riders}
        planned = {r for run in self.plan.runs for r in run.rider_ids}
        # A rider deleted from the master data may be removed from the plan; any other
        # unknown rider means the plan is stale.
        if planned - known - {removing}:
            raise ConflictError(f"plan {plan_id} names riders no longer stored; make a new plan",
                                id=str(plan_id))
        self.matrix = travel_matrix_for(context, self.scenario)

    def store(self, action: Action, new: Plan, name: str, change: dict[str, Any],
              expected: set[tuple[str, str, str]] | None = None) -> int:
        """Verify the new plan and store it as a finished, unpublished version; 409 when the
        independent check finds errors (nothing is stored)."""
        violations = verify_plan(new, self.scenario, self.context.networks.get(), self.params,
                                 expected_trips=expected)
        # Refuse what the change breaks; findings the source plan already had stay listed
        # (checked afresh: the master data may have changed since the plan was stored).
        before = {(v.code, v.message) for v in verify_plan(
            self.plan, self.scenario, self.context.networks.get(), self.params)}
        errors = [v for v in violations
                  if v.severity == "error" and (v.code, v.message) not in before]
        if errors:
            raise ConflictError(
                f"the changed plan breaks {len(errors)} rule(s) (first: {errors[0].message}); "
                "nothing was stored", id=str(self.row.plan_id), violations=len(errors))
        document = plan_to_dict(new)
        now = utcnow()
        row = m.PlanRecord(
            name=name or f"{self.row.name or 'plan ' + str(self.row.plan_id)}: {action}",
            status="done", progress={"stage": "done", "done": 1, "total": 1},
            params=dict(self.row.params or {}), document=document,
            summary=plan_summary(document), violations=[asdict(v) for v in violations],
            attempts=0, created_by=self.who.user_id, created_at=now, started_at=now,
            finished_at=now, published=False)
        self.db.add(row)
        self.db.flush()
        repo.audit(self.db, self.who.user_id, action, "plan", str(row.plan_id),
                   {"from_plan_id": self.row.plan_id, **change})
        log.info("plan %s: %s stored as plan %s", self.row.plan_id, action, row.plan_id)
        return int(row.plan_id)

    def notifications(self, new: Plan) -> list[NotificationOut]:
        return [NotificationOut.of(n) for n in plan_notifications(self.plan, new, self.scenario)]

    def cost_change(self, new: Plan) -> int:
        vehicles = {v.vehicle_id: v for v in self.scenario.vehicles}
        return runs_cost_ore(new.runs, vehicles) - runs_cost_ore(self.plan.runs, vehicles)


def _rider_known(work: _Work, rider_id: str) -> None:
    if rider_id not in {r.rider_id for r in work.scenario.riders}:
        raise NotFoundError("rider", rider_id)


def _insertion_answer(work: _Work, action: Action, report: InsertionReport, choose: int | None,
                      dry_run: bool, name: str, change: dict[str, Any]) -> LivingChangeOut:
    if not report.options:
        raise ConflictError(report.message, id=report.rider_id)
    options = [_option_out(i, o) for i, o in enumerate(report.options, start=1)]
    index = choose or 1
    if index > len(report.options):
        raise UnprocessableError(f"choose {index}: there are {len(report.options)} option(s)",
                                 errors=[{"in": "body", "field": "choose",
                                          "detail": "no such option", "type": "value_error"}])
    chosen = report.options[index - 1]
    plan_id = None if dry_run else work.store(
        action, chosen.plan, name, {**change, "option": index, "moved": list(chosen.moved_riders),
                                    "added_cost_ore": chosen.added_cost_ore})
    return LivingChangeOut(
        action=action, from_plan_id=work.row.plan_id, plan_id=plan_id, message=report.message,
        keeps_all_times=chosen.keeps_all_times, options=options, chosen=index,
        moved=_moved_out(chosen.moved), cost_change_ore=work.cost_change(chosen.plan),
        notifications=work.notifications(chosen.plan))


def insert(db: DbSession, who: Principal, context: AppContext, plan_id: int,
           data: InsertRequest) -> LivingChangeOut:
    """Insertion options for a stored rider the plan does not serve; apply the chosen one."""
    work = _Work(db, who, context, plan_id)
    _rider_known(work, data.rider_id)
    try:
        report = insert_rider(work.plan, work.scenario, work.matrix, data.rider_id, work.params,
                              max_shift_s=data.max_shift_min * 60)
    except LivingPlanError as exc:
        raise ConflictError(str(exc), id=data.rider_id) from exc
    return _insertion_answer(work, "insert", report, data.choose, data.dry_run, data.name,
                             {"rider_id": data.rider_id})


def change(db: DbSession, who: Principal, context: AppContext, plan_id: int,
           data: InsertRequest) -> LivingChangeOut:
    """A changed rider (days, sessions, home) as remove + insert."""
    work = _Work(db, who, context, plan_id)
    _rider_known(work, data.rider_id)
    result = change_rider(work.plan, work.scenario, work.matrix, data.rider_id, work.params,
                          max_shift_s=data.max_shift_min * 60)
    if result.insertion is not None:
        return _insertion_answer(work, "change", result.insertion, data.choose, data.dry_run,
                                 data.name, {"rider_id": data.rider_id,
                                             "removed": len(result.removal.removed_trips)})
    if not result.removal.removed_trips:
        raise ConflictError(f"rider {data.rider_id}: the plan already matches the stored rider",
                            id=data.rider_id)
    new = result.removal.plan
    plan_id_new = None if data.dry_run else work.store(
        "change", new, data.name, {"rider_id": data.rider_id,
                                   "removed": len(result.removal.removed_trips)})
    return LivingChangeOut(
        action="change", from_plan_id=work.row.plan_id, plan_id=plan_id_new,
        message=f"rider {data.rider_id}: {len(result.removal.removed_trips)} trip(s) removed; "
        "nobody else's time moves", keeps_all_times=True,
        cost_change_ore=work.cost_change(new), notifications=work.notifications(new))


def remove(db: DbSession, who: Principal, context: AppContext, plan_id: int,
           data: RemoveRequest) -> LivingChangeOut:
    """Take a rider (stored or already deleted) out of the plan; nobody's agreed time moves."""
    work = _Work(db, who, context, plan_id, removing=data.rider_id)
    bad = [d for d in data.weekdays or [] if d not in WEEKDAYS]
    if bad:
        raise UnprocessableError(f"weekday {bad[0]!r} is not one of {', '.join(WEEKDAYS)}",
                                 errors=[{"in": "body", "field": "weekdays",
                                          "detail": "unknown weekday", "type": "value_error"}])
    trips = [(d, k) for d in data.weekdays for k in DIRECTIONS] if data.weekdays else None
    try:
        result = remove_rider(work.plan, work.scenario, work.matrix, data.rider_id, work.params,
                              trips=trips)
    except LivingPlanError as exc:
        raise NotFoundError("rider in plan", data.rider_id) from exc
    gone = {(data.rider_id, d, k) for d, k, _ in result.removed_trips} | {
        (u.rider_id, u.weekday, u.direction) for u in work.plan.unserved
        if u.rider_id == data.rider_id and (not data.weekdays or u.weekday in data.weekdays)}
    expected = expected_trips(work.scenario) - gone
    new_id = None if data.dry_run else work.store(
        "remove", result.plan, data.name,
        {"rider_id": data.rider_id, "trips": len(result.removed_trips),
         "cancelled_runs": list(result.cancelled_runs)}, expected)
    return LivingChangeOut(
        action="remove", from_plan_id=work.row.plan_id, plan_id=new_id,
        message=f"rider {data.rider_id}: {len(result.removed_trips)} trip(s) removed, "
        f"{len(result.cancelled_runs)} run(s) gone; nobody else's time moves",
        keeps_all_times=True, cost_change_ore=-result.saved_ore,
        notifications=work.notifications(result.plan))


def queue_reoptimise(db: DbSession, who: Principal, plan_id: int,
                     data: ReoptimiseRequest) -> m.PlanRecord:
    """Store a queued job that improves the plan within the stability budget (the route submits
    it after the commit). A background job: on the demo it takes up to a minute, and a request
    would hold the database's write turn that long."""
    who.require("coordinator")
    row = get_plan(db, who, plan_id)
    finished_plan(row)
    spec = {"from_plan_id": plan_id, "max_moved": data.max_moved,
            "max_shift_s": data.max_shift_min * 60}
    new = repo_plans.add_plan(db, name=data.name or f"plan {plan_id} re-optimised",
                              params={**(row.params or {}), REOPTIMISE: spec},
                              created_by=who.user_id)
    repo.audit(db, who.user_id, "create", "plan", str(new.plan_id), {"reoptimise": spec})
    return new


def notifications_csv(db: DbSession, who: Principal, context: AppContext, plan_id: int,
                      against: int | None) -> str:
    """The notifications between ``against`` (default: the plan in force) and the plan, CSV."""
    old_row, new_row = plans_to_compare(db, who, plan_id, against)
    scenario = scenario_from_db(db, context.networks.path)
    return to_csv(plan_notifications(finished_plan(old_row), finished_plan(new_row), scenario))
