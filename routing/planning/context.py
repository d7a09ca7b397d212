"""The planning context shared by a plan's days and waves, and the checks made before a solve.

:class:`_Context` holds what every wave needs (the scenario's riders and vehicles, the travel
matrix, the parameters); :class:`_DayState` what one day's waves pass on (when each vehicle is
free again, which vehicles are already paid for). :func:`_precheck` gives the concrete reason
why a trip cannot be served at all, before any solve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.model import Rider, Scenario, Vehicle, format_hm
from routing.network.matrix import TravelMatrix
from routing.network.snap import SnappedPoint
from routing.params import PlanParams
from routing.places import centre_place, depot_place, home_place
from routing.planning.reasons import need_code, unserved_reason
from routing.planning.rules import boarding_time_s, ride_limit_s, vehicle_fits
from routing.planning.stops import centre_window
from routing.planning.trips import Trip

CENTI = 100
"""Solver costs are in 1/100 øre, so that per-metre tariffs stay integral (planner and
whole-day model alike)."""
DROP_PENALTY = 10**11
"""A request's drop penalty in the planner's models: above any route's cost, so construction
cannot dead-end and a dropped trip is a real answer."""


@dataclass
class _Context:
    scenario: Scenario
    params: PlanParams
    matrix: TravelMatrix
    snapped: dict[str, SnappedPoint]
    riders: dict[str, Rider]
    vehicles: dict[str, Vehicle]
    coords: dict[str, tuple[float, float]]
    piece_workers: int = 1
    """Processes improving the pieces of a large wave."""

    def idx(self, place: str) -> int:
        return self.matrix.index(place)

    def travel(self, a: str, b: str) -> int:
        return int(self.matrix.time_s[self.idx(a), self.idx(b)])

    def distance(self, a: str, b: str) -> int:
        return int(self.matrix.distance_m[self.idx(a), self.idx(b)])


@dataclass
class _DayState:
    free_from: dict[str, int]
    used: set[str]
    wider: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """A day solved in parallel: the sequential consistency windows (around the anchor only),
    tried before a rider's window is dropped (``routing.planning.week``)."""


def _trip_places(trip: Trip) -> tuple[str, str]:
    home, centre = home_place(trip.rider_id), centre_place(trip.centre_id)
    return (home, centre) if trip.direction == "to_centre" else (centre, home)


def _precheck(trip: Trip, ctx: _Context, day: _DayState) -> str | None:
    """A concrete reason why the trip cannot be served at all, or None."""
    p = ctx.params
    rider = ctx.riders[trip.rider_id]
    home = ctx.snapped[home_place(rider.rider_id)]
    if home.distance_m > p.snap_max_m:
        return unserved_reason("far_from_road", distance_m=f"{home.distance_m:.0f}",
                               limit_m=f"{p.snap_max_m:.0f}")
    origin, dest = _trip_places(trip)
    direct = ctx.travel(origin, dest)
    limit = ride_limit_s(rider, direct, p)
    if direct > limit:
        return unserved_reason("ride_too_long", direct_min=f"{direct / 60:.0f}",
                               limit_min=f"{limit / 60:.0f}")
    capable = [v for v in ctx.vehicles.values()
               if vehicle_fits(v, rider.seats, rider.wheelchair_places)]
    need = need_code(rider.seats, rider.wheelchair, rider.escort)
    if not capable:
        return unserved_reason("no_capable_vehicle", need=need)
    lo, hi = centre_window(trip.direction, trip.centre_time_s, p)
    board = boarding_time_s(rider, p)
    span = (lo - limit, hi) if trip.direction == "to_centre" else (lo, hi + board + direct)
    for v in capable:
        depot = depot_place(v.vehicle_id)
        start = max(v.available_from_s, day.free_from.get(v.vehicle_id, 0))
        if trip.direction == "to_centre":
            at_home = max(start + ctx.travel(depot, origin), 0)
            at_centre = at_home + board + direct
            back = max(at_centre, lo) + board + ctx.travel(dest, depot)
            if at_centre <= hi and back <= v.available_to_s:
                return None
        else:
            at_centre = max(start + ctx.travel(depot, origin), lo)
            back = at_centre + board + direct + board + ctx.travel(dest, depot)
            if at_centre <= hi and back <= v.available_to_s:
                return None
    return unserved_reason("no_vehicle_free", need=need, start=format_hm(max(span[0], 0)),
                           end=format_hm(span[1]))
