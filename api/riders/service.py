"""Riders and vehicles: who may see and change them, validation against the core's rules."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.centres.placement import require_on_network
from api.centres.service import changes, visible_centre
from api.context import AppContext
from api.db import convert, repo, repo_centres, repo_riders
from api.db import models as m
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.riders.schemas import RiderFields, RiderIn, RiderPatch, VehicleFields, VehicleIn
from api.schemas import time_seconds
from routing.living.edits import RIDER_PLANNING_FIELDS, rider_edit_breaks, vehicle_edit_breaks

log = logging.getLogger(__name__)

_NULLABLE = frozenset({"max_ride_s", "detour_factor", "boarding_s", "centre_assessment",
                       "centre_assessment_by", "centre_assessment_on"})


def visible_rider(db: DbSession, who: Principal, rider_id: str) -> m.Rider:
    """The rider if the caller may see them: 404 when unknown or of another centre."""
    who.require("coordinator", "centre")
    rider = repo_riders.get_rider(db, rider_id)
    if rider is None or not who.sees_centre(rider.centre_id):
        raise NotFoundError("rider", rider_id)
    return rider


def list_riders(db: DbSession, who: Principal, centre_id: str | None = None) -> list[m.Rider]:
    who.require("coordinator", "centre")
    if centre_id is not None:
        visible_centre(db, who, centre_id)
        return repo_riders.list_riders(db, [centre_id])
    return repo_riders.list_riders(db, None if who.is_coordinator else who.centre_ids)


def _validate(db: DbSession, who: Principal, rider_id: str, values: dict[str, Any]) -> None:
    """Check the centre is visible, the sessions are the centre's, and the core's rules hold."""
    visible_centre(db, who, values["centre_id"])
    sessions = repo_centres.sessions_by_id(db, values["session_ids"])
    errors = []
    for index, sid in enumerate(values["session_ids"]):
        session = sessions.get(sid)
        if session is None:
            errors.append({"in": "body", "field": f"session_ids.{index}",
                           "detail": f"unknown session {sid!r}", "type": "unknown_id"})
        elif session.centre_id != values["centre_id"]:
            errors.append({"in": "body", "field": f"session_ids.{index}",
                           "detail": f"session {sid!r} belongs to centre {session.centre_id!r}",
                           "type": "other_centre"})
    if len(set(values["session_ids"])) != len(values["session_ids"]):
        errors.append({"in": "body", "field": "session_ids", "detail": "a session is listed "
                       "twice", "type": "duplicate"})
    if errors:
        raise UnprocessableError(f"rider {rider_id}: invalid grants", errors=errors)
    try:
        convert.rider_model(m.Rider(rider_id=rider_id, **values))
    except ValueError as exc:
        raise UnprocessableError(str(exc)) from exc


def _values(data: RiderFields) -> dict[str, Any]:
    return data.model_dump(exclude={"rider_id"})


def create_rider(db: DbSession, who: Principal, data: RiderIn,
                 context: AppContext | None = None) -> m.Rider:
    values = _values(data)
    _validate(db, who, data.rider_id, values)
    if context is not None:
        # A home in the sea would make every plan job fail at snapping.
        require_on_network(context, data.rider_id, data.lat, data.lon)
    if repo_riders.get_rider(db, data.rider_id) is not None:
        raise ConflictError(f"rider {data.rider_id!r} already exists", id=data.rider_id)
    now = utcnow()
    rider = m.Rider(rider_id=data.rider_id, created_at=now, updated_at=now, **values)
    db.add(rider)
    db.flush()
    repo.audit(db, who.user_id, "create", "rider", data.rider_id, values)
    log.info("rider %s created at centre %s", data.rider_id, data.centre_id)
    return rider


def _apply(db: DbSession, who: Principal, rider: m.Rider, values: dict[str, Any],
           context: AppContext | None = None, guard: bool = False) -> m.Rider:
    if rider.erased_at is not None:
        raise ConflictError(f"rider {rider.rider_id!r} was erased; create a new rider instead",
                            id=rider.rider_id)
    current = {k: getattr(rider, k) for k in RiderFields.model_fields}
    merged = {**current, **values}
    _validate(db, who, rider.rider_id, merged)
    if context is not None and (merged["lat"], merged["lon"]) != (rider.lat, rider.lon):
        require_on_network(context, rider.rider_id, merged["lat"], merged["lon"])
    if guard and context is not None and any(
            _planning_value(merged.get(k)) != _planning_value(current.get(k))
            for k in RIDER_PLANNING_FIELDS):
        from api.riders.isolation import refuse_breaking_edit

        rider_id = rider.rider_id
        refuse_breaking_edit(db, context.today(), "rider", rider_id,
                             lambda plan: rider_edit_breaks(plan, rider_id),
                             then="POST /plans/{id}/change after storing it with "
                                  "?through_living_plan=true")
    change = changes(rider, values)
    if change["after"]:
        rider.updated_at = utcnow()
        repo.audit(db, who.user_id, "update", "rider", rider.rider_id, change)
    return rider


def _planning_value(value: object) -> object:
    return list(value) if isinstance(value, list | tuple) else value


def replace_rider(db: DbSession, who: Principal, rider_id: str, data: RiderFields,
                  context: AppContext | None = None, guard: bool = False) -> m.Rider:
    """Replace a rider's data; with ``guard``, a change of the home, centre, sessions or
    needs of a rider that published runs carry is refused (409 naming the runs)."""
    rider = visible_rider(db, who, rider_id)
    return _apply(db, who, rider, _values(data), context, guard)


def patch_rider(db: DbSession, who: Principal, rider_id: str, data: RiderPatch,
                context: AppContext | None = None, guard: bool = False) -> m.Rider:
    rider = visible_rider(db, who, rider_id)
    values = data.model_dump(exclude_unset=True)
    nulls = [k for k, v in values.items() if v is None and k not in _NULLABLE]
    if nulls:
        raise UnprocessableError(
            f"{', '.join(nulls)} cannot be null",
            errors=[{"in": "body", "field": k, "detail": "may not be null", "type": "null"}
                    for k in nulls],
        )
    return _apply(db, who, rider, values, context, guard)


def delete_rider(db: DbSession, who: Principal, rider_id: str, context: AppContext) -> None:
    """Delete a rider with their absences, no-shows and decisions (the audit log keeps ids).

    A rider the plan in force carries is taken out of it through the living plan (a new
    version, published at once; nobody else's time moves), so every day keeps deriving."""
    from api.riders.isolation import remove_from_plan_in_force

    rider = visible_rider(db, who, rider_id)
    centre_id = rider.centre_id
    # Days before the deletion keep the plan then in force, whose runs name the rider.
    repo_riders.archive_rider(db, rider)
    db.delete(rider)
    db.flush()
    repo.audit(db, who.user_id, "delete", "rider", rider_id, {"centre_id": centre_id})
    remove_from_plan_in_force(db, who, context, rider_id)


# --------------------------------------------------------------------------------------------
# Vehicles


def visible_vehicle(db: DbSession, who: Principal, vehicle_id: str) -> m.Vehicle:
    who.require("coordinator", "driver")
    vehicle = repo_riders.get_vehicle(db, vehicle_id)
    if vehicle is None or not who.sees_vehicle(vehicle_id):
        raise NotFoundError("vehicle", vehicle_id)
    return vehicle


def list_vehicles(db: DbSession, who: Principal) -> list[m.Vehicle]:
    who.require("coordinator", "driver")
    if who.is_coordinator:
        return repo_riders.list_vehicles(db)
    return repo_riders.list_vehicles(db, [who.vehicle_id] if who.vehicle_id else [])


def _vehicle_values(data: VehicleFields) -> dict[str, Any]:
    values = data.model_dump(exclude={"vehicle_id", "available_from", "available_to"})
    values["available_from_s"] = time_seconds(data.available_from)
    values["available_to_s"] = time_seconds(data.available_to)
    return values


def create_vehicle(db: DbSession, who: Principal, data: VehicleIn,
                   context: AppContext) -> m.Vehicle:
    who.require("coordinator")
    require_on_network(context, data.vehicle_id, data.depot_lat, data.depot_lon)
    if repo_riders.get_vehicle(db, data.vehicle_id) is not None:
        raise ConflictError(f"vehicle {data.vehicle_id!r} already exists", id=data.vehicle_id)
    now = utcnow()
    vehicle = m.Vehicle(vehicle_id=data.vehicle_id, created_at=now, updated_at=now,
                        **_vehicle_values(data))
    db.add(vehicle)
    db.flush()
    repo.audit(db, who.user_id, "create", "vehicle", data.vehicle_id, data.model_dump())
    return vehicle


def replace_vehicle(
    db: DbSession, who: Principal, vehicle_id: str, data: VehicleFields, context: AppContext
) -> m.Vehicle:
    who.require("coordinator")
    vehicle = visible_vehicle(db, who, vehicle_id)
    if (data.depot_lat, data.depot_lon) != (vehicle.depot_lat, vehicle.depot_lon):
        require_on_network(context, vehicle_id, data.depot_lat, data.depot_lon)
    values = _vehicle_values(data)
    old = convert.vehicle_model(vehicle)
    try:
        new = convert.vehicle_model(m.Vehicle(vehicle_id=vehicle_id, **values))
    except ValueError as exc:
        raise UnprocessableError(str(exc)) from exc
    from api.riders.isolation import refuse_breaking_edit

    # Seats below a run's load, hours that no longer cover a run, a moved depot: refused
    # with the runs named, before anything is written.
    refuse_breaking_edit(db, context.today(), "vehicle", vehicle_id,
                         lambda plan: vehicle_edit_breaks(plan, old, new))
    change = changes(vehicle, values)
    if change["after"]:
        vehicle.updated_at = utcnow()
        repo.audit(db, who.user_id, "update", "vehicle", vehicle_id, change)
    return vehicle


def delete_vehicle(db: DbSession, who: Principal, vehicle_id: str,
                   today: date | None = None) -> None:
    who.require("coordinator")
    vehicle = visible_vehicle(db, who, vehicle_id)
    from api.riders.isolation import refuse_if_planned

    refuse_if_planned(db, "vehicle", vehicle_id, today)
    db.delete(vehicle)
    repo.audit(db, who.user_id, "delete", "vehicle", vehicle_id)
