"""The OR-Tools adapter on hand-checkable problems."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from routing.planning.problem import FleetVehicle, Request, RoutingProblem, SolveOptions, Visit
from routing.planning.solver import solve, solve_serving_most

# A line: depot 0 — 1 — 2 — 3, 10 time units (and metres) per hop.
POS = np.array([0, 10, 20, 30])
LINE = np.abs(POS[:, None] - POS[None, :]).astype(np.int64)
OPTS = SolveOptions(time_limit_s=2.0, solution_limit=50)


def _vehicle(cap: int = 2, **kw: int) -> FleetVehicle:
    return FleetVehicle("v", 0, 0, (cap,), **kw)  # type: ignore[arg-type]


def _req(rid: str, p: int, d: int, **kw: object) -> Request:
    return Request(rid, delivery=Visit(d, 0, 1000, 1), demand=(1,),
                   pickup=Visit(p, 0, 1000, 1), **kw)  # type: ignore[arg-type]


def _check_route(problem: RoutingProblem, sol) -> None:  # type: ignore[no-untyped-def]
    for route in sol.routes:
        load = 0
        cap = problem.vehicles[route.vehicle].capacity[0]
        for a, b in zip(route.visits, route.visits[1:], strict=False):
            assert b.time >= a.time + problem.time[a.location, b.location]
        for v in route.visits:
            if v.kind == "pickup":
                load += 1
            elif v.kind == "delivery":
                load -= 1
            assert 0 <= load <= cap


def test_pickup_and_delivery_on_a_line() -> None:
    problem = RoutingProblem(LINE, LINE, (_req("a", 1, 3), _req("b", 2, 3)), (_vehicle(),))
    sol = solve(problem, OPTS)
    assert sol.dropped == ()
    assert sol.distance(problem) == 60  # out to 3 and back: the optimum
    _check_route(problem, sol)
    order = [v.kind for v in sol.routes[0].visits]
    assert order[0] == "start" and order[-1] == "end"


def test_capacity_one_forces_serving_one_at_a_time() -> None:
    problem = RoutingProblem(LINE, LINE, (_req("a", 1, 3), _req("b", 2, 3)), (_vehicle(cap=1),))
    sol = solve(problem, OPTS)
    assert sol.dropped == ()
    _check_route(problem, sol)
    assert sol.distance(problem) > 60


@pytest.mark.parametrize("solver", [solve, solve_serving_most])
def test_impossible_window_is_dropped_not_a_crash(solver: Any) -> None:
    # Also with a second construction: what none can serve is still reported.
    late = Request("x", delivery=Visit(3, 0, 5, 0), demand=(1,), pickup=Visit(1, 0, 1000, 0),
                   drop_penalty=10**6)
    problem = RoutingProblem(LINE, LINE, (late, _req("ok", 1, 2)), (_vehicle(),))
    sol = solver(problem, OPTS)
    assert sol.dropped == (0,)
    assert sol.routes and sol.routes[0].requests == (1,)


def test_max_ride_is_respected() -> None:
    # Riding 1→3 directly takes 20 + service; forbid any detour via 2.
    a = _req("a", 1, 3, max_ride=22)
    b = _req("b", 2, 3)
    problem = RoutingProblem(LINE, LINE, (a, b), (_vehicle(),))
    sol = solve(problem, OPTS)
    assert sol.dropped == ()
    times = {(v.kind, v.request): v.time for v in sol.routes[0].visits if v.request is not None}
    assert times[("delivery", 0)] - times[("pickup", 0)] <= 22


def test_fixed_cost_prefers_one_vehicle() -> None:
    vehicles = (_vehicle(fixed_cost=1000), FleetVehicle("w", 0, 0, (2,), fixed_cost=1000))
    problem = RoutingProblem(LINE, LINE, (_req("a", 1, 3), _req("b", 2, 3)), vehicles)
    sol = solve(problem, OPTS)
    assert len(sol.routes) == 1


def test_allowed_vehicles() -> None:
    vehicles = (_vehicle(), FleetVehicle("w", 0, 0, (2,)))
    problem = RoutingProblem(LINE, LINE, (_req("a", 1, 3, allowed_vehicles=(1,)),), vehicles)
    sol = solve(problem, OPTS)
    assert [r.vehicle for r in sol.routes] == [1]


def test_serving_most_tries_a_second_construction_only_when_one_is_dropped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import routing.planning.solver as solver

    problem = RoutingProblem(LINE, LINE, (_req("a", 1, 3), _req("b", 2, 3)), (_vehicle(),))
    real = solver.solve(problem, OPTS)
    firsts: list[str] = []

    def fake(p: RoutingProblem, options: SolveOptions) -> Any:
        firsts.append(options.first_solution)
        # The first construction strands request b; the second serves both.
        return replace(real, dropped=(1,)) if len(firsts) == 1 else real

    monkeypatch.setattr(solver, "solve", fake)
    assert solver.solve_serving_most(problem, OPTS) is real
    assert firsts == [OPTS.first_solution, solver.SECOND_CONSTRUCTION]

    firsts.clear()
    monkeypatch.setattr(solver, "solve", lambda p, o: firsts.append(o.first_solution) or real)
    assert solver.solve_serving_most(problem, OPTS) is real
    assert firsts == [OPTS.first_solution]  # nothing dropped: one solve
