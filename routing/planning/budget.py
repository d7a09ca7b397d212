"""How much search a wave gets: its share of the plan's time.

Measured on the demo (2026-12-06, loaded machine): scaling the work limit with a larger time
budget (300 s → 333 solutions per wave instead of 100) did *not* buy a better week (55,216 vs
55,068 DKK): more search in one wave changes what later waves and days inherit. So the work
limit stays ``PlanParams.solution_limit`` per wave; see README, *Benchmarks*.
"""

from __future__ import annotations

from routing.params import PlanParams


def wave_time_s(params: PlanParams, wave_requests: int, total_requests: int) -> float:
    """The wave's share of the plan's solver time, by its number of trips."""
    return max(0.5, params.time_limit_s * wave_requests / max(1, total_requests))
