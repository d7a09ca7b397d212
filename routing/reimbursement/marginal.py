"""Marginal cost of the shared ride per rider: the weekly plan's cost with and without them."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from routing.model import WEEKDAYS, Direction, Plan, Run, Scenario, Unserved, Vehicle
from routing.params import PlanParams
from routing.planning.costing import run_variable_cost_ore, runs_cost_ore
from routing.planning.stops import RunContext, depot_day_ends
from routing.planning.stops import without_riders as _without_riders
from routing.reimbursement.common import ReimbursementError, TravelMatrixLike
from routing.reimbursement.rates import round_div

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class TripSaving:
    """What leaving one rider out of one run saves (variable cost; see :class:`MarginalCost`)."""

    run_id: str
    weekday: str
    direction: Direction
    vehicle_id: str
    distance_saved_m: int
    duration_saved_s: int
    variable_saved_ore: int
    run_dropped: bool
    """No rider is left: the run does not happen."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "weekday": self.weekday, "direction": self.direction,
            "vehicle_id": self.vehicle_id, "distance_saved_m": self.distance_saved_m,
            "duration_saved_s": self.duration_saved_s,
            "variable_saved_ore": self.variable_saved_ore, "run_dropped": self.run_dropped,
        }


@dataclass(frozen=True, slots=True)
class MarginalCost:
    """The weekly plan's cost with and without one rider (removal cost in the current plan).

    ``per_week_ore = plan_cost_ore - without_rider_ore`` is the sum of the trips' variable savings
    and the fixed price of every vehicle-day that has no run left once the rider is gone.
    """

    rider_id: str
    plan_cost_ore: int
    without_rider_ore: int
    trips: tuple[TripSaving, ...]
    fixed_saved_ore: int
    vehicle_days_saved: tuple[tuple[str, str], ...]
    """``(weekday, vehicle_id)`` of vehicle-days no longer needed."""
    unserved: tuple[Unserved, ...] = ()
    """The rider's trips the plan does not serve."""

    @property
    def per_week_ore(self) -> int:
        return self.plan_cost_ore - self.without_rider_ore

    @property
    def served_trips(self) -> int:
        return len(self.trips)

    @property
    def per_trip_ore(self) -> int:
        """Weekly saving per served trip (0 if the plan serves none of the rider's trips)."""
        return round_div(self.per_week_ore, len(self.trips)) if self.trips else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rider_id": self.rider_id,
            "plan_cost_ore": self.plan_cost_ore,
            "without_rider_ore": self.without_rider_ore,
            "per_week_ore": self.per_week_ore,
            "per_trip_ore": self.per_trip_ore,
            "served_trips": self.served_trips,
            "fixed_saved_ore": self.fixed_saved_ore,
            "vehicle_days_saved": [list(v) for v in self.vehicle_days_saved],
            "trips": [t.to_dict() for t in self.trips],
            "unserved": [unserved_to_dict(u) for u in self.unserved],
        }


def unserved_to_dict(u: Unserved) -> dict[str, str]:
    return {"rider_id": u.rider_id, "weekday": u.weekday, "session_id": u.session_id,
            "direction": u.direction, "reason": u.reason}


def unserved_from_dict(d: Mapping[str, Any]) -> Unserved:
    return Unserved(d["rider_id"], d["weekday"], d["session_id"], d["direction"], d["reason"])


def without_riders(
    run: Run,
    rider_ids: Collection[str],
    scenario: Scenario,
    matrix: TravelMatrixLike,
    params: PlanParams | None = None,
) -> Run | None:
    """The run with the riders' stops removed and its timing recomputed, or None if it is empty.

    Stops left with no rider disappear; the rest is timed as a daily run is after afbud
    (:func:`routing.planning.stops.without_riders`): legs from ``matrix``, other riders keep
    their agreed pickup times, nobody waits on board, and the depot departure moves as late as
    that allows.

    Parameters
    ----------
    run
        A run of the plan (depot → stops → depot), stops with place ids.
    rider_ids
        Riders to take out.
    scenario
        For the riders' boarding times and sessions.
    matrix
        Travel matrix over the plan's place ids (``home:…``, ``centre:…``, ``depot:…``).
    params
        Planning rules; default the scenario's ``plan_params``.

    Raises
    ------
    ReimbursementError
        If a new leg's place has no id or is not in the matrix.
    """
    removed = set(rider_ids)
    if not removed.intersection(r for s in run.stops for r in s.rider_ids):
        return run
    try:
        return _without_riders(run, removed, RunContext(scenario, matrix,
                                                        params or scenario.plan_params))
    except KeyError as exc:
        raise ReimbursementError(f"run {run.run_id}: {exc.args[0]}; cannot recompute the "
                                 "legs") from None


def _vehicles(scenario: Scenario) -> dict[str, Vehicle]:
    return {v.vehicle_id: v for v in scenario.vehicles}


def _vehicle(vehicles: Mapping[str, Vehicle], run: Run) -> Vehicle:
    try:
        return vehicles[run.vehicle_id]
    except KeyError:
        raise ReimbursementError(f"run {run.run_id}: vehicle {run.vehicle_id!r} is not in the "
                                 "scenario") from None


