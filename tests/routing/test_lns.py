"""The large neighbourhood search (routing.planning.lns) and its insertion
(routing.planning.insertion_heuristics), judged by the independent benchmark evaluator."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.evaluate import evaluate
from benchmarks.instance import DEFAULT_ROOT, BenchInstance
from benchmarks.readers import read_cordeau, read_lilim
from routing.planning.insertion_heuristics import (
    MAX_SPAN,
    Tables,
    _filtered_positions,
    _insert,
    _route,
    insert_requests,
    insert_requests_regret,
    route_feasible,
)
from routing.planning.lns import LnsSettings, _route_costs, large_neighbourhood_search, routes_of
from routing.planning.problem import (
    FleetVehicle,
    Request,
    RoutingProblem,
    RoutingSolution,
    SolveOptions,
    Visit,
)
from routing.planning.solver import solve

pytest.importorskip("ortools")

BENCH = Path(__file__).parents[1] / "data" / "bench"
REAL_DARP = DEFAULT_ROOT / "darp-cordeau" / "a3-24.txt"
needs_data = pytest.mark.skipif(not REAL_DARP.is_file(), reason="benchmark data not present")


def _nodes(inst: BenchInstance, routes: dict[int, list[tuple[int, bool]]]) -> list[list[int]]:
    """Routes as the instance file's node numbers, depot to depot (location = node)."""
    p = inst.problem
    out = []
    for stops in routes.values():
        if stops:
            locs = [(p.requests[r].pickup if pick else p.requests[r].delivery) for r, pick in stops]
            out.append([inst.start_depot, *(v.location for v in locs if v is not None),
                        inst.end_depot])
    return out


def _lns(inst: BenchInstance, start: RoutingSolution, iterations: int,
         seed: int = 0) -> RoutingSolution:
    def reoptimize(partial: dict[int, list[tuple[int, bool]]], seconds: float
                   ) -> RoutingSolution | None:
        sol = solve(inst.problem, SolveOptions(time_limit_s=seconds,
                                               metaheuristic="GREEDY_DESCENT",
                                               ride_limit_in_filters=True),
                    initial_routes=partial)
        return sol if sol.stats.get("initial") == "accepted" and sol.routes else None

    best, stats = large_neighbourhood_search(inst.problem, start, reoptimize,
                                             time.monotonic() + 60, seed=seed,
                                             max_iterations=iterations)
    assert stats.iterations == iterations
    return best


@pytest.mark.parametrize("path, reader", [(BENCH / "a2-tiny.txt", read_cordeau),
                                          (BENCH / "lc-tiny.txt", read_lilim)])
def test_lns_on_tiny_instances_is_feasible_and_never_worse(path: Path, reader: object) -> None:
    inst = reader(path)  # type: ignore[operator]
    start = solve(inst.problem, SolveOptions(time_limit_s=1, solution_limit=1))
    best = _lns(inst, start, iterations=5)
    assert best.objective <= start.objective
    assert not best.dropped
    assert evaluate(inst, best).feasible, evaluate(inst, best).violations


def test_solve_with_search_lns_uses_its_budget_and_reports_steps() -> None:
    inst = read_cordeau(BENCH / "a2-tiny.txt")
    sol = solve(inst.problem, SolveOptions(time_limit_s=1.0, search="lns", lns_iterations=3))
    assert sol.stats["lns"]["iterations"] == 3
    assert evaluate(inst, sol).feasible and not sol.dropped


@needs_data
def test_lns_on_a_real_instance_improves_or_keeps_a_poor_start_and_stays_feasible() -> None:
    inst = read_cordeau(REAL_DARP)
    # A deliberately poor start: the first solution only (a work limit of one solution).
    start = solve(inst.problem, SolveOptions(time_limit_s=5, solution_limit=1))
    assert not start.dropped
    best = _lns(inst, start, iterations=8, seed=3)
    ev = evaluate(inst, best)
    assert ev.feasible, ev.violations
    assert not best.dropped
    assert best.objective <= start.objective
    assert ev.distance <= evaluate(inst, start).distance + 1e-6


