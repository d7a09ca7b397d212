"""Repository functions shared by all domains: users, the audit log, config entries.

Repositories only read and write rows; they never commit (the unit of work does) and never
raise HTTP errors (services do).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import AuditEntry, Centre, ConfigEntry, Grant, Rider, User, Vehicle
from api.db.models import Session as CentreSession
from api.db.types import utcnow


def user_by_token_hash(session: Session, token_hash: str) -> User | None:
    return session.scalars(select(User).where(User.token_hash == token_hash)).one_or_none()


def add_user(
    session: Session,
    *,
    name: str,
    role: str,
    token_hash: str | None,
    centre_ids: Sequence[str] = (),
    vehicle_id: str | None = None,
    username: str | None = None,
    password_hash: str | None = None,
) -> User:
    user = User(name=name, role=role, token_hash=token_hash, centre_ids=list(centre_ids),
                vehicle_id=vehicle_id, username=username, password_hash=password_hash,
                created_at=utcnow())
    session.add(user)
    session.flush()
    return user


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session, *, include_revoked: bool = False) -> list[User]:
    query = select(User).order_by(User.user_id)
    if not include_revoked:
        query = query.where(User.revoked_at.is_(None))
    return list(session.scalars(query))


PERSONAL_ENTITIES = frozenset({"rider", "absence", "no_show", "reimbursement_decision",
                               "user"})
"""Entities whose changes concern a person: their audit entries name the fields changed, never
the values (a name, an address, notes like "epilepsi", an afbud reason like "kemoterapi")."""

SAFE_AUDIT_VALUES = frozenset({
    "rider_id", "centre_id", "centre_ids", "vehicle_id", "run_id", "role", "scope", "late",
    "warranted", "rates_year", "supersedes", "per_month_ore", "erased", "counts",
})
"""Values kept in personal entities' audit entries: ids, kinds and amounts, no free text."""


def audit_change(entity: str, change: dict[str, Any] | None) -> dict[str, Any]:
    """What the audit log stores of a change: for personal entities the names of the changed
    fields (``fields``) and only the :data:`SAFE_AUDIT_VALUES`; others as given."""
    change = change or {}
    if entity not in PERSONAL_ENTITIES:
        return change
    if set(change) <= {"before", "after"} and change:
        names = set(change.get("before") or {}) | set(change.get("after") or {})
        values = dict(change.get("after") or {})
    else:
        names, values = set(change), change
    out: dict[str, Any] = {"fields": sorted(names)}
    out.update({k: v for k, v in values.items() if k in SAFE_AUDIT_VALUES})
    return out


def audit(
    session: Session,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: str,
    change: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record who changed what, when: for personal entities which fields, not their values
    (:func:`audit_change`)."""
    entry = AuditEntry(at=utcnow(), user_id=user_id, action=action, entity=entity,
                       entity_id=entity_id, change=audit_change(entity, change))
    session.add(entry)
    return entry


def list_audit(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.audit_id.desc())
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_config(session: Session, key: str) -> dict[str, Any] | None:
    entry = session.get(ConfigEntry, key)
    return dict(entry.value) if entry is not None else None


def set_config(session: Session, key: str, value: dict[str, Any]) -> None:
    entry = session.get(ConfigEntry, key)
    if entry is None:
        session.add(ConfigEntry(key=key, value=value, updated_at=utcnow()))
    else:
        entry.value = value


def master_data_fingerprint(db: Session) -> tuple[object, ...]:
    """Row count and latest change of centres, sessions, riders, vehicles, config entries and
    grants, in one query: equal values mean the stored scenario did not change."""
    columns: list[Any] = []
    for table in (Centre, CentreSession, Rider, Vehicle, ConfigEntry, Grant):
        columns.append(select(func.count()).select_from(table).scalar_subquery())
        columns.append(select(func.max(table.updated_at)).scalar_subquery())
    return tuple(db.execute(select(*columns)).one())
