"""Consolidation suggestions: merge nearly empty runs of the same wave after afbud.

When afbud leave a run nearly empty (few riders or few seats used), its riders may fit into another
run of the same day, direction and wave. A suggestion inserts the small run's riders one by one at
the cheapest feasible position of the other run; riders going to (or from) a centre the run already
visits join that stop. Pickup times are re-derived: every stop keeps its rider's current agreed
time where the route allows and otherwise moves to the nearest feasible time on the rounding grid;
the target run's riders are disturbed only when necessary. A merge is offered only if every rider's
pickup time moves by at most ``max_shift_s`` (default 10 minutes) and all rules still hold
(capacity, windows, ride times, vehicle availability and overlap) — checked by
:func:`routing.verify.checks.verify_plan` on the candidate when a road network is given.

Suggestions are pure values: nothing changes until a coordinator accepts one, and :func:`apply`
returns the new runs; the riders whose time moved are listed for notification.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from routing.errors import SamkorselError
from routing.model import (
    AgreedTimeChange,
    Direction,
    Plan,
    Run,
    Scenario,
    Stop,
    StopKind,
    format_hm,
    largest_shift_s,
)
from routing.operations.daily import CancelledRun, DailyResult
from routing.params import PlanParams
from routing.places import centre_place, depot_place, home_place, is_centre
from routing.planning.costing import runs_cost_ore
from routing.planning.stops import (
    MatrixLike,
    RunContext,
    StopSpec,
    assemble_run,
    ceil_grid,
    floor_grid,
    grid_s,
    insertions,
    rider_stops,
    run_problems,
    specs_of,
    trip_session,
    weekday_of_day,
)

if TYPE_CHECKING:
    from routing.network.roads import RoadNetwork
    from routing.verify.checks import Violation

log = logging.getLogger(__name__)

TripKey = tuple[str, str, str]
Checker = Callable[[Plan, set[TripKey]], Sequence["Violation"]]
"""Full check of a candidate: the plan of the affected vehicle-day and the trips it owes."""


class ConsolidationError(SamkorselError, ValueError):
    """A suggestion cannot be applied (e.g. the runs changed since it was made)."""


@dataclass(frozen=True, slots=True)
class ConsolidationParams:
    """When a run counts as nearly empty and how far pickup times may move."""

    max_riders: int = 2
    """A run with at most this many riders is nearly empty …"""
    max_seat_share: float = 0.30
    """… as is one whose peak load uses at most this share of the vehicle's places."""
    max_shift_s: int = 10 * 60
    """No rider's pickup time may move by more than this."""


@dataclass(frozen=True, slots=True)
class MovedRider(AgreedTimeChange):
    """A rider whose pickup time changes with a merge (to be notified)."""

    rider_id: str
    from_run_id: str
    to_run_id: str
    direction: Direction
    old_agreed_s: int
    new_agreed_s: int


@dataclass(frozen=True, slots=True)
class ConsolidationSuggestion:
    """Merge run ``absorbed`` into run ``target`` (which becomes ``merged``).

    ``saved_ore`` is the day's cost before minus after (the absorbed run's cost and, when its
    vehicle has no other run that day, the fixed price, less the target's extra cost).
    ``moved`` lists every rider whose pickup time changes (absorbed riders whose new time equals
    the old one are not listed, but do change vehicle: see :attr:`riders_changing_vehicle`).
    """

    day: str
    direction: Direction
    absorbed: Run
    target: Run
    merged: Run
    saved_ore: int
    moved: tuple[MovedRider, ...]

    @property
    def absorbed_run_id(self) -> str:
        return self.absorbed.run_id

    @property
    def target_run_id(self) -> str:
        return self.target.run_id

    @property
    def max_shift_s(self) -> int:
        """Largest absolute pickup time change."""
        return largest_shift_s(self.moved)

    @property
    def riders_changing_vehicle(self) -> tuple[str, ...]:
        """The absorbed run's riders (they ride another vehicle)."""
        return self.absorbed.rider_ids

    def describe(self) -> str:
        """One line for a coordinator (ids and times only)."""
        return (f"{self.day} {self.direction}: merge run {self.absorbed.run_id} into "
                f"{self.target.run_id}, saves {self.saved_ore / 100:.2f} DKK, "
                f"{len(self.moved)} pickup time(s) change (max {self.max_shift_s // 60} min)")