@needs_data
@pytest.mark.parametrize("insert", [insert_requests, insert_requests_regret])
def test_insertion_check_agrees_with_the_evaluator_and_reinserts_feasibly(
        insert: Callable[..., list[int]]) -> None:
    inst = read_cordeau(REAL_DARP)
    sol = solve(inst.problem, SolveOptions(time_limit_s=5, solution_limit=50))
    routes = routes_of(sol)
    # OR-Tools' routes have a valid timetable, so the exact check accepts every one of them.
    assert all(route_feasible(inst.problem, v, stops) for v, stops in routes.items())
    rng = random.Random(7)
    served = sorted(r for stops in routes.values() for r, pick in stops if pick)
    for _ in range(5):
        removed = set(rng.sample(served, 6))
        partial = {v: [s for s in stops if s[0] not in removed] for v, stops in routes.items()}
        left = insert(inst.problem, partial, sorted(removed), rng)
        placed = [v for v, stops in partial.items() if stops]
        assert all(route_feasible(inst.problem, v, partial[v]) for v in placed)
        ev = evaluate(inst, _nodes(inst, partial))
        # Whatever was placed is feasible for the independent evaluator; only the unplaced
        # requests may be reported missing.
        assert [v for v in ev.violations if "served" not in v and "missing" not in v] == []
        assert len(ev.missing) == 2 * len(left)
        assert sorted(r for stops in partial.values() for r, pick in stops if pick) == sorted(
            set(served) - set(left))


@needs_data
def test_insertion_check_rejects_a_broken_ride_limit() -> None:
    inst = read_cordeau(REAL_DARP)
    sol = solve(inst.problem, SolveOptions(time_limit_s=5, solution_limit=50))
    v, stops = max(routes_of(sol).items(), key=lambda kv: len(kv[1]))
    r = stops[0][0]
    tight = replace(inst.problem.requests[r], max_ride=0)
    problem = replace(inst.problem, requests=tuple(
        tight if i == r else q for i, q in enumerate(inst.problem.requests)))
    assert route_feasible(inst.problem, v, stops)
    assert not route_feasible(problem, v, stops)


def test_lns_with_work_limits_is_reproducible_for_a_seed() -> None:
    inst = read_cordeau(BENCH / "a2-tiny.txt")
    opts = SolveOptions(time_limit_s=5.0, search="lns", solution_limit=10, lns_iterations=4,
                        seed=5)
    a, b = solve(inst.problem, opts), solve(inst.problem, opts)
    assert [r.visits for r in a.routes] == [r.visits for r in b.routes]
    assert a.objective == b.objective


def test_route_costs_match_the_solver_objective_so_the_fast_search_runs() -> None:
    inst = read_cordeau(BENCH / "a2-tiny.txt")
    start = solve(inst.problem, SolveOptions(time_limit_s=1, solution_limit=1))
    costs = _route_costs(inst.problem)
    assert costs is not None and costs.exact
    assert costs.cost(routes_of(start)) == start.objective


@pytest.mark.parametrize("fast", [True, False])
def test_fast_and_polished_lns_never_return_worse_than_the_start(fast: bool) -> None:
    inst = read_cordeau(BENCH / "a2-tiny.txt")
    start = solve(inst.problem, SolveOptions(time_limit_s=1, solution_limit=1))

    def reoptimize(partial: dict[int, list[tuple[int, bool]]], seconds: float
                   ) -> RoutingSolution | None:
        sol = solve(inst.problem, SolveOptions(time_limit_s=seconds,
                                               metaheuristic="GREEDY_DESCENT"),
                    initial_routes=partial)
        return sol if sol.stats.get("initial") == "accepted" and sol.routes else None

    best, stats = large_neighbourhood_search(
        inst.problem, start, reoptimize, time.monotonic() + 30, seed=2, max_iterations=30,
        settings=LnsSettings(fast=fast, restart_after=10))
    assert stats.iterations == 30
    assert best.objective <= start.objective
    assert not best.dropped
    assert evaluate(inst, best).feasible, evaluate(inst, best).violations


