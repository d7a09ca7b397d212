"""Re-optimise a plan in force within a stability budget.

"Improve the plan, but move at most N riders' agreed times, each by at most M minutes": a
deterministic large-neighbourhood search over the runs of the plan, in which agreed times are
hard except where the budget allows a change:

* **close a run**: every rider of a run is re-inserted into other runs of the same weekday,
  direction and wave; the other runs' riders keep their times, each re-inserted rider keeps
  theirs or moves within ``±M``; the run (and, when it was the vehicle's last that day, the
  vehicle-day's fixed price) is saved;
* **relocate a trip**: one rider's trip moves to another run of the wave when that is cheaper.

A move is accepted only if the plan is cheaper and, counted against the *original* plan, at most
``N`` riders have a changed agreed time and none by more than ``M`` (so a rider moved twice is
judged by the total change). Moves are tried in a fixed order (runs with the fewest riders first,
then trips by rider and day), so the same input gives the same result. With ``N = 0`` only
changes that keep every agreed time are made (riders may change vehicle at the same time).

Every move's runs pass :func:`routing.planning.stops.run_problems` and the overlap check; the
result is
meant to pass :func:`routing.verify.checks.verify_plan` (callers run it). The result reports the
saving
against the stability cost (riders moved, total and largest shift) so the coordinator can decide.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from routing.living.insertion import Inserter
from routing.living.removal import remove_rider
from routing.living.results import TimeMove, agreed_times, refresh_kpis, sorted_runs
from routing.model import Plan, Run, Scenario, largest_shift_s, total_shift_s
from routing.params import PlanParams
from routing.planning.costing import runs_cost_ore
from routing.planning.planner import Trip, rider_trips
from routing.planning.stops import MatrixLike, RunContext, depot_day_ends

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Improvement:
    """One accepted move."""

    kind: str
    """``"close_run"`` or ``"relocate"``."""
    description: str
    saved_ore: int


@dataclass(frozen=True, slots=True)
class ReoptimiseResult:
    """The improved plan, the saving and its stability cost (against the original plan)."""

    plan: Plan
    old_cost_ore: int
    new_cost_ore: int
    moved: tuple[TimeMove, ...]
    """Every trip whose agreed time differs from the original plan."""
    improvements: tuple[Improvement, ...]
    max_moved: int
    max_shift_s: int

    @property
    def saved_ore(self) -> int:
        return self.old_cost_ore - self.new_cost_ore

    @property
    def moved_riders(self) -> tuple[str, ...]:
        return tuple(sorted({m.rider_id for m in self.moved}))

    @property
    def total_shift_s(self) -> int:
        return total_shift_s(self.moved)

    @property
    def largest_shift_s(self) -> int:
        return largest_shift_s(self.moved)

    def describe(self) -> str:
        return (f"saves {self.saved_ore / 100:,.2f} DKK a week ({len(self.improvements)} "
                f"change(s)); moves {len(self.moved_riders)} rider(s)' agreed times "
                f"(budget {self.max_moved}), largest shift {self.largest_shift_s // 60} min "
                f"(budget {self.max_shift_s // 60} min), total {self.total_shift_s // 60} min")


def time_moves(old: Plan, new: Plan) -> list[TimeMove]:
    """Trips served by both plans whose agreed pickup time differs."""
    before, after = agreed_times(old), agreed_times(new)
    out = [TimeMove(r, d, k, after[(r, d, k)][1], t0, after[(r, d, k)][0])  # type: ignore[arg-type]
           for (r, d, k), (t0, _run) in sorted(before.items())
           if (r, d, k) in after and after[(r, d, k)][0] != t0]
    return out


class _Search:
    def __init__(self, plan: Plan, scenario: Scenario, matrix: MatrixLike, params: PlanParams,
                 max_moved: int, max_shift_s: int) -> None:
        self.original = plan
        self.scenario = scenario
        self.matrix = matrix
        self.params = params
        self.ctx = RunContext(scenario, matrix, params)
        self.max_moved = max_moved
        self.max_shift_s = max_shift_s
        self.orig_agreed = agreed_times(plan)
        trips = rider_trips(scenario, params)
        self.trips = {(t.rider_id, t.weekday, t.direction): t for t in trips}

    def cost(self, plan: Plan) -> int:
        return runs_cost_ore(plan.runs, self.ctx.vehicles)

    def within_budget(self, plan: Plan) -> bool:
        moves = time_moves(self.original, plan)
        if any(abs(m.shift_s) > self.max_shift_s for m in moves):
            return False
        return len({m.rider_id for m in moves}) <= self.max_moved

    def band(self, key: tuple[str, str, str]) -> tuple[int, int]:
        """Agreed times the trip may take: the original ± what the budget still allows."""
        t0 = self.orig_agreed[key][0]
        return t0 - self.max_shift_s, t0 + self.max_shift_s

    def place(self, plan: Plan, trip: Trip) -> Plan | None:
        """``plan`` with the trip inserted into an existing run of its wave (others keep their
        times; the trip's own time within the budget), cheapest first; None if impossible."""
        key = (trip.rider_id, trip.weekday, trip.direction)
        ins = Inserter(plan, self.scenario, self.ctx, self.params, 0, existing_only=True,
                        near_s=self.params.wave_gap_s,
                        band=self.band(key) if self.max_moved > 0 else
                        (self.orig_agreed[key][0], self.orig_agreed[key][0]))
        t0 = self.orig_agreed[key][0]
        cands = ins.keep_candidates(trip)
        # Prefer keeping the rider's own time, then cost: a move spends the budget.
        cands = [c for c in cands if ins.consistent_after(
            [TimeMove(trip.rider_id, trip.weekday, trip.direction, c.run.run_id, t0,
                      c.agreed_s)])]
        cands.sort(key=lambda c: (c.agreed_s != t0, c.cost_ore, abs(c.agreed_s - t0),
                                  c.run.run_id))
        for cand in cands:
            runs = [cand.run if r.run_id == cand.base_run_id else r for r in plan.runs]
            new = replace(plan, runs=sorted_runs(runs))
            if self.within_budget(new):
                return new
        return None

    def without(self, plan: Plan, rider_id: str, weekday: str, direction: str) -> Plan:
        return remove_rider(plan, self.scenario, self.matrix, rider_id, self.params,
                            trips=[(weekday, direction)]).plan

    def close_run(self, plan: Plan, run: Run) -> Plan | None:
        current = replace(plan, runs=tuple(depot_day_ends(
            [r for r in plan.runs if r.run_id != run.run_id], self.ctx)))
        for rider_id in run.rider_ids:
            trip = self.trips.get((rider_id, run.weekday, run.direction))
            if trip is None:
                return None
            placed = self.place(current, trip)
            if placed is None:
                return None
            current = placed
        return current

    def relocate(self, plan: Plan, run: Run, rider_id: str) -> Plan | None:
        trip = self.trips.get((rider_id, run.weekday, run.direction))
        if trip is None or len(run.rider_ids) < 2:
            return None  # a lone rider's run is tried by close_run
        reduced = self.without(plan, rider_id, run.weekday, run.direction)
        # Only another run: re-inserting into the same run is the identity or a time change.
        kept = [r for r in reduced.runs if r.run_id == run.run_id]
        others = replace(reduced, runs=tuple(r for r in reduced.runs if r.run_id != run.run_id))
        placed = self.place(others, trip)
        if placed is None:
            return None
        return replace(placed, runs=sorted_runs([*placed.runs, *kept]))

    def run(self, max_rounds: int) -> tuple[Plan, list[Improvement]]:
        plan = self.original
        cost = self.cost(plan)
        done: list[Improvement] = []

        def take(candidate: Plan | None, kind: str, description: str) -> bool:
            """Accept the candidate when it is cheaper."""
            nonlocal plan, cost
            if candidate is None:
                return False
            new_cost = self.cost(candidate)
            if new_cost >= cost:
                return False
            done.append(Improvement(kind, description, cost - new_cost))
            plan, cost = candidate, new_cost
            return True

        for _ in range(max_rounds):
            improved = False
            for run in sorted(plan.runs, key=lambda r: (len(r.rider_ids), r.weekday, r.run_id)):
                if run in plan.runs:
                    improved |= take(self.close_run(plan, run), "close_run",
                                     f"run {run.run_id} closed, its {len(run.rider_ids)} "
                                     "rider(s) moved to other runs")
            for run in sorted(plan.runs, key=lambda r: (r.weekday, r.run_id)):
                for rider_id in run.rider_ids:
                    current = next((r for r in plan.runs if r.run_id == run.run_id), None)
                    if current is not None and rider_id in current.rider_ids:
                        improved |= take(self.relocate(plan, current, rider_id), "relocate",
                                         f"rider {rider_id} {run.weekday} {run.direction} "
                                         f"moved from run {run.run_id}")
            if not improved:
                break
        return plan, done


def reoptimise(
    plan: Plan,
    scenario: Scenario,
    matrix: MatrixLike,
    params: PlanParams | None = None,
    *,
    max_moved: int,
    max_shift_s: int,
    max_rounds: int = 3,
) -> ReoptimiseResult:
    """Improve the plan while moving at most ``max_moved`` riders' agreed times, each by at most
    ``max_shift_s`` (both counted against the plan given).

    Parameters
    ----------
    plan
        The plan in force.
    scenario
        Its scenario (every rider of the plan).
    matrix
        Travel matrix over the scenario's places (:func:`routing.planning.planner.place_matrix`).
    params
        Planning rules; default the scenario's.
    max_moved
        Riders whose agreed time may change (0: riders may change vehicle, not time).
    max_shift_s
        Largest change of any agreed time.
    max_rounds
        Passes over all runs and trips (the search stops earlier when a pass finds nothing).

    Returns
    -------
    ReoptimiseResult
        The plan (the original when nothing improves), the saving and the moved riders.

    Raises
    ------
    ValueError
        For a negative budget.
    """
    if max_moved < 0 or max_shift_s < 0:
        raise ValueError("the stability budget must not be negative")
    params = params or scenario.plan_params
    search = _Search(plan, scenario, matrix, params, max_moved, max_shift_s if max_moved else 0)
    new, done = search.run(max_rounds)
    if done:
        new = replace(new, kpis=refresh_kpis(new, scenario, matrix, params),
                      stats={**plan.stats, "living": {
                          "change": "reoptimise", "max_moved": max_moved,
                          "max_shift_s": max_shift_s}})
    else:
        new = plan
    moved = time_moves(plan, new)
    result = ReoptimiseResult(new, search.cost(plan), search.cost(new), tuple(moved),
                              tuple(done), max_moved, max_shift_s)
    log.info("reoptimise: %d change(s), saved %d øre, %d rider(s) moved", len(done),
             result.saved_ore, len(result.moved_riders))
    return result


def describe_improvements(improvements: Sequence[Improvement]) -> list[str]:
    """One line per accepted change, with its saving."""
    return [f"{i.description}: saves {i.saved_ore / 100:,.2f} DKK" for i in improvements]
