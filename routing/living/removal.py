"""Remove a rider (or some of their trips) from the plan in force; nobody's agreed time moves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from routing.living.results import (
    LivingPlanError,
    RemovalResult,
    refresh_kpis,
    sorted_runs,
)
from routing.model import (
    Direction,
    Plan,
    Run,
    Scenario,
)
from routing.params import PlanParams
from routing.planning.costing import runs_cost_ore
from routing.planning.stops import (
    MatrixLike,
    RunContext,
    depot_day_ends,
    run_problems,
    without_riders,
)

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Removal


def remove_rider(
    plan: Plan,
    scenario: Scenario,
    matrix: MatrixLike,
    rider_id: str,
    params: PlanParams | None = None,
    *,
    trips: Iterable[tuple[str, str]] | None = None,
) -> RemovalResult:
    """Take a rider (or some of their trips) out of the plan; nobody's agreed time moves.

    Parameters
    ----------
    plan
        The plan in force.
    scenario
        The scenario of the other riders (the removed rider need not be in it any more).
    matrix
        Travel matrix over the scenario's places (:func:`routing.planning.planner.place_matrix`).
    rider_id
        The rider to remove.
    params
        Planning rules; default the scenario's.
    trips
        Only these ``(weekday, direction)`` trips (default: all the rider's trips).

    Returns
    -------
    RemovalResult
        The new plan (key figures refreshed), the removed trips, runs gone and the saving.

    Raises
    ------
    LivingPlanError
        If the plan neither serves nor lists the rider.
    """
    params = params or scenario.plan_params
    ctx = RunContext(scenario, matrix, params)
    wanted = None if trips is None else {(d, str(k)) for d, k in trips}

    def selected(weekday: str, direction: str) -> bool:
        return wanted is None or (weekday, direction) in wanted

    touched = [r for r in plan.runs if rider_id in r.rider_ids and selected(r.weekday, r.direction)]
    listed = [u for u in plan.unserved if u.rider_id == rider_id
              and selected(u.weekday, u.direction)]
    if not touched and not listed:
        raise LivingPlanError(f"rider {rider_id} has no trip in the plan to remove")
    new_runs: list[Run] = []
    removed: list[tuple[str, Direction, str]] = []
    cancelled: list[str] = []
    problems: list[str] = []
    for run in plan.runs:
        if run not in touched:
            new_runs.append(run)
            continue
        removed.append((run.weekday, run.direction, run.run_id))
        timed = without_riders(run, {rider_id}, ctx)
        if timed is None:
            cancelled.append(run.run_id)
            continue
        # Agreed times are kept by construction; the pickup interval absorbs the time saved.
        # Should it not (a long detour saved between two pickups), the quick check says so.
        problems.extend(f"run {run.run_id}: {p}" for p in run_problems(timed, ctx))
        new_runs.append(timed)
    if cancelled:
        # A vehicle that waited at a centre next to a cancelled run starts (ends) its day at
        # its depot again.
        new_runs = depot_day_ends(new_runs, ctx)
    unserved = tuple(u for u in plan.unserved if u not in listed)
    vehicles = ctx.vehicles
    saved = runs_cost_ore(plan.runs, vehicles) - runs_cost_ore(new_runs, vehicles)
    new_plan = replace(plan, runs=sorted_runs(new_runs), unserved=unserved)
    new_plan = replace(new_plan, kpis=refresh_kpis(new_plan, scenario, matrix, params),
                       stats={**plan.stats, "living": {"change": "remove", "rider_id": rider_id}})
    log.info("removed %d trip(s) of a rider; %d run(s) gone, saved %d øre", len(removed),
             len(cancelled), saved)
    return RemovalResult(rider_id, new_plan, tuple(removed), tuple(cancelled), saved,
                         tuple(problems))
