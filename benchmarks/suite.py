"""Standard benchmark sets read into the generic routing problem and checked independently.

Three families are supported, each read through the same model and solver as real data:

- Cordeau (2006) dial-a-ride, a- and b-sets (``darp``, ``darp-b``): pickup and drop-off pairs,
  time windows, maximum ride time, maximum route duration; objective total distance.
- Li & Lim PDPTW with 100 customers (``lilim``: distance only, compared with the distance-only
  references; ``lilim-hier``: vehicles first, then distance, compared with the classic best known).
- Gehring & Homberger VRPTW with 200 customers (``homberger``): vehicles first, then distance.

Coordinates are Euclidean; the solver works on integers, so distances and times are multiplied by
:data:`SCALE`. Distances are rounded to the nearest integer (objective), travel times are rounded
*up*: every schedule the solver finds then stays feasible when checked in double precision, which is
what :func:`evaluate` does, from the original coordinates and without looking at the solver's
times. Matrix location ``i`` is node ``i`` of the file, so a route's locations are the node numbers
of the instance file.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from routing.errors import BenchmarkFormatError, SamkorselError
from routing.planning.problem import (
    FleetVehicle,
    Request,
    RoutingProblem,
    RoutingSolution,
    SolveOptions,
    Visit,
)

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

SCALE = 1000
"""Factor from instance units (distance, time) to the solver's integers."""

EPS = 1e-6
"""Tolerance (instance units) of the double-precision feasibility checks."""

DEFAULT_ROOT = Path(__file__).parents[2] / "shared" / "benchmarks"
"""Default location of the benchmark data (``/work/shared/benchmarks`` beside the repository)."""

SetName = Literal["darp", "darp-b", "lilim", "lilim-hier", "homberger"]
SETS: tuple[str, ...] = ("darp", "darp-b", "lilim", "lilim-hier", "homberger")

Objective = Literal["distance", "routes-then-distance"]

# Folder and file pattern of each set, below the benchmark root.
_SET_FILES: dict[str, tuple[str, str]] = {
    "darp": ("darp-cordeau", "a*.txt"),
    "darp-b": ("darp-cordeau", "b*.txt"),
    "lilim": ("lilim-100", "l*.txt"),
    "lilim-hier": ("lilim-100", "l*.txt"),
    "homberger": ("homberger-200", "*.txt"),
}

CORDEAU_BEST: dict[str, float] = {
    # a-set (Q = 3, L = 30): optimal total distances, Cordeau (2006) and Ropke, Cordeau &
    # Laporte (2007), compiled by Ho et al. (2018); see darp-cordeau/SOURCE.md.
    "a2-16": 294.25, "a2-20": 344.83, "a2-24": 431.12,
    "a3-24": 344.83, "a3-30": 494.85, "a3-36": 583.19,
    "a4-32": 485.50, "a4-40": 557.69, "a4-48": 668.82,
    "a5-40": 498.41, "a5-50": 686.62, "a5-60": 808.42,
    "a6-48": 604.12, "a6-60": 819.25, "a6-72": 916.05,
    "a7-56": 724.04, "a7-70": 889.12, "a7-84": 1033.37,
    "a8-64": 747.46, "a8-80": 945.73, "a8-96": 1229.66,
    # b-set (Q = 6, L = 45), same source.
    "b2-16": 309.41, "b2-20": 332.64, "b2-24": 444.71,
    "b3-24": 394.51, "b3-30": 531.44, "b3-36": 603.79,
    "b4-32": 494.82, "b4-40": 656.63, "b4-48": 673.81,
    "b5-40": 613.72, "b5-50": 761.40, "b5-60": 902.04,
    "b6-48": 714.83, "b6-60": 860.07, "b6-72": 978.47,
    "b7-56": 823.97, "b7-70": 912.62, "b7-84": 1203.37,
    "b8-64": 839.89, "b8-80": 1036.34, "b8-96": 1185.55,
}
"""Best known (proven optimal) total distance of the Cordeau (2006) a- and b-instances."""


class BenchmarkNotFoundError(SamkorselError, FileNotFoundError):
    """The benchmark folder, an instance or its reference table is missing."""


