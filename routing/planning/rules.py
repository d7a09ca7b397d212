"""Per-rider rules shared by planning, daily runs and reimbursement.

(:mod:`routing.verify.checks` re-implements them on purpose: the checker must not trust the
planner.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from routing.model import Rider, Vehicle
from routing.params import PlanParams

PICKUP_TOLERANCE_S = PlanParams().pickup_tolerance_s
"""Default pickup interval (:attr:`PlanParams.pickup_tolerance_s`)."""


def grid_s(params: PlanParams) -> int:
    """The grid of published (agreed) times: multiples of ``rounding_s``, at least 1 s."""
    return max(1, params.rounding_s)


def floor_grid(t: float, grid: int) -> int:
    """``t`` rounded down to a multiple of ``grid``."""
    return int(t // grid) * grid


def ceil_grid(t: float, grid: int) -> int:
    """``t`` rounded up to a multiple of ``grid``."""
    return -int(-t // grid) * grid


def pickup_tolerance_s(params: PlanParams) -> int:
    """How long after the agreed time boarding may start, never less than the rounding grid."""
    return max(params.pickup_tolerance_s, grid_s(params) - 1)


def boarding_time_s(rider: Rider, params: PlanParams) -> int:
    """Boarding or alighting time of a rider at one stop."""
    if rider.boarding_s is not None:
        return rider.boarding_s
    return params.boarding_wheelchair_s if rider.wheelchair else params.boarding_s


def ride_limit_s(rider: Rider, direct_s: int, params: PlanParams) -> int:
    """The rider's maximum ride time: absolute cap, and optionally a detour factor.

    With a detour factor the ride may be at most ``factor × direct``, but never less than
    ``direct + min_detour_s`` (every rider accepts some detour), and never above the cap.
    """
    limit = rider.max_ride_s if rider.max_ride_s is not None else params.max_ride_s
    factor = rider.detour_factor if rider.detour_factor is not None else params.detour_factor
    if factor is not None:
        limit = min(limit, max(math.floor(factor * direct_s), direct_s + params.min_detour_s))
    return limit


def vehicle_fits(vehicle: Vehicle, seats: int, wheelchairs: int) -> bool:
    """Whether a load of ``seats`` seated riders/escorts and ``wheelchairs`` wheelchair users
    fits the vehicle at one moment in some layout (:attr:`Vehicle.layouts`)."""
    return layout_for(vehicle, seats, wheelchairs) is not None


def layout_for(vehicle: Vehicle, seats: int, wheelchairs: int) -> tuple[int, int] | None:
    """The first of the vehicle's layouts the load fits, or None."""
    for layout in vehicle.layouts:
        if seats <= layout[0] and wheelchairs <= layout[1]:
            return layout
    return None


def run_layout(
    vehicle: Vehicle, loads: Iterable[tuple[int, int]], preferred: tuple[int, int] | None = None
) -> tuple[int, int] | None:
    """A layout in which every load ``(seats, wheelchairs)`` of a run fits (a run keeps one
    layout from depot to depot): ``preferred`` if it is one of the vehicle's layouts and fits,
    else the first that fits, else None."""
    loads = list(loads)
    candidates = list(vehicle.layouts)
    if preferred in candidates:
        candidates.remove(preferred)
        candidates.insert(0, preferred)
    for seats, places in candidates:
        if all(s <= seats and w <= places for s, w in loads):
            return seats, places
    return None
