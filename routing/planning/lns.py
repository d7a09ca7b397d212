"""Large neighbourhood search around OR-Tools: ruin related requests, let OR-Tools recreate.

Guided local search alone stays 4–9 % above the optimum on the larger Cordeau dial-a-ride
instances and up to 24 % on Li & Lim's long-horizon ones (``docs/benchmarks.md``): it polishes
one basin well but does not leave it. This loop does (Ropke & Pisinger 2006; Christiaens &
Vanden Berghe 2020, in spirit):

1. *ruin*: take the current routes and remove a group of related requests — Shaw removal (close
   in place and time), string removal (consecutive requests of nearby routes) or random removal;
2. *recreate*: put the removed requests back by regret-2 insertion, each where it adds least
   cost on a route that keeps a valid timetable (:mod:`routing.planning.insertion_heuristics`);
3. *polish*: hand the routes to OR-Tools (``reoptimize``), which checks them against the whole
   model (windows, capacities, ride limits, the waiting rule), inserts what our insertion could
   not place (the drop penalty makes that its first concern) and descends by local search.
   Where the cost follows from the routes (:func:`_route_costs`) only new bests are polished
   (:func:`_fast_search`), or — for large models — only the best, once at the end;
4. *accept* by record-to-record travel: the candidate becomes the current solution when it is
   within a threshold of the best, the threshold shrinking to zero as the budget runs out; the
   best is kept apart and is what the caller gets, never worse than the start.

Each step is an ordinary :func:`routing.planning.solver.solve` from the ruined routes
(``initial_routes``), so it builds a fresh model: on one model kept across steps, OR-Tools 9.15
rejected every ruined start after the first few steps (measured). For a fixed seed and a fixed
number of iterations (``SolveOptions.lns_iterations``) the search is reproducible as long as
each step ends at its local optimum before its time cap; under a time budget the number of
iterations (and so the result) depends on the machine's speed.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from routing.planning.insertion_heuristics import (
    Tables,
    insert_requests,
    insert_requests_regret,
)
from routing.planning.problem import RoutingProblem, RoutingSolution, SolveOptions

Stop = tuple[int, bool]
"""(request index, True for its pickup / False for its delivery)."""
Routes = dict[int, list[Stop]]
"""Per vehicle index its stops in order (depots excluded); absent vehicles are unused."""
Reoptimize = Callable[[Routes, float], "RoutingSolution | None"]
"""``(partial routes, seconds) → solution``, or None when the partial routes are rejected or
nothing is found in time."""


@dataclass(frozen=True, slots=True)
class LnsSettings:
    """How much to ruin and how readily to accept a worse solution."""

    min_removed: int = 4
    max_removed_share: float = 0.25
    """At most this share of the served requests is removed in one ruin (and at most
    ``max_removed``)."""
    max_removed: int = 30
    threshold: float = 0.01
    """Record-to-record: accept a candidate up to this fraction above the best, shrinking
    linearly to 0 at the deadline."""
    iteration_seconds: float = 2.0
    """Cap on one recreate-and-polish (OR-Tools' time limit for it)."""
    shaw_randomness: float = 6.0
    """Ropke & Pisinger's p: higher picks the most related requests more strictly."""
    fast: bool = True
    """Where the cost follows from the routes (:func:`_route_costs`: tariffs, fixed costs, the
    ride-time estimate): recreate without OR-Tools on each step and polish only new bests
    (:func:`_fast_search`)."""
    restart_after: int = 2000
    """Fast search: steps without a new best after which it goes back to the best."""
    polish_margin: float = 0.0
    """Fast search: OR-Tools polishes candidates up to this fraction above the best."""
    polish_at_end: bool = False
    """Fast search: instead of polishing each new best, keep the best routes found (each
    checked exactly by the insertion) and let OR-Tools polish only them, once, in the last
    ``end_polish_share`` of the time (for large models, where one polish takes seconds)."""
    end_polish_share: float = 0.15


@dataclass(slots=True)
class LnsStats:
    iterations: int = 0
    improvements: int = 0
    accepted: int = 0
    not_reinserted: int = 0
    """Removed requests our insertion found no place for (left to OR-Tools' local search)."""
    rejected_starts: int = 0
    """Ruined routes OR-Tools did not accept as a start (e.g. a rigid no-wait timetable)."""
    by_operator: dict[str, int] = field(default_factory=dict)
    """Improvements of the best per ruin operator."""


class _Relatedness:
    """Shaw relatedness of requests: distance between their pickups and between their
    deliveries, and the difference of their windows, each scaled to [0, 1]."""

    def __init__(self, problem: RoutingProblem) -> None:
        reqs = problem.requests
        dloc = np.array([r.delivery.location for r in reqs])
        ploc = np.array([r.pickup.location if r.pickup is not None else r.delivery.location
                         for r in reqs])
        dist = problem.distance.astype(np.float64)
        place = dist[np.ix_(ploc, ploc)] + dist[np.ix_(dloc, dloc)]
        t_p = np.array([r.pickup.earliest if r.pickup is not None else r.delivery.earliest
                        for r in reqs], dtype=np.float64)
        t_d = np.array([r.delivery.earliest for r in reqs], dtype=np.float64)
        when = np.abs(t_p[:, None] - t_p[None, :]) + np.abs(t_d[:, None] - t_d[None, :])
        self.score = place / max(place.max(), 1.0) + when / max(when.max(), 1.0)


def _served(routes: Routes) -> list[int]:
    return sorted({r for stops in routes.values() for r, pick in stops if not pick})


def _shaw(rel: _Relatedness, routes: Routes, q: int, rng: random.Random,
          p: float) -> set[int]:
    served = _served(routes)
    removed = [rng.choice(served)]
    rest = [r for r in served if r != removed[0]]
    while len(removed) < q and rest:
        ref = rng.choice(removed)
        rest.sort(key=lambda r: rel.score[ref, r])
        pick = rest.pop(int(rng.random() ** p * len(rest)))
        removed.append(pick)
    return set(removed)


def _strings(rel: _Relatedness, routes: Routes, q: int, rng: random.Random) -> set[int]:
    """Consecutive requests of the routes nearest to a seed request (SISR-like)."""
    served = _served(routes)
    seed = rng.choice(served)
    route_of = {r: v for v, stops in routes.items() for r, pick in stops if not pick}
    by_closeness = sorted(served, key=lambda r: rel.score[seed, r])
    removed: set[int] = set()
    ruined: set[int] = set()
    per_route = max(2, q // 3)
    for r in by_closeness:
        if len(removed) >= q:
            break
        v = route_of[r]
        if v in ruined:
            continue
        ruined.add(v)
        order = list(dict.fromkeys(x for x, _ in routes[v]))  # requests by first stop
        at = order.index(r)
        length = min(len(order), rng.randint(1, per_route), q - len(removed))
        lo = max(0, min(at - rng.randint(0, length - 1), len(order) - length))
        removed.update(order[lo:lo + length])
    return removed


def _random(routes: Routes, q: int, rng: random.Random) -> set[int]:
    served = _served(routes)
    return set(rng.sample(served, min(q, len(served))))


def _without(routes: Routes, removed: set[int]) -> Routes:
    return {v: [s for s in stops if s[0] not in removed] for v, stops in routes.items()}


def routes_of(solution: RoutingSolution) -> Routes:
    """A solution's routes as stops per vehicle (the form of ``initial_routes``)."""
    return {rt.vehicle: [(v.request, v.kind == "pickup") for v in rt.visits
                         if v.request is not None] for rt in solution.routes}


def solve_lns(problem: RoutingProblem, options: SolveOptions, progress: object = None,
              initial_routes: Mapping[int, Sequence[tuple[int, bool]]] | None = None,
              ) -> RoutingSolution:
    """``SolveOptions.search == "lns"``: the usual search for ``options.lns_first_share`` of the
    time limit, then :func:`large_neighbourhood_search` until the limit. Never worse than the first
    search's solution."""
    from routing.planning.solver import solve  # the solver imports this module lazily

    started = time.monotonic()
    deadline = started + options.time_limit_s
    plain = replace(options, search="gls")
    first_s = options.time_limit_s * options.lns_first_share
    first = solve(problem, replace(plain, time_limit_s=first_s),
                  progress, initial_routes)  # type: ignore[arg-type]
    if not first.routes:
        return first
    # The ride limits in OR-Tools' filters: the polish then wastes no time on moves that break
    # them (measured: better objectives within the same step time on a8-96).
    step = replace(plain, metaheuristic=options.lns_polish, solution_limit=None,
                   log_search=False, ride_limit_in_filters=True, light_operators=True)

    def reoptimize(partial: Routes, seconds: float) -> RoutingSolution | None:
        sol = solve(problem, replace(step, time_limit_s=seconds), initial_routes=partial)
        return sol if sol.stats.get("initial") == "accepted" and sol.routes else None

    best, stats = large_neighbourhood_search(
        problem, first, reoptimize, deadline, seed=options.seed,
        max_iterations=options.lns_iterations,
        settings=LnsSettings(polish_at_end=options.lns_polish_at_end))
    return replace(best, wall_s=time.monotonic() - started,
                   stats={**best.stats, "lns": dataclasses.asdict(stats)})


def large_neighbourhood_search(
    problem: RoutingProblem, start: RoutingSolution, reoptimize: Reoptimize,
    deadline: float, *, seed: int = 0, max_iterations: int | None = None,
    settings: LnsSettings | None = None,
) -> tuple[RoutingSolution, LnsStats]:
    """Improve ``start`` until ``deadline`` (``time.monotonic()``) or ``max_iterations``.

    Returns the best solution found and statistics; its objective is never above the start's
    (the start itself is returned when nothing better is found).
    """
    settings = settings or LnsSettings()
    rng = random.Random(seed)
    rel = _Relatedness(problem)
    best = start
    current = routes_of(start)
    stats = LnsStats()
    began = time.monotonic()
    span = max(deadline - began, 1e-9)
    costs = _route_costs(problem)
    tables = Tables(problem)
    if (costs is not None and not start.dropped and settings.fast
            and (not costs.exact or costs.cost(current) == start.objective)):
        return _fast_search(problem, start, reoptimize, deadline, rng, rel, costs.cost,
                            max_iterations, settings, stats, tables)
    while max_iterations is None or stats.iterations < max_iterations:
        step = _ruin(deadline, current, settings, rng, rel)
        if step is None:
            break
        left, op, removed = step
        stats.iterations += 1
        candidate = _without(current, removed)
        # Also whatever the current solution leaves unserved: every step tries it again.
        missing = sorted(set(range(len(problem.requests))) - set(_served(candidate)))
        stats.not_reinserted += len(insert_requests(problem, candidate, missing, rng,
                                                    tables=tables))
        result = reoptimize(candidate, min(settings.iteration_seconds, left))
        if result is None:
            stats.rejected_starts += 1
            continue
        cost = result.objective
        if cost < best.objective:
            best = result
            stats.improvements += 1
            stats.by_operator[op] = stats.by_operator.get(op, 0) + 1
        progress = (time.monotonic() - began) / span
        limit = best.objective * (1.0 + settings.threshold * max(0.0, 1.0 - progress))
        if cost <= limit:
            current = routes_of(result)
            stats.accepted += 1
    return best, stats


_OPERATORS = ("shaw", "string", "random")
_WEIGHTS = (5, 4, 1)


def _ruin(deadline: float, current: Routes, settings: LnsSettings, rng: random.Random,
          rel: _Relatedness) -> tuple[float, str, set[int]] | None:
    """One ruin step: the seconds left, the operator drawn and the requests it removes (None
    when the deadline is near or too few requests are served: the search ends)."""
    left = deadline - time.monotonic()
    served = len(_served(current))
    if left <= 0.05 or served < 2:
        return None
    q_max = max(settings.min_removed,
                min(settings.max_removed, int(served * settings.max_removed_share)))
    q = rng.randint(min(settings.min_removed, served - 1), min(q_max, served - 1))
    op = rng.choices(_OPERATORS, _WEIGHTS)[0]
    if op == "shaw":
        return left, op, _shaw(rel, current, q, rng, settings.shaw_randomness)
    if op == "string":
        return left, op, _strings(rel, current, q, rng)
    return left, op, _random(current, q, rng)


@dataclass(frozen=True, slots=True)
class RouteCosts:
    """The objective of complete routes computed here: ``exact`` when it is OR-Tools'
    objective to the unit, else an estimate (with a ride-time weight: the weight times each
    rider's ride beyond the direct trip, driven without waiting; OR-Tools' soft bounds charge
    about that)."""

    cost: Callable[[Routes], int]
    exact: bool


def _route_costs(problem: RoutingProblem) -> RouteCosts | None:
    """How to cost complete routes, or None when the cost depends on the timetable beyond
    the ride-time estimate (a duration tariff) or the insertion does not handle the requests
    (goods loaded at the depot)."""
    if any(r.pickup is None for r in problem.requests):
        return None
    if any(v.cost_per_time for v in problem.vehicles):
        return None
    dist, time_m = problem.distance, problem.time
    locs = [(r.pickup.location if r.pickup is not None else r.delivery.location,
             r.delivery.location) for r in problem.requests]
    service = [(r.pickup.service if r.pickup is not None else 0, r.delivery.service)
               for r in problem.requests]
    direct = [int(time_m[p, d]) for p, d in locs]
    weight = problem.ride_time_weight

    def cost(routes: Routes) -> int:
        total = 0.0
        for v, stops in routes.items():
            if not stops:
                continue
            veh = problem.vehicles[v]
            seq = np.array([veh.start_location, *(locs[r][0] if pick else locs[r][1]
                                                  for r, pick in stops), veh.end_location])
            svc = np.array([0, *(service[r][0] if pick else service[r][1]
                                 for r, pick in stops)])
            # OR-Tools' arc cost: distance and travel time (service at the arc's tail) times
            # the tariffs, rounded per arc.
            legs = time_m[seq[:-1], seq[1:]] + svc
            total += int(np.rint(dist[seq[:-1], seq[1:]] * veh.cost_per_distance
                                 + legs * veh.cost_per_travel_time).sum()) + veh.fixed_cost
            if weight:
                at = np.concatenate(([0], np.cumsum(legs)))
                picked: dict[int, int] = {}
                for k, (r, pick) in enumerate(stops, start=1):
                    if pick:
                        picked[r] = k
                    elif r in picked:
                        ride = int(at[k] - at[picked[r]]) - service[r][0] - direct[r]
                        total += round(weight * max(0, ride))
        return int(total)

    return RouteCosts(cost, exact=not weight)


def _fast_search(problem: RoutingProblem, start: RoutingSolution, reoptimize: Reoptimize,
                 deadline: float, rng: random.Random, rel: _Relatedness,
                 cost_of: Callable[[Routes], int], max_iterations: int | None,
                 settings: LnsSettings, stats: LnsStats, tables: Tables,
                 ) -> tuple[RoutingSolution, LnsStats]:
    """Ruin and recreate without OR-Tools on each step: the candidate's cost is computed from
    its routes (:func:`_route_costs`; the insertion checks every constraint exactly); only a
    candidate cheaper than the best by that cost goes to OR-Tools, whose polished solution
    (checked against the whole model) becomes the best when its objective is lower. After
    ``settings.restart_after`` steps without a new best the search goes back to the best."""
    best = start
    current = routes_of(start)
    best_cost = cost_of(current)
    unpolished: Routes | None = None  # the best routes, when only polished at the end
    began = time.monotonic()
    span = max(deadline - began, 1e-9)
    search_end = deadline - (settings.end_polish_share * span if settings.polish_at_end else 0)
    since_best = 0
    while max_iterations is None or stats.iterations < max_iterations:
        step = _ruin(search_end, current, settings, rng, rel)
        if step is None:
            break
        left, op, removed = step
        stats.iterations += 1
        since_best += 1
        candidate = _without(current, removed)
        unplaced = insert_requests_regret(problem, candidate, sorted(removed), rng,
                                          tables=tables)
        if unplaced:
            stats.not_reinserted += len(unplaced)
            continue
        cost = cost_of(candidate)
        if settings.polish_at_end and cost < best_cost:
            unpolished, best_cost = candidate, cost
            since_best = 0
            stats.improvements += 1
            stats.by_operator[op] = stats.by_operator.get(op, 0) + 1
        elif cost < best_cost * (1.0 + settings.polish_margin):
            result = reoptimize(candidate, min(settings.iteration_seconds, left))
            if result is None or result.dropped:
                stats.rejected_starts += 1
                continue
            candidate = routes_of(result)
            cost = cost_of(candidate)
            if result.objective < best.objective:
                best, best_cost = result, cost
                since_best = 0
                stats.improvements += 1
                stats.by_operator[op] = stats.by_operator.get(op, 0) + 1
        progress = (time.monotonic() - began) / span
        limit = best_cost * (1.0 + settings.threshold * max(0.0, 1.0 - progress))
        if cost <= limit:
            current = candidate
            stats.accepted += 1
        if since_best >= settings.restart_after:
            current = unpolished or routes_of(best)
            since_best = 0
    if unpolished is not None:
        result = reoptimize(unpolished, max(0.5, deadline - time.monotonic()))
        if result is None or result.dropped:
            stats.rejected_starts += 1
        elif result.objective < best.objective:
            best = result
    return best, stats
