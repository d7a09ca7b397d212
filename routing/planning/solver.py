"""OR-Tools adapter: the only module that imports OR-Tools.

Solves a :class:`~routing.planning.problem.RoutingProblem` (pickup and delivery with time windows,
several
capacities, maximum ride times, heterogeneous fleet with fixed, distance and time costs) and
returns a :class:`~routing.planning.problem.RoutingSolution`.

Choices that follow from what was measured on these machines (``shared/docs/solver-notes.md``):
construction by parallel cheapest insertion, never ``PATH_CHEAPEST_ARC`` with hard windows; every
request gets a drop penalty so construction cannot dead-end (a dropped request is reported, never
silent); guided local search afterwards.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.planning.problem import (
    Request,
    Route,
    RouteVisit,
    RoutingProblem,
    RoutingSolution,
    SolveOptions,
    VisitKind,
)

log = logging.getLogger(__name__)

Progress = Callable[[float, int], None]
"""Called on each improving solution with (elapsed fraction of the time limit, objective)."""

_STATUS = {
    0: "not_solved",
    1: "success",
    2: "partial_success_local_optimum_not_reached",
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}

_DEFAULT_DROP_PENALTY = 10**12


@dataclass(frozen=True, slots=True)
class _Node:
    """A solver node: vehicle start/end or one visit of a request."""

    kind: VisitKind
    location: int
    earliest: int
    latest: int
    service: int
    request: int | None


def _nodes(problem: RoutingProblem, order: list[int]) -> list[_Node]:
    nodes: list[_Node] = []
    for v in problem.vehicles:
        nodes.append(_Node("start", v.start_location, v.earliest_start, v.latest_end, 0, None))
    for v in problem.vehicles:
        nodes.append(_Node("end", v.end_location, v.earliest_start, v.latest_end, 0, None))
    for r in order:
        req = problem.requests[r]
        if req.pickup is not None:
            p = req.pickup
            nodes.append(_Node("pickup", p.location, p.earliest, p.latest, p.service, r))
        d = req.delivery
        nodes.append(_Node("delivery", d.location, d.earliest, d.latest, d.service, r))
    return nodes


def _demand(req: Request, kind: VisitKind, dim: int) -> int:
    q = req.demand[dim]
    if kind == "pickup":
        return q
    # A delivery unloads what its pickup loaded; without a pickup the demand accumulates along
    # the route (the VRPTW convention of goods loaded at the depot).
    return -q if req.pickup is not None else q


def _hopeless(problem: RoutingProblem) -> list[int]:
    """Requests that no route can serve, judged from their own windows and ride limit."""
    out = []
    for r, req in enumerate(problem.requests):
        if req.pickup is None:
            continue
        p, d = req.pickup, req.delivery
        least_ride = p.service + int(problem.time[p.location, d.location])
        if (p.earliest + least_ride > d.latest
                or (req.max_ride is not None and req.max_ride < least_ride)):
            out.append(r)
    return out


_HEAVY_OPERATORS = (
    "use_global_cheapest_insertion_path_lns", "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns", "use_local_cheapest_insertion_visit_types_lns",
    "use_lin_kernighan", "use_relocate_expensive_chain", "use_shortest_path_swap_active",
    "use_swap_active_chain", "use_shortest_path_two_opt", "use_make_chain_inactive",
)


def _light_operators(params: object) -> None:
    """Switch off OR-Tools' large-neighbourhood and chain operators: the LNS ruins and
    recreates itself, and its polish then descends several times faster (measured on a8-96)."""
    ops = params.local_search_operators  # type: ignore[attr-defined]
    for name in _HEAVY_OPERATORS:
        setattr(ops, name, 2)  # OptionalBoolean BOOL_FALSE


SECOND_CONSTRUCTION = "LOCAL_CHEAPEST_INSERTION"


def solve_serving_most(problem: RoutingProblem, options: SolveOptions | None = None
                       ) -> RoutingSolution:
    """:func:`solve`, and when it leaves requests unserved, a second solve from another first
    solution (:data:`SECOND_CONSTRUCTION`); the one serving more (then cheaper) wins.

    Riders never wait on board and the ride limit is a constraint the construction does not
    see, so one construction can paint itself into a corner that another avoids (measured on
    the demo week and on Cordeau's a3-36). Takes up to twice ``options.time_limit_s``.
    """
    options = options or SolveOptions()
    solution = solve(problem, options)
    if not solution.dropped or options.first_solution == SECOND_CONSTRUCTION:
        return solution
    other = solve(problem, replace(options, first_solution=SECOND_CONSTRUCTION))
    if (len(other.dropped), other.objective) < (len(solution.dropped), solution.objective):
        return other
    return solution


def solve(
    problem: RoutingProblem,
    options: SolveOptions | None = None,
    progress: Progress | None = None,
    initial_routes: Mapping[int, Sequence[tuple[int, bool]]] | None = None,
) -> RoutingSolution:
    """Solve a pickup-and-delivery problem with OR-Tools.

    Parameters
    ----------
    problem
        The problem; visits' ``earliest``/``latest`` bound the start of service.
    options
        Time limit, work budget (``solution_limit``), seed and strategies.
    progress
        Optional callback on each new solution.
    initial_routes
        A first solution to improve instead of OR-Tools' construction: per vehicle index its
        stops as (request index, True for the pickup / False for the delivery). If OR-Tools
        does not accept it as feasible, its own construction runs (``stats["initial"]`` says
        which happened).

    Returns
    -------
    RoutingSolution
        Used vehicles' routes with start-of-service times, dropped request indices, objective.
    """
    options = options or SolveOptions()
    if options.search == "lns":
        # Imported here: the LNS calls back into this function for each of its steps.
        from routing.planning.lns import solve_lns
        return solve_lns(problem, options, progress, initial_routes)
    started = time.monotonic()
    n_vehicles = len(problem.vehicles)
    if n_vehicles == 0 or not problem.requests:
        return RoutingSolution((), tuple(range(len(problem.requests))), 0,
                               "no_vehicles" if problem.requests else "empty", 0.0)

    # The seed permutes the order in which requests enter the model: a different but
    # reproducible starting point for construction and local search.
    order = list(range(len(problem.requests)))
    if options.seed:
        random.Random(options.seed).shuffle(order)
    nodes = _nodes(problem, order)
    n = len(nodes)
    starts = list(range(n_vehicles))
    ends = list(range(n_vehicles, 2 * n_vehicles))
    manager = pywrapcp.RoutingIndexManager(n, n_vehicles, starts, ends)
    model = pywrapcp.RoutingModel(manager)
    solver = model.solver()

    locs = np.array([nd.location for nd in nodes], dtype=np.int64)
    service = np.array([nd.service for nd in nodes], dtype=np.int64)
    time_nodes = problem.time[np.ix_(locs, locs)]
    dist_nodes = problem.distance[np.ix_(locs, locs)]

    # Time transit of arc i→j: service at i plus travel.
    transit = time_nodes + service[:, None]
    # Nothing travels into a start or out of an end; keep those arcs at 0 so spans are exact.
    transit[:, :n_vehicles] = 0
    transit[n_vehicles:2 * n_vehicles, :] = 0
    time_cb = model.RegisterTransitMatrix(transit.tolist())

    horizon = int(max(max(v.latest_end for v in problem.vehicles),
                      max(nd.latest for nd in nodes)))
    horizon = max(horizon, 1)
    model.AddDimension(time_cb, horizon, horizon, False, "time")
    tdim = model.GetDimensionOrDie("time")
    ddim = None
    if problem.no_wait_on_board:
        # Pure driving and service time along the route (no slack): riders on board never wait
        # iff, for every request, the time between pickup and delivery equals the driving and
        # service time between them (every loaded arc lies inside some request's pickup–delivery
        # span, so this forbids slack exactly where someone is on board).
        model.AddDimension(time_cb, 0, horizon, True, "drive")
        ddim = model.GetDimensionOrDie("drive")

    # Arc costs per vehicle class (distance tariff); time tariff as span cost.
    classes: dict[tuple[float, float], int] = {}
    for vi, veh in enumerate(problem.vehicles):
        key = (veh.cost_per_distance, veh.cost_per_travel_time)
        if key not in classes:
            cost = np.rint(dist_nodes * veh.cost_per_distance
                           + transit * veh.cost_per_travel_time).astype(np.int64)
            cost[:, :n_vehicles] = 0
            cost[n_vehicles:2 * n_vehicles, :] = 0
            classes[key] = model.RegisterTransitMatrix(cost.tolist())
        model.SetArcCostEvaluatorOfVehicle(classes[key], vi)
        if veh.fixed_cost:
            model.SetFixedCostOfVehicle(int(veh.fixed_cost), vi)
        if veh.cost_per_time:
            tdim.SetSpanCostCoefficientForVehicle(round(veh.cost_per_time), vi)
        if veh.max_duration is not None:
            tdim.SetSpanUpperBoundForVehicle(int(veh.max_duration), vi)
        tdim.CumulVar(model.Start(vi)).SetRange(int(veh.earliest_start), int(veh.latest_end))
        tdim.CumulVar(model.End(vi)).SetRange(int(veh.earliest_start), int(veh.latest_end))

    for d in range(problem.dimensions):
        demands = [0] * n
        for i, nd in enumerate(nodes):
            if nd.request is not None:
                demands[i] = _demand(problem.requests[nd.request], nd.kind, d)
        cb = model.RegisterUnaryTransitVector(demands)
        model.AddDimensionWithVehicleCapacity(
            cb, 0, [int(v.capacity[d]) for v in problem.vehicles], True, f"load{d}")

    gdim = None
    groups_of = [problem.requests[nd.request].group if nd.request is not None else None
                 for nd in nodes]
    if any(g is not None for g in groups_of):
        # Counts changes of request group along the route (slack-free); a pickup and its
        # delivery on the same count means nobody rides across a change of group.
        g_arr = np.array([-1 if g is None else g for g in groups_of], dtype=np.int64)
        switch = ((g_arr[:, None] != g_arr[None, :]) & (g_arr[:, None] >= 0)
                  & (g_arr[None, :] >= 0)).astype(np.int64)
        model.AddDimension(model.RegisterTransitMatrix(switch.tolist()), 0, n, True, "group")
        gdim = model.GetDimensionOrDie("group")

    # Requests: windows, pairing, precedence, ride limits, drop penalties, allowed vehicles.
    node_of: dict[tuple[int, VisitKind], int] = {
        (nd.request, nd.kind): i for i, nd in enumerate(nodes) if nd.request is not None
    }
    ride_coeff = problem.ride_time_weight
    hopeless = set(_hopeless(problem))
    n_pairs = 0  # pickup-and-delivery pairs are numbered in the order they are added
    ride_limits: list[tuple[int, int]] = []
    for r, req in enumerate(problem.requests):
        d_idx = manager.NodeToIndex(node_of[(r, "delivery")])
        if r in hopeless:
            # Its own windows or ride limit rule it out; constraining its (inactive) nodes would
            # make the whole model infeasible, so leave it out and report it dropped.
            idle = [d_idx] + ([manager.NodeToIndex(node_of[(r, "pickup")])]
                              if req.pickup is not None else [])
            for idx in idle:
                model.AddDisjunction([idx], 0)
                model.ActiveVar(idx).SetValue(0)
            continue
        tdim.CumulVar(d_idx).SetRange(req.delivery.earliest, req.delivery.latest)
        indices = [d_idx]
        if req.pickup is not None:
            p_idx = manager.NodeToIndex(node_of[(r, "pickup")])
            tdim.CumulVar(p_idx).SetRange(req.pickup.earliest, req.pickup.latest)
            model.AddPickupAndDelivery(p_idx, d_idx)
            solver.Add(model.VehicleVar(p_idx) == model.VehicleVar(d_idx))
            solver.Add(tdim.CumulVar(p_idx) <= tdim.CumulVar(d_idx))
            if req.max_ride is not None:
                solver.Add(tdim.CumulVar(d_idx) - tdim.CumulVar(p_idx) <= int(req.max_ride))
                if options.ride_limit_in_filters:
                    ride_limits.append((n_pairs, int(req.max_ride)))
            if gdim is not None:
                solver.Add(gdim.CumulVar(p_idx) == gdim.CumulVar(d_idx))
            n_pairs += 1
            if ddim is not None:
                # Right after boarding someone is on board: no slack (also helps propagation).
                tdim.SlackVar(p_idx).SetValue(0)
                solver.Add(tdim.CumulVar(d_idx) - tdim.CumulVar(p_idx)
                           == ddim.CumulVar(d_idx) - ddim.CumulVar(p_idx))
            if ride_coeff > 0:
                # Ride-time proxy: pick up no earlier than needed, deliver as soon as possible.
                direct = int(problem.time[req.pickup.location, req.delivery.location])
                coeff = max(1, round(ride_coeff))
                late_pick = req.delivery.latest - direct - req.pickup.service
                # Only where the delivery's window is the tighter one (e.g. arrival at a centre)
                # does a later pickup mean a shorter ride.
                tighter = (req.delivery.latest - req.delivery.earliest
                           < req.pickup.latest - req.pickup.earliest)
                if tighter and late_pick > req.pickup.earliest:
                    tdim.SetCumulVarSoftLowerBound(p_idx, min(late_pick, req.pickup.latest), coeff)
                early_drop = req.pickup.earliest + req.pickup.service + direct
                if early_drop < req.delivery.latest:
                    tdim.SetCumulVarSoftUpperBound(
                        d_idx, max(early_drop, req.delivery.earliest), coeff)
            indices.insert(0, p_idx)
        model.AddVariableMinimizedByFinalizer(tdim.CumulVar(d_idx))
        penalty = req.drop_penalty if req.drop_penalty is not None else _DEFAULT_DROP_PENALTY
        model.AddDisjunction(indices, int(penalty), len(indices))
        if req.allowed_vehicles is not None:
            # SetAllowedVehiclesForIndex rejects Python sequences in ortools 9.15; restrict the
            # vehicle variable instead (-1 = unperformed).
            for idx in indices:
                model.VehicleVar(idx).SetValues([-1, *req.allowed_vehicles])
    # The callbacks must outlive the search: keep them referenced until solve returns.
    limit_functions = [lambda _p, _d, lim=limit: lim for _, limit in ride_limits]
    for (pair, _), func in zip(ride_limits, limit_functions, strict=True):
        tdim.SetPickupToDeliveryLimitFunctionForPair(func, pair)
    groups: dict[str, list[int]] = {}
    for vi, veh in enumerate(problem.vehicles):
        if veh.exclusive_group:
            groups.setdefault(veh.exclusive_group, []).append(vi)
    for members in groups.values():
        if len(members) > 1:
            # Alternatives (one vehicle, several layouts): at most one of them drives.
            solver.Add(solver.Sum([model.ActiveVehicleVar(vi) for vi in members]) <= 1)
    for vi in range(n_vehicles):
        model.AddVariableMaximizedByFinalizer(tdim.CumulVar(model.Start(vi)))
        model.AddVariableMinimizedByFinalizer(tdim.CumulVar(model.End(vi)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, options.first_solution)
    params.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, options.metaheuristic)
    params.time_limit.FromMilliseconds(max(1, int(options.time_limit_s * 1000)))
    if options.solution_limit is not None:
        params.solution_limit = options.solution_limit
    params.log_search = options.log_search
    if options.light_operators:
        _light_operators(params)

    n_solutions = 0
    if progress is not None:
        def _on_solution() -> None:
            nonlocal n_solutions
            n_solutions += 1
            elapsed = time.monotonic() - started
            progress(min(1.0, elapsed / max(options.time_limit_s, 1e-9)), model.CostVar().Min())

        model.AddAtSolutionCallback(_on_solution)

    initial_state = "none"
    solution = None
    if initial_routes is not None:
        model.CloseModelWithParameters(params)
        kinds: dict[bool, VisitKind] = {True: "pickup", False: "delivery"}
        routes_idx = [
            [manager.NodeToIndex(node_of[(r, kinds[pick])])
             for r, pick in initial_routes.get(vi, ())]
            for vi in range(n_vehicles)
        ]
        if options.routes_only_start:
            # Only the successors: the search restores the times itself (reading them with
            # ReadAssignmentFromRoutes took the whole limit on a whole day's model).
            assignment = model.solver().Assignment()
            if not model.RoutesToAssignment(routes_idx, True, True, assignment):
                assignment = None
        else:
            assignment = model.ReadAssignmentFromRoutes(routes_idx, True)
        initial_state = "rejected" if assignment is None else "accepted"
        if assignment is not None:
            # Reading the routes may take up to the whole limit; the search gets what is left.
            left = options.time_limit_s - (time.monotonic() - started)
            params.time_limit.FromMilliseconds(max(1, int(left * 1000)))
            solution = model.SolveFromAssignmentWithParameters(assignment, params)
            if solution is None:
                initial_state = "rejected"
    if solution is None:
        solution = model.SolveWithParameters(params)
    wall = time.monotonic() - started
    status = _STATUS.get(model.status(), str(model.status()))
    if solution is None:
        log.warning("problem %s: no solution (%s) after %.1f s", problem.name, status, wall)
        return RoutingSolution((), tuple(range(len(problem.requests))), 0, status, wall)

    routes: list[Route] = []
    for vi in range(n_vehicles):
        if not model.IsVehicleUsed(solution, vi):
            continue
        visits: list[RouteVisit] = []
        index = model.Start(vi)
        while True:
            nd = nodes[manager.IndexToNode(index)]
            visits.append(RouteVisit(nd.kind, nd.location,
                                     int(solution.Value(tdim.CumulVar(index))), nd.request))
            if model.IsEnd(index):
                break
            index = solution.Value(model.NextVar(index))
        routes.append(Route(vi, tuple(visits)))
    served = {v.request for rt in routes for v in rt.visits if v.kind == "delivery"}
    dropped = tuple(r for r in range(len(problem.requests)) if r not in served)
    stats = {"solutions": n_solutions, "nodes": n, "vehicles": n_vehicles,
             "requests": len(problem.requests), "initial": initial_state}
    log.info("problem %s: %d routes, %d dropped, objective %d, %.1f s", problem.name,
             len(routes), len(dropped), solution.ObjectiveValue(), wall)
    return RoutingSolution(tuple(routes), dropped, int(solution.ObjectiveValue()), status, wall,
                           stats)
