"""Independent checker of a plan: recomputes every figure from the scenario and the road network.

The checker shares nothing with the planner or the solver (it must not import them): it snaps the
places itself, builds its own travel matrix and re-derives which trips the plan owes, the time
windows, ride times, loads and boarding times. It collects every violation instead of stopping at
the first, so a test or a coordinator sees the whole picture.

Conventions checked (those of the planner, see ``docs/``):

* **Trips.** For each rider and weekday with at least one session: one ``to_centre`` trip for the
  day's earliest-starting session and one ``from_centre`` trip for the latest-ending one. Each
  expected trip is served by exactly one run or listed once in ``plan.unserved``.
* **Stops.** Runs start and end at a terminal stop (kind ``depot``, no riders, load 0) at
  ``depot:<vehicle_id>`` or at a centre ``centre:<centre_id>`` where the vehicle waits between
  two runs of its day; ``to_centre`` runs pick up at
  ``home:<rider_id>`` and drop off at ``centre:<centre_id>`` (the rider's centre), ``from_centre``
  runs the other way round. Stop coordinates are those of the place.
* **Legs** equal the recomputed road trip to the next stop (within 1 s and 1 m); times leave room
  for the leg, boarding and the agreed pickup time; agreed times lie on the rounding grid.
* **Waiting.** Boarding starts no earlier than the agreed time and at most the pickup tolerance
  (10 min) after it; riders on board never wait (idle time with anyone on board, beyond
  ``ONBOARD_WAIT_TOLERANCE_S``, is an ``onboard_wait`` violation).
* **A vehicle's day** (per vehicle and day of the runs: weekday or date): its runs do not
  overlap; the first starts and the last ends at the vehicle's depot; each next run starts at
  a place the vehicle reaches from the previous run's end in the time between (road travel
  time ≤ the gap; the same place needs none).
* **Windows, ride times, loads, vehicle availability and overlap, consistency across weekdays.**
  Loads are checked against the run's ``layout`` (one of the vehicle's layouts) or, when the run
  states none, against a layout of the vehicle that fits the whole run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

from routing.model import (
    DIRECTIONS,
    WEEKDAYS,
    Plan,
    Rider,
    Run,
    Scenario,
    Session,
    Vehicle,
)
from routing.network.roads import RoadNetwork
from routing.params import PlanParams
from routing.places import centre_place, depot_place, home_place, parse_place
from routing.verify.state import (
    COORD_TOLERANCE_DEG,
    ERROR,
    LEG_TOLERANCE_M,
    LEG_TOLERANCE_S,
    ONBOARD_WAIT_TOLERANCE_S,
    WARNING,
    TripKey,
    VerifierState,
    weekday_of,
)
from routing.verify.state import Violation as Violation
from routing.verify.state import duration_text as _dur
from routing.verify.state import expected_trips as expected_trips
from routing.verify.state import time_text as _t

log = logging.getLogger(__name__)


class _Verifier(VerifierState):
    """The checks of one verification, collected in ``self.out``."""

    # ---- runs -----------------------------------------------------------------------------

    def check_runs(self) -> None:
        seen_ids: set[str] = set()
        for ri, run in enumerate(self.plan.runs):
            if run.run_id in seen_ids:
                self.add("duplicate_run", f"run {run.run_id}: run id used more than once",
                         run_id=run.run_id)
            seen_ids.add(run.run_id)
            self.check_run(ri, run)
        self.check_vehicle_overlap()

    def check_run(self, ri: int, run: Run) -> None:
        rid = run.run_id
        if run.direction not in DIRECTIONS:
            self.add("direction", f"run {rid}: direction {run.direction!r} is not one of "
                     f"{', '.join(DIRECTIONS)}", run_id=rid)
        if weekday_of(run.weekday) is None:
            self.add("weekday", f"run {rid}: day {run.weekday!r} is neither a weekday "
                     f"({', '.join(WEEKDAYS)}) nor an ISO date of one", run_id=rid)
        vehicle = self.vehicles.get(run.vehicle_id)
        if vehicle is None:
            self.add("unknown_vehicle", f"run {rid}: vehicle {run.vehicle_id!r} is not in the "
                     f"scenario", run_id=rid)
        if len(run.stops) < 2:
            self.add("depot", f"run {rid}: {len(run.stops)} stop(s); a run starts and ends at "
                     f"the depot", run_id=rid)
            return
        self.check_stops(ri, run)
        self.check_legs(ri, run)
        self.check_pickup_times(run)
        self.check_boarding(run)
        self.check_onboard_wait(ri, run)
        picked, dropped = self.check_loads(run, vehicle)
        if vehicle is not None:
            self.check_availability(run, vehicle)
        self.check_trips(run, picked, dropped)
        self.check_metadata(run, picked)

    def check_stops(self, ri: int, run: Run) -> None:
        rid = run.run_id
        last = len(run.stops) - 1
        depot = depot_place(run.vehicle_id)
        for si, stop in enumerate(run.stops):
            where = f"run {rid} stop {si}"
            if si in (0, last):
                if stop.kind != "depot":
                    self.add("depot", f"{where}: kind {stop.kind!r}, expected 'depot' (a run "
                             f"starts and ends at a terminal: the vehicle's depot or a "
                             f"centre)", run_id=rid)
                kind, ident = parse_place(stop.place) or ("", "")
                if stop.place != depot and not (kind == "centre" and ident in self.centres):
                    self.add("depot", f"{where}: place {stop.place!r}, expected {depot!r} or a "
                             f"centre where the vehicle waits between runs", run_id=rid)
                if stop.rider_ids:
                    self.add("depot", f"{where}: depot stop lists riders "
                             f"{', '.join(stop.rider_ids)}", run_id=rid)
                if stop.load_seats or stop.load_wheelchairs:
                    self.add("depot", f"{where}: load at the depot is {stop.load_seats} "
                             f"seat(s) + {stop.load_wheelchairs} wheelchair(s), expected 0",
                             run_id=rid)
            elif stop.kind not in ("pickup", "dropoff"):
                self.add("stop_kind", f"{where}: kind {stop.kind!r} inside the run, expected "
                         f"'pickup' or 'dropoff'", run_id=rid)
            elif not stop.rider_ids:
                self.add("empty_stop", f"{where}: {stop.kind} without riders", run_id=rid)
            coords = self.place_coords(stop.place)
            if coords is None:
                self.add("unknown_place", f"{where}: place {stop.place!r} is not a depot, centre "
                         f"or home of the scenario", run_id=rid)
            elif (abs(stop.lat - coords[0]) > COORD_TOLERANCE_DEG
                  or abs(stop.lon - coords[1]) > COORD_TOLERANCE_DEG):
                self.add("stop_position", f"{where}: at ({stop.lat:.7f}, {stop.lon:.7f}) but "
                         f"{stop.place} is at ({coords[0]:.7f}, {coords[1]:.7f})", run_id=rid)
            if stop.departure_s < stop.arrival_s:
                self.add("stop_time", f"{where}: departs {_t(stop.departure_s)} before it "
                         f"arrives {_t(stop.arrival_s)}", run_id=rid)

    def check_legs(self, ri: int, run: Run) -> None:
        rid = run.run_id
        stops = run.stops
        for si, (stop, nxt) in enumerate(pairwise(stops)):
            where = f"run {rid} stop {si}"
            leg = self.travel(self.point_id(ri, si, stop), self.point_id(ri, si + 1, nxt))
            travel_s = stop.leg_travel_s
            if leg is not None:
                travel_s, distance_m = leg
                if abs(stop.leg_travel_s - travel_s) > LEG_TOLERANCE_S:
                    self.add("leg_time", f"{where}: leg to stop {si + 1} states "
                             f"{stop.leg_travel_s} s, recomputed {travel_s} s "
                             f"({stop.place} → {nxt.place})", run_id=rid)
                if abs(stop.leg_distance_m - distance_m) > LEG_TOLERANCE_M:
                    self.add("leg_distance", f"{where}: leg to stop {si + 1} states "
                             f"{stop.leg_distance_m} m, recomputed {distance_m} m "
                             f"({stop.place} → {nxt.place})", run_id=rid)
            # Judge the timetable by the true travel time where it is known.
            earliest = stop.departure_s + travel_s
            if nxt.arrival_s < earliest - LEG_TOLERANCE_S:
                self.add("travel_time", f"run {rid} stop {si + 1}: arrives {_t(nxt.arrival_s)}, "
                         f"but leaving stop {si} at {_t(stop.departure_s)} and driving "
                         f"{_dur(travel_s)} arrives {_t(earliest)} at the earliest", run_id=rid)
        last = stops[-1]
        if last.leg_travel_s != 0:
            self.add("leg_time", f"run {rid} stop {len(stops) - 1}: last stop has a leg of "
                     f"{last.leg_travel_s} s, expected 0", run_id=rid)
        if last.leg_distance_m != 0:
            self.add("leg_distance", f"run {rid} stop {len(stops) - 1}: last stop has a leg of "
                     f"{last.leg_distance_m} m, expected 0", run_id=rid)

    def check_pickup_times(self, run: Run) -> None:
        rid = run.run_id
        grid = self.params.rounding_s
        for si, stop in enumerate(run.stops):
            where = f"run {rid} stop {si}"
            if stop.kind != "pickup":
                if stop.agreed_s is not None:
                    self.add("agreed_misplaced", f"{where}: {stop.kind} stop has an agreed time "
                             f"{_t(stop.agreed_s)} (only pickups have one)", run_id=rid,
                             severity=WARNING)
                continue
            if stop.agreed_s is None:
                self.add("agreed_missing", f"{where}: pickup without an agreed time", run_id=rid)
                continue
            agreed = stop.agreed_s
            if grid > 1 and agreed % grid != 0:
                self.add("agreed_not_on_grid", f"{where}: agreed time {_t(agreed)} is not a "
                         f"multiple of {_dur(grid)}", run_id=rid)
            need = sum(self.boarding_s(self.riders[r]) for r in stop.rider_ids
                       if r in self.riders)
            boarding = stop.departure_s - need
            tolerance = self.pickup_tolerance_s()
            if boarding > agreed + tolerance:
                self.add("late_at_pickup", f"{where}: boarding starts {_t(boarding)} (arrives "
                         f"{_t(stop.arrival_s)}), more than {_dur(tolerance)} after the agreed "
                         f"pickup time {_t(agreed)}", run_id=rid)
            if stop.departure_s < agreed:
                self.add("early_departure", f"{where}: departs {_t(stop.departure_s)}, before "
                         f"the agreed pickup time {_t(agreed)}", run_id=rid)

    def pickup_tolerance_s(self) -> int:
        return max(self.params.pickup_tolerance_s, max(1, self.params.rounding_s) - 1)

    def check_onboard_wait(self, ri: int, run: Run) -> None:
        """Riders on board never wait: while anyone is on board the vehicle drives, boards or
        alights. Idle time is counted on the way into a stop (later than the previous departure
        plus the true leg), before boarding at a pickup reached with riders on board, and after
        alighting at a drop-off when riders remain."""
        rid = run.run_id
        on_board: list[str] = []
        tolerance = self.pickup_tolerance_s()
        # A wait is unavoidable when a pickup since the vehicle was last empty already boards
        # at the end of its interval: starting that stretch later would make that rider late.
        pinned = False
        for si in range(1, len(run.stops)):
            prev, stop = run.stops[si - 1], run.stops[si]
            if not on_board:
                pinned = False
            for r in prev.rider_ids:
                if prev.kind == "pickup":
                    on_board.append(r)
                elif prev.kind == "dropoff" and r in on_board:
                    on_board.remove(r)
            if prev.kind == "pickup" and prev.agreed_s is not None:
                boards = prev.departure_s - sum(self.boarding_s(self.riders[r])
                                                for r in prev.rider_ids if r in self.riders)
                pinned = pinned or boards >= prev.agreed_s + tolerance - 1
            leg = self.travel(self.point_id(ri, si - 1, prev), self.point_id(ri, si, stop))
            travel_s = leg[0] if leg is not None else prev.leg_travel_s
            need = sum(self.boarding_s(self.riders[r]) for r in stop.rider_ids
                       if r in self.riders)
            idle_stop = max(0, stop.departure_s - stop.arrival_s - need)
            wait = max(0, stop.arrival_s - prev.departure_s - travel_s) if on_board else 0
            waiting = list(on_board)
            if stop.kind == "pickup" and on_board:
                wait += idle_stop
            elif stop.kind == "dropoff":
                remain = [r for r in on_board if r not in stop.rider_ids]
                if remain:
                    wait += idle_stop
                    waiting = waiting if wait > idle_stop else remain
            if wait > ONBOARD_WAIT_TOLERANCE_S:
                rule = ("unavoidable: an earlier rider of this stretch already boards at the "
                        "end of their pickup interval" if pinned else
                        "waiting must happen before a pickup, with nobody on board")
                self.add("onboard_wait", f"run {rid} stop {si}: riders "
                         f"{', '.join(waiting)} on board wait {_dur(wait)} (leaving stop "
                         f"{si - 1} at {_t(prev.departure_s)}, driving {_dur(travel_s)}, "
                         f"arriving {_t(stop.arrival_s)}, departing {_t(stop.departure_s)} "
                         f"after {_dur(need)} of boarding/alighting); {rule}", run_id=rid,
                         rider_id=waiting[0] if waiting else None,
                         severity=WARNING if pinned else ERROR)

    def check_boarding(self, run: Run) -> None:
        rid = run.run_id
        for si, stop in enumerate(run.stops):
            if stop.kind not in ("pickup", "dropoff"):
                continue
            start = stop.arrival_s
            if stop.kind == "pickup" and stop.agreed_s is not None:
                start = max(start, stop.agreed_s)
            need = sum(self.boarding_s(self.riders[r]) for r in stop.rider_ids if r in self.riders)
            if stop.departure_s - start < need:
                self.add("boarding", f"run {rid} stop {si}: {stop.kind} of "
                         f"{', '.join(stop.rider_ids)} needs {_dur(need)} from {_t(start)}, "
                         f"but departs {_t(stop.departure_s)}", run_id=rid)

    def check_loads(
        self, run: Run, vehicle: Vehicle | None
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Recompute loads; return the stop index of each rider's pickup and drop-off."""
        rid = run.run_id
        picked: dict[str, int] = {}
        dropped: dict[str, int] = {}
        loads: list[tuple[int, int, int]] = []
        seats = wheelchairs = 0
        for si, stop in enumerate(run.stops):
            where = f"run {rid} stop {si}"
            for rider_id in stop.rider_ids:
                rider = self.riders.get(rider_id)
                if rider is None:
                    self.report_unknown_rider(rider_id, f"run {rid}", rid)
                    continue
                if stop.kind == "pickup":
                    if rider_id in picked:
                        self.add("order", f"{where}: rider {rider_id} picked up again (already "
                                 f"at stop {picked[rider_id]})", run_id=rid, rider_id=rider_id)
                        continue
                    picked[rider_id] = si
                    seats += rider.seats
                    wheelchairs += rider.wheelchair_places
                elif stop.kind == "dropoff":
                    if rider_id not in picked:
                        self.add("order", f"{where}: rider {rider_id} dropped off without being "
                                 f"picked up earlier in this run", run_id=rid, rider_id=rider_id)
                        continue
                    if rider_id in dropped:
                        self.add("order", f"{where}: rider {rider_id} dropped off again (already "
                                 f"at stop {dropped[rider_id]})", run_id=rid, rider_id=rider_id)
                        continue
                    dropped[rider_id] = si
                    seats -= rider.seats
                    wheelchairs -= rider.wheelchair_places
            if (stop.load_seats, stop.load_wheelchairs) != (seats, wheelchairs):
                self.add("load_mismatch", f"{where}: states load {stop.load_seats} seat(s) + "
                         f"{stop.load_wheelchairs} wheelchair(s), recomputed {seats} + "
                         f"{wheelchairs}", run_id=rid)
            loads.append((si, seats, wheelchairs))
        if vehicle is not None:
            self.check_capacity(run, vehicle, loads)
        for rider_id, si in picked.items():
            if rider_id not in dropped:
                self.add("order", f"run {rid} stop {si}: rider {rider_id} picked up but never "
                         f"dropped off", run_id=rid, rider_id=rider_id)
        return picked, dropped

    def check_capacity(self, run: Run, vehicle: Vehicle,
                       loads: Sequence[tuple[int, int, int]]) -> None:
        """Recomputed loads against the run's layout: the stated one, which must be one of the
        vehicle's layouts, or else the first layout all of the run's loads fit (a run keeps
        one layout from depot to depot)."""
        rid = run.run_id
        layouts = list(dict.fromkeys(((vehicle.seats, vehicle.wheelchair_places),
                                      *vehicle.layouts)))
        shown = ", ".join(f"{a}+{b}" for a, b in layouts)
        layout = run.layout
        if layout is not None and tuple(layout) not in layouts:
            self.add("layout", f"run {rid}: layout {layout[0]} seat(s) + {layout[1]} wheelchair "
                     f"place(s) is not one of vehicle {vehicle.vehicle_id}'s layouts ({shown})",
                     run_id=rid)
        if layout is None:
            layout = next((lay for lay in layouts
                           if all(s <= lay[0] and w <= lay[1] for _, s, w in loads)), layouts[0])
        what = f"vehicle {vehicle.vehicle_id} in layout {layout[0]}+{layout[1]}"
        for si, seats, wheelchairs in loads:
            where = f"run {rid} stop {si}"
            if seats > layout[0]:
                self.add("capacity_seats", f"{where}: {seats} seats occupied, {what} has "
                         f"{layout[0]}", run_id=rid)
            if wheelchairs > layout[1]:
                self.add("capacity_wheelchairs", f"{where}: {wheelchairs} wheelchair places "
                         f"occupied, {what} has {layout[1]}", run_id=rid)

    def check_availability(self, run: Run, vehicle: Vehicle) -> None:
        rid = run.run_id
        first, last = run.stops[0], run.stops[-1]
        if first.departure_s < vehicle.available_from_s:
            self.add("availability", f"run {rid}: leaves {first.place} at "
                     f"{_t(first.departure_s)}, "
                     f"vehicle {vehicle.vehicle_id} is available from "
                     f"{_t(vehicle.available_from_s)}", run_id=rid)
        if last.arrival_s > vehicle.available_to_s:
            self.add("availability", f"run {rid}: ends at {last.place} at "
                     f"{_t(last.arrival_s)}, vehicle {vehicle.vehicle_id} is available until "
                     f"{_t(vehicle.available_to_s)}", run_id=rid)

    def check_trips(self, run: Run, picked: dict[str, int], dropped: dict[str, int]) -> None:
        rid = run.run_id
        direction = run.direction
        if direction not in DIRECTIONS:
            return
        to_centre = direction == "to_centre"
        for rider_id, p in picked.items():
            rider = self.riders[rider_id]
            self.served[(rider_id, run.weekday, direction)].append(rid)
            home = home_place(rider_id)
            centre = centre_place(rider.centre_id)
            pickup = run.stops[p]
            self.check_place(run, p, rider, home if to_centre else centre)
            d = dropped.get(rider_id)
            if d is not None:
                self.check_place(run, d, rider, centre if to_centre else home)
            if pickup.agreed_s is not None:
                self.agreed[(rider_id, direction)][run.weekday] = pickup.agreed_s
            session = self.trip_session(rider_id, run.weekday, direction)
            if session is not None:
                self.check_window(run, rider, session, p, d)
            if d is None:
                continue
            direct = self.travel(home, centre) if to_centre else self.travel(centre, home)
            self.check_ride(run, rider, p, d, direct[0] if direct is not None else None)

    def check_place(self, run: Run, si: int, rider: Rider, expected: str) -> None:
        stop = run.stops[si]
        if stop.place == expected:
            return
        expected_kind = (parse_place(expected) or ("", ""))[0]
        kind, ident = parse_place(stop.place) or ("", "")
        where = f"run {run.run_id} stop {si}"
        if expected_kind == "home" and kind == "home":
            # Co-located riders (e.g. a couple) share one stop named after one of them.
            want, got = self.place_coords(expected), self.place_coords(stop.place)
            if (want is not None and got is not None
                    and abs(want[0] - got[0]) <= COORD_TOLERANCE_DEG
                    and abs(want[1] - got[1]) <= COORD_TOLERANCE_DEG):
                return
        if expected_kind == "centre" and kind == "centre":
            self.add("wrong_centre", f"{where}: rider {rider.rider_id} of centre "
                     f"{rider.centre_id} has its {stop.kind} at centre {ident}",
                     run_id=run.run_id, rider_id=rider.rider_id)
            return
        self.add("wrong_place", f"{where}: {stop.kind} of rider {rider.rider_id} in a "
                 f"{run.direction} run is at {stop.place!r}, expected {expected!r}",
                 run_id=run.run_id, rider_id=rider.rider_id)

    def check_window(self, run: Run, rider: Rider, session: Session, p: int, d: int | None) -> None:
        prm = self.params
        rid = run.run_id
        if run.direction == "to_centre":
            if d is None:
                return
            arrival = run.stops[d].arrival_s
            lo = session.start_s - prm.arrive_earliest_before_s
            hi = session.start_s - prm.arrive_latest_before_s
            if not lo <= arrival <= hi:
                self.add("arrival_window", f"run {rid} stop {d}: arrives {_t(arrival)} at centre "
                         f"{rider.centre_id} with rider {rider.rider_id}, window {_t(lo)}–{_t(hi)} "
                         f"(session {session.session_id} starts {_t(session.start_s)})",
                         run_id=rid, rider_id=rider.rider_id)
            return
        stop = run.stops[p]
        pickup = stop.agreed_s if stop.agreed_s is not None else stop.departure_s
        lo = session.end_s + prm.pickup_earliest_after_s
        hi = session.end_s + prm.pickup_latest_after_s
        if not lo <= pickup <= hi:
            self.add("pickup_window", f"run {rid} stop {p}: picks up rider {rider.rider_id} at "
                     f"centre {rider.centre_id} at {_t(pickup)}, window {_t(lo)}–{_t(hi)} "
                     f"(session {session.session_id} ends {_t(session.end_s)})",
                     run_id=rid, rider_id=rider.rider_id)

    def check_ride(self, run: Run, rider: Rider, p: int, d: int, direct_s: int | None) -> None:
        rid = run.run_id
        start, end = run.stops[p].departure_s, run.stops[d].arrival_s
        ride = end - start
        limit = self.max_ride_s(rider)
        span = f"stop {p} departs {_t(start)} → stop {d} arrives {_t(end)}"
        if ride > limit:
            self.add("ride_time", f"run {rid}: rider {rider.rider_id} rides {_dur(ride)} "
                     f"({span}), limit {_dur(limit)}", run_id=rid, rider_id=rider.rider_id)
        elif direct_s is not None and direct_s > limit:
            self.add("ride_time", f"run {rid}: rider {rider.rider_id}'s direct trip takes "
                     f"{_dur(direct_s)}, over the limit {_dur(limit)}; the trip should be "
                     f"unserved", run_id=rid, rider_id=rider.rider_id)
        factor = rider.detour_factor if rider.detour_factor is not None \
            else self.params.detour_factor
        if factor is not None and direct_s is not None:
            allowed = max(factor * direct_s, direct_s + self.params.min_detour_s)
            if ride > allowed:
                self.add("detour", f"run {rid}: rider {rider.rider_id} rides {_dur(ride)} "
                         f"({span}), direct {_dur(direct_s)}, allowed "
                         f"max({factor:g} × direct, direct + "
                         f"{_dur(self.params.min_detour_s)}) = {_dur(allowed)}",
                         run_id=rid, rider_id=rider.rider_id)

    def check_metadata(self, run: Run, picked: dict[str, int]) -> None:
        rid = run.run_id
        if not picked:
            self.add("empty_run", f"run {rid}: carries no rider", run_id=rid, severity=WARNING)
            return
        rider_centres = {self.riders[r].centre_id for r in picked}
        if run.centre_id not in rider_centres:
            self.add("wrong_centre", f"run {rid}: centre_id {run.centre_id!r} is not the centre "
                     f"of any of its riders ({', '.join(sorted(rider_centres))})", run_id=rid)
        if run.centre_ids:
            listed = set(run.centre_ids)
            if listed != rider_centres:
                self.add("wrong_centre", f"run {rid}: centre_ids {sorted(listed)} differ from "
                         f"its riders' centres {sorted(rider_centres)}", run_id=rid)
        if run.direction not in DIRECTIONS:
            return
        run_sessions = set(run.session_ids) | {run.session_id}
        for rider_id in picked:
            if not any(self.session_fits(s, rider_id, run.weekday, run.direction)
                       for s in run_sessions):
                expected = self.trip_session(rider_id, run.weekday, run.direction)
                if expected is None:
                    continue  # not an expected trip at all; reported with the trips
                self.add("wrong_session", f"run {rid}: rider {rider_id}'s {run.direction} trip "
                         f"serves session {expected.session_id}, which the run does not list "
                         f"({', '.join(sorted(run_sessions))})", run_id=rid, rider_id=rider_id)
        if not any(self.session_fits(run.session_id, r, run.weekday, run.direction)
                   for r in picked):
            self.add("wrong_session", f"run {rid}: session_id {run.session_id!r} is not the "
                     f"{run.direction} session of any of its riders", run_id=rid)

    def check_vehicle_overlap(self) -> None:
        """A vehicle's day: runs apart in time, the day from depot to depot, and each run's
        start reachable from the previous run's end (:meth:`check_vehicle_chain`)."""
        by_vehicle_day: dict[tuple[str, str], list[tuple[int, Run]]] = defaultdict(list)
        for ri, run in enumerate(self.plan.runs):
            if run.stops:
                by_vehicle_day[(run.vehicle_id, run.weekday)].append((ri, run))
        for (vehicle_id, day), indexed in sorted(by_vehicle_day.items()):
            indexed.sort(key=lambda x: (x[1].stops[0].departure_s, x[1].stops[-1].arrival_s))
            runs = [r for _, r in indexed]
            busy_until = runs[0].stops[-1].arrival_s
            busy_run = runs[0]
            for k in range(1, len(runs)):
                run = runs[k]
                if run.stops[0].departure_s < busy_until:
                    self.add("vehicle_overlap", f"vehicle {vehicle_id} on {day}: run {run.run_id} "
                             f"leaves {run.stops[0].place} at {_t(run.stops[0].departure_s)} "
                             f"before run {busy_run.run_id} is back at {_t(busy_until)}",
                             run_id=run.run_id)
                else:
                    self.check_vehicle_chain(vehicle_id, day, indexed[k - 1], indexed[k])
                if run.stops[-1].arrival_s > busy_until:
                    busy_until = run.stops[-1].arrival_s
                    busy_run = run
            depot = depot_place(vehicle_id)
            first, last = runs[0], max(runs, key=lambda r: r.stops[-1].arrival_s)
            if first.stops[0].place != depot:
                self.add("vehicle_day", f"vehicle {vehicle_id} on {day}: its first run "
                         f"{first.run_id} starts at {first.stops[0].place}, not at the depot "
                         f"{depot} (a vehicle's day starts at its depot)", run_id=first.run_id)
            if last.stops[-1].place != depot:
                self.add("vehicle_day", f"vehicle {vehicle_id} on {day}: its last run "
                         f"{last.run_id} ends at {last.stops[-1].place}, not at the depot "
                         f"{depot} (a vehicle's day ends at its depot)", run_id=last.run_id)

    def check_vehicle_chain(self, vehicle_id: str, day: str, first: tuple[int, Run],
                            then: tuple[int, Run]) -> None:
        """The run ``then`` starts where the vehicle can be after the run ``first`` (each with
        its index in the plan): the road trip from ``first``'s end terminal to ``then``'s
        start terminal fits in the time between."""
        before, after = first[1], then[1]
        end, start = before.stops[-1], after.stops[0]
        gap = start.departure_s - end.arrival_s
        a = self.point_id(first[0], len(before.stops) - 1, end)
        b = self.point_id(then[0], 0, start)
        leg = self.travel(a, b)
        if leg is None or leg[0] <= gap + LEG_TOLERANCE_S:
            return
        self.add("vehicle_chain", f"vehicle {vehicle_id} on {day}: run {after.run_id} starts at "
                 f"{start.place} at {_t(start.departure_s)}, but run {before.run_id} ends at "
                 f"{end.place} at {_t(end.arrival_s)} and the drive there takes "
                 f"{_dur(leg[0])} ({_dur(max(0, gap))} between the runs)",
                 run_id=after.run_id)

    # ---- trips and consistency ------------------------------------------------------------

    def check_unserved(self) -> dict[TripKey, int]:
        counts: dict[TripKey, int] = defaultdict(int)
        for u in self.plan.unserved:
            key = (u.rider_id, u.weekday, u.direction)
            counts[key] += 1
            where = f"unserved {u.rider_id} {u.weekday} {u.direction}"
            if u.rider_id not in self.riders:
                self.report_unknown_rider(u.rider_id, "unserved", None)
                continue
            if u.direction not in DIRECTIONS:
                self.add("direction", f"{where}: direction {u.direction!r} is not one of "
                         f"{', '.join(DIRECTIONS)}", rider_id=u.rider_id)
                continue
            expected = self.trip_session(u.rider_id, u.weekday, u.direction)
            if expected is not None and not self.session_fits(
                u.session_id, u.rider_id, u.weekday, u.direction
            ):
                self.add("wrong_session", f"{where}: names session {u.session_id!r}, the trip "
                         f"serves {expected.session_id}", rider_id=u.rider_id)
            if not u.reason.strip():
                self.add("unserved_reason", f"{where}: no reason given", rider_id=u.rider_id,
                         severity=WARNING)
        return counts

    def check_trip_accounting(self, unserved: dict[TripKey, int]) -> None:
        keys = set(self.expected) | set(self.served) | set(unserved)
        for key in sorted(keys):
            rider_id, day, direction = key
            runs = self.served.get(key, [])
            n_unserved = unserved.get(key, 0)
            trip = f"rider {rider_id} {day} {direction}"
            if key not in self.expected:
                if rider_id not in self.riders:
                    continue  # reported as unknown_rider
                where = []
                if runs:
                    where.append(f"served by run(s) {', '.join(runs)}")
                if n_unserved:
                    where.append("listed as unserved")
                self.add("unexpected_trip", f"{trip}: not a trip of this plan (the rider does not "
                         f"attend that day or is not expected), but {' and '.join(where)}",
                         run_id=runs[0] if runs else None, rider_id=rider_id)
                continue
            total = len(runs) + n_unserved
            if total == 0:
                self.add("missing_trip", f"{trip}: neither served by a run nor listed as "
                         f"unserved", rider_id=rider_id)
            elif total > 1:
                parts = []
                if runs:
                    parts.append(f"served by run(s) {', '.join(runs)}")
                if n_unserved:
                    parts.append(f"listed as unserved {n_unserved} time(s)")
                self.add("duplicate_trip", f"{trip}: appears {total} times: "
                         f"{' and '.join(parts)}", run_id=runs[0] if runs else None,
                         rider_id=rider_id)

    def check_consistency(self) -> None:
        limit = self.params.consistency_s
        if limit is None:
            return
        excepted = _consistency_exceptions(self.plan.kpis.get("consistency_exceptions"))
        for (rider_id, direction), by_day in sorted(self.agreed.items()):
            if len(by_day) < 2:
                continue
            spread = max(by_day.values()) - min(by_day.values())
            if spread <= limit:
                continue
            days = ", ".join(f"{day} {_t(t)}" for day, t in _day_order(by_day))
            accepted = (rider_id, direction) in excepted
            self.add("consistency", f"rider {rider_id} {direction}: agreed pickup times vary by "
                     f"{_dur(spread)} across days ({days}), limit {_dur(limit)}"
                     + (" (listed as an accepted exception)" if accepted else ""),
                     rider_id=rider_id, severity=WARNING if accepted else ERROR)


