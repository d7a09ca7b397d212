"""Reimbursement instead of the shared ride: assess, store, recompute under new rates."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.centres.service import calendar_of
from api.context import AppContext
from api.db import models as m
from api.db import repo, repo_plans, repo_reimbursement
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.grants.rules_store import municipal_rules
from api.grants.schemas import GrantIn
from api.grants.service import create_grant, grant_on
from api.manifests.service import derivable_plan
from api.plans.service import finished_plan
from api.reimbursement.schemas import AssessmentIn, RecomputeIn
from api.riders.service import visible_rider
from api.scenario.service import scenario_from_db
from routing.planning.planner import place_matrix
from routing.reimbursement.common import ReimbursementError
from routing.reimbursement.decision import recompute
from routing.reimbursement.facts import CentreAssessment, ReimbursementRules
from routing.reimbursement.inputs import assess, candidates
from routing.reimbursement.rates import RateTable, available_years, load_rates

log = logging.getLogger(__name__)


def _rates(context: AppContext, year: int) -> RateTable:
    directory = context.settings.rates_dir
    try:
        return load_rates(year, directory)
    except (ValueError, OSError) as exc:
        years = ", ".join(str(y) for y in available_years(directory)) or "none"
        raise UnprocessableError(f"no usable rate table for {year} (available: {years})",
                                 errors=[{"in": "body", "field": "year", "detail": str(exc),
                                          "type": "unknown_year"}]) from exc


def _assessment(rider: m.Rider, data: AssessmentIn) -> CentreAssessment | None:
    """The assessment in the request, else the one stored on the rider if it is complete."""
    try:
        if data.centre_assessment is not None:
            a = data.centre_assessment
            return CentreAssessment(a.assessed_by, a.assessed_on.isoformat(), a.reason)
        if rider.centre_assessment and rider.centre_assessment_by and rider.centre_assessment_on:
            return CentreAssessment(rider.centre_assessment_by,
                                    rider.centre_assessment_on.isoformat(),
                                    rider.centre_assessment)
    except ReimbursementError as exc:
        raise UnprocessableError(str(exc)) from exc
    return None


def create_decision(db: DbSession, who: Principal, context: AppContext, rider_id: str,
                    data: AssessmentIn) -> m.ReimbursementRecord:
    """Assess the rider and store the decision with its inputs."""
    who.require("coordinator")
    rider = visible_rider(db, who, rider_id)
    today = context.today()
    year = data.year or today.year
    rates = _rates(context, year)
    plan_row = None
    if data.use_plan:
        if data.plan_id is not None:
            plan_row = repo_plans.get_plan(db, data.plan_id)
            if plan_row is None:
                raise NotFoundError("plan", data.plan_id)
        else:
            plan_row = repo_plans.current_published(db)
    plan = finished_plan(plan_row) if plan_row is not None else None
    assessment = _assessment(rider, data)

    scenario = scenario_from_db(db, context.networks.path)
    if plan is not None:
        # Only the plan's runs that still derive from the stored data (issue 15: isolation).

        plan, scenario, matrix, _ = derivable_plan(context, plan, scenario)
    else:
        matrix = place_matrix(scenario, context.networks.get(), scenario.plan_params)
    rules = ReimbursementRules(**data.rules.model_dump()) if data.rules else None
    multiple = data.cost_multiple or context.settings.reimbursement_cost_multiple
    try:
        decision = assess(rider_id, scenario, matrix, rates, plan=plan,
                          centre_assessment=assessment, cost_multiple=multiple,
                          calendar=calendar_of(db, [rider.centre_id]), rules=rules,
                          decided_on=data.decided_on or today,
                          appeal_da=municipal_rules(db).appeal_text_da())
    except ReimbursementError as exc:
        raise UnprocessableError(str(exc)) from exc
    inputs: dict[str, Any] = {
        "year": year, "plan_id": plan_row.plan_id if plan_row else None,
        "centre_assessment": assessment.to_dict() if assessment else None,
        "cost_multiple": multiple,
        "rules": (rules or ReimbursementRules()).to_dict(),
        "decided_on": (data.decided_on or today).isoformat(),
    }
    row = repo_reimbursement.add_decision(
        db, rider_id=rider_id, plan_id=inputs["plan_id"], warranted=decision.warranted,
        inputs=inputs, decision=decision.to_dict(), created_by=who.user_id)
    repo.audit(db, who.user_id, "create", "reimbursement_decision", str(row.decision_id),
               {"rider_id": rider_id, "warranted": decision.warranted,
                "per_month_ore": decision.per_month_ore, "rates_year": year})
    log.info("reimbursement decision %s for rider %s: warranted=%s", row.decision_id, rider_id,
             decision.warranted)
    if data.grant_from is not None:
        _grant_of_decision(db, who, context, row, data, data.grant_from)
    return row


def _grant_of_decision(db: DbSession, who: Principal, context: AppContext,
                       row: m.ReimbursementRecord, data: AssessmentIn, start: date) -> None:
    """A decision creates or ends a grant: warranted, the reimbursement grant (the rider leaves
    the plan in force); not warranted while the rider has reimbursement (or none) from
    ``start``, the shared ride again (which ends that grant the day before; the rider goes
    back into the plan when nobody moves). Otherwise the shared ride simply continues."""
    decision = row.decision
    chosen = decision.get("chosen") or {}
    decided_by = data.decided_by or who.name or f"user {who.user_id}"
    decided_on = data.decided_on or context.today()
    if row.warranted and chosen:
        grant = GrantIn(kind="reimbursement", start=start, decided_by=decided_by,
                        decided_on=decided_on, means=str(chosen.get("means", "")),
                        decision_id=row.decision_id)
    elif not row.warranted and _other_than_shared_ride(db, row.rider_id, start):
        grant = GrantIn(kind="shared_ride", start=start, decided_by=decided_by,
                        decided_on=decided_on, means="samkørsel", decision_id=row.decision_id)
    else:
        row.inputs = {**row.inputs, "grant_message": "no grant changed"}
        return
    result = create_grant(db, who, context, row.rider_id, grant)
    row.inputs = {**row.inputs, "grant_id": result.grant.grant_id,
                  "grant_outcome": result.effect.outcome,
                  "grant_message": result.effect.message}


def _other_than_shared_ride(db: DbSession, rider_id: str, day: date) -> bool:
    """Whether the rider's grant in force on ``day`` is reimbursement or none."""
    found = grant_on(db, rider_id, day)
    return found is not None and found.kind != "shared_ride"


