"""HTTP routes of absences (afbud), no-shows and long absences."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response, status

from api.absences import service
from api.absences.schemas import (
    AbsenceEnd,
    AbsenceIn,
    AbsenceOut,
    LongAbsenceOut,
    NoShowIn,
    NoShowOut,
)
from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.grants.rules_store import absence_rules_in_force
from api.schemas import IntId, SaneDate

router = api_router(tags=["absences"])

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
OptionalId = Annotated[str | None, Query(max_length=64)]


@router.post(
    "/absences", response_model=AbsenceOut, status_code=status.HTTP_201_CREATED,
    responses={200: {"model": AbsenceOut, "description": "The same afbud was registered "
                     "before; it is returned unchanged"}, **problem_responses(404, 422)},
    summary="Register an afbud (one day, a period, or until further notice)",
)
def register_absence(data: AbsenceIn, db: DbSession, who: CurrentUser, context: Context,
                     response: Response) -> Any:
    rules = absence_rules_in_force(db, context)
    row, created = service.register(db, who, data, rules, context.now())
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/absences/{row.absence_id}"
    return AbsenceOut.of(row)


@router.get("/absences", response_model=list[AbsenceOut], responses=problem_responses(404, 422),
            summary="List afbud (centre staff: their centres' riders)")
def list_absences(
    db: DbSession, who: CurrentUser, rider_id: OptionalId = None, centre_id: OptionalId = None,
    from_: Annotated[SaneDate | None, Query(alias="from", description="Overlapping this day or "
                                        "later.")] = None,
    to: Annotated[SaneDate | None, Query(description="Overlapping this day or earlier.")] = None,
    include_withdrawn: bool = False, limit: Limit = 200, offset: Offset = 0,
) -> Any:
    rows = service.list_absences(db, who, rider_id=rider_id, centre_id=centre_id, first=from_,
                                 last=to, include_withdrawn=include_withdrawn, limit=limit,
                                 offset=offset)
    return [AbsenceOut.of(r) for r in rows]


@router.get("/absences/long", response_model=list[LongAbsenceOut],
            responses=problem_responses(404, 422),
            summary="Riders absent more than N consecutive days (follow-up list)")
def long_absences(
    db: DbSession, who: CurrentUser, context: Context,
    on: Annotated[SaneDate | None, Query(alias="date", description="Default: today.")] = None,
    min_days: Annotated[int | None, Query(ge=1, le=3650, description="Default: the "
                                          "service's setting (21).")] = None,
    centre_id: OptionalId = None,
) -> Any:
    rows = service.long_absences(db, who, on or context.today(), min_days, centre_id,
                                 absence_rules_in_force(db, context))
    return [LongAbsenceOut(rider_id=a.rider_id, centre_id=a.centre_id,
                           absent_since=a.absent_since, absent_until=a.absent_until,
                           days=a.days) for a in rows]


@router.get("/absences/{absence_id}", response_model=AbsenceOut,
            responses=problem_responses(404), summary="Get an afbud")
def get_absence(absence_id: IntId, db: DbSession, who: CurrentUser) -> Any:
    return AbsenceOut.of(service.visible_absence(db, who, absence_id))


@router.post("/absences/{absence_id}/withdraw", response_model=AbsenceOut,
             responses=problem_responses(404), summary="Withdraw an afbud (idempotent)")
def withdraw_absence(absence_id: IntId, db: DbSession, who: CurrentUser,
                     context: Context) -> Any:
    return AbsenceOut.of(service.withdraw(db, who, absence_id, context.now()))


@router.post("/absences/{absence_id}/end", response_model=AbsenceOut,
             responses=problem_responses(404, 409, 422),
             summary="Set the last day of an afbud (e.g. one until further notice)")
def end_absence(absence_id: IntId, data: AbsenceEnd, db: DbSession, who: CurrentUser,
                context: Context) -> Any:
    return AbsenceOut.of(service.end_absence(db, who, absence_id, data.last_day, context.now()))


@router.post(
    "/no-shows", response_model=NoShowOut, status_code=status.HTTP_201_CREATED,
    responses={200: {"model": NoShowOut, "description": "Already recorded"},
               **problem_responses(404, 409, 422)},
    summary="Record a no-show (forgæves kørsel) on a run of the plan in force",
)
def record_no_show(data: NoShowIn, db: DbSession, who: CurrentUser, context: Context,
                   response: Response) -> Any:
    row, created = service.record_no_show(db, who, data, context.now(), context.today())
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.post("/no-shows/{no_show_id}/keep-ride-home", response_model=NoShowOut,
             responses=problem_responses(404),
             summary="Keep the ride home after a morning no-show (someone said so)")
def keep_ride_home(no_show_id: IntId, db: DbSession, who: CurrentUser) -> Any:
    return service.keep_ride_home(db, who, no_show_id)


@router.get("/no-shows", response_model=list[NoShowOut], responses=problem_responses(404, 422),
            summary="List no-shows (drivers: their vehicle's; centre staff: their riders')")
def list_no_shows(
    db: DbSession, who: CurrentUser, rider_id: OptionalId = None,
    from_: Annotated[SaneDate | None, Query(alias="from")] = None,
    to: Annotated[SaneDate | None, Query()] = None, limit: Limit = 200, offset: Offset = 0,
) -> Any:
    return service.list_no_shows(db, who, rider_id=rider_id, first=from_, last=to, limit=limit,
                                 offset=offset)
