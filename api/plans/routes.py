"""HTTP routes of weekly plans (no logic: see the service and the job runner)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import BackgroundTasks, Query, Response, status

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.plans import service
from api.plans.schemas import (
    MarginalCostOut,
    PlanCreate,
    PlanDiffOut,
    PlanOut,
    PlanStatus,
    PlanStatusOut,
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


@router.post("/{plan_id}/publish", response_model=PlanStatusOut,
             responses=problem_responses(404, 409, 422),
             summary="Publish a finished plan: daily runs follow it from now on",
             description="409 when the plan is not done, or when the independent checker found "
             "errors in it (unless `force=true`: recorded in the audit log).")
def publish_plan(plan_id: IntId, db: DbSession, who: CurrentUser,
                 force: Annotated[bool, Query()] = False) -> Any:
    return PlanStatusOut.of(service.publish_plan(db, who, plan_id, force))


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
    from fastapi.responses import JSONResponse

    body = service.plan_geojson(db, who, context, plan_id, weekday)
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/{plan_id}/marginal-costs", response_model=list[MarginalCostOut],
            responses=problem_responses(404, 409),
            summary="What the plan costs with and without each rider")
def marginal_costs(plan_id: IntId, db: DbSession, who: CurrentUser, context: Context) -> Any:
    return service.marginal_costs(db, who, context, plan_id)