def _floyd_warshall_feasible(problem: RoutingProblem, vehicle: int,
                             stops: list[tuple[int, bool]]) -> bool:
    """An independent oracle: the route's simple temporal network (windows, travel and
    service, ride limits, no waiting on board, maximum duration) has no negative cycle."""
    veh = problem.vehicles[vehicle]
    load = [0] * len(veh.capacity)
    group = None
    visits = []
    for r, pick in stops:
        req = problem.requests[r]
        if req.allowed_vehicles is not None and vehicle not in req.allowed_vehicles:
            return False
        if any(load) and req.group != group:
            return False
        group = req.group
        load = [a + (q if pick else -q) for a, q in zip(load, req.demand, strict=True)]
        if any(a > c for a, c in zip(load, veh.capacity, strict=True)):
            return False
        visit = req.pickup if pick and req.pickup is not None else req.delivery
        visits.append((visit, any(load)))
    n = len(stops)
    m = n + 3  # zero, departure, stops, arrival
    g = np.full((m, m), 2**50, dtype=np.int64)
    np.fill_diagonal(g, 0)
    locs = [veh.start_location] + [v.location for v, _ in visits] + [veh.end_location]
    lows = [veh.earliest_start] + [v.earliest for v, _ in visits] + [veh.earliest_start]
    highs = [veh.latest_end] + [v.latest for v, _ in visits] + [veh.latest_end]
    serv = [0] + [v.service for v, _ in visits] + [0]
    loaded = [False] + [on for _, on in visits] + [False]
    for k in range(n + 2):
        g[0, k + 1] = highs[k]
        g[k + 1, 0] = -lows[k]
        if k:
            leg = serv[k - 1] + int(problem.time[locs[k - 1], locs[k]])
            g[k + 1, k] = min(g[k + 1, k], -leg)
            if problem.no_wait_on_board and loaded[k - 1]:
                g[k, k + 1] = min(g[k, k + 1], leg)
    if veh.max_duration is not None:
        g[1, n + 2] = min(g[1, n + 2], veh.max_duration)
    picked: dict[int, int] = {}
    for i, (r, pick) in enumerate(stops):
        if pick:
            picked[r] = i + 2
        elif problem.requests[r].max_ride is not None:
            g[picked[r], i + 2] = min(g[picked[r], i + 2], problem.requests[r].max_ride)
    for k in range(m):
        g = np.minimum(g, g[:, k, None] + g[None, k, :])
    return bool((np.diagonal(g) >= 0).all())


def _random_problem(seed: int, no_wait: bool, n_veh: int = 3) -> RoutingProblem:
    """A small dial-a-ride problem with two capacities, ride limits and request groups."""
    rng = np.random.default_rng(seed)
    n_req = 16
    xy = rng.uniform(0, 60, size=(2 * n_req + 1, 2))
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
                   ).astype(np.int64)
    requests = []
    for r in range(n_req):
        start = int(rng.integers(0, 240))
        direct = int(dist[1 + 2 * r, 2 + 2 * r])
        requests.append(Request(
            request_id=f"r{r}", pickup=Visit(1 + 2 * r, start, start + 30, 2),
            delivery=Visit(2 + 2 * r, start + direct, start + direct + 60, 2),
            demand=(1, int(r % 5 == 0)), max_ride=2 * direct + 20, drop_penalty=10**6,
            group=int(start >= 120)))
    vehicles = tuple(FleetVehicle(f"v{k}", 0, 0, (3, 1), 0, 480, fixed_cost=50,
                                  max_duration=400) for k in range(n_veh))
    return RoutingProblem(time=dist, distance=dist, requests=tuple(requests),
                          vehicles=vehicles, no_wait_on_board=no_wait)


@pytest.mark.parametrize("case", ["random-1", "random-2", "windows-only",
                                  pytest.param("real", marks=needs_data)])
