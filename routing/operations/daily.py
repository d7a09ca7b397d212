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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Literal

from routing.model import (
    Direction,
    Plan,
    Rider,
    Run,
    Scenario,
    Unserved,
    Vehicle,
)
from routing.operations.calendar import weekday_key
from routing.params import PlanParams
from routing.planning.costing import run_variable_cost_ore, runs_cost_ore
from routing.planning.stops import MatrixLike, RunContext, depot_day_ends, without_riders

if TYPE_CHECKING:
    from routing.operations.absences import AbsenceBook
    from routing.operations.calendar import CentreCalendar

log = logging.getLogger(__name__)

RemovalReason = Literal["closed", "absent", "no_show"]
"""Why a rider is off a run: the centre is closed, afbud, or a morning no-show."""

CancelReason = Literal["closed", "empty", "consolidated"]
"""Why a run does not drive: all its centres are closed, nobody is left, or it was merged."""

RiderTrip = tuple[str, Direction]


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

    def as_plan(self, scenario_name: str = "", params: PlanParams | None = None) -> Plan:
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
            params=params or PlanParams(),
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
    params = params or scenario.plan_params
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
        # An untouched run keeps its planned timetable: drivers and riders know it.
        timed = without_riders(run, gone, ctx, day=day) if gone else _relabel(run, day)
        if timed is None:
            all_closed = all(v == "closed" for v in gone.values())
            emptied.append((run, "closed" if all_closed else "empty"))
            continue
        kept.append(timed)
    # A vehicle whose run before (after) waiting at a centre was cancelled now starts (ends)
    # its day there: it starts (ends) at its depot instead (the chain of its other runs holds,
    # as the cancelled run drove from that run's end to the next one's start in between).
    kept = depot_day_ends(kept, ctx)

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
    return without_riders(run, ungranted, ctx)


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
    :class:`routing.municipality.rules.MunicipalityRules`; off by default: a relative may have
    driven the rider in) and nobody overrode it.
    """
    weekday = weekday_key(on_date)
    starts = rider_run_starts(plan, weekday) if weekday is not None else {}
    absent = book.absent_on(on_date, run_start_s=starts, include_no_shows=False)
    closed = calendar.closed_centres((c.centre_id for c in scenario.centres), on_date)
    cancelled = (frozenset(book.no_show_cancellations(on_date)) if no_show_cancels_ride_home
                 else frozenset[RiderTrip]())
    return daily_runs(plan, scenario, matrix, on_date, absent, closed, params,
                      no_show_cancelled=cancelled)