@dataclass(frozen=True, slots=True)
class RefusedMerge:
    """A merge that was tried and refused, with the reason (e.g. a rider would move 12 min)."""

    day: str
    absorbed_run_id: str
    target_run_id: str
    reason: str
    max_shift_s: int | None = None
    """The smallest largest-shift among otherwise feasible insertions, if any."""


@dataclass(frozen=True, slots=True)
class ConsolidationReport:
    """Offered merges (best saving first) and refused ones."""

    suggestions: tuple[ConsolidationSuggestion, ...]
    refused: tuple[RefusedMerge, ...]


# --------------------------------------------------------------------------------------------
# Helpers


def _peak_places(run: Run) -> int:
    return max((s.load_seats + s.load_wheelchairs for s in run.stops), default=0)


def is_nearly_empty(run: Run, ctx: RunContext, cparams: ConsolidationParams) -> bool:
    """Whether the run has at most ``max_riders`` riders or uses at most ``max_seat_share`` of
    its vehicle's places at its fullest."""
    if len(run.rider_ids) <= cparams.max_riders:
        return True
    vehicle = ctx.vehicles.get(run.vehicle_id)
    if vehicle is None:
        return False
    capacity = vehicle.seats + vehicle.wheelchair_places
    return _peak_places(run) <= cparams.max_seat_share * capacity


def _same_wave(a: Run, b: Run, params: PlanParams) -> bool:
    return (a.weekday == b.weekday and a.direction == b.direction
            and abs(a.centre_time_s - b.centre_time_s) <= params.wave_gap_s)


def _minutes(seconds: int) -> str:
    minutes, secs = divmod(abs(seconds), 60)
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def _old_agreed(run: Run) -> dict[str, int]:
    """Each rider's agreed pickup time on the run."""
    out: dict[str, int] = {}
    for stop in run.stops:
        if stop.kind == "pickup" and stop.agreed_s is not None:
            for r in stop.rider_ids:
                out[r] = stop.agreed_s
    return out


# --------------------------------------------------------------------------------------------
# Re-timing a candidate stop sequence


class _Timer:
    """Choose agreed times for a stop sequence: as close to each stop's target as feasible."""

    def __init__(self, ctx: RunContext, base: Run, others: Sequence[Run],
                 at_s: int | None = None) -> None:
        self.ctx = ctx
        self.base = base
        self.weekday = weekday_of_day(base.weekday)
        self.grid = grid_s(ctx.params)
        vehicle = ctx.vehicles.get(base.vehicle_id)
        same_vehicle = [r for r in others if r.vehicle_id == base.vehicle_id and r.stops]
        # The vehicle's other runs that day bound when this one may start and end.
        # The vehicle drives from the previous run's end terminal to this run's start and from
        # its end to the next run's start (terminals may be centres: ``Run``).
        start = base.centre_time_s if at_s is None else at_s
        first, last = base.stops[0].place, base.stops[-1].place
        prev_end = max((r.stops[-1].arrival_s + ctx.leg(r.stops[-1].place, first)[0]
                        for r in same_vehicle if r.centre_time_s < start), default=None)
        next_start = min((r.stops[0].departure_s - ctx.leg(last, r.stops[0].place)[0]
                          for r in same_vehicle if r.centre_time_s >= start), default=None)
        lo = vehicle.available_from_s if vehicle is not None else -math.inf
        hi = vehicle.available_to_s if vehicle is not None else math.inf
        self.earliest_leave = max(lo, prev_end) if prev_end is not None else lo
        self.latest_back = min(hi, next_start) if next_start is not None else hi

    def floor(self, t: float) -> float:
        return t if math.isinf(t) else floor_grid(t, self.grid)

    def ceil(self, t: float) -> float:
        return t if math.isinf(t) else ceil_grid(t, self.grid)

    def own_window(self, spec: StopSpec) -> tuple[float, float]:
        if self.base.direction == "to_centre" and spec.kind == "dropoff" \
                and is_centre(spec.place):
            w = self.ctx.arrival_window(spec.rider_ids, self.weekday)
            return (float(w[0]), float(w[1])) if w else (-math.inf, math.inf)
        if self.base.direction == "from_centre" and spec.kind == "pickup" \
                and is_centre(spec.place):
            w = self.ctx.pickup_window(spec.rider_ids, self.weekday)
            return (float(w[0]), float(w[1])) if w else (-math.inf, math.inf)
        return -math.inf, math.inf

    def retime(self, specs: list[StopSpec],
               targets: Sequence[float | None]) -> list[StopSpec] | None:
        """Agreed times for the pickups (``math.inf`` target: as late as feasible); None if no
        feasible timetable exists."""
        depot = self.base.stops[0].place
        places = [depot, *(s.place for s in specs), self.base.stops[-1].place]
        travel = [self.ctx.leg(a, b)[0] for a, b in pairwise(places)]
        service = [self.ctx.service_s(s.rider_ids) for s in specs]
        n = len(specs)
        # Backward: latest start of service at each stop so that everything after fits.
        latest: list[float] = [math.inf] * n
        nxt = self.latest_back
        for k in range(n - 1, -1, -1):
            limit = min(self.own_window(specs[k])[1], nxt - travel[k + 1] - service[k])
            latest[k] = self.floor(limit) if specs[k].kind == "pickup" else limit
            nxt = latest[k]
        # Forward: each pickup as close to its target as [earliest, latest] allows.
        out: list[StopSpec] = []
        clock = self.earliest_leave + travel[0]
        for k, spec in enumerate(specs):
            own_lo = self.own_window(spec)[0]
            if spec.kind == "pickup":
                lo = self.ceil(max(clock, own_lo))
                if lo > latest[k]:
                    return None
                target = targets[k]
                if target is None:
                    t = lo
                elif math.isinf(target):
                    t = latest[k] if target > 0 else lo
                else:
                    t = float(round(target / self.grid) * self.grid)
                t = min(max(t, lo), latest[k])
                if math.isinf(t):
                    return None
                agreed = int(t)
                out.append(replace(spec, agreed_s=agreed))
                clock = agreed + service[k] + travel[k + 1]
            else:
                start = max(clock, own_lo)
                if start > latest[k]:
                    return None
                out.append(spec)
                clock = start + service[k] + travel[k + 1]
        return out


