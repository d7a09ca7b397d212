"""A first solution built here, not by OR-Tools: sequential cheapest insertion that always ends.

OR-Tools' own construction found no first solution for a wave of 400–630 requests with 185
vehicles within a minute (``shared/docs/solver-notes.md``, *At city scale*), so large waves start
from this one. It works on the generic :class:`~routing.planning.problem.RoutingProblem` and
checks every rule the solver model has, exactly:

- time windows on the start of service, the vehicle's working window and ``max_duration``;
- capacities in every dimension (seats, wheelchair places), ``allowed_vehicles``, and layouts:
  copies of one vehicle share an ``exclusive_group`` and at most one of them drives; a route may
  move to another copy of its vehicle when a rider needs the other layout;
- the ride limit (start of service at the pickup to start of service at the delivery);
- no waiting with riders on board: between boarding an empty vehicle and the moment it is empty
  again (a *segment*) the timetable is rigid, so the whole segment is placed as one block, as
  :func:`routing.planning.timing.time_segments` times a run (this is stricter than the model
  without ``no_wait_on_board`` and so also valid for it).

Order: requests are grouped by their *anchor* (the place they share with most others, e.g. the
centre) and, within it, by time and farthest first, a sweep that lets far riders open routes
and nearer ones join on the way. Each request goes where it adds least cost (distance and time
tariffs), comparing with opening a vehicle (fixed price included); only the ``near_routes``
routes closest to it are tried, and within a route the positions in order of added distance.

A request that fits no open route and no free vehicle is *no room*; one not reached before the
deadline is *unreached* (the clock, not the constraints, left it out).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

from routing.planning.problem import FleetVehicle, Route, RouteVisit, RoutingProblem

Stop = tuple[int, bool]
"""(request index, True for its pickup / False for its delivery)."""


@dataclass
class _Route:
    vehicle: int
    stops: list[Stop]
    starts: list[int] = field(default_factory=list)
    depart: int = 0
    back: int = 0
    cost: float = 0.0
    locs: list[int] = field(default_factory=list)
    loads: list[tuple[int, ...]] = field(default_factory=list)
    """Load after each stop, per dimension."""
    copies: list[int] = field(default_factory=list)
    """Copies of the vehicle (layouts) every request on the route may use, its own first."""
    max_load: tuple[int, ...] = ()
    full: bool = False
    """Some dimension is at capacity at some stop (only demand-free requests could join)."""


@dataclass(frozen=True, slots=True)
class Construction:
    """Routes as stop lists per vehicle, with the times of a timetable that keeps every rule."""

    routes: tuple[tuple[int, tuple[Stop, ...], tuple[int, ...]], ...]
    """(vehicle, stops, start of service per stop)."""
    no_room: tuple[int, ...]
    unreached: tuple[int, ...]
    cost: float
    seconds: float
    relaxed: tuple[int, ...] = ()
    """Requests placed with the fallback problem's windows."""
    widened: tuple[int, ...] = ()
    """Requests placed with the middle problem's windows (tried before the fallback's)."""

    def solution_routes(self, problem: RoutingProblem) -> tuple[Route, ...]:
        """As the solver's :class:`Route` objects (depot visits included)."""
        out = []
        for v, stops, starts in self.routes:
            veh = problem.vehicles[v]
            visits = [RouteVisit("start", veh.start_location,
                                 starts[0] - int(problem.time[veh.start_location,
                                                              _loc(problem, stops[0])]))]
            for (r, is_pick), t in zip(stops, starts, strict=True):
                req = problem.requests[r]
                visit = req.pickup if is_pick and req.pickup is not None else req.delivery
                visits.append(RouteVisit("pickup" if is_pick else "delivery", visit.location, t, r))
            last = stops[-1]
            end = (starts[-1] + _service(problem, last)
                   + int(problem.time[_loc(problem, last), veh.end_location]))
            visits.append(RouteVisit("end", veh.end_location, end))
            out.append(Route(v, tuple(visits)))
        return tuple(out)


def _loc(problem: RoutingProblem, stop: Stop) -> int:
    req = problem.requests[stop[0]]
    return (req.pickup if stop[1] and req.pickup is not None else req.delivery).location


def _service(problem: RoutingProblem, stop: Stop) -> int:
    req = problem.requests[stop[0]]
    return (req.pickup if stop[1] and req.pickup is not None else req.delivery).service


