"""HTTP routes of daily operations: runs of a date, consolidation, statistics, manifests and
centre rider lists (no logic: see the service)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import NotAcceptableError, problem_responses
from api.grants.rules_store import absence_rules_in_force
from api.manifests import service
from api.manifests.schemas import (
    AcceptedConsolidationOut,
    AcceptIn,
    AcceptOut,
    CancelledRunOut,
    ConsolidationOut,
    DayOut,
    MovedRiderOut,
    RefusedOut,
    RemovedRiderOut,
    SuggestionOut,
    UnavailableRunOut,
)
from api.schemas import SaneDate, time_text
from api.uploads import content_disposition
from maps.manifest.html import render_centre_list_html, render_manifest_html
from maps.manifest.pdf import render_centre_list_pdf
from routing.operations.consolidation import ConsolidationSuggestion, notification_lines
from routing.planning.plan_io import run_to_dict

router = api_router(tags=["days"])


def _moved(s: ConsolidationSuggestion) -> list[MovedRiderOut]:
    return [MovedRiderOut(rider_id=mv.rider_id, from_run_id=mv.from_run_id,
                          to_run_id=mv.to_run_id, direction=mv.direction,
                          old_pickup=time_text(mv.old_agreed_s),
                          new_pickup=time_text(mv.new_agreed_s), shift_s=mv.shift_s)
            for mv in s.moved]


@router.get("/days/{on_date}/runs", response_model=DayOut,
            responses=problem_responses(404, 409, 422),
            summary="The runs that drive on a date: the plan in force minus closures and afbud",
            description="Riders of closed centres and absent riders are taken off; every "
            "remaining rider keeps the agreed pickup time; runs left empty are cancelled with "
            "the cost saved. Drivers see their vehicle's runs only.")
def day_runs(on_date: SaneDate, db: DbSession, who: CurrentUser, context: Context,
             vehicle_id: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    current = service.day_for(db, who, context, on_date, absence_rules_in_force(db, context))
    result = current.result
    only = vehicle_id if who.is_coordinator else who.vehicle_id
    if only is not None:
        service.visible_vehicle_runs(who, current, only)
    runs = [r for r in result.runs if only is None or r.vehicle_id == only]
    planned_ids = {r.run_id for r in result.planned if only is None or r.vehicle_id == only}
    return DayOut(
        date=on_date, weekday=result.weekday, plan_id=current.plan_id,
        closed_centres=sorted(result.closed_centres),
        runs=[run_to_dict(r) for r in runs],
        cancelled=[CancelledRunOut(run_id=c.run_id, vehicle_id=c.vehicle_id,
                                   direction=c.direction, reason=c.reason,
                                   saved_ore=c.saved_ore, rider_ids=list(c.rider_ids))
                   for c in result.cancelled if c.run_id in planned_ids],
        removed=[RemovedRiderOut(run_id=r.run_id, rider_id=r.rider_id, direction=r.direction,
                                 reason=r.reason)
                 for r in result.removed if r.run_id in planned_ids],
        unserved=[{"rider_id": u.rider_id, "session_id": u.session_id,
                   "direction": u.direction, "reason": u.reason}
                  for u in result.unserved] if only is None else [],
        planned_cost_ore=result.planned_cost_ore, cost_ore=result.cost_ore,
        saved_ore=result.saved_ore,
        consolidations=[AcceptedConsolidationOut(
            consolidation_id=rec.consolidation_id, absorbed_run_id=rec.absorbed_run_id,
            target_run_id=rec.target_run_id, saved_ore=rec.saved_ore, applied=applied,
            accepted_by=rec.accepted_by, accepted_at=rec.accepted_at)
            for rec, applied in current.accepted],
        unavailable=[UnavailableRunOut(**u.to_dict()) for u in current.unavailable
                     if only is None or u.vehicle_id == only],
    )


@router.get("/days/{on_date}/consolidation", response_model=ConsolidationOut,
            responses=problem_responses(404, 409, 422),
            summary="Suggested merges of nearly empty runs on a date (nothing changes yet)")
def consolidation(on_date: SaneDate, db: DbSession, who: CurrentUser, context: Context) -> Any:
    report = service.suggestions(db, who, context, on_date, absence_rules_in_force(db, context))
    return ConsolidationOut(
        date=on_date, max_shift_s=context.settings.consolidation_max_shift_s,
        suggestions=[SuggestionOut(
            absorbed_run_id=s.absorbed_run_id, target_run_id=s.target_run_id,
            direction=s.direction, saved_ore=s.saved_ore, max_shift_s=s.max_shift_s,
            moved=_moved(s), riders_changing_vehicle=list(s.riders_changing_vehicle),
            description=s.describe()) for s in report.suggestions],
        refused=[RefusedOut(absorbed_run_id=r.absorbed_run_id, target_run_id=r.target_run_id,
                            reason=r.reason, max_shift_s=r.max_shift_s)
                 for r in report.refused],
    )


@router.post("/days/{on_date}/consolidation", response_model=AcceptOut, status_code=201,
             responses=problem_responses(404, 409, 422),
             summary="Accept a suggested merge; lists the riders to notify")
def accept_consolidation(on_date: SaneDate, data: AcceptIn, db: DbSession, who: CurrentUser,
                         context: Context) -> Any:
    record, chosen = service.accept(db, who, context, on_date, data.absorbed_run_id,
                                    data.target_run_id, absence_rules_in_force(db, context),
                                    context.now())
    return AcceptOut(consolidation_id=record.consolidation_id, date=on_date,
                     absorbed_run_id=record.absorbed_run_id,
                     target_run_id=record.target_run_id, saved_ore=record.saved_ore,
                     notify=_moved(chosen), notification_lines=notification_lines(chosen))


@router.get("/statistics", responses={200: {"content": {"application/json": {}},
                                            "description": "Counts per rider, centre, month"},
                                      **problem_responses(404, 409, 422)},
            summary="Afbud on time/late, no-shows, cancelled runs and savings in a period "
            "(at most 92 days)")
def statistics(db: DbSession, who: CurrentUser, context: Context,
               from_: Annotated[SaneDate, Query(alias="from")],
               to: Annotated[SaneDate, Query()]) -> dict[str, Any]:
    return service.statistics(db, who, context, from_, to, absence_rules_in_force(db, context))


_DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON, printable HTML or PDF (`?format=` or the `Accept` header)",
          "content": {"application/json": {"schema": {"type": "object"}},
                      "text/html": {"schema": {"type": "string"}},
                      "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    **problem_responses(404, 406, 409, 422),
}
Format = Annotated[str | None, Query(pattern="^(json|html|pdf)$",
                                     description="json, html or pdf; overrides Accept.")]


def _document(body: dict[str, Any], fmt: str, html: Any, pdf: Any, filename: str) -> Response:
    # The PDF is the HTML printed (maps.manifest.pdf): one layout for both.
    if fmt == "html":
        return HTMLResponse(html(body))
    if fmt == "pdf":
        if pdf is None:
            raise NotAcceptableError("this document has no PDF form; use json or html")
        return Response(pdf(), media_type="application/pdf",
                        headers={"Content-Disposition": content_disposition(
                            "inline", f"{filename}.pdf")})
    return JSONResponse(body)


@router.get("/days/{on_date}/manifests", response_model=list[str],
            responses=problem_responses(404, 409, 422),
            summary="Vehicles with a manifest on a date (drivers: their own)")
def manifest_vehicles(on_date: SaneDate, db: DbSession, who: CurrentUser, context: Context) -> Any:
    return service.manifest_vehicles(db, who, context, on_date, absence_rules_in_force(db, context))


@router.get("/days/{on_date}/manifests/{vehicle_id}", response_class=Response,
            responses=_DOCUMENT_RESPONSES,
            summary="A driver's manifest (køreliste) of a vehicle and date",
            description="Ordered stops with time, address, rider names and needs, cancelled "
            "riders struck out, and a small route map. Drivers get only their own vehicle's "
            "manifest (another vehicle's answers 404).")
def manifest(on_date: SaneDate, vehicle_id: str, db: DbSession, who: CurrentUser, context: Context,
             request: Request, format: Format = None) -> Response:
    fmt = service.negotiate(format, request.headers.get("accept"), service.FORMATS)
    doc = service.manifest(db, who, context, on_date, vehicle_id,
                           absence_rules_in_force(db, context))
    if fmt == "json":
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            return Response(doc.gzip_bytes(), media_type="application/json",
                            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return Response(doc.json_bytes(), media_type="application/json",
                        headers={"Vary": "Accept-Encoding"})
    return _document(doc.body, fmt, render_manifest_html, doc.pdf_bytes,
                     f"koereliste-{vehicle_id}-{on_date.isoformat()}")


@router.get("/centres/{centre_id}/days/{on_date}/riders", response_class=Response,
            responses=_DOCUMENT_RESPONSES,
            summary="A centre's rider list (deltagerliste) of a date",
            description="Who arrives on which run and when, who goes home when, who is absent. "
            "JSON, printable HTML or its PDF.")
def centre_list(centre_id: str, on_date: SaneDate, db: DbSession, who: CurrentUser,
                context: Context, request: Request, format: Format = None) -> Response:
    fmt = service.negotiate(format, request.headers.get("accept"), service.FORMATS)
    body = service.centre_list(db, who, context, centre_id, on_date,
                               absence_rules_in_force(db, context))
    return _document(body, fmt, render_centre_list_html, lambda: render_centre_list_pdf(body),
                     f"deltagerliste-{centre_id}-{on_date.isoformat()}")
