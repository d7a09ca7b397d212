"""HTTP routes of weekly plans (no logic: see the service and the job runner)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import BackgroundTasks, Query, Response, status
from fastapi.responses import JSONResponse

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.plans import living, service
from api.plans.schemas import (
    InsertRequest,
    LivingChangeOut,
    MarginalCostOut,
    PlanCreate,
    PlanDiffOut,
    PlanOut,
    PlanStatus,
    PlanStatusOut,
    RemoveRequest,
    ReoptimiseRequest,
)
from api.schemas import MAX_INT_ID, IntId

router = api_router(prefix="/plans", tags=["plans"])

Weekday = Annotated[str | None, Query(pattern="^(mon|tue|wed|thu|fri)$")]


@router.post(
    "", response_model=PlanStatusOut, status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(409, 422),
    summary="Start planning the week from the stored data (a background job)",
    description="Answers 202 with the job's status; `Location` names the status resource to "
    "poll. The job's state survives a restart.",
)
def create_plan(data: PlanCreate, db: DbSession, who: CurrentUser, context: Context,
                response: Response, background: BackgroundTasks) -> Any:
    row = service.create_plan(db, who, context, data)
    # Background tasks run after the response, i.e. after the request's commit.
    if context.jobs is not None:
        background.add_task(context.jobs.submit, row.plan_id)
    response.headers["Location"] = f"/api/v1/plans/{row.plan_id}/status"
    return PlanStatusOut.of(row)


@router.get("", response_model=list[PlanStatusOut], responses=problem_responses(422),
            summary="List plans, newest first")
def list_plans(db: DbSession, who: CurrentUser,
               status_: Annotated[PlanStatus | None, Query(alias="status")] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Any:
    return [PlanStatusOut.of(r) for r in service.list_plans(db, who, status_, limit, offset)]


@router.get("/{plan_id}/status", response_model=PlanStatusOut, responses=problem_responses(404),
            summary="Status and progress of a plan job")
def plan_status(plan_id: IntId, db: DbSession, who: CurrentUser) -> Any:
    return PlanStatusOut.of(service.get_plan(db, who, plan_id))


@router.get("/{plan_id}", response_model=PlanOut, responses=problem_responses(404),
            summary="A plan with its document (samkorsel.plan/1) and the checker's findings")
def get_plan(plan_id: IntId, db: DbSession, who: CurrentUser) -> Any:
    return PlanOut.full(service.get_plan(db, who, plan_id))


@router.delete("/{plan_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(404, 409),
               summary="Delete a finished, unpublished plan")
def delete_plan(plan_id: IntId, db: DbSession, who: CurrentUser) -> Response:
    service.delete_plan(db, who, plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{plan_id}/cancel", response_model=PlanStatusOut,
             status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(404, 409),
             summary="Cancel a plan job",
             description="A queued job ends `cancelled` at once; a running one gets "
             "`cancel_requested` and ends `cancelled` when its worker next looks (within "
             "`SAMKORSEL_JOB_HEARTBEAT_S`, at the end of the wave it is solving). Cancelling a "
             "cancelled job changes nothing; a done or failed one is 409.")
def cancel_plan(plan_id: IntId, db: DbSession, who: CurrentUser) -> Any:
    return PlanStatusOut.of(service.cancel_plan(db, who, plan_id))


@router.post("/{plan_id}/publish", response_model=PlanStatusOut,
             responses=problem_responses(404, 409, 422),
             summary="Publish a finished plan: daily runs follow it from its effective date on",
             description="409 when the plan is not done, or when the independent checker found "
             "errors in it (unless `force=true`: recorded in the audit log).")
def publish_plan(plan_id: IntId, db: DbSession, who: CurrentUser, context: Context,
                 force: Annotated[bool, Query()] = False,
                 effective_from: Annotated[date | None, Query(
                     description="First day the plan is in force (default: today); days "
                     "before keep the plan in force then.")] = None) -> Any:
    return PlanStatusOut.of(service.publish_plan(db, who, plan_id, force, effective_from,
                                                 context.today()))


@router.get("/{plan_id}/diff", response_model=PlanDiffOut, responses=problem_responses(404, 409),
            summary="Riders whose pickup time changes compared with another plan (to notify)")
def diff_plans(plan_id: IntId, db: DbSession, who: CurrentUser,
               against: Annotated[int | None, Query(ge=1, le=MAX_INT_ID,
                   description="The plan to compare with; default: the plan in force.")] = None
               ) -> Any:
    return service.diff_plans(db, who, plan_id, against)


@router.get("/{plan_id}/geojson",
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "FeatureCollection of runs along roads and stops"},
                       **problem_responses(404, 409, 422)},
            summary="The plan's runs along the roads as GeoJSON")
def plan_geojson(plan_id: IntId, db: DbSession, who: CurrentUser, context: Context,
                 weekday: Weekday = None) -> Any:
    body = service.plan_geojson(db, who, context, plan_id, weekday)
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/{plan_id}/marginal-costs", response_model=list[MarginalCostOut],
            responses=problem_responses(404, 409),
            summary="What the plan costs with and without each rider")
def marginal_costs(plan_id: IntId, db: DbSession, who: CurrentUser, context: Context) -> Any:
    return service.marginal_costs(db, who, context, plan_id)


# ---- A living plan: change riders in a finished plan, creating a new (draft) version --------

_LIVING_DESCRIPTION = (
    " Works on a finished plan (usually the one in force) and stores the result as a new, "
    "finished and unpublished plan version (`plan_id`), checked by the independent verifier; "
    "review it with `GET /plans/{plan_id}/diff` and publish it as usual. `dry_run` only "
    "answers. A change that would break a rule is refused (409) and nothing is stored.")


@router.post("/{plan_id}/insert", response_model=LivingChangeOut,
             responses=problem_responses(404, 409, 422),
             summary="Insert a rider into the plan with the least disturbance",
             description="Every trip of the rider (weekday × direction) the plan does not serve "
             "is inserted into an existing run or a new run, keeping every other rider's agreed "
             "time when any insertion can; otherwise the options list exactly whose time moves "
             "and by how much. Options are ranked by riders moved, added cost and total shift; "
             "`choose` applies one (default: the best)." + _LIVING_DESCRIPTION)
def insert_rider(plan_id: IntId, data: InsertRequest, db: DbSession, who: CurrentUser,
                 context: Context) -> Any:
    return living.insert(db, who, context, plan_id, data)


@router.post("/{plan_id}/change", response_model=LivingChangeOut,
             responses=problem_responses(404, 409, 422),
             summary="Apply a changed rider (days, sessions, home) as remove + insert",
             description="Trips the stored rider no longer makes, or whose home moved, are "
             "removed (nobody else's time moves); trips then missing are inserted as by "
             "`/insert`." + _LIVING_DESCRIPTION)
def change_rider(plan_id: IntId, data: InsertRequest, db: DbSession, who: CurrentUser,
                 context: Context) -> Any:
    return living.change(db, who, context, plan_id, data)


@router.post("/{plan_id}/remove", response_model=LivingChangeOut,
             responses=problem_responses(404, 409, 422),
             summary="Remove a rider from the plan; nobody's agreed time moves",
             description="The rider's stops are dropped and the runs re-timed keeping every "
             "other agreed time (a run may leave the depot later); empty runs disappear. The "
             "rider may already be deleted from the master data." + _LIVING_DESCRIPTION)
def remove_rider(plan_id: IntId, data: RemoveRequest, db: DbSession, who: CurrentUser,
                 context: Context) -> Any:
    return living.remove(db, who, context, plan_id, data)


@router.post("/{plan_id}/reoptimise", response_model=PlanStatusOut,
             status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(404, 409, 422),
             summary="Improve the plan within a stability budget (a background job)",
             description="At most `max_moved` riders' agreed times change, each by at most "
             "`max_shift_min` (against this plan). Answers 202 with the job's status, like "
             "`POST /plans`; `Location` names the status to poll. The result is a new, "
             "unpublished plan version whose `document.stats.reoptimise` holds the saving "
             "(`saved_ore`), the riders moved and the accepted changes; review it with "
             "`GET /plans/{new}/diff?against={plan_id}` (notifications included).")
def reoptimise_plan(plan_id: IntId, data: ReoptimiseRequest, db: DbSession, who: CurrentUser,
                    context: Context, response: Response, background: BackgroundTasks) -> Any:
    row = living.queue_reoptimise(db, who, plan_id, data)
    if context.jobs is not None:
        background.add_task(context.jobs.submit, row.plan_id)
    response.headers["Location"] = f"/api/v1/plans/{row.plan_id}/status"
    return PlanStatusOut.of(row)


@router.get("/{plan_id}/notifications.csv",
            responses={200: {"content": {"text/csv": {}},
                             "description": "Riders, drivers and centres to notify (CSV, "
                             "UTF-8 with BOM, `;`-separated)"},
                       **problem_responses(404, 409, 422)},
            summary="Who to notify about this plan against another, as CSV")
def notifications_csv(plan_id: IntId, db: DbSession, who: CurrentUser, context: Context,
                      against: Annotated[int | None, Query(ge=1, le=MAX_INT_ID,
                          description="The plan to compare with; default: the plan in force.")]
                      = None) -> Response:
    body = living.notifications_csv(db, who, context, plan_id, against)
    return Response(content=body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="notifications-{plan_id}.csv"'})
