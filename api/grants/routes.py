"""HTTP routes of grants and the municipality's rules (no logic: see the services)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query, Response, UploadFile, status

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import UnprocessableError, problem_responses
from api.grants import (
    closures,
    complaints,
    followups,
    noshow_alerts,
    rules_store,
    service,
)
from api.grants.schemas import (
    AwaitingStartOut,
    ClosuresImportOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintUpdateIn,
    FollowUpIn,
    FollowUpOut,
    GrantCreatedOut,
    GrantEndedOut,
    GrantEndIn,
    GrantIn,
    GrantOut,
    LongAbsenceOut,
    NoShowAlertOut,
    RecurringClosureOut,
    RulesIn,
    RulesOut,
)
from api.schemas import IntId
from api.uploads import read_upload
from routing.municipality.rules import RulesError, rules_from_mapping

router = api_router(tags=["grants"])

ComplaintFilter = Annotated[Literal["received", "upheld", "changed", "forwarded"] | None,
                            Query(alias="status")]


@router.post("/riders/{rider_id}/grants", response_model=GrantCreatedOut,
             status_code=status.HTTP_201_CREATED, responses=problem_responses(404, 409, 422),
             summary="Record what the rider is granted (shared ride, reimbursement, none)",
             description="The new grant ends the rider's grant in force (or an earlier-starting "
             "one) the day before its start; it may not overlap a grant starting on or after "
             "it (409). Reimbursement or none: the rider is taken out of the plan in force "
             "through the living plan (nobody else moves), published from the grant's start. "
             "A shared ride following reimbursement or none: the rider goes back into the plan "
             "when an insertion moves nobody, else waits at /grants/awaiting-start.")
def create_grant(rider_id: str, data: GrantIn, db: DbSession, who: CurrentUser,
                 context: Context, response: Response) -> Any:
    result = service.create_grant(db, who, context, rider_id, data)
    response.headers["Location"] = f"/api/v1/riders/{rider_id}/grants"
    return created_out(result)


def created_out(result: service.GrantResult) -> GrantCreatedOut:
    return GrantCreatedOut(grant=GrantOut.model_validate(result.grant),
                           ended=[GrantOut.model_validate(r) for r in result.ended],
                           outcome=result.effect.outcome, plan_id=result.effect.plan_id,
                           message=result.effect.message,
                           resumed=created_out(result.resumed) if result.resumed else None)


@router.get("/riders/{rider_id}/grants", response_model=list[GrantOut],
            responses=problem_responses(404), summary="A rider's grants, newest first")
def list_grants(rider_id: str, db: DbSession, who: CurrentUser) -> Any:
    return service.list_grants(db, who, rider_id)


@router.post("/grants/{grant_id}/end", response_model=GrantEndedOut,
             responses=problem_responses(404, 409, 422), summary="End a grant on a day",
             description="Ending a reimbursement (or no) grant resumes the shared ride from the "
             "day after (resume_shared_ride, default true): the rider goes back into the plan "
             "in force when an insertion moves nobody, else waits at /grants/awaiting-start.")
def end_grant(grant_id: IntId, data: GrantEndIn, db: DbSession, who: CurrentUser,
              context: Context) -> Any:
    row, resumed = service.end_grant(db, who, context, grant_id, data)
    return GrantEndedOut.model_validate(row).model_copy(
        update={"resumed": created_out(resumed) if resumed else None})


@router.get("/grants/awaiting-start", response_model=list[AwaitingStartOut],
            summary="Riders granted the shared ride but not yet in the plan in force",
            description="With the days left of the start promise (rules: start_promise_days, "
            "Brønderslev 14).")
def awaiting_start(db: DbSession, who: CurrentUser, context: Context,
                   on: date | None = None) -> Any:
    return [a.to_dict() for a in service.awaiting(db, who, context, on)]


@router.get("/rules", response_model=RulesOut, summary="The municipality's rules in force")
def get_rules(db: DbSession, who: CurrentUser, context: Context) -> Any:
    who.require("coordinator", "centre")
    # With no rules stored, the service's defaults (the afbud deadline from its settings).
    rules = rules_store.rules_in_force(db, context)
    return RulesOut(rules=rules.to_dict(), appeal_text_da=rules.appeal_text_da())


@router.put("/rules", response_model=RulesOut, responses=problem_responses(422),
            summary="Set the municipality's rules (a [rules] table, e.g. a preset)")
def put_rules(data: RulesIn, db: DbSession, who: CurrentUser) -> Any:
    who.require("coordinator")
    try:
        rules = rules_from_mapping(data.rules)
    except RulesError as exc:
        raise UnprocessableError(str(exc), errors=[{"in": "body", "field": f"rules.{exc.key}",
                                                    "detail": str(exc),
                                                    "type": "value_error"}]) from exc
    rules_store.store_rules(db, rules)
    return RulesOut(rules=rules.to_dict(), appeal_text_da=rules.appeal_text_da())


@router.post("/closures/import", response_model=ClosuresImportOut,
             responses=problem_responses(413, 422),
             summary="Import a whole closures.csv (all centres, * = every centre; once as "
             "YYYY-MM-DD or every year as MM-DD or Www)")
def import_closures(file: UploadFile, db: DbSession, who: CurrentUser, context: Context) -> Any:
    content = read_upload(file, context.settings.max_upload_bytes)
    total, created = closures.import_all(db, who, file.filename or "closures.csv", content)
    return ClosuresImportOut(rows=total, created=created)


@router.get("/closures/recurring", response_model=list[RecurringClosureOut],
            summary="Closures every year (MM-DD or Www)")
def list_recurring(db: DbSession, who: CurrentUser) -> Any:
    return closures.list_recurring(db, who)


@router.delete("/closures/recurring/{closure_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=problem_responses(404), summary="Delete a closure every year")
def delete_recurring(closure_id: IntId, db: DbSession, who: CurrentUser) -> None:
    closures.delete_recurring(db, who, closure_id)


def _followup_out(row: followups.FollowUpRow, notify: str) -> LongAbsenceOut:
    f = row.follow_up
    return LongAbsenceOut(
        rider_id=row.rider_id, centre_id=row.centre_id, start=f.start, end=f.end, days=f.days,
        ended=f.ended, notify=notify,
        acknowledged=FollowUpOut.model_validate(row.acknowledged) if row.acknowledged else None)


@router.get("/follow-ups", response_model=list[LongAbsenceOut],
            responses=problem_responses(404),
            summary="Long absences to follow up (ongoing or ended), until acknowledged",
            description="More than the rules' long_absence_days (Randers: three weeks) of "
            "continuous afbud; an absence that has ended stays listed until the centre records "
            "that it contacted the authority (rules: long_absence_notify).")
def list_followups(db: DbSession, who: CurrentUser, context: Context, on: date | None = None,
                   centre_id: str | None = None, include_acknowledged: bool = False) -> Any:
    notify = rules_store.rules_in_force(db, context).long_absence_notify
    return [_followup_out(r, notify) for r in followups.followup_rows(
        db, who, on or context.today(), centre_id, include_acknowledged,
        context.default_rules)]


@router.post("/follow-ups", response_model=FollowUpOut, status_code=status.HTTP_201_CREATED,
             responses=problem_responses(404, 422),
             summary="Record 'kontaktet Socialområdet' for a long absence (who, when)",
             description="Idempotent: the same rider and first day again answers 200 with the "
             "stored acknowledgement.")
def acknowledge_followup(data: FollowUpIn, db: DbSession, who: CurrentUser,
                         response: Response) -> Any:
    row, created = followups.acknowledge(db, who, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.post("/reimbursement-decisions/{decision_id}/complaints", response_model=ComplaintOut,
             status_code=status.HTTP_201_CREATED, responses=problem_responses(404, 422),
             summary="Record a complaint (klage) against a decision, with the date received",
             description="The answer shows the deadlines: complaint in time (klage_weeks), "
             "reassessment due (reassessment_weeks, else 4 weeks), where it goes next.")
def create_complaint(decision_id: IntId, data: ComplaintIn, db: DbSession, who: CurrentUser,
                     context: Context) -> Any:
    return complaints.out(db, context, complaints.create(db, who, context, decision_id, data))


@router.get("/complaints", response_model=list[ComplaintOut],
            responses=problem_responses(404),
            summary="Complaints, newest first (filter by decision or status)")
def list_complaints(db: DbSession, who: CurrentUser, context: Context,
                    decision_id: int | None = None, status_: ComplaintFilter = None) -> Any:
    return [complaints.out(db, context, r)
            for r in complaints.list_for(db, who, decision_id, status_)]


@router.post("/complaints/{complaint_id}/status", response_model=ComplaintOut,
             responses=problem_responses(404, 409, 422),
             summary="Reassessed (upheld, changed) or forwarded to Ankestyrelsen")
def update_complaint(complaint_id: IntId, data: ComplaintUpdateIn, db: DbSession,
                     who: CurrentUser, context: Context) -> Any:
    return complaints.out(db, context, complaints.update(db, who, context, complaint_id, data))


@router.get("/no-show-alerts", response_model=list[NoShowAlertOut],
            responses=problem_responses(404),
            summary="The day's no-shows for the centre (when the rules alert the centre)",
            description="Empty unless the municipality's rules set no_show_alert_centre; "
            "ride_home_cancelled only with no_show_cancels_ride_home.")
def no_show_alerts(db: DbSession, who: CurrentUser, context: Context, on: date | None = None,
                   centre_id: str | None = None) -> Any:
    return [NoShowAlertOut.model_validate(a, from_attributes=True)
            for a in noshow_alerts.alerts(db, who, on or context.today(), centre_id)]
