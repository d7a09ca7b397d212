"""Large problems: our own construction, then OR-Tools improving it piece by piece.

For a wave of hundreds of requests OR-Tools' construction finds no first solution in useful time
(``shared/docs/solver-notes.md``). :func:`solve_large`:

1. builds a complete first solution with :func:`routing.planning.construction.construct` (always
   ends; what it cannot place is *no room*, what it did not reach before its deadline is
   *unreached*, reported as the time budget's doing);
2. cuts the routes into pieces of about ``piece_requests`` requests — routes sharing an anchor
   (centre) and lying close together — each with the vehicles of its routes (all layouts of
   them); pieces share no vehicle, so they are independent;
3. lets OR-Tools improve each piece from the construction's routes
   (``ReadAssignmentFromRoutes``), the remaining time spread by piece size; a piece's result
   replaces its routes only when it serves as many requests (guided local search returns the
   best solution seen, so from an accepted start it is never worse).

**The deadline is kept** (issue 17): the construction stops at the wave's deadline (what it
did not reach is *unreached*), and each piece gets its share of the time *left* minus the
overhead OR-Tools showed on earlier pieces (building a model and reading the routes in happen
before OR-Tools' own clock starts); a piece whose share is below
:data:`~routing.planning.budget.MIN_SOLVE_S` keeps the construction's routes. So a wave returns
within its deadline plus one piece's overshoot, always with the construction's full solution.

Pieces may run in worker processes (``workers``, forked: they inherit the problem); the result
does not depend on the number of workers when the work limit ends each piece.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from routing.planning.budget import MIN_SOLVE_S, Deadline
from routing.planning.construction import Construction, Stop, construct
from routing.planning.problem import (
    FleetVehicle,
    Request,
    Route,
    RouteVisit,
    RoutingProblem,
    RoutingSolution,
    SolveOptions,
    Visit,
)
from routing.planning.solver import solve

LARGE_REQUESTS = 120
"""Problems with more requests than this are solved by :func:`solve_large` in the planner."""
PIECE_REQUESTS = 60
FIRST_OVERHEAD_S = 0.3
"""Assumed time a piece takes beyond its OR-Tools limit before one has been measured."""


@dataclass(frozen=True, slots=True)
class _Piece:
    problem: RoutingProblem
    requests: tuple[int, ...]
    """Request index in the whole problem of each of the piece's requests."""
    vehicles: tuple[int, ...]
    initial: dict[int, list[tuple[int, bool]]]
    """Piece vehicle index → stops in piece request indices."""


def _anchor_of(problem: RoutingProblem) -> list[int]:
    counts = Counter(x for r in problem.requests
                     for x in {r.delivery.location, *(() if r.pickup is None
                                                      else (r.pickup.location,))})
    out = []
    for r in problem.requests:
        pair = [r.delivery.location] + ([] if r.pickup is None else [r.pickup.location])
        out.append(max(pair, key=lambda x: (counts[x], -x)))
    return out


def _pieces_of(problem: RoutingProblem, c: Construction, piece_requests: int
               ) -> list[list[int]]:
    """Route numbers (into ``c.routes``) per piece: nearby routes of the same anchor together."""
    anchor = _anchor_of(problem)
    tm = problem.time
    info: list[tuple[int, npt.NDArray[np.int64], int]] = []
    for _v, stops, _t in c.routes:
        reqs = sorted({r for r, _ in stops})
        anchors = Counter(anchor[r] for r in reqs)
        own = []
        for r in reqs:
            req = problem.requests[r]
            locs = [req.delivery.location] + ([] if req.pickup is None else [req.pickup.location])
            own += [x for x in locs if x != anchor[r]] or locs
        info.append((anchors.most_common(1)[0][0], np.array(sorted(set(own)), dtype=np.int64),
                     len(reqs)))
    left = set(range(len(c.routes)))
    pieces: list[list[int]] = []
    while left:
        seed = min(left, key=lambda i: (c.routes[i][2][0], i))
        left.discard(seed)
        piece, size = [seed], info[seed][2]
        a0, locs0, _ = info[seed]
        near = []
        for i in left:
            a, other_locs, _n = info[i]
            gap = int(tm[np.ix_(locs0, other_locs)].min()) + (0 if a == a0 else 3600)
            near.append((gap, i))
        near.sort()
        for _gap, i in near:
            if size >= piece_requests:
                break
            piece.append(i)
            size += info[i][2]
            left.discard(i)
        pieces.append(piece)
    return pieces