# --------------------------------------------------------------------------------------------
# Merging one run into another


@dataclass
class _Candidate:
    run: Run
    cost_ore: int
    shift_s: int


def _stranded_day_end(gone: Run, others: Sequence[Run]) -> str | None:
    """Why taking ``gone`` away would leave its vehicle's day starting or ending at a centre
    (the vehicle waited there between ``gone`` and a neighbouring run), None if it does not."""
    same = [r for r in others if r.vehicle_id == gone.vehicle_id and r.stops]
    if not same:
        return None
    depot = depot_place(gone.vehicle_id)
    first = min(same, key=lambda r: r.stops[0].departure_s)
    last = max(same, key=lambda r: r.stops[-1].arrival_s)
    if first.stops[0].departure_s >= gone.stops[-1].arrival_s and first.stops[0].place != depot:
        return (f"vehicle {gone.vehicle_id}'s next run {first.run_id} starts at "
                f"{first.stops[0].place}, where this run leaves it")
    if last.stops[-1].arrival_s <= gone.stops[0].departure_s and last.stops[-1].place != depot:
        return (f"vehicle {gone.vehicle_id}'s previous run {last.run_id} ends at "
                f"{last.stops[-1].place}, where this run picks it up")
    return None


class _Merger:
    def __init__(self, ctx: RunContext, day_runs: Sequence[Run], cparams: ConsolidationParams,
                 check: Checker | None) -> None:
        self.ctx = ctx
        self.day_runs = list(day_runs)
        self.cparams = cparams
        self.check = check

    def rider_places(self, rider_id: str, direction: Direction) -> tuple[StopSpec, StopSpec]:
        rider = self.ctx.riders[rider_id]
        return rider_stops(rider, self.ctx.scenario.centre(rider.centre_id), direction)

    def merge(self, small: Run, target: Run) -> ConsolidationSuggestion | RefusedMerge:
        ctx = self.ctx
        others = [r for r in self.day_runs if r.run_id not in (small.run_id, target.run_id)]
        stranded = _stranded_day_end(small, others)
        if stranded is not None:
            return RefusedMerge(target.weekday, small.run_id, target.run_id, stranded)
        timer = _Timer(ctx, target, others)
        old = {**_old_agreed(target), **_old_agreed(small)}
        specs = specs_of(target)
        for rider_id in small.rider_ids:
            best_refused_shift: int | None = None
            last_problem = f"rider {rider_id}: no feasible position"
            pickup, dropoff = self.rider_places(rider_id, small.direction)
            best: tuple[int, int, list[StopSpec], Run] | None = None
            for seq, _, _ in insertions(specs, pickup, dropoff):
                targets = [self._target(s, old) for s in seq]
                timed = timer.retime(seq, targets)
                if timed is None:
                    last_problem = f"rider {rider_id}: no timetable keeps the windows"
                    continue
                run = assemble_run(target, timed, ctx, day=target.weekday)
                problems = run_problems(run, ctx)
                if problems:
                    last_problem = f"rider {rider_id}: {problems[0]}"
                    continue
                shift = self._max_shift(run, old)
                if shift > self.cparams.max_shift_s:
                    if best_refused_shift is None or shift < best_refused_shift:
                        best_refused_shift = shift
                    continue
                cost = runs_cost_ore([run], ctx.vehicles)
                if best is None or (cost, shift) < (best[0], best[1]):
                    best = (cost, shift, timed, run)
            if best is None:
                if best_refused_shift is not None:
                    reason = (f"a rider's pickup time would move {_minutes(best_refused_shift)}, "
                              f"limit {_minutes(self.cparams.max_shift_s)}")
                    return RefusedMerge(target.weekday, small.run_id, target.run_id, reason,
                                        best_refused_shift)
                return RefusedMerge(target.weekday, small.run_id, target.run_id, last_problem)
            specs = best[2]
        merged = assemble_run(target, specs, ctx, day=target.weekday)
        before = runs_cost_ore(self.day_runs, ctx.vehicles)
        after = runs_cost_ore([*others, merged], ctx.vehicles)
        saved = before - after
        if saved <= 0:
            return RefusedMerge(target.weekday, small.run_id, target.run_id,
                                f"saves nothing ({saved / 100:.2f} DKK)")
        new_agreed = _old_agreed(merged)
        moved = tuple(
            MovedRider(r, small.run_id if r in small.rider_ids else target.run_id,
                       target.run_id, target.direction, old[r], new_agreed[r])
            for r in merged.rider_ids if r in old and new_agreed.get(r) != old[r]
        )
        return ConsolidationSuggestion(target.weekday, target.direction, small, target, merged,
                                       saved, moved)

    @staticmethod
    def _target(spec: StopSpec, old: dict[str, int]) -> int | None:
        """A stop's wished time: the original agreed time of its first rider (for a stop of the
        target run that is the target's own time, so its riders are disturbed last)."""
        if spec.kind != "pickup":
            return None
        return next((old[r] for r in spec.rider_ids if r in old), spec.agreed_s)

    @staticmethod
    def _max_shift(run: Run, old: dict[str, int]) -> int:
        new = _old_agreed(run)
        return max((abs(new[r] - old[r]) for r in new if r in old), default=0)

    def full_check(self, suggestion: ConsolidationSuggestion) -> list[str]:
        """Errors of the full check on the merged run's vehicle-day (empty: valid or no check).
        """
        if self.check is None:
            return []
        merged = suggestion.merged
        skip = (suggestion.absorbed.run_id, suggestion.target.run_id)
        others = [r for r in self.day_runs if r.run_id not in skip]
        runs = [merged, *(r for r in others if r.vehicle_id == merged.vehicle_id)]
        trips: set[TripKey] = {
            (r, run.weekday, str(run.direction)) for run in runs for r in run.rider_ids
        }
        violations = self.check(Plan(runs=tuple(runs), unserved=()), trips)
        return [str(v) for v in violations if getattr(v, "severity", "error") == "error"]


