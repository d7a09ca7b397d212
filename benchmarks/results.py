"""Benchmark results written out: JSON, and each solution's routes as a ``.sol`` file anyone
can check (and read back)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.instance import BenchResult
from routing.errors import BenchmarkFormatError


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
