"""How much time a plan, a day, a wave and a piece get: ``time_limit_s`` is a promise.

The plan's solver time is one budget (``PlanParams.time_limit_s``), counted from the end of
snapping and the travel matrix. Every part of it gets a :class:`Deadline` — a point on the
machine's monotonic clock — cut from what is *left*, by its share of the requests still to
solve, so a part that needs less than its share passes the rest on. A large wave's construction
and its pieces stop at the wave's deadline (:mod:`routing.planning.decompose`); what the search
never reached is reported with the time-budget reason.

Measured on the demo (2026-12-06, loaded machine): scaling the work limit with a larger time
budget (300 s → 333 solutions per wave instead of 100) did *not* buy a better week (55,216 vs
55,068 DKK): more search in one wave changes what later waves and days inherit. So the work
limit stays ``PlanParams.solution_limit`` per wave; see README, *Benchmarks*.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from routing.params import PlanParams

MIN_SOLVE_S = 0.5
"""Least time handed to one OR-Tools solve; below it the solve is skipped (its model alone
takes that long to build on a loaded machine)."""


def wave_time_s(params: PlanParams, wave_requests: int, total_requests: int) -> float:
    """The wave's share of the plan's solver time, by its number of trips."""
    return max(0.5, params.time_limit_s * wave_requests / max(1, total_requests))


@dataclass(frozen=True, slots=True)
class Deadline:
    """A point on ``time.monotonic()`` (system-wide on Linux, so valid in forked workers)."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + max(0.0, seconds))

    def left(self) -> float:
        """Seconds until the deadline (0 once it has passed)."""
        return max(0.0, self.at - time.monotonic())

    def share(self, requests: int, remaining_requests: int, parallel: int = 1) -> Deadline:
        """The deadline of a part of ``requests`` out of ``remaining_requests`` still to solve
        before this one, when ``parallel`` parts run at once (never later than this one)."""
        part = self.left() * min(1.0, parallel * requests / max(1, remaining_requests))
        return Deadline(min(self.at, time.monotonic() + part))
