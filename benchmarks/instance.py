"""A standard benchmark instance, its independent evaluation and a solved result: the data
model the readers (:mod:`benchmarks.readers`), the evaluator (:mod:`benchmarks.evaluate`) and the
runner (:mod:`benchmarks.run`) share.

Coordinates are Euclidean; the solver works on integers, so distances and times are multiplied by
:data:`SCALE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from routing.errors import SamkorselError
from routing.planning.problem import RoutingProblem

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


def euclidean(coords: FloatArray) -> FloatArray:
    """Matrix of Euclidean distances between all ``coords`` (double precision)."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.asarray(np.hypot(diff[..., 0], diff[..., 1]), dtype=np.float64)
