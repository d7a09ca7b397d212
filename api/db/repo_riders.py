"""Riders and vehicles."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.db.models import Rider, Vehicle


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
