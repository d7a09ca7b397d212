"""Running benchmark sets: solve each instance as the planner solves a wave, evaluate it
independently (:mod:`benchmarks.evaluate`), compare it with the best known.

A set is a name in :data:`SOURCES`, which lists its instances (each read only when its turn
comes); a new set (e.g. generated instances) is one more entry there.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.evaluate import evaluate, solution_routes
from benchmarks.instance import (
    DEFAULT_ROOT,
    SETS,
    BenchInstance,
    BenchmarkNotFoundError,
    BenchResult,
)
from benchmarks.readers import instance_paths, load_instance
from routing.planning.problem import SolveOptions
from routing.planning.solver import solve_serving_most

log = logging.getLogger(__name__)

InstanceSource = Callable[[str, Path], list[tuple[str, Callable[[], BenchInstance]]]]
"""``(set name, benchmark root) → [(instance name, read it), …]`` in run order."""


BENCH_OPTIONS = SolveOptions(search="lns")
"""The benchmark runner's default: guided local search for a fifth of the time, then the large
neighbourhood search (:mod:`routing.planning.lns`); ``SolveOptions()`` is the planner's plain
guided local search (``samkorsel bench --search gls``)."""


def file_instances(set_name: str, root: Path) -> list[tuple[str, Callable[[], BenchInstance]]]:
    """The instances of a standard set: its files below ``root``, in natural order."""
    return [(path.stem, partial(load_instance, set_name, path, root))
            for path in instance_paths(set_name, root)]


SOURCES: dict[str, InstanceSource] = dict.fromkeys(SETS, file_instances)
"""Where each set's instances come from."""


def solve_instance(instance: BenchInstance, options: SolveOptions) -> BenchResult:
    """Solve one instance as the planner solves a wave
    (:func:`routing.planning.solver.solve_serving_most`:
    a second construction when the first leaves requests unserved) and evaluate the result."""
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
        Default :data:`BENCH_OPTIONS` (the large neighbourhood search).

    Returns
    -------
    list[BenchResult]
        In run order. ``feasible`` is false when the independent check finds a violation or the
        solver dropped a request.
    """
    opts = dataclasses.replace(options or BENCH_OPTIONS, time_limit_s=time_limit_s)
    wanted = {name.lower() for name in instances} if instances else None
    found: set[str] = set()
    results: list[BenchResult] = []
    for set_name in sets:
        if set_name not in SOURCES:
            raise ValueError(f"unknown benchmark set {set_name!r}; choose from "
                             f"{', '.join(SOURCES)}")
        listed = SOURCES[set_name](set_name, root)
        if wanted is not None:
            listed = [(name, read) for name, read in listed if name.lower() in wanted]
            found.update(name.lower() for name, _ in listed)
        if limit is not None:
            listed = listed[:limit]
        for _, read in listed:
            inst = read()
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
