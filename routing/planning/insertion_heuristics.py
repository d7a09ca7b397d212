"""Reinsert removed requests into routes: the *recreate* step of the large neighbourhood search
(:mod:`routing.planning.lns`).

Each request goes to the feasible position that adds least cost (pickup before delivery, same
route, the delivery at most :data:`MAX_SPAN` stops after the pickup). Positions are found in
two steps, so that the exact check runs on few of them:

1. *filter*, per route in one sweep: capacities, ``allowed_vehicles``, request groups (nobody
   on board across a change of group) and the time windows with waiting allowed, from each
   stop's earliest start and each stop's latest start that keeps the rest of the route on time
   (Savelsbergh's forward and backward times). Every test is a necessary condition;
2. *exact*, cheapest position first: whether any timetable meets the windows, the vehicle's
   working window and maximum duration, every ride limit and — with ``no_wait_on_board`` — no
   waiting while anyone is on board. These are difference constraints; the least timetable
   that meets the lower bounds is found by label correcting (forward travel, backward ride
   limits and no-wait links) and the route is feasible iff it meets every upper bound
   (``benchmarks/evaluate.py`` checks solutions the same way).

The cost of a position is the arc cost OR-Tools charges (distance and travel-time tariffs,
service charged on the arc leaving a stop), plus the vehicle's fixed cost when it opens an
empty vehicle and, with a ride-time weight, the weight times the new rider's ride beyond the
direct trip under driving without waiting. A request that fits nowhere stays out; OR-Tools'
local search tries to insert it afterwards.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from routing.planning.problem import FleetVehicle, Request, RoutingProblem

Stop = tuple[int, bool]
"""(request index, True for its pickup / False for its delivery)."""

MAX_SPAN = 12
"""Stops between a pickup and its delivery tried at most (ride limits make longer spans rare)."""

_NO_GROUP = -1


class Tables:
    """A problem's matrices as Python lists (indexing them in the sweeps is several times
    faster than indexing numpy) and each vehicle's arc costs. Build once per search."""

    def __init__(self, problem: RoutingProblem) -> None:
        self.problem = problem
        self.time: list[list[int]] = problem.time.astype(np.int64).tolist()
        classes: dict[tuple[float, float], list[list[int]]] = {}
        self.cost_of_vehicle: list[list[list[int]]] = []
        self.service_cost: list[float] = []
        for veh in problem.vehicles:
            key = (veh.cost_per_distance, veh.cost_per_travel_time)
            if key not in classes:
                classes[key] = np.rint(problem.distance * veh.cost_per_distance
                                       + problem.time * veh.cost_per_travel_time
                                       ).astype(np.int64).tolist()
            self.cost_of_vehicle.append(classes[key])
            self.service_cost.append(veh.cost_per_travel_time)
        self.ride_weight = problem.ride_time_weight
        self.windows_only = not (problem.no_wait_on_board
                                 or any(r.max_ride is not None for r in problem.requests)
                                 or any(v.max_duration is not None for v in problem.vehicles))
        """Only windows bind time: the filter's test of them is exact, the second check idle."""


@dataclass(slots=True)
class _Route:
    """One route's positions — 0 the start depot, 1..n its stops, n+1 the end depot — with
    their place, window, service, earliest start, latest start keeping the rest on time, the
    load after each and the group on board after each (``_NO_GROUP`` when empty)."""

    locs: list[int]
    lo: list[int]
    hi: list[int]
    service: list[int]
    earliest: list[int]
    latest: list[int]
    load: list[list[int]]
    group: list[int]
    stop_group: list[int]
    """The group of each position's request (``_NO_GROUP`` at the depots and for none)."""
    on_time: bool
    """The windows alone (waiting allowed) leave a timetable."""