@pytest.mark.parametrize("no_wait", [False, True])
def test_filtered_positions_and_exact_check_agree_with_an_independent_oracle(
        case: str, no_wait: bool) -> None:
    """Every insertion position the oracle finds feasible passes the filter, and the exact
    check says what the oracle says, on solved routes with and without the no-wait rule.
    Where only windows bind time the filter alone decides, so it must be exact."""
    if case == "real":
        problem = replace(read_cordeau(REAL_DARP).problem, no_wait_on_board=no_wait)
    elif case == "windows-only":
        base = _random_problem(1, False)
        problem = replace(base, requests=tuple(replace(r, max_ride=None)
                                               for r in base.requests),
                          vehicles=tuple(replace(v, max_duration=None)
                                         for v in base.vehicles))
        if no_wait:
            pytest.skip("the no-wait rule is a timing constraint beyond windows")
    else:
        problem = _random_problem(int(case[-1]), no_wait)
    sol = solve(problem, SolveOptions(time_limit_s=5, solution_limit=50))
    tables = Tables(problem)
    assert tables.windows_only == (case == "windows-only")
    rng = random.Random(11)
    routes = routes_of(sol)
    everyone = sorted({r for stops in routes.values() for r, _ in stops})
    checked = feasible = 0
    for v, stops in routes.items():
        assert route_feasible(problem, v, stops, tables) == _floyd_warshall_feasible(
            problem, v, stops)
        # Requests of this route and of others, each tried at every position of this route.
        for r in rng.sample(everyone, min(6, len(everyone))):
            rest = [s for s in stops if s[0] != r]
            shape = _route(tables, v, rest)
            passed = {(i, j) for _c, i, j in _filtered_positions(tables, v, shape, r)}
            for i in range(len(rest) + 1):
                for j in range(i, min(len(rest), i + MAX_SPAN) + 1):
                    trial = _insert(rest, r, i, j)
                    truth = _floyd_warshall_feasible(problem, v, trial)
                    assert route_feasible(problem, v, trial, tables) == truth, (v, r, i, j)
                    assert not truth or (i, j) in passed, (v, r, i, j)
                    if tables.windows_only:
                        assert truth == ((i, j) in passed), (v, r, i, j)
                    checked += 1
                    feasible += truth
    assert checked > 20 and 0 < feasible < checked


def test_route_costs_with_time_tariff_and_ride_weight_are_an_estimate() -> None:
    """Arc costs with a travel-time tariff (service charged on the arc leaving a stop) and
    the fixed cost are OR-Tools' to the unit; the ride weight adds weight × the ride beyond
    the direct trip, which makes the whole an estimate."""
    dist = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]], dtype=np.int64)
    reqs = (Request("a", pickup=Visit(1, 0, 100, 2), delivery=Visit(2, 0, 200, 3),
                    demand=(1,)),)
    veh = (FleetVehicle("v", 0, 0, (4,), fixed_cost=1000, cost_per_distance=2.0,
                        cost_per_travel_time=1.0),)
    plain = RoutingProblem(time=dist, distance=dist, requests=reqs, vehicles=veh)
    costs = _route_costs(plain)
    assert costs is not None and costs.exact
    # depot→1: 10 m, 10 s; 1→2: 10 m, 10 s + 2 s service; 2→depot: 20 m, 20 s + 3 s service.
    assert costs.cost({0: [(0, True), (0, False)]}) == 1000 + 20 + 10 + 20 + 12 + 40 + 23
    weighted = replace(plain, ride_time_weight=5.0)
    est = _route_costs(weighted)
    assert est is not None and not est.exact
    # A direct ride: nothing beyond the direct trip.
    assert est.cost({0: [(0, True), (0, False)]}) == costs.cost({0: [(0, True), (0, False)]})


@pytest.mark.parametrize("polish_at_end", [False, True])
def test_fast_search_on_a_grouped_no_wait_problem_stays_feasible(polish_at_end: bool) -> None:
    """The whole day's shape (request groups, no waiting on board, fixed costs, layouts'
    capacities): the search never returns worse than its start and OR-Tools accepts it."""
    problem = _random_problem(3, no_wait=True, n_veh=8)
    start = solve(problem, SolveOptions(time_limit_s=2, solution_limit=1))
    assert not start.dropped  # the fast search's precondition

    def reoptimize(partial: dict[int, list[tuple[int, bool]]], seconds: float
                   ) -> RoutingSolution | None:
        sol = solve(problem, SolveOptions(time_limit_s=seconds, metaheuristic="GREEDY_DESCENT"),
                    initial_routes=partial)
        return sol if sol.stats.get("initial") == "accepted" and sol.routes else None

    best, stats = large_neighbourhood_search(
        problem, start, reoptimize, time.monotonic() + 30, seed=4, max_iterations=40,
        settings=LnsSettings(polish_at_end=polish_at_end))
    assert stats.iterations == 40 and stats.improvements > 0
    assert best.objective < start.objective
    assert not best.dropped
    tables = Tables(problem)
    for v, stops in routes_of(best).items():
        assert route_feasible(problem, v, stops, tables)
