"""Whole-day vehicles: one weekday solved as one routing problem spanning all its waves.

A vehicle's day is one solver route through its waves: it may carry the morning riders in, the
12:00 riders home and the afternoon riders home, and its fixed vehicle-day price is paid once,
so the morning chooses its vehicles knowing the afternoon. The plan still consists of runs (one
trip of a vehicle to or from the centres, terminal to terminal: :class:`routing.model.Run`), so
the route is cut into runs at each change of wave:

- each wave's requests form a *group* (:attr:`routing.planning.problem.Request.group`): nobody
  rides across a change of group, the vehicle is empty between runs;
- between two waves the vehicle drives back to its depot and out again: the model's travel
  between places of different waves goes through a depot (the slowest of the fleet's depots, so
  the solver's times always leave room for the real depot's detour) — except, with
  ``PlanParams.between_runs = "centre"``, from a centre: a run that ends with a drop-off at a
  centre leaves the vehicle there, the next wave is reached directly, and the runs are cut
  there (:func:`_runs_of`: that run ends at the centre, the next starts there);
- waiting is free between runs and forbidden with riders on board (the solver's slack-free
  ``drive`` dimension), and time is charged for driving and service only
  (:attr:`~routing.planning.problem.FleetVehicle.cost_per_travel_time`), as the plan's run costs
  charge runs from terminal to terminal rather than the idle hours between them.

Everything else is the wave model's: pickup and centre windows, rounded agreed times, ride
limits, seats and wheelchair places (one layout for the vehicle's whole day), consistency
windows from earlier-solved days (a rider who fits only without theirs is served anyway and
listed as an exception). A day the whole-day model serves worse than the wave model is planned
by waves (:func:`solve_day` compares both).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from routing.model import DAY_S, Run, Unserved, format_hm
from routing.places import depot_place, is_centre
from routing.planning.context import CENTI, DROP_PENALTY, _precheck, _trip_places
from routing.planning.decompose import LARGE_REQUESTS
from routing.planning.problem import (
    FleetVehicle,
    Request,
    RoutingProblem,
    RoutingSolution,
    SolveOptions,
    Visit,
)
from routing.planning.reasons import unserved_reason
from routing.planning.rules import boarding_time_s, ride_limit_s
from routing.planning.solver import solve, solve_serving_most
from routing.planning.stops import centre_window
from routing.planning.trips import Trip
from routing.planning.week import DayResult

if TYPE_CHECKING:
    from routing.planning.context import _Context, _DayState

Windows = dict[tuple[str, str], tuple[int, int]]

WORK_PER_WAVE_REFERENCE_S = 90.0
"""The plan budget that buys one try at each day (:func:`day_tries`)."""


@dataclass
class _Day:
    """One weekday solved: its runs, unserved trips, consistency exceptions and per-wave
    statistics (the week's :class:`~routing.planning.week._Day` is made from it)."""

    runs: list[Run]
    unserved: list[Unserved]
    exceptions: list[dict[str, object]]
    stats: list[dict[str, object]] = field(default_factory=list)


def wave_label(trips: Sequence[Trip]) -> str:
    first = trips[0]
    return (f"{first.weekday.upper()}-{'TO' if first.direction == 'to_centre' else 'FROM'}-"
            f"{format_hm(min(t.centre_time_s for t in trips)).replace(':', '')}")


def use_whole_day(n_requests: int, ctx: _Context) -> bool:
    """Whether a day of ``n_requests`` trips is solved whole (``PlanParams.day_model``)."""
    p = ctx.params
    if p.day_model == "waves":
        return False
    return p.day_model == "whole_day" or n_requests <= p.whole_day_max_requests


def day_work_limit(ctx: _Context, n_waves: int) -> int | None:
    """The work budget of one try at a day: ``solution_limit`` per wave."""
    p = ctx.params
    if p.solution_limit is None:
        return None
    return max(1, p.solution_limit * max(1, n_waves))


def day_tries(ctx: _Context) -> int:
    """How many tries a day gets: one per ``WORK_PER_WAVE_REFERENCE_S`` of ``time_limit_s``
    (at least one). Try ``k`` searches from the wave model's solution with seed ``seed + k``,
    each within the same work limit, and the best day is kept: a larger budget adds tries, so
    it buys a better or equal day while every try stays reproducible."""
    p = ctx.params
    if p.solution_limit is None:
        return 1
    return max(1, int(p.time_limit_s // WORK_PER_WAVE_REFERENCE_S))


def _places(trips: Sequence[Trip], waves: Sequence[int], ctx: _Context,
            depots: Sequence[str], stay_at_centre: bool = False,
            ) -> tuple[list[tuple[str, int]], np.ndarray, np.ndarray]:
    """The model's locations — each depot, then each (place, wave) — and their time and
    distance matrices; travel between waves goes through the slowest depot, except from a
    centre when ``stay_at_centre`` (the vehicle waits there: ``between_runs = "centre"``)."""
    locs: list[tuple[str, int]] = [(d, -1) for d in depots]
    for t, w in zip(trips, waves, strict=True):
        for place in _trip_places(t):
            if (place, w) not in locs:
                locs.append((place, w))
    ix = np.array([ctx.idx(pl) for pl, _ in locs], dtype=np.int64)
    time_m = ctx.matrix.time_s[np.ix_(ix, ix)].astype(np.int64)
    dist_m = ctx.matrix.distance_m[np.ix_(ix, ix)].astype(np.int64)
    dix = np.array([ctx.idx(d) for d in dict.fromkeys(depots)], dtype=np.int64)
    to_d = ctx.matrix.time_s[np.ix_(ix, dix)].astype(np.int64)  # place → depot
    from_d = ctx.matrix.time_s[np.ix_(dix, ix)].astype(np.int64)  # depot → place
    via = to_d[:, :, None] + from_d[None, :, :]  # [a, depot, b]
    worst = via.argmax(axis=1)
    via_t = via.max(axis=1)
    dto = ctx.matrix.distance_m[np.ix_(ix, dix)].astype(np.int64)
    dfrom = ctx.matrix.distance_m[np.ix_(dix, ix)].astype(np.int64)
    a_idx, b_idx = np.indices(worst.shape)
    via_d = dto[a_idx, worst] + dfrom[worst, b_idx]
    wave_of = np.array([w for _, w in locs])
    apart = (wave_of[:, None] != wave_of[None, :]) & (wave_of[:, None] >= 0) \
        & (wave_of[None, :] >= 0)
    if stay_at_centre:
        # A run that ends at a centre (its last drop-off) leaves the vehicle there: the next
        # wave is reached directly. (Nobody rides across waves, so the only arcs from a centre
        # to another wave a route can use leave a to_centre run's last drop-off.)
        at_centre = np.array([is_centre(pl) for pl, _ in locs])
        apart &= ~at_centre[:, None]
    time_m = np.where(apart, via_t, time_m)
    dist_m = np.where(apart, via_d, dist_m)
    return locs, time_m, dist_m


def build_day_problem(
    trips: Sequence[Trip], waves: Sequence[int], ctx: _Context, windows: Windows,
    state: _DayState, name: str,
) -> tuple[RoutingProblem, list[tuple[str, int]], list[tuple[str, tuple[int, int]]]]:
    """The day's routing problem, its locations ``(place, wave)`` and its solver vehicles
    ``(vehicle_id, layout)`` (one per layout; at most one of a vehicle's copies drives)."""
    from routing.planning.planner import _pickup_bounds

    p = ctx.params
    vehicles = [v for v in ctx.vehicles.values()
                if max(v.available_from_s, state.free_from.get(v.vehicle_id, 0))
                < v.available_to_s]
    copies = [(v, layout) for v in vehicles for layout in v.layouts]
    depots = [depot_place(v.vehicle_id) for v in vehicles]
    locs, time_m, dist_m = _places(trips, waves, ctx, depots,
                                   stay_at_centre=p.between_runs == "centre")
    local = {loc: i for i, loc in enumerate(locs)}
    requests: list[Request] = []
    for t, w in zip(trips, waves, strict=True):
        rider = ctx.riders[t.rider_id]
        origin, dest = _trip_places(t)
        board = boarding_time_s(rider, p)
        limit = ride_limit_s(rider, ctx.travel(origin, dest), p)
        lo, hi = centre_window(t.direction, t.centre_time_s, p)
        p_lo, p_hi = _pickup_bounds(t, p, windows)
        delivery = (Visit(local[(dest, w)], lo, hi, board) if t.direction == "to_centre"
                    else Visit(local[(dest, w)], 0, DAY_S, board))
        requests.append(Request(
            request_id=t.rider_id, pickup=Visit(local[(origin, w)], p_lo, p_hi, board),
            delivery=delivery, demand=(rider.seats, rider.wheelchair_places),
            max_ride=limit + board, drop_penalty=DROP_PENALTY,
            allowed_vehicles=tuple(i for i, (_v, lay) in enumerate(copies)
                                   if rider.seats <= lay[0]
                                   and rider.wheelchair_places <= lay[1]),
            group=w))
    fleet = tuple(
        FleetVehicle(
            vehicle_id=v.vehicle_id, start_location=local[(depot_place(v.vehicle_id), -1)],
            end_location=local[(depot_place(v.vehicle_id), -1)], capacity=layout,
            exclusive_group=v.vehicle_id if len(v.layouts) > 1 else "",
            earliest_start=max(v.available_from_s, state.free_from.get(v.vehicle_id, 0)),
            latest_end=v.available_to_s,
            fixed_cost=0 if v.vehicle_id in state.used else v.fixed_cost_ore * CENTI,
            cost_per_distance=v.cost_per_km_ore * CENTI / 1000.0,
            # Driving and service charged, idle hours between runs not (run costs).
            cost_per_time=0.0, cost_per_travel_time=v.cost_per_hour_ore * CENTI / 3600.0)
        for v, layout in copies)
    problem = RoutingProblem(
        time=time_m, distance=dist_m, requests=tuple(requests), vehicles=fleet,
        ride_time_weight=p.ride_time_weight_ore_per_hour * CENTI / 3600.0, name=name,
        no_wait_on_board=True)
    return problem, locs, [(v.vehicle_id, layout) for v, layout in copies]


def solve_day(day: str, waves: Sequence[Sequence[Trip]], ctx: _Context, windows: Windows,
              budget_s: float, state: _DayState) -> DayResult:
    """The planner's day solver (:data:`routing.planning.week.DaySolver`): :func:`solve_one_day`
    as the week's :class:`~routing.planning.week.DayResult`."""
    started = time.monotonic()
    d = solve_one_day(day, waves, ctx, windows, budget_s, state)
    return DayResult(d.runs, d.unserved, d.exceptions,
                     {"day": day, "budget_s": round(budget_s, 2), "waves": d.stats,
                      "seconds": round(time.monotonic() - started, 2)})


def solve_one_day(day: str, waves: Sequence[Sequence[Trip]], ctx: _Context, windows: Windows,
                  budget_s: float, state: _DayState) -> _Day:
    """Solve one weekday: whole (one problem over all waves) when its size allows
    (:func:`use_whole_day`), else wave by wave; ``windows`` are the consistency pickup windows
    per (rider id, direction) from earlier-solved days. Updates ``state``.

    The whole day starts from the wave model's solution (each wave apart, its work limit as
    always) and improves it as one problem with the rest of the budget; the better day by
    (unserved trips, cost) is kept, so a day is never worse than the wave model's.
    """
    n = sum(len(w) for w in waves)
    large = max(len(w) for w in waves) > LARGE_REQUESTS and ctx.params.day_model == "auto"
    if large or not use_whole_day(n, ctx):
        # A wave of city size goes through our construction (decompose.py); keep the waves.
        return _by_waves(day, waves, ctx, windows, budget_s, state)
    started = time.monotonic()
    tries = day_tries(ctx)
    best: tuple[tuple[int, int], _Day, _DayState] | None = None
    for k in range(tries):
        left = budget_s - (time.monotonic() - started)
        share = max(1.0, left / (tries - k))
        kctx = ctx if k == 0 else replace(ctx, params=replace(ctx.params,
                                                               seed=ctx.params.seed + k))
        result, after = _one_try(day, waves, kctx, windows, share, state)
        key = (len(result.unserved), _day_cost(result, ctx))
        result.stats[-1]["try"] = k
        if best is None or key < best[0]:
            best = (key, result, after)
    assert best is not None
    state.free_from, state.used = best[2].free_from, best[2].used
    return best[1]


def _one_try(day: str, waves: Sequence[Sequence[Trip]], ctx: _Context, windows: Windows,
             budget_s: float, state: _DayState) -> tuple[_Day, _DayState]:
    """The wave model's day, then the whole day from it with the time left; the better
    of the two with the vehicles' state after it."""
    started = time.monotonic()
    trial = _copy(state)
    # The waves get the try's whole time, as without whole days: they mostly stop on their
    # work limit well before it, and the whole day, which converges fast from their solution
    # (the same objective after 13 s and 67 s on the island case), gets the rest.
    by_waves = _by_waves(day, waves, ctx, windows, budget_s, trial)
    rest = max(1.0, budget_s - (time.monotonic() - started))
    after = _copy(state)
    whole = _solve_whole(day, waves, ctx, windows, rest, after, by_waves)
    costs = {"whole_day_cost_dkk": _day_cost(whole, ctx) / 100,
             "waves_cost_dkk": _day_cost(by_waves, ctx) / 100}
    if (len(whole.unserved), _day_cost(whole, ctx)) <= \
            (len(by_waves.unserved), _day_cost(by_waves, ctx)):
        whole.stats[-1].update(costs)
        _adopt(whole, after)
        return whole, after
    by_waves.stats.append({"wave": f"{day.upper()}-WHOLE-DAY", "rejected": True, **costs})
    return by_waves, trial


def _initial_routes(start: _Day, trips: Sequence[Trip],
                    vehicle_ids: Sequence[tuple[str, tuple[int, int]]],
                    ctx: _Context) -> dict[int, list[tuple[int, bool]]]:
    """The wave model's runs as the day problem's first solution: per solver vehicle its
    stops (request index, pickup?). A vehicle's runs all go to the copy of one layout that
    fits each of them; runs that fit none of its layouts are left out (the search re-inserts
    their riders)."""
    index = {(t.rider_id, t.direction): i for i, t in enumerate(trips)}
    copy_of = {vl: i for i, vl in enumerate(vehicle_ids)}
    by_vehicle: dict[str, list[Run]] = {}
    for run in sorted(start.runs, key=lambda r: r.stops[0].departure_s):
        by_vehicle.setdefault(run.vehicle_id, []).append(run)
    out: dict[int, list[tuple[int, bool]]] = {}
    for vid, runs in by_vehicle.items():
        peak = [(max(s.load_seats for s in r.stops), max(s.load_wheelchairs for s in r.stops))
                for r in runs]
        layouts = [lay for lay in ctx.vehicles[vid].layouts
                   if (vid, lay) in copy_of and all(a <= lay[0] and b <= lay[1] for a, b in peak)]
        if not layouts:
            continue
        stops: list[tuple[int, bool]] = []
        for run in runs:
            for stop in run.stops:
                if stop.kind in ("pickup", "dropoff"):
                    for rid in stop.rider_ids:
                        i = index.get((rid, run.direction))
                        if i is not None:
                            stops.append((i, stop.kind == "pickup"))
        out[copy_of[(vid, layouts[0])]] = stops
    return out


def _copy(state: _DayState) -> _DayState:
    return replace(state, free_from=dict(state.free_from), used=set(state.used))


def _adopt(result: _Day, state: _DayState) -> None:
    for run in result.runs:
        state.free_from[run.vehicle_id] = max(state.free_from.get(run.vehicle_id, 0),
                                              run.stops[-1].arrival_s)
        state.used.add(run.vehicle_id)


def _day_cost(result: _Day, ctx: _Context) -> int:
    from routing.planning.costing import runs_cost_ore

    return runs_cost_ore(result.runs, ctx.vehicles)


def _by_waves(day: str, waves: Sequence[Sequence[Trip]], ctx: _Context, windows: Windows,
              budget_s: float, state: _DayState) -> _Day:
    """The wave model: each wave apart, in time order, within ``budget_s`` (the planner's
    wave loop, with its deadlines)."""
    from routing.planning.planner import _solve_day

    result = _solve_day(day, [list(w) for w in waves], ctx, windows, budget_s, state)
    return _Day(result.runs, result.unserved, result.exceptions, list(result.stats["waves"]))


def _solve_whole(day: str, waves: Sequence[Sequence[Trip]], ctx: _Context, windows: Windows,
                 budget_s: float, state: _DayState, start: _Day) -> _Day:
    from routing.planning.planner import _not_reached

    label = f"{day.upper()}-WHOLE-DAY"
    unserved: list[Unserved] = []
    trips: list[Trip] = []
    wave_of: list[int] = []
    for w, wave in enumerate(waves):
        for t in wave:
            reason = _precheck(t, ctx, state)
            if reason is None:
                trips.append(t)
                wave_of.append(w)
            else:
                unserved.append(Unserved(t.rider_id, t.weekday, t.session_id, t.direction,
                                         reason))
    stats: dict[str, object] = {"wave": label, "trips": sum(len(w) for w in waves),
                                "waves": len(waves), "prechecked_out": len(unserved)}
    if not trips:
        return _Day([], unserved, [], [stats])
    options = SolveOptions(time_limit_s=budget_s, seed=ctx.params.seed,
                           solution_limit=day_work_limit(ctx, len(waves)),
                           routes_only_start=True,
                           search="lns" if ctx.params.day_search == "lns" else "gls",
                           lns_polish_at_end=True)
    # Riders the wave model served only without their consistency window: likewise here.
    exceptions = [e for e in start.exceptions
                  if any((t.rider_id, t.direction) == (e["rider_id"], e["direction"])
                         for t in trips)]
    windows = {k: w for k, w in windows.items()
               if not any((e["rider_id"], e["direction"]) == k for e in exceptions)}
    built = build_day_problem(trips, wave_of, ctx, windows, state, label)
    initial = _initial_routes(start, trips, built[2], ctx)
    solution = solve(built[0], options, initial_routes=initial)
    stats["initial"] = solution.stats.get("initial")
    if "lns" in solution.stats:
        stats["lns"] = {k: solution.stats["lns"][k] for k in ("iterations", "improvements")}
    if solution.dropped:
        other = solve_serving_most(built[0], options)
        if (len(other.dropped), other.objective) < (len(solution.dropped), solution.objective):
            solution = other
    missed = [i for i in solution.dropped if (trips[i].rider_id, trips[i].direction) in windows]
    if missed:
        # Serve them with their times moved rather than not at all; list them as exceptions.
        relaxed = {k: v for k, v in windows.items()
                   if k not in {(trips[i].rider_id, trips[i].direction) for i in missed}}
        other_built = build_day_problem(trips, wave_of, ctx, relaxed, state, label)
        other = solve(other_built[0], options)
        if len(other.dropped) < len(solution.dropped):
            served = {r for rt in other.routes for r in rt.requests}
            exceptions += [{"rider_id": trips[i].rider_id, "direction": trips[i].direction,
                           "weekday": trips[i].weekday,
                           "reason": "no feasible route within the consistency window"}
                          for i in missed if i in served]
            built, solution, windows = other_built, other, relaxed
    stats.update({"requests": len(trips), "vehicles_available": len({v for v, _ in built[2]}),
                  "routes": len(solution.routes), "dropped": len(solution.dropped),
                  "objective": solution.objective, "status": solution.status,
                  "solutions": solution.stats.get("solutions"),
                  "work_limit": options.solution_limit, "seconds": round(solution.wall_s, 2),
                  "time_limited": solution.wall_s >= 0.95 * budget_s})
    not_reached = _not_reached(solution, budget_s)
    stats["not_reached"] = len(not_reached)
    for i in solution.dropped:
        t = trips[i]
        lo, hi = centre_window(t.direction, t.centre_time_s, ctx.params)
        when = {"time": format_hm(t.centre_time_s), "start": format_hm(lo), "end": format_hm(hi)}
        reason = (unserved_reason("time_budget", **when) if i in not_reached else
                  unserved_reason("wave_full", **when, vehicles=len({v for v, _ in built[2]})))
        unserved.append(Unserved(t.rider_id, t.weekday, t.session_id, t.direction, reason))
    runs = _runs_of(solution, built, trips, wave_of, waves, ctx, windows, state)
    stats["runs"] = len(runs)
    return _Day(runs, unserved, exceptions, [stats])


def _runs_of(
    solution: RoutingSolution,
    built: tuple[RoutingProblem, list[tuple[str, int]], list[tuple[str, tuple[int, int]]]],
    trips: Sequence[Trip], wave_of: Sequence[int], waves: Sequence[Sequence[Trip]],
    ctx: _Context, windows: Windows, state: _DayState,
) -> list[Run]:
    """Cut each vehicle's day into runs, one per stretch of one wave, each timed from its
    start terminal to its end terminal no earlier than the previous run's end and back in
    time for the next.

    The terminals are the depot, except between two stretches when the first ends at a
    centre and ``between_runs`` is ``"centre"`` (the model's travel from a centre to the next
    wave is direct, :func:`_places`): that run ends at the centre right after its last
    drop-off and the next run starts there. The vehicle's first run starts and its last run
    ends at its depot."""
    from routing.planning.planner import _schedule_run

    _problem, locs, vehicle_ids = built
    group_of = dict(zip(trips, wave_of, strict=True))
    stay = ctx.params.between_runs == "centre"
    runs: list[Run] = []
    for route in solution.routes:
        vehicle_id, layout = vehicle_ids[route.vehicle]
        vehicle = ctx.vehicles[vehicle_id]
        depot = depot_place(vehicle_id)
        stretches: list[list[tuple[str, str, Trip | None, int]]] = []
        last_group: int | None = None
        for v in route.visits:
            if v.request is None:
                continue
            group = wave_of[v.request]
            if group != last_group:
                stretches.append([])
                last_group = group
            stretches[-1].append((v.kind, locs[v.location][0], trips[v.request], v.time))
        earliest = max(vehicle.available_from_s, state.free_from.get(vehicle_id, 0))
        seen: dict[str, int] = {}
        start = depot
        for k, visits in enumerate(stretches):
            run_trips = [tr for kind, _pl, tr, _t in visits if kind == "delivery" and tr]
            label = wave_label(waves[group_of[run_trips[0]]])
            seen[label] = seen.get(label, 0) + 1
            run_id = f"{label}-{vehicle_id}" + (f"-{seen[label]}" if seen[label] > 1 else "")
            latest = vehicle.available_to_s
            end = depot
            if k + 1 < len(stretches):
                last_place = visits[-1][1]
                if stay and is_centre(last_place):
                    end = last_place
                nxt = stretches[k + 1][0]
                latest = nxt[3] - ctx.travel(end, nxt[1])
            run = _schedule_run(visits, replace(vehicle, available_to_s=latest), ctx, run_id,
                                run_trips, windows, earliest, layout, start_place=start,
                                end_place=end)
            runs.append(run)
            earliest = run.stops[-1].arrival_s
            start = end
    return runs