def build_run(
    run_id: str,
    day: str,
    direction: Direction,
    vehicle_id: str,
    rider_ids: Sequence[str],
    scenario: Scenario,
    matrix: MatrixLike,
    params: PlanParams | None = None,
    *,
    other_runs: Sequence[Run] = (),
) -> Run:
    """A run made by hand: riders in the given order, one stop per home and per centre.

    To the centre, the homes are visited in ``rider_ids`` order and then the centres (in order
    of first appearance), with pickup times as late as the arrival windows allow; home from
    the centre, the centres first (pickup at the earliest feasible time after the session) and
    then the homes. Riders sharing a home share a stop. ``other_runs`` of the same vehicle and
    day bound its start and end. Feasibility is not guaranteed: check with
    :func:`routing.planning.stops.run_problems` or :func:`routing.verify.checks.verify_plan`.

    Raises
    ------
    ConsolidationError
        If no timetable keeps the centre windows and the vehicle's availability.
    """
    params = params or scenario.plan_params
    ctx = RunContext(scenario, matrix, params)
    vehicle = ctx.vehicles[vehicle_id]
    depot = StopSpec("pickup", depot_place(vehicle_id), (), vehicle.depot_lat, vehicle.depot_lon)
    homes: dict[str, StopSpec] = {}
    centres: dict[str, StopSpec] = {}
    home_kind: StopKind = "pickup" if direction == "to_centre" else "dropoff"
    centre_kind: StopKind = "dropoff" if direction == "to_centre" else "pickup"
    for r in rider_ids:
        rider = ctx.riders[r]
        key = f"{rider.lat:.7f},{rider.lon:.7f}"
        if key in homes:
            homes[key] = replace(homes[key], rider_ids=(*homes[key].rider_ids, r))
        else:
            homes[key] = StopSpec(home_kind, home_place(r), (r,), rider.lat, rider.lon)
        centre = scenario.centre(rider.centre_id)
        spec = centres.get(centre.centre_id) or StopSpec(
            centre_kind, centre_place(centre.centre_id), (), centre.lat, centre.lon)
        centres[centre.centre_id] = replace(spec, rider_ids=(*spec.rider_ids, r))
    specs = [*homes.values(), *centres.values()] if direction == "to_centre" \
        else [*centres.values(), *homes.values()]
    stop = Stop(kind="depot", rider_ids=(), lat=depot.lat, lon=depot.lon, arrival_s=0,
                departure_s=0, load_seats=0, load_wheelchairs=0, leg_distance_m=0,
                leg_travel_s=0, place=depot.place)
    first_centre = next(iter(centres))
    base = Run(run_id, day, first_centre, "", direction, vehicle_id, (stop, stop),
               centre_ids=tuple(centres), session_ids=("",))
    sessions = [trip_session(ctx.riders[r], weekday_of_day(day), ctx.sessions, direction)
                for r in rider_ids]
    session_ids = tuple(dict.fromkeys(s.session_id for s in sessions if s is not None))
    base = replace(base, session_id=session_ids[0] if session_ids else "",
                   session_ids=session_ids)
    at_s = min((s.start_s if direction == "to_centre" else s.end_s)
               for s in sessions if s is not None) if session_ids else None
    timer = _Timer(ctx, base, [r for r in other_runs if r.vehicle_id == vehicle_id], at_s)
    targets = [math.inf if direction == "to_centre" else None for _ in specs]
    timed = timer.retime(specs, targets)
    if timed is None:
        raise ConsolidationError(f"run {run_id}: no timetable keeps the windows and vehicle "
                                 f"{vehicle_id}'s availability")
    return assemble_run(base, timed, ctx, day=day)


