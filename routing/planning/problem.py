"""The solver's input and output: a generic pickup-and-delivery problem with time windows.

One model serves the weekly plan (a wave of rides to or from the centres), the Cordeau dial-a-ride
set, the Li & Lim PDPTW set and the Gehring–Homberger VRPTW set, so every benchmark runs through the
same solver path as real data. Times and distances are integers in one consistent unit (seconds and
metres for road data; scaled Euclidean units for benchmarks).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Visit:
    """A place to be served within ``[earliest, latest]`` (start of service), taking ``service``."""

    location: int
    """Row/column in the problem's matrices."""
    earliest: int
    latest: int
    service: int = 0

    def __post_init__(self) -> None:
        if self.earliest > self.latest:
            raise ValueError(f"visit at location {self.location}: empty time window "
                             f"[{self.earliest}, {self.latest}]")
        if self.service < 0:
            raise ValueError(f"visit at location {self.location}: negative service time")


@dataclass(frozen=True, slots=True)
class Request:
    """Carry ``demand`` from ``pickup`` to ``delivery`` (or, with no pickup, from the depot).

    ``max_ride`` bounds the time from the start of service at the pickup to the start of service
    at the delivery. ``drop_penalty`` is the cost of leaving the request unserved; ``None`` makes it
    mandatory (use with care: construction may then fail).
    """

    request_id: str
    delivery: Visit
    demand: tuple[int, ...]
    pickup: Visit | None = None
    max_ride: int | None = None
    drop_penalty: int | None = None
    allowed_vehicles: tuple[int, ...] | None = None
    """Indices of vehicles that may serve it (None = all)."""
    group: int | None = None
    """Requests of different groups are never on board together: a vehicle is empty whenever
    it passes from one group's visits to another's (the whole-day model's runs, one per wave)."""


@dataclass(frozen=True, slots=True)
class FleetVehicle:
    """A vehicle: start and end locations, working window, capacities per dimension and tariff."""

    vehicle_id: str
    start_location: int
    end_location: int
    capacity: tuple[int, ...]
    earliest_start: int = 0
    latest_end: int = 10**9
    fixed_cost: int = 0
    cost_per_distance: float = 1.0
    cost_per_time: float = 0.0
    """Cost per time unit of the route's duration (start to end, waiting included)."""
    cost_per_travel_time: float = 0.0
    """Cost per time unit of driving and service only (waiting not charged): a whole day's
    route whose idle hours between runs are free, as in the weekly plan's run costs."""
    max_duration: int | None = None
    exclusive_group: str = ""
    """Vehicles with the same non-empty group are alternatives (e.g. one physical vehicle in
    several layouts): at most one of them is used."""


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """Matrices (``time[i, j]``, ``distance[i, j]``), requests and fleet."""

    time: IntMatrix
    distance: IntMatrix
    requests: tuple[Request, ...]
    vehicles: tuple[FleetVehicle, ...]
    ride_time_weight: float = 0.0
    """Secondary objective: cost per time unit of riders' excess ride over the direct trip."""
    name: str = ""
    no_wait_on_board: bool = False
    """Forbid waiting while anyone is on board: between a request's pickup and its delivery the
    vehicle only drives and serves (the weekly plan's waiting rule, ``docs/vehicles.md``)."""

    def __post_init__(self) -> None:
        n = self.time.shape[0]
        if self.time.shape != (n, n) or self.distance.shape != (n, n):
            raise ValueError("time and distance matrices must be square and of equal size")
        dims = {len(r.demand) for r in self.requests} | {len(v.capacity) for v in self.vehicles}
        if len(dims) > 1:
            raise ValueError(f"demand and capacity dimensions differ: {sorted(dims)}")
        for r in self.requests:
            for visit in (r.pickup, r.delivery):
                if visit is not None and not 0 <= visit.location < n:
                    raise ValueError(f"request {r.request_id}: location {visit.location} "
                                     f"outside the {n}×{n} matrix")

    @property
    def dimensions(self) -> int:
        if self.vehicles:
            return len(self.vehicles[0].capacity)
        return len(self.requests[0].demand) if self.requests else 0


VisitKind = Literal["start", "pickup", "delivery", "end"]


@dataclass(frozen=True, slots=True)
class RouteVisit:
    """A stop on a solved route: ``time`` is the start of service (departure/return at depots)."""

    kind: VisitKind
    location: int
    time: int
    request: int | None = None
    """Index into ``RoutingProblem.requests`` (None at the depots)."""


@dataclass(frozen=True, slots=True)
class Route:
    vehicle: int
    visits: tuple[RouteVisit, ...]

    @property
    def requests(self) -> tuple[int, ...]:
        return tuple(v.request for v in self.visits
                     if v.kind == "delivery" and v.request is not None)


@dataclass(frozen=True, slots=True)
class RoutingSolution:
    """Routes of the used vehicles, dropped requests (indices) and statistics."""

    routes: tuple[Route, ...]
    dropped: tuple[int, ...]
    objective: int
    status: str
    wall_s: float
    stats: dict[str, Any] = field(default_factory=dict)

    def distance(self, problem: RoutingProblem) -> int:
        """Total travelled distance, recomputed from the routes and the matrix."""
        total = 0
        for route in self.routes:
            locs = [v.location for v in route.visits]
            total += int(sum(problem.distance[a, b] for a, b in itertools.pairwise(locs)))
        return total


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How long and how to search.

    The search is deterministic for a given problem and seed when it stops on ``solution_limit``
    (a work budget); ``time_limit_s`` is a safety bound that, when it binds first, makes the result
    depend on machine speed.
    """

    time_limit_s: float = 10.0
    solution_limit: int | None = None
    seed: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    log_search: bool = False
    search: Literal["gls", "lns"] = "gls"
    """``gls``: the first solution, then ``metaheuristic`` for the whole time limit. ``lns``: the
    same for a share of it, then a large neighbourhood search around OR-Tools
    (:mod:`routing.planning.lns`) — ruin related requests, let OR-Tools reinsert and polish,
    accept by record-to-record travel — until the time limit."""
    lns_polish: str = "GREEDY_DESCENT"
    """The metaheuristic OR-Tools runs in each LNS step after reinserting the removed requests."""
    lns_first_share: float = 0.2
    """Share of the time limit the first search (construction and ``metaheuristic``) gets
    before the LNS starts."""
    lns_iterations: int | None = None
    """Work limit of the LNS (ruin-and-recreate steps): with it the result is reproducible
    when it, not the time limit, ends the search."""
    lns_polish_at_end: bool = False
    """LNS: OR-Tools polishes only the best routes, once at the end, instead of each new best
    (:attr:`routing.planning.lns.LnsSettings.polish_at_end`; for large models such as a whole
    day, where one polish takes seconds)."""
    ride_limit_in_filters: bool = False
    """Also give OR-Tools each ride limit as a pickup-to-delivery limit, which its insertion and
    local-search filters check (the posted constraint alone is seen only after a move)."""
    light_operators: bool = False
    """Local search without OR-Tools' own large-neighbourhood and chain operators (the LNS's
    polish: it ruins and recreates itself)."""
    routes_only_start: bool = False
    """With initial routes: hand OR-Tools only their successors (fast on large models) instead
    of a fully read assignment."""
