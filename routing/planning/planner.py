"""The weekly plan: from a scenario to fixed shared routes with agreed, rounded pickup times.

How a plan is built
-------------------
1. **Trips.** Each rider, on each weekday they attend, rides *to* the centre before their first
   session of the day and *home from* it after their last (09–12 + 12–15 → in before 09, home
   after 15).
2. **Waves.** A day's trips of one direction whose centre times lie within ``wave_gap_s`` of each
   other form a wave, solved as one pickup-and-delivery problem (riders of different centres may
   share a vehicle). Waves are solved in time order; a vehicle is free for a later wave once it is
   back at its depot, and its fixed vehicle-day price is charged only in the first wave it serves.
   A day of moderate size is then improved as one problem over all its waves (whole-day
   vehicles, fixed price once: :func:`routing.planning.whole_day.solve_day`).
3. **Agreed times and waiting.** Riders on board never wait: the solver forbids slack between a
   rider's pickup and drop-off, and each run is timed by
   :func:`routing.planning.timing.time_segments`
   (the vehicle leaves the depot just in time; it waits only while empty, at the door before a
   boarding). The published pickup time is the boarding start rounded *down* to the grid
   (``rounding_s``): the rider is ready at the agreed time and boards within ``rounding_s``
   after it (``docs/vehicles.md``). Ride times are measured from the departure after boarding.
4. **Consistency across weekdays.** Days are solved busiest first; once a rider has agreed times,
   later days constrain their pickup to ``[max seen - consistency_s, min seen + consistency_s]``,
   so all their times lie within ``consistency_s``. A rider who can only be served by breaking
   that is served anyway and listed in ``kpis["consistency_exceptions"]``, never dropped for it.
5. **Unserved.** A trip that cannot be served is listed with a concrete reason: checked before
   the solve (off the road network, direct trip above the limit, no vehicle with the needed places,
   no vehicle free in time) or, if the solver had to drop it, why it did not fit.
6. **Budget and parallel days.** ``time_limit_s`` bounds the solve after snapping and the
   matrix: each day and wave gets a deadline cut from what is left
   (:mod:`routing.planning.budget`). The days after the busiest run in ``workers`` processes
   or through a part runner (:mod:`routing.planning.week`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from routing.model import (
    DAY_S,
    WEEKDAYS,
    Plan,
    Run,
    Scenario,
    Stop,
    Unserved,
    Vehicle,
    format_hm,
)
from routing.network.matrix import TravelMatrix, travel_matrix
from routing.network.roads import RoadNetwork
from routing.params import PlanParams
from routing.places import depot_place, is_centre
from routing.planning.budget import MIN_SOLVE_S, Deadline
from routing.planning.context import (
    CENTI,
    DROP_PENALTY,
    _Context,
    _DayState,
    _precheck,
    _trip_places,
)
from routing.planning.decompose import LARGE_REQUESTS, solve_large
from routing.planning.kpis import kpis_of
from routing.planning.problem import (
    FleetVehicle,
    Request,
    RoutingProblem,
    RoutingSolution,
    SolveOptions,
    Visit,
)
from routing.planning.reasons import unserved_reason
from routing.planning.rules import (
    boarding_time_s,
    ceil_grid,
    floor_grid,
    grid_s,
    ride_limit_s,
)
from routing.planning.solver import solve, solve_serving_most
from routing.planning.stops import centre_window
from routing.planning.timing import StopTiming, time_segments
from routing.planning.trips import Trip as Trip
from routing.planning.trips import place_matrix as place_matrix
from routing.planning.trips import rider_trips as rider_trips
from routing.planning.trips import scenario_places as scenario_places
from routing.planning.trips import snap_places as snap_places
from routing.planning.trips import waves_of_day as waves_of_day
from routing.planning.week import (
    DayResult,
    PartRunner,
    WeekSetup,
    effective_workers,
    solve_week,
    spread_exceptions,
)
from routing.planning.whole_day import solve_day

# Trips, places and waves live in routing.planning.trips; the names imported from it above are
# re-exported here for older callers.

log = logging.getLogger(__name__)

PlanProgress = Callable[[str, int, int], None]
"""Called after each wave with (description, waves done, waves in all)."""



# --------------------------------------------------------------------------------------------
# The planning context and one wave


@dataclass
class _WaveResult:
    runs: list[Run]
    unserved: list[Unserved]
    exceptions: list[dict[str, object]]
    stats: dict[str, object]


def _build_problem(
    trips: Sequence[Trip],
    ctx: _Context,
    day: _DayState,
    windows: dict[tuple[str, str], tuple[int, int]],
    name: str,
    layout_choice: int | None = None,
) -> tuple[RoutingProblem, list[str], list[tuple[str, tuple[int, int]]]]:
    """The wave's routing problem, its local place list and its solver vehicles
    ``(vehicle_id, layout)`` (one per layout of each free vehicle)."""
    p = ctx.params
    vehicles = [v for v in ctx.vehicles.values()
                if max(v.available_from_s, day.free_from.get(v.vehicle_id, 0)) < v.available_to_s]
    # One solver vehicle per layout; at most one copy of a vehicle drives in a wave, so each run
    # uses exactly one layout.
    copies = [(v, layout) for v in vehicles for layout in v.layouts]
    if layout_choice is not None:
        # Each vehicle fixed to its layout number ``layout_choice`` (or its last).
        copies = [(v, v.layouts[min(layout_choice, len(v.layouts) - 1)]) for v in vehicles]
    places: list[str] = [depot_place(v.vehicle_id) for v in vehicles]
    for t in trips:
        for place in _trip_places(t):
            if place not in places:
                places.append(place)
    local = {pl: i for i, pl in enumerate(places)}
    ix = np.array([ctx.idx(pl) for pl in places], dtype=np.int64)
    time_m = ctx.matrix.time_s[np.ix_(ix, ix)].astype(np.int64)
    dist_m = ctx.matrix.distance_m[np.ix_(ix, ix)].astype(np.int64)

    requests: list[Request] = []
    for t in trips:
        rider = ctx.riders[t.rider_id]
        origin, dest = _trip_places(t)
        board = boarding_time_s(rider, p)
        direct = ctx.travel(origin, dest)
        limit = ride_limit_s(rider, direct, p)
        lo, hi = centre_window(t.direction, t.centre_time_s, p)
        p_lo, p_hi = _pickup_bounds(t, p, windows)
        pickup = Visit(local[origin], p_lo, p_hi, board)
        if t.direction == "to_centre":
            delivery = Visit(local[dest], lo, hi, board)
        else:
            delivery = Visit(local[dest], 0, DAY_S, board)
        allowed = tuple(i for i, (_v, layout) in enumerate(copies)
                        if rider.seats <= layout[0] and rider.wheelchair_places <= layout[1])
        requests.append(Request(
            request_id=t.rider_id,
            pickup=pickup,
            delivery=delivery,
            demand=(rider.seats, rider.wheelchair_places),
            # Ride is measured from departure at the pickup; the solver bounds start-to-start.
            max_ride=limit + board,
            drop_penalty=DROP_PENALTY,
            allowed_vehicles=allowed,
        ))
    fleet = tuple(
        FleetVehicle(
            vehicle_id=v.vehicle_id,
            start_location=local[depot_place(v.vehicle_id)],
            end_location=local[depot_place(v.vehicle_id)],
            capacity=layout,
            exclusive_group=v.vehicle_id if len(v.layouts) > 1 else "",
            earliest_start=max(v.available_from_s, day.free_from.get(v.vehicle_id, 0)),
            latest_end=v.available_to_s,
            fixed_cost=0 if v.vehicle_id in day.used else v.fixed_cost_ore * CENTI,
            cost_per_distance=v.cost_per_km_ore * CENTI / 1000.0,
            cost_per_time=v.cost_per_hour_ore * CENTI / 3600.0,
        )
        for v, layout in copies
    )
    problem = RoutingProblem(
        time=time_m, distance=dist_m, requests=tuple(requests), vehicles=fleet,
        ride_time_weight=p.ride_time_weight_ore_per_hour * CENTI / 3600.0, name=name,
        no_wait_on_board=True,
    )
    return problem, places, [(v.vehicle_id, layout) for v, layout in copies]


def _pickup_bounds(
    trip: Trip, p: PlanParams, windows: dict[tuple[str, str], tuple[int, int]]
) -> tuple[int, int]:
    """Bounds on the start of boarding of a trip's pickup.

    The agreed time is the boarding start rounded down to the grid, so a bound ``agreed ≤ a`` is
    ``boarding ≤ a + grid - 1``. At the centre the boarding itself lies in the pickup window.
    A consistency window that misses the session's window is ignored (the rider becomes a
    consistency exception rather than unserved).
    """
    grid = grid_s(p)
    w = windows.get((trip.rider_id, trip.direction))
    if trip.direction == "to_centre":
        if w is not None and ceil_grid(w[0], grid) <= floor_grid(w[1], grid):
            return ceil_grid(w[0], grid), floor_grid(w[1], grid) + grid - 1
        # No window, or an empty one (the rider's times already spread beyond the limit: an
        # accepted exception on an earlier day).
        return 0, DAY_S
    lo, hi = centre_window(trip.direction, trip.centre_time_s, p)
    b_lo, b_hi = ceil_grid(lo, grid), hi
    if w is not None:
        c_lo = max(b_lo, ceil_grid(w[0], grid))
        c_hi = min(b_hi, floor_grid(w[1], grid) + grid - 1)
        if c_lo <= min(c_hi, floor_grid(w[1], grid)):
            return c_lo, c_hi
    return b_lo, b_hi


def _schedule_run(
    visits: Sequence[tuple[str, str, Trip | None, int]],
    vehicle: Vehicle,
    ctx: _Context,
    run_id: str,
    trips: Sequence[Trip],
    windows: dict[tuple[str, str], tuple[int, int]],
    earliest_depart_s: int,
    layout: tuple[int, int] | None = None,
    start_place: str | None = None,
    end_place: str | None = None,
) -> Run:
    """Turn a solved route into a run with agreed times, loads and road legs.

    ``visits`` are (kind, place, trip, solver start of service) without the depot visits.
    The run starts at ``start_place`` and ends at ``end_place`` (its terminal stops, kind
    ``"depot"``): the vehicle's depot by default, or a centre where the vehicle waits between
    two runs of its day (:attr:`routing.model.Run`). ``vehicle.available_to_s`` bounds the
    arrival at the end terminal.
    Consecutive visits of the same kind at the same place become one stop when the solver's time
    of the stop suits every rider's own bounds. The run is timed by
    :func:`routing.planning.timing.time_segments`: riders on board never wait, the vehicle leaves
    the
    depot just in time, each segment (from boarding an empty vehicle until it is empty again)
    starts near the solver's time, on the grid when possible; the agreed time of each pickup is
    its boarding start rounded down to the grid.
    """
    p = ctx.params
    grid = grid_s(p)

    def bounds(kind: str, place: str, trip: Trip) -> tuple[int, int]:
        if kind == "pickup":
            return _pickup_bounds(trip, p, windows)
        if trip.direction == "to_centre" and is_centre(place):
            return centre_window(trip.direction, trip.centre_time_s, p)
        return -DAY_S, 2 * DAY_S

    groups: list[tuple[str, str, list[Trip], int, tuple[int, int]]] = []
    for solver_kind, place, trip, t in visits:
        assert trip is not None
        kind = "pickup" if solver_kind == "pickup" else "dropoff"
        lo, hi = bounds(kind, place, trip)
        if groups and groups[-1][0] == kind and groups[-1][1] == place:
            g_lo, g_hi = max(groups[-1][4][0], lo), min(groups[-1][4][1], hi)
            # Co-located riders share a stop only if the stop's time suits each of them (a
            # rider's own window may miss the first rider's time).
            if g_lo <= groups[-1][3] <= g_hi:
                groups[-1][2].append(trip)
                groups[-1] = (kind, place, groups[-1][2], groups[-1][3], (g_lo, g_hi))
                continue
        groups.append((kind, place, [trip], t, (lo, hi)))

    start = start_place or depot_place(vehicle.vehicle_id)
    end = end_place or depot_place(vehicle.vehicle_id)
    timings: list[StopTiming] = []
    load = 0
    prev = start
    for kind, place, group_trips, _t, (lo, hi) in groups:
        riders = [ctx.riders[tr.rider_id] for tr in group_trips]
        timings.append(StopTiming(
            service_s=sum(boarding_time_s(r, p) for r in riders),
            travel_in_s=ctx.travel(prev, place), load_before=load,
            start_lo_s=lo, start_hi_s=hi))
        load += (1 if kind == "pickup" else -1) * len(riders)
        prev = place
    table = time_segments(
        timings, travel_back_s=ctx.travel(prev, end), earliest_depart_s=earliest_depart_s,
        latest_back_s=vehicle.available_to_s, targets_s=[g[3] for g in groups], align_s=grid)
    if not table.feasible:
        # The solver's own times satisfy every bound; a miss means the models differ (a bug).
        log.warning("run %s: no timetable without on-board waiting within the bounds", run_id)

    coords = ctx.coords
    raw: list[tuple[str, str, tuple[str, ...], int, int, int | None, int, int]] = []
    raw.append(("depot", start, (), table.depart_s, table.depart_s, None, 0, 0))
    seats = wheelchairs = 0
    prev_dep = table.depart_s
    for (kind, place, group_trips, _t, _b), timing, begin in zip(
            groups, timings, table.starts_s, strict=True):
        riders = [ctx.riders[tr.rider_id] for tr in group_trips]
        # The vehicle waits only while empty: at the door before the segment's first boarding.
        arrival = min(begin, prev_dep + timing.travel_in_s)
        agreed: int | None = None
        if kind == "pickup":
            agreed = floor_grid(begin, grid)
            seats += sum(r.seats for r in riders)
            wheelchairs += sum(r.wheelchair_places for r in riders)
        else:
            seats -= sum(r.seats for r in riders)
            wheelchairs -= sum(r.wheelchair_places for r in riders)
        departure = begin + timing.service_s
        raw.append((kind, place, tuple(tr.rider_id for tr in group_trips), arrival, departure,
                    agreed, seats, wheelchairs))
        prev_dep = departure
    raw.append(("depot", end, (), table.back_s, table.back_s, None, 0, 0))
    stops: list[Stop] = []
    for i, (kind, place, rider_ids, arr, dep, agreed, s_load, w_load) in enumerate(raw):
        nxt = raw[i + 1][1] if i + 1 < len(raw) else None
        lat, lon = coords[place]
        stops.append(Stop(
            kind=kind,  # type: ignore[arg-type]
            rider_ids=rider_ids, lat=lat, lon=lon, arrival_s=arr, departure_s=dep,
            load_seats=s_load, load_wheelchairs=w_load,
            leg_distance_m=ctx.distance(place, nxt) if nxt else 0,
            leg_travel_s=ctx.travel(place, nxt) if nxt else 0,
            place=place, agreed_s=agreed,
        ))
    centres = Counter(t.centre_id for t in trips)
    sessions = Counter(t.session_id for t in trips)
    return Run(
        run_id=run_id, weekday=trips[0].weekday,
        centre_id=centres.most_common(1)[0][0], session_id=sessions.most_common(1)[0][0],
        direction=trips[0].direction, vehicle_id=vehicle.vehicle_id, stops=tuple(stops),
        centre_ids=tuple(sorted(centres)), session_ids=tuple(sorted(sessions)),
        layout=layout,
    )


def _solve_wave(
    trips: Sequence[Trip],
    ctx: _Context,
    day: _DayState,
    windows: dict[tuple[str, str], tuple[int, int]],
    deadline: Deadline,
    build_by: Deadline | None = None,
) -> _WaveResult:
    """One wave before ``deadline``; a large wave's construction may go on until ``build_by``
    (later: the time its improvement would have had)."""
    p = ctx.params
    time_limit_s = max(MIN_SOLVE_S, deadline.left())
    first = trips[0]
    label = f"{first.weekday.upper()}-{'TO' if first.direction == 'to_centre' else 'FROM'}-" \
            f"{format_hm(min(t.centre_time_s for t in trips)).replace(':', '')}"
    unserved: list[Unserved] = []
    solvable: list[Trip] = []
    for t in trips:
        reason = _precheck(t, ctx, day)
        if reason is None:
            solvable.append(t)
        else:
            unserved.append(Unserved(t.rider_id, t.weekday, t.session_id, t.direction, reason))
    stats: dict[str, object] = {"wave": label, "trips": len(trips), "prechecked_out": len(unserved)}
    if not solvable:
        return _WaveResult([], unserved, [], stats)

    options = SolveOptions(time_limit_s=time_limit_s, seed=p.seed,
                           solution_limit=p.solution_limit)

    def then() -> SolveOptions | None:
        """Options for one more attempt within the wave's deadline (None: no time left)."""
        left = deadline.left()
        return None if left < MIN_SOLVE_S else replace(options, time_limit_s=min(
            time_limit_s, left))

    problem, places, vehicle_ids = _build_problem(solvable, ctx, day, windows, label)
    # A large wave starts from our own construction (OR-Tools' finds none in time at city
    # scale); the layouts are chosen inside it, so no second pass per layout.
    large = len(problem.requests) > LARGE_REQUESTS
    exceptions: list[dict[str, object]] = []
    own_windows = windows
    if large:
        solution, exceptions, windows = _construct_and_improve(
            solvable, ctx, day, windows, label, problem, options, deadline, build_by)
    else:
        solution = solve_serving_most(problem, options)
    n_layouts = max((len(ctx.vehicles[v].layouts) for v, _ in vehicle_ids), default=1)
    for choice in range(1, n_layouts) if solution.dropped and not large else ():
        # Construction rarely switches a vehicle's layout once a route is started; offer the
        # fleet in each alternative layout as a whole too.
        more = then()
        if more is None:
            break
        fixed = _build_problem(solvable, ctx, day, windows, label, layout_choice=choice)
        other = solve(fixed[0], more)
        if (len(other.dropped), other.objective) < (len(solution.dropped), solution.objective):
            problem, places, vehicle_ids = fixed
            solution = other
    dropped_with_window = [i for i in solution.dropped
                           if (solvable[i].rider_id, solvable[i].direction) in windows
                           and not large]
    if dropped_with_window and then() is not None:
        # Serve them with their times moved rather than not at all; list them as exceptions.
        relaxed = dict(windows)
        for i in dropped_with_window:
            relaxed.pop((solvable[i].rider_id, solvable[i].direction), None)
        problem2, places2, vehicle_ids2 = _build_problem(solvable, ctx, day, relaxed, label)
        solution2 = solve(problem2, then() or options)
        if len(solution2.dropped) < len(solution.dropped):
            served2 = {r for rt in solution2.routes for r in rt.requests}
            for i in dropped_with_window:
                if i in served2:
                    exceptions.append({"rider_id": solvable[i].rider_id,
                                       "direction": solvable[i].direction,
                                       "weekday": solvable[i].weekday,
                                       "reason": "no feasible route within the consistency window"})
            problem, places, vehicle_ids, solution = problem2, places2, vehicle_ids2, solution2
            windows = relaxed
    if solution.dropped and not large:
        # OR-Tools still leaves trips out (e.g. no first solution within a small wave's share
        # of the time on a busy machine): our construction always ends and may serve them.
        built = _build_problem(solvable, ctx, day, own_windows, label)
        # A small wave's construction takes well under a second: give it one even when the
        # wave's time is spent, so a busy machine costs improvement, not served trips.
        other, other_exceptions, other_windows = _construct_and_improve(
            solvable, ctx, day, own_windows, label, built[0], options,
            Deadline(max(deadline.at, time.monotonic() + 1.0)))
        if len(other.dropped) < len(solution.dropped):
            problem, places, vehicle_ids = built
            solution, exceptions, windows = other, other_exceptions, other_windows
    stats.update({"requests": len(solvable),
                  "construction_s": solution.stats.get("construction_s"),
                  "vehicles_available": len({v for v, _ in vehicle_ids}),
                  "routes": len(solution.routes), "dropped": len(solution.dropped),
                  "objective": solution.objective, "status": solution.status,
                  "seconds": round(solution.wall_s, 2),
                  # Stopped by the clock rather than the work budget: machine-dependent result.
                  "time_limited": solution.wall_s >= 0.95 * time_limit_s or bool(
                      solution.stats.get("unreached") or solution.stats.get("pieces_skipped"))})
    not_reached = _not_reached(solution, time_limit_s)
    stats["not_reached"] = len(not_reached)
    for i in solution.dropped:
        t = solvable[i]
        lo, hi = centre_window(t.direction, t.centre_time_s, p)
        when = {"time": format_hm(t.centre_time_s), "start": format_hm(lo), "end": format_hm(hi)}
        reason = (unserved_reason("time_budget", **when) if i in not_reached else
                  unserved_reason("wave_full", **when, vehicles=len({v for v, _ in vehicle_ids})))
        unserved.append(Unserved(t.rider_id, t.weekday, t.session_id, t.direction, reason))
    runs: list[Run] = []
    for route in solution.routes:
        vehicle_id, layout = vehicle_ids[route.vehicle]
        vehicle = ctx.vehicles[vehicle_id]
        visits = [(v.kind, places[v.location], solvable[v.request], v.time)
                  for v in route.visits if v.request is not None]
        route_trips = [solvable[r] for r in route.requests]
        earliest = max(vehicle.available_from_s, day.free_from.get(vehicle.vehicle_id, 0))
        run = _schedule_run(visits, vehicle, ctx, f"{label}-{vehicle.vehicle_id}", route_trips,
                            windows, earliest, layout)
        runs.append(run)
        day.free_from[vehicle.vehicle_id] = run.stops[-1].arrival_s
        day.used.add(vehicle.vehicle_id)
    return _WaveResult(runs, unserved, exceptions, stats)


