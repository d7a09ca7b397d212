"""Riders and vehicles."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from api.db.models import DeletedRider, Rider, Vehicle
from api.db.types import utcnow


def get_rider(db: DbSession, rider_id: str) -> Rider | None:
    return db.get(Rider, rider_id)


def list_riders(db: DbSession, centre_ids: Collection[str] | None = None) -> list[Rider]:
    query = select(Rider).order_by(Rider.rider_id)
    if centre_ids is not None:
        query = query.where(Rider.centre_id.in_(list(centre_ids)))
    return list(db.scalars(query))


def riders_by_id(db: DbSession, rider_ids: Collection[str]) -> dict[str, Rider]:
    if not rider_ids:
        return {}
    rows = db.scalars(select(Rider).where(Rider.rider_id.in_(list(rider_ids))))
    return {r.rider_id: r for r in rows}


def riders_with_session(db: DbSession, session_id: str) -> list[str]:
    # session_ids is a JSON list; filtering in Python keeps one query for both backends.
    return [r.rider_id for r in db.scalars(select(Rider)) if session_id in r.session_ids]


def get_vehicle(db: DbSession, vehicle_id: str) -> Vehicle | None:
    return db.get(Vehicle, vehicle_id)


def list_vehicles(db: DbSession, only: Collection[str] | None = None) -> list[Vehicle]:
    query = select(Vehicle).order_by(Vehicle.vehicle_id)
    if only is not None:
        query = query.where(Vehicle.vehicle_id.in_(list(only)))
    return list(db.scalars(query))


# What a deleted rider's past runs need (no phone numbers, notes or assessments).
_ARCHIVED = ("centre_id", "name", "lat", "lon", "address", "session_ids", "wheelchair",
             "escort", "max_ride_s", "detour_factor", "boarding_s", "can_travel_alone",
             "has_driver", "can_cycle")


def archive_rider(db: DbSession, row: Rider) -> None:
    """Keep what the rider's past runs need before the row is deleted (replacing an older
    archive of the same id)."""
    values: dict[str, Any] = {k: getattr(row, k) for k in _ARCHIVED}
    values["session_ids"] = list(row.session_ids)
    db.merge(DeletedRider(rider_id=row.rider_id, values=values, deleted_at=utcnow()))


def archived_riders(db: DbSession, rider_ids: Collection[str]
                    ) -> list[tuple[Rider, datetime]]:
    """Deleted riders of ``rider_ids`` as transient (never added) rows, with when they were
    deleted."""
    if not rider_ids:
        return []
    rows = db.scalars(select(DeletedRider).where(DeletedRider.rider_id.in_(list(rider_ids))))
    return [(Rider(rider_id=r.rider_id, notes="", **r.values), r.deleted_at) for r in rows]


def forget_archived_rider(db: DbSession, rider_id: str) -> int:
    """Delete a deleted rider's archive (erasure); the number of rows deleted."""
    result = db.execute(delete(DeletedRider).where(DeletedRider.rider_id == rider_id))
    return int(getattr(result, "rowcount", 0) or 0)
