"""Domain model: centres, sessions, riders, vehicles and the weekly plan.

Frozen dataclasses, validated on construction. Units are in the names: times of day are integer
seconds since midnight (``*_s``), distances metres (``*_m``), money øre (``*_ore``,
1 DKK = 100 øre).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from routing.municipality.rules import MunicipalityRules
from routing.params import PlanParams
from routing.places import is_centre

if TYPE_CHECKING:
    from routing.operations.calendar import AnyClosure

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
"""Weekdays a centre can open, in order (Danish: mandag … fredag)."""


def weekday_key(day: date) -> str | None:
    """The plan's weekday name of a date (``"mon"`` … ``"fri"``), None on a weekend."""
    index = day.weekday()
    return WEEKDAYS[index] if index < len(WEEKDAYS) else None

Direction = Literal["to_centre", "from_centre"]
DIRECTIONS: tuple[Direction, ...] = ("to_centre", "from_centre")
StopKind = Literal["depot", "pickup", "dropoff"]

DAY_S = 24 * 3600


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def _check_time(value: int, what: str) -> None:
    _check(0 <= value <= DAY_S, f"{what}: time {value} s is outside 00:00–24:00")


def _check_lat_lon(lat: float, lon: float, what: str) -> None:
    _check(-90.0 <= lat <= 90.0, f"{what}: latitude {lat} outside -90..90")
    _check(-180.0 <= lon <= 180.0, f"{what}: longitude {lon} outside -180..180")


def format_hms(seconds: int) -> str:
    """Format seconds since midnight as ``HH:MM:SS``."""
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def format_hm(seconds: int) -> str:
    """Format seconds since midnight as ``HH:MM`` (seconds dropped)."""
    return format_hms(seconds)[:5]


def parse_time(text: str) -> int:
    """Parse ``HH:MM`` or ``HH:MM:SS`` into seconds since midnight.

    Raises
    ------
    ValueError
        If the text is not a valid time of day.
    """
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"time {text!r} is not HH:MM")
    h, m = int(parts[0]), int(parts[1])
    s = int(parts[2]) if len(parts) == 3 else 0
    if h > 24 or m > 59 or s > 59 or (h == 24 and (m or s)):
        raise ValueError(f"time {text!r} is not a valid time of day")
    return h * 3600 + m * 60 + s


@dataclass(frozen=True, slots=True)
class Centre:
    """An activity or day centre (aktivitets- og samværstilbud, Serviceloven § 104)."""

    centre_id: str
    name: str
    lat: float
    lon: float
    address: str = ""

    def __post_init__(self) -> None:
        _check(bool(self.centre_id), "centre_id must not be empty")
        _check_lat_lon(self.lat, self.lon, f"centre {self.centre_id}")


@dataclass(frozen=True, slots=True)
class Session:
    """An opening session (modul) of a centre on one weekday, e.g. Monday 09:00–12:00."""

    centre_id: str
    session_id: str
    weekday: str
    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check(bool(self.session_id), "session_id must not be empty")
        _check(self.weekday in WEEKDAYS, f"session {self.session_id}: weekday {self.weekday!r} "
               f"is not one of {', '.join(WEEKDAYS)}")
        _check_time(self.start_s, f"session {self.session_id} start")
        _check_time(self.end_s, f"session {self.session_id} end")
        _check(self.start_s < self.end_s,
               f"session {self.session_id}: start {format_hm(self.start_s)} is not before "
               f"end {format_hm(self.end_s)}")


GrantKind = Literal["shared_ride", "reimbursement", "none"]
GRANT_KINDS: tuple[str, ...] = ("shared_ride", "reimbursement", "none")
"""What a rider can be granted for the trip to the centre."""


