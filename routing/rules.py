"""Per-rider rules shared by planning, daily runs and reimbursement.

(:mod:`routing.verify` re-implements them on purpose: the checker must not trust the planner.)
"""

from __future__ import annotations

import math

from routing.model import Rider, Vehicle
from routing.params import PlanParams


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
    fits the vehicle at one moment."""
    return seats <= vehicle.seats and wheelchairs <= vehicle.wheelchair_places
