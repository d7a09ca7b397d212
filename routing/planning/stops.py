"""Stops and runs, one home for the rules every part of the core shares about them.

Used by the planner, daily runs, the living plan, consolidation and reimbursement:

* **Place ids** (:mod:`routing.places`, re-exported) and **grid rounding** of agreed times
  (:mod:`routing.planning.rules`, re-exported).
* **Centre windows**: when riders arrive at the centre before a session and are picked up after
  it (:func:`centre_window`), and which session a rider's trip of a day serves
  (:func:`trip_session`).
* **Stops of a rider** (:func:`rider_stops`) and where they can go into a run
  (:func:`insertions`).
* **Re-timing a run** from its stops (:func:`assemble_run`), e.g. after taking riders off it
  (:func:`without_riders`), and the quick checks of a timed run (:func:`run_problems`).

The independent checker (:mod:`routing.verify`) does not use this module: it derives the same
windows and sessions from the rules itself.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Protocol

import numpy as np
import numpy.typing as npt

from routing.model import (
    DAY_S,
    Centre,
    Direction,
    Rider,
    Run,
    Scenario,
    Session,
    Stop,
    StopKind,
    Vehicle,
    weekday_key,
)
from routing.params import PlanParams
from routing.places import centre_place as centre_place
from routing.places import depot_place as depot_place
from routing.places import home_place as home_place
from routing.places import is_centre as is_centre
from routing.places import is_home as is_home
from routing.planning.rules import (
    boarding_time_s,
    pickup_tolerance_s,
    ride_limit_s,
    run_layout,
    vehicle_fits,
)
from routing.planning.rules import ceil_grid as ceil_grid
from routing.planning.rules import floor_grid as floor_grid
from routing.planning.rules import grid_s as grid_s
from routing.planning.timing import StopTiming, onboard_waits_s, time_segments

log = logging.getLogger(__name__)


class MatrixLike(Protocol):
    """What timing runs needs of :class:`routing.network.matrix.TravelMatrix` (ids are place
    strings)."""

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def time_s(self) -> npt.NDArray[np.int64]: ...

    @property
    def distance_m(self) -> npt.NDArray[np.int64]: ...

    def index(self, point_id: str) -> int: ...


# --------------------------------------------------------------------------------------------
# Centre windows and sessions


def arrival_window(session_start_s: int, params: PlanParams) -> tuple[int, int]:
    """``(earliest, latest)`` arrival at the centre for a session starting at the given time."""
    return (session_start_s - params.arrive_earliest_before_s,
            session_start_s - params.arrive_latest_before_s)


def pickup_window(session_end_s: int, params: PlanParams) -> tuple[int, int]:
    """``(earliest, latest)`` pickup at the centre after a session ending at the given time."""
    return (session_end_s + params.pickup_earliest_after_s,
            session_end_s + params.pickup_latest_after_s)


def centre_window(direction: Direction, centre_time_s: int,
                  params: PlanParams) -> tuple[int, int]:
    """Window of the arrival at the centre (``to_centre``, ``centre_time_s`` = session start) or
    of the pickup there (``from_centre``, ``centre_time_s`` = session end)."""
    if direction == "to_centre":
        return arrival_window(centre_time_s, params)
    return pickup_window(centre_time_s, params)


def trip_session(rider: Rider, weekday: str, sessions: Mapping[str, Session],
                 direction: Direction) -> Session | None:
    """The session a rider's trip of the day serves: the earliest-starting one for the ride to
    the centre, the latest-ending one for the ride home (the checker's rule)."""
    day_sessions = [sessions[s] for s in rider.session_ids
                    if s in sessions and sessions[s].weekday == weekday]
    if not day_sessions:
        return None
    if direction == "to_centre":
        return min(day_sessions, key=lambda s: (s.start_s, s.session_id))
    return max(day_sessions, key=lambda s: (s.end_s, s.session_id))

# --------------------------------------------------------------------------------------------
# Stops of a run and of a rider


@dataclass(frozen=True, slots=True)
class StopSpec:
    """A stop to be timed by :func:`assemble_run`: kind, place, riders and (pickups) agreed time."""

    kind: StopKind
    place: str
    rider_ids: tuple[str, ...]
    lat: float
    lon: float
    agreed_s: int | None = None


def specs_of(run: Run) -> list[StopSpec]:
    """The run's stops between the depot stops, as specs to re-time."""
    return [StopSpec(s.kind, s.place, s.rider_ids, s.lat, s.lon, s.agreed_s)
            for s in run.stops[1:-1]]


def rider_stops(rider: Rider, centre: Centre,
                direction: Direction) -> tuple[StopSpec, StopSpec]:
    """The rider's pickup and drop-off of a trip (home → centre or centre → home)."""
    home = StopSpec("pickup", home_place(rider.rider_id), (rider.rider_id,), rider.lat,
                    rider.lon)
    ctr = StopSpec("pickup", centre_place(centre.centre_id), (rider.rider_id,), centre.lat,
                   centre.lon)
    if direction == "to_centre":
        return home, replace(ctr, kind="dropoff")
    return ctr, replace(home, kind="dropoff")


def insertions(specs: Sequence[StopSpec], pickup: StopSpec,
               dropoff: StopSpec) -> list[tuple[list[StopSpec], int, bool]]:
    """Every stop sequence with a rider's pickup before the drop-off: ``(sequence, index of the
    pickup, whether the pickup joined an existing stop)``. A stop at the same place and of the
    same kind is joined (one centre stop per run)."""
    rider = pickup.rider_ids
    out: list[tuple[list[StopSpec], int, bool]] = []
    join_p = [i for i, s in enumerate(specs) if s.kind == "pickup" and s.place == pickup.place]
    p_options: list[tuple[list[StopSpec], int, bool]] = []
    if join_p:
        i = join_p[0]
        seq = list(specs)
        seq[i] = replace(seq[i], rider_ids=seq[i].rider_ids + rider)
        p_options.append((seq, i, True))
    else:
        for i in range(len(specs) + 1):
            p_options.append(([*specs[:i], pickup, *specs[i:]], i, False))
    for seq, pi, joined in p_options:
        join_d = [j for j, s in enumerate(seq)
                  if s.kind == "dropoff" and s.place == dropoff.place]
        if join_d:
            j = join_d[0]
            if j > pi:
                new = list(seq)
                new[j] = replace(new[j], rider_ids=new[j].rider_ids + rider)
                out.append((new, pi, joined))
            continue
        for j in range(pi + 1, len(seq) + 1):
            out.append(([*seq[:j], dropoff, *seq[j:]], pi, joined))
    return out


# --------------------------------------------------------------------------------------------
# Timing runs


@dataclass
class RunContext:
    """Lookups for timing runs: riders, sessions, vehicles, the matrix and the parameters."""

    scenario: Scenario
    matrix: MatrixLike
    params: PlanParams
    riders: dict[str, Rider] = field(init=False)
    sessions: dict[str, Session] = field(init=False)
    vehicles: dict[str, Vehicle] = field(init=False)
    _index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.riders = {r.rider_id: r for r in self.scenario.riders}
        self.sessions = {s.session_id: s for s in self.scenario.sessions}
        self.vehicles = {v.vehicle_id: v for v in self.scenario.vehicles}
        self._index = {pid: i for i, pid in enumerate(self.matrix.ids)}

    def leg(self, a: str, b: str) -> tuple[int, int]:
        """``(travel_s, distance_m)`` from place ``a`` to place ``b``.

        Raises
        ------
        KeyError
            If a place is not in the matrix (the matrix is not the plan's place matrix).
        """
        if a == b:
            return 0, 0
        try:
            i, j = self._index[a], self._index[b]
        except KeyError as exc:
            raise KeyError(f"place {exc.args[0]!r} is not in the travel matrix") from None
        return int(self.matrix.time_s[i, j]), int(self.matrix.distance_m[i, j])

    def service_s(self, rider_ids: Iterable[str]) -> int:
        """Boarding or alighting time of riders at one stop (the sum, as the checker wants)."""
        return sum(boarding_time_s(self.riders[r], self.params) for r in rider_ids)

    def arrival_window(self, rider_ids: Iterable[str], weekday: str) -> tuple[int, int] | None:
        """``(earliest, latest)`` arrival at the centre for riders alighting together."""
        return self.shared_centre_window(rider_ids, weekday, "to_centre")

    def pickup_window(self, rider_ids: Iterable[str], weekday: str) -> tuple[int, int] | None:
        """``(earliest, latest)`` pickup at the centre for riders going home together."""
        return self.shared_centre_window(rider_ids, weekday, "from_centre")

    def shared_centre_window(self, rider_ids: Iterable[str], weekday: str,
                             direction: Direction) -> tuple[int, int] | None:
        """The centre window every one of the riders keeps (None: no rider has a session)."""
        lo, hi = None, None
        for r in rider_ids:
            session = trip_session(self.riders[r], weekday, self.sessions, direction)
            if session is None:
                continue
            at = session.start_s if direction == "to_centre" else session.end_s
            r_lo, r_hi = centre_window(direction, at, self.params)
            lo = r_lo if lo is None else max(lo, r_lo)
            hi = r_hi if hi is None else min(hi, r_hi)
        return None if lo is None or hi is None else (lo, hi)


def weekday_of_day(day: str) -> str:
    """``Run.weekday`` as a weekday: ``"mon"`` … as is, an ISO date as its weekday."""
    if len(day) == 10 and day[4] == "-":
        key = weekday_key(date.fromisoformat(day))
        if key is not None:
            return key
    return day


def assemble_run(
    base: Run,
    specs: Sequence[StopSpec],
    ctx: RunContext,
    *,
    day: str,
    run_id: str | None = None,
) -> Run:
    """Time a run from its stops: legs from the matrix, riders keep their agreed times, and
    nobody on board waits (:mod:`routing.planning.timing`).

    While riders are on board the vehicle only drives, boards and alights; it leaves the depot
    just in time and waits only while empty, at the door before a boarding. Each pickup's
    boarding starts within the pickup interval (agreed time to agreed time +
    :func:`routing.planning.rules.pickup_tolerance_s`), as early as the other riders' intervals, the
    centre's arrival window and the vehicle's availability allow. If no such timetable exists
    (e.g. an afbud saved more time between two pickups than the interval absorbs), riders on
    board wait as little as the intervals allow (:func:`routing.planning.timing.time_segments`) and
    nobody boards before their agreed time; :func:`run_problems` reports the wait and
    :func:`routing.verify.checks.verify_plan` accepts it only as unavoidable. Loads are recomputed.

    Parameters
    ----------
    base
        The run whose vehicle, depot, direction and metadata are kept.
    specs
        The stops between the depot stops, in order (each with riders).
    ctx
        Lookups, matrix and parameters.
    day
        ``Run.weekday`` of the result (weekday name or ISO date).
    run_id
        Id of the result (default ``base.run_id``).
    """
    depot = base.stops[0]
    weekday = weekday_of_day(day)
    places = [depot.place, *(s.place for s in specs), base.stops[-1].place]
    legs = [ctx.leg(a, b) for a, b in pairwise(places)]
    tolerance = pickup_tolerance_s(ctx.params)

    timings: list[StopTiming] = []
    load = 0
    for i, spec in enumerate(specs):
        lo, hi = -DAY_S, 2 * DAY_S
        if spec.kind == "pickup" and spec.agreed_s is not None:
            lo, hi = spec.agreed_s, spec.agreed_s + tolerance
        elif base.direction == "to_centre" and is_centre(spec.place):
            window = ctx.arrival_window(spec.rider_ids, weekday)
            if window is not None:
                lo, hi = window
        timing = StopTiming(service_s=ctx.service_s(spec.rider_ids), travel_in_s=legs[i][0],
                            load_before=load, start_lo_s=lo, start_hi_s=hi)
        timings.append(timing)
        load += (1 if spec.kind == "pickup" else -1) * len(spec.rider_ids)
    vehicle = ctx.vehicles.get(base.vehicle_id)
    avail = (vehicle.available_from_s, vehicle.available_to_s) if vehicle else (0, 2 * DAY_S)
    table = None
    if timings:
        # Without a timetable that keeps every interval wait-free, riders on board wait as
        # little as possible (never boarding before, nor needlessly after, their interval).
        table = time_segments(timings, travel_back_s=legs[-1][0],
                              earliest_depart_s=avail[0], latest_back_s=avail[1])
        if not table.feasible:
            # Expected after some afbud (the verifier reports the waits as warnings); the same
            # day is derived again for every manifest and list, so this is not a warning.
            log.info("run %s on %s: no timetable without on-board waiting keeps every "
                     "pickup interval and window", base.run_id, day)
    departure = table.depart_s if table is not None else depot.departure_s

    stops: list[Stop] = [Stop(
        kind="depot", rider_ids=(), lat=depot.lat, lon=depot.lon,
        arrival_s=departure, departure_s=departure, load_seats=0, load_wheelchairs=0,
        leg_distance_m=legs[0][1], leg_travel_s=legs[0][0], place=depot.place,
    )]
    seats = wheelchairs = 0
    clock = departure + legs[0][0]
    for i, spec in enumerate(specs):
        assert table is not None
        start = table.starts_s[i]
        # The vehicle waits only while empty: at the door before a boarding. (If riders must
        # wait on board, they wait on the way, not parked outside a centre before its window.)
        arrival = min(clock, start) if spec.kind == "pickup" else max(clock, start)
        if spec.kind == "pickup":
            for r in spec.rider_ids:
                seats += ctx.riders[r].seats
                wheelchairs += ctx.riders[r].wheelchair_places
        else:
            for r in spec.rider_ids:
                seats -= ctx.riders[r].seats
                wheelchairs -= ctx.riders[r].wheelchair_places
        leave = start + timings[i].service_s
        travel_s, distance_m = legs[i + 1]
        stops.append(Stop(
            kind=spec.kind, rider_ids=spec.rider_ids, lat=spec.lat, lon=spec.lon,
            arrival_s=arrival, departure_s=leave, load_seats=seats, load_wheelchairs=wheelchairs,
            leg_distance_m=distance_m, leg_travel_s=travel_s, place=spec.place,
            agreed_s=spec.agreed_s if spec.kind == "pickup" else None,
        ))
        clock = leave + travel_s
    end = base.stops[-1]
    stops.append(Stop(
        kind="depot", rider_ids=(), lat=end.lat, lon=end.lon, arrival_s=clock, departure_s=clock,
        load_seats=0, load_wheelchairs=0, leg_distance_m=0, leg_travel_s=0, place=end.place,
    ))
    layout = base.layout
    if vehicle is not None:
        # Riders removed or added: keep the run's layout if the loads fit it, else pick one.
        layout = run_layout(vehicle, ((st.load_seats, st.load_wheelchairs) for st in stops),
                            base.layout) or base.layout
    return _with_metadata(replace(base, layout=layout), tuple(stops), ctx, day=day,
                          run_id=run_id)


def _with_metadata(base: Run, stops: tuple[Stop, ...], ctx: RunContext, *, day: str,
                   run_id: str | None) -> Run:
    """``base`` with new stops; centres and sessions narrowed (or widened) to its riders."""
    riders = [ctx.riders[r] for s in stops if s.kind == "pickup" for r in s.rider_ids]
    centres = list(dict.fromkeys(r.centre_id for r in riders))
    ordered_centres = [c for c in (base.centre_ids or (base.centre_id,)) if c in centres]
    ordered_centres += [c for c in centres if c not in ordered_centres]
    weekday = weekday_of_day(day)
    trip_sessions = [trip_session(r, weekday, ctx.sessions, base.direction) for r in riders]
    needed = list(dict.fromkeys(s.session_id for s in trip_sessions if s is not None))
    listed = [s for s in (base.session_ids or (base.session_id,)) if s in needed]
    listed += [s for s in needed if s not in listed]
    centre_id = base.centre_id if base.centre_id in ordered_centres or not ordered_centres \
        else ordered_centres[0]
    session_id = base.session_id if base.session_id in listed or not listed else listed[0]
    return Run(
        run_id=run_id or base.run_id,
        weekday=day,
        centre_id=centre_id,
        session_id=session_id,
        direction=base.direction,
        vehicle_id=base.vehicle_id,
        stops=stops,
        centre_ids=tuple(ordered_centres) if base.centre_ids else (),
        session_ids=tuple(listed) if base.session_ids else (),
        layout=base.layout,
    )


def run_problems(run: Run, ctx: RunContext) -> list[str]:
    """Quick checks of a timed run: pickups on time, windows, ride times, capacity, availability.

    A cheap subset of :func:`routing.verify.checks.verify_plan` used to discard candidates early;
    an empty list does not replace the full check.
    """
    out: list[str] = []
    weekday = weekday_of_day(run.weekday)
    vehicle = ctx.vehicles.get(run.vehicle_id)
    picked_at: dict[str, int] = {}
    tolerance = pickup_tolerance_s(ctx.params)
    services = [ctx.service_s(r for r in s.rider_ids if r in ctx.riders) for s in run.stops]
    waits = onboard_waits_s(
        [s.arrival_s for s in run.stops], [s.departure_s for s in run.stops],
        [s.leg_travel_s for s in run.stops], services,
        [s.load_seats + s.load_wheelchairs for s in run.stops],
        [s.kind == "pickup" for s in run.stops])
    for si, wait in enumerate(waits):
        if wait > 0:
            out.append(f"stop {si} ({run.stops[si].place}): riders on board wait {wait} s")
    for si, stop in enumerate(run.stops):
        if stop.kind == "pickup":
            if (stop.agreed_s is not None
                    and stop.departure_s - services[si] > stop.agreed_s + tolerance):
                out.append(f"stop {si} ({stop.place}): boarding starts after the pickup "
                           f"interval")
            if run.direction == "from_centre":
                window = ctx.pickup_window(stop.rider_ids, weekday)
                t = stop.agreed_s if stop.agreed_s is not None else stop.departure_s
                if window is not None and not window[0] <= t <= window[1]:
                    out.append(f"stop {si} ({stop.place}): pickup outside the window")
            for r in stop.rider_ids:
                picked_at[r] = si
        elif stop.kind == "dropoff":
            if run.direction == "to_centre" and is_centre(stop.place):
                window = ctx.arrival_window(stop.rider_ids, weekday)
                if window is not None and not window[0] <= stop.arrival_s <= window[1]:
                    out.append(f"stop {si} ({stop.place}): arrival outside the window")
            for r in stop.rider_ids:
                p = picked_at.get(r)
                if p is None:
                    continue
                ride = stop.arrival_s - run.stops[p].departure_s
                direct = ctx.leg(run.stops[p].place, stop.place)[0]
                if ride > ride_limit_s(ctx.riders[r], direct, ctx.params):
                    out.append(f"rider {r}: ride time {ride} s over the limit")
        if vehicle is not None and not vehicle_fits(vehicle, stop.load_seats,
                                                    stop.load_wheelchairs):
            out.append(f"stop {si}: over capacity")
    if vehicle is not None and run.stops:
        loads = [(st.load_seats, st.load_wheelchairs) for st in run.stops]
        if run.layout is not None and run.layout not in vehicle.layouts:
            out.append(f"layout {run.layout[0]}+{run.layout[1]} is not one of the vehicle's")
        elif run_layout(vehicle, loads, run.layout) is None:
            out.append("no single layout of the vehicle fits every load of the run")
        elif run.layout is not None and run_layout(vehicle, loads, run.layout) != run.layout:
            out.append(f"over capacity in layout {run.layout[0]}+{run.layout[1]}")
    if vehicle is not None:
        if run.stops[0].departure_s < vehicle.available_from_s:
            out.append("leaves the depot before the vehicle is available")
        if run.stops[-1].arrival_s > vehicle.available_to_s:
            out.append("returns after the vehicle's availability")
    return out


def without_riders(run: Run, rider_ids: Collection[str], ctx: RunContext, *,
                   day: str | None = None) -> Run | None:
    """The run with ``rider_ids`` taken off and re-timed (:func:`assemble_run`); stops left
    without riders are dropped. None if nobody is left to pick up (the run does not drive)."""
    specs = []
    for spec in specs_of(run):
        riders = tuple(r for r in spec.rider_ids if r not in rider_ids)
        if riders:
            specs.append(replace(spec, rider_ids=riders))
    if not any(s.kind == "pickup" for s in specs):
        return None
    return assemble_run(run, specs, ctx, day=run.weekday if day is None else day)


def with_terminals(run: Run, ctx: RunContext, *, start: str | None = None,
                   end: str | None = None) -> Run:
    """The run re-timed (:func:`assemble_run`) with its start and/or end terminal moved to
    ``start``/``end`` (a depot or centre place id; None keeps the run's own)."""
    def terminal(stop: Stop, place: str | None) -> Stop:
        if place is None or place == stop.place:
            return stop
        if is_centre(place):
            centre = ctx.scenario.centre(place.partition(":")[2])
            lat, lon = centre.lat, centre.lon
        else:
            vehicle = ctx.vehicles[run.vehicle_id]
            lat, lon = vehicle.depot_lat, vehicle.depot_lon
        return replace(stop, place=place, lat=lat, lon=lon)

    first, last = terminal(run.stops[0], start), terminal(run.stops[-1], end)
    if first is run.stops[0] and last is run.stops[-1]:
        return run
    base = replace(run, stops=(first, *run.stops[1:-1], last))
    return assemble_run(base, specs_of(run), ctx, day=run.weekday)


def depot_day_ends(runs: Sequence[Run], ctx: RunContext) -> list[Run]:
    """``runs`` (of one or more days) with each vehicle's day starting and ending at its depot:
    where a vehicle's first run of a day starts, or its last ends, at a centre (the run before
    or after it, that ended or started there, was cancelled or merged away), that terminal is
    moved to the depot and the run re-timed. Other runs are returned unchanged, in order."""
    by_vday: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        if run.stops:
            by_vday.setdefault((run.vehicle_id, run.weekday), []).append(run)
    changed: dict[str, Run] = {}
    for (vehicle_id, _day), group in by_vday.items():
        depot = depot_place(vehicle_id)
        first = min(group, key=lambda r: r.stops[0].departure_s)
        last = max(group, key=lambda r: r.stops[-1].arrival_s)
        if first.stops[0].place != depot:
            changed[first.run_id] = with_terminals(first, ctx, start=depot)
        if last.stops[-1].place != depot:
            changed[last.run_id] = with_terminals(changed.get(last.run_id, last), ctx, end=depot)
    return [changed.get(r.run_id, r) for r in runs]


def reachable_after(run: Run, others: Iterable[Run], ctx: RunContext) -> bool:
    """Whether the run fits among the other runs of its vehicle and day: it overlaps none, and
    the vehicle can drive from the previous run's end terminal to its start terminal, and
    from its end terminal to the next run's start terminal, in the time between."""
    start, end = run.stops[0].departure_s, run.stops[-1].arrival_s
    before: Run | None = None
    after: Run | None = None
    for o in others:
        if o.vehicle_id != run.vehicle_id or o.weekday != run.weekday or o.run_id == run.run_id \
                or not o.stops:
            continue
        if start < o.stops[-1].arrival_s and o.stops[0].departure_s < end:
            return False
        if o.stops[-1].arrival_s <= start and (
                before is None or o.stops[-1].arrival_s > before.stops[-1].arrival_s):
            before = o
        if o.stops[0].departure_s >= end and (
                after is None or o.stops[0].departure_s < after.stops[0].departure_s):
            after = o
    if before is not None and before.stops[-1].arrival_s + ctx.leg(
            before.stops[-1].place, run.stops[0].place)[0] > start:
        return False
    return not (after is not None and end + ctx.leg(
        run.stops[-1].place, after.stops[0].place)[0] > after.stops[0].departure_s)
