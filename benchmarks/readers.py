"""Standard benchmark sets read into the generic routing problem, with their reference values.

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
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.instance import (
    DEFAULT_ROOT,
    SCALE,
    SETS,
    BenchInstance,
    BenchmarkNotFoundError,
    FloatArray,
    Objective,
    euclidean,
)
from routing.errors import BenchmarkFormatError
from routing.planning.problem import FleetVehicle, Request, RoutingProblem, Visit

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


def _depot_fleet(k: int, capacity: float, window: tuple[int, int], fixed: int
                 ) -> tuple[FleetVehicle, ...]:
    """``k`` alike vehicles from and back to the depot (node 0) within its window, costing
    ``fixed`` each plus their distance (Li & Lim, Gehring–Homberger)."""
    return tuple(
        FleetVehicle(f"v{v}", 0, 0, (int(capacity),), earliest_start=window[0],
                     latest_end=window[1], fixed_cost=fixed, cost_per_distance=1.0,
                     cost_per_time=0.0)
        for v in range(k))


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
    vehicles = _depot_fleet(k, capacity, _window(earliest[0], latest[0], scale), fixed)
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
    vehicles = _depot_fleet(k, capacity, _window(earliest[0], latest[0], scale), fixed)
    problem = RoutingProblem(time_m, distance, requests, vehicles, name=path.stem)
    load = -demand
    load[0] = 0.0
    return BenchInstance(
        name=path.stem, set=set_name, coords=coords, service=service, earliest=earliest,
        latest=latest, load=load, start_depot=0, end_depot=0, n_vehicles=k,
        capacity=float(capacity), customers=tuple(range(1, n_nodes)), pairs=(), max_ride=None,
        max_route_duration=None, speed=1.0, objective=objective, problem=problem)


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