def verify_checker(scenario: Scenario, network: RoadNetwork,
                   params: PlanParams | None = None) -> Checker:
    """A :data:`Checker` running :func:`routing.verify.checks.verify_plan` on the road network."""
    from routing.verify.checks import verify_plan  # the checker builds its own network routing

    def check(plan: Plan, trips: set[TripKey]) -> Sequence[Violation]:
        return verify_plan(plan, scenario, network, params, expected_trips=trips)

    return check


def suggest_consolidations(
    runs: Sequence[Run] | DailyResult,
    scenario: Scenario,
    matrix: MatrixLike,
    params: PlanParams | None = None,
    cparams: ConsolidationParams | None = None,
    *,
    network: RoadNetwork | None = None,
    check: Checker | None = None,
) -> ConsolidationReport:
    """Suggest merging nearly empty runs into other runs of the same day, direction and wave.

    Parameters
    ----------
    runs
        The runs of one or more days (e.g. :attr:`DailyResult.runs`); grouped by ``weekday``.
    scenario
        The scenario.
    matrix
        Travel matrix over the places (``routing.planning.planner.place_matrix``).
    params
        Planning rules; default ``scenario.plan_params`` or the shipped defaults.
    cparams
        When a run is nearly empty and how far times may move (default 10 min).
    network
        When given, every candidate is checked with :func:`routing.verify.checks.verify_plan`
        (recommended; without it only the quick checks of
        :func:`routing.planning.stops.run_problems`).
    check
        A custom full check instead of ``network`` (tests).

    Returns
    -------
    ConsolidationReport
        Offered merges, best saving first (each run is absorbed or targeted by at most one
        suggestion, so the offers can be accepted together), and the refused ones with reasons.
    """
    params = params or scenario.plan_params
    cparams = cparams or ConsolidationParams()
    if check is None and network is not None:
        check = verify_checker(scenario, network, params)
    all_runs = list(runs.runs if isinstance(runs, DailyResult) else runs)
    ctx = RunContext(scenario, matrix, params)
    offered: list[ConsolidationSuggestion] = []
    refused: list[RefusedMerge] = []
    days = sorted({r.weekday for r in all_runs})
    for day in days:
        day_runs = [r for r in all_runs if r.weekday == day and r.stops]
        merger = _Merger(ctx, day_runs, cparams, check)
        small_runs = [r for r in day_runs if r.rider_ids and is_nearly_empty(r, ctx, cparams)]
        day_offers: list[ConsolidationSuggestion] = []
        for small in small_runs:
            for target in day_runs:
                if target.run_id == small.run_id or not _same_wave(small, target, params):
                    continue
                outcome = merger.merge(small, target)
                if isinstance(outcome, RefusedMerge):
                    refused.append(outcome)
                else:
                    day_offers.append(outcome)
        # Keep compatible offers: each run takes part in at most one merge, best saving first.
        # The full check (a road-network verification) runs only on offers about to be kept.
        used: set[str] = set()
        for s in sorted(day_offers, key=lambda s: (-s.saved_ore, s.max_shift_s,
                                                   s.absorbed.run_id, s.target.run_id)):
            if s.absorbed.run_id in used or s.target.run_id in used:
                continue
            failures = merger.full_check(s)
            if failures:
                refused.append(RefusedMerge(day, s.absorbed.run_id, s.target.run_id,
                                            f"check failed: {failures[0]}", s.max_shift_s))
                continue
            used |= {s.absorbed.run_id, s.target.run_id}
            offered.append(s)
    log.info("consolidation: %d suggestion(s), %d refused merge(s)", len(offered), len(refused))
    return ConsolidationReport(tuple(offered), tuple(refused))


