"""The contractor's cost of runs and plans: fixed price per vehicle-day + per km + per hour.

One place computes cost, so the planner's key figures, the daily runs' savings and the
reimbursement's marginal cost agree to the øre.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from routing.model import Run, Vehicle


def run_variable_cost_ore(run: Run, vehicle: Vehicle) -> int:
    """Distance and time cost of one run (its legs from start to end terminal: depot or a centre
    where the vehicle waits, :class:`~routing.model.Run`), without the fixed vehicle-day price."""
    km_cost = run.distance_m * vehicle.cost_per_km_ore / 1000.0
    hour_cost = run.duration_s * vehicle.cost_per_hour_ore / 3600.0
    return round(km_cost + hour_cost)


def runs_cost_ore(runs: Iterable[Run], vehicles: Mapping[str, Vehicle]) -> int:
    """Total cost of runs: variable cost of each run plus the fixed price once per vehicle-day.

    Parameters
    ----------
    runs
        Runs of one or more weekdays (or dates: the run's ``weekday`` field keys the day).
    vehicles
        Vehicles by id.
    """
    total = 0
    vehicle_days: set[tuple[str, str]] = set()
    for run in runs:
        vehicle = vehicles[run.vehicle_id]
        total += run_variable_cost_ore(run, vehicle)
        vehicle_days.add((run.weekday, run.vehicle_id))
    total += sum(vehicles[v].fixed_cost_ore for _, v in vehicle_days)
    return total