class _Builder:
    def __init__(self, problem: RoutingProblem) -> None:
        self.p = problem
        self.time = problem.time.tolist()
        self.dist = problem.distance.tolist()
        reqs = problem.requests
        for r in reqs:
            if r.pickup is None:
                raise ValueError(f"request {r.request_id}: construction needs a pickup")
        # Per stop: location, earliest, latest, service; indexed [request][0 = pickup, 1 = delivery]
        self.loc = [(r.pickup.location, r.delivery.location) for r in reqs]  # type: ignore[union-attr]
        self.win = [((r.pickup.earliest, r.pickup.latest),  # type: ignore[union-attr]
                     (r.delivery.earliest, r.delivery.latest)) for r in reqs]
        self.svc = [(r.pickup.service, r.delivery.service) for r in reqs]  # type: ignore[union-attr]
        self.allowed = [None if r.allowed_vehicles is None else frozenset(r.allowed_vehicles)
                        for r in reqs]
        self.group = [v.exclusive_group or f"#{i}" for i, v in enumerate(problem.vehicles)]
        self.copies: dict[str, list[int]] = {}
        for i, g in enumerate(self.group):
            self.copies.setdefault(g, []).append(i)

    def _sl(self, s: Stop) -> int:
        return self.loc[s[0]][0 if s[1] else 1]

    # ---------------------------------------------------------------- timetable of a route

    def timetable(self, v: int, stops: list[Stop]) -> tuple[list[int], int, int] | None:
        """Earliest timetable without waiting on board: (starts, depart, back), or None."""
        veh = self.p.vehicles[v]
        tm = self.time
        n = len(stops)
        starts = [0] * n
        prev = veh.start_location
        free = veh.earliest_start + tm[prev][self._sl(stops[0])]
        i = 0
        onboard = 0
        first_depart = None
        while i < n:
            # A segment: from stop i (vehicle empty) until empty again.
            offs: list[int] = []
            lo, hi = free, 10**12
            off = 0
            j = i
            while True:
                r, pick = stops[j]
                e, l_ = self.win[r][0 if pick else 1]
                if j > i:
                    off += self.svc[stops[j - 1][0]][0 if stops[j - 1][1] else 1] + \
                        tm[self._sl(stops[j - 1])][self._sl(stops[j])]
                offs.append(off)
                if e - off > lo:
                    lo = e - off
                if l_ - off < hi:
                    hi = l_ - off
                onboard += 1 if pick else -1
                j += 1
                if onboard <= 0 or j >= n:
                    break
            if lo > hi or onboard != 0:
                return None
            for k in range(i, j):
                starts[k] = lo + offs[k - i]
            if first_depart is None:
                first_depart = starts[0] - tm[veh.start_location][self._sl(stops[0])]
            last = stops[j - 1]
            end = starts[j - 1] + self.svc[last[0]][0 if last[1] else 1]
            if j < n:
                free = end + tm[self._sl(last)][self._sl(stops[j])]
            i = j
        last = stops[-1]
        back = starts[-1] + self.svc[last[0]][0 if last[1] else 1] + \
            tm[self._sl(last)][veh.end_location]
        assert first_depart is not None
        if back > veh.latest_end:
            return None
        if veh.max_duration is not None and back - first_depart > veh.max_duration:
            return None
        # Ride limits: pickup and delivery lie in one rigid segment.
        pos = {}
        for k, (r, pick) in enumerate(stops):
            if pick:
                pos[r] = k
            else:
                mr = self.p.requests[r].max_ride
                if mr is not None and starts[k] - starts[pos[r]] > mr:
                    return None
        return starts, first_depart, back

    def route_cost(self, v: int, stops: list[Stop], tt: tuple[list[int], int, int]) -> float:
        """The vehicle's tariff (distance, duration) plus riders' ride time at the problem's
        ``ride_time_weight`` (the secondary objective; without it riders ride long detours)."""
        starts, depart, back = tt
        veh = self.p.vehicles[v]
        locs = [veh.start_location, *(self._sl(s) for s in stops), veh.end_location]
        d = sum(self.dist[a][b] for a, b in itertools.pairwise(locs))
        cost = d * veh.cost_per_distance + (back - depart) * round(veh.cost_per_time)
        if self.p.ride_time_weight > 0:
            ride = sum(t if not pick else -t for (_r, pick), t in zip(stops, starts, strict=True))
            cost += self.p.ride_time_weight * ride
        return float(cost)

    # ---------------------------------------------------------------- capacity

    def route(self, v: int, stops: list[Stop], starts: list[int], depart: int, back: int,
              cost: float) -> _Route:
        """A route with what insertion needs precomputed (locations, loads, usable copies)."""
        dims = len(self.p.vehicles[v].capacity)
        load = [0] * dims
        loads = []
        for r, pick in stops:
            dem = self.p.requests[r].demand
            for k in range(dims):
                load[k] += dem[k] if pick else -dem[k]
            loads.append(tuple(load))
        reqs = {r for r, _ in stops}
        copies = [c for c in self.copies[self.group[v]]
                  if all(self.allowed[r] is None or c in self.allowed[r]  # type: ignore[operator]
                         for r in reqs)]
        copies.sort(key=lambda c: c != v)
        rt = _Route(v, stops, starts, depart, back, cost, [self._sl(s) for s in stops], loads,
                    copies)
        rt.full = self.at_capacity(v, stops)
        rt.max_load = tuple(max(x[k] for x in loads) for k in range(dims))
        return rt

    def at_capacity(self, v: int, stops: list[Stop]) -> bool:
        """Whether every copy of the vehicle is full in every dimension at some stop."""
        for c in self.copies[self.group[v]]:
            cap = self.p.vehicles[c].capacity
            load = [0] * len(cap)
            hit = False
            for r, pick in stops:
                dem = self.p.requests[r].demand
                for k in range(len(cap)):
                    load[k] += dem[k] if pick else -dem[k]
                if all(load[k] >= cap[k] for k in range(len(cap))):
                    hit = True
                    break
            if not hit:
                return False
        return True

    def fits(self, v: int, stops: list[Stop]) -> bool:
        cap = self.p.vehicles[v].capacity
        load = [0] * len(cap)
        for r, pick in stops:
            al = self.allowed[r]
            if al is not None and v not in al:
                return False
            dem = self.p.requests[r].demand
            for k in range(len(cap)):
                load[k] += dem[k] if pick else -dem[k]
                if load[k] > cap[k]:
                    return False
        return True