def apply(suggestion: ConsolidationSuggestion, runs: Sequence[Run]) -> tuple[Run, ...]:
    """The runs after accepting the suggestion: the target replaced by the merged run, the
    absorbed run gone (order otherwise kept).

    Raises
    ------
    ConsolidationError
        If the runs no longer contain the suggestion's runs unchanged (a stale suggestion).
    """
    by_id = {r.run_id: r for r in runs}
    for wanted in (suggestion.absorbed, suggestion.target):
        if by_id.get(wanted.run_id) != wanted:
            raise ConsolidationError(f"run {wanted.run_id} changed since the suggestion was made; "
                                     f"suggest again")
    out: list[Run] = []
    for run in runs:
        if run.run_id == suggestion.absorbed.run_id:
            continue
        out.append(suggestion.merged if run.run_id == suggestion.target.run_id else run)
    return tuple(out)


def apply_to_daily(suggestion: ConsolidationSuggestion, daily: DailyResult,
                   scenario: Scenario) -> DailyResult:
    """:func:`apply` to a :class:`DailyResult`: the absorbed run becomes a cancelled run with
    reason ``"consolidated"`` and the suggestion's saving; costs are recomputed."""
    runs = apply(suggestion, daily.runs)
    vehicles = {v.vehicle_id: v for v in scenario.vehicles}
    cancelled = CancelledRun(
        run_id=suggestion.absorbed.run_id,
        vehicle_id=suggestion.absorbed.vehicle_id,
        direction=suggestion.direction,
        reason="consolidated",
        saved_ore=suggestion.saved_ore,
        rider_ids=suggestion.absorbed.rider_ids,
    )
    return replace(daily, runs=runs, cancelled=(*daily.cancelled, cancelled),
                   cost_ore=runs_cost_ore(runs, vehicles))


def notification_lines(suggestion: ConsolidationSuggestion) -> list[str]:
    """Danish lines for the riders to notify: ``"<rider_id>: 08:15 → 08:25"``."""
    return [f"{m.rider_id}: {format_hm(m.old_agreed_s)} → {format_hm(m.new_agreed_s)}"
            for m in suggestion.moved]
