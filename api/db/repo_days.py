"""Accepted consolidations of daily runs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session as DbSession

from api.db.models import (
    Absence,
    Centre,
    Closure,
    ConsolidationRecord,
    NoShow,
    Rider,
    Vehicle,
)


def accepted_on(db: DbSession, day: date) -> list[ConsolidationRecord]:
    query = select(ConsolidationRecord).where(ConsolidationRecord.date == day)
    return list(db.scalars(query.order_by(ConsolidationRecord.consolidation_id)))


def find(db: DbSession, day: date, absorbed_run_id: str) -> ConsolidationRecord | None:
    return db.scalars(select(ConsolidationRecord).where(
        ConsolidationRecord.date == day,
        ConsolidationRecord.absorbed_run_id == absorbed_run_id)).first()


def manifest_inputs(db: DbSession, day: date, rider_ids: Collection[str],
                    centre_ids: Collection[str], vehicle_id: str) -> tuple[object, ...] | None:
    """What a vehicle's manifest of ``day`` depends on besides the plan, in one query: its
    riders' afbud (withdrawn too) and no-shows, its centres' closures, and when its riders,
    centres and vehicle last changed. Equal values mean an equal manifest.

    None when consolidations were accepted for the day (they join runs of several vehicles).
    """
    riders, centres = list(rider_ids), list(centre_ids)

    def parts(*columns: Any) -> Any:
        return select(*columns)

    absences = parts(func.count(Absence.absence_id).label("n"),
                     func.max(Absence.changed_at).label("t")).where(
        Absence.rider_id.in_(riders), Absence.start_date <= day,
        or_(Absence.end_date.is_(None), Absence.end_date >= day)).subquery()
    no_shows = parts(func.count(NoShow.no_show_id).label("n"),
                     func.max(NoShow.changed_at).label("t")).where(
        NoShow.rider_id.in_(riders), NoShow.date == day).subquery()
    closures = parts(func.count(Closure.closure_id).label("n"),
                     func.max(Closure.closure_id).label("t")).where(
        Closure.centre_id.in_(centres), Closure.start_date <= day,
        Closure.end_date >= day).subquery()
    rider_rows = parts(func.count(Rider.rider_id).label("n"),
                       func.max(Rider.updated_at).label("t")).where(
        Rider.rider_id.in_(riders)).subquery()
    centre_rows = parts(func.count(Centre.centre_id).label("n"),
                        func.max(Centre.updated_at).label("t")).where(
        Centre.centre_id.in_(centres)).subquery()
    vehicle = parts(func.count(Vehicle.vehicle_id).label("n"),
                    func.max(Vehicle.updated_at).label("t")).where(
        Vehicle.vehicle_id == vehicle_id).subquery()
    merges = parts(func.count(ConsolidationRecord.consolidation_id).label("n")).where(
        ConsolidationRecord.date == day).subquery()
    tables = (absences, no_shows, closures, rider_rows, centre_rows, vehicle)
    row = db.execute(select(*(c for t in tables for c in (t.c.n, t.c.t)), merges.c.n)).one()
    if row[-1]:
        return None
    return tuple(row[:-1])