def visible_decision(db: DbSession, who: Principal, decision_id: int) -> m.ReimbursementRecord:
    row = repo_reimbursement.get_decision(db, decision_id)
    if row is None:
        raise NotFoundError("reimbursement decision", decision_id)
    try:
        visible_rider(db, who, row.rider_id)
    except NotFoundError:
        raise NotFoundError("reimbursement decision", decision_id) from None
    return row


def list_decisions(db: DbSession, who: Principal, rider_id: str, limit: int,
                   offset: int) -> list[m.ReimbursementRecord]:
    visible_rider(db, who, rider_id)
    return repo_reimbursement.list_decisions(db, rider_id=rider_id, limit=limit, offset=offset)


def recompute_decision(db: DbSession, who: Principal, context: AppContext, decision_id: int,
                       data: RecomputeIn) -> m.ReimbursementRecord:
    """The stored decision again under another year's rates (a new record superseding it)."""
    who.require("coordinator")
    old = visible_decision(db, who, decision_id)
    if old.decision.get("schema") is None:
        raise ConflictError(f"decision {decision_id} has no stored inputs to recompute from")
    rates = _rates(context, data.year)
    decided_on: date = data.decided_on or context.today()
    try:
        decision = recompute(old.decision, rates, decided_on=decided_on)
    except (ReimbursementError, KeyError, TypeError, ValueError) as exc:
        raise ConflictError(f"decision {decision_id} cannot be recomputed: {exc}") from exc
    inputs = {**old.inputs, "year": data.year, "decided_on": decided_on.isoformat(),
              "recomputed_from": decision_id}
    row = repo_reimbursement.add_decision(
        db, rider_id=old.rider_id, plan_id=old.plan_id, warranted=decision.warranted,
        inputs=inputs, decision=decision.to_dict(), created_by=who.user_id,
        supersedes_id=decision_id)
    repo.audit(db, who.user_id, "recompute", "reimbursement_decision", str(row.decision_id),
               {"supersedes": decision_id, "rates_year": data.year,
                "per_month_ore": decision.per_month_ore})
    return row