def _make_piece(problem: RoutingProblem, c: Construction, routes: list[int]) -> _Piece:
    vehicles: list[int] = []
    groups = {problem.vehicles[c.routes[i][0]].exclusive_group for i in routes} - {""}
    for vi, veh in enumerate(problem.vehicles):
        if any(c.routes[i][0] == vi for i in routes) or (veh.exclusive_group in groups):
            vehicles.append(vi)
    requests = sorted({r for i in routes for r, _ in c.routes[i][1]})
    vlocal = {v: k for k, v in enumerate(vehicles)}
    rlocal = {r: k for k, r in enumerate(requests)}
    locs: list[int] = []
    for v in vehicles:
        locs += [problem.vehicles[v].start_location, problem.vehicles[v].end_location]
    for r in requests:
        req = problem.requests[r]
        locs += [req.delivery.location] + ([] if req.pickup is None else [req.pickup.location])
    locs = sorted(set(locs))
    lmap = {x: k for k, x in enumerate(locs)}
    ix = np.array(locs, dtype=np.int64)

    def visit(v: Visit | None) -> Visit | None:
        return None if v is None else replace(v, location=lmap[v.location])

    reqs: list[Request] = []
    for r in requests:
        req = problem.requests[r]
        allowed = None if req.allowed_vehicles is None else tuple(
            vlocal[v] for v in req.allowed_vehicles if v in vlocal)
        delivery = visit(req.delivery)
        assert delivery is not None
        reqs.append(replace(req, pickup=visit(req.pickup), delivery=delivery,
                            allowed_vehicles=allowed))
    fleet: list[FleetVehicle] = [
        replace(problem.vehicles[v], start_location=lmap[problem.vehicles[v].start_location],
                end_location=lmap[problem.vehicles[v].end_location]) for v in vehicles]
    sub = replace(problem, time=problem.time[np.ix_(ix, ix)], distance=problem.distance[
        np.ix_(ix, ix)], requests=tuple(reqs), vehicles=tuple(fleet),
        name=f"{problem.name}/piece")
    initial = {vlocal[c.routes[i][0]]: [(rlocal[r], pick) for r, pick in c.routes[i][1]]
               for i in routes}
    return _Piece(sub, tuple(requests), tuple(vehicles), initial)


def _improve(piece: _Piece, options: SolveOptions) -> RoutingSolution:
    return solve(piece.problem, options, initial_routes=piece.initial)


def _lift(piece: _Piece, sol: RoutingSolution, problem: RoutingProblem) -> list[Route]:
    """A piece's routes in the whole problem's vehicle, request and location numbers."""
    out = []
    for rt in sol.routes:
        v = piece.vehicles[rt.vehicle]
        veh = problem.vehicles[v]
        visits = []
        for vis in rt.visits:
            if vis.request is None:
                loc = veh.start_location if vis.kind == "start" else veh.end_location
                visits.append(RouteVisit(vis.kind, loc, vis.time))
            else:
                r = piece.requests[vis.request]
                req = problem.requests[r]
                place = req.pickup if vis.kind == "pickup" and req.pickup is not None \
                    else req.delivery
                visits.append(RouteVisit(vis.kind, place.location, vis.time, r))
        out.append(Route(v, tuple(visits)))
    return out


def _improve_in_turn(pieces: list[_Piece], options: SolveOptions, deadline: Deadline
                     ) -> list[RoutingSolution | None]:
    """Pieces one after the other, each with its share of the time left (None: skipped)."""
    results: list[RoutingSolution | None] = []
    overhead = FIRST_OVERHEAD_S
    remaining = sum(len(p.requests) for p in pieces)
    for piece in pieces:
        share = deadline.left() * len(piece.requests) / max(1, remaining) - overhead
        remaining -= len(piece.requests)
        if share < MIN_SOLVE_S:
            results.append(None)
            continue
        began = time.monotonic()
        results.append(_improve(piece, replace(options, time_limit_s=share)))
        # Model building and reading the routes in are not on OR-Tools' clock: learn them.
        overhead = max(overhead, time.monotonic() - began - share)
    return results


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork where there is one (the workers inherit the loaded modules: no second of imports
    per worker), spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _improve_in_pool(pieces: list[_Piece], options: SolveOptions, deadline: Deadline,
                     workers: int) -> list[RoutingSolution | None]:
    """Pieces in ``workers`` processes; each piece's limit is its share of the time left with
    ``workers`` pieces at a time; pieces not started by the deadline are cancelled."""
    total = max(1, sum(len(p.requests) for p in pieces))
    left = deadline.left()
    limits = [min(left, left * workers * len(p.requests) / total) - FIRST_OVERHEAD_S
              for p in pieces]
    results: list[RoutingSolution | None] = [None] * len(pieces)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    try:
        futures: dict[Future[RoutingSolution], int] = {
            pool.submit(_improve, p, replace(options, time_limit_s=limit)): k
            for k, (p, limit) in enumerate(zip(pieces, limits, strict=True))
            if limit >= MIN_SOLVE_S}
        finished, _late = wait_futures(futures, timeout=deadline.left() + FIRST_OVERHEAD_S)
        for f in finished:
            results[futures[f]] = f.result()
    finally:
        # Pieces not started by the deadline are cancelled (their routes stay as constructed);
        # one already running ends by its own limit and is not waited for.
        pool.shutdown(wait=False, cancel_futures=True)
    return results