@dataclass(frozen=True, slots=True)
class Rider:
    """A citizen granted a place at a centre and a seat in the shared ride (samkørsel).

    ``max_ride_s``, ``detour_factor`` and ``boarding_s`` override the scenario defaults when set.
    ``escort`` means a companion (ledsager) travels along and takes a seat. A wheelchair user rides
    in a wheelchair place, not a seat.
    """

    rider_id: str
    name: str
    lat: float
    lon: float
    centre_id: str
    session_ids: tuple[str, ...]
    wheelchair: bool = False
    escort: bool = False
    max_ride_s: int | None = None
    detour_factor: float | None = None
    boarding_s: int | None = None
    notes: str = ""
    address: str = ""
    can_travel_alone: bool = False
    """Can use public transport alone (relevant for reimbursement)."""
    has_driver: bool = False
    """Someone (the rider or a relative) can drive them by car (relevant for reimbursement)."""
    can_cycle: bool = False
    """Can cycle or ride a moped to the centre (relevant for reimbursement)."""
    grant: GrantKind = "shared_ride"
    """What the rider is granted (bevilling): the shared ride, reimbursement, or nothing."""
    grant_from: date | None = None
    """First day of the grant (None: since always)."""
    grant_to: date | None = None
    """Last day of the grant (None: until further notice)."""

    def __post_init__(self) -> None:
        _check(bool(self.rider_id), "rider_id must not be empty")
        _check_lat_lon(self.lat, self.lon, f"rider {self.rider_id}")
        _check(bool(self.session_ids), f"rider {self.rider_id}: attends no session")
        if self.max_ride_s is not None:
            _check(self.max_ride_s > 0, f"rider {self.rider_id}: max ride time must be positive")
        if self.detour_factor is not None:
            _check(self.detour_factor >= 1.0,
                   f"rider {self.rider_id}: detour factor {self.detour_factor} is below 1")
        if self.boarding_s is not None:
            _check(self.boarding_s >= 0, f"rider {self.rider_id}: boarding time is negative")
        _check(self.grant in GRANT_KINDS, f"rider {self.rider_id}: grant {self.grant!r} is not "
               f"one of {', '.join(GRANT_KINDS)}")
        if self.grant_from is not None and self.grant_to is not None:
            _check(self.grant_from <= self.grant_to,
                   f"rider {self.rider_id}: grant ends {self.grant_to} before it starts "
                   f"{self.grant_from}")

    def rides_on(self, day: date) -> bool:
        """Whether the rider has a shared-ride grant in force on ``day`` (planned and driven)."""
        return (self.grant == "shared_ride"
                and (self.grant_from is None or self.grant_from <= day)
                and (self.grant_to is None or day <= self.grant_to))

    @property
    def seats(self) -> int:
        """Seats taken: the rider (unless in a wheelchair) plus an escort."""
        return (0 if self.wheelchair else 1) + (1 if self.escort else 0)

    @property
    def wheelchair_places(self) -> int:
        """Wheelchair places taken (0 or 1)."""
        return 1 if self.wheelchair else 0


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle of a contractor (vognmand): minibus with lift, taxi or wheelchair taxi.

    Costs follow the contractor's tariff: a fixed price per vehicle-day plus per km and per hour.
    """

    vehicle_id: str
    depot_lat: float
    depot_lon: float
    seats: int
    wheelchair_places: int
    fixed_cost_ore: int
    cost_per_km_ore: int
    cost_per_hour_ore: int
    available_from_s: int
    available_to_s: int
    kind: str = ""
    layouts: tuple[tuple[int, int], ...] = ()
    """Interior layouts ``(seats, wheelchair_places)`` the vehicle can take, e.g. a minibus
    ``((8, 2), (6, 3))`` where a wheelchair place replaces two seats. Each run uses one. The
    standard layout ``(seats, wheelchair_places)`` is always the first; duplicates are dropped.
    When changing ``seats``/``wheelchair_places`` with :func:`dataclasses.replace`, pass
    ``layouts`` too (e.g. ``layouts=()``), or the old layouts stay among the alternatives."""

    def __post_init__(self) -> None:
        _check(bool(self.vehicle_id), "vehicle_id must not be empty")
        layouts = tuple(dict.fromkeys(((self.seats, self.wheelchair_places),
                                       *((int(a), int(b)) for a, b in self.layouts))))
        for seats, places in layouts:
            _check(seats >= 0 and places >= 0,
                   f"vehicle {self.vehicle_id}: layout {seats}+{places} has a negative capacity")
            _check(seats + places > 0, f"vehicle {self.vehicle_id}: layout {seats}+{places} "
                   f"has no capacity")
        object.__setattr__(self, "layouts", layouts)
        _check_lat_lon(self.depot_lat, self.depot_lon, f"vehicle {self.vehicle_id} depot")
        _check(self.seats >= 0 and self.wheelchair_places >= 0,
               f"vehicle {self.vehicle_id}: negative capacity")
        _check(self.seats + self.wheelchair_places > 0, f"vehicle {self.vehicle_id}: no capacity")
        _check(min(self.fixed_cost_ore, self.cost_per_km_ore, self.cost_per_hour_ore) >= 0,
               f"vehicle {self.vehicle_id}: negative cost")
        _check_time(self.available_from_s, f"vehicle {self.vehicle_id} available_from")
        _check_time(self.available_to_s, f"vehicle {self.vehicle_id} available_to")
        _check(self.available_from_s < self.available_to_s,
               f"vehicle {self.vehicle_id}: available_from is not before available_to")


# --------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a run.

    ``arrival_s`` is when the vehicle arrives; at a pickup it waits until ``agreed_s`` (the
    published, rounded pickup time the rider is ready at) and leaves at ``departure_s`` after
    boarding. Loads are after the stop. The leg is from this stop to the next (0 for the last).

    A run's first and last stops are its *terminals*, of kind ``"depot"`` with no riders and
    load 0. Their place is the vehicle's depot (``depot:<vehicle_id>``) or a centre
    (``centre:<centre_id>``) where the vehicle waits between two runs of its day
    ("staging", :class:`Run`).
    """

    kind: StopKind
    rider_ids: tuple[str, ...]
    lat: float
    lon: float
    arrival_s: int
    departure_s: int
    load_seats: int
    load_wheelchairs: int
    leg_distance_m: int
    leg_travel_s: int
    place: str = ""
    """What the stop is: ``depot:<vehicle_id>``, ``centre:<centre_id>`` or ``home:<rider_id>``."""
    agreed_s: int | None = None
    """Published pickup time (pickups only), on the rounding grid."""