def _day_order(by_day: dict[str, int]) -> list[tuple[str, int]]:
    """Days in weekday order (ISO dates sort naturally after the weekday names)."""
    def key(item: tuple[str, int]) -> tuple[int, str]:
        day = item[0]
        return (WEEKDAYS.index(day), day) if day in WEEKDAYS else (len(WEEKDAYS), day)
    return sorted(by_day.items(), key=key)


def _consistency_exceptions(value: Any) -> set[tuple[str, str]]:
    """``(rider_id, direction)`` pairs from ``kpis["consistency_exceptions"]`` (tolerant)."""
    out: set[tuple[str, str]] = set()
    if not isinstance(value, Iterable) or isinstance(value, str | bytes):
        return out
    for item in value:
        if isinstance(item, dict) and "rider_id" in item and "direction" in item:
            out.add((str(item["rider_id"]), str(item["direction"])))
    return out


def verify_plan(
    plan: Plan,
    scenario: Scenario,
    network: RoadNetwork,
    params: PlanParams | None = None,
    *,
    expected_trips: set[tuple[str, str, str]] | None = None,
) -> list[Violation]:
    """Check a plan against the scenario and the road network, recomputing everything.

    Parameters
    ----------
    plan
        The plan to check (weekly, or daily runs whose ``weekday`` may be an ISO date).
    scenario
        The scenario the plan was built from.
    network
        The road network; places are snapped with ``params.snap_max_m`` and routed anew.
    params
        Planning rules; default ``scenario.plan_params`` (or the shipped defaults).
    expected_trips
        ``(rider_id, day, direction)`` the plan owes; default :func:`expected_trips` of the
        scenario. Daily runs pass a reduced set (riders absent that day are not expected).

    Returns
    -------
    list of Violation
        Every violation found, errors and warnings, in the order found (runs first, then trips,
        then consistency). An empty list, or warnings only, means the plan is valid.
    """
    if params is None:
        params = scenario.plan_params
    expected = _expected_trips(scenario) if expected_trips is None else set(expected_trips)
    verifier = _Verifier(plan, scenario, network, params, expected)
    verifier.build_matrix()
    verifier.check_runs()
    unserved = verifier.check_unserved()
    verifier.check_trip_accounting(unserved)
    verifier.check_consistency()
    errors = sum(1 for v in verifier.out if v.severity == ERROR)
    log.info("verified plan %r: %d run(s), %d error(s), %d warning(s)", plan.scenario,
             len(plan.runs), errors, len(verifier.out) - errors)
    return verifier.out


# ``verify_plan``'s keyword argument shadows the public function inside it.
_expected_trips = expected_trips
