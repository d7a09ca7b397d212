"""Users, API keys and the audit log over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas import ApiModel, Id, Name, OutModel


class UserIn(ApiModel):
    name: Name
    role: Literal["coordinator", "centre", "driver"]
    centre_ids: list[Id] = Field(default_factory=list, max_length=100,
                                 description="Centres of a centre user.")
    vehicle_id: Id | None = Field(default=None, description="Vehicle of a driver.")
    username: str | None = Field(default=None, min_length=1, max_length=100,
                                 description="Login of a person in the web pages "
                                 "(case-insensitive); needs `password`.")
    password: str | None = Field(default=None, min_length=8, max_length=200,
                                 description="The person's password (only its argon2 hash "
                                 "is stored).")
    api_key: bool = Field(default=True, description="Also create an API key (machine "
                          "clients); false for a person who only logs in to the pages.")


class PasswordIn(ApiModel):
    password: str = Field(min_length=8, max_length=200, description="The new password.")


class UserOut(OutModel):
    user_id: int
    name: str
    role: str
    username: str | None
    centre_ids: list[str]
    vehicle_id: str | None
    created_at: datetime
    revoked_at: datetime | None


class UserCreated(UserOut):
    token: str | None = Field(description="The API key (null without `api_key`). Shown only "
                              "now; only its hash is stored.")


class AuditOut(OutModel):
    audit_id: int
    at: datetime
    user_id: int | None
    action: str
    entity: str
    entity_id: str
    change: dict[str, Any]