@dataclass(frozen=True, slots=True)
class Run:
    """A vehicle's trip in one wave: start terminal → pickups → drop-offs → end terminal.

    ``centre_id``/``session_id`` name the centre and session of most riders; ``centre_ids`` lists
    all centres visited (riders of different centres may share a vehicle).

    The terminals (first and last stop, kind ``"depot"``) are at the vehicle's depot, or at a
    centre where the vehicle waits between runs (``PlanParams.between_runs = "centre"``):

    - the first run of a vehicle's day starts at its depot, the last ends at its depot;
    - a run may end at a centre only right after delivering riders there (a ``to_centre``
      run's last drop-off, leg 0), and the vehicle's next run that day starts at that centre;
    - in general each next run of the vehicle's day starts at a place the vehicle reaches from
      the previous run's end in the time between (equal places: at once). The verifier checks
      this chain (``routing.verify``), which also holds for daily runs after afbud or merges.

    The run's distance, duration and cost cover its legs from terminal to terminal; the idle
    time between runs is not part of any run.
    """

    run_id: str
    weekday: str
    centre_id: str
    session_id: str
    direction: Direction
    vehicle_id: str
    stops: tuple[Stop, ...]
    centre_ids: tuple[str, ...] = ()
    session_ids: tuple[str, ...] = ()
    layout: tuple[int, int] | None = None
    """The vehicle's layout ``(seats, wheelchair_places)`` on this run (None: not stated; the
    loads must then fit one of the vehicle's layouts)."""

    @property
    def distance_m(self) -> int:
        return sum(s.leg_distance_m for s in self.stops)

    @property
    def duration_s(self) -> int:
        return self.stops[-1].arrival_s - self.stops[0].departure_s if self.stops else 0

    @property
    def centre_time_s(self) -> int:
        """When the run is at the centre: the first centre drop-off's arrival (to the centre)
        or the first centre pickup's agreed time (from it); the departure if it visits none."""
        for stop in self.stops:
            if stop.kind != "depot" and is_centre(stop.place):
                if self.direction == "from_centre" and stop.agreed_s is not None:
                    return stop.agreed_s
                return stop.arrival_s
        return self.stops[0].departure_s

    @property
    def rider_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for s in self.stops:
            if s.kind == "pickup":
                for r in s.rider_ids:
                    seen[r] = None
        return tuple(seen)


class AgreedTimeChange:
    """A rider's agreed pickup time, old → new: the base of the changes to notify riders of
    (a plan change, a merge of daily runs). Subclasses are dataclasses with both fields."""

    __slots__ = ()
    old_agreed_s: int
    new_agreed_s: int

    @property
    def shift_s(self) -> int:
        """Signed change (positive = later)."""
        return self.new_agreed_s - self.old_agreed_s


def total_shift_s(changes: Iterable[AgreedTimeChange]) -> int:
    """Sum of the absolute shifts."""
    return sum(abs(c.shift_s) for c in changes)


def largest_shift_s(changes: Iterable[AgreedTimeChange]) -> int:
    """Largest absolute shift (0 when nothing moves)."""
    return max((abs(c.shift_s) for c in changes), default=0)


@dataclass(frozen=True, slots=True)
class Unserved:
    """A rider's trip the plan cannot serve, with the concrete reason."""

    rider_id: str
    weekday: str
    session_id: str
    direction: Direction
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The fixed weekly plan: runs per weekday, unserved trips, key figures and solve statistics."""

    runs: tuple[Run, ...]
    unserved: tuple[Unserved, ...]
    kpis: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    scenario: str = ""
    params: PlanParams = field(default_factory=PlanParams)
    """The rules and solver settings the plan was built with."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one weekly plan is built from: the coordinators' import (CSV files + TOML)."""

    name: str
    centres: tuple[Centre, ...]
    sessions: tuple[Session, ...]
    riders: tuple[Rider, ...]
    vehicles: tuple[Vehicle, ...]
    network_path: str
    """OSM file (``.osm`` or ``.osm.bz2``) of the road network."""
    plan_params: PlanParams = field(default_factory=PlanParams)
    """The planning rules: shipped defaults overridden by the scenario's ``[plan]`` table."""
    rules: MunicipalityRules | None = None
    """The municipality's rules from ``[rules]`` (None: the defaults)."""
    closures: tuple[AnyClosure, ...] = ()
    """Centre closures from ``closures.csv`` (:mod:`routing.operations.calendar`)."""

    def centre(self, centre_id: str) -> Centre:
        for c in self.centres:
            if c.centre_id == centre_id:
                return c
        raise KeyError(f"unknown centre {centre_id!r}")

    def rider(self, rider_id: str) -> Rider:
        for r in self.riders:
            if r.rider_id == rider_id:
                return r
        raise KeyError(f"unknown rider {rider_id!r}")

    def session(self, session_id: str) -> Session:
        for s in self.sessions:
            if s.session_id == session_id:
                return s
        raise KeyError(f"unknown session {session_id!r}")
