"""What one verification knows: the scenario's lookups, the places snapped anew and their own
travel matrix, the per-rider rules re-derived from the parameters, and the violations found.

Part of the independent checker (:mod:`routing.verify.checks`): nothing here comes from the
planner (see the import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from routing.errors import SnapError
from routing.model import (
    DIRECTIONS,
    WEEKDAYS,
    Plan,
    Rider,
    Scenario,
    Session,
    Stop,
    Vehicle,
    format_hm,
    format_hms,
)
from routing.network.matrix import TravelMatrix, travel_matrix
from routing.network.roads import RoadNetwork
from routing.network.snap import SnappedPoint, snap_points
from routing.params import PlanParams
from routing.places import centre_place, home_place, parse_place

log = logging.getLogger(__name__)

TripKey = tuple[str, str, str]
"""``(rider_id, weekday, direction)``; for daily plans the day may be an ISO date."""

LEG_TOLERANCE_S = 1
"""Recomputed and stated leg travel times may differ by this much (rounding)."""
LEG_TOLERANCE_M = 1
"""Recomputed and stated leg distances may differ by this much (rounding)."""
COORD_TOLERANCE_DEG = 1e-6
"""A stop's coordinates must equal its place's within this (the JSON keeps 7 decimals)."""

ONBOARD_WAIT_TOLERANCE_S = 60
"""Idle time with riders on board tolerated at one stop (the rule is: none)."""

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule of a plan.

    ``code`` is short and stable (e.g. ``"ride_time"``) so tests and tools can match on it;
    ``message`` names the run, stop index, rider and the numbers involved.
    """

    code: str
    message: str
    run_id: str | None = None
    rider_id: str | None = None
    severity: str = ERROR
    """``"error"`` or ``"warning"`` (e.g. an accepted consistency exception)."""

    def __str__(self) -> str:
        return f"[{self.severity}] {self.code}: {self.message}"


# --------------------------------------------------------------------------------------------
# Expected trips


def weekday_of(day: str) -> str | None:
    """The weekday name of a run's day: a weekday itself or an ISO date (daily runs)."""
    if day in WEEKDAYS:
        return day
    try:
        weekday_index = date.fromisoformat(day).weekday()
    except ValueError:
        return None
    return WEEKDAYS[weekday_index] if weekday_index < len(WEEKDAYS) else None


def rider_sessions_by_weekday(scenario: Scenario) -> dict[str, dict[str, list[Session]]]:
    """Sessions of each rider grouped by weekday (unknown session ids are skipped)."""
    sessions = {s.session_id: s for s in scenario.sessions}
    out: dict[str, dict[str, list[Session]]] = {}
    for rider in scenario.riders:
        by_day: dict[str, list[Session]] = defaultdict(list)
        for session_id in rider.session_ids:
            session = sessions.get(session_id)
            if session is not None:
                by_day[session.weekday].append(session)
        out[rider.rider_id] = dict(by_day)
    return out


def expected_trips(scenario: Scenario) -> set[tuple[str, str, str]]:
    """The trips a weekly plan of the scenario owes: ``(rider_id, weekday, direction)``.

    Every rider attending at least one session on a weekday has one ``to_centre`` and one
    ``from_centre`` trip that day.

    Parameters
    ----------
    scenario
        The scenario the plan was built from.

    Returns
    -------
    set of tuple
        ``(rider_id, weekday, direction)`` for every trip.
    """
    trips: set[TripKey] = set()
    for rider_id, by_day in rider_sessions_by_weekday(scenario).items():
        for weekday in by_day:
            for direction in DIRECTIONS:
                trips.add((rider_id, weekday, direction))
    return trips


# --------------------------------------------------------------------------------------------
# Formatting helpers for messages


def time_text(seconds: int) -> str:
    """A time of day, with seconds only when they are not zero."""
    return format_hm(seconds) if seconds % 60 == 0 else format_hms(seconds)