def _construct_and_improve(
    solvable: Sequence[Trip],
    ctx: _Context,
    day: _DayState,
    windows: dict[tuple[str, str], tuple[int, int]],
    label: str,
    problem: RoutingProblem,
    options: SolveOptions,
    deadline: Deadline,
    build_by: Deadline | None = None,
) -> tuple[RoutingSolution, list[dict[str, object]], dict[tuple[str, str], tuple[int, int]]]:
    """A wave by our construction and OR-Tools per piece (:func:`solve_large`): the solution,
    the consistency exceptions it made and the windows left in force.

    A rider who fits nowhere within their consistency window is placed without it (a listed
    exception, never dropped for it), inside the same construction.
    """
    fallback = _build_problem(solvable, ctx, day, {}, label)[0] if windows else None
    wider = {k: day.wider.get(k, w) for k, w in windows.items()}
    middle = _build_problem(solvable, ctx, day, wider, label)[0] if wider != windows else None
    solution = solve_large(problem, options, fallback=fallback, deadline=deadline,
                           workers=ctx.piece_workers, build_by=build_by, middle=middle)
    exceptions: list[dict[str, object]] = []
    for i in solution.stats.get("widened", ()):
        # Placed within the anchor's full window: times are checked across days at the end.
        key = (solvable[i].rider_id, solvable[i].direction)
        windows = {**windows, key: wider[key]}
    for i in solution.stats.get("relaxed", ()):
        t = solvable[i]
        exceptions.append({"rider_id": t.rider_id, "direction": t.direction,
                           "weekday": t.weekday,
                           "reason": "no feasible route within the consistency window"})
        windows = {k: w for k, w in windows.items() if k != (t.rider_id, t.direction)}
    return solution, exceptions, windows