def construct(problem: RoutingProblem, deadline_s: float = 60.0, near_routes: int = 12,
              feasible_tries: int = 3, fallback: RoutingProblem | None = None,
              max_checks: int = 8, middle: RoutingProblem | None = None) -> Construction:
    """Build routes by sequential cheapest insertion (see the module docstring).

    Parameters
    ----------
    problem
        A pickup-and-delivery problem (every request with a pickup).
    deadline_s
        Seconds after which the remaining requests are left *unreached*.
    near_routes
        Open routes tried per request, nearest first.
    feasible_tries
        Feasible positions whose full cost is compared per route (cheapest added distance first).
    max_checks
        Timetables checked per route and request (positions that fit the capacity, cheapest
        added distance first).
    fallback
        The same problem with wider windows (e.g. without the riders' consistency windows): a
        request that fits nowhere is tried once more with its windows from here
        (``Construction.relaxed``).
    middle
        The same problem with windows between the two (e.g. the wider consistency window of a
        day solved in parallel), tried before ``fallback`` (``Construction.widened``).
    """
    started = time.monotonic()
    b = _Builder(problem)
    reqs = problem.requests
    tm, dm = b.time, b.dist
    hopeless = set()
    for r, req in enumerate(fallback.requests if fallback is not None else reqs):
        p, d = req.pickup, req.delivery
        assert p is not None
        least = p.service + tm[p.location][d.location]
        if p.earliest + least > d.latest or (req.max_ride is not None and req.max_ride < least):
            hopeless.add(r)
    # Anchor: the place a request shares with most others (the centre of a wave).
    counts = Counter(x for pair in b.loc for x in set(pair))
    anchor = [max(pair, key=lambda x: (counts[x], -x)) for pair in b.loc]

    def key(r: int) -> tuple[int, int, int, int]:
        pick_is_anchor = anchor[r] == b.loc[r][0]
        t = b.win[r][0][0] if pick_is_anchor else b.win[r][1][1]
        return (anchor[r], t, -tm[b.loc[r][0]][b.loc[r][1]], r)

    order = sorted((r for r in range(len(reqs)) if r not in hopeless), key=key)

    # Unused vehicles by kind: identical copies differ only in name, so try one of each kind.
    def signature(v: FleetVehicle) -> tuple[object, ...]:
        return (v.start_location, v.end_location, v.capacity, v.earliest_start, v.latest_end,
                v.fixed_cost, v.cost_per_distance, v.cost_per_time, v.max_duration)

    kinds: dict[tuple[object, ...], list[int]] = {}
    for i, veh in enumerate(problem.vehicles):
        kinds.setdefault(signature(veh), []).append(i)
    used_groups: set[str] = set()
    routes: list[_Route] = []
    relaxed: list[int] = []
    own_win = list(b.win)
    fb_win = _Builder(fallback).win if fallback is not None else own_win
    mid_win = _Builder(middle).win if middle is not None else own_win
    widened: list[int] = []
    no_room: list[int] = []
    unreached: list[int] = []

    def free_copy(members: list[int], r: int) -> int | None:
        for v in members:
            if b.group[v] in used_groups:
                continue
            al = b.allowed[r]
            if al is None or v in al:
                return v
        return None

    def best_for(r: int) -> tuple[float, int, list[Stop], int, tuple[list[int], int, int]] | None:
        """The cheapest feasible place for ``r``: (added cost, route or -1 for a new vehicle,
        stops, vehicle, timetable)."""
        pl, dl = b.loc[r]
        best: tuple[float, int, list[Stop], int, tuple[list[int], int, int]] | None = None
        # Existing routes, nearest first (by the closest stop to the pickup or the delivery).
        scored = []
        dem = reqs[r].demand
        needs = any(q > 0 for q in dem)
        al_r = b.allowed[r]
        for ri, rt in enumerate(routes):
            if rt.full and needs:
                continue
            # Closest stop to the pickup plus closest to the delivery: a route to the same
            # centre scores by how near its homes are, not 0 for sharing the centre.
            near = min(tm[pl][x] + tm[x][pl] for x in rt.locs) + \
                min(tm[dl][x] + tm[x][dl] for x in rt.locs)
            scored.append((near, ri))
        scored.sort()
        for _near, ri in scored[:near_routes]:
            rt = routes[ri]
            stops = rt.stops
            copies = [v for v in rt.copies if al_r is None or v in al_r]
            if not copies:
                continue
            veh = problem.vehicles[rt.vehicle]
            locs = [veh.start_location, *rt.locs, veh.end_location]
            n = len(stops)
            cands = []
            for i in range(n + 1):
                a, c = locs[i], locs[i + 1]
                dp = dm[a][pl] + dm[pl][c] - dm[a][c]
                # delivery right after the pickup
                cands.append((dm[a][pl] + dm[pl][dl] + dm[dl][c] - dm[a][c], i, i))
                for j in range(i + 1, n + 1):
                    a2, c2 = locs[j], locs[j + 1]
                    cands.append((dp + dm[a2][dl] + dm[dl][c2] - dm[a2][c2], i, j))
            cands.sort()
            found = checks = 0
            zero = (0,) * len(dem)
            for _dd, i, j in cands:
                # Capacity: the rider is on board from before original stop i to after j - 1.
                peak = list(rt.loads[i - 1] if i > 0 else zero)
                for k in range(i, j):
                    lk = rt.loads[k]
                    for d in range(len(dem)):
                        if lk[d] > peak[d]:
                            peak[d] = lk[d]
                vehicle = -1
                for cv in copies:
                    cap = problem.vehicles[cv].capacity
                    # Another layout must also hold the rest of the route.
                    if all(peak[d] + dem[d] <= cap[d] and (cv == rt.vehicle
                                                           or rt.max_load[d] <= cap[d])
                           for d in range(len(dem))):
                        vehicle = cv
                        break
                if vehicle < 0:
                    continue
                if checks >= max_checks:
                    break
                checks += 1
                new = [*stops[:i], (r, True), *stops[i:j], (r, False), *stops[j:]]
                tt = b.timetable(vehicle, new)
                if tt is None:
                    continue
                cost = b.route_cost(vehicle, new, tt) + problem.vehicles[
                    vehicle].fixed_cost
                delta = cost - rt.cost
                if best is None or delta < best[0]:
                    best = (delta, ri, new, vehicle, tt)
                found += 1
                if found >= feasible_tries:
                    break
        # A vehicle not yet used, one of each kind.
        for members in kinds.values():
            v = free_copy(members, r)
            if v is None:
                continue
            new = [(r, True), (r, False)]
            if not b.fits(v, new):
                continue
            tt = b.timetable(v, new)
            if tt is None:
                continue
            cost = b.route_cost(v, new, tt) + problem.vehicles[v].fixed_cost
            if best is None or cost < best[0]:
                best = (cost, -1, new, v, tt)
        return best

    for n_done, r in enumerate(order):
        if time.monotonic() - started > deadline_s:
            unreached.extend(order[n_done:])
            break
        best = best_for(r)
        if best is None and mid_win[r] != own_win[r]:
            b.win[r] = mid_win[r]
            best = best_for(r)
            if best is None:
                b.win[r] = own_win[r]
            else:
                widened.append(r)
        if best is None and fallback is not None and b.win[r] != fb_win[r]:
            # Not with its consistency window: with the session's window only (the rider
            # becomes a consistency exception rather than unserved).
            b.win[r] = fb_win[r]
            best = best_for(r)
            if best is None:
                b.win[r] = own_win[r]
            else:
                relaxed.append(r)
        if best is None:
            no_room.append(r)
            continue
        _delta, ri, new, vehicle, (starts, depart, back) = best
        cost = b.route_cost(vehicle, new, (starts, depart, back)) + \
            problem.vehicles[vehicle].fixed_cost
        rt = b.route(vehicle, new, starts, depart, back, cost)
        if ri < 0:
            used_groups.add(b.group[vehicle])
            routes.append(rt)
        else:
            routes[ri] = rt
    out = tuple((rt.vehicle, tuple(rt.stops), tuple(rt.starts)) for rt in routes)
    return Construction(out, tuple(sorted(no_room + sorted(hopeless))), tuple(unreached),
                        sum(rt.cost for rt in routes), time.monotonic() - started,
                        tuple(sorted(relaxed)), tuple(sorted(widened)))