def list_candidates(db: DbSession, who: Principal, context: AppContext, plan_id: int | None,
                    year: int | None) -> list[dict[str, Any]]:
    """Riders whose unserved trips or cost in the plan suggest asking the centre for its
    assessment ("Overvej en vurdering …"): never a grant."""

    who.require("coordinator", "centre")
    row = repo_plans.get_plan(db, plan_id) if plan_id is not None \
        else repo_plans.current_published(db)
    if row is None:
        if plan_id is not None:
            raise NotFoundError("plan", plan_id)
        raise ConflictError("no plan has been published yet")
    plan = finished_plan(row)
    rates = _rates(context, year or context.today().year)
    scenario = scenario_from_db(db, context.networks.path)
    known = {r.rider_id for r in scenario.riders}
    planned = {r for run in plan.runs for r in run.rider_ids} | {u.rider_id for u in plan.unserved}
    if planned - known:
        raise ConflictError(f"plan {row.plan_id} names riders no longer stored; make a new plan",
                            id=str(row.plan_id))
    matrix = place_matrix(scenario, context.networks.get(), scenario.plan_params)
    multiple = context.settings.reimbursement_cost_multiple
    try:
        found = candidates(plan, scenario, matrix, rates, cost_multiple=multiple)
    except ReimbursementError as exc:
        raise ConflictError(f"plan {row.plan_id}: {exc}", id=str(row.plan_id)) from exc
    return [{**c.to_dict(), "plan_id": row.plan_id} for c in found
            if who.sees_centre(c.centre_id)]


def record_assessment(db: DbSession, who: Principal, rider_id: str, assessed_by: str,
                      assessed_on: date, reason: str) -> m.Rider:
    """The centre's concrete assessment that the shared ride is not an option for its rider
    (who, when, why), stored on the rider: the ground a reimbursement decision needs. Centre
    staff record it for their own riders only (others answer 404); coordinators for anyone."""
    who.require("coordinator", "centre")
    rider = visible_rider(db, who, rider_id)
    try:
        CentreAssessment(assessed_by, assessed_on.isoformat(), reason)
    except ReimbursementError as exc:
        raise UnprocessableError(str(exc)) from exc
    before = {"by": rider.centre_assessment_by, "on": rider.centre_assessment_on.isoformat()
              if rider.centre_assessment_on else None}
    rider.centre_assessment = reason.strip()
    rider.centre_assessment_by = assessed_by.strip()
    rider.centre_assessment_on = assessed_on
    repo.audit(db, who.user_id, "assess", "rider", rider_id,
               {"before": before, "by": rider.centre_assessment_by,
                "on": assessed_on.isoformat()})
    return rider


def decisions_of_centres(db: DbSession, who: Principal, limit: int = 100
                         ) -> list[m.ReimbursementRecord]:
    """The newest decisions the caller may see (a centre: its own riders')."""
    who.require("coordinator", "centre")
    scope = None if who.role == "coordinator" else sorted(who.centre_ids)
    return repo_reimbursement.list_decisions(db, centre_ids=scope, limit=limit)
