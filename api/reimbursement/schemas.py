"""Reimbursement decisions over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.db import models as m
from api.schemas import ApiModel, OutModel, SaneDate


class RulesIn(ApiModel):
    bicycle_max_m: int = Field(default=10_000, ge=0, le=200_000)
    car_rate: Literal["low", "high"] = "low"
    public_transport_wheelchair: bool = False
    walk_max_m: int = Field(default=500, ge=0, le=5_000)
    min_per_trip_ore: int = Field(default=500, ge=0, le=100_000)


class CentreAssessmentIn(ApiModel):
    """The centre's concrete assessment that the shared ride is not an option: who, when, why."""

    assessed_by: str = Field(min_length=1, max_length=200)
    assessed_on: SaneDate
    reason: str = Field(min_length=1, max_length=2000)


class AssessmentIn(ApiModel):
    year: int | None = Field(default=None, ge=2000, le=2100,
                             description="Year of the rates; default: this year.")
    plan_id: int | None = Field(default=None, description="Plan to check the rider against; "
                                "default: the plan in force (if any).")
    use_plan: bool = Field(default=True, description="False: decide on the centre's "
                           "assessment alone.")
    centre_assessment: CentreAssessmentIn | None = Field(
        default=None,
        description="The centre's assessment; default: the one stored on the rider (if it says "
        "who, when and why). Without it no reimbursement is granted.")
    cost_multiple: float | None = Field(default=None, gt=0, le=100)
    rules: RulesIn | None = None
    decided_on: SaneDate | None = None
    grant_from: SaneDate | None = Field(
        default=None, description="The decision's grant from this day: warranted, the "
        "reimbursement grant (the rider leaves the plan in force); not warranted while the "
        "rider has reimbursement or none then, the shared ride again (that grant ends the day "
        "before; the rider goes back into the plan when nobody moves). See "
        "/riders/{id}/grants.")
    decided_by: str | None = Field(default=None, max_length=200, description="Who decided "
                                   "(for the grant); default: the caller's name.")


class RecomputeIn(ApiModel):
    year: int = Field(ge=2000, le=2100, description="Year of the new rates.")
    decided_on: SaneDate | None = None


class DecisionOut(OutModel):
    decision_id: int
    rider_id: str
    plan_id: int | None
    warranted: bool
    supersedes_id: int | None
    created_by: int | None
    created_at: datetime
    inputs: dict[str, Any]
    decision: dict[str, Any] = Field(description="The decision, schema "
                                     "samkorsel.reimbursement/1 (with the Danish letter).")

    @classmethod
    def of(cls, row: m.ReimbursementRecord) -> DecisionOut:
        return cls(decision_id=row.decision_id, rider_id=row.rider_id, plan_id=row.plan_id,
                   warranted=row.warranted, supersedes_id=row.supersedes_id,
                   created_by=row.created_by, created_at=row.created_at, inputs=row.inputs,
                   decision=row.decision)