def _not_reached(solution: RoutingSolution, time_limit_s: float) -> set[int]:
    """Dropped requests the search never got to place because the clock stopped it: those the
    construction did not reach, or all of them when OR-Tools ended without a route (no first
    solution within the time limit)."""
    if "unreached" in solution.stats:
        return set(solution.stats["unreached"]) & set(solution.dropped)
    if not solution.routes and solution.wall_s >= 0.95 * time_limit_s:
        return set(solution.dropped)
    return set()


# --------------------------------------------------------------------------------------------
# The week

BUILD_S_PER_REQUEST = 0.01
"""Assumed construction seconds per request until one has been measured (a 600-request wave
took 3.5–12 s on the loaded 2-core machine); the reserve for later waves is twice the slowest
rate seen, as the rate varies with the wave and the machine's load."""



def _solve_day(day: str, waves: list[list[Trip]], ctx: _Context,
               windows: dict[tuple[str, str], tuple[int, int]], budget_s: float,
               state: _DayState) -> DayResult:
    """One weekday, wave after wave in time order, within ``budget_s`` (:data:`DaySolver`)."""
    started = time.monotonic()
    deadline = Deadline.after(budget_s)
    out = DayResult([], [], [], {"day": day, "budget_s": round(budget_s, 2), "waves": []})
    remaining = sum(len(w) for w in waves)
    per_request = BUILD_S_PER_REQUEST
    for wave in waves:
        remaining -= len(wave)
        # A wave's deadline: its share of what is left, so time a wave did not need passes on.
        # Its construction may run on while the later waves' constructions still fit (at the
        # slowest rate seen so far): a trip left out costs more than a route left unimproved.
        reserve = Deadline(deadline.at - 2 * per_request * remaining)
        share = deadline.share(len(wave), remaining + len(wave))
        # Its improvement stops in time for them too; its construction gets at least its share.
        result = _solve_wave(wave, ctx, state, windows, Deadline(min(share.at, reserve.at)),
                             Deadline(max(share.at, reserve.at)))
        built = result.stats.get("construction_s")
        if isinstance(built, float) and result.stats.get("requests"):
            per_request = max(per_request, built / float(str(result.stats["requests"])))
        out.runs.extend(result.runs)
        out.unserved.extend(result.unserved)
        out.exceptions.extend(result.exceptions)
        out.stats["waves"].append(result.stats)
    out.stats["seconds"] = round(time.monotonic() - started, 2)
    return out


