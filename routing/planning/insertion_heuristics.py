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


def _positions(problem: RoutingProblem, vehicle: int, stops: list[Stop], r: int
               ) -> list[tuple[int, int, int]]:
    """Every position to insert request ``r`` into ``stops`` on ``vehicle`` as (added
    distance, i, j), cheapest first (ties by i, j): its pickup goes before stop i, its
    delivery before stop j (j = i: right after the pickup), at most ``MAX_SPAN`` apart."""
    req = problem.requests[r]
    assert req.pickup is not None
    dist = problem.distance
    veh = problem.vehicles[vehicle]
    p_loc, d_loc = req.pickup.location, req.delivery.location
    locs = np.array([veh.start_location] + [_loc(problem, s) for s in stops]
                    + [veh.end_location], dtype=np.int64)
    a, b = locs[:-1], locs[1:]
    base = dist[a, b]
    add_p = dist[a, p_loc] + dist[p_loc, b] - base  # pickup between stop i-1 and i
    add_d = dist[a, d_loc] + dist[d_loc, b] - base
    n1 = len(a)
    cost = add_p[:, None] + add_d[None, :]
    ii, jj = np.indices((n1, n1))
    same = dist[a, p_loc] + dist[p_loc, d_loc] + dist[d_loc, b] - base
    cost = np.where(ii == jj, same[:, None], cost)
    valid = (jj >= ii) & (jj - ii <= MAX_SPAN)
    flat = np.flatnonzero(valid.ravel())
    order = flat[np.argsort(cost.ravel()[flat], kind="stable")]
    return [(int(cost.flat[k]), int(k) // n1, int(k) % n1) for k in order]


def insert_requests(problem: RoutingProblem, routes: dict[int, list[Stop]],
                    requests: list[int], rng: random.Random) -> list[int]:
    """Insert ``requests`` (in random order) where each adds least distance; ``routes`` is
    changed in place (empty vehicles may open). Returns the requests that fit nowhere."""
    order = requests[:]
    rng.shuffle(order)
    left: list[int] = []
    candidates = [v for v in range(len(problem.vehicles))
                  if v in routes or not problem.vehicles[v].exclusive_group]
    for r in order:
        if problem.requests[r].pickup is None:
            left.append(r)
            continue
        options = sorted((c, v, i, j) for v in candidates
                         for c, i, j in _positions(problem, v, routes.get(v, []), r))
        for _, v, i, j in options:
            stops = routes.get(v, [])
            trial = [*stops[:i], (r, True), *stops[i:j], (r, False), *stops[j:]]
            if route_feasible(problem, v, trial):
                routes[v] = trial
                break
        else:
            left.append(r)
    return left


def _best_in_route(problem: RoutingProblem, vehicle: int, stops: list[Stop], r: int,
                   tries: int) -> tuple[int, int, int] | None:
    """The cheapest feasible insertion of request ``r`` into ``stops`` on ``vehicle`` as
    (added distance, i, j), checking at most ``tries`` positions cheapest first."""
    req = problem.requests[r]
    if req.pickup is None:
        return None
    if req.allowed_vehicles is not None and vehicle not in req.allowed_vehicles:
        return None
    for cost, i, j in _positions(problem, vehicle, stops, r)[:tries]:
        trial = [*stops[:i], (r, True), *stops[i:j], (r, False), *stops[j:]]
        if route_feasible(problem, vehicle, trial):
            return cost, i, j
    return None


def insert_requests_regret(problem: RoutingProblem, routes: dict[int, list[Stop]],
                           requests: list[int], rng: random.Random, *, tries: int = 100,
                           noise: float = 0.1) -> list[int]:
    """Regret-2 insertion (Ropke & Pisinger 2006): repeatedly insert the request whose best
    feasible insertion is worth most over its best on another route (ties: the cheaper), at
    that best position; each route's best insertion per request is kept until the route
    changes. Costs are perturbed by up to ``noise`` (relative) for diversity. ``routes`` is
    changed in place. Returns the requests that fit nowhere."""
    candidates = [v for v in range(len(problem.vehicles))
                  if v in routes or not problem.vehicles[v].exclusive_group]
    vehicles = _refresh(problem, routes, candidates)
    pending = list(requests)
    factor = {r: 1.0 + noise * (2.0 * rng.random() - 1.0) for r in pending}
    cache: dict[tuple[int, int], tuple[int, int, int] | None] = {}
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
                    cache[key] = _best_in_route(problem, v, routes.get(v, []), r, tries)
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
        stops = routes.get(v, [])
        routes[v] = [*stops[:i], (r, True), *stops[i:j], (r, False), *stops[j:]]
        pending.remove(r)
        if len(routes[v]) == 2:
            # A vehicle just opened: another empty one of its kind becomes a candidate.
            vehicles = _refresh(problem, routes, candidates)
        for q in pending:
            cache.pop((q, v), None)
    return left


def _refresh(problem: RoutingProblem, routes: dict[int, list[Stop]],
             candidates: list[int]) -> list[int]:
    """The used vehicles and one empty vehicle of each kind (more are alike)."""
    seen: set[tuple[object, ...]] = set()
    out: list[int] = []
    for v in candidates:
        if routes.get(v):
            out.append(v)
            continue
        veh = problem.vehicles[v]
        key = (veh.start_location, veh.end_location, veh.capacity, veh.earliest_start,
               veh.latest_end, veh.max_duration, veh.fixed_cost, veh.cost_per_distance)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out