def _route(tables: Tables, vehicle: int, stops: list[Stop]) -> _Route:
    problem = tables.problem
    veh = problem.vehicles[vehicle]
    time = tables.time
    locs = [veh.start_location]
    lo = [veh.earliest_start]
    hi = [veh.latest_end]
    service = [0]
    load = [[0] * len(veh.capacity)]
    group = [_NO_GROUP]
    stop_group = [_NO_GROUP]
    current = [0] * len(veh.capacity)
    for r, pick in stops:
        req = problem.requests[r]
        v = req.pickup if pick and req.pickup is not None else req.delivery
        locs.append(v.location)
        lo.append(v.earliest)
        hi.append(v.latest)
        service.append(v.service)
        sign = 1 if pick else -1
        current = [c + sign * q for c, q in zip(current, req.demand, strict=True)]
        load.append(current)
        own = _NO_GROUP if req.group is None else req.group
        stop_group.append(own)
        group.append(own if any(current) else _NO_GROUP)
    locs.append(veh.end_location)
    lo.append(veh.earliest_start)
    hi.append(veh.latest_end)
    service.append(0)
    load.append([0] * len(veh.capacity))
    group.append(_NO_GROUP)
    stop_group.append(_NO_GROUP)
    m = len(locs)
    earliest = [0] * m
    earliest[0] = lo[0]
    on_time = True
    for k in range(1, m):
        earliest[k] = max(earliest[k - 1] + service[k - 1] + time[locs[k - 1]][locs[k]], lo[k])
        if earliest[k] > hi[k]:
            on_time = False
    latest = [0] * m
    latest[-1] = hi[-1]
    for k in range(m - 2, -1, -1):
        latest[k] = min(hi[k], latest[k + 1] - service[k] - time[locs[k]][locs[k + 1]])
    return _Route(locs, lo, hi, service, earliest, latest, load, group, stop_group, on_time)


def _fits(load: list[int], demand: tuple[int, ...], capacity: tuple[int, ...]) -> bool:
    if len(demand) == 1:  # the common cases, spelt out: this runs in the innermost loop
        return load[0] + demand[0] <= capacity[0]
    if len(demand) == 2:
        return load[0] + demand[0] <= capacity[0] and load[1] + demand[1] <= capacity[1]
    return all(a + q <= c for a, q, c in zip(load, demand, capacity, strict=True))


def _filtered_positions(tables: Tables, vehicle: int, route: _Route, r: int
                        ) -> list[tuple[int, int, int]]:
    """Positions to insert request ``r`` that pass the necessary tests, as (added cost, i, j),
    cheapest first (ties by i, j): its pickup goes before stop i, its delivery before stop j
    (j = i: right after the pickup), at most ``MAX_SPAN`` apart."""
    problem = tables.problem
    req = problem.requests[r]
    pick = req.pickup
    if pick is None or not route.on_time:
        return []
    veh = problem.vehicles[vehicle]
    if req.allowed_vehicles is not None and vehicle not in req.allowed_vehicles:
        return []
    if not _fits([0] * len(veh.capacity), req.demand, veh.capacity):
        return []
    drop = req.delivery
    time = tables.time
    cost = tables.cost_of_vehicle[vehicle]
    svc_cost = tables.service_cost[vehicle]
    p, d = pick.location, drop.location
    p_s, d_s = pick.service, drop.service
    g = _NO_GROUP if req.group is None else req.group
    locs, lo, hi, service = route.locs, route.lo, route.hi, route.service
    earliest, latest, load, group = route.earliest, route.latest, route.load, route.group
    n = len(locs) - 2
    extra = round((p_s + d_s) * svc_cost)
    if n == 0:
        extra += veh.fixed_cost
    weight = tables.ride_weight
    direct = time[p][d]
    out: list[tuple[int, int, int]] = []
    for i in range(n + 1):
        prev = locs[i]
        if earliest[i] > pick.latest:
            break  # later positions start later still
        if group[i] != _NO_GROUP and group[i] != g:
            continue  # someone of another group on board here
        if not _fits(load[i], req.demand, veh.capacity):
            continue
        tp = max(earliest[i] + service[i] + time[prev][p], pick.earliest)
        if tp > pick.latest:
            continue
        nxt = locs[i + 1]
        # Delivery right after the pickup.
        td = max(tp + p_s + time[p][d], drop.earliest)
        if td <= drop.latest and max(td + d_s + time[d][nxt], lo[i + 1]) <= latest[i + 1]:
            added = cost[prev][p] + cost[p][d] + cost[d][nxt] - cost[prev][nxt] + extra
            out.append((added, i, i))
        # Delivery after stops i .. j-1.
        added_p = cost[prev][p] + cost[p][nxt] - cost[prev][nxt] + extra
        t, last, last_s = tp, p, p_s
        ride = 0
        for j in range(i + 1, min(n, i + MAX_SPAN) + 1):
            k = j  # position of stop j-1
            if route.stop_group[k] != g:
                break  # nobody rides across a change of group
            leg = last_s + time[last][locs[k]]
            t = max(t + leg, lo[k])
            ride += leg
            if t > hi[k] or t > drop.latest:
                break
            if not _fits(load[k], req.demand, veh.capacity):
                break
            last, last_s = locs[k], service[k]
            td = max(t + last_s + time[last][d], drop.earliest)
            if td > drop.latest:
                continue
            after = locs[k + 1]
            if max(td + d_s + time[d][after], lo[k + 1]) > latest[k + 1]:
                continue
            added = added_p + cost[last][d] + cost[d][after] - cost[last][after]
            if weight:
                # The new rider's ride beyond the direct trip, driven without waiting.
                added += round(weight * max(0, ride + last_s + time[last][d] - p_s - direct))
            out.append((added, i, j))
    out.sort()
    return out


