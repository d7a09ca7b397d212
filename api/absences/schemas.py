"""Absences (afbud), no-shows and long absences over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from api.db import models as m
from api.schemas import ApiModel, Id, OutModel, SaneDate

ReportedBy = Literal["rider", "relative", "centre", "coordinator"]
Scope = Literal["both", "to_centre", "from_centre"]


class AbsenceIn(ApiModel):
    rider_id: Id
    start: SaneDate = Field(description="First day absent.")
    end: SaneDate | None = Field(default=None, description="Last day absent (inclusive); "
                             "null: until further notice.")
    reason: str = Field(default="", max_length=300, examples=["Sygdom"])
    reported_by: ReportedBy = Field(default="centre", description="Who reported the afbud.")
    scope: Scope = Field(default="both", description="Which rides are cancelled.")

    @model_validator(mode="after")
    def _ordered(self) -> AbsenceIn:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class AbsenceOut(OutModel):
    absence_id: int
    rider_id: str
    start: date
    end: date | None
    reason: str
    scope: str
    reported_by: str
    late: bool = Field(description="Registered after the deadline (default 16:00 the working "
                       "day before the first day); still honoured when the run has not started.")
    status: Literal["active", "withdrawn"]
    registered_by: int | None
    registered_at: datetime
    withdrawn_by: int | None
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, row: m.Absence) -> AbsenceOut:
        return cls(absence_id=row.absence_id, rider_id=row.rider_id, start=row.start_date,
                   end=row.end_date, reason=row.reason, scope=row.scope,
                   reported_by=row.reported_by,
                   late=row.late, status="withdrawn" if row.withdrawn_at else "active",
                   registered_by=row.registered_by, registered_at=row.registered_at,
                   withdrawn_by=row.withdrawn_by, withdrawn_at=row.withdrawn_at)


class AbsenceEnd(ApiModel):
    last_day: SaneDate = Field(description="The last day absent (inclusive).")


class NoShowIn(ApiModel):
    rider_id: Id
    date: SaneDate
    run_id: str = Field(min_length=1, max_length=128)
    keep_ride_home: bool = Field(default=False, description="A morning no-show cancels the "
                                 "ride home unless this is set.")
    note: str = Field(default="", max_length=300)


class NoShowOut(OutModel):
    no_show_id: int
    rider_id: str
    date: date
    run_id: str
    vehicle_id: str
    direction: str
    keep_ride_home: bool
    note: str
    recorded_by: int | None
    recorded_at: datetime


class LongAbsenceOut(OutModel):
    rider_id: str
    centre_id: str
    absent_since: date
    absent_until: date | None = Field(description="Last registered day; null: until further "
                                      "notice.")
    days: int = Field(description="Consecutive days absent up to the given date.")
