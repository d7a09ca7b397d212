"""The large neighbourhood search (routing.planning.lns) and its insertion
(routing.planning.insertion_heuristics), judged by the independent benchmark evaluator."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.evaluate import evaluate
from benchmarks.instance import DEFAULT_ROOT, BenchInstance
from benchmarks.readers import read_cordeau, read_lilim
from routing.planning.insertion_heuristics import (
    insert_requests,
    insert_requests_regret,
    route_feasible,
)
from routing.planning.lns import LnsSettings, _route_costs, large_neighbourhood_search, routes_of
from routing.planning.problem import RoutingSolution, SolveOptions
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
    cost_of = _route_costs(inst.problem)
    assert cost_of is not None
    assert cost_of(routes_of(start)) == start.objective


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