def build_plan(
    scenario: Scenario,
    network: RoadNetwork,
    params: PlanParams | None = None,
    *,
    progress: PlanProgress | None = None,
    matrix: TravelMatrix | None = None,
    run_parts: PartRunner | None = None,
) -> Plan:
    """Build the fixed weekly plan of a scenario.

    Parameters
    ----------
    scenario
        Centres, sessions, riders and vehicles.
    network
        The prepared road network.
    params
        Planning rules and solver budget; default: the scenario's.
    progress
        Optional callback after each wave.
    matrix
        A precomputed :func:`place_matrix` (saves snapping and shortest paths).
    run_parts
        Solves independent parts (the days after the busiest) elsewhere, e.g. through the API's
        job engine (``api.jobs.parts``): ``run_parts("module:function", specs) -> results``,
        JSON in and out. None: worker processes of this machine (``params.workers``).

    Returns
    -------
    Plan
        Runs, unserved trips with reasons, key figures and solve statistics.
    """
    params = params or scenario.plan_params
    if params.clusters > 1:
        from routing.planning.region import build_region_plan  # it calls back into this

        return build_region_plan(build_plan, scenario, network, params, progress=progress,
                                 run_parts=run_parts)
    started = time.monotonic()
    snapped_list = snap_places(scenario, network, params)
    matrix = matrix or travel_matrix(network, snapped_list)
    prepared_s = time.monotonic() - started
    # The solver's budget starts now: snapping and the matrix are reported apart.
    deadline = Deadline.after(params.time_limit_s)
    workers = effective_workers(params.workers)
    ctx = _Context(
        scenario=scenario, params=params, matrix=matrix,
        snapped={s.point_id: s for s in snapped_list},
        riders={r.rider_id: r for r in scenario.riders},
        vehicles={v.vehicle_id: v for v in scenario.vehicles},
        coords={pl: (lat, lon) for pl, lat, lon in scenario_places(scenario)},
        piece_workers=1 if run_parts is not None else workers,
    )
    trips = rider_trips(scenario, params)
    by_day: dict[str, list[Trip]] = defaultdict(list)
    for t in trips:
        by_day[t.weekday].append(t)
    # Busiest day first: it is the hardest, and later days adapt their times to it.
    days = sorted(by_day, key=lambda d: (-len(by_day[d]), WEEKDAYS.index(d)))
    waves = {d: waves_of_day(by_day[d], params) for d in days}
    n_waves = sum(len(w) for w in waves.values())
    done = 0

    def on_day(result: DayResult) -> None:
        nonlocal done
        for wave in result.stats["waves"]:
            done += 1
            if progress is not None:
                progress(str(wave["wave"]), done, n_waves)

    setup = WeekSetup(solve_day=solve_day, ctx=ctx, new_state=lambda: _DayState({}, set()),
                      consistency_s=params.consistency_s, workers=workers,
                      ctx_one_worker=replace(ctx, piece_workers=1), progress=on_day)
    if run_parts is not None:
        from routing.planning import day_parts  # it imports this module

        setup.run_parts = run_parts
        setup.part_solver = day_parts.SOLVER
        setup.part_spec = day_parts.spec_maker(scenario, params, ctx)
        setup.part_result = day_parts.day_result
    results = solve_week(days, waves, setup, deadline)
    runs = [run for d in days for run in results[d].runs]
    unserved = [u for d in days for u in results[d].unserved]
    exceptions = [e for d in days for e in results[d].exceptions]
    exceptions += spread_exceptions(runs, exceptions, params.consistency_s)
    wave_stats = [w for d in days for w in results[d].stats["waves"]]
    runs.sort(key=lambda r: (WEEKDAYS.index(r.weekday), r.stops[0].departure_s, r.run_id))
    unserved.sort(key=lambda u: (WEEKDAYS.index(u.weekday), u.direction, u.rider_id))
    elapsed = time.monotonic() - started
    kpis = plan_kpis(runs, unserved, ctx, exceptions)
    stats = {"seconds": round(elapsed, 2), "waves": wave_stats, "trips": len(trips),
             "prepare_s": round(prepared_s, 2),
             "solve_s": round(elapsed - prepared_s, 2),
             "workers": workers,
             "days": [{k: v for k, v in results[d].stats.items() if k != "waves"}
                      for d in days],
             "deterministic": not any(w.get("time_limited") for w in wave_stats),
             "solution_limit": params.solution_limit,
             "time_limit_s": params.time_limit_s, "seed": params.seed}
    return Plan(runs=tuple(runs), unserved=tuple(unserved), kpis=kpis, stats=stats,
                scenario=scenario.name, params=params)


def plan_kpis(
    runs: Sequence[Run],
    unserved: Sequence[Unserved],
    ctx: _Context,
    exceptions: Sequence[dict[str, object]] = (),
) -> dict[str, object]:
    """Key figures: vehicles, km, hours, cost, ride times, detours, time-consistency spread."""
    return kpis_of(runs, unserved, ctx.riders, ctx.vehicles, ctx.params, ctx.travel, exceptions)
