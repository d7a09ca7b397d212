"""User administration (coordinators) and the audit log."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal, check_user_fields, hash_token, new_token
from api.db import models as m
from api.db import repo, repo_centres, repo_riders
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.users.schemas import UserIn

log = logging.getLogger(__name__)


def me(db: DbSession, who: Principal) -> m.User:
    user = repo.get_user(db, who.user_id)
    if user is None:  # pragma: no cover - authenticate() just read it
        raise NotFoundError("user", who.user_id)
    return user


def create_user(db: DbSession, who: Principal, data: UserIn) -> tuple[m.User, str]:
    who.require("coordinator")
    centre_ids = list(dict.fromkeys(data.centre_ids))
    try:
        check_user_fields(data.role, centre_ids, data.vehicle_id)
    except ValueError as exc:
        raise UnprocessableError(str(exc)) from exc
    for centre_id in centre_ids:
        if repo_centres.get_centre(db, centre_id) is None:
            raise NotFoundError("centre", centre_id)
    if data.vehicle_id is not None and repo_riders.get_vehicle(db, data.vehicle_id) is None:
        raise NotFoundError("vehicle", data.vehicle_id)
    token = new_token()
    user = repo.add_user(db, name=data.name, role=data.role, token_hash=hash_token(token),
                         centre_ids=centre_ids if data.role == "centre" else [],
                         vehicle_id=data.vehicle_id if data.role == "driver" else None)
    repo.audit(db, who.user_id, "create", "user", str(user.user_id),
               {"role": user.role, "centre_ids": user.centre_ids, "vehicle_id": user.vehicle_id})
    log.info("user %s created by %s with role %s", user.user_id, who.user_id, user.role)
    return user, token


def list_users(db: DbSession, who: Principal, include_revoked: bool) -> list[m.User]:
    who.require("coordinator")
    return repo.list_users(db, include_revoked=include_revoked)


def revoke_user(db: DbSession, who: Principal, user_id: int) -> m.User:
    who.require("coordinator")
    user = repo.get_user(db, user_id)
    if user is None:
        raise NotFoundError("user", user_id)
    if user.revoked_at is None:
        if user.role == "coordinator" and _active_coordinators(db) <= 1:
            raise ConflictError(f"user {user_id} is the last active coordinator; create "
                                "another coordinator first", id=str(user_id))
        user.revoked_at = utcnow()
        repo.audit(db, who.user_id, "revoke", "user", str(user_id))
    return user


def _active_coordinators(db: DbSession) -> int:
    """Active coordinators, counted with their rows locked (PostgreSQL), so two coordinators
    revoking each other at once cannot both succeed."""
    from sqlalchemy import select

    rows = db.scalars(select(m.User.user_id).where(m.User.role == "coordinator",
                                                   m.User.revoked_at.is_(None))
                      .with_for_update()).all()
    return len(rows)


def list_audit(
    db: DbSession, who: Principal, entity: str | None, entity_id: str | None,
    since: datetime | None, limit: int, offset: int,
) -> list[m.AuditEntry]:
    who.require("coordinator")
    return repo.list_audit(db, entity=entity, entity_id=entity_id, since=since, limit=limit,
                           offset=offset)