def _timetable_exists(tables: Tables, vehicle: int, stops: list[Stop]) -> bool:
    """Exact: the least timetable meeting every lower bound (windows' earliest, travel and
    service, ride limits, no waiting on board, maximum duration) by label correcting; the
    route is feasible iff it meets every upper bound."""
    problem = tables.problem
    veh = problem.vehicles[vehicle]
    time = tables.time
    n = len(stops)
    m = n + 2
    locs = [veh.start_location] + [0] * n + [veh.end_location]
    lo = [veh.earliest_start] + [0] * n + [veh.earliest_start]
    hi = [veh.latest_end] + [0] * n + [veh.latest_end]
    serv = [0] * m
    picked_at: dict[int, int] = {}
    back: list[tuple[int, int, int]] = []  # x[a] ≥ x[b] − w as (b, a, w), b > a
    loaded_after = [False] * m
    on_board = 0
    for k, (r, pick) in enumerate(stops, start=1):
        req = problem.requests[r]
        v = req.pickup if pick and req.pickup is not None else req.delivery
        locs[k], lo[k], hi[k], serv[k] = v.location, v.earliest, v.latest, v.service
        if pick:
            picked_at[r] = k
            on_board += 1
        else:
            on_board -= 1
            if req.max_ride is not None and r in picked_at:
                back.append((k, picked_at[r], req.max_ride))
        loaded_after[k] = on_board > 0
    if veh.max_duration is not None:
        back.append((m - 1, 0, veh.max_duration))
    no_wait = problem.no_wait_on_board
    leg = [0] * m
    for k in range(1, m):
        leg[k] = serv[k - 1] + time[locs[k - 1]][locs[k]]
    back.sort(reverse=True)
    x = lo[:]
    for _round in range(m + 1):
        for k in range(1, m):
            if x[k - 1] + leg[k] > x[k]:
                x[k] = x[k - 1] + leg[k]
            if x[k] > hi[k]:
                return False
        changed = False
        b = 0
        for k in range(m - 1, 0, -1):
            while b < len(back) and back[b][0] == k:
                _k, a, w = back[b]
                if x[k] - w > x[a]:
                    x[a] = x[k] - w
                    changed = True
                b += 1
            if no_wait and loaded_after[k - 1] and x[k] - leg[k] > x[k - 1]:
                x[k - 1] = x[k] - leg[k]
                changed = True
        if x[0] > hi[0]:
            return False
        if not changed:
            return True
    return False  # still rising after every round: a positive cycle, no timetable


def route_feasible(problem: RoutingProblem, vehicle: int, stops: list[Stop],
                   tables: Tables | None = None) -> bool:
    """Whether ``stops`` on ``vehicle`` has a valid timetable (see the module docstring)."""
    tables = tables or Tables(problem)
    veh = problem.vehicles[vehicle]
    if not _loads_ok(problem, veh, vehicle, stops):
        return False
    return _route(tables, vehicle, stops).on_time and _timetable_exists(tables, vehicle, stops)


def _loads_ok(problem: RoutingProblem, veh: FleetVehicle, vehicle: int,
              stops: list[Stop]) -> bool:
    """Capacities, allowed vehicles, pairing and groups along the stops."""
    load = [0] * len(veh.capacity)
    group: int | None = None
    for r, pick in stops:
        req: Request = problem.requests[r]
        if req.pickup is None:
            return False  # depot-loaded goods are not handled here
        if req.allowed_vehicles is not None and vehicle not in req.allowed_vehicles:
            return False
        if any(load) and req.group != group:
            return False
        group = req.group
        sign = 1 if pick else -1
        load = [a + sign * q for a, q in zip(load, req.demand, strict=True)]
        if any(a > c or a < 0 for a, c in zip(load, veh.capacity, strict=True)):
            return False
    return True


def _insert(stops: list[Stop], r: int, i: int, j: int) -> list[Stop]:
    return [*stops[:i], (r, True), *stops[i:j], (r, False), *stops[j:]]


def _best_in_route(tables: Tables, vehicle: int, stops: list[Stop], route: _Route, r: int,
                   tries: int) -> tuple[int, int, int] | None:
    """The cheapest feasible insertion of request ``r`` into ``stops`` on ``vehicle`` as
    (added cost, i, j), checking at most ``tries`` filtered positions exactly."""
    for cost, i, j in _filtered_positions(tables, vehicle, route, r)[:tries]:
        if tables.windows_only or _timetable_exists(tables, vehicle, _insert(stops, r, i, j)):
            return cost, i, j
    return None


