"""An independent whole-day reference model for a weekly scenario (issue 17, item 2).

Separate from the planner on purpose: one pickup-and-delivery problem per weekday with every
trip of the day, OR-Tools guided local search for a fixed time per day, solved through the
generic model (:mod:`routing.planning.problem`) — not through the planner's waves, runs or
timetables. The rules are the plan's hard rules: arrival at the centre 20–5 min before the
session, pickup there 0–15 min after it, ride limits, no waiting with riders on board, seats and
wheelchair places (one layout per vehicle-day), vehicle availability. It is easier than the
plan's problem: no rounded agreed times, no time consistency across weekdays, and a vehicle may
wait anywhere between two riders (it need not go back to its depot between runs).

Its cost uses the plan's tariff on the same matrix: the fixed price once per vehicle-day, the
distance tariff on every metre and the hourly tariff on driving and boarding time (idle time is
not charged; the plan's runs also pay for waiting at a door, so the comparison favours the
reference).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from routing.model import DAY_S, WEEKDAYS, Scenario
from routing.network.matrix import TravelMatrix
from routing.params import PlanParams
from routing.places import centre_place, depot_place, home_place
from routing.planning.problem import FleetVehicle, Request, RoutingProblem, SolveOptions, Visit
from routing.planning.rules import boarding_time_s, ride_limit_s
from routing.planning.solver import solve
from routing.planning.stops import centre_window
from routing.planning.trips import Trip, rider_trips

_CENTI = 100


@dataclass(frozen=True, slots=True)
class ReferenceDay:
    weekday: str
    trips: int
    served: int
    vehicles: int
    cost_ore: int


def _day_problem(trips: list[Trip], sc: Scenario, matrix: TravelMatrix,
                 params: PlanParams) -> tuple[RoutingProblem, list[int]]:
    riders = {r.rider_id: r for r in sc.riders}
    places: list[str] = [depot_place(v.vehicle_id) for v in sc.vehicles]
    ends: list[tuple[str, str]] = []
    for t in trips:
        home, centre = home_place(t.rider_id), centre_place(t.centre_id)
        pair = (home, centre) if t.direction == "to_centre" else (centre, home)
        ends.append(pair)
        places.extend(p for p in pair if p not in places)
    local = {p: i for i, p in enumerate(places)}
    ix = np.array([matrix.index(p) for p in places], dtype=np.int64)
    copies = [(v, lay) for v in sc.vehicles for lay in v.layouts]
    requests = []
    for t, (a, b) in zip(trips, ends, strict=True):
        r = riders[t.rider_id]
        board = boarding_time_s(r, params)
        direct = int(matrix.time_s[matrix.index(a), matrix.index(b)])
        lo, hi = centre_window(t.direction, t.centre_time_s, params)
        pick = Visit(local[a], 0, DAY_S, board) if t.direction == "to_centre" \
            else Visit(local[a], lo, hi, board)
        drop = Visit(local[b], lo, hi, board) if t.direction == "to_centre" \
            else Visit(local[b], 0, DAY_S, board)
        requests.append(Request(
            t.rider_id, drop, (r.seats, r.wheelchair_places), pick,
            max_ride=ride_limit_s(r, direct, params) + board, drop_penalty=10**11,
            allowed_vehicles=tuple(i for i, (_v, lay) in enumerate(copies)
                                   if r.seats <= lay[0] and r.wheelchair_places <= lay[1])))
    fleet = tuple(FleetVehicle(
        v.vehicle_id, local[depot_place(v.vehicle_id)], local[depot_place(v.vehicle_id)], lay,
        earliest_start=v.available_from_s, latest_end=v.available_to_s,
        fixed_cost=v.fixed_cost_ore * _CENTI,
        cost_per_distance=v.cost_per_km_ore * _CENTI / 1000.0,
        cost_per_travel_time=v.cost_per_hour_ore * _CENTI / 3600.0,
        exclusive_group=v.vehicle_id if len(v.layouts) > 1 else "") for v, lay in copies)
    problem = RoutingProblem(
        time=matrix.time_s[np.ix_(ix, ix)].astype(np.int64),
        distance=matrix.distance_m[np.ix_(ix, ix)].astype(np.int64),
        requests=tuple(requests), vehicles=fleet, name="reference-day", no_wait_on_board=True)
    return problem, [i for i, _ in enumerate(copies)]


def reference_week(sc: Scenario, matrix: TravelMatrix, seconds_per_day: float = 60.0,
                   params: PlanParams | None = None) -> list[ReferenceDay]:
    """Solve each weekday of ``sc`` as one whole-day problem; its cost per day (øre)."""
    params = params or sc.plan_params
    by_day: dict[str, list[Trip]] = defaultdict(list)
    for t in rider_trips(sc, params):
        by_day[t.weekday].append(t)
    vehicles = [(v, lay) for v in sc.vehicles for lay in v.layouts]
    out: list[ReferenceDay] = []
    for day in (d for d in WEEKDAYS if by_day.get(d)):
        problem, _ = _day_problem(by_day[day], sc, matrix, params)
        sol = solve(problem, SolveOptions(time_limit_s=seconds_per_day, solution_limit=None,
                                          seed=params.seed))
        cost = 0.0
        for route in sol.routes:
            v, _lay = vehicles[route.vehicle]
            locs = [x.location for x in route.visits]
            metres = sum(int(problem.distance[a, b]) for a, b in itertools.pairwise(locs))
            busy = sum(int(problem.time[a, b]) for a, b in itertools.pairwise(locs))
            for x in route.visits:
                if x.request is not None:
                    req = problem.requests[x.request]
                    visit = req.pickup if x.kind == "pickup" else req.delivery
                    busy += visit.service if visit is not None else 0
            cost += v.fixed_cost_ore + metres * v.cost_per_km_ore / 1000.0 \
                + busy * v.cost_per_hour_ore / 3600.0
        out.append(ReferenceDay(day, len(by_day[day]), len(by_day[day]) - len(sol.dropped),
                                len(sol.routes), round(cost)))
    return out
