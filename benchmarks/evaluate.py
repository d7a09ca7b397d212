"""Independent evaluation of a benchmark solution: distance, routes and every violation,
recomputed in double precision from the instance's original coordinates, without looking at the
solver's times."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from benchmarks.instance import EPS, BenchInstance, Evaluation, FloatArray, euclidean
from routing.planning.problem import RoutingSolution


def solution_routes(solution: RoutingSolution) -> list[tuple[int, ...]]:
    """Routes of a solver result as node numbers (a benchmark's location is its node number)."""
    return [tuple(v.location for v in route.visits) for route in solution.routes]


def _floyd(weights: FloatArray) -> FloatArray:
    dist = weights.copy()
    for k in range(dist.shape[0]):
        np.minimum(dist, dist[:, k:k + 1] + dist[k:k + 1, :], out=dist)
    return dist


def _check_route(inst: BenchInstance, number: int, route: Sequence[int], dist: FloatArray,
                 violations: list[str]) -> None:
    """Append the violations of one route (its depots already checked)."""
    nodes = list(route)
    travel = dist / inst.speed
    where = f"route {number}"

    # Capacity. VRPTW: everything delivered is on board when leaving the depot.
    load = -sum(inst.load[v] for v in nodes if inst.load[v] < 0) if not inst.pairs else 0.0
    peak = load
    for v in nodes:
        load += inst.load[v]
        peak = max(peak, load)
    if peak > inst.capacity + EPS:
        violations.append(f"{where}: load {peak:g} exceeds capacity {inst.capacity:g}")

    # Pairing and precedence.
    position = {v: i for i, v in enumerate(nodes)}
    for p, d in inst.pairs:
        if (p in position) != (d in position):
            violations.append(f"{where}: request {p}→{d} is split across routes")
        elif p in position and position[p] > position[d]:
            violations.append(f"{where}: delivery {d} before its pickup {p}")

    # Time windows: earliest start of service, waiting allowed.
    t = float(inst.earliest[nodes[0]])
    late = False
    for a, b in itertools.pairwise(nodes):
        t = max(float(inst.earliest[b]), t + inst.service[a] + travel[a, b])
        if t > inst.latest[b] + EPS:
            violations.append(f"{where}: node {b} served at {t:.3f}, after its window closes "
                              f"at {inst.latest[b]:g}")
            late = True
    if late or (inst.max_ride is None and inst.max_route_duration is None):
        return

    # Ride times and duration: a simple temporal network over the start-of-service times.
    # Edge i→j with weight w means t_j − t_i ≤ w; node m is time zero.
    m = len(nodes)
    w = np.full((m + 1, m + 1), np.inf)
    np.fill_diagonal(w, 0.0)
    for k in range(m - 1):
        w[k + 1, k] = -(inst.service[nodes[k]] + travel[nodes[k], nodes[k + 1]])
    for k, v in enumerate(nodes):
        w[m, k] = inst.latest[v]
        w[k, m] = -inst.earliest[v]
    tight = _floyd(w)
    before = len(violations)
    extra: list[tuple[int, int, float]] = []
    if inst.max_ride is not None:
        for p, d in inst.pairs:
            if p in position and d in position and position[p] < position[d]:
                i, j = position[p], position[d]
                bound = inst.max_ride + inst.service[p]
                extra.append((i, j, bound))
                shortest = -tight[j, i] - inst.service[p]
                if shortest > inst.max_ride + EPS:
                    violations.append(f"{where}: request {p}→{d} rides at least {shortest:.3f}, "
                                      f"above the limit {inst.max_ride:g}")
    if inst.max_route_duration is not None:
        extra.append((0, m - 1, inst.max_route_duration))
        shortest = -tight[m - 1, 0]
        if shortest > inst.max_route_duration + EPS:
            violations.append(f"{where}: lasts at least {shortest:.3f}, above the limit "
                              f"{inst.max_route_duration:g}")
    for i, j, bound in extra:
        w[i, j] = min(w[i, j], bound)
    # Each limit may be met alone yet not all together (they compete for the same waiting).
    if len(violations) == before and extra and np.any(np.diag(_floyd(w)) < -EPS):
        violations.append(f"{where}: no schedule meets all its ride-time and duration limits "
                          f"together")


def evaluate(instance: BenchInstance,
             solution: RoutingSolution | Iterable[Sequence[int]]) -> Evaluation:
    """Check a solution against the instance's original data, independently of the solver.

    Parameters
    ----------
    instance
        The benchmark instance.
    solution
        A solver result, or routes as node numbers of the instance file (depot to depot), e.g.
        read back with :func:`read_solution`. The solver's times are not used: a schedule is
        rebuilt from the original coordinates, windows and service times.

    Returns
    -------
    Evaluation
        Total Euclidean distance in double precision, number of routes, and violations: capacity,
        time windows (waiting allowed), pairing and precedence, ride times, route duration, fleet
        size, requests served more than once or not at all.
    """
    routes = (solution_routes(solution) if isinstance(solution, RoutingSolution)
              else [tuple(r) for r in solution])
    dist = euclidean(instance.coords)
    n_nodes = len(instance.coords)
    depots = {instance.start_depot, instance.end_depot}
    violations: list[str] = []
    seen: Counter[int] = Counter()
    total = 0.0
    used = 0
    for number, route in enumerate(routes, start=1):
        nodes = list(route)
        bad = [v for v in nodes if not 0 <= v < n_nodes]
        if bad:
            violations.append(f"route {number}: unknown nodes {bad}")
            continue
        if len(nodes) < 2 or nodes[0] != instance.start_depot or nodes[-1] != instance.end_depot:
            violations.append(f"route {number}: must run from depot {instance.start_depot} to "
                              f"depot {instance.end_depot}")
            continue
        inner = nodes[1:-1]
        if any(v in depots for v in inner):
            violations.append(f"route {number}: passes a depot mid-route")
            continue
        if not inner:
            continue  # an unused vehicle
        used += 1
        seen.update(inner)
        total += float(sum(dist[a, b] for a, b in itertools.pairwise(nodes)))
        _check_route(instance, number, nodes, dist, violations)
    if used > instance.n_vehicles:
        violations.append(f"{used} routes, but the fleet has {instance.n_vehicles} vehicles")
    for v, count in sorted(seen.items()):
        if count > 1:
            violations.append(f"node {v} visited {count} times")
    customers = set(instance.customers)
    for v in sorted(set(seen) - customers):
        violations.append(f"node {v} is not a customer of the instance")
    missing = tuple(v for v in instance.customers if v not in seen)
    pickups = {p for p, _ in instance.pairs}
    deliveries = {d for _, d in instance.pairs}
    for v in missing:
        if v in deliveries:
            continue  # reported with its pickup
        kind = "request" if v in pickups else "customer"
        violations.append(f"{kind} {v} not served")
    return Evaluation(total, used, tuple(violations), missing)
