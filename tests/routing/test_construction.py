"""Our own construction and the decomposition of large problems, on small random problems:
every route is checked here against the rules independently of the construction's timetable."""

from __future__ import annotations

import random
from itertools import pairwise

import numpy as np
import pytest

from routing.planning.construction import construct
from routing.planning.decompose import solve_large
from routing.planning.problem import (
    FleetVehicle,
    Request,
    Route,
    RoutingProblem,
    SolveOptions,
    Visit,
)
from routing.planning.solver import solve


def _problem(n: int = 24, seed: int = 1, vehicles: int = 8) -> RoutingProblem:
    """Riders at random points going to one centre (location 1) by 1000, some in wheelchairs,
    from one depot (location 0); minibuses in two layouts and plain taxis."""
    rng = random.Random(seed)
    pts = np.array([(0, 0), (50, 50)] + [(rng.uniform(0, 100), rng.uniform(0, 100))
                                         for _ in range(n)])
    dist = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
    time = dist.astype(np.int64)
    reqs = []
    for i in range(n):
        wheel = rng.random() < 0.25
        reqs.append(Request(
            f"r{i}", pickup=Visit(2 + i, 0, 10**6, 5), delivery=Visit(1, 900, 1000, 5),
            demand=(0, 1) if wheel else (1, 0), max_ride=rng.choice((120, 200)),
            drop_penalty=10**9))
    fleet = []
    for k in range(vehicles):
        if k % 2 == 0:  # a minibus in two layouts: one vehicle, at most one copy drives
            for cap in ((4, 1), (2, 2)):
                fleet.append(FleetVehicle(f"bus{k}", 0, 0, cap, fixed_cost=500,
                                          cost_per_time=1.0, exclusive_group=f"bus{k}"))
        else:
            fleet.append(FleetVehicle(f"taxi{k}", 0, 0, (3, 0), cost_per_distance=2.0,
                                      cost_per_time=1.0))
    allowed = []
    for r in reqs:
        allowed.append(replace_allowed(r, fleet))
    return RoutingProblem(time=time, distance=dist.astype(np.int64), requests=tuple(allowed),
                          vehicles=tuple(fleet), no_wait_on_board=True)


def replace_allowed(r: Request, fleet: list[FleetVehicle]) -> Request:
    ok = tuple(i for i, v in enumerate(fleet)
               if all(d <= c for d, c in zip(r.demand, v.capacity, strict=True)))
    return Request(r.request_id, r.delivery, r.demand, r.pickup, r.max_ride, r.drop_penalty, ok)


def check_routes(problem: RoutingProblem, routes: tuple[Route, ...] | list[Route]) -> set[int]:
    """The rules, checked from the routes' own times; returns the requests served."""
    served: set[int] = set()
    groups: dict[str, int] = {}
    for rt in routes:
        veh = problem.vehicles[rt.vehicle]
        if veh.exclusive_group:
            groups[veh.exclusive_group] = groups.get(veh.exclusive_group, 0) + 1
        load = [0] * len(veh.capacity)
        on_board: dict[int, int] = {}
        for a, b in pairwise(rt.visits):
            service = 0
            if a.request is not None:
                req = problem.requests[a.request]
                vis = req.pickup if a.kind == "pickup" else req.delivery
                assert vis is not None
                service = vis.service
            gap = b.time - a.time - service - int(problem.time[a.location, b.location])
            assert gap >= 0, "travel and service fit between stops"
            if on_board:
                assert gap == 0, "nobody waits on board"
        for v in rt.visits:
            if v.request is None:
                continue
            req = problem.requests[v.request]
            vis = req.pickup if v.kind == "pickup" else req.delivery
            assert vis is not None and vis.location == v.location
            assert vis.earliest <= v.time <= vis.latest
            sign = 1 if v.kind == "pickup" else -1
            for k, q in enumerate(req.demand):
                load[k] += sign * q
                assert 0 <= load[k] <= veh.capacity[k]
            if req.allowed_vehicles is not None:
                assert rt.vehicle in req.allowed_vehicles
            if v.kind == "pickup":
                on_board[v.request] = v.time
            else:
                ride = v.time - on_board.pop(v.request)
                assert req.max_ride is None or ride <= req.max_ride
                served.add(v.request)
        assert not on_board
        assert veh.earliest_start <= rt.visits[0].time and rt.visits[-1].time <= veh.latest_end
    assert all(n == 1 for n in groups.values()), "one layout per vehicle"
    return served


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_construction_serves_all_and_keeps_every_rule(seed: int) -> None:
    problem = _problem(seed=seed)
    c = construct(problem)
    routes = c.solution_routes(problem)
    served = check_routes(problem, routes)
    assert served == set(range(len(problem.requests)))
    assert not c.no_room and not c.unreached
    # OR-Tools accepts it as a feasible first solution of the same model.
    sol = solve(problem, SolveOptions(time_limit_s=2, solution_limit=1),
                initial_routes={v: list(stops) for v, stops, _ in c.routes})
    assert sol.stats["initial"] == "accepted"
    check_routes(problem, sol.routes)


def test_construction_reports_no_room_and_unreached() -> None:
    problem = _problem(n=12, vehicles=1)  # one minibus: at most 5 riders before 1000
    c = construct(problem)
    assert c.no_room and not c.unreached
    check_routes(problem, c.solution_routes(problem))
    late = construct(problem, deadline_s=-1.0)
    assert not late.routes and len(late.unreached) == len(problem.requests)


def test_solve_large_improves_pieces_from_the_construction() -> None:
    problem = _problem(n=30, seed=4, vehicles=12)
    c = construct(problem)
    sol = solve_large(problem, SolveOptions(time_limit_s=4, solution_limit=200),
                      piece_requests=10)
    assert sol.stats["pieces"] >= 2 and sol.stats["initial_accepted"] == sol.stats["pieces"]
    assert not sol.dropped
    assert check_routes(problem, sol.routes) == set(range(len(problem.requests)))
    assert sol.stats["construction_cost"] == round(c.cost)


def test_fallback_windows_place_a_request_that_fits_nowhere_otherwise() -> None:
    wide = _problem(n=6, seed=5)
    # Request 0 must board by 10 but may not arrive before 900 and nobody waits on board.
    tight = [Request(r.request_id, r.delivery, r.demand,
                     Visit(r.pickup.location, 0, 10, r.pickup.service) if i == 0 and r.pickup
                     else r.pickup, r.max_ride, r.drop_penalty, r.allowed_vehicles)
             for i, r in enumerate(wide.requests)]
    problem = RoutingProblem(time=wide.time, distance=wide.distance, requests=tuple(tight),
                             vehicles=wide.vehicles, no_wait_on_board=True)
    assert 0 in construct(problem).no_room
    c = construct(problem, fallback=wide)
    assert c.relaxed == (0,) and not c.no_room
    check_routes(wide, c.solution_routes(wide))
    sol = solve_large(problem, SolveOptions(time_limit_s=2, solution_limit=50), fallback=wide)
    assert sol.stats["relaxed"] == [0] and not sol.dropped
