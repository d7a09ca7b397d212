"""HTTP routes of reimbursement decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response, status

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.reimbursement import service
from api.reimbursement.schemas import AssessmentIn, DecisionOut, RecomputeIn
from api.schemas import IntId

router = api_router(tags=["reimbursement"])


@router.post(
    "/riders/{rider_id}/reimbursement", response_model=DecisionOut,
    status_code=status.HTTP_201_CREATED, responses=problem_responses(404, 409, 422, 503),
    summary="Decide on reimbursement instead of the shared ride (stored, with the letter)",
    description="Warranted only when the centre has assessed that the shared ride is not an "
    "option, the plan cannot serve the rider, or serving them costs more than the cost "
    "multiple times the cheapest reasonable alternative. The answer names the chosen and "
    "excluded means, amounts per trip/week/month, the legal basis and a Danish decision text "
    "with appeal guidance.",
)
def create_decision(rider_id: str, data: AssessmentIn, db: DbSession, who: CurrentUser,
                    context: Context, response: Response) -> Any:
    row = service.create_decision(db, who, context, rider_id, data)
    response.headers["Location"] = f"/api/v1/reimbursement-decisions/{row.decision_id}"
    return DecisionOut.of(row)


@router.get("/riders/{rider_id}/reimbursement", response_model=list[DecisionOut],
            responses=problem_responses(404, 422),
            summary="A rider's reimbursement decisions, newest first")
def list_decisions(rider_id: str, db: DbSession, who: CurrentUser,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Any:
    return [DecisionOut.of(r) for r in service.list_decisions(db, who, rider_id, limit, offset)]


@router.get("/reimbursement-decisions/{decision_id}", response_model=DecisionOut,
            responses=problem_responses(404), summary="A stored decision")
def get_decision(decision_id: IntId, db: DbSession, who: CurrentUser) -> Any:
    return DecisionOut.of(service.visible_decision(db, who, decision_id))


@router.post("/reimbursement-decisions/{decision_id}/recompute", response_model=DecisionOut,
             status_code=status.HTTP_201_CREATED, responses=problem_responses(404, 409, 422),
             summary="Recompute a decision under another year's rates (a new, superseding "
             "record)")
def recompute_decision(decision_id: IntId, data: RecomputeIn, db: DbSession, who: CurrentUser,
                       context: Context) -> Any:
    return DecisionOut.of(service.recompute_decision(db, who, context, decision_id, data))


@router.get("/reimbursement-candidates", response_model=list[dict[str, Any]],
            responses=problem_responses(404, 409, 422),
            summary="Riders to consider for the centre's assessment (never a grant)",
            description="Unserved trips, or a marginal cost in the plan above the cost multiple "
            "times the cheapest reasonable means: 'Overvej en vurdering: samkørslen koster X om "
            "ugen for denne borger'. Reimbursement itself needs the centre's assessment.")
def list_candidates(db: DbSession, who: CurrentUser, context: Context,
                    plan_id: int | None = None,
                    year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Any:
    return service.list_candidates(db, who, context, plan_id, year)
