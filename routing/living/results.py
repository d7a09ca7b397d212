"""The living plan's results and the helpers its edits share: the error, moved times, insertion
options and reports, removal and change results; agreed times, sorting and key figures of an
edited plan.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from routing.errors import SamkorselError
from routing.model import (
    WEEKDAYS,
    AgreedTimeChange,
    Direction,
    Plan,
    Run,
    Scenario,
    Unserved,
    format_hm,
    largest_shift_s,
    total_shift_s,
)
from routing.params import PlanParams
from routing.planning.kpis import kpis_of
from routing.planning.stops import (
    MatrixLike,
    RunContext,
    run_problems,
)

log = logging.getLogger(__name__)


TripKey = tuple[str, str, str]
"""``(rider_id, weekday, direction)``."""


DEFAULT_MAX_SHIFT_S = 20 * 60
"""When no insertion keeps every agreed time, others' times may move by at most this."""

class LivingPlanError(SamkorselError, ValueError):
    """A change cannot be made (unknown rider, rider already fully planned, …)."""


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class TimeMove(AgreedTimeChange):
    """A rider whose agreed pickup time changes on one weekday and direction."""

    rider_id: str
    weekday: str
    direction: Direction
    run_id: str
    old_agreed_s: int
    new_agreed_s: int

    def describe(self) -> str:
        sign = "+" if self.shift_s > 0 else "-"
        return (f"{self.rider_id} {self.weekday} {self.direction}: {format_hm(self.old_agreed_s)}"
                f" → {format_hm(self.new_agreed_s)} ({sign}{abs(self.shift_s) // 60} min)")


@dataclass(frozen=True, slots=True)
class TripPlacement:
    """Where one trip of the inserted rider goes."""

    rider_id: str
    weekday: str
    direction: Direction
    run_id: str
    vehicle_id: str
    agreed_s: int
    new_run: bool
    added_cost_ore: int
    """Cost of this trip's change alone (the run's variable cost, plus a new vehicle-day)."""


@dataclass(frozen=True, slots=True)
class InsertionOption:
    """One way to insert a rider: where each trip goes, what it costs, whom it moves."""

    rider_id: str
    placements: tuple[TripPlacement, ...]
    unplaced: tuple[Unserved, ...]
    """Trips no insertion was found for (they stay unserved, with the reason)."""
    added_cost_ore: int
    """Weekly cost of the new plan minus the old (exact, vehicle-day prices included)."""
    moved: tuple[TimeMove, ...]
    """Other riders whose agreed time changes (empty when all times are kept)."""
    consistency_exception: bool
    """The rider's own times differ across weekdays by more than the consistency limit."""
    plan: Plan

    @property
    def keeps_all_times(self) -> bool:
        return not self.moved

    @property
    def total_shift_s(self) -> int:
        return total_shift_s(self.moved)

    @property
    def max_shift_s(self) -> int:
        return largest_shift_s(self.moved)

    @property
    def moved_riders(self) -> tuple[str, ...]:
        return tuple(sorted({m.rider_id for m in self.moved}))

    def rank_key(self) -> tuple[int, int, int, int, int]:
        """Fewest trips unplaced, then fewest riders moved, cheapest, smallest shift."""
        return (len(self.unplaced), len(self.moved_riders), int(self.consistency_exception),
                self.added_cost_ore, self.total_shift_s)

    def describe(self) -> str:
        where = ", ".join(f"{p.weekday} {'ind' if p.direction == 'to_centre' else 'hjem'} "
                          f"{p.run_id} {format_hm(p.agreed_s)}" for p in self.placements)
        moved = "keeps every other agreed time" if self.keeps_all_times else \
            f"moves {len(self.moved_riders)} rider(s): " + "; ".join(m.describe()
                                                                    for m in self.moved)
        return f"+{self.added_cost_ore / 100:.2f} DKK, {moved}; {where}"


