"""Grants, municipality rules, long-absence follow-ups and complaints over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from api.db import models as m
from api.schemas import ApiModel, OutModel

GrantKindIn = Literal["shared_ride", "reimbursement", "none"]
Who = Field(min_length=1, max_length=200)


class GrantIn(ApiModel):
    kind: GrantKindIn = Field(description="shared_ride, reimbursement (instead of the shared "
                              "ride) or none.")
    start: date
    end: date | None = Field(default=None, description="Last day; empty: until further notice.")
    decided_by: str = Field(min_length=1, max_length=200, description="Who decided (name or "
                            "title at the authority).")
    decided_on: date
    means: str = Field(default="", max_length=200, description="The means granted (e.g. "
                       "samkørsel, public_transport, own_car), as in the § 141 plan.")
    review_on: date | None = None
    decision_id: int | None = Field(default=None, description="The reimbursement decision "
                                    "behind the grant, if any.")
    note: str = Field(default="", max_length=2000)
    resume_shared_ride: bool = Field(
        default=True, description="Reimbursement or none with an end: record the shared ride "
        "from the day after (as ending the grant does). Ignored otherwise.")


class GrantEndIn(ApiModel):
    last_day: date
    resume_shared_ride: bool = Field(
        default=True, description="Ending a reimbursement (or no) grant: record the shared "
        "ride from the day after (until the rider's next grant, if any) and put the rider back "
        "into the plan in force when that moves nobody. Ignored for a shared-ride grant.")
    decided_by: str | None = Field(default=None, max_length=200, description="Who decided the "
                                   "shared ride again; default: the caller's name.")
    decided_on: date | None = Field(default=None, description="Default: today.")


class GrantOut(OutModel):
    grant_id: int
    rider_id: str
    kind: str
    start: date
    end: date | None
    decided_by: str
    decided_on: date
    means: str
    review_on: date | None
    decision_id: int | None
    note: str
    created_by: int | None
    created_at: datetime


PlanOutcome = Literal["taken_out", "not_in_plan", "back_in_plan", "awaiting", "in_plan"]


class GrantCreatedOut(OutModel):
    grant: GrantOut
    ended: list[GrantOut] = Field(default_factory=list, description="Grants the new one ended "
                                  "the day before its start (grants do not overlap).")
    outcome: PlanOutcome = Field(description="taken_out: out of the plan in force; not_in_plan: "
                                 "nothing to take out; back_in_plan: put back into it, nobody "
                                 "else moves; awaiting: not in it (see /grants/awaiting-start, "
                                 "choose an insertion with /plans/{id}/insert); in_plan: "
                                 "already in it.")
    plan_id: int | None = Field(default=None, description="The new version of the plan in "
                                "force (the rider taken out or put back), if one was published.")
    message: str
    resumed: GrantCreatedOut | None = Field(
        default=None, description="Reimbursement or none with an end: the shared ride recorded "
        "from the day after, with what it did to the plan in force.")


class GrantEndedOut(GrantOut):
    resumed: GrantCreatedOut | None = Field(
        default=None, description="The shared ride recorded from the day after, with what it "
        "did to the plan in force (None: not resumed).")


class AwaitingStartOut(OutModel):
    rider_id: str
    centre_id: str
    granted_from: date | None
    due: date | None
    days_left: int | None


class RulesOut(OutModel):
    rules: dict[str, Any]
    appeal_text_da: str


class RulesIn(ApiModel):
    rules: dict[str, Any] = Field(description="The [rules] table of scenario.toml as JSON "
                                  "(e.g. {\"preset\": \"randers\"}).")


class FollowUpIn(ApiModel):
    rider_id: str = Field(min_length=1, max_length=64)
    absence_start: date = Field(description="First day of the long absence acknowledged.")
    contacted_by: str = Who
    contacted_on: date
    note: str = Field(default="", max_length=2000)


class FollowUpOut(OutModel):
    followup_id: int
    rider_id: str
    absence_start: date
    contacted_by: str
    contacted_on: date
    note: str
    created_at: datetime


class LongAbsenceOut(OutModel):
    rider_id: str
    centre_id: str
    start: date
    end: date | None
    days: int
    ended: bool
    notify: str
    acknowledged: FollowUpOut | None


ComplaintStatus = Literal["received", "upheld", "changed", "forwarded"]


class ComplaintIn(ApiModel):
    received_on: date
    complainant: str = Field(default="", max_length=200)
    text: str = Field(default="", max_length=5000)


class ComplaintUpdateIn(ApiModel):
    status: ComplaintStatus
    on: date | None = Field(default=None, description="Date of the step (forwarded: when).")
    note: str = Field(default="", max_length=5000)


class ComplaintOut(OutModel):
    complaint_id: int
    decision_id: int
    rider_id: str
    received_on: date
    complainant: str
    text: str
    status: str
    reassess_by: date | None
    outcome_note: str
    forwarded_on: date | None
    forwarded_to: str
    created_at: datetime
    deadlines: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, row: m.Complaint, deadlines: dict[str, Any]) -> ComplaintOut:
        out = cls.model_validate(row)
        out.deadlines = deadlines
        return out


class ClosuresImportOut(OutModel):
    rows: int = Field(description="Closures in the file.")
    created: int = Field(description="Of them (per centre for *), newly stored.")


class RecurringClosureOut(OutModel):
    closure_id: int
    centre_id: str
    start: str
    end: str
    reason: str


class NoShowAlertOut(OutModel):
    rider_id: str
    name: str
    centre_id: str
    run_id: str
    direction: str
    ride_home_cancelled: bool
