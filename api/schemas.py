"""Types shared by the domains' request and response schemas."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path as PathParam
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from routing.model import format_hm, format_hms, parse_time

ID_PATTERN = r"^[A-Za-z0-9_.\-]+$"
"""Public ids: 1–64 ASCII letters, digits, ``-``, ``_`` and ``.``: safe in paths, file names
and headers without escaping (ids containing CR/LF, quotes or non-Latin-1 letters broke
``Content-Disposition``)."""

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN,
                          examples=["C1"])]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, examples=[55.87])]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, examples=[10.63])]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Address = Annotated[str, Field(max_length=300)]


def _check_time(text: str) -> str:
    seconds = parse_time(text)
    return format_hm(seconds) if seconds % 60 == 0 else format_hms(seconds)


TimeOfDay = Annotated[
    str,
    Field(pattern=r"^\d{2}:\d{2}(:\d{2})?$", examples=["09:00"],
          description="Time of day, HH:MM or HH:MM:SS (00:00–24:00)."),
    AfterValidator(_check_time),
]


def time_text(seconds: int) -> str:
    """Seconds since midnight as the API's ``HH:MM`` (``HH:MM:SS`` when not whole minutes)."""
    return format_hm(seconds) if seconds % 60 == 0 else format_hms(seconds)


def time_seconds(text: str) -> int:
    return parse_time(text)


FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)
"""Dates the API accepts: a sane window (a date like 0001-01-01 or 9999-12-31 is a typo, and
calendars and date arithmetic overflow at the ends of Python's range)."""


def _check_date(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"date must be between {FIRST_DATE} and {LAST_DATE}")
    return value


SaneDate = Annotated[date, AfterValidator(_check_date),
                     Field(description="ISO date YYYY-MM-DD, between 2000-01-01 and "
                           "2100-12-31.")]


def _assume_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


AwareDateTime = Annotated[datetime, AfterValidator(_assume_utc),
                          Field(description="ISO date and time; without a time zone it is "
                                "UTC.")]
"""An instant given by a client: a time without an offset means UTC (timestamps are stored in
UTC), so ``?since=2026-03-01T08:00`` compares like ``…T08:00Z``."""


UtcDateTime = Annotated[datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, list | tuple | set):
        for item in value:
            _no_nul(item)
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    return value


class ApiModel(BaseModel):
    """Base of request bodies: unknown fields are rejected, so typos do not pass silently, and
    no text may hold a NUL character (PostgreSQL cannot store one; SQLite could, so both
    backends reject it alike)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _reject_nul(cls, value: Any) -> Any:
        return _no_nul(value)


class OutModel(BaseModel):
    """Base of responses (built from rows or dicts)."""

    model_config = ConfigDict(from_attributes=True)


class Message(OutModel):
    detail: str


JsonObject = dict[str, Any]


def resource_path(*segments: object) -> str:
    """``/api/v1/<segments>`` with each segment percent-encoded (ids may hold any letter)."""
    return "/api/v1/" + "/".join(quote(str(s), safe="") for s in segments)


MAX_INT_ID = 2_147_483_647
"""Numeric ids are 32-bit (INTEGER on both backends); larger ones cannot exist."""

IntId = Annotated[int, PathParam(ge=1, le=MAX_INT_ID, description="Numeric id.")]