@dataclass(frozen=True, slots=True)
class InsertionReport:
    """Ranked insertion options (best first) and whether any keeps every agreed time."""

    rider_id: str
    options: tuple[InsertionOption, ...]
    message: str

    @property
    def keeps_all_times_possible(self) -> bool:
        return any(o.keeps_all_times and not o.unplaced for o in self.options)

    @property
    def best(self) -> InsertionOption:
        if not self.options:
            raise LivingPlanError(f"rider {self.rider_id}: no insertion option")
        return self.options[0]


@dataclass(frozen=True, slots=True)
class RemovalResult:
    """The plan without (some trips of) a rider; nobody's agreed time moved."""

    rider_id: str
    plan: Plan
    removed_trips: tuple[tuple[str, Direction, str], ...]
    """``(weekday, direction, run_id)`` of each removed trip."""
    cancelled_runs: tuple[str, ...]
    """Runs left without riders (gone from the plan)."""
    saved_ore: int
    problems: tuple[str, ...] = ()
    """Quick-check findings in re-timed runs (normally none: the pickup interval absorbs the
    time a removal saves)."""


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """A rider's change as remove + insert."""

    rider_id: str
    removal: RemovalResult
    insertion: InsertionReport | None
    """None when nothing needed inserting."""

    @property
    def plan(self) -> Plan:
        return self.insertion.best.plan if self.insertion and self.insertion.options \
            else self.removal.plan


# --------------------------------------------------------------------------------------------
# Helpers


def agreed_times(plan: Plan) -> dict[TripKey, tuple[int, str]]:
    """Agreed pickup time and run of each served trip ``(rider, weekday, direction)``."""
    out: dict[TripKey, tuple[int, str]] = {}
    for run in plan.runs:
        for stop in run.stops:
            if stop.kind == "pickup" and stop.agreed_s is not None:
                for r in stop.rider_ids:
                    out[(r, run.weekday, run.direction)] = (stop.agreed_s, run.run_id)
    return out


def checked_run(run: Run, ctx: RunContext) -> Run | None:
    """The run if :func:`run_problems` finds nothing, else None."""
    return None if run_problems(run, ctx) else run


def overlaps_vehicle_runs(run: Run, others: Iterable[Run]) -> bool:
    """Whether the run overlaps another run of its vehicle and day."""
    start, end = run.stops[0].departure_s, run.stops[-1].arrival_s
    for o in others:
        if o.vehicle_id != run.vehicle_id or o.weekday != run.weekday or o.run_id == run.run_id:
            continue
        if start < o.stops[-1].arrival_s and o.stops[0].departure_s < end:
            return True
    return False


def refresh_kpis(plan: Plan, scenario: Scenario, matrix: MatrixLike,
                 params: PlanParams | None = None) -> dict[str, object]:
    """The plan's key figures recomputed (the planner's, :func:`routing.planning.kpis.kpis_of`),
    keeping its consistency exceptions of riders still served."""
    params = params or scenario.plan_params
    ctx = RunContext(scenario, matrix, params)
    served = {r for run in plan.runs for r in run.rider_ids}
    exceptions = [e for e in plan.kpis.get("consistency_exceptions", [])
                  if isinstance(e, dict) and e.get("rider_id") in served]
    kpis = dict(plan.kpis)
    kpis.update(kpis_of(plan.runs, plan.unserved, ctx.riders, ctx.vehicles, params,
                        lambda a, b: ctx.leg(a, b)[0], exceptions))
    return kpis


def sorted_runs(runs: Iterable[Run]) -> tuple[Run, ...]:
    order = {d: i for i, d in enumerate(WEEKDAYS)}
    return tuple(sorted(runs, key=lambda r: (order.get(r.weekday, 9), r.stops[0].departure_s,
                                             r.run_id)))


def sorted_unserved(unserved: Iterable[Unserved]) -> tuple[Unserved, ...]:
    order = {d: i for i, d in enumerate(WEEKDAYS)}
    return tuple(sorted(unserved, key=lambda u: (order.get(u.weekday, 9), u.direction,
                                                 u.rider_id)))