def insert_requests(problem: RoutingProblem, routes: dict[int, list[Stop]],
                    requests: list[int], rng: random.Random, *, tables: Tables | None = None,
                    tries: int = 100) -> list[int]:
    """Insert ``requests`` (in random order) where each adds least cost; ``routes`` is
    changed in place (empty vehicles may open). Returns the requests that fit nowhere."""
    tables = tables or Tables(problem)
    order = requests[:]
    rng.shuffle(order)
    left: list[int] = []
    candidates = list(range(len(problem.vehicles)))
    for r in order:
        best: tuple[int, int, int, int] | None = None
        for v in _usable(problem, routes, candidates):
            stops = routes.get(v, [])
            found = _best_in_route(tables, v, stops, _route(tables, v, stops), r, tries)
            if found is not None and (best is None or (found[0], v) < best[:2]):
                best = (found[0], v, found[1], found[2])
        if best is None:
            left.append(r)
            continue
        _, v, i, j = best
        routes[v] = _insert(routes.get(v, []), r, i, j)
    return left


def insert_requests_regret(problem: RoutingProblem, routes: dict[int, list[Stop]],
                           requests: list[int], rng: random.Random, *, tries: int = 100,
                           noise: float = 0.1, tables: Tables | None = None) -> list[int]:
    """Regret-2 insertion (Ropke & Pisinger 2006): repeatedly insert the request whose best
    feasible insertion is worth most over its best on another route (ties: the cheaper), at
    that best position; each route's best insertion per request is kept until the route
    changes. Costs are perturbed by up to ``noise`` (relative) for diversity. ``routes`` is
    changed in place. Returns the requests that fit nowhere."""
    tables = tables or Tables(problem)
    candidates = list(range(len(problem.vehicles)))
    vehicles = _usable(problem, routes, candidates)
    pending = list(requests)
    factor = {r: 1.0 + noise * (2.0 * rng.random() - 1.0) for r in pending}
    cache: dict[tuple[int, int], tuple[int, int, int] | None] = {}
    shapes: dict[int, _Route] = {}
    left: list[int] = []
    while pending:
        pick: tuple[float, float, int, int, int, int] | None = None  # (-regret, cost, r, v, i, j)
        hopeless: list[int] = []
        for r in pending:
            best: tuple[int, int, int, int] | None = None
            second: int | None = None
            for v in vehicles:
                key = (r, v)
                if key not in cache:
                    stops = routes.get(v, [])
                    if v not in shapes:
                        shapes[v] = _route(tables, v, stops)
                    cache[key] = _best_in_route(tables, v, stops, shapes[v], r, tries)
                found = cache[key]
                if found is None:
                    continue
                if best is None or found[0] < best[0]:
                    second = None if best is None else best[0]
                    best = (found[0], v, found[1], found[2])
                elif second is None or found[0] < second:
                    second = found[0]
            if best is None:
                hopeless.append(r)
                continue
            cost = best[0] * factor[r]
            regret = 10**12 if second is None else (second - best[0]) * factor[r]
            entry = (-regret, cost, r, best[1], best[2], best[3])
            if pick is None or entry < pick:
                pick = entry
        for r in hopeless:
            pending.remove(r)
            left.append(r)
        if pick is None:
            break
        _, _, r, v, i, j = pick
        opened = not routes.get(v)
        routes[v] = _insert(routes.get(v, []), r, i, j)
        shapes.pop(v, None)
        pending.remove(r)
        if opened:
            # A vehicle just opened: another empty one of its kind becomes a candidate.
            vehicles = _usable(problem, routes, candidates)
        for q in pending:
            cache.pop((q, v), None)
    return left


def _usable(problem: RoutingProblem, routes: dict[int, list[Stop]],
            candidates: list[int]) -> list[int]:
    """The used vehicles and one empty vehicle of each kind (more are alike); of vehicles
    that are alternatives (``exclusive_group``), none while another of them is used."""
    seen: set[tuple[object, ...]] = set()
    taken = {problem.vehicles[v].exclusive_group for v in candidates
             if routes.get(v) and problem.vehicles[v].exclusive_group}
    out: list[int] = []
    for v in candidates:
        if routes.get(v):
            out.append(v)
            continue
        veh = problem.vehicles[v]
        if veh.exclusive_group and veh.exclusive_group in taken:
            continue
        key = (veh.start_location, veh.end_location, veh.capacity, veh.earliest_start,
               veh.latest_end, veh.max_duration, veh.fixed_cost, veh.cost_per_distance,
               veh.cost_per_travel_time)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out
