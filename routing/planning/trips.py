"""A week's trips and the places they join: who rides when, the places' travel matrix, waves.

Each rider, on each weekday they attend, rides *to* the centre before their first session of the
day and *home from* it after their last (:func:`rider_trips`). A day's trips of one direction
whose centre times lie within ``wave_gap_s`` of each other form a wave (:func:`waves_of_day`),
which :mod:`routing.planning.planner` solves as one problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from routing.errors import SnapError
from routing.model import WEEKDAYS, Direction, Scenario
from routing.network.matrix import TravelMatrix, travel_matrix
from routing.network.roads import RoadNetwork
from routing.network.snap import SnappedPoint, snap_points
from routing.params import PlanParams
from routing.places import centre_place, depot_place, home_place, is_home
from routing.planning.stops import trip_session


@dataclass(frozen=True, slots=True)
class Trip:
    """One ride of one rider on one weekday: to the centre or home from it."""

    rider_id: str
    weekday: str
    direction: Direction
    centre_id: str
    session_id: str
    centre_time_s: int
    """Session start (``to_centre``) or end (``from_centre``)."""


def rider_trips(scenario: Scenario, params: PlanParams | None = None) -> list[Trip]:
    """All trips of the week: per rider and attended weekday one in, one home."""
    sessions = {s.session_id: s for s in scenario.sessions}
    trips: list[Trip] = []
    for rider in scenario.riders:
        for day in WEEKDAYS:
            first = trip_session(rider, day, sessions, "to_centre")
            last = trip_session(rider, day, sessions, "from_centre")
            if first is None or last is None:
                continue
            trips.append(Trip(rider.rider_id, day, "to_centre", rider.centre_id,
                              first.session_id, first.start_s))
            trips.append(Trip(rider.rider_id, day, "from_centre", rider.centre_id,
                              last.session_id, last.end_s))
    return trips


def scenario_places(scenario: Scenario) -> list[tuple[str, float, float]]:
    """Every home, centre and depot of a scenario as ``(place id, lat, lon)``."""
    return (
        [(home_place(r.rider_id), r.lat, r.lon) for r in scenario.riders]
        + [(centre_place(c.centre_id), c.lat, c.lon) for c in scenario.centres]
        + [(depot_place(v.vehicle_id), v.depot_lat, v.depot_lon) for v in scenario.vehicles]
    )


def snap_places(scenario: Scenario, network: RoadNetwork,
                params: PlanParams) -> list[SnappedPoint]:
    """Snap every home, centre and depot; centres and depots must lie on the network.

    Homes farther than ``snap_max_m`` are kept (their trips become unserved with the reason);
    a centre or depot that far raises :class:`SnapError`.
    """
    snapped = snap_points(network, scenario_places(scenario), max_distance_m=math.inf)
    far = [s for s in snapped
           if s.distance_m > params.snap_max_m and not is_home(s.point_id)]
    if far:
        listing = "; ".join(f"{s.point_id} at ({s.lat:.5f}, {s.lon:.5f}) is {s.distance_m:.0f} m "
                            f"from the nearest road" for s in far)
        raise SnapError(f"off the road network (limit {params.snap_max_m:.0f} m): {listing}",
                        point_id=far[0].point_id, distance_m=far[0].distance_m)
    return snapped


def place_matrix(scenario: Scenario, network: RoadNetwork,
                 params: PlanParams | None = None) -> TravelMatrix:
    """Travel times and road distances between all places of a scenario.

    Ids are ``home:<rider_id>``, ``centre:<centre_id>`` and ``depot:<vehicle_id>``.
    """
    params = params or scenario.plan_params
    return travel_matrix(network, snap_places(scenario, network, params))


# --------------------------------------------------------------------------------------------
# Waves


def _operational_start(trips: Sequence[Trip], params: PlanParams) -> int:
    t0 = min(t.centre_time_s for t in trips)
    if trips[0].direction == "to_centre":
        return t0 - params.arrive_earliest_before_s - params.max_ride_s
    return t0 + params.pickup_earliest_after_s


def waves_of_day(trips: Iterable[Trip], params: PlanParams) -> list[list[Trip]]:
    """Group one day's trips into waves, in the order they are planned (by start of operation)."""
    waves: list[list[Trip]] = []
    for direction in ("to_centre", "from_centre"):
        ordered = sorted((t for t in trips if t.direction == direction),
                         key=lambda t: (t.centre_time_s, t.rider_id))
        current: list[Trip] = []
        for t in ordered:
            if current and t.centre_time_s - current[-1].centre_time_s > params.wave_gap_s:
                waves.append(current)
                current = []
            current.append(t)
        if current:
            waves.append(current)
    waves.sort(key=lambda w: (_operational_start(w, params), w[0].direction))
    return waves
