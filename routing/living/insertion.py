"""Insert a rider's missing trips into the plan in force with the least disturbance.

Every position of the pickup and the drop-off in every run of the weekday and direction near the
trip's time (:func:`routing.planning.stops.insertions`), and a new run of each free vehicle, are
tried with the others' agreed times kept; only when none works are others re-timed, each by at
most ``max_shift_s``. One candidate per trip is then chosen so that the whole insertion moves the
fewest riders at the least cost (:func:`insert_rider`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from routing.living.results import (
    DEFAULT_MAX_SHIFT_S,
    InsertionOption,
    InsertionReport,
    LivingPlanError,
    TimeMove,
    TripKey,
    TripPlacement,
    agreed_times,
    checked_run,
    refresh_kpis,
    sorted_runs,
    sorted_unserved,
)
from routing.model import (
    WEEKDAYS,
    Plan,
    Rider,
    Run,
    Scenario,
    Stop,
    Unserved,
    format_hm,
)
from routing.params import PlanParams
from routing.planning.costing import run_variable_cost_ore, runs_cost_ore
from routing.planning.planner import Trip, rider_trips
from routing.planning.reasons import unserved_reason
from routing.planning.rules import pickup_tolerance_s
from routing.planning.stops import (
    MatrixLike,
    RunContext,
    StopSpec,
    assemble_run,
    ceil_grid,
    centre_window,
    depot_place,
    floor_grid,
    grid_s,
    insertions,
    is_centre,
    reachable_after,
    rider_stops,
    run_problems,
    specs_of,
)

log = logging.getLogger(__name__)

_SPAN_S = 45 * 60  # how many grid steps of the new rider's time are tried per position

# --------------------------------------------------------------------------------------------
# Insertion: candidates for one trip


@dataclass(frozen=True, slots=True)
class _Cand:
    """One feasible insertion of one trip."""

    trip: Trip
    run: Run
    base_run_id: str | None
    """The run replaced (None: a new run)."""
    agreed_s: int
    cost_ore: int
    moved: tuple[TimeMove, ...] = ()

    @property
    def shift_s(self) -> int:
        return sum(abs(m.shift_s) for m in self.moved)


@dataclass
class Inserter:
    plan: Plan
    scenario: Scenario
    ctx: RunContext
    params: PlanParams
    max_shift_s: int
    runs: list[Run] = field(default_factory=list)
    agreed: dict[TripKey, tuple[int, str]] = field(default_factory=dict)
    existing_only: bool = False
    """Only existing runs (no new run with a spare vehicle)."""
    near_s: int | None = None
    """Only runs whose centre time is this close to the trip's (default: reachable)."""
    band: tuple[int, int] | None = None
    """Only these agreed times for the inserted rider (e.g. their old time ± the budget)."""

    def __post_init__(self) -> None:
        self.runs = list(self.plan.runs)
        self.agreed = agreed_times(self.plan)

    @property
    def grid(self) -> int:
        return grid_s(self.params)

    # ---- places ------------------------------------------------------------------------

    def rider_specs(self, trip: Trip) -> tuple[StopSpec, StopSpec]:
        rider = self.ctx.riders[trip.rider_id]
        return rider_stops(rider, self.scenario.centre(rider.centre_id), trip.direction)

    # ---- bounds ------------------------------------------------------------------------

    def rider_window(self, trip: Trip) -> tuple[int, int]:
        """Window of the new rider's agreed pickup time (grid values)."""
        p = self.params
        lo, hi = centre_window(trip.direction, trip.centre_time_s, p)
        if trip.direction == "from_centre":
            return ceil_grid(lo, self.grid), floor_grid(hi, self.grid)
        rider = self.ctx.riders[trip.rider_id]
        limit = rider.max_ride_s if rider.max_ride_s is not None else p.max_ride_s
        return floor_grid(lo - limit, self.grid), floor_grid(hi, self.grid)

    def time_values(self, trip: Trip, base: Run, seq: list[StopSpec], k: int) -> list[int]:
        """Grid values worth trying for the new pickup at index ``k`` of ``seq``.

        At the centre (ride home) every grid time of the rider's window; at home the times
        around when the vehicle can board the rider there (a probe timing without an agreed
        time), give or take the pickup interval.
        """
        w_lo, w_hi = self.rider_window(trip)
        if trip.direction == "to_centre":
            probe = assemble_run(base, [*seq[:k], replace(seq[k], agreed_s=None), *seq[k + 1:]],
                                 self.ctx, day=base.weekday)
            boards = probe.stops[k + 1].departure_s - self.ctx.service_s(seq[k].rider_ids)
            slack = pickup_tolerance_s(self.params) + self.grid
            w_lo, w_hi = max(w_lo, ceil_grid(boards - slack, self.grid)), min(
                w_hi, floor_grid(boards + slack, self.grid))
        if self.band is not None:
            w_lo = max(w_lo, ceil_grid(self.band[0], self.grid))
            w_hi = min(w_hi, floor_grid(self.band[1], self.grid))
        if w_lo > w_hi:
            return []
        return list(range(w_hi, max(w_lo, w_hi - _SPAN_S) - 1, -self.grid))

    def others_of(self, base_run_id: str | None) -> list[Run]:
        return [r for r in self.runs if r.run_id != base_run_id]

    # ---- candidates --------------------------------------------------------------------

    def keep_candidates(self, trip: Trip) -> list[_Cand]:
        """Insertions keeping every other agreed time (best per run and agreed time)."""
        best: dict[tuple[str, int], _Cand] = {}
        for base, is_new in self.bases(trip):
            others = [r for r in self.runs
                      if r.weekday == base.weekday and r.vehicle_id == base.vehicle_id]
            pickup, dropoff = self.rider_specs(trip)
            for seq, k, joined in insertions(specs_of(base) if not is_new else [],
                                                 pickup, dropoff):
                times = [seq[k].agreed_s] if joined and seq[k].agreed_s is not None \
                    else self.time_values(trip, base, seq, k)
                for t in times:
                    if t is None or (self.band is not None
                                     and not self.band[0] <= t <= self.band[1]):
                        continue
                    timed = [replace(s, agreed_s=t) if i == k else s for i, s in enumerate(seq)]
                    cand = self.evaluate(trip, base, is_new, timed, t, others)
                    if cand is None:
                        continue
                    key = (cand.run.run_id, t)
                    if key not in best or cand.cost_ore < best[key].cost_ore:
                        best[key] = cand
        return sorted(best.values(), key=lambda c: (c.cost_ore, c.run.run_id, c.agreed_s))

    def move_candidates(self, trip: Trip) -> list[_Cand]:
        """Insertions into existing runs re-timing the run's riders (each ≤ ``max_shift_s``)."""
        out: list[_Cand] = []
        for base, is_new in self.bases(trip):
            if is_new:
                continue
            others = [r for r in self.runs
                      if r.weekday == base.weekday and r.vehicle_id == base.vehicle_id]
            pickup, dropoff = self.rider_specs(trip)
            old = {r: t for (r, d, dr), (t, run_id) in self.agreed.items()
                   if run_id == base.run_id and d == base.weekday and dr == base.direction}
            target_new = self.own_target(trip)
            bucket: list[_Cand] = []
            for seq, k, joined in insertions(specs_of(base), pickup, dropoff):
                times = [seq[k].agreed_s] if joined and seq[k].agreed_s is not None \
                    else self.time_values(trip, base, seq, k)
                if target_new is not None:
                    times.sort(key=lambda t: (abs((t or 0) - target_new), t))
                runs = [self.repair(base, [replace(s, agreed_s=t) if i == k else s
                                           for i, s in enumerate(seq)], k) for t in times[:3]]
                runs += self.backward(base, seq)
                for run in runs:
                    if run is None or not reachable_after(run, others, self.ctx):
                        continue
                    new_agreed = {r: s.agreed_s for s in run.stops if s.kind == "pickup"
                                  and s.agreed_s is not None for r in s.rider_ids}
                    moved = tuple(
                        TimeMove(r, base.weekday, base.direction, base.run_id, old[r],
                                 new_agreed[r])
                        for r in sorted(old) if new_agreed.get(r) != old[r])
                    if any(abs(m.shift_s) > self.max_shift_s for m in moved):
                        continue
                    if not self.consistent_after(moved):
                        continue
                    cost = run_variable_cost_ore(run, self.ctx.vehicles[run.vehicle_id]) \
                        - run_variable_cost_ore(base, self.ctx.vehicles[base.vehicle_id])
                    bucket.append(_Cand(trip, run, base.run_id, new_agreed[trip.rider_id],
                                        cost, moved))
            bucket.sort(key=lambda c: (len(c.moved), c.cost_ore, c.shift_s))
            out.extend(bucket[:3])
        out.sort(key=lambda c: (len(c.moved), c.cost_ore, c.shift_s, c.run.run_id))
        return out

    def backward(self, base: Run, seq: list[StopSpec]) -> list[Run | None]:
        """Runs to the centre timed backwards from an arrival near the end of the centre's
        window: each pickup boards as late as the next stop allows (nobody waits on board), and
        keeps its agreed time when the pickup interval covers that boarding, else takes the
        grid time nearest to it."""
        if base.direction != "to_centre" or not seq or seq[-1].kind != "dropoff":
            return []
        weekday = base.weekday
        last = self.ctx.arrival_window(seq[-1].rider_ids, weekday)
        if last is None:
            return []
        tolerance = pickup_tolerance_s(self.params)
        out: list[Run | None] = []
        for arrive in range(last[1], max(last[0], last[1] - 2 * self.grid) - 1, -self.grid):
            new_seq = list(seq)
            clock = arrive
            feasible = True
            for j in range(len(seq) - 2, -1, -1):
                spec = seq[j]
                start = clock - self.ctx.leg(spec.place, seq[j + 1].place)[0] \
                    - self.ctx.service_s(spec.rider_ids)
                if spec.kind == "pickup":
                    lo, hi = ceil_grid(start - tolerance, self.grid), floor_grid(start, self.grid)
                    target = spec.agreed_s if spec.agreed_s is not None else hi
                    new_seq[j] = replace(spec, agreed_s=min(max(target, lo), hi))
                elif is_centre(spec.place):
                    window = self.ctx.arrival_window(spec.rider_ids, weekday)
                    if window is not None and not window[0] <= start <= window[1]:
                        feasible = False
                        break
                clock = start
            if not feasible:
                continue
            run = assemble_run(base, new_seq, self.ctx, day=base.weekday)
            out.append(None if run_problems(run, self.ctx) else run)
        return out

    def repair(self, base: Run, seq: list[StopSpec], k: int) -> Run | None:
        """Time ``seq``; where a rider would board after their pickup interval, move their
        agreed time later, to the earliest grid time that covers the boarding (a few rounds).
        None if the run still breaks a rule."""
        tolerance = pickup_tolerance_s(self.params)
        for _ in range(4):
            run = assemble_run(base, seq, self.ctx, day=base.weekday)
            if not run_problems(run, self.ctx):
                return run
            changed = False
            new_seq = list(seq)
            for j, stop in enumerate(run.stops[1:-1]):
                if stop.kind != "pickup" or stop.agreed_s is None or j == k:
                    continue
                boards = stop.departure_s - self.ctx.service_s(stop.rider_ids)
                if boards > stop.agreed_s + tolerance:
                    new_seq[j] = replace(seq[j], agreed_s=ceil_grid(boards - tolerance, self.grid))
                    changed = True
            if not changed:
                return None
            seq = new_seq
        return None

    def own_target(self, trip: Trip) -> int | None:
        """The rider's agreed time of the same direction on other days (consistency)."""
        seen = sorted(t for (r, d, dr), (t, _) in self.agreed.items()
                      if r == trip.rider_id and dr == trip.direction and d != trip.weekday)
        return seen[len(seen) // 2] if seen else None

    def consistent_after(self, moved: Sequence[TimeMove]) -> bool:
        limit = self.params.consistency_s
        if limit is None:
            return True
        for m in moved:
            times = [t for (r, d, dr), (t, _) in self.agreed.items()
                     if r == m.rider_id and dr == m.direction and d != m.weekday]
            times.append(m.new_agreed_s)
            if max(times) - min(times) > limit:
                return False
        return True

    def bases(self, trip: Trip) -> list[tuple[Run, bool]]:
        """Existing runs of the trip's weekday and direction near its time, then an empty run
        of every vehicle (a new run)."""
        p = self.params
        out: list[tuple[Run, bool]] = []
        reach = p.max_ride_s + p.arrive_earliest_before_s + p.pickup_latest_after_s
        if self.near_s is not None:
            reach = self.near_s
        for run in self.runs:
            if run.weekday != trip.weekday or run.direction != trip.direction or not run.stops:
                continue
            if abs(run.centre_time_s - trip.centre_time_s) > reach:
                continue
            out.append((run, False))
        if self.existing_only:
            return out
        for vehicle in self.scenario.vehicles:
            depot = Stop(kind="depot", rider_ids=(), lat=vehicle.depot_lat,
                         lon=vehicle.depot_lon, arrival_s=0, departure_s=0, load_seats=0,
                         load_wheelchairs=0, leg_distance_m=0, leg_travel_s=0,
                         place=depot_place(vehicle.vehicle_id))
            run_id = self.new_run_id(trip, vehicle.vehicle_id)
            out.append((Run(run_id, trip.weekday, trip.centre_id, trip.session_id,
                            trip.direction, vehicle.vehicle_id, (depot, depot),
                            (trip.centre_id,), (trip.session_id,)), True))
        return out

    def new_run_id(self, trip: Trip, vehicle_id: str) -> str:
        label = (f"{trip.weekday.upper()}-{'TO' if trip.direction == 'to_centre' else 'FROM'}-"
                 f"{format_hm(trip.centre_time_s).replace(':', '')}-{vehicle_id}")
        taken = {r.run_id for r in self.runs}
        if label not in taken:
            return label
        n = 2
        while f"{label}-{n}" in taken:
            n += 1
        return f"{label}-{n}"

    def evaluate(self, trip: Trip, base: Run, is_new: bool, seq: list[StopSpec], t: int,
                 others: list[Run]) -> _Cand | None:
        run = assemble_run(base, seq, self.ctx, day=base.weekday)
        checked = checked_run(run, self.ctx)
        if checked is None or not reachable_after(checked, others, self.ctx):
            return None
        # Every other rider keeps the agreed time: assemble_run takes the specs' times, and
        # run_problems refused any stop reached after its time; confirm the times stand.
        vehicle = self.ctx.vehicles[base.vehicle_id]
        cost = run_variable_cost_ore(checked, vehicle)
        if is_new:
            if not any(r.vehicle_id == base.vehicle_id and r.weekday == base.weekday
                       for r in self.runs):
                cost += vehicle.fixed_cost_ore
        else:
            cost -= run_variable_cost_ore(base, vehicle)
        return _Cand(trip, checked, None if is_new else base.run_id, t, cost)


# --------------------------------------------------------------------------------------------
# Insertion: choosing one candidate per trip


@dataclass(frozen=True, slots=True)
class _Assignment:
    cands: tuple[_Cand, ...]
    missing: tuple[Trip, ...]
    exception: bool

    def key(self) -> tuple[int, int, int, int, int]:
        moved = {m.rider_id for c in self.cands for m in c.moved}
        return (len(self.missing), len(moved), int(self.exception),
                sum(c.cost_ore for c in self.cands), sum(c.shift_s for c in self.cands))


def _assignments(trips: Sequence[Trip], cands: Mapping[Trip, list[_Cand]],
                 fixed: Sequence[int], limit_s: int | None, top: int) -> list[_Assignment]:
    """The best ways to pick one candidate per trip (trips of one direction), ranked.

    For every window ``[A, A + limit]`` of the new rider's agreed time (``A`` from the
    candidates' times), each trip takes its best candidate inside the window; a trip with none
    takes its best candidate anywhere (a consistency exception). ``fixed`` are the rider's
    existing times of this direction on other days, which every window must contain.
    """
    if not trips:
        return [_Assignment((), (), False)]
    pool = sorted({c.agreed_s for t in trips for c in cands.get(t, [])})
    anchors: list[int | None] = list(pool) if limit_s is not None else []
    anchors.append(None)  # no window: each trip's best
    seen: set[tuple[tuple[str, int], ...]] = set()
    out: list[_Assignment] = []

    def rank(c: _Cand) -> tuple[int, int, int, str]:
        return (len(c.moved), c.cost_ore, c.shift_s, c.run.run_id)

    for anchor in anchors:
        chosen: list[_Cand] = []
        missing: list[Trip] = []
        exception = False
        for trip in trips:
            options = sorted(cands.get(trip, []), key=rank)
            if not options:
                missing.append(trip)
                continue
            if anchor is not None and limit_s is not None:
                lo, hi = anchor, anchor + limit_s
                if fixed:
                    lo, hi = max(lo, max(fixed) - limit_s), min(hi, min(fixed) + limit_s)
                inside = [c for c in options if lo <= c.agreed_s <= hi]
                if inside:
                    chosen.append(inside[0])
                    continue
            chosen.append(options[0])
        times = [c.agreed_s for c in chosen] + list(fixed)
        if limit_s is not None and times and max(times) - min(times) > limit_s:
            exception = True
        key = tuple(sorted((c.run.run_id, c.agreed_s) for c in chosen))
        if key in seen:
            continue
        seen.add(key)
        out.append(_Assignment(tuple(chosen), tuple(missing), exception))
    out.sort(key=lambda a: a.key())
    return out[:top]


def _apply(plan: Plan, cands: Iterable[_Cand]) -> tuple[Run, ...]:
    by_base = {c.base_run_id: c.run for c in cands if c.base_run_id is not None}
    runs = [by_base.get(r.run_id, r) for r in plan.runs]
    runs += [c.run for c in cands if c.base_run_id is None]
    return sorted_runs(runs)


def _conflict(runs: Sequence[Run], ctx: RunContext) -> bool:
    """Whether two runs of a vehicle overlap on a day (different directions' choices), or the
    vehicle cannot drive from one run's end terminal to the next one's start in between."""
    by_vday: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for r in runs:
        by_vday[(r.vehicle_id, r.weekday)].append(r)
    for group in by_vday.values():
        group.sort(key=lambda r: r.stops[0].departure_s)
        for a, b in pairwise(group):
            if b.stops[0].departure_s < a.stops[-1].arrival_s + ctx.leg(
                    a.stops[-1].place, b.stops[0].place)[0]:
                return True
    return False


def missing_trips(plan: Plan, scenario: Scenario, rider_id: str) -> list[Trip]:
    """The rider's trips (per the scenario) that no run of the plan serves."""
    rider = scenario.rider(rider_id)
    served = {(r, run.weekday, run.direction) for run in plan.runs for r in run.rider_ids}
    single = replace(scenario, riders=(rider,))
    return [t for t in rider_trips(single)
            if (t.rider_id, t.weekday, t.direction) not in served]


def insert_rider(
    plan: Plan,
    scenario: Scenario,
    matrix: MatrixLike,
    rider_id: str,
    params: PlanParams | None = None,
    *,
    max_shift_s: int = DEFAULT_MAX_SHIFT_S,
    max_options: int = 5,
) -> InsertionReport:
    """Insertion options for a rider the plan does not (fully) serve, best first.

    Parameters
    ----------
    plan
        The plan in force.
    scenario
        The scenario including the rider (their sessions say which trips are needed).
    matrix
        Travel matrix over the scenario's places (:func:`routing.planning.planner.place_matrix`).
    rider_id
        The rider to insert.
    params
        Planning rules; default the scenario's.
    max_shift_s
        When a trip cannot be inserted keeping every other agreed time, others' times may move
        by at most this much.
    max_options
        How many options to return.

    Returns
    -------
    InsertionReport
        Options ranked by unplaced trips, riders moved, the rider's own consistency, added
        cost and total shift. Each option carries its plan (key figures refreshed).

    Raises
    ------
    LivingPlanError
        If the rider is unknown or every trip is already served.
    """
    params = params or scenario.plan_params
    try:
        rider: Rider = scenario.rider(rider_id)
    except KeyError as exc:
        raise LivingPlanError(f"rider {rider_id} is not in the scenario") from exc
    trips = missing_trips(plan, scenario, rider_id)
    if not trips:
        raise LivingPlanError(f"rider {rider_id}: every trip is already in the plan")
    ctx = RunContext(scenario, matrix, params)
    ins = Inserter(plan, scenario, ctx, params, max_shift_s)
    cands: dict[Trip, list[_Cand]] = {}
    no_keep: list[Trip] = []
    for trip in trips:
        found = ins.keep_candidates(trip)
        if not found:
            no_keep.append(trip)
            found = ins.move_candidates(trip)
        cands[trip] = found
    by_direction: dict[str, list[Trip]] = defaultdict(list)
    for t in trips:
        by_direction[t.direction].append(t)
    fixed = {d: [t for (r, _day, dr), (t, _) in ins.agreed.items() if r == rider_id and dr == d]
             for d in ("to_centre", "from_centre")}
    per_direction = [
        _assignments(by_direction[d], cands, fixed[d], params.consistency_s, 3)
        for d in ("to_centre", "from_centre")
    ]
    old_cost = runs_cost_ore(plan.runs, ctx.vehicles)
    options: list[InsertionOption] = []
    seen: set[tuple[tuple[str, int], ...]] = set()
    for a_to in per_direction[0]:
        for a_from in per_direction[1]:
            chosen = [*a_to.cands, *a_from.cands]
            key = tuple(sorted((c.run.run_id, c.agreed_s) for c in chosen))
            if key in seen:
                continue
            seen.add(key)
            runs = _apply(plan, chosen)
            if _conflict(runs, ctx):
                continue
            option = _option(plan, scenario, matrix, params, rider, chosen,
                             [*a_to.missing, *a_from.missing], runs,
                             a_to.exception or a_from.exception, old_cost, ctx)
            options.append(option)
    options.sort(key=lambda o: (o.rank_key(), [(p.run_id, p.agreed_s) for p in o.placements]))
    options = options[:max_options]
    if not options:
        message = f"rider {rider_id}: no insertion found"
    elif not no_keep and options[0].keeps_all_times and not options[0].unplaced:
        message = (f"rider {rider_id}: inserted keeping every other rider's agreed time "
                   f"({len(options)} option(s))")
    else:
        best = options[0]
        what = "; ".join(m.describe() for m in best.moved)
        message = (f"rider {rider_id}: no insertion keeps every other agreed time for "
                   f"{', '.join(f'{t.weekday} {t.direction}' for t in no_keep)}; the best "
                   f"option moves {len(best.moved_riders)} rider(s): {what}"
                   + (f"; {len(best.unplaced)} trip(s) cannot be served" if best.unplaced
                      else ""))
    log.info("insertion: %d trip(s), %d option(s), %d trip(s) without a time-keeping option",
             len(trips), len(options), len(no_keep))
    return InsertionReport(rider_id, tuple(options), message)


def _option(plan: Plan, scenario: Scenario, matrix: MatrixLike, params: PlanParams,
            rider: Rider, chosen: Sequence[_Cand], missing: Sequence[Trip],
            runs: tuple[Run, ...], exception: bool, old_cost: int,
            ctx: RunContext) -> InsertionOption:
    placed = {(c.trip.weekday, c.trip.direction) for c in chosen}
    unserved = [u for u in plan.unserved
                if not (u.rider_id == rider.rider_id and (u.weekday, u.direction) in placed)]
    unplaced = []
    for t in missing:
        if any(u.rider_id == t.rider_id and u.weekday == t.weekday
               and u.direction == t.direction for u in unserved):
            continue
        unplaced.append(Unserved(t.rider_id, t.weekday, t.session_id, t.direction,
                                 unserved_reason("no_insertion")))
    unserved.extend(unplaced)
    kpis = dict(plan.kpis)
    if exception:
        exc = list(kpis.get("consistency_exceptions", []))
        for direction in {c.trip.direction for c in chosen}:
            exc.append({"rider_id": rider.rider_id, "direction": direction,
                        "weekday": "", "reason": "inserted into the plan in force: no "
                        "feasible insertion within the consistency window"})
        kpis["consistency_exceptions"] = exc
    new_plan = replace(plan, runs=runs, unserved=sorted_unserved(unserved), kpis=kpis,
                       stats={**plan.stats, "living": {"change": "insert",
                                                       "rider_id": rider.rider_id}})
    new_plan = replace(new_plan, kpis=refresh_kpis(new_plan, scenario, matrix, params))
    placements = tuple(sorted(
        (TripPlacement(rider.rider_id, c.trip.weekday, c.trip.direction, c.run.run_id,
                       c.run.vehicle_id, c.agreed_s, c.base_run_id is None, c.cost_ore)
         for c in chosen),
        key=lambda p: (WEEKDAYS.index(p.weekday) if p.weekday in WEEKDAYS else 9, p.direction)))
    moved = tuple(m for c in chosen for m in c.moved)
    added = runs_cost_ore(runs, ctx.vehicles) - old_cost
    return InsertionOption(rider.rider_id, placements, tuple(unplaced), added, moved, exception,
                           new_plan)
