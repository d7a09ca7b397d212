"""Which runs of the plan in force a master-data edit would break ("no ordinary edit can stop
a driver's morning", issue 14).

A vehicle whose seats or wheelchair places drop below a run's load, whose hours no longer
cover its runs or whose depot moves; a session whose day or times move; a centre that moves;
a vehicle or centre deleted while runs use it: each names the runs it breaks, so the service
can refuse the edit (or send it through the living plan) instead of leaving the published plan
silently invalid. Pure functions over the plan; no storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from routing.model import Plan, Run, Scenario, Session, Vehicle
from routing.places import centre_place

BreakReason = str
"""``over_capacity``, ``outside_hours``, ``depot_moved``, ``session_moved``, ``centre_moved``,
``vehicle_deleted``, ``centre_deleted``, ``rider_changed``."""


@dataclass(frozen=True, slots=True)
class BrokenRun:
    """A run of the plan in force an edit would break, and why."""

    run_id: str
    vehicle_id: str
    weekday: str
    direction: str
    start_s: int
    end_s: int
    rider_ids: tuple[str, ...]
    reason: BreakReason
    load_seats: int = 0
    load_wheelchairs: int = 0


def _broken(run: Run, reason: BreakReason) -> BrokenRun:
    seats, chairs = peak_load(run)
    return BrokenRun(run.run_id, run.vehicle_id, run.weekday, run.direction,
                     run.stops[0].departure_s if run.stops else 0,
                     run.stops[-1].arrival_s if run.stops else 0,
                     tuple(run.rider_ids), reason, seats, chairs)


def peak_load(run: Run) -> tuple[int, int]:
    """The most seats and wheelchair places in use at once on the run."""
    return (max((s.load_seats for s in run.stops), default=0),
            max((s.load_wheelchairs for s in run.stops), default=0))


def _fits(run: Run, layouts: Iterable[tuple[int, int]]) -> bool:
    seats, chairs = peak_load(run)
    return any(seats <= s and chairs <= w for s, w in layouts)


def vehicle_edit_breaks(plan: Plan, old: Vehicle, new: Vehicle) -> list[BrokenRun]:
    """Runs of the vehicle that the changed vehicle cannot drive as planned: their load fits
    none of its layouts, its hours do not cover them, or its depot (where they start and
    end) moved."""
    out: list[BrokenRun] = []
    layouts = new.layouts or ((new.seats, new.wheelchair_places),)
    depot_moved = (old.depot_lat, old.depot_lon) != (new.depot_lat, new.depot_lon)
    for run in runs_of_vehicle(plan, old.vehicle_id):
        if not _fits(run, layouts):
            out.append(_broken(run, "over_capacity"))
        elif run.stops and (run.stops[0].departure_s < new.available_from_s
                            or run.stops[-1].arrival_s > new.available_to_s):
            out.append(_broken(run, "outside_hours"))
        elif depot_moved:
            out.append(_broken(run, "depot_moved"))
    return out


def session_edit_breaks(plan: Plan, old: Session, new: Session) -> list[BrokenRun]:
    """Runs to or from the session when its weekday or times change (the agreed times were
    planned around them)."""
    if (old.weekday, old.start_s, old.end_s) == (new.weekday, new.start_s, new.end_s):
        return []
    return [_broken(run, "session_moved") for run in plan.runs
            if old.session_id in (run.session_ids or (run.session_id,))]


def centre_edit_breaks(plan: Plan, centre_id: str, old_point: tuple[float, float],
                       new_point: tuple[float, float]) -> list[BrokenRun]:
    """Runs to or from the centre when it moves (their legs and times were planned to the old
    place)."""
    if old_point == new_point:
        return []
    return [_broken(run, "centre_moved") for run in runs_of_centre(plan, centre_id)]


RIDER_PLANNING_FIELDS = ("lat", "lon", "centre_id", "session_ids", "wheelchair", "escort",
                         "max_ride_s", "detour_factor", "boarding_s")
"""A rider's fields the runs were planned on (name, phone numbers and notes move no run)."""


def rider_edit_breaks(plan: Plan, rider_id: str) -> list[BrokenRun]:
    """Runs carrying the rider, when their home, centre, sessions or needs change (the runs
    were planned on the old ones: the living plan's *change* makes the new version)."""
    return [_broken(run, "rider_changed") for run in plan.runs if rider_id in run.rider_ids]


def deletion_breaks(plan: Plan, kind: str, entity_id: str) -> list[BrokenRun]:
    """Runs that use the vehicle (``kind="vehicle"``) or visit the centre (``"centre"``)."""
    runs = runs_of_vehicle(plan, entity_id) if kind == "vehicle" else runs_of_centre(
        plan, entity_id)
    return [_broken(run, f"{kind}_deleted") for run in runs]


def runs_of_vehicle(plan: Plan, vehicle_id: str) -> list[Run]:
    return [r for r in plan.runs if r.vehicle_id == vehicle_id]


def runs_of_centre(plan: Plan, centre_id: str) -> list[Run]:
    """Runs visiting the centre, or starting or ending there (a vehicle waiting there)."""
    here = centre_place(centre_id)
    return [r for r in plan.runs if centre_id in (r.centre_ids or (r.centre_id,))
            or (r.stops and here in (r.stops[0].place, r.stops[-1].place))]


def sorted_broken(runs: Sequence[BrokenRun]) -> list[BrokenRun]:
    """Weekday order, then start time (for messages and tables)."""
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return sorted(runs, key=lambda b: (order.index(b.weekday) if b.weekday in order else 9,
                                       b.start_s, b.vehicle_id))


def scenario_change_breaks(plan: Plan, old: Scenario, new: Scenario,
                           replace: bool) -> list[BrokenRun]:
    """Runs an import of ``new`` over ``old`` would outdate (each run once, first reason):
    changed vehicles, sessions, centres and riders as above; with ``replace``, also what the
    upload leaves out (a vehicle or centre deleted, a session or rider gone)."""
    out: dict[str, BrokenRun] = {}

    def add(found: Iterable[BrokenRun]) -> None:
        for b in found:
            out.setdefault(b.run_id, b)

    vehicles = {v.vehicle_id: v for v in new.vehicles}
    for v in old.vehicles:
        if v.vehicle_id in vehicles:
            add(vehicle_edit_breaks(plan, v, vehicles[v.vehicle_id]))
        elif replace:
            add(deletion_breaks(plan, "vehicle", v.vehicle_id))
    sessions = {s.session_id: s for s in new.sessions}
    for s in old.sessions:
        if s.session_id in sessions:
            add(session_edit_breaks(plan, s, sessions[s.session_id]))
        elif replace:
            add(_broken(run, "session_moved") for run in plan.runs
                if s.session_id in (run.session_ids or (run.session_id,)))
    centres = {c.centre_id: c for c in new.centres}
    for c in old.centres:
        if c.centre_id in centres:
            add(centre_edit_breaks(plan, c.centre_id, (c.lat, c.lon),
                                   (centres[c.centre_id].lat, centres[c.centre_id].lon)))
        elif replace:
            add(deletion_breaks(plan, "centre", c.centre_id))
    riders = {r.rider_id: r for r in new.riders}
    for r in old.riders:
        changed = r.rider_id in riders and any(
            _same(getattr(r, k)) != _same(getattr(riders[r.rider_id], k))
            for k in RIDER_PLANNING_FIELDS)
        if changed or (replace and r.rider_id not in riders):
            add(rider_edit_breaks(plan, r.rider_id))
    return list(out.values())


def _same(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value
