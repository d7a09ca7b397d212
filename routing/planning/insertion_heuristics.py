"""Reinsert removed requests into routes: the *recreate* step of the large neighbourhood search
(:mod:`routing.planning.lns`).

Each request goes, in turn, to the feasible position that adds least distance (pickup before
delivery, same route, the delivery at most :data:`MAX_SPAN` stops after the pickup). A route is
checked exactly: capacities and ``allowed_vehicles`` along the stops, the earliest schedule
against the windows (a quick necessary test), then whether any timetable meets windows, the
vehicle's working window, its maximum duration and every ride limit at once (a simple temporal
network without negative cycle, as ``benchmarks/evaluate.py`` checks solutions). The
``no_wait_on_board`` rule is not modelled: OR-Tools rejects such starts and the LNS step
counts as rejected.

A request that fits nowhere stays out; OR-Tools' local search tries to insert it afterwards.
"""

from __future__ import annotations

import random

import numpy as np

from routing.planning.problem import RoutingProblem

Stop = tuple[int, bool]
"""(request index, True for its pickup / False for its delivery)."""

MAX_SPAN = 12
"""Stops between a pickup and its delivery tried at most (ride limits make longer spans rare)."""


def _loc(problem: RoutingProblem, stop: Stop) -> int:
    req = problem.requests[stop[0]]
    visit = req.pickup if stop[1] and req.pickup is not None else req.delivery
    return visit.location


def route_feasible(problem: RoutingProblem, vehicle: int, stops: list[Stop]) -> bool:
    """Whether ``stops`` on ``vehicle`` has a valid timetable (see the module docstring)."""
    veh = problem.vehicles[vehicle]
    time = problem.time
    dims = len(veh.capacity)
    load = [0] * dims
    for r, pick in stops:
        req = problem.requests[r]
        if req.allowed_vehicles is not None and vehicle not in req.allowed_vehicles:
            return False
        sign = 1 if pick else -1
        if req.pickup is None:
            return False  # depot-loaded goods are not handled here
        for d in range(dims):
            load[d] += sign * req.demand[d]
            if load[d] > veh.capacity[d]:
                return False
    # Forward: earliest start of service at each stop; its windows are necessary conditions.
    windows: list[tuple[int, int, int, int]] = []  # (location, earliest, latest, service)
    for r, pick in stops:
        req = problem.requests[r]
        v = req.pickup if pick and req.pickup is not None else req.delivery
        windows.append((v.location, v.earliest, v.latest, v.service))
    t = veh.earliest_start
    prev, prev_service = veh.start_location, 0
    for loc, e, lat, s in windows:
        t = max(t + prev_service + int(time[prev, loc]), e)
        if t > lat:
            return False
        prev, prev_service = loc, s
    if t + prev_service + int(time[prev, veh.end_location]) > veh.latest_end:
        return False
    return _timetable_exists(problem, vehicle, stops, windows)


def _timetable_exists(problem: RoutingProblem, vehicle: int, stops: list[Stop],
                      windows: list[tuple[int, int, int, int]]) -> bool:
    """Exact: the route's start times form a simple temporal network (travel and service
    between consecutive stops, windows, ride limits, maximum duration); it has a solution
    iff its distance graph has no negative cycle (Floyd–Warshall)."""
    veh = problem.vehicles[vehicle]
    n = len(stops)
    z, first, end = 0, 1, n + 2  # zero, departure (1), stops 2..n+1, arrival (n+2)
    m = n + 3
    inf = np.int64(2**60)
    g = np.full((m, m), inf, dtype=np.int64)
    np.fill_diagonal(g, 0)
    locs = [veh.start_location] + [w[0] for w in windows] + [veh.end_location]
    lows = [veh.earliest_start] + [w[1] for w in windows] + [veh.earliest_start]
    highs = [veh.latest_end] + [w[2] for w in windows] + [veh.latest_end]
    serv = [0] + [w[3] for w in windows] + [0]
    for k in range(n + 2):
        node = first + k
        g[z, node] = highs[k]        # x ≤ latest
        g[node, z] = -lows[k]        # x ≥ earliest
        if k:
            # x_k − x_{k−1} ≥ service + travel
            g[node, node - 1] = -(serv[k - 1] + int(problem.time[locs[k - 1], locs[k]]))
    if veh.max_duration is not None:
        g[first, end] = min(g[first, end], veh.max_duration)
    picked: dict[int, int] = {}
    for i, (r, pick) in enumerate(stops):
        if pick:
            picked[r] = first + 1 + i
        else:
            limit = problem.requests[r].max_ride
            if limit is not None and r in picked:
                g[picked[r], first + 1 + i] = min(g[picked[r], first + 1 + i], limit)
    for k in range(m):
        g = np.minimum(g, g[:, k, None] + g[None, k, :])
        if g[k, k] < 0:
            return False
    return bool((np.diagonal(g) >= 0).all())


def insert_requests(problem: RoutingProblem, routes: dict[int, list[Stop]],
                    requests: list[int], rng: random.Random) -> list[int]:
    """Insert ``requests`` (in random order) where each adds least distance; ``routes`` is
    changed in place (empty vehicles may open). Returns the requests that fit nowhere."""
    dist = problem.distance
    order = requests[:]
    rng.shuffle(order)
    left: list[int] = []
    candidates = [v for v in range(len(problem.vehicles))
                  if v in routes or not problem.vehicles[v].exclusive_group]
    for r in order:
        req = problem.requests[r]
        if req.pickup is None:
            left.append(r)
            continue
        p_loc, d_loc = req.pickup.location, req.delivery.location
        options: list[tuple[int, int, int, int]] = []  # (added distance, vehicle, i, j)
        for v in candidates:
            stops = routes.get(v, [])
            veh = problem.vehicles[v]
            locs = [veh.start_location] + [_loc(problem, s) for s in stops] + [veh.end_location]
            n = len(stops)
            for i in range(n + 1):
                a, b = locs[i], locs[i + 1]
                add_p = int(dist[a, p_loc] + dist[p_loc, b] - dist[a, b])
                # Delivery right after the pickup, or after stop j-1 further on.
                options.append((add_p - int(dist[p_loc, b]) + int(dist[p_loc, d_loc])
                                + int(dist[d_loc, b]), v, i, i))
                for j in range(i + 1, min(n, i + MAX_SPAN) + 1):
                    c, d = locs[j], locs[j + 1]
                    options.append((add_p + int(dist[c, d_loc] + dist[d_loc, d] - dist[c, d]),
                                    v, i, j))
        options.sort()
        for _, v, i, j in options:
            stops = routes.get(v, [])
            trial = [*stops[:i], (r, True), *stops[i:j], (r, False), *stops[j:]]
            if route_feasible(problem, v, trial):
                routes[v] = trial
                break
        else:
            left.append(r)
    return left
