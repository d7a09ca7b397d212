"""Centres, their sessions and closures."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.db.models import Centre, Closure, Rider, Session


def get_centre(db: DbSession, centre_id: str) -> Centre | None:
    return db.get(Centre, centre_id)


def list_centres(db: DbSession, only: Collection[str] | None = None) -> list[Centre]:
    query = select(Centre).order_by(Centre.centre_id)
    if only is not None:
        query = query.where(Centre.centre_id.in_(list(only)))
    return list(db.scalars(query))


def centre_has_riders(db: DbSession, centre_id: str) -> bool:
    return db.scalars(select(Rider.rider_id).where(Rider.centre_id == centre_id).limit(1)).first() \
        is not None


def get_session(db: DbSession, session_id: str) -> Session | None:
    return db.get(Session, session_id)


def list_sessions(db: DbSession, centre_id: str | None = None) -> list[Session]:
    query = select(Session).order_by(Session.centre_id, Session.session_id)
    if centre_id is not None:
        query = query.where(Session.centre_id == centre_id)
    return list(db.scalars(query))


def sessions_by_id(db: DbSession, session_ids: Collection[str]) -> dict[str, Session]:
    if not session_ids:
        return {}
    rows = db.scalars(select(Session).where(Session.session_id.in_(list(session_ids))))
    return {s.session_id: s for s in rows}


def get_closure(db: DbSession, closure_id: int) -> Closure | None:
    return db.get(Closure, closure_id)


def find_closure(db: DbSession, centre_id: str, start: date, end: date) -> Closure | None:
    return db.scalars(select(Closure).where(
        Closure.centre_id == centre_id, Closure.start_date == start, Closure.end_date == end
    )).one_or_none()


def list_closures(
    db: DbSession,
    centre_ids: Collection[str] | None = None,
    *,
    overlapping: tuple[date, date] | None = None,
) -> list[Closure]:
    query = select(Closure).order_by(Closure.centre_id, Closure.start_date, Closure.closure_id)
    if centre_ids is not None:
        query = query.where(Closure.centre_id.in_(list(centre_ids)))
    if overlapping is not None:
        first, last = overlapping
        query = query.where(Closure.start_date <= last, Closure.end_date >= first)
    return list(db.scalars(query))
