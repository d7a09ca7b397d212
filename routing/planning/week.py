"""The week's outer loop: the busiest day first, then the other days in parallel.

Days are coupled only by time consistency (a rider's agreed pickup times lie within
``consistency_s`` across weekdays). The busiest day is the *anchor*: it is solved first, with
the whole machine (its large waves improve their pieces in ``workers`` processes). Every other
day then needs only the anchor's agreed times, so the rest are independent parts:

* ``workers == 1``: one after the other, each day constrained by all days before it (the
  sequential rule: ``[latest seen - limit, earliest seen + limit]``);
* ``workers > 1``: in worker processes at once (forked: they inherit the travel matrix), or
  through a :data:`PartRunner` (the API's job engine, across machines). Since days solved at
  the same time cannot see each other, each gets the *half* window around the anchor's time
  (``[mid - limit/2, mid + limit/2]`` within the sequential window), so any two of them also lie
  within the limit. A rider the anchor day did not plan (not attending it) gets a window of
  the same width around where the anchor day put riders of the same centre and direction
  (the median offset from :func:`base_time`: the latest boarding of a direct ride at home, the
  start of the pickup window at the centre), so their days agree too. A rider who fits only
  outside it is next tried within the anchor's full window (``state.wider``), and only then
  without any; who ends up more than the limit apart is listed as a consistency exception
  (:func:`spread_exceptions`), as before served anyway.

The per-day body is one function of the shape :data:`DaySolver`; the planner passes its own.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from routing.places import centre_place, home_place
from routing.planning.budget import Deadline
from routing.planning.rules import boarding_time_s
from routing.planning.stops import centre_window
from routing.planning.trips import Trip

Windows = dict[tuple[str, str], tuple[int, int]]
"""(rider, direction) → bounds on the agreed pickup time from days already planned."""


@dataclass
class DayResult:
    """What solving one day gives: runs, unserved trips, consistency exceptions, statistics
    (``stats["waves"]``: one entry per wave)."""

    runs: list[Any]
    unserved: list[Any]
    exceptions: list[dict[str, object]]
    stats: dict[str, Any] = field(default_factory=dict)


DaySolver = Callable[[str, list[list[Trip]], Any, Windows, float, Any], DayResult]
"""``solve_day(day, waves, ctx, windows, budget_s, state) -> DayResult``."""

DayPart = Callable[[str, Windows, float, Windows], Mapping[str, Any]]
"""Builds the JSON spec of one day for a :data:`PartRunner` (day, windows, budget, wider)."""

PartRunner = Callable[[str, Sequence[Mapping[str, Any]]], list[Any]]
"""``run_parts(solver "module:function", specs) -> results`` (``api.jobs.parts``)."""


def effective_workers(requested: int) -> int:
    """0 → the CPU count, at most 2 (the machine is shared with the API and other jobs); more
    processes than cores (or 2) are not started."""
    cores = os.cpu_count() or 1
    return min(requested, max(2, cores)) if requested > 0 else max(1, min(2, cores))


def windows_for(trips: Sequence[Trip], seen: Mapping[tuple[str, str], Sequence[int]],
                limit_s: int | None, together: bool) -> Windows:
    """Consistency windows of a day's trips from the agreed times ``seen`` on earlier days;
    ``together``: the day is solved at the same time as others (half window, see above)."""
    out: Windows = {}
    if limit_s is None:
        return out
    for t in trips:
        times = seen.get((t.rider_id, t.direction))
        if not times:
            continue
        lo, hi = max(times) - limit_s, min(times) + limit_s
        if together:
            mid = (max(times) + min(times)) / 2
            lo, hi = max(lo, int(mid - limit_s / 2)), min(hi, int(mid + limit_s / 2))
        out[(t.rider_id, t.direction)] = (lo, hi)
    return out


def base_time(trip: Trip, ctx: Any) -> int:
    """A reference for a trip's agreed time that does not depend on the routes: the latest
    boarding of a direct ride (to the centre), the start of the pickup window (home)."""
    lo, hi = centre_window(trip.direction, trip.centre_time_s, ctx.params)
    if trip.direction == "from_centre":
        return lo
    rider = ctx.riders[trip.rider_id]
    direct = ctx.travel(home_place(rider.rider_id), centre_place(trip.centre_id))
    return int(hi - boarding_time_s(rider, ctx.params) - direct)


def unanchored_windows(trips: Sequence[Trip], anchor_trips: Sequence[Trip],
                       seen: Mapping[tuple[str, str], Sequence[int]], ctx: Any,
                       limit_s: int | None) -> Windows:
    """Windows of width ``limit_s`` for trips of riders without agreed times yet, around the
    anchor's median offset from :func:`base_time` (per centre and direction)."""
    if limit_s is None:
        return {}
    offsets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for t in anchor_trips:
        times = seen.get((t.rider_id, t.direction))
        if times:
            offsets[(t.centre_id, t.direction)].append(times[0] - base_time(t, ctx))
    everyone = [o for group in offsets.values() for o in group]
    out: Windows = {}
    for t in trips:
        if seen.get((t.rider_id, t.direction)):
            continue
        group = offsets.get((t.centre_id, t.direction)) or everyone
        offset = int(statistics.median(group)) if group else -limit_s // 2
        mid = base_time(t, ctx) + offset
        out[(t.rider_id, t.direction)] = (mid - limit_s // 2, mid + limit_s // 2)
    return out


def agreed_times(runs: Sequence[Any]) -> dict[tuple[str, str], list[int]]:
    """(rider, direction) → agreed pickup times in these runs."""
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for run in runs:
        for stop in run.stops:
            if stop.kind == "pickup" and stop.agreed_s is not None:
                for rid in stop.rider_ids:
                    seen[(rid, run.direction)].append(stop.agreed_s)
    return seen


# Set in the parent just before the pool forks; the children read it (nothing is pickled).
_FORKED: tuple[DaySolver, Any, Callable[[], Any]] | None = None


def _day_in_child(day: str, waves: list[list[Trip]], windows: Windows, budget_s: float,
                  deadline_at: float, wider: Windows) -> DayResult:
    assert _FORKED is not None, "day workers must be forked from solve_week"
    solver, ctx, new_state = _FORKED
    # A day that waited for a free worker gets what is left of its budget, not a fresh one.
    budget = min(budget_s, Deadline(deadline_at).left())
    return solver(day, waves, ctx, windows, budget, _with_wider(new_state(), wider))


def _with_wider(state: Any, wider: Windows) -> Any:
    """The day's state with the anchor's full windows, when its kind of state takes them."""
    if wider and hasattr(state, "wider"):
        state.wider = wider
    return state


def spread_exceptions(runs: Sequence[Any], listed: Sequence[Mapping[str, object]],
                      limit_s: int | None) -> list[dict[str, object]]:
    """Riders whose agreed times lie more than ``limit_s`` apart and are not listed yet (days
    solved together each kept the anchor's window, not each other's)."""
    if limit_s is None:
        return []
    known = {(str(e["rider_id"]), str(e["direction"])) for e in listed}
    times: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for run in runs:
        for stop in run.stops:
            if stop.kind == "pickup" and stop.agreed_s is not None:
                for rid in stop.rider_ids:
                    times[(rid, run.direction)].append((stop.agreed_s, run.weekday))
    out: list[dict[str, object]] = []
    for key, items in sorted(times.items()):
        values = sorted(t for t, _ in items)
        if values[-1] - values[0] <= limit_s or key in known:
            continue
        middle = values[len(values) // 2]
        _t, day = max(items, key=lambda x: (abs(x[0] - middle), x[1]))
        out.append({"rider_id": key[0], "direction": key[1], "weekday": day,
                    "reason": "no feasible route within the consistency window"})
    return out


@dataclass
class WeekSetup:
    """What :func:`solve_week` works with besides the days."""

    solve_day: DaySolver
    ctx: Any
    new_state: Callable[[], Any]
    consistency_s: int | None
    workers: int
    ctx_one_worker: Any = None
    """The context for days in worker processes (pieces solved in turn: no nested pools)."""
    run_parts: PartRunner | None = None
    part_spec: DayPart | None = None
    part_solver: str = ""
    part_result: Callable[[Any], DayResult] | None = None
    progress: Callable[[DayResult], None] | None = None


def solve_week(days: Sequence[str], waves: Mapping[str, list[list[Trip]]], setup: WeekSetup,
               deadline: Deadline) -> dict[str, DayResult]:
    """Solve every day (``days`` busiest first) before ``deadline``; results by day."""
    size = {d: sum(len(w) for w in waves[d]) for d in days}
    remaining = sum(size.values())
    results: dict[str, DayResult] = {}
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)

    def solve_here(d: str, together: bool) -> None:
        nonlocal remaining
        trips = [t for w in waves[d] for t in w]
        windows = windows_for(trips, seen, setup.consistency_s, together)
        budget = deadline.share(size[d], remaining).left()
        remaining -= size[d]
        result = setup.solve_day(d, waves[d], setup.ctx, windows, budget, setup.new_state())
        finish(d, result)

    def finish(d: str, result: DayResult) -> None:
        results[d] = result
        for key, times in agreed_times(result.runs).items():
            seen[key].extend(times)
        if setup.progress is not None:
            setup.progress(result)

    if not days:
        return results
    anchor, rest = days[0], list(days[1:])
    if setup.workers > 1 and len(rest) > 1:
        # The anchor runs alone and the rest ``workers`` at a time: its share of the wall time
        # is its size against the anchor plus the rest's size per worker.
        parallel_rest = (remaining - size[anchor]) / min(setup.workers, len(rest))
        budget = deadline.left() * size[anchor] / max(1.0, size[anchor] + parallel_rest)
        remaining -= size[anchor]
        finish(anchor, setup.solve_day(anchor, waves[anchor], setup.ctx, {}, budget,
                                       setup.new_state()))
    else:
        solve_here(anchor, together=False)
    if setup.workers <= 1 or len(rest) <= 1:
        for d in rest:
            solve_here(d, together=False)
        return results
    # The rest at once: each with the anchor's times only, and its share of what is left when
    # ``workers`` days run together (busiest first, so the pool stays balanced).
    left = deadline.left()
    budgets = {d: left * min(1.0, setup.workers * size[d] / max(1, remaining)) for d in rest}
    anchor_trips = [t for w in waves[anchor] for t in w]
    windows, wider = {}, {}
    for d in rest:
        trips = [t for w in waves[d] for t in w]
        windows[d] = windows_for(trips, seen, setup.consistency_s, True)
        wider[d] = windows_for(trips, seen, setup.consistency_s, False)
        windows[d].update(unanchored_windows(trips, anchor_trips, seen, setup.ctx,
                                             setup.consistency_s))
    started = time.monotonic()
    if setup.run_parts is not None and setup.part_spec is not None \
            and setup.part_result is not None:
        # The plan's deadline travels with each part: one that waits in the engine's queue
        # gets what is left of the plan's time when it starts, not a fresh budget.
        ends = time.time() + deadline.left()
        specs = [{**setup.part_spec(d, windows[d], budgets[d], wider[d]), "deadline_unix": ends}
                 for d in rest]
        for d, out in zip(rest, setup.run_parts(setup.part_solver, specs), strict=True):
            finish(d, setup.part_result(out))
    else:
        _solve_forked(rest, waves, setup, windows, budgets, deadline, finish, wider)
    for d in rest:
        results[d].stats["parallel_round_s"] = round(time.monotonic() - started, 2)
    return results


def _solve_forked(days: list[str], waves: Mapping[str, list[list[Trip]]], setup: WeekSetup,
                  windows: Mapping[str, Windows], budgets: Mapping[str, float],
                  deadline: Deadline, finish: Callable[[str, DayResult], None],
                  wider: Mapping[str, Windows]) -> None:
    global _FORKED
    methods = multiprocessing.get_all_start_methods()
    if "fork" not in methods:  # no cheap copy of the context: solve them here
        for d in days:
            finish(d, setup.solve_day(d, waves[d], setup.ctx, windows[d], budgets[d],
                                      _with_wider(setup.new_state(), wider[d])))
        return
    _FORKED = (setup.solve_day, setup.ctx_one_worker or setup.ctx, setup.new_state)
    try:
        with ProcessPoolExecutor(max_workers=min(setup.workers, len(days)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_day_in_child, d, waves[d], windows[d], budgets[d],
                                   deadline.at, wider[d]) for d in days]
            # In day order, so progress and results do not depend on which worker ends first.
            for d, f in zip(days, futures, strict=True):
                finish(d, f.result())
    finally:
        _FORKED = None