def duration_text(seconds: float) -> str:
    """A duration in minutes and seconds, e.g. ``62 min 10 s``."""
    total = round(seconds)
    sign = "-" if total < 0 else ""
    minutes, secs = divmod(abs(total), 60)
    if minutes and secs:
        return f"{sign}{minutes} min {secs} s"
    return f"{sign}{minutes} min" if minutes else f"{sign}{secs} s"


# --------------------------------------------------------------------------------------------
# State of one verification


class VerifierState:
    """State of one verification: lookups, the recomputed matrix and the collected violations."""

    def __init__(
        self,
        plan: Plan,
        scenario: Scenario,
        network: RoadNetwork,
        params: PlanParams,
        expected: set[TripKey],
    ) -> None:
        self.plan = plan
        self.scenario = scenario
        self.network = network
        self.params = params
        self.expected = expected
        self.riders: dict[str, Rider] = {r.rider_id: r for r in scenario.riders}
        self.centres = {c.centre_id: c for c in scenario.centres}
        self.vehicles: dict[str, Vehicle] = {v.vehicle_id: v for v in scenario.vehicles}
        self.sessions = {s.session_id: s for s in scenario.sessions}
        self.rider_days = rider_sessions_by_weekday(scenario)
        self.out: list[Violation] = []
        self.index: dict[str, int] = {}
        self.matrix: TravelMatrix | None = None
        # Trip accounting: where each trip shows up.
        self.served: dict[TripKey, list[str]] = defaultdict(list)
        # Agreed pickup times per (rider, direction) and day, for the consistency rule.
        self.agreed: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        self.unknown_reported: set[tuple[str, str]] = set()

    # ---- bookkeeping ----------------------------------------------------------------------

    def add(
        self,
        code: str,
        message: str,
        *,
        run_id: str | None = None,
        rider_id: str | None = None,
        severity: str = ERROR,
    ) -> None:
        self.out.append(Violation(code, message, run_id, rider_id, severity))

    def report_unknown_rider(self, rider_id: str, where: str, run_id: str | None) -> None:
        if (rider_id, where) in self.unknown_reported:
            return
        self.unknown_reported.add((rider_id, where))
        self.add("unknown_rider", f"{where}: rider {rider_id!r} is not in the scenario",
                 run_id=run_id, rider_id=rider_id)

    # ---- places and the matrix ------------------------------------------------------------

    def place_coords(self, place: str) -> tuple[float, float] | None:
        """Coordinates of ``depot:<v>``, ``centre:<c>`` or ``home:<r>`` from the scenario."""
        kind, ident = parse_place(place) or ("", "")
        if kind == "depot" and ident in self.vehicles:
            v = self.vehicles[ident]
            return v.depot_lat, v.depot_lon
        if kind == "centre" and ident in self.centres:
            c = self.centres[ident]
            return c.lat, c.lon
        if kind == "home" and ident in self.riders:
            r = self.riders[ident]
            return r.lat, r.lon
        return None

    @staticmethod
    def stop_point_id(run_index: int, stop_index: int) -> str:
        """Matrix id of a stop whose place is unknown (routed from the stop's own coordinates)."""
        return f"stop:{run_index}:{stop_index}"

    def point_id(self, run_index: int, stop_index: int, stop: Stop) -> str:
        if self.place_coords(stop.place) is not None:
            return stop.place
        return self.stop_point_id(run_index, stop_index)

    def build_matrix(self) -> None:
        """Snap every place the plan uses (and each served rider's home and centre) and route."""
        points: dict[str, tuple[float, float]] = {}
        for ri, run in enumerate(self.plan.runs):
            for si, stop in enumerate(run.stops):
                coords = self.place_coords(stop.place)
                if coords is None:
                    points[self.stop_point_id(ri, si)] = (stop.lat, stop.lon)
                else:
                    points[stop.place] = coords
                for rider_id in stop.rider_ids:
                    rider = self.riders.get(rider_id)
                    if rider is None:
                        continue
                    points[home_place(rider_id)] = (rider.lat, rider.lon)
                    centre = centre_place(rider.centre_id)
                    centre_coords = self.place_coords(centre)
                    if centre_coords is not None:
                        points[centre] = centre_coords
        if not points:
            return
        triples = [(pid, lat, lon) for pid, (lat, lon) in points.items()]
        snapped = self.snap(triples)
        if not snapped:
            return
        self.check_door_distances(snapped)
        self.matrix = travel_matrix(self.network, snapped)
        self.index = {pid: self.matrix.index(pid) for pid in self.matrix.ids}

    def check_door_distances(self, snapped: Sequence[SnappedPoint]) -> None:
        """Warn where the vehicle stops far from a rider's door: the home's own street may be
        cut off from the network, and the rider would have to walk."""
        # Rounded up: a door 100.4 m away is over a 100 m limit and must not read "100 m".
        for point in snapped:
            place = parse_place(point.point_id)
            if place is None or place[0] != "home":
                continue
            rider_id = place[1]
            rider = self.riders.get(rider_id)
            wheelchair = bool(rider is not None and rider.wheelchair)
            limit = (self.params.door_stop_warn_wheelchair_m if wheelchair
                     else self.params.door_stop_warn_m)
            if point.distance_m > limit:
                self.add("door_far_from_stop",
                         f"rider {rider_id}: the vehicle stops "
                         f"{math.ceil(point.distance_m):,d} m from the door (limit {limit:,.0f} m"
                         + (" for a wheelchair user" if wheelchair else "") + ")",
                         rider_id=rider_id, severity=WARNING)

    def snap(self, triples: Sequence[tuple[str, float, float]]) -> list[SnappedPoint]:
        max_m = self.params.snap_max_m
        try:
            return list(snap_points(self.network, list(triples), max_m))
        except SnapError:
            pass
        # Some point is off the network: snap one by one to name every such point.
        snapped: list[SnappedPoint] = []
        for triple in triples:
            try:
                snapped.extend(snap_points(self.network, [triple], max_m))
            except SnapError as exc:
                far = f"is {exc.distance_m:,.0f} m from the nearest road" \
                    if exc.distance_m is not None else "cannot be placed on a road"
                self.add("off_network", f"place {triple[0]} at ({triple[1]:.6f}, "
                         f"{triple[2]:.6f}) {far} (limit {max_m:,.0f} m); its legs are not "
                         f"checked")
        return snapped

    def travel(self, a: str, b: str) -> tuple[int, int] | None:
        """Recomputed ``(travel_s, distance_m)`` from point ``a`` to ``b``; None if unroutable."""
        if a == b:
            return 0, 0
        if self.matrix is None or a not in self.index or b not in self.index:
            return None
        i, j = self.index[a], self.index[b]
        return int(self.matrix.time_s[i, j]), int(self.matrix.distance_m[i, j])

    # ---- per-rider rules ------------------------------------------------------------------

    def boarding_s(self, rider: Rider) -> int:
        if rider.boarding_s is not None:
            return rider.boarding_s
        return self.params.boarding_wheelchair_s if rider.wheelchair else self.params.boarding_s

    def max_ride_s(self, rider: Rider) -> int:
        return rider.max_ride_s if rider.max_ride_s is not None else self.params.max_ride_s

    def trip_session(self, rider_id: str, day: str, direction: str) -> Session | None:
        """The session a trip serves: the day's earliest-starting (to) or latest-ending (from)."""
        weekday = weekday_of(day)
        if weekday is None:
            return None
        day_sessions = self.rider_days.get(rider_id, {}).get(weekday)
        if not day_sessions:
            return None
        if direction == "to_centre":
            return min(day_sessions, key=lambda s: (s.start_s, s.session_id))
        return max(day_sessions, key=lambda s: (s.end_s, s.session_id))

    def session_fits(self, session_id: str, rider_id: str, day: str, direction: str) -> bool:
        """Whether ``session_id`` is a valid session for the trip (ties in start/end allowed)."""
        expected = self.trip_session(rider_id, day, direction)
        session = self.sessions.get(session_id)
        if expected is None or session is None:
            return False
        rider = self.riders.get(rider_id)
        if rider is None or session_id not in rider.session_ids:
            return False
        if session.weekday != expected.weekday:
            return False
        if direction == "to_centre":
            return session.start_s == expected.start_s
        return session.end_s == expected.end_s