def solve_large(problem: RoutingProblem, options: SolveOptions | None = None, *,
                workers: int = 1, piece_requests: int = PIECE_REQUESTS,
                fallback: RoutingProblem | None = None,
                deadline: Deadline | None = None,
                build_by: Deadline | None = None,
                middle: RoutingProblem | None = None) -> RoutingSolution:
    """Construction, then OR-Tools per piece, all before ``deadline`` (default:
    ``options.time_limit_s`` from now; module docstring).

    ``stats["unreached"]`` lists the requests the construction did not reach before its
    deadline (time budget), as opposed to those it found no room for. ``fallback`` is the same
    problem with wider windows for requests that fit nowhere otherwise (``stats["relaxed"]``
    lists those placed with them; they keep those windows in the improvement).
    ``stats["pieces_skipped"]`` counts pieces left as constructed for want of time.
    ``build_by`` lets the construction run on past ``deadline`` (the caller's reserve); the
    pieces never do.
    """
    options = options or SolveOptions()
    started = time.monotonic()
    deadline = deadline or Deadline.after(options.time_limit_s)
    c = construct(problem, deadline_s=max(deadline.left(), (build_by or deadline).left()),
                  fallback=fallback, middle=middle)
    if (c.relaxed and fallback is not None) or (c.widened and middle is not None):
        wider, mid = set(c.relaxed), set(c.widened)
        problem = replace(problem, requests=tuple(
            fallback.requests[r] if r in wider and fallback is not None else
            middle.requests[r] if r in mid and middle is not None else req
            for r, req in enumerate(problem.requests)))
    routes: list[Route | None] = list(c.solution_routes(problem))
    by_vehicle = {rt.vehicle: k for k, rt in enumerate(routes) if rt is not None}
    groups = _pieces_of(problem, c, piece_requests) if c.routes and deadline.left() > \
        MIN_SOLVE_S else []
    pieces = [_make_piece(problem, c, g) for g in groups]
    if workers > 1 and len(pieces) > 1:
        results = _improve_in_pool(pieces, options, deadline, workers)
    else:
        results = _improve_in_turn(pieces, options, deadline)
    improved = 0
    accepted = 0
    for group, piece, sol in zip(groups, pieces, results, strict=True):
        if sol is None:
            continue
        accepted += sol.stats.get("initial") == "accepted"
        if sol.dropped:
            # Keep the construction's routes unless OR-Tools serves the whole piece too.
            continue
        for i in group:
            routes[by_vehicle[c.routes[i][0]]] = None
        routes.extend(_lift(piece, sol, problem))
        improved += 1
    final = [rt for rt in routes if rt is not None]
    served = {v.request for rt in final for v in rt.visits if v.kind == "delivery"}
    dropped = tuple(r for r in range(len(problem.requests)) if r not in served)
    done = [s for s in results if s is not None]
    objective = sum(int(s.objective) for s in done) if done else int(c.cost)
    wall = time.monotonic() - started
    stats = {"construction_s": round(c.seconds, 2), "construction_routes": len(c.routes),
             "construction_cost": round(c.cost), "pieces": len(pieces),
             "pieces_improved": improved, "initial_accepted": accepted,
             "no_room": list(c.no_room), "unreached": list(c.unreached),
             "relaxed": list(c.relaxed), "widened": list(c.widened),
             "pieces_skipped": len(pieces) - len(done),
             "deadline_missed_s": round(max(0.0, time.monotonic() - deadline.at), 2),
             "solutions": sum(int(s.stats.get("solutions", 0)) for s in done)}
    status = "construction+local_search" if improved else "construction"
    return RoutingSolution(tuple(sorted(final, key=lambda rt: rt.vehicle)), dropped, objective,
                           status, wall, stats)


__all__ = ["LARGE_REQUESTS", "Stop", "solve_large"]
