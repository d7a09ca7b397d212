"""Accepted consolidations of daily runs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Date, String, bindparam, func, or_, select
from sqlalchemy.orm import Session as DbSession

from api.db.models import (
    Absence,
    Centre,
    Closure,
    ConsolidationRecord,
    DeletedRider,
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


def _manifest_inputs_statement() -> Any:
    """Count and latest change per table, as scalar subqueries of one SELECT (one round trip);
    built once with bound parameters, so each call only binds values."""
    riders: Any = bindparam("riders", expanding=True)
    centres: Any = bindparam("centres", expanding=True)
    day = bindparam("day", type_=Date)
    vehicle_id = bindparam("vehicle_id", type_=String)
    tables: list[tuple[Any, Any, list[Any]]] = [
        (Absence.absence_id, Absence.changed_at,
         [Absence.rider_id.in_(riders), Absence.start_date <= day,
          or_(Absence.end_date.is_(None), Absence.end_date >= day)]),
        (NoShow.no_show_id, NoShow.changed_at,
         [NoShow.rider_id.in_(riders), NoShow.date == day]),
        (Closure.closure_id, Closure.closure_id,
         [Closure.centre_id.in_(centres), Closure.start_date <= day, Closure.end_date >= day]),
        (Rider.rider_id, Rider.updated_at, [Rider.rider_id.in_(riders)]),
        # A deleted rider's past runs are derived from what was kept (erasure deletes it).
        (DeletedRider.rider_id, DeletedRider.deleted_at, [DeletedRider.rider_id.in_(riders)]),
        (Centre.centre_id, Centre.updated_at, [Centre.centre_id.in_(centres)]),
        (Vehicle.vehicle_id, Vehicle.updated_at, [Vehicle.vehicle_id == vehicle_id]),
    ]
    columns: list[Any] = []
    for key, changed, where in tables:
        columns.append(select(func.count(key)).where(*where).scalar_subquery())
        columns.append(select(func.max(changed)).where(*where).scalar_subquery())
    columns.append(select(func.count(ConsolidationRecord.consolidation_id))
                   .where(ConsolidationRecord.date == day).scalar_subquery())
    return select(*columns)


_MANIFEST_INPUTS = _manifest_inputs_statement()


def manifest_inputs(db: DbSession, day: date, rider_ids: Collection[str],
                    centre_ids: Collection[str], vehicle_id: str) -> tuple[object, ...] | None:
    """What a vehicle's manifest of ``day`` depends on besides the plan, in one query: its
    riders' afbud (withdrawn too) and no-shows, its centres' closures, and when its riders,
    centres and vehicle last changed (deleted riders: what was kept of them). Equal values
    mean an equal manifest.

    None when consolidations were accepted for the day (they join runs of several vehicles).
    """
    row = db.connection().execute(_MANIFEST_INPUTS, {
        "riders": list(rider_ids), "centres": list(centre_ids), "day": day,
        "vehicle_id": vehicle_id}).one()
    if row[-1]:
        return None
    return tuple(row[:-1])