@dataclass(frozen=True, slots=True)
class BenchInstance:
    """A benchmark instance: the original data (for :func:`evaluate`) and the solver's problem.

    Node ``i`` of the file is row ``i`` of every array and location ``i`` of ``problem``.
    """

    name: str
    set: str
    coords: FloatArray
    """(x, y) per node."""
    service: FloatArray
    earliest: FloatArray
    latest: FloatArray
    load: FloatArray
    """Change of the vehicle's load at each node: + at a pickup, − at a delivery. For VRPTW
    customers (goods loaded at the depot) it is the delivered demand, negated."""
    start_depot: int
    end_depot: int
    n_vehicles: int
    capacity: float
    customers: tuple[int, ...]
    """Nodes that must be visited exactly once."""
    pairs: tuple[tuple[int, int], ...]
    """(pickup, delivery) node pairs; empty for VRPTW."""
    max_ride: float | None
    """Maximum ride time, from the end of service at the pickup to the start of service at the
    delivery (Cordeau's convention)."""
    max_route_duration: float | None
    speed: float
    objective: Objective
    problem: RoutingProblem
    best_known: float | None = None
    """Reference total distance for the gap (see the set's description)."""
    best_known_routes: int | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Result of :func:`evaluate`: double-precision distance, route count and violations."""

    distance: float
    routes: int
    violations: tuple[str, ...]
    missing: tuple[int, ...]
    """Customer nodes served by no route (node numbers of the file)."""

    @property
    def feasible(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class BenchResult:
    """One solved benchmark instance, as checked by :func:`evaluate`."""

    instance: str
    set: str
    cost: float
    """Total Euclidean distance, double precision, recomputed from the coordinates."""
    routes: int
    best_known: float | None
    gap_pct: float | None
    """``(cost - best_known) / best_known * 100``."""
    seconds: float
    feasible: bool
    violations: tuple[str, ...]
    dropped: tuple[str, ...]
    """Request ids the solver left unserved (the instance is then not solved)."""
    best_known_routes: int | None = None
    route_nodes: tuple[tuple[int, ...], ...] = ()
    """Each route as node numbers of the instance file, depots included."""
    objective: int = 0
    status: str = ""


# --------------------------------------------------------------------------------------------
# Reading


def _numeric_rows(path: Path) -> list[tuple[int, list[float]]]:
    """Rows of numbers (with their 1-based line numbers); other lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BenchmarkNotFoundError(f"benchmark instance not found: {path}") from exc
    rows: list[tuple[int, list[float]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            rows.append((lineno, [float(p) for p in parts]))
        except ValueError:
            continue
    return rows


def _as_int(value: float, path: Path, lineno: int, what: str) -> int:
    if value != int(value):
        raise BenchmarkFormatError(f"{path}: line {lineno}: {what} {value} is not an integer")
    return int(value)


def euclidean(coords: FloatArray) -> FloatArray:
    """Matrix of Euclidean distances between all ``coords`` (double precision)."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.asarray(np.hypot(diff[..., 0], diff[..., 1]), dtype=np.float64)


def _scaled_matrices(coords: FloatArray, speed: float, scale: int
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Integer (time, distance): distance rounded to nearest, travel time rounded up."""
    dist = euclidean(coords)
    distance = np.rint(dist * scale).astype(np.int64)
    # Rounding travel times up keeps the solver's schedules feasible in exact arithmetic; the
    # small subtraction stops products like 5.000000001 from costing a whole extra unit.
    time_m = np.ceil(dist / speed * scale - 1e-7).astype(np.int64)
    np.maximum(time_m, 0, out=time_m)
    return time_m, distance


def _window(earliest: float, latest: float, scale: int) -> tuple[int, int]:
    # Shrink inwards to integers so that an integer-feasible time is feasible in the original.
    return math.ceil(earliest * scale - 1e-7), math.floor(latest * scale + 1e-7)


def _penalties(distance: npt.NDArray[np.int64], n_visits: int, n_vehicles: int,
               objective: Objective) -> tuple[int, int]:
    """(fixed cost per vehicle, drop penalty per request) in scaled distance units.

    ``bound`` exceeds the distance of any solution (every solution has at most one arc per visit
    plus one per vehicle). A fixed cost of ``bound`` per vehicle makes one vehicle fewer worth more
    than any distance saving (routes first, then distance); a drop penalty above ``bound`` plus a
    vehicle's fixed cost makes serving a request always better than dropping it.
    """
    bound = int(distance.max()) * (n_visits + n_vehicles) + 1
    fixed = bound if objective == "routes-then-distance" else 0
    return fixed, 2 * (bound + fixed)


def _tightened(pick: tuple[int, int], drop: tuple[int, int], *, direct: int, pick_service: int,
               drop_service: int, ride: int, from_depot: int, to_depot: int
               ) -> tuple[tuple[int, int], tuple[int, int]]:
    """Cordeau's (2006) time-window tightening: a dial-a-ride user has a window at one end only,
    but the ride limit and the direct trip imply one at the other end.

    With ``p``/``d`` the starts of service, ``d ≥ p + s_p + t(p, d)`` and ``d − p ≤ ride``;
    the vehicle leaves the depot no earlier than its window and is back by its end. Every
    schedule of the instance satisfies the tightened windows, so no solution is lost; OR-Tools
    propagates windows in its insertion and local search, but not a ride limit posted as a
    constraint, which is why the tightening matters.
    """
    p_lo, p_hi = max(pick[0], from_depot, drop[0] - ride), min(pick[1],
                                                                drop[1] - pick_service - direct)
    d_lo, d_hi = max(drop[0], p_lo + pick_service + direct), min(drop[1], p_hi + ride, to_depot)
    # An empty window would mean the request is infeasible alone; keep the original then and
    # let the solver report it.
    if p_lo > p_hi or d_lo > d_hi:
        return pick, drop
    return (p_lo, p_hi), (d_lo, d_hi)


def read_cordeau(path: Path, *, scale: int = SCALE, set_name: str = "darp") -> BenchInstance:
    """Read a Cordeau (2006) dial-a-ride instance.

    Parameters
    ----------
    path
        File with header ``K 2n T Q L`` (vehicles, nodes, maximum route duration, capacity, maximum
        ride time) and rows ``id x y service load earliest latest``: node 0 is the depot, 1..n the
        pickups, n+i the drop-off of i; an optional row 2n+1 is the end depot.
    scale
        Multiplier from instance units to the solver's integers.
    set_name
        Set recorded in the instance.

    Returns
    -------
    BenchInstance
        Distance-only objective; ``max_ride`` = L is converted to the solver's convention (from
        start of service at the pickup) by adding the pickup's service time.
    """
    rows = _numeric_rows(path)
    if not rows or len(rows[0][1]) != 5:
        raise BenchmarkFormatError(f"{path}: line 1: expected header 'K 2n T Q L'")
    head_line, head = rows[0]
    k = _as_int(head[0], path, head_line, "vehicle count")
    two_n = _as_int(head[1], path, head_line, "node count")
    duration, capacity, max_ride = head[2], head[3], head[4]
    if two_n % 2:
        raise BenchmarkFormatError(f"{path}: line {head_line}: node count {two_n} is odd")
    n = two_n // 2
    nodes = rows[1:]
    if len(nodes) not in (two_n + 1, two_n + 2):
        raise BenchmarkFormatError(
            f"{path}: {len(nodes)} node rows, expected {two_n + 1} or {two_n + 2}")
    for i, (lineno, vals) in enumerate(nodes):
        if len(vals) != 7:
            raise BenchmarkFormatError(f"{path}: line {lineno}: expected 7 values, got {len(vals)}")
        if _as_int(vals[0], path, lineno, "node id") != i:
            raise BenchmarkFormatError(f"{path}: line {lineno}: node id {vals[0]:g}, expected {i}")
    data = np.array([vals for _, vals in nodes], dtype=np.float64)
    coords = data[:, 1:3]
    service, load, earliest, latest = data[:, 3], data[:, 4], data[:, 5], data[:, 6]
    for i in range(1, n + 1):
        if load[n + i] != -load[i]:
            raise BenchmarkFormatError(
                f"{path}: line {nodes[n + i][0]}: drop-off load {load[n + i]:g} does not "
                f"match pickup {i} load {load[i]:g}")
    end = two_n + 1 if len(nodes) == two_n + 2 else 0

    time_m, distance = _scaled_matrices(coords, 1.0, scale)
    fixed, penalty = _penalties(distance, two_n, k, "distance")
    start_e, _ = _window(earliest[0], latest[0], scale)
    _, end_l = _window(earliest[end], latest[end], scale)
    requests: list[Request] = []
    for i in range(1, n + 1):
        # Cordeau's ride starts when service at the pickup ends; the solver's at its start.
        ride = math.floor((max_ride + service[i]) * scale + 1e-7)
        pick_s, drop_s = round(service[i] * scale), round(service[n + i] * scale)
        pick_w, drop_w = _tightened(
            _window(earliest[i], latest[i], scale), _window(earliest[n + i], latest[n + i], scale),
            direct=int(time_m[i, n + i]), pick_service=pick_s, drop_service=drop_s, ride=ride,
            from_depot=start_e + int(time_m[0, i]),
            to_depot=end_l - drop_s - int(time_m[n + i, end]))
        requests.append(Request(
            request_id=str(i), pickup=Visit(i, *pick_w, service=pick_s),
            delivery=Visit(n + i, *drop_w, service=drop_s), demand=(int(load[i]),),
            max_ride=ride, drop_penalty=penalty))
    vehicles = tuple(
        FleetVehicle(f"v{v}", 0, end, (int(capacity),), earliest_start=start_e, latest_end=end_l,
                     fixed_cost=fixed, cost_per_distance=1.0, cost_per_time=0.0,
                     max_duration=math.floor(duration * scale + 1e-7))
        for v in range(k))
    problem = RoutingProblem(time_m, distance, tuple(requests), vehicles, name=path.stem)
    return BenchInstance(
        name=path.stem, set=set_name, coords=coords, service=service, earliest=earliest,
        latest=latest, load=load, start_depot=0, end_depot=end, n_vehicles=k,
        capacity=float(capacity), customers=tuple(range(1, two_n + 1)),
        pairs=tuple((i, n + i) for i in range(1, n + 1)), max_ride=float(max_ride),
        max_route_duration=float(duration), speed=1.0, objective="distance", problem=problem,
        best_known=CORDEAU_BEST.get(path.stem))


def read_lilim(path: Path, *, scale: int = SCALE, objective: Objective = "distance",
               set_name: str = "lilim") -> BenchInstance:
    """Read a Li & Lim PDPTW instance.

    Parameters
    ----------
    path
        File whose first line is ``vehicles capacity speed`` and whose rows are
        ``id x y demand ready due service pickup_index delivery_index`` (node 0 the depot; a pickup
        names its delivery, a delivery its pickup).
    scale
        Multiplier from instance units to the solver's integers.
    objective
        ``"distance"`` (no vehicle cost) or ``"routes-then-distance"`` (a fixed cost per vehicle
        larger than any distance, so the solver minimises the number of routes first).
    set_name
        Set recorded in the instance.

    Returns
    -------
    BenchInstance
        One request per pickup–delivery pair; travel time = distance / speed.
    """
    rows = _numeric_rows(path)
    if not rows or len(rows[0][1]) < 2:
        raise BenchmarkFormatError(f"{path}: line 1: expected 'vehicles capacity speed'")
    head_line, head = rows[0]
    k = _as_int(head[0], path, head_line, "vehicle count")
    capacity = head[1]
    speed = head[2] if len(head) > 2 and head[2] > 0 else 1.0
    nodes = rows[1:]
    for i, (lineno, vals) in enumerate(nodes):
        if len(vals) != 9:
            raise BenchmarkFormatError(f"{path}: line {lineno}: expected 9 values, got {len(vals)}")
        if _as_int(vals[0], path, lineno, "node id") != i:
            raise BenchmarkFormatError(f"{path}: line {lineno}: node id {vals[0]:g}, expected {i}")
    if not nodes:
        raise BenchmarkFormatError(f"{path}: no node rows")
    data = np.array([vals for _, vals in nodes], dtype=np.float64)
    n_nodes = len(nodes)
    coords = data[:, 1:3]
    load, earliest, latest, service = data[:, 3], data[:, 4], data[:, 5], data[:, 6]
    pickup_of = data[:, 7].astype(np.int64)
    delivery_of = data[:, 8].astype(np.int64)
    pairs: list[tuple[int, int]] = []
    for i in range(1, n_nodes):
        lineno = nodes[i][0]
        d = int(delivery_of[i])
        if d > 0:
            if not 0 < d < n_nodes or pickup_of[d] != i or delivery_of[d] != 0:
                raise BenchmarkFormatError(
                    f"{path}: line {lineno}: pickup {i} names delivery {d}, which does not name "
                    f"it back")
            if load[d] != -load[i]:
                raise BenchmarkFormatError(
                    f"{path}: line {nodes[d][0]}: delivery demand {load[d]:g} does not match "
                    f"pickup {i} demand {load[i]:g}")
            pairs.append((i, d))
        elif not 0 < pickup_of[i] < n_nodes:
            raise BenchmarkFormatError(f"{path}: line {lineno}: node {i} is neither a pickup "
                                       f"nor a delivery")
    if 2 * len(pairs) != n_nodes - 1:
        raise BenchmarkFormatError(f"{path}: {len(pairs)} pairs for {n_nodes - 1} customers")

    time_m, distance = _scaled_matrices(coords, speed, scale)
    fixed, penalty = _penalties(distance, n_nodes - 1, k, objective)
    requests = tuple(
        Request(request_id=str(p),
                pickup=Visit(p, *_window(earliest[p], latest[p], scale),
                             service=round(service[p] * scale)),
                delivery=Visit(d, *_window(earliest[d], latest[d], scale),
                               service=round(service[d] * scale)),
                demand=(int(load[p]),), drop_penalty=penalty)
        for p, d in pairs)
    start_e, end_l = _window(earliest[0], latest[0], scale)
    vehicles = tuple(
        FleetVehicle(f"v{v}", 0, 0, (int(capacity),), earliest_start=start_e, latest_end=end_l,
                     fixed_cost=fixed, cost_per_distance=1.0, cost_per_time=0.0)
        for v in range(k))
    problem = RoutingProblem(time_m, distance, requests, vehicles, name=path.stem)
    return BenchInstance(
        name=path.stem, set=set_name, coords=coords, service=service, earliest=earliest,
        latest=latest, load=load, start_depot=0, end_depot=0, n_vehicles=k,
        capacity=float(capacity), customers=tuple(range(1, n_nodes)), pairs=tuple(pairs),
        max_ride=None, max_route_duration=None, speed=float(speed), objective=objective,
        problem=problem)


def read_homberger(path: Path, *, scale: int = SCALE,
                   objective: Objective = "routes-then-distance",
                   set_name: str = "homberger") -> BenchInstance:
    """Read a Solomon or Gehring–Homberger VRPTW instance (Solomon text format).

    Parameters
    ----------
    path
        File with a name line, a ``VEHICLE / NUMBER CAPACITY`` block and a ``CUSTOMER`` block of
        rows ``id x y demand ready due service`` (node 0 the depot).
    scale
        Multiplier from instance units to the solver's integers.
    objective
        ``"routes-then-distance"`` (the set's convention, by default) or ``"distance"``.
    set_name
        Set recorded in the instance.

    Returns
    -------
    BenchInstance
        One request per customer, without pickup (goods loaded at the depot).
    """
    rows = _numeric_rows(path)
    fleet = [(ln, vals) for ln, vals in rows if len(vals) == 2]
    nodes = [(ln, vals) for ln, vals in rows if len(vals) == 7]
    if not fleet:
        raise BenchmarkFormatError(f"{path}: no 'NUMBER CAPACITY' line")
    if not nodes:
        raise BenchmarkFormatError(f"{path}: no customer rows")
    k = _as_int(fleet[0][1][0], path, fleet[0][0], "vehicle count")
    capacity = fleet[0][1][1]
    for i, (lineno, vals) in enumerate(nodes):
        if _as_int(vals[0], path, lineno, "customer number") != i:
            raise BenchmarkFormatError(
                f"{path}: line {lineno}: customer number {vals[0]:g}, expected {i}")
    data = np.array([vals for _, vals in nodes], dtype=np.float64)
    n_nodes = len(nodes)
    coords = data[:, 1:3]
    demand, earliest, latest, service = data[:, 3], data[:, 4], data[:, 5], data[:, 6]
    time_m, distance = _scaled_matrices(coords, 1.0, scale)
    fixed, penalty = _penalties(distance, n_nodes - 1, k, objective)
    requests = tuple(
        Request(request_id=str(i),
                delivery=Visit(i, *_window(earliest[i], latest[i], scale),
                               service=round(service[i] * scale)),
                demand=(int(demand[i]),), drop_penalty=penalty)
        for i in range(1, n_nodes))
    start_e, end_l = _window(earliest[0], latest[0], scale)
    vehicles = tuple(
        FleetVehicle(f"v{v}", 0, 0, (int(capacity),), earliest_start=start_e, latest_end=end_l,
                     fixed_cost=fixed, cost_per_distance=1.0, cost_per_time=0.0)
        for v in range(k))
    problem = RoutingProblem(time_m, distance, requests, vehicles, name=path.stem)
    load = -demand
    load[0] = 0.0
    return BenchInstance(
        name=path.stem, set=set_name, coords=coords, service=service, earliest=earliest,
        latest=latest, load=load, start_depot=0, end_depot=0, n_vehicles=k,
        capacity=float(capacity), customers=tuple(range(1, n_nodes)), pairs=(), max_ride=None,
        max_route_duration=None, speed=1.0, objective=objective, problem=problem)


# --------------------------------------------------------------------------------------------
# Reference values


def read_best_known(path: Path, benchmark: str, clients: int) -> dict[str, tuple[int, float]]:
    """Best known (routes, distance) per instance from ``best-known.csv``.

    Parameters
    ----------
    path
        The CSV with columns ``benchmark, clients, instance, ..., routes, distance``.
    benchmark
        ``"LiLim"`` or ``"GehringHomberger"``.
    clients
        Instance size (100, 200, ...).

    Returns
    -------
    dict
        Instance name → (routes, distance); where a name repeats, the fewest routes, then the
        shortest distance (the table's hierarchical convention).
    """
    best: dict[str, tuple[int, float]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["benchmark"] != benchmark or int(row["clients"]) != clients:
                    continue
                value = (int(row["routes"]), float(row["distance"]))
                name = row["instance"].lower()
                if name not in best or value < best[name]:
                    best[name] = value
    except FileNotFoundError as exc:
        raise BenchmarkNotFoundError(f"best-known table not found: {path}") from exc
    except (KeyError, ValueError) as exc:
        raise BenchmarkFormatError(f"{path}: unexpected content ({exc})") from exc
    return best


def read_distance_only_reference(path: Path) -> dict[str, tuple[int, float]]:
    """Li & Lim distance-only references: instance → (routes, distance)."""
    out: dict[str, tuple[int, float]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out[row["instance"].lower()] = (int(row["routes"]), float(row["distance"]))
    except FileNotFoundError as exc:
        raise BenchmarkNotFoundError(f"distance-only reference not found: {path}") from exc
    except (KeyError, ValueError) as exc:
        raise BenchmarkFormatError(f"{path}: unexpected content ({exc})") from exc
    return out


def _natural_key(name: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def instance_paths(set_name: str, root: Path = DEFAULT_ROOT) -> list[Path]:
    """The instance files of a set, in natural order (``c1_2_2`` before ``c1_2_10``)."""
    if set_name not in _SET_FILES:
        raise ValueError(f"unknown benchmark set {set_name!r}; choose from {', '.join(SETS)}")
    folder, pattern = _SET_FILES[set_name]
    directory = root / folder
    if not directory.is_dir():
        raise BenchmarkNotFoundError(f"benchmark folder not found: {directory}")
    return sorted(directory.glob(pattern), key=lambda p: _natural_key(p.stem))


def load_instance(set_name: str, path: Path, root: Path = DEFAULT_ROOT,
                  *, scale: int = SCALE) -> BenchInstance:
    """Read one instance of ``set_name`` and attach its reference value from ``root``."""
    if set_name in ("darp", "darp-b"):
        return read_cordeau(path, scale=scale, set_name=set_name)
    if set_name == "lilim":
        inst = read_lilim(path, scale=scale, objective="distance", set_name=set_name)
        ref = read_distance_only_reference(root / "lilim-100" / "distance-only-reference.csv")
    elif set_name == "lilim-hier":
        inst = read_lilim(path, scale=scale, objective="routes-then-distance", set_name=set_name)
        ref = read_best_known(root / "best-known.csv", "LiLim", 100)
    elif set_name == "homberger":
        inst = read_homberger(path, scale=scale, set_name=set_name)
        ref = read_best_known(root / "best-known.csv", "GehringHomberger", 200)
    else:
        raise ValueError(f"unknown benchmark set {set_name!r}; choose from {', '.join(SETS)}")
    routes, dist = ref.get(inst.name.lower(), (None, None))
    return dataclasses.replace(inst, best_known=dist, best_known_routes=routes)


# --------------------------------------------------------------------------------------------
# Independent evaluation


def solution_routes(solution: RoutingSolution) -> list[tuple[int, ...]]:
    """Routes of a solver result as node numbers (a benchmark's location is its node number)."""
    return [tuple(v.location for v in route.visits) for route in solution.routes]


def _floyd(weights: FloatArray) -> FloatArray:
    dist = weights.copy()
    for k in range(dist.shape[0]):
        np.minimum(dist, dist[:, k:k + 1] + dist[k:k + 1, :], out=dist)
    return dist


def _check_route(inst: BenchInstance, number: int, route: Sequence[int], dist: FloatArray,
                 violations: list[str]) -> None:
    """Append the violations of one route (its depots already checked)."""
    nodes = list(route)
    travel = dist / inst.speed
    where = f"route {number}"

    # Capacity. VRPTW: everything delivered is on board when leaving the depot.
    load = -sum(inst.load[v] for v in nodes if inst.load[v] < 0) if not inst.pairs else 0.0
    peak = load
    for v in nodes:
        load += inst.load[v]
        peak = max(peak, load)
    if peak > inst.capacity + EPS:
        violations.append(f"{where}: load {peak:g} exceeds capacity {inst.capacity:g}")

    # Pairing and precedence.
    position = {v: i for i, v in enumerate(nodes)}
    for p, d in inst.pairs:
        if (p in position) != (d in position):
            violations.append(f"{where}: request {p}→{d} is split across routes")
        elif p in position and position[p] > position[d]:
            violations.append(f"{where}: delivery {d} before its pickup {p}")

    # Time windows: earliest start of service, waiting allowed.
    t = float(inst.earliest[nodes[0]])
    late = False
    for a, b in itertools.pairwise(nodes):
        t = max(float(inst.earliest[b]), t + inst.service[a] + travel[a, b])
        if t > inst.latest[b] + EPS:
            violations.append(f"{where}: node {b} served at {t:.3f}, after its window closes "
                              f"at {inst.latest[b]:g}")
            late = True
    if late or (inst.max_ride is None and inst.max_route_duration is None):
        return

    # Ride times and duration: a simple temporal network over the start-of-service times.
    # Edge i→j with weight w means t_j − t_i ≤ w; node m is time zero.
    m = len(nodes)
    w = np.full((m + 1, m + 1), np.inf)
    np.fill_diagonal(w, 0.0)
    for k in range(m - 1):
        w[k + 1, k] = -(inst.service[nodes[k]] + travel[nodes[k], nodes[k + 1]])
    for k, v in enumerate(nodes):
        w[m, k] = inst.latest[v]
        w[k, m] = -inst.earliest[v]
    tight = _floyd(w)
    before = len(violations)
    extra: list[tuple[int, int, float]] = []
    if inst.max_ride is not None:
        for p, d in inst.pairs:
            if p in position and d in position and position[p] < position[d]:
                i, j = position[p], position[d]
                bound = inst.max_ride + inst.service[p]
                extra.append((i, j, bound))
                shortest = -tight[j, i] - inst.service[p]
                if shortest > inst.max_ride + EPS:
                    violations.append(f"{where}: request {p}→{d} rides at least {shortest:.3f}, "
                                      f"above the limit {inst.max_ride:g}")
    if inst.max_route_duration is not None:
        extra.append((0, m - 1, inst.max_route_duration))
        shortest = -tight[m - 1, 0]
        if shortest > inst.max_route_duration + EPS:
            violations.append(f"{where}: lasts at least {shortest:.3f}, above the limit "
                              f"{inst.max_route_duration:g}")
    for i, j, bound in extra:
        w[i, j] = min(w[i, j], bound)
    # Each limit may be met alone yet not all together (they compete for the same waiting).
    if len(violations) == before and extra and np.any(np.diag(_floyd(w)) < -EPS):
        violations.append(f"{where}: no schedule meets all its ride-time and duration limits "
                          f"together")


def evaluate(instance: BenchInstance,
             solution: RoutingSolution | Iterable[Sequence[int]]) -> Evaluation:
    """Check a solution against the instance's original data, independently of the solver.

    Parameters
    ----------
    instance
        The benchmark instance.
    solution
        A solver result, or routes as node numbers of the instance file (depot to depot), e.g.
        read back with :func:`read_solution`. The solver's times are not used: a schedule is
        rebuilt from the original coordinates, windows and service times.

    Returns
    -------
    Evaluation
        Total Euclidean distance in double precision, number of routes, and violations: capacity,
        time windows (waiting allowed), pairing and precedence, ride times, route duration, fleet
        size, requests served more than once or not at all.
    """
    routes = (solution_routes(solution) if isinstance(solution, RoutingSolution)
              else [tuple(r) for r in solution])
    dist = euclidean(instance.coords)
    n_nodes = len(instance.coords)
    depots = {instance.start_depot, instance.end_depot}
    violations: list[str] = []
    seen: Counter[int] = Counter()
    total = 0.0
    used = 0
    for number, route in enumerate(routes, start=1):
        nodes = list(route)
        bad = [v for v in nodes if not 0 <= v < n_nodes]
        if bad:
            violations.append(f"route {number}: unknown nodes {bad}")
            continue
        if len(nodes) < 2 or nodes[0] != instance.start_depot or nodes[-1] != instance.end_depot:
            violations.append(f"route {number}: must run from depot {instance.start_depot} to "
                              f"depot {instance.end_depot}")
            continue
        inner = nodes[1:-1]
        if any(v in depots for v in inner):
            violations.append(f"route {number}: passes a depot mid-route")
            continue
        if not inner:
            continue  # an unused vehicle
        used += 1
        seen.update(inner)
        total += float(sum(dist[a, b] for a, b in itertools.pairwise(nodes)))
        _check_route(instance, number, nodes, dist, violations)
    if used > instance.n_vehicles:
        violations.append(f"{used} routes, but the fleet has {instance.n_vehicles} vehicles")
    for v, count in sorted(seen.items()):
        if count > 1:
            violations.append(f"node {v} visited {count} times")
    customers = set(instance.customers)
    for v in sorted(set(seen) - customers):
        violations.append(f"node {v} is not a customer of the instance")
    missing = tuple(v for v in instance.customers if v not in seen)
    pickups = {p for p, _ in instance.pairs}
    deliveries = {d for _, d in instance.pairs}
    for v in missing:
        if v in deliveries:
            continue  # reported with its pickup
        kind = "request" if v in pickups else "customer"
        violations.append(f"{kind} {v} not served")
    return Evaluation(total, used, tuple(violations), missing)


# --------------------------------------------------------------------------------------------
# Running


def solve_instance(instance: BenchInstance, options: SolveOptions) -> BenchResult:
    """Solve one instance as the planner solves a wave
    (:func:`routing.planning.solver.solve_serving_most`:
    a second construction when the first leaves requests unserved) and evaluate the result."""
    from routing.planning.solver import (
        solve_serving_most,  # the OR-Tools adapter; imported when needed
    )

    started = time.monotonic()
    solution = solve_serving_most(instance.problem, options)
    seconds = time.monotonic() - started
    ev = evaluate(instance, solution)
    dropped = tuple(instance.problem.requests[r].request_id for r in solution.dropped)
    best = instance.best_known
    gap = (ev.distance - best) / best * 100.0 if best else None
    return BenchResult(
        instance=instance.name, set=instance.set, cost=round(ev.distance, 6), routes=ev.routes,
        best_known=best, gap_pct=None if gap is None else round(gap, 4),
        seconds=round(seconds, 3), feasible=ev.feasible and not dropped,
        violations=ev.violations, dropped=dropped, best_known_routes=instance.best_known_routes,
        route_nodes=tuple(tuple(r) for r in solution_routes(solution)),
        objective=solution.objective, status=solution.status)


def run_benchmarks(
    sets: list[str],
    time_limit_s: float,
    instances: list[str] | None = None,
    limit: int | None = None,
    progress: Callable[[BenchResult], None] | None = None,
    *,
    root: Path = DEFAULT_ROOT,
    options: SolveOptions | None = None,
) -> list[BenchResult]:
    """Solve standard instances one after the other and compare them with the best known.

    Parameters
    ----------
    sets
        Any of ``darp`` (Cordeau a-set), ``darp-b``, ``lilim`` (distance only), ``lilim-hier``
        (routes, then distance), ``homberger`` (Gehring–Homberger 200, routes then distance).
    time_limit_s
        Solver time per instance.
    instances
        Instance names (file stems, e.g. ``a2-16``, ``lc101``) to run; default all of each set.
    limit
        At most this many instances per set (after the ``instances`` filter).
    progress
        Called with each result as soon as it is known.
    root
        Folder holding the benchmark data.
    options
        Solver options (strategies, seed); ``time_limit_s`` overrides their time limit.

    Returns
    -------
    list[BenchResult]
        In run order. ``feasible`` is false when the independent check finds a violation or the
        solver dropped a request.
    """
    opts = dataclasses.replace(options or SolveOptions(), time_limit_s=time_limit_s)
    wanted = {name.lower() for name in instances} if instances else None
    found: set[str] = set()
    results: list[BenchResult] = []
    for set_name in sets:
        paths = instance_paths(set_name, root)
        if wanted is not None:
            paths = [p for p in paths if p.stem.lower() in wanted]
            found.update(p.stem.lower() for p in paths)
        if limit is not None:
            paths = paths[:limit]
        for path in paths:
            inst = load_instance(set_name, path, root)
            result = solve_instance(inst, opts)
            log.info("benchmark %s/%s: distance %.2f, %d routes, gap %s, %.1f s, %s", set_name,
                     inst.name, result.cost, result.routes,
                     "n/a" if result.gap_pct is None else f"{result.gap_pct:+.2f} %",
                     result.seconds, "feasible" if result.feasible else "NOT feasible")
            results.append(result)
            if progress is not None:
                progress(result)
    if wanted is not None and wanted - found:
        raise BenchmarkNotFoundError(
            f"instances not found in sets {', '.join(sets)}: {', '.join(sorted(wanted - found))}")
    return results


def summarize(results: Iterable[BenchResult]) -> dict[str, dict[str, Any]]:
    """Per set: instances, feasible ones, mean and max gap over the feasible ones, and how many
    use more routes than the best known (their distance gap then compares unlike solutions:
    with the routes-first convention a negative gap usually means extra vehicles)."""
    out: dict[str, dict[str, Any]] = {}
    for r in results:
        s = out.setdefault(r.set, {"instances": 0, "feasible": 0, "more_routes_than_best": 0,
                                   "gaps": []})
        s["instances"] += 1
        if r.best_known_routes is not None and r.routes > r.best_known_routes:
            s["more_routes_than_best"] += 1
        if r.feasible:
            s["feasible"] += 1
            if r.gap_pct is not None:
                s["gaps"].append(r.gap_pct)
    for s in out.values():
        gaps = s.pop("gaps")
        s["mean_gap_pct"] = round(sum(gaps) / len(gaps), 4) if gaps else None
        s["max_gap_pct"] = round(max(gaps), 4) if gaps else None
    return out


# --------------------------------------------------------------------------------------------
# Writing


def result_to_dict(result: BenchResult) -> dict[str, Any]:
    """The JSON form of a result (``routes`` is the route count)."""
    return {
        "instance": result.instance,
        "set": result.set,
        "cost": result.cost,
        "routes": result.routes,
        "best_known": result.best_known,
        "best_known_routes": result.best_known_routes,
        "gap_pct": result.gap_pct,
        "seconds": result.seconds,
        "feasible": result.feasible,
        "dropped": len(result.dropped),
        "violations": list(result.violations),
    }


def write_json(results: Iterable[BenchResult], path: Path) -> None:
    """Write the results as a JSON list (see :func:`result_to_dict`)."""
    path.write_text(json.dumps([result_to_dict(r) for r in results], indent=2) + "\n",
                    encoding="utf-8")


def write_solutions(results: Iterable[BenchResult], directory: Path) -> list[Path]:
    """Write each solution as ``<directory>/<set>/<instance>.sol``, one line per route.

    Lines read ``Route 1: 0 5 12 ... 0`` with the node numbers of the instance file (depots
    included), then ``Cost <distance>``; lines starting with ``#`` are comments. Anyone can check
    them with their own code, or with :func:`read_solution` and :func:`evaluate`.

    Returns
    -------
    list[Path]
        The files written.
    """
    written: list[Path] = []
    for r in results:
        folder = directory / r.set
        folder.mkdir(parents=True, exist_ok=True)
        lines = [f"# {r.set} {r.instance}: {r.routes} routes, distance {r.cost:.4f}, "
                 f"{'feasible' if r.feasible else 'NOT feasible'}"]
        lines += [f"# violation: {v}" for v in r.violations]
        lines += [f"# dropped request: {d}" for d in r.dropped]
        number = 0
        for route in r.route_nodes:
            if len(route) <= 2:
                continue
            number += 1
            lines.append(f"Route {number}: " + " ".join(str(v) for v in route))
        lines.append(f"Cost {r.cost:.4f}")
        path = folder / f"{r.instance}.sol"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def read_solution(path: Path) -> list[tuple[int, ...]]:
    """Routes (node numbers) from a file written by :func:`write_solutions`."""
    routes: list[tuple[int, ...]] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("Route"):
            continue
        _, _, body = line.partition(":")
        try:
            routes.append(tuple(int(t) for t in body.split()))
        except ValueError as exc:
            raise BenchmarkFormatError(f"{path}: line {lineno}: bad node number ({exc})") from exc
    return routes
