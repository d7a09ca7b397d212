"""Absences (afbud) and no-shows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session as DbSession

from api.db.models import Absence, NoShow, Rider


def get_absence(db: DbSession, absence_id: int) -> Absence | None:
    return db.get(Absence, absence_id)


def active_by_key(db: DbSession, key: str) -> Absence | None:
    return db.scalars(select(Absence).where(Absence.natural_key == key,
                                            Absence.withdrawn_at.is_(None))).first()


def _scoped(query: Select[tuple[Absence]], centre_ids: Collection[str] | None
            ) -> Select[tuple[Absence]]:
    if centre_ids is None:
        return query
    return query.join(Rider, Rider.rider_id == Absence.rider_id).where(
        Rider.centre_id.in_(list(centre_ids)))


def list_absences(
    db: DbSession,
    *,
    centre_ids: Collection[str] | None = None,
    rider_id: str | None = None,
    overlapping: tuple[date, date] | None = None,
    include_withdrawn: bool = False,
    limit: int | None = None,
    offset: int = 0,
    rider_ids: Collection[str] | None = None,
) -> list[Absence]:
    query = _scoped(select(Absence), centre_ids)
    if rider_id is not None:
        query = query.where(Absence.rider_id == rider_id)
    if rider_ids is not None:
        query = query.where(Absence.rider_id.in_(list(rider_ids)))
    if overlapping is not None:
        first, last = overlapping
        query = query.where(Absence.start_date <= last,
                            or_(Absence.end_date.is_(None), Absence.end_date >= first))
    if not include_withdrawn:
        query = query.where(Absence.withdrawn_at.is_(None))
    query = query.order_by(Absence.start_date, Absence.rider_id, Absence.absence_id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query.offset(offset)))


def get_no_show(db: DbSession, no_show_id: int) -> NoShow | None:
    return db.get(NoShow, no_show_id)


def find_no_show(db: DbSession, rider_id: str, day: date, run_id: str) -> NoShow | None:
    return db.scalars(select(NoShow).where(NoShow.rider_id == rider_id, NoShow.date == day,
                                           NoShow.run_id == run_id)).first()


def list_no_shows(
    db: DbSession,
    *,
    centre_ids: Collection[str] | None = None,
    vehicle_id: str | None = None,
    rider_id: str | None = None,
    between: tuple[date, date] | None = None,
    limit: int | None = None,
    offset: int = 0,
    rider_ids: Collection[str] | None = None,
) -> list[NoShow]:
    query = select(NoShow)
    if rider_ids is not None:
        query = query.where(NoShow.rider_id.in_(list(rider_ids)))
    if centre_ids is not None:
        query = query.join(Rider, Rider.rider_id == NoShow.rider_id).where(
            Rider.centre_id.in_(list(centre_ids)))
    if vehicle_id is not None:
        query = query.where(NoShow.vehicle_id == vehicle_id)
    if rider_id is not None:
        query = query.where(NoShow.rider_id == rider_id)
    if between is not None:
        query = query.where(NoShow.date >= between[0], NoShow.date <= between[1])
    query = query.order_by(NoShow.date, NoShow.rider_id, NoShow.no_show_id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query.offset(offset)))
