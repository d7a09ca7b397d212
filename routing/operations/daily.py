"""Daily runs: what the weekly plan becomes on one date, after closures, afbud and no-shows.

For a date, the weekly plan's runs of that weekday are taken; riders of closed centres and absent
riders are removed, stops left without riders are dropped and the legs between the remaining stops
are recomputed from the travel matrix. Every remaining rider keeps the agreed pickup time (never
earlier; boarding within the pickup interval), nobody on board waits, and the vehicle leaves the
depot as late as it can, which shortens the run. A run with nobody left is cancelled and its cost
saved is reported (:mod:`routing.planning.costing`, with the vehicle-day's fixed price when the
vehicle has
no other run that day).

Daily runs carry the ISO date in ``Run.weekday`` (e.g. ``"2026-03-02"``), which
:func:`routing.verify.checks.verify_plan` and :func:`routing.planning.costing.runs_cost_ore`
understand; use
:meth:`DailyResult.as_plan` and :func:`daily_expected_trips` to verify them.

Conventions (those of the planner and the checker, ``docs/vehicles.md``): riders on board never
wait; a pickup's boarding starts at or after the agreed time and within the pickup interval, and
the vehicle leaves after the boarding (the sum of the riders' boarding times there); at a drop-off
it leaves ``arrival + boarding``; the vehicle waits only while empty.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import numpy.typing as npt

from routing.model import (
    DAY_S,
    Direction,
    Plan,
    Rider,
    Run,
    Scenario,
    Session,
    Stop,
    StopKind,
    Unserved,
    Vehicle,
)
from routing.operations.calendar import weekday_key
from routing.params import PlanParams
from routing.planning.costing import run_variable_cost_ore, runs_cost_ore
from routing.planning.rules import (
    boarding_time_s,
    pickup_tolerance_s,
    ride_limit_s,
    run_layout,
    vehicle_fits,
)
from routing.planning.timing import StopTiming, onboard_waits_s, time_segments

if TYPE_CHECKING:
    from routing.operations.absences import AbsenceBook
    from routing.operations.calendar import CentreCalendar

log = logging.getLogger(__name__)

RemovalReason = Literal["closed", "absent", "no_show"]
"""Why a rider is off a run: the centre is closed, afbud, or a morning no-show."""

CancelReason = Literal["closed", "empty", "consolidated"]
"""Why a run does not drive: all its centres are closed, nobody is left, or it was merged."""

RiderTrip = tuple[str, Direction]


class MatrixLike(Protocol):
    """What daily runs need of :class:`routing.network.matrix.TravelMatrix` (ids are place
    strings)."""

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def time_s(self) -> npt.NDArray[np.int64]: ...

    @property
    def distance_m(self) -> npt.NDArray[np.int64]: ...

    def index(self, point_id: str) -> int: ...


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class RemovedRider:
    """A rider taken off a run for the date, with the reason."""

    run_id: str
    rider_id: str
    direction: Direction
    reason: RemovalReason


@dataclass(frozen=True, slots=True)
class CancelledRun:
    """A planned run that does not drive on the date, and what that saves.

    ``saved_ore`` is the run's variable cost plus the vehicle-day's fixed price when the vehicle
    has no other run left that day.
    """

    run_id: str
    vehicle_id: str
    direction: Direction
    reason: CancelReason
    saved_ore: int
    rider_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DailyResult:
    """The runs of one date and what changed against the weekly plan.

    ``runs`` are the runs that drive (``weekday`` = ISO date); ``planned`` the weekly plan's runs
    of that weekday, unchanged (for struck-out riders on manifests). ``saved_ore`` is the planned
    cost minus the cost of ``runs`` (cancelled and shortened runs together).
    """

    on_date: date
    weekday: str | None
    runs: tuple[Run, ...]
    planned: tuple[Run, ...]
    cancelled: tuple[CancelledRun, ...]
    removed: tuple[RemovedRider, ...]
    unserved: tuple[Unserved, ...]
    planned_cost_ore: int
    cost_ore: int
    closed_centres: frozenset[str] = frozenset()
    not_granted: frozenset[str] = frozenset()
    """Riders of the plan without a shared-ride grant in force that day: left out entirely
    (not struck out: they are not the driver's business)."""

    @property
    def day(self) -> str:
        """The ``Run.weekday`` value of the daily runs (the ISO date)."""
        return self.on_date.isoformat()

    @property
    def saved_ore(self) -> int:
        """Planned cost minus the cost of the runs that drive."""
        return self.planned_cost_ore - self.cost_ore

    @property
    def cancelled_saved_ore(self) -> int:
        """Sum of the cancelled runs' savings."""
        return sum(c.saved_ore for c in self.cancelled)

    def run(self, run_id: str) -> Run | None:
        """The driving run with this id, if any."""
        return next((r for r in self.runs if r.run_id == run_id), None)

    def planned_run(self, run_id: str) -> Run | None:
        """The weekly plan's run with this id, if any."""
        return next((r for r in self.planned if r.run_id == run_id), None)

    def removed_from(self, run_id: str) -> tuple[RemovedRider, ...]:
        """Riders taken off the run."""
        return tuple(r for r in self.removed if r.run_id == run_id)

    def as_plan(self, scenario_name: str = "", params: Mapping[str, object] | None = None) -> Plan:
        """The daily runs as a :class:`Plan` (for ``verify_plan``, ``write_plan`` and maps)."""
        return Plan(
            runs=self.runs,
            unserved=self.unserved,
            kpis={
                "date": self.day,
                "planned_cost_ore": self.planned_cost_ore,
                "cost_ore": self.cost_ore,
                "saved_ore": self.saved_ore,
                "cancelled_runs": [c.run_id for c in self.cancelled],
                "removed_riders": len(self.removed),
            },
            scenario=scenario_name,
            params=dict(params or {}),
        )


def daily_expected_trips(
    weekly_expected: Iterable[tuple[str, str, str]], result: DailyResult
) -> set[tuple[str, str, str]]:
    """The trips the daily runs owe: the weekday's expected trips, keyed by the ISO date, minus
    the removed riders' trips.

    Parameters
    ----------
    weekly_expected
        ``routing.verify.checks.expected_trips(scenario)``.
    result
        The daily result.
    """
    removed = {(r.rider_id, r.direction) for r in result.removed}
    return {
        (rider_id, result.day, direction)
        for rider_id, weekday, direction in weekly_expected
        if weekday == result.weekday and (rider_id, direction) not in removed
        and rider_id not in result.not_granted
    }


# --------------------------------------------------------------------------------------------
# Rules shared with consolidation


def trip_session(rider: Rider, weekday: str, sessions: Mapping[str, Session],
                 direction: Direction) -> Session | None:
    """The session a rider's trip of the day serves: the earliest-starting one for the ride to
    the centre, the latest-ending one for the ride home (the checker's rule)."""
    day_sessions = [sessions[s] for s in rider.session_ids
                    if s in sessions and sessions[s].weekday == weekday]
    if not day_sessions:
        return None
    if direction == "to_centre":
        return min(day_sessions, key=lambda s: (s.start_s, s.session_id))
    return max(day_sessions, key=lambda s: (s.end_s, s.session_id))


boarding_s = boarding_time_s


@dataclass(frozen=True, slots=True)
class StopSpec:
    """A stop to be timed by :func:`assemble_run`: kind, place, riders and (pickups) agreed time."""

    kind: StopKind
    place: str
    rider_ids: tuple[str, ...]
    lat: float
    lon: float
    agreed_s: int | None = None


@dataclass
class RunContext:
    """Lookups for timing runs: riders, sessions, vehicles, the matrix and the parameters."""

    scenario: Scenario
    matrix: MatrixLike
    params: PlanParams
    riders: dict[str, Rider] = field(init=False)
    sessions: dict[str, Session] = field(init=False)
    vehicles: dict[str, Vehicle] = field(init=False)
    _index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.riders = {r.rider_id: r for r in self.scenario.riders}
        self.sessions = {s.session_id: s for s in self.scenario.sessions}
        self.vehicles = {v.vehicle_id: v for v in self.scenario.vehicles}
        self._index = {pid: i for i, pid in enumerate(self.matrix.ids)}

    def leg(self, a: str, b: str) -> tuple[int, int]:
        """``(travel_s, distance_m)`` from place ``a`` to place ``b``.

        Raises
        ------
        KeyError
            If a place is not in the matrix (the matrix is not the plan's place matrix).
        """
        if a == b:
            return 0, 0
        try:
            i, j = self._index[a], self._index[b]
        except KeyError as exc:
            raise KeyError(f"place {exc.args[0]!r} is not in the travel matrix") from None
        return int(self.matrix.time_s[i, j]), int(self.matrix.distance_m[i, j])

    def service_s(self, rider_ids: Iterable[str]) -> int:
        """Boarding or alighting time of riders at one stop (the sum, as the checker wants)."""
        return sum(boarding_s(self.riders[r], self.params) for r in rider_ids)

    def arrival_window(self, rider_ids: Iterable[str], weekday: str) -> tuple[int, int] | None:
        """``(earliest, latest)`` arrival at the centre for riders alighting together."""
        lo, hi = None, None
        for r in rider_ids:
            session = trip_session(self.riders[r], weekday, self.sessions, "to_centre")
            if session is None:
                continue
            r_lo = session.start_s - self.params.arrive_earliest_before_s
            r_hi = session.start_s - self.params.arrive_latest_before_s
            lo = r_lo if lo is None else max(lo, r_lo)
            hi = r_hi if hi is None else min(hi, r_hi)
        return None if lo is None or hi is None else (lo, hi)

    def pickup_window(self, rider_ids: Iterable[str], weekday: str) -> tuple[int, int] | None:
        """``(earliest, latest)`` pickup at the centre for riders going home together."""
        lo, hi = None, None
        for r in rider_ids:
            session = trip_session(self.riders[r], weekday, self.sessions, "from_centre")
            if session is None:
                continue
            r_lo = session.end_s + self.params.pickup_earliest_after_s
            r_hi = session.end_s + self.params.pickup_latest_after_s
            lo = r_lo if lo is None else max(lo, r_lo)
            hi = r_hi if hi is None else min(hi, r_hi)
        return None if lo is None or hi is None else (lo, hi)


def _weekday_of_day(day: str) -> str:
    """``"mon"`` … or the weekday of an ISO date."""
    if len(day) == 10 and day[4] == "-":
        key = weekday_key(date.fromisoformat(day))
        if key is not None:
            return key
    return day


def assemble_run(
    base: Run,
    specs: Sequence[StopSpec],
    ctx: RunContext,
    *,
    day: str,
    run_id: str | None = None,
) -> Run:
    """Time a run from its stops: legs from the matrix, riders keep their agreed times, and
    nobody on board waits (:mod:`routing.planning.timing`).

    While riders are on board the vehicle only drives, boards and alights; it leaves the depot
    just in time and waits only while empty, at the door before a boarding. Each pickup's
    boarding starts within the pickup interval (agreed time to agreed time +
    :func:`routing.planning.rules.pickup_tolerance_s`), as early as the other riders' intervals, the
    centre's arrival window and the vehicle's availability allow. If no such timetable exists
    (e.g. an afbud saved more time between two pickups than the interval absorbs), riders on
    board wait as little as the intervals allow (:func:`routing.planning.timing.time_segments`) and
    nobody boards before their agreed time; :func:`run_problems` reports the wait and
    :func:`routing.verify.checks.verify_plan` accepts it only as unavoidable. Loads are recomputed.

    Parameters
    ----------
    base
        The run whose vehicle, depot, direction and metadata are kept.
    specs
        The stops between the depot stops, in order (each with riders).
    ctx
        Lookups, matrix and parameters.
    day
        ``Run.weekday`` of the result (weekday name or ISO date).
    run_id
        Id of the result (default ``base.run_id``).
    """
    depot = base.stops[0]
    weekday = _weekday_of_day(day)
    places = [depot.place, *(s.place for s in specs), base.stops[-1].place]
    legs = [ctx.leg(a, b) for a, b in pairwise(places)]
    tolerance = pickup_tolerance_s(ctx.params)

    timings: list[StopTiming] = []
    load = 0
    for i, spec in enumerate(specs):
        lo, hi = -DAY_S, 2 * DAY_S
        if spec.kind == "pickup" and spec.agreed_s is not None:
            lo, hi = spec.agreed_s, spec.agreed_s + tolerance
        elif base.direction == "to_centre" and spec.place.startswith("centre:"):
            window = ctx.arrival_window(spec.rider_ids, weekday)
            if window is not None:
                lo, hi = window
        timing = StopTiming(service_s=ctx.service_s(spec.rider_ids), travel_in_s=legs[i][0],
                            load_before=load, start_lo_s=lo, start_hi_s=hi)
        timings.append(timing)
        load += (1 if spec.kind == "pickup" else -1) * len(spec.rider_ids)
    vehicle = ctx.vehicles.get(base.vehicle_id)
    avail = (vehicle.available_from_s, vehicle.available_to_s) if vehicle else (0, 2 * DAY_S)
    table = None
    if timings:
        # Without a timetable that keeps every interval wait-free, riders on board wait as
        # little as possible (never boarding before, nor needlessly after, their interval).
        table = time_segments(timings, travel_back_s=legs[-1][0],
                              earliest_depart_s=avail[0], latest_back_s=avail[1])
        if not table.feasible:
            # Expected after some afbud (the verifier reports the waits as warnings); the same
            # day is derived again for every manifest and list, so this is not a warning.
            log.info("run %s on %s: no timetable without on-board waiting keeps every "
                     "pickup interval and window", base.run_id, day)
    departure = table.depart_s if table is not None else depot.departure_s

    stops: list[Stop] = [Stop(
        kind="depot", rider_ids=(), lat=depot.lat, lon=depot.lon,
        arrival_s=departure, departure_s=departure, load_seats=0, load_wheelchairs=0,
        leg_distance_m=legs[0][1], leg_travel_s=legs[0][0], place=depot.place,
    )]
    seats = wheelchairs = 0
    clock = departure + legs[0][0]
    for i, spec in enumerate(specs):
        assert table is not None
        start = table.starts_s[i]
        # The vehicle waits only while empty: at the door before a boarding. (If riders must
        # wait on board, they wait on the way, not parked outside a centre before its window.)
        arrival = min(clock, start) if spec.kind == "pickup" else max(clock, start)
        if spec.kind == "pickup":
            for r in spec.rider_ids:
                seats += ctx.riders[r].seats
                wheelchairs += ctx.riders[r].wheelchair_places
        else:
            for r in spec.rider_ids:
                seats -= ctx.riders[r].seats
                wheelchairs -= ctx.riders[r].wheelchair_places
        leave = start + timings[i].service_s
        travel_s, distance_m = legs[i + 1]
        stops.append(Stop(
            kind=spec.kind, rider_ids=spec.rider_ids, lat=spec.lat, lon=spec.lon,
            arrival_s=arrival, departure_s=leave, load_seats=seats, load_wheelchairs=wheelchairs,
            leg_distance_m=distance_m, leg_travel_s=travel_s, place=spec.place,
            agreed_s=spec.agreed_s if spec.kind == "pickup" else None,
        ))
        clock = leave + travel_s
    end = base.stops[-1]
    stops.append(Stop(
        kind="depot", rider_ids=(), lat=end.lat, lon=end.lon, arrival_s=clock, departure_s=clock,
        load_seats=0, load_wheelchairs=0, leg_distance_m=0, leg_travel_s=0, place=end.place,
    ))
    layout = base.layout
    if vehicle is not None:
        # Riders removed or added: keep the run's layout if the loads fit it, else pick one.
        layout = run_layout(vehicle, ((st.load_seats, st.load_wheelchairs) for st in stops),
                            base.layout) or base.layout
    return _with_metadata(replace(base, layout=layout), tuple(stops), ctx, day=day,
                          run_id=run_id)


def _with_metadata(base: Run, stops: tuple[Stop, ...], ctx: RunContext, *, day: str,
                   run_id: str | None) -> Run:
    """``base`` with new stops; centres and sessions narrowed (or widened) to its riders."""
    riders = [ctx.riders[r] for s in stops if s.kind == "pickup" for r in s.rider_ids]
    centres = list(dict.fromkeys(r.centre_id for r in riders))
    ordered_centres = [c for c in (base.centre_ids or (base.centre_id,)) if c in centres]
    ordered_centres += [c for c in centres if c not in ordered_centres]
    weekday = _weekday_of_day(day)
    trip_sessions = [trip_session(r, weekday, ctx.sessions, base.direction) for r in riders]
    needed = list(dict.fromkeys(s.session_id for s in trip_sessions if s is not None))
    listed = [s for s in (base.session_ids or (base.session_id,)) if s in needed]
    listed += [s for s in needed if s not in listed]
    centre_id = base.centre_id if base.centre_id in ordered_centres or not ordered_centres \
        else ordered_centres[0]
    session_id = base.session_id if base.session_id in listed or not listed else listed[0]
    return Run(
        run_id=run_id or base.run_id,
        weekday=day,
        centre_id=centre_id,
        session_id=session_id,
        direction=base.direction,
        vehicle_id=base.vehicle_id,
        stops=stops,
        centre_ids=tuple(ordered_centres) if base.centre_ids else (),
        session_ids=tuple(listed) if base.session_ids else (),
        layout=base.layout,
    )


def run_problems(run: Run, ctx: RunContext) -> list[str]:
    """Quick checks of a timed run: pickups on time, windows, ride times, capacity, availability.

    A cheap subset of :func:`routing.verify.checks.verify_plan` used to discard candidates early;
    an empty list does not replace the full check.
    """
    out: list[str] = []
    weekday = _weekday_of_day(run.weekday)
    vehicle = ctx.vehicles.get(run.vehicle_id)
    picked_at: dict[str, int] = {}
    tolerance = pickup_tolerance_s(ctx.params)
    services = [ctx.service_s(r for r in s.rider_ids if r in ctx.riders) for s in run.stops]
    waits = onboard_waits_s(
        [s.arrival_s for s in run.stops], [s.departure_s for s in run.stops],
        [s.leg_travel_s for s in run.stops], services,
        [s.load_seats + s.load_wheelchairs for s in run.stops],
        [s.kind == "pickup" for s in run.stops])
    for si, wait in enumerate(waits):
        if wait > 0:
            out.append(f"stop {si} ({run.stops[si].place}): riders on board wait {wait} s")
    for si, stop in enumerate(run.stops):
        if stop.kind == "pickup":
            if (stop.agreed_s is not None
                    and stop.departure_s - services[si] > stop.agreed_s + tolerance):
                out.append(f"stop {si} ({stop.place}): boarding starts after the pickup "
                           f"interval")
            if run.direction == "from_centre":
                window = ctx.pickup_window(stop.rider_ids, weekday)
                t = stop.agreed_s if stop.agreed_s is not None else stop.departure_s
                if window is not None and not window[0] <= t <= window[1]:
                    out.append(f"stop {si} ({stop.place}): pickup outside the window")
            for r in stop.rider_ids:
                picked_at[r] = si
        elif stop.kind == "dropoff":
            if run.direction == "to_centre" and stop.place.startswith("centre:"):
                window = ctx.arrival_window(stop.rider_ids, weekday)
                if window is not None and not window[0] <= stop.arrival_s <= window[1]:
                    out.append(f"stop {si} ({stop.place}): arrival outside the window")
            for r in stop.rider_ids:
                p = picked_at.get(r)
                if p is None:
                    continue
                ride = stop.arrival_s - run.stops[p].departure_s
                direct = ctx.leg(run.stops[p].place, stop.place)[0]
                if ride > ride_limit_s(ctx.riders[r], direct, ctx.params):
                    out.append(f"rider {r}: ride time {ride} s over the limit")
        if vehicle is not None and not vehicle_fits(vehicle, stop.load_seats,
                                                    stop.load_wheelchairs):
            out.append(f"stop {si}: over capacity")
    if vehicle is not None and run.stops:
        loads = [(st.load_seats, st.load_wheelchairs) for st in run.stops]
        if run.layout is not None and run.layout not in vehicle.layouts:
            out.append(f"layout {run.layout[0]}+{run.layout[1]} is not one of the vehicle's")
        elif run_layout(vehicle, loads, run.layout) is None:
            out.append("no single layout of the vehicle fits every load of the run")
        elif run.layout is not None and run_layout(vehicle, loads, run.layout) != run.layout:
            out.append(f"over capacity in layout {run.layout[0]}+{run.layout[1]}")
    if vehicle is not None:
        if run.stops[0].departure_s < vehicle.available_from_s:
            out.append("leaves the depot before the vehicle is available")
        if run.stops[-1].arrival_s > vehicle.available_to_s:
            out.append("returns after the vehicle's availability")
    return out


# --------------------------------------------------------------------------------------------
# Daily runs


def rider_run_starts(plan: Plan, weekday: str) -> dict[RiderTrip, int]:
    """Planned depot departure (seconds) of the run carrying each ``(rider_id, direction)``.

    Used to judge whether a late afbud came before the run started
    (:meth:`routing.operations.absences.AbsenceBook.absent_on`).
    """
    out: dict[RiderTrip, int] = {}
    for run in plan.runs:
        if run.weekday != weekday or not run.stops:
            continue
        for r in run.rider_ids:
            out[(r, run.direction)] = run.stops[0].departure_s
    return out


def _removal_reason(
    rider: Rider,
    direction: Direction,
    absent: set[RiderTrip] | frozenset[RiderTrip],
    closed: set[str] | frozenset[str],
    no_show: set[RiderTrip] | frozenset[RiderTrip],
) -> RemovalReason | None:
    if rider.centre_id in closed:
        return "closed"
    if (rider.rider_id, direction) in absent:
        return "absent"
    if (rider.rider_id, direction) in no_show:
        return "no_show"
    return None


def daily_runs(
    plan: Plan,
    scenario: Scenario,
    matrix: MatrixLike,
    on_date: date,
    absent: set[RiderTrip] | frozenset[RiderTrip],
    closed_centres: set[str] | frozenset[str],
    params: PlanParams | None = None,
    *,
    no_show_cancelled: set[RiderTrip] | frozenset[RiderTrip] = frozenset(),
) -> DailyResult:
    """The runs that drive on ``on_date``.

    Parameters
    ----------
    plan
        The weekly plan.
    scenario
        Its scenario.
    matrix
        Travel matrix over the plan's places (``routing.planning.planner.place_matrix``).
    on_date
        The date; on a Saturday or Sunday there are no runs.
    absent
        Rides cancelled by afbud: ``{(rider_id, direction)}``
        (:meth:`routing.operations.absences.AbsenceBook.absent_on`).
    closed_centres
        Centres closed that day
        (:meth:`routing.operations.calendar.CentreCalendar.closed_centres`): their
        riders are removed from every run.
    params
        Planning rules; default ``scenario.plan_params`` or the shipped defaults.
    no_show_cancelled
        Rides home cancelled by a morning no-show (reported with reason ``"no_show"``).

    Returns
    -------
    DailyResult
        Runs with ``weekday`` = the ISO date, cancelled runs with savings, removed riders.
    """
    params = params or (scenario.plan_params if isinstance(scenario.plan_params, PlanParams)
                        else PlanParams())
    ctx = RunContext(scenario, matrix, params)
    weekday = weekday_key(on_date)
    day = on_date.isoformat()
    planned = tuple(r for r in plan.runs if weekday is not None and r.weekday == weekday)
    # Only riders with a shared-ride grant in force that day ride: the others leave the plan's
    # runs before anything else (e.g. reimbursement granted, the plan not yet changed).
    ungranted = frozenset(r.rider_id for r in scenario.riders if not r.rides_on(on_date))
    if ungranted:
        planned = tuple(x for x in (_without_ungranted(r, ungranted, ctx) for r in planned)
                        if x is not None)
    closed = frozenset(closed_centres)

    kept: list[Run] = []
    emptied: list[tuple[Run, CancelReason]] = []
    removed: list[RemovedRider] = []
    for run in planned:
        gone: dict[str, RemovalReason] = {}
        for r in run.rider_ids:
            rider = ctx.riders.get(r)
            if rider is None:
                continue
            reason = _removal_reason(rider, run.direction, absent, closed, no_show_cancelled)
            if reason is not None:
                gone[r] = reason
                removed.append(RemovedRider(run.run_id, r, run.direction, reason))
        specs = []
        for stop in run.stops[1:-1]:
            riders = tuple(r for r in stop.rider_ids if r not in gone)
            if riders:
                specs.append(StopSpec(stop.kind, stop.place, riders, stop.lat, stop.lon,
                                      stop.agreed_s))
        if not any(s.kind == "pickup" for s in specs):
            all_closed = bool(gone) and all(v == "closed" for v in gone.values())
            emptied.append((run, "closed" if all_closed else "empty"))
            continue
        # An untouched run keeps its planned timetable: drivers and riders know it.
        kept.append(assemble_run(run, specs, ctx, day=day) if gone else _relabel(run, day))

    vehicles = ctx.vehicles
    busy = {r.vehicle_id for r in kept}
    cancelled = tuple(
        CancelledRun(
            run_id=run.run_id,
            vehicle_id=run.vehicle_id,
            direction=run.direction,
            reason=reason,
            saved_ore=run_variable_cost_ore(run, vehicles[run.vehicle_id])
            + _fixed_share(run, emptied, busy, vehicles),
            rider_ids=run.rider_ids,
        )
        for run, reason in emptied
    )
    unserved = tuple(
        Unserved(u.rider_id, day, u.session_id, u.direction, u.reason)
        for u in plan.unserved
        if u.weekday == weekday and u.rider_id in ctx.riders and u.rider_id not in ungranted
        and _removal_reason(ctx.riders[u.rider_id], u.direction, absent, closed,
                            no_show_cancelled) is None
    )
    result = DailyResult(
        on_date=on_date,
        weekday=weekday,
        runs=tuple(kept),
        planned=planned,
        cancelled=cancelled,
        removed=tuple(removed),
        unserved=unserved,
        planned_cost_ore=runs_cost_ore(planned, vehicles),
        cost_ore=runs_cost_ore(kept, vehicles),
        closed_centres=closed,
        not_granted=ungranted,
    )
    log.info("daily runs %s: %d of %d run(s) drive, %d cancelled, %d rider trip(s) removed, "
             "saved %d øre", day, len(kept), len(planned), len(cancelled), len(removed),
             result.saved_ore)
    return result


def _without_ungranted(run: Run, ungranted: frozenset[str], ctx: RunContext) -> Run | None:
    """The weekly run without the riders not granted the shared ride (None: nobody is left)."""
    if not ungranted.intersection(run.rider_ids):
        return run
    specs = [StopSpec(s.kind, s.place, left, s.lat, s.lon, s.agreed_s)
             for s in run.stops[1:-1]
             if (left := tuple(r for r in s.rider_ids if r not in ungranted))]
    if not any(s.kind == "pickup" for s in specs):
        return None
    return assemble_run(run, specs, ctx, day=run.weekday, run_id=run.run_id)


def _relabel(run: Run, day: str) -> Run:
    return replace(run, weekday=day)


def _fixed_share(run: Run, emptied: list[tuple[Run, CancelReason]], busy: set[str],
                 vehicles: Mapping[str, Vehicle]) -> int:
    """The fixed vehicle-day price, credited to the vehicle's first cancelled run when the
    vehicle has no run left that day (so the savings add up)."""
    if run.vehicle_id in busy:
        return 0
    first = next(r for r, _ in emptied if r.vehicle_id == run.vehicle_id)
    return vehicles[run.vehicle_id].fixed_cost_ore if first.run_id == run.run_id else 0


def daily_runs_for_date(
    plan: Plan,
    scenario: Scenario,
    matrix: MatrixLike,
    on_date: date,
    *,
    calendar: CentreCalendar,
    book: AbsenceBook,
    params: PlanParams | None = None,
    no_show_cancels_ride_home: bool = False,
) -> DailyResult:
    """:func:`daily_runs` with the closures from ``calendar`` and the afbud from ``book``.

    An afbud counts for a ride when it was registered (and not withdrawn) before the ride's
    planned run left the depot; late afbud are thus honoured until then. A morning no-show
    cancels the ride home only when ``no_show_cancels_ride_home`` (a municipality's rule,
    :class:`routing.rules.MunicipalityRules`; off by default: a relative may have driven the
    rider in) and nobody overrode it.
    """
    weekday = weekday_key(on_date)
    starts = rider_run_starts(plan, weekday) if weekday is not None else {}
    absent = book.absent_on(on_date, run_start_s=starts, include_no_shows=False)
    closed = calendar.closed_centres((c.centre_id for c in scenario.centres), on_date)
    cancelled = (frozenset(book.no_show_cancellations(on_date)) if no_show_cancels_ride_home
                 else frozenset[RiderTrip]())
    return daily_runs(plan, scenario, matrix, on_date, absent, closed, params,
                      no_show_cancelled=cancelled)