def _marginal_cost(
    plan: Plan,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rider_id: str,
    params: PlanParams,
    vehicles: Mapping[str, Vehicle],
    plan_cost_ore: int,
    by_vehicle_day: Mapping[tuple[str, str], Sequence[Run]],
) -> MarginalCost:
    trips: list[TripSaving] = []
    saved = fixed_saved = 0
    days_saved: list[tuple[str, str]] = []
    touched = [key for key, runs in by_vehicle_day.items()
               if any(rider_id in s.rider_ids for r in runs for s in r.stops)]
    for key in touched:
        runs = by_vehicle_day[key]
        after: list[Run] = []
        for run in runs:
            if not any(rider_id in s.rider_ids for s in run.stops):
                after.append(run)
                continue
            new = without_riders(run, (rider_id,), scenario, matrix, params)
            vehicle = _vehicle(vehicles, run)
            before_ore = run_variable_cost_ore(run, vehicle)
            after_ore = run_variable_cost_ore(new, vehicle) if new is not None else 0
            trips.append(TripSaving(
                run_id=run.run_id, weekday=run.weekday, direction=run.direction,
                vehicle_id=run.vehicle_id,
                distance_saved_m=run.distance_m - (new.distance_m if new else 0),
                duration_saved_s=run.duration_s - (new.duration_s if new else 0),
                variable_saved_ore=before_ore - after_ore, run_dropped=new is None,
            ))
            if new is not None:
                after.append(new)
        if len(after) < len(runs):
            # A run emptied at the day's edge: the vehicle's day then starts (ends) at its
            # depot, as the day's runs do after afbud (its neighbour waited at a centre).
            after = depot_day_ends(after, RunContext(scenario, matrix, params))
        # The vehicle-day's cost through costing.py, so the fixed price is counted its one way.
        day_saved = runs_cost_ore(runs, vehicles) - runs_cost_ore(after, vehicles)
        saved += day_saved
        if not after:
            days_saved.append(key)
            fixed_saved += vehicles[key[1]].fixed_cost_ore
    return MarginalCost(
        rider_id=rider_id, plan_cost_ore=plan_cost_ore, without_rider_ore=plan_cost_ore - saved,
        trips=tuple(trips), fixed_saved_ore=fixed_saved,
        vehicle_days_saved=tuple(sorted(days_saved, key=_day_key)),
        unserved=tuple(u for u in plan.unserved if u.rider_id == rider_id),
    )


def _day_key(key: tuple[str, str]) -> tuple[int, str, str]:
    day, vehicle = key
    return (WEEKDAYS.index(day) if day in WEEKDAYS else len(WEEKDAYS), day, vehicle)


def _group_runs(plan: Plan, vehicles: Mapping[str, Vehicle]) -> dict[tuple[str, str], list[Run]]:
    groups: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for run in plan.runs:
        _vehicle(vehicles, run)
        groups[(run.weekday, run.vehicle_id)].append(run)
    return groups


def marginal_costs(
    plan: Plan,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    params: PlanParams | None = None,
) -> dict[str, MarginalCost]:
    """For every rider of the scenario: what the weekly plan costs with and without them.

    This is the *removal cost in the current plan*: each run of the rider is kept as planned except
    that the rider's stops go (see :func:`without_riders`: remaining legs from ``matrix``, other
    riders' agreed times kept, the depot departure may move later); a vehicle-day with no run left
    also saves its fixed price. The plan is not re-optimised, so the figure is what the shared ride
    costs *for this rider in this plan*, not a re-planned optimum. Costs come from
    :mod:`routing.planning.costing` (fixed price per vehicle-day + per km + per hour).

    Parameters
    ----------
    plan
        The weekly plan (runs keyed by weekday).
    scenario
        The scenario the plan was built from (riders, vehicles and their tariffs).
    matrix
        Travel matrix over the plan's place ids, e.g. :func:`routing.planning.planner.place_matrix`.
    params
        Planning rules (boarding, windows); default the scenario's ``plan_params``.

    Returns
    -------
    dict
        ``rider_id`` → :class:`MarginalCost` (riders the plan does not carry get zero savings and
        their unserved trips).

    Raises
    ------
    ReimbursementError
        If a run names a vehicle the scenario lacks or a place the matrix lacks.
    """
    params = params or scenario.plan_params
    vehicles = _vehicles(scenario)
    groups = _group_runs(plan, vehicles)
    plan_cost = runs_cost_ore(plan.runs, vehicles)
    result = {r.rider_id: _marginal_cost(plan, scenario, matrix, r.rider_id, params, vehicles,
                                         plan_cost, groups) for r in scenario.riders}
    log.debug("marginal costs of %d riders over %d runs", len(result), len(plan.runs))
    return result


def marginal_cost(
    plan: Plan,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rider_id: str,
    params: PlanParams | None = None,
) -> MarginalCost:
    """:func:`marginal_costs` for one rider."""
    params = params or scenario.plan_params
    vehicles = _vehicles(scenario)
    return _marginal_cost(plan, scenario, matrix, rider_id, params, vehicles,
                          runs_cost_ore(plan.runs, vehicles), _group_runs(plan, vehicles))
