"""Timing a run so that riders on board never wait (the waiting rule, ``docs/vehicles.md``).

A run is a sequence of stops with fixed order, service (boarding/alighting) times and legs. While
anyone is on board the vehicle only drives, boards or alights: between a pickup of an empty
vehicle and the moment it is empty again (a *segment*) the timetable is rigid and has a single
free value, the start of the segment. Waiting happens only while the vehicle is empty: at the
depot (it leaves just in time) or at the door of the segment's first pickup.

Each stop carries bounds on the start of its service (boarding or alighting): for a pickup the
interval in which the rider may board (from the agreed time to the agreed time plus the pickup
tolerance), for a drop-off at a centre the arrival window. Every bound on a stop of a segment
becomes a bound on the segment's start, so a segment is feasible exactly when the intersection
of these intervals is not empty. :func:`time_segments` picks one start per segment.

Pure functions, used by :mod:`routing.planning.planner` (weekly plan) and
:mod:`routing.operations.daily` (daily
runs after afbud and consolidation); :mod:`routing.verify.checks` re-checks the result
independently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_INF = 10**9


@dataclass(frozen=True, slots=True)
class StopTiming:
    """What timing needs of one stop (depots excluded).

    ``travel_in_s`` is the leg from the previous stop (the depot for the first);
    ``load_before`` the riders on board when the vehicle arrives (0 = empty: the vehicle may wait
    here before boarding); ``start_lo_s``/``start_hi_s`` bound the start of service.
    """

    service_s: int
    travel_in_s: int
    load_before: int
    start_lo_s: int = -_INF
    start_hi_s: int = _INF


@dataclass(frozen=True, slots=True)
class Timetable:
    """Start of service at each stop, the depot departure and return, and whether every bound
    held (``feasible``; if not, the times are the closest compromise, see :func:`time_segments`).
    """

    starts_s: tuple[int, ...]
    depart_s: int
    back_s: int
    feasible: bool


def _segments(stops: Sequence[StopTiming]) -> list[tuple[int, int]]:
    """``(first, last)`` stop index of each segment: a new one starts where the vehicle is empty."""
    out: list[tuple[int, int]] = []
    for i, st in enumerate(stops):
        if i == 0 or st.load_before <= 0:
            out.append((i, i))
        else:
            out[-1] = (out[-1][0], i)
    return out


def time_segments(
    stops: Sequence[StopTiming],
    *,
    travel_back_s: int,
    earliest_depart_s: int,
    latest_back_s: int,
    targets_s: Sequence[int] | None = None,
    align_s: int = 1,
) -> Timetable:
    """Time a run with no waiting while riders are on board.

    Parameters
    ----------
    stops
        The stops between the depot visits, in order (at least one).
    travel_back_s
        Leg from the last stop back to the depot.
    earliest_depart_s, latest_back_s
        The vehicle's availability (depot departure and return).
    targets_s
        Preferred start of service per stop (e.g. the solver's times); the start of each segment
        is chosen at or before its first stop's target when possible. Without targets each
        segment starts as early as its bounds allow (riders board as close to their agreed
        time as possible).
    align_s
        If > 1, a segment's start is moved onto this grid (down, or up for the last segment) when
        that keeps every bound, so the first rider of the segment boards exactly at a grid time
        (the agreed time).

    Returns
    -------
    Timetable
        Starts of service; ``feasible`` is False when some segment's bounds have no common
        value. Then that segment is split (:func:`_split_segment`): nobody boards before their
        agreed time, riders on board wait as little as the bounds allow; the caller decides.
    """
    if not stops:
        raise ValueError("a run needs at least one stop")
    starts = [0] * len(stops)
    feasible = True
    free_from = earliest_depart_s + stops[0].travel_in_s  # earliest start of the next segment
    segs = _segments(stops)
    for k, (first, last) in enumerate(segs):
        offsets = [0]
        for i in range(first + 1, last + 1):
            offsets.append(offsets[-1] + stops[i - 1].service_s + stops[i].travel_in_s)
        lo, hi = free_from, _INF
        for off, i in zip(offsets, range(first, last + 1), strict=True):
            lo = max(lo, stops[i].start_lo_s - off)
            hi = min(hi, stops[i].start_hi_s - off)
        end_off = offsets[-1] + stops[last].service_s
        if k == len(segs) - 1:
            hi = min(hi, latest_back_s - travel_back_s - end_off)
        if lo > hi:
            feasible = False
            free_from = _split_segment(stops, first, last, free_from, starts)
            continue
        want = targets_s[first] if targets_s is not None else lo
        s = min(max(want, lo), hi)
        if align_s > 1 and s % align_s:
            up = s - s % align_s + align_s
            if s - s % align_s >= lo:
                s -= s % align_s
            elif up <= hi and k == len(segs) - 1:
                # Later is fine for the last segment: nothing after it depends on its end.
                s = up
        for off, i in zip(offsets, range(first, last + 1), strict=True):
            starts[i] = s + off
        if last + 1 < len(stops):
            free_from = s + end_off + stops[last + 1].travel_in_s
    depart = starts[0] - stops[0].travel_in_s
    back = starts[-1] + stops[-1].service_s + travel_back_s
    return Timetable(tuple(starts), depart, back, feasible)


def _split_segment(stops: Sequence[StopTiming], first: int, last: int, free_from: int,
                   starts: list[int]) -> int:
    """Time a segment whose bounds have no common start (e.g. an afbud left a gap no pickup
    interval absorbs): riders then wait on board as little as this greedy rule gives, rather
    than board after their interval.

    The segment is cut into maximal rigid pieces whose bounds do intersect. The first piece
    starts as late as its bounds allow (the vehicle waits empty at the door), every later piece
    as early as its bounds allow, so the waits at the cuts add up to the least total for these
    cuts. A stop that cannot be reached within its bounds starts when the vehicle is there.
    Fills ``starts``; returns when the next segment may start.
    """
    i = first
    while i <= last:
        lo, hi = max(free_from, stops[i].start_lo_s), stops[i].start_hi_s
        j, off = i, 0
        while j < last:
            nxt = off + stops[j].service_s + stops[j + 1].travel_in_s
            lo2 = max(lo, stops[j + 1].start_lo_s - nxt)
            hi2 = min(hi, stops[j + 1].start_hi_s - nxt)
            if lo2 > hi2:
                break
            j, off, lo, hi = j + 1, nxt, lo2, hi2
        s = hi if (i == first and lo <= hi < _INF) else lo
        off = 0
        for k in range(i, j + 1):
            if k > i:
                off += stops[k - 1].service_s + stops[k].travel_in_s
            starts[k] = s + off
        free_from = starts[j] + stops[j].service_s
        if j + 1 < len(stops):
            free_from += stops[j + 1].travel_in_s
        i = j + 1
    return free_from


def onboard_waits_s(
    arrivals_s: Sequence[int],
    departures_s: Sequence[int],
    legs_s: Sequence[int],
    services_s: Sequence[int],
    loads: Sequence[int],
    pickups: Sequence[bool],
) -> list[int]:
    """Idle time with riders on board at each stop of a timed run (depots included, 0 there).

    Per stop ``i``: the wait on the way in (arrival later than the previous departure plus the
    leg) and the wait at the stop beyond its service, counted when someone is on board then: on
    the way in and before boarding at a pickup when the vehicle arrives loaded, after alighting
    at a drop-off when riders remain. ``loads`` are the riders on board after each stop.
    """
    out = [0] * len(arrivals_s)
    for i in range(1, len(arrivals_s)):
        before = loads[i - 1]
        on_way = arrivals_s[i] - departures_s[i - 1] - legs_s[i - 1]
        at_stop = departures_s[i] - arrivals_s[i] - services_s[i]
        wait = on_way if before > 0 else 0
        if (before > 0 if pickups[i] else loads[i] > 0) and at_stop > 0:
            wait += at_stop
        out[i] = max(0, wait)
    return out
