"""Rows to the core's frozen dataclasses (:mod:`routing.model`) and back."""

from __future__ import annotations

from typing import Any

from api.db import models as m
from routing import model
from routing.operations import absences


def centre_model(row: m.Centre) -> model.Centre:
    return model.Centre(centre_id=row.centre_id, name=row.name, lat=row.lat, lon=row.lon,
                        address=row.address)


def session_model(row: m.Session) -> model.Session:
    return model.Session(centre_id=row.centre_id, session_id=row.session_id,
                         weekday=row.weekday, start_s=row.start_s, end_s=row.end_s)


def rider_model(row: m.Rider) -> model.Rider:
    return model.Rider(
        rider_id=row.rider_id, name=row.name, lat=row.lat, lon=row.lon, centre_id=row.centre_id,
        session_ids=tuple(row.session_ids), wheelchair=row.wheelchair, escort=row.escort,
        max_ride_s=row.max_ride_s, detour_factor=row.detour_factor, boarding_s=row.boarding_s,
        notes=row.notes, address=row.address, can_travel_alone=row.can_travel_alone,
        has_driver=row.has_driver, can_cycle=bool(row.can_cycle),
    )


def vehicle_model(row: m.Vehicle) -> model.Vehicle:
    return model.Vehicle(
        vehicle_id=row.vehicle_id, depot_lat=row.depot_lat, depot_lon=row.depot_lon,
        seats=row.seats, wheelchair_places=row.wheelchair_places,
        fixed_cost_ore=row.fixed_cost_ore, cost_per_km_ore=row.cost_per_km_ore,
        cost_per_hour_ore=row.cost_per_hour_ore, available_from_s=row.available_from_s,
        available_to_s=row.available_to_s, kind=row.kind,
        layouts=tuple((int(x["seats"]), int(x["wheelchair_places"])) for x in row.layouts or ()),
    )


def centre_values(c: model.Centre) -> dict[str, Any]:
    return {"name": c.name, "lat": c.lat, "lon": c.lon, "address": c.address}


def session_values(s: model.Session) -> dict[str, Any]:
    return {"centre_id": s.centre_id, "weekday": s.weekday, "start_s": s.start_s,
            "end_s": s.end_s}


def rider_values(r: model.Rider) -> dict[str, Any]:
    return {
        "name": r.name, "lat": r.lat, "lon": r.lon, "centre_id": r.centre_id,
        "session_ids": list(r.session_ids), "wheelchair": r.wheelchair, "escort": r.escort,
        "max_ride_s": r.max_ride_s, "detour_factor": r.detour_factor,
        "boarding_s": r.boarding_s, "notes": r.notes, "address": r.address,
        "can_travel_alone": r.can_travel_alone, "has_driver": r.has_driver,
        "can_cycle": r.can_cycle,
    }


def vehicle_values(v: model.Vehicle) -> dict[str, Any]:
    return {
        "kind": v.kind, "depot_lat": v.depot_lat, "depot_lon": v.depot_lon, "seats": v.seats,
        "wheelchair_places": v.wheelchair_places, "fixed_cost_ore": v.fixed_cost_ore,
        "cost_per_km_ore": v.cost_per_km_ore, "cost_per_hour_ore": v.cost_per_hour_ore,
        "available_from_s": v.available_from_s, "available_to_s": v.available_to_s,
        "layouts": [{"seats": a, "wheelchair_places": b} for a, b in v.layouts]
        if len(v.layouts) > 1 else [],
    }


def absence_model(row: m.Absence) -> absences.Absence:
    """A stored afbud as the core's record (ids as text)."""
    return absences.Absence(
        absence_id=str(row.absence_id), rider_id=row.rider_id, start=row.start_date,
        end=row.end_date, reason=row.reason,
        registered_by_role=row.reported_by,  # type: ignore[arg-type]
        registered_by=str(row.registered_by or ""), registered_at=row.registered_at,
        scope=row.scope,  # type: ignore[arg-type]
        withdrawn_at=row.withdrawn_at,
        withdrawn_by=str(row.withdrawn_by) if row.withdrawn_by is not None else None,
    )


def no_show_model(row: m.NoShow) -> absences.NoShow:
    return absences.NoShow(
        rider_id=row.rider_id, date=row.date, run_id=row.run_id,
        recorded_by=str(row.recorded_by or ""), recorded_at=row.recorded_at,
        direction=row.direction,  # type: ignore[arg-type]
        keep_ride_home=row.keep_ride_home,
    )
