"""How much search a wave gets: its share of the plan's time and a work limit that grows with it.

The work limit (``PlanParams.solution_limit`` solutions per wave) keeps plans reproducible, but
it used to bind long before a larger ``--time-limit`` did (issue 17: 300 s stopped after 80 s
with the same plan as 100 s would give). Scaling it with the time budget above the default keeps
both promises: the same input, seed and budget give the same plan, and more time buys more
search. At or below the default time limit nothing changes.
"""

from __future__ import annotations

from routing.params import PlanParams

DEFAULT_TIME_LIMIT_S = PlanParams().time_limit_s


def wave_time_s(params: PlanParams, wave_requests: int, total_requests: int) -> float:
    """The wave's share of the plan's solver time, by its number of trips."""
    return max(0.5, params.time_limit_s * wave_requests / max(1, total_requests))


def work_limit(params: PlanParams) -> int | None:
    """Solutions per wave: ``solution_limit``, scaled by ``time_limit_s / default`` above it."""
    if params.solution_limit is None:
        return None
    factor = max(1.0, params.time_limit_s / DEFAULT_TIME_LIMIT_S)
    return max(1, round(params.solution_limit * factor))
