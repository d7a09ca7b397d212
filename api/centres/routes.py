"""HTTP routes of centres, sessions, closures and calendars (no logic: see the service)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response, UploadFile, status

from api.centres import service
from api.centres.schemas import (
    CentreFields,
    CentreIn,
    CentreOut,
    ClosureImportOut,
    ClosureIn,
    ClosureOut,
    OpenDayOut,
    SessionFields,
    SessionIn,
    SessionOut,
)
from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.schemas import IntId, SaneDate, resource_path
from api.uploads import content_disposition, read_upload

router = api_router(prefix="/centres", tags=["centres"])

@router.get("", response_model=list[CentreOut], summary="List centres (the caller's own for "
            "centre staff)")
def list_centres(db: DbSession, who: CurrentUser) -> Any:
    return service.list_centres(db, who)


@router.post("", response_model=CentreOut, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(409, 422), summary="Create a centre")
def create_centre(data: CentreIn, db: DbSession, who: CurrentUser, response: Response,
                  context: Context) -> Any:
    centre = service.create_centre(db, who, data, context)
    response.headers["Location"] = resource_path("centres", centre.centre_id)
    return centre


@router.get("/{centre_id}", response_model=CentreOut, responses=problem_responses(404),
            summary="Get a centre")
def get_centre(centre_id: str, db: DbSession, who: CurrentUser) -> Any:
    return service.visible_centre(db, who, centre_id)


@router.put("/{centre_id}", response_model=CentreOut,
            responses=problem_responses(404, 409, 422),
            summary="Replace a centre's name, place and address (409 naming the runs when "
            "published plans drive to its old place)")
def update_centre(centre_id: str, data: CentreFields, db: DbSession, who: CurrentUser,
                  context: Context) -> Any:
    return service.update_centre(db, who, centre_id, data, context)


@router.delete("/{centre_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(404, 409), summary="Delete a centre without riders")
def delete_centre(centre_id: str, db: DbSession, who: CurrentUser,
                  context: Context) -> Response:
    service.delete_centre(db, who, centre_id, context.today())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{centre_id}/sessions", response_model=list[SessionOut],
            responses=problem_responses(404), summary="List a centre's sessions (moduler)")
def list_sessions(centre_id: str, db: DbSession, who: CurrentUser) -> Any:
    return [SessionOut.of(s) for s in service.list_sessions(db, who, centre_id)]


@router.post("/{centre_id}/sessions", response_model=SessionOut,
             status_code=status.HTTP_201_CREATED, responses=problem_responses(404, 409, 422),
             summary="Add a session")
def create_session(centre_id: str, data: SessionIn, db: DbSession, who: CurrentUser) -> Any:
    return SessionOut.of(service.create_session(db, who, centre_id, data))


@router.put("/{centre_id}/sessions/{session_id}", response_model=SessionOut,
            responses=problem_responses(404, 409, 422),
            summary="Change a session's day and times (409 naming the runs when published "
            "plans drive to or from it)")
def update_session(centre_id: str, session_id: str, data: SessionFields, db: DbSession,
                   who: CurrentUser, context: Context) -> Any:
    return SessionOut.of(service.update_session(db, who, centre_id, session_id, data,
                                                context.today()))


@router.delete("/{centre_id}/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(404, 409), summary="Delete a session nobody attends")
def delete_session(centre_id: str, session_id: str, db: DbSession,
                   who: CurrentUser) -> Response:
    service.delete_session(db, who, centre_id, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{centre_id}/closures", response_model=list[ClosureOut],
            responses=problem_responses(404), summary="List a centre's closures")
def list_closures(centre_id: str, db: DbSession, who: CurrentUser) -> Any:
    return [ClosureOut.of(c) for c in service.list_closures(db, who, centre_id)]


@router.post("/{centre_id}/closures", response_model=ClosureOut,
             status_code=status.HTTP_201_CREATED,
             responses={200: {"model": ClosureOut, "description": "The same closure existed"},
                        **problem_responses(404, 422)},
             summary="Add a closing day or period (idempotent)")
def create_closure(centre_id: str, data: ClosureIn, db: DbSession, who: CurrentUser,
                   response: Response) -> Any:
    row, created = service.create_closure(db, who, centre_id, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ClosureOut.of(row)


@router.post("/{centre_id}/closures/import", response_model=ClosureImportOut,
             responses=problem_responses(404, 413, 422),
             summary="Import closures from CSV (centre_id,start,end,reason) or iCalendar (.ics)")
def import_closures(centre_id: str, file: UploadFile, db: DbSession, who: CurrentUser,
                    context: Context) -> Any:
    content = read_upload(file, context.settings.max_upload_bytes)
    rows, created = service.import_closures(db, who, centre_id, file.filename or "closures",
                                            content)
    return ClosureImportOut(created=created, existing=len(rows) - created,
                            closures=[ClosureOut.of(r) for r in rows])


@router.delete("/{centre_id}/closures/{closure_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(404), summary="Delete a closure")
def delete_closure(centre_id: str, closure_id: IntId, db: DbSession,
                   who: CurrentUser) -> Response:
    service.delete_closure(db, who, centre_id, closure_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{centre_id}/calendar.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}},
                             "description": "Holidays, closing days and closures as iCalendar"},
                       **problem_responses(404, 422)},
            summary="Export a centre's closing days of a year as iCalendar")
def calendar_ics(centre_id: str, db: DbSession, who: CurrentUser,
                 year: Annotated[int, Query(ge=2000, le=2100)]) -> Response:
    content = service.calendar_ics(db, who, centre_id, year)
    return Response(content, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": content_disposition("attachment", f"{centre_id}-{year}.ics")})


@router.get("/{centre_id}/open-days", response_model=list[OpenDayOut],
            responses=problem_responses(404, 422),
            summary="Whether the centre is open on each day of a date range, and why not")
def open_days(centre_id: str, db: DbSession, who: CurrentUser,
              from_: Annotated[SaneDate, Query(alias="from")],
              to: Annotated[SaneDate, Query()]) -> Any:
    return [OpenDayOut(date=d, open=o, reason=r)
            for d, o, r in service.open_days(db, who, centre_id, from_, to)]
