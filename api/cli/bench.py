"""``samkorsel bench``: network load, matrix speed-up, the demo plan and the standard VRP/DARP
sets. The only service module that imports the :mod:`benchmarks` package (import-linter)."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.common import DEMO_SCENARIO, console, fail, load_network, load_scenario


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _bench_scale(sizes: list[int], results: list[dict[str, Any]], out_dir: Path | None,
                 time_limit: float | None, workers: int | None = None,
                 clusters: int | None = None) -> None:
    """City cases on the Lyngby network (``benchmarks.scale``); scenarios and plans are written
    to ``out_dir`` when given."""
    from dataclasses import asdict

    from benchmarks.scale import LYNGBY, run_scale

    def show(r: Any) -> None:
        console.print(f"  {r.riders} riders: served {r.served}/{r.servable} servable trips "
                      f"({r.served_pct:.1f} %), {r.cost_dkk:,.2f} DKK/week, {r.seconds:.0f} s "
                      f"(solve {r.solve_s:.0f} s, snapping and matrix {r.prepare_s:.0f} s, "
                      f"{r.workers} worker(s), {r.clusters} cluster(s)), "
                      f"peak {r.peak_rss_mb:,.0f} MB (worker "
                      f"{r.peak_child_rss_mb:,.0f} MB), consistency {r.consistency_pct} %, "
                      f"{r.violations} violations", highlight=False)

    with open("/proc/loadavg", encoding="ascii") as f:
        console.print(f"load average before: {f.read().strip()}")
    scale_results = run_scale(tuple(sizes), time_limit, progress=show, out_dir=out_dir,
                              workers=workers, clusters=clusters)
    if not scale_results:
        console.print(f"scale: skipped, {LYNGBY} not found")
        return
    # Plain fixed-width lines: readable at 80 characters (logs, CI), unlike a wrapped table.
    console.print("City cases, Lyngby network\n riders servable served% time noroom "
                  "    DKK/week veh-days     s     MB viol.", highlight=False)
    for r in scale_results:
        console.print(f" {r.riders:>6} {r.servable:>8} {r.served_pct:>7.1f} "
                      f"{r.unserved_time_budget:>4} {r.unserved_no_room:>6} "
                      f"{r.cost_dkk:>12,.0f} {r.vehicle_days:>8} {r.seconds:>5.0f} "
                      f"{r.peak_rss_mb:>6,.0f} {r.violations:>5}", highlight=False)
        results.append({"instance": f"lyngby-{r.riders}", **asdict(r)})
    with open("/proc/loadavg", encoding="ascii") as f:
        console.print(f"load average after: {f.read().strip()}")


def _bench_island(time_limits: list[float], reference_s: float,
                  results: list[dict[str, Any]]) -> None:
    """The Samsø island case of issue 17 against the independent whole-day reference model
    (``benchmarks.island``, ``benchmarks.reference_day``)."""
    from dataclasses import asdict

    from benchmarks.island import run_island

    with open("/proc/loadavg", encoding="ascii") as f:
        console.print(f"load average before: {f.read().strip()}")

    def show(r: Any) -> None:
        ratio = "" if r.ratio is None else f", {r.ratio:.3f} × reference {r.reference_dkk:,.0f}"
        console.print(f"  island, --time-limit {r.time_limit_s:g}: {r.cost_dkk:,.2f} DKK/week"
                      f"{ratio}, {r.runs} runs, {r.vehicle_days} vehicle-days, "
                      f"{r.consistency_pct:.1f} % within the consistency limit, "
                      f"{r.trips_unserved} unserved, {r.seconds:.0f} s, "
                      f"{r.violations} violations", highlight=False)

    for r in run_island(tuple(time_limits), reference_s, progress=show):
        results.append({"instance": f"samso-island-{r.time_limit_s:g}s", **asdict(r),
                        "ratio": r.ratio})
    with open("/proc/loadavg", encoding="ascii") as f:
        console.print(f"load average after: {f.read().strip()}")


def bench(
    sets: Annotated[str, typer.Option(
        help="Comma-separated: network,matrix,demo,darp,lilim,homberger,scale,island.")
    ] = "network,matrix,demo",
    time_limit: Annotated[float, typer.Option(help="Seconds per benchmark instance.")] = 30.0,
    instances: Annotated[str | None, typer.Option(
        help="Comma-separated instance names (default: the whole set).")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many instances per set.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results as JSON.")] = None,
    solutions: Annotated[Path | None, typer.Option(
        help="Write each solution's routes (node indices) into this directory.")] = None,
    demo_time_limit: Annotated[float, typer.Option(
        help="Max solver seconds for the demo plan (as `samkorsel demo`).")] = 60.0,
    sizes: Annotated[str, typer.Option(
        help="Riders per city case of the scale set (Lyngby network).")] = "250,500,1000,2000",
    plan_time_limit: Annotated[float | None, typer.Option(
        help="Solver seconds per weekly plan of the scale set (default: the planner's).")
    ] = None,
    search: Annotated[str, typer.Option(
        help="Search for the standard sets: lns (guided local search, then the large "
             "neighbourhood search) or gls (guided local search only, as the planner).")
    ] = "lns",
    plan_workers: Annotated[int | None, typer.Option(
        min=0, help="Worker processes per weekly plan of the scale set (default: the "
                    "planner's, 0 = the CPU count, at most 2).")] = None,
    plan_clusters: Annotated[int | None, typer.Option(
        min=1, help="Geographic clusters of centres per weekly plan of the scale set, planned "
                    "apart and merged (default: the planner's, 1).")] = None,
    island_limits: Annotated[str, typer.Option(
        help="Plan time limits (s) of the island set, comma-separated.")] = "60,300",
    reference_seconds: Annotated[float, typer.Option(
        help="Seconds per weekday of the island set's reference model (0 = skip it).")] = 60.0,
) -> None:
    """Benchmarks: network load, matrix speed-up, demo plan, standard VRP/DARP sets."""
    if search not in ("lns", "gls"):
        raise fail(f"--search must be lns or gls, not {search!r}")
    # OR-Tools, numpy and the road network stack: lazy (api.cli.common)
    from benchmarks.results import result_to_dict, write_solutions
    from benchmarks.run import run_benchmarks, summarize
    from routing.network.matrix import bench_matrix
    from routing.network.roads import (
        bench_network_load,
        default_cache_dir,
        default_network_path,
    )
    from routing.network.roads import (
        load_network as read_network,
    )
    from routing.planning.planner import build_plan
    from routing.planning.problem import SolveOptions
    from routing.verify.checks import verify_plan

    chosen = [s.strip() for s in sets.split(",") if s.strip()]
    console.print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
                  f"{_cpu_count()} cores, Python {platform.python_version()}")
    results: list[dict[str, Any]] = []
    if "network" in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            figures = bench_network_load(default_network_path(), None, Path(tmp))
        console.print(f"network load (Samsø): cold {figures['cold_s']:.2f} s, "
                      f"warm {figures['warm_s']:.3f} s")
    if "matrix" in chosen:
        net = read_network(default_network_path(), cache_dir=default_cache_dir())
        m = bench_matrix(net, n=500)
        console.print("matrix 500×500: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float)
                                                    else f"{k} {v}" for k, v in m.items()))
    if "demo" in chosen:
        sc = load_scenario(DEMO_SCENARIO)
        net = load_network(sc)
        params = sc.plan_params
        t0 = time.monotonic()
        p = build_plan(sc, net, params.with_overrides(time_limit_s=demo_time_limit))
        secs = time.monotonic() - t0
        errors = [v for v in verify_plan(p, sc, net) if v.severity == "error"]
        console.print(f"demo weekly plan: {secs:.1f} s, cost {p.kpis['cost_dkk']:,.2f} DKK, "
                      f"{p.kpis['runs']} runs, {p.kpis['trips_unserved']} unserved trips, "
                      f"{len(errors)} violations")
        results.append({"instance": "samso-demo", "cost": p.kpis["cost_dkk"],  # DKK/week
                        "routes": p.kpis["runs"], "best_known": None, "gap_pct": None,
                        "seconds": round(secs, 2), "violations": len(errors)})
    if "scale" in chosen:
        # --solutions DIR keeps each city case's scenario and plan; --plan-time-limit sets the
        # plan's budget (default: the planner's own).
        _bench_scale([int(n) for n in sizes.split(",") if n.strip()], results, solutions,
                     plan_time_limit, plan_workers, plan_clusters)
    if "island" in chosen:
        # The Samsø island case at each --island-limits budget, against the reference model.
        _bench_island([float(x) for x in island_limits.split(",") if x.strip()],
                      reference_seconds, results)
    std = [s for s in chosen if s in ("darp", "lilim", "homberger")]
    if std:
        names = [s.strip() for s in instances.split(",")] if instances else None
        table = Table(title=f"Standard benchmarks ({time_limit:g} s per instance)")
        for col in ("set", "instance", "cost", "routes", "best known", "gap %", "s", "feasible"):
            table.add_column(col)

        def pct(x: float | None) -> str:
            return "n/a" if x is None else f"{x:+.2f}"

        def show(r: Any) -> None:
            console.print(f"  {r.instance}: cost {r.cost:.2f}, routes {r.routes}, gap "
                          f"{pct(r.gap_pct)} %, {r.seconds:.1f} s"
                          + ("" if r.feasible else " [red]INFEASIBLE[/]"), highlight=False)

        bench_results = run_benchmarks(std, time_limit_s=time_limit, instances=names,
                                       limit=limit, progress=show,
                                       options=SolveOptions(search=search))  # type: ignore[arg-type]
        for r in bench_results:
            table.add_row(r.set, r.instance, f"{r.cost:.2f}", str(r.routes),
                          "n/a" if r.best_known is None else f"{r.best_known:.2f}",
                          pct(r.gap_pct), f"{r.seconds:.1f}", "yes" if r.feasible else "NO")
            results.append(result_to_dict(r))
        console.print(table)
        for name, summary in summarize(bench_results).items():
            console.print(f"{name}: {summary}")
        if solutions is not None:
            write_solutions(bench_results, solutions)
            console.print(f"solutions written to {solutions}")
    if json_out is not None:
        json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        console.print(f"results written to {json_out}")
