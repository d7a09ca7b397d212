"""User administration (coordinators) and the audit log."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from api.auth import (
    Principal,
    active_coordinators,
    check_user_fields,
    end_user_sessions,
    hash_password,
    hash_token,
    new_token,
    normalise_username,
)
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


def create_user(db: DbSession, who: Principal, data: UserIn) -> tuple[m.User, str | None]:
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
    if (data.username is None) != (data.password is None):
        raise UnprocessableError("a username needs a password, and a password a username")
    if not data.api_key and data.username is None:
        raise UnprocessableError("a user without an API key needs a username and password")
    login = normalise_username(data.username) if data.username is not None else None
    if login is not None and repo.user_by_username(db, login) is not None:
        raise ConflictError(f"the username {login!r} is already taken")
    token = new_token() if data.api_key else None
    user = repo.add_user(db, name=data.name, role=data.role,
                         token_hash=hash_token(token) if token else None,
                         centre_ids=centre_ids if data.role == "centre" else [],
                         vehicle_id=data.vehicle_id if data.role == "driver" else None,
                         username=login,
                         password_hash=hash_password(data.password) if data.password else None)
    repo.audit(db, who.user_id, "create", "user", str(user.user_id),
               {"role": user.role, "centre_ids": user.centre_ids, "vehicle_id": user.vehicle_id,
                "username": login, "api_key": token is not None})
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
        # Someone must be able to manage users: the last active coordinator stays.
        if user.role == "coordinator" and active_coordinators(db) <= 1:
            raise ConflictError(f"user {user_id} is the last active coordinator; create "
                                "another coordinator first", id=str(user_id))
        now = utcnow()
        user.revoked_at = now
        ended = end_user_sessions(db, user_id, now)
        repo.audit(db, who.user_id, "revoke", "user", str(user_id), {"sessions_ended": ended})
    return user


def reset_password(db: DbSession, who: Principal, user_id: int, password: str) -> m.User:
    """Set a user's password (a coordinator; ends the user's open browser sessions)."""
    who.require("coordinator")
    user = repo.get_user(db, user_id)
    if user is None:
        raise NotFoundError("user", user_id)
    if user.revoked_at is not None:
        raise ConflictError("the user is deactivated")
    if user.username is None:
        raise ConflictError("the user has no username (an API client)")
    now = utcnow()
    user.password_hash = hash_password(password)
    ended = end_user_sessions(db, user_id, now)
    repo.audit(db, who.user_id, "reset_password", "user", str(user_id),
               {"sessions_ended": ended})
    log.info("password of user %s reset by %s", user_id, who.user_id)
    return user


def list_audit(
    db: DbSession, who: Principal, entity: str | None, entity_id: str | None,
    since: datetime | None, limit: int, offset: int,
) -> list[m.AuditEntry]:
    who.require("coordinator")
    return repo.list_audit(db, entity=entity, entity_id=entity_id, since=since, limit=limit,
                           offset=offset)
