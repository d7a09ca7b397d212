"""Centres, sessions (moduler) and closures over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from api.db import models as m
from api.schemas import (
    Address,
    ApiModel,
    Id,
    Latitude,
    Longitude,
    Name,
    OutModel,
    SaneDate,
    TimeOfDay,
    time_seconds,
    time_text,
)

Weekday = Literal["mon", "tue", "wed", "thu", "fri"]


class CentreFields(ApiModel):
    name: Name
    lat: Latitude
    lon: Longitude
    address: Address = ""


class CentreIn(CentreFields):
    centre_id: Id


class CentreOut(OutModel):
    centre_id: str
    name: str
    lat: float
    lon: float
    address: str
    created_at: datetime
    updated_at: datetime


class SessionFields(ApiModel):
    weekday: Weekday
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _start_before_end(self) -> SessionFields:
        if time_seconds(self.start) >= time_seconds(self.end):
            raise ValueError(f"start {self.start} is not before end {self.end}")
        return self


class SessionIn(SessionFields):
    session_id: Id


class SessionOut(OutModel):
    session_id: str
    centre_id: str
    weekday: str
    start: str
    end: str

    @classmethod
    def of(cls, row: m.Session) -> SessionOut:
        return cls(session_id=row.session_id, centre_id=row.centre_id, weekday=row.weekday,
                   start=time_text(row.start_s), end=time_text(row.end_s))


class ClosureIn(ApiModel):
    start: SaneDate = Field(description="First closed day.")
    end: SaneDate | None = Field(default=None, description="Last day (inclusive); none: one day.")
    reason: str = Field(default="", max_length=300, examples=["Sommerferie"])

    @model_validator(mode="after")
    def _ordered(self) -> ClosureIn:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ClosureOut(OutModel):
    closure_id: int
    centre_id: str
    start: date
    end: date
    reason: str
    created_by: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: m.Closure) -> ClosureOut:
        return cls(closure_id=row.closure_id, centre_id=row.centre_id, start=row.start_date,
                   end=row.end_date, reason=row.reason, created_by=row.created_by,
                   created_at=row.created_at)


class ClosureImportOut(OutModel):
    created: int
    existing: int
    closures: list[ClosureOut]


class OpenDayOut(OutModel):
    date: date
    open: bool
    reason: str | None
