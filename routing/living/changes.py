"""A living plan: insert, remove and change riders in a published plan with the least disturbance.

Riders have agreed pickup times and must be contacted before one changes, so a plan in force is
edited, not re-solved:

* **Remove** (:func:`remove_rider`): the rider's stops are dropped and each run is re-timed with
  every other rider's agreed time kept (:func:`routing.planning.stops.assemble_run`: the vehicle
  may leave the depot later); a run left without riders disappears. Nobody's agreed time moves.
  (:mod:`routing.living.removal`)
* **Insert** (:func:`insert_rider`): every trip of the rider the plan does not serve (weekday ×
  direction) is inserted into an existing run of that weekday and direction — every position of
  the pickup and the drop-off, a centre stop joined when the run already has one — or into a new
  run of a vehicle that is free then. The others' agreed times are kept fixed; the new rider's
  agreed time lies on the rounding grid and, across weekdays, within the planner's consistency
  limit where possible. Only for a trip with no such insertion are the run's other riders
  re-timed (each by at most ``max_shift_s``), and exactly those riders are listed with old and
  new times. Whole insertions (all trips) are ranked by riders moved, added cost and total shift;
  the coordinator picks one (:attr:`InsertionReport.best` by default).
  (:mod:`routing.living.insertion`)
* **Change** (:func:`change_rider`): trips that no longer exist, or whose home moved, are removed;
  missing trips are inserted — remove + insert, so unchanged days keep their runs and times.

Feasibility uses the planner's rules (:mod:`routing.planning.rules`: boarding times, ride limits
with the detour factor; :func:`routing.planning.stops.run_problems`: windows, capacity via
:func:`routing.planning.rules.vehicle_fits`, availability) plus no overlap with the vehicle's other
runs that day. Every result is meant to pass :func:`routing.verify.checks.verify_plan`; the
callers (CLI, API, tests) run it.

This module holds the change and re-exports the living plan's public names; the results and
shared helpers are in :mod:`routing.living.results`. Everything here is deterministic: the same
input gives the same options.
"""

from __future__ import annotations

import logging
from dataclasses import replace

# The living plan's public names, importable from here as before the split.
from routing.living.insertion import insert_rider as insert_rider
from routing.living.insertion import missing_trips as missing_trips
from routing.living.removal import remove_rider as remove_rider
from routing.living.results import DEFAULT_MAX_SHIFT_S as DEFAULT_MAX_SHIFT_S
from routing.living.results import ChangeResult as ChangeResult
from routing.living.results import InsertionOption as InsertionOption
from routing.living.results import InsertionReport as InsertionReport
from routing.living.results import LivingPlanError as LivingPlanError
from routing.living.results import RemovalResult as RemovalResult
from routing.living.results import TimeMove as TimeMove
from routing.living.results import TripPlacement as TripPlacement
from routing.living.results import agreed_times as agreed_times
from routing.living.results import refresh_kpis as refresh_kpis
from routing.model import (
    Plan,
    Run,
    Scenario,
    Stop,
)
from routing.params import PlanParams
from routing.planning.planner import Trip, rider_trips
from routing.planning.stops import (
    MatrixLike,
    home_place,
)

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Change = remove + insert


def change_rider(
    plan: Plan,
    scenario: Scenario,
    matrix: MatrixLike,
    rider_id: str,
    params: PlanParams | None = None,
    *,
    max_shift_s: int = DEFAULT_MAX_SHIFT_S,
    max_options: int = 5,
) -> ChangeResult:
    """Apply a changed rider (days, sessions, address) to the plan: remove + insert.

    Trips the rider no longer makes, trips whose session time changed and — when the home
    moved — every trip are removed (nobody else's time moves); the trips then missing are
    inserted as by :func:`insert_rider`. A rider no longer in ``scenario`` is removed entirely.
    """
    params = params or scenario.plan_params
    riders = {r.rider_id: r for r in scenario.riders}
    rider = riders.get(rider_id)
    served: dict[tuple[str, str], tuple[Run, Stop]] = {}
    for run in plan.runs:
        for stop in run.stops:
            if stop.kind == "pickup" and rider_id in stop.rider_ids:
                served[(run.weekday, run.direction)] = (run, stop)
    expected: dict[tuple[str, str], Trip] = {}
    if rider is not None:
        for t in rider_trips(replace(scenario, riders=(rider,))):
            expected[(t.weekday, t.direction)] = t
    drop: list[tuple[str, str]] = []
    for (weekday, direction), (run, _stop) in served.items():
        trip = expected.get((weekday, direction))
        if trip is None or (trip.session_id not in (run.session_ids or (run.session_id,))
                            and not _same_time_session(scenario, run, trip)):
            drop.append((weekday, direction))
            continue
        home = next((s for s in run.stops if s.place == home_place(rider_id)), None)
        if rider is not None and home is not None and (
                abs(home.lat - rider.lat) > 1e-6 or abs(home.lon - rider.lon) > 1e-6):
            drop.append((weekday, direction))
    drop += [(u.weekday, u.direction) for u in plan.unserved if u.rider_id == rider_id]
    if drop:
        removal = remove_rider(plan, scenario, matrix, rider_id, params, trips=drop)
    else:
        removal = RemovalResult(rider_id, plan, (), (), 0)
    insertion = None
    if rider is not None and missing_trips(removal.plan, scenario, rider_id):
        insertion = insert_rider(removal.plan, scenario, matrix, rider_id, params,
                                 max_shift_s=max_shift_s, max_options=max_options)
    return ChangeResult(rider_id, removal, insertion)


def _same_time_session(scenario: Scenario, run: Run, trip: Trip) -> bool:
    """Whether the run's sessions include one at the trip's centre time (a renamed session)."""
    for sid in run.session_ids or (run.session_id,):
        try:
            s = scenario.session(sid)
        except KeyError:
            continue
        t = s.start_s if trip.direction == "to_centre" else s.end_s
        if t == trip.centre_time_s and s.centre_id == trip.centre_id:
            return True
    return False

