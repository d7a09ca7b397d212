"""The ``samkorsel`` command line: demo, plan, verify, bench, serve and the daily tools.

Exit codes: 0 success; 1 the check failed (``verify`` found violations); 2 bad input (the
message names the file, row and column or the option at fault).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from routing.model import Centre, Plan, Scenario
    from routing.network.matrix import TravelMatrix
    from routing.network.roads import RoadNetwork

app = typer.Typer(
    name="samkorsel",
    help="Samkørsel: fixed shared routes to activity and day centres (Serviceloven § 104).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

REPO = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = REPO / "data" / "demo"


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _load_scenario(directory: Path) -> Scenario:
    from routing.errors import SamkorselError
    from routing.scenario.reader import load_scenario

    try:
        return load_scenario(directory)
    except SamkorselError as exc:
        raise _fail(str(exc)) from exc
    except FileNotFoundError as exc:
        raise _fail(f"scenario {directory}: {exc}") from exc


def _load_network(scenario: Scenario) -> RoadNetwork:
    from routing.errors import SamkorselError
    from routing.network.roads import default_cache_dir, load_network

    try:
        return load_network(scenario.network_path, cache_dir=default_cache_dir())
    except SamkorselError as exc:
        raise _fail(str(exc)) from exc


def _plan_with_progress(scenario: Scenario, network: RoadNetwork, time_limit: float | None,
                        seed: int | None) -> Plan:
    from routing.errors import SamkorselError
    from routing.params import PlanParams
    from routing.planning.planner import build_plan

    params = scenario.plan_params if isinstance(scenario.plan_params, PlanParams) else PlanParams()
    changes: dict[str, Any] = {}
    if time_limit is not None:
        changes["time_limit_s"] = time_limit
    if seed is not None:
        changes["seed"] = seed
    params = params.with_overrides(**changes)
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} waves"), TimeElapsedColumn(),
                  console=err, transient=False) as bar:
        task = bar.add_task("planning", total=None)

        def on_wave(label: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"planned {label}")

        try:
            return build_plan(scenario, network, params, progress=on_wave)
        except SamkorselError as exc:
            raise _fail(str(exc)) from exc


def _print_plan_summary(plan: Plan) -> None:
    k = plan.kpis
    table = Table(title=f"Weekly plan — {plan.scenario}", show_header=False)
    rows = [
        ("runs", k["runs"]),
        ("vehicles (max per day) / vehicle-days", f"{k['vehicles']} / {k['vehicle_days']}"),
        ("distance", f"{k['km']} km"),
        ("vehicle hours", f"{k['vehicle_hours']} h"),
        ("cost (contractor, week)", f"{k['cost_dkk']:,.2f} DKK"),
        ("trips served / unserved", f"{k['trips_served']} / {k['trips_unserved']}"),
        ("ride time mean / max", f"{k['mean_ride_min']} / {k['max_ride_min']} min"),
        ("mean detour factor", k["mean_detour_factor"]),
        ("pickup time spread across weekdays (max)", f"{k['consistency_max_spread_min']} min"),
        ("riders within the consistency limit", f"{k['consistency_within_limit_pct']} %"),
        ("solve time", f"{plan.stats.get('seconds', 0)} s"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    if plan.unserved:
        ut = Table(title="Unserved trips (with reasons)")
        for col in ("rider", "day", "session", "direction", "reason"):
            ut.add_column(col)
        for u in plan.unserved:
            ut.add_row(u.rider_id, u.weekday, u.session_id, u.direction, u.reason)
        console.print(ut)
    for exc in k.get("consistency_exceptions", []):
        console.print(f"[yellow]consistency exception:[/] {exc}")


@app.command()
def plan(
    scenario: Annotated[Path, typer.Option(help="Scenario directory (CSV files + scenario.toml).")],
    out: Annotated[Path, typer.Option(help="Plan JSON to write (samkorsel.plan/1).")] = Path(
        "plan.json"),
    time_limit: Annotated[float | None, typer.Option(
        help="Max solver seconds for the week (default: scenario, 90).")] = None,
    seed: Annotated[int | None, typer.Option(help="Solver seed.")] = None,
    geojson: Annotated[Path | None, typer.Option(help="Also write GeoJSON of the runs.")] = None,
    map_html: Annotated[Path | None, typer.Option("--map", help="Also write an HTML map.")] = None,
) -> None:
    """Build the fixed weekly plan of a scenario and write it as JSON."""
    from routing.planning.plan_io import write_plan

    sc = _load_scenario(scenario)
    network = _load_network(sc)
    result = _plan_with_progress(sc, network, time_limit, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_plan(result, out)
    _print_plan_summary(result)
    console.print(f"plan written to [bold]{out}[/]")
    _write_maps(result, network, geojson, map_html, sc.centres)


def _write_maps(result: Plan, network: RoadNetwork, geojson: Path | None,
                map_html: Path | None, centres: Sequence[Centre] = ()) -> None:
    if geojson is not None:
        from maps.geojson import plan_geojson, write_geojson

        write_geojson(plan_geojson(result, network), geojson)
        console.print(f"GeoJSON written to [bold]{geojson}[/]")
    if map_html is not None:
        from maps.webmap import write_plan_map

        write_plan_map(result, network, map_html, centres=centres)
        console.print(f"map written to [bold]{map_html}[/]")


def _verify_and_report(plan_obj: Plan, sc: Scenario, network: RoadNetwork,
                       expected: set[tuple[str, str, str]] | None = None) -> int:
    from routing.verify.checks import verify_plan

    violations = verify_plan(plan_obj, sc, network, expected_trips=expected)
    errors = [v for v in violations if v.severity == "error"]
    for v in violations:
        colour = "red" if v.severity == "error" else "yellow"
        console.print(f"[{colour}]{v.severity}[/] {v.code}: {v.message}", highlight=False)
    n_stops = sum(len(r.stops) for r in plan_obj.runs)
    if errors:
        console.print(f"[bold red]{len(errors)} violation(s)[/] in {len(plan_obj.runs)} runs")
        return 1
    console.print(f"[bold green]OK[/]: {len(plan_obj.runs)} runs, {n_stops} stops, every leg "
                  f"recomputed on the road network, every constraint and every rider checked "
                  f"({len(violations)} warning(s))")
    return 0


@app.command()
def verify(
    plan_file: Annotated[Path, typer.Argument(help="Plan JSON to check.")],
    scenario: Annotated[Path, typer.Option(help="Scenario directory the plan was built from.")],
) -> None:
    """Check a plan independently of the solver: legs, times, capacities, every rider."""
    from routing.errors import PlanFormatError
    from routing.planning.plan_io import read_plan

    sc = _load_scenario(scenario)
    try:
        plan_obj = read_plan(plan_file)
    except (PlanFormatError, OSError) as exc:
        raise _fail(str(exc)) from exc
    network = _load_network(sc)
    raise typer.Exit(_verify_and_report(plan_obj, sc, network))


def _bench_scale(sizes: list[int], results: list[dict[str, Any]], out_dir: Path | None,
                 time_limit: float | None) -> None:
    """City cases on the Lyngby network (``benchmarks.scale``); scenarios and plans are written
    to ``out_dir`` when given."""
    from dataclasses import asdict

    from benchmarks.scale import LYNGBY, run_scale

    def show(r: Any) -> None:
        console.print(f"  {r.riders} riders: served {r.served}/{r.servable} servable trips "
                      f"({r.served_pct:.1f} %), {r.cost_dkk:,.2f} DKK/week, {r.seconds:.0f} s, "
                      f"peak {r.peak_rss_mb:,.0f} MB, {r.violations} violations", highlight=False)

    with open("/proc/loadavg", encoding="ascii") as f:
        console.print(f"load average before: {f.read().strip()}")
    scale_results = run_scale(tuple(sizes), time_limit, progress=show, out_dir=out_dir)
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


@app.command()
def bench(
    sets: Annotated[str, typer.Option(
        help="Comma-separated: network,matrix,demo,darp,lilim,homberger,scale.")
    ] = "network,matrix,demo",
    time_limit: Annotated[float, typer.Option(help="Seconds per benchmark instance.")] = 30.0,
    instances: Annotated[str | None, typer.Option(
        help="Comma-separated instance names (default: the whole set).")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many instances per set.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results as JSON.")] = None,
    solutions: Annotated[Path | None, typer.Option(
        help="Write each solution's routes (node indices) into this directory.")] = None,
    demo_time_limit: Annotated[float, typer.Option(
        help="Max solver seconds for the demo plan.")] = 90.0,
    sizes: Annotated[str, typer.Option(
        help="Riders per city case of the scale set (Lyngby network).")] = "250,500,1000,2000",
    plan_time_limit: Annotated[float | None, typer.Option(
        help="Solver seconds per weekly plan of the scale set (default: the planner's).")
    ] = None,
) -> None:
    """Benchmarks: network load, matrix speed-up, demo plan, standard VRP/DARP sets."""
    import platform

    chosen = [s.strip() for s in sets.split(",") if s.strip()]
    console.print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
                  f"{_cpu_count()} cores, Python {platform.python_version()}")
    results: list[dict[str, Any]] = []
    if "network" in chosen:
        import tempfile

        from routing.network.roads import (
            bench_network_load,
            default_cache_dir,
            default_network_path,
        )
        with tempfile.TemporaryDirectory() as tmp:
            figures = bench_network_load(default_network_path(), None, Path(tmp))
        console.print(f"network load (Samsø): cold {figures['cold_s']:.2f} s, "
                      f"warm {figures['warm_s']:.3f} s")
        del default_cache_dir
    if "matrix" in chosen:
        from routing.network.matrix import bench_matrix
        from routing.network.roads import default_cache_dir, default_network_path, load_network

        net = load_network(default_network_path(), cache_dir=default_cache_dir())
        m = bench_matrix(net, n=500)
        console.print("matrix 500×500: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float)
                                                    else f"{k} {v}" for k, v in m.items()))
    if "demo" in chosen:
        sc = _load_scenario(DEMO_SCENARIO)
        net = _load_network(sc)
        from routing.params import PlanParams
        from routing.planning.planner import build_plan
        from routing.verify.checks import verify_plan

        params = (sc.plan_params if isinstance(sc.plan_params, PlanParams) else PlanParams())
        t0 = time.monotonic()
        p = build_plan(sc, net, params.with_overrides(time_limit_s=demo_time_limit))
        secs = time.monotonic() - t0
        errors = [v for v in verify_plan(p, sc, net) if v.severity == "error"]
        console.print(f"demo weekly plan: {secs:.1f} s, cost {p.kpis['cost_dkk']:,.2f} DKK, "
                      f"{p.kpis['runs']} runs, {p.kpis['trips_unserved']} unserved trips, "
                      f"{len(errors)} violations")
        results.append({"instance": "samso-demo",  # cost in DKK "cost": p.kpis["cost_dkk"],
                        "routes": p.kpis["runs"], "best_known": None, "gap_pct": None,
                        "seconds": round(secs, 2), "violations": len(errors)})
    if "scale" in chosen:
        # --solutions DIR keeps each city case's scenario and plan; --plan-time-limit sets the
        # plan's budget (default: the planner's own).
        _bench_scale([int(n) for n in sizes.split(",") if n.strip()], results, solutions,
                     plan_time_limit)
    std = [s for s in chosen if s in ("darp", "lilim", "homberger")]
    if std:
        from benchmarks.suite import (
            result_to_dict,
            run_benchmarks,
            summarize,
            write_solutions,
        )

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
                                       limit=limit, progress=show)
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


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Start the REST API (settings from SAMKORSEL_* environment variables)."""
    import uvicorn

    from api.main import create_app

    console.print(f"API: http://{host}:{port}/api/v1  (OpenAPI docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@app.command("create-user")
def create_user_cmd(
    name: Annotated[str, typer.Argument(help="User name (e.g. the coordinator's e-mail).")],
    role: Annotated[str, typer.Option(help="coordinator, centre or driver.")] = "coordinator",
    centre: Annotated[list[str] | None, typer.Option(help="Centre id (role centre).")] = None,
    vehicle: Annotated[str | None, typer.Option(help="Vehicle id (role driver).")] = None,
) -> None:
    """Create a user and print their API token (shown once). The first user is a coordinator."""
    from api.auth import create_user
    from api.settings import Settings

    try:
        token = create_user(Settings().database_url, name, role, tuple(centre or ()), vehicle)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"created {role} {name!r}; API token (store it now, it is not shown again):")
    typer.echo(token)


@app.command()
def network(
    osm: Annotated[Path | None, typer.Option(
        help="OSM file (.osm, .osm.bz2, .osm.gz or .osm.pbf).")] = None,
    place: Annotated[str | None, typer.Option(
        help="Place name to download through osmnx (needs internet), e.g. 'Samsø, Denmark'.")]
    = None,
    municipality: Annotated[str | None, typer.Option(
        help="Cut --osm to the OSM administrative boundary of this name in the file.")] = None,
    polygon: Annotated[Path | None, typer.Option(
        help="Cut --osm to the polygon of this GeoJSON file.")] = None,
) -> None:
    """Load and cache a road network (default: bundled Samsø) and print its size."""
    from routing.errors import SamkorselError
    from routing.network.roads import (
        default_cache_dir,
        default_network_path,
        load_network,
        load_network_from_place,
    )

    t0 = time.monotonic()
    try:
        if place:
            net = load_network_from_place(place, cache_dir=default_cache_dir())
        elif municipality or polygon:
            from routing.network.osm_extract import load_region

            net = load_region(osm or default_network_path(), municipality=municipality,
                              polygon_file=polygon, cache_dir=default_cache_dir())
        else:
            net = load_network(osm or default_network_path(), cache_dir=default_cache_dir())
    except (SamkorselError, OSError) as exc:
        raise _fail(str(exc)) from exc
    km = float(net.edge_length_m.sum()) / 1000.0
    console.print(f"{net.source}: {net.n_nodes} nodes, {net.n_edges} edges, {km:.0f} km of "
                  f"directed road, loaded in {time.monotonic() - t0:.2f} s "
                  f"(cached in {default_cache_dir()}). © OpenStreetMap contributors")


@app.command()
def reimburse(
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    rider: Annotated[str, typer.Option(help="Rider id.")],
    plan_file: Annotated[Path | None, typer.Option("--plan", help="Plan JSON (for the "
                                                   "rider's unserved trips and marginal cost).")]
    = None,
    year: Annotated[int, typer.Option(help="Rate year.")] = 2026,
    centre_assessment: Annotated[str | None, typer.Option(
        help="The centre's recorded assessment that the shared ride is not an option.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
) -> None:
    """Decide whether reimbursement instead of the shared ride is warranted, and how much."""
    from routing.errors import PlanFormatError
    from routing.planning.plan_io import read_plan
    from routing.planning.planner import place_matrix
    from routing.reimbursement.decision import assess
    from routing.reimbursement.rates import load_rates

    sc = _load_scenario(scenario)
    try:
        rider_obj = sc.rider(rider)
    except KeyError as exc:
        raise _fail(f"unknown rider {rider!r} in {scenario}") from exc
    plan_obj = None
    if plan_file is not None:
        try:
            plan_obj = read_plan(plan_file)
        except (PlanFormatError, OSError) as exc:
            raise _fail(str(exc)) from exc
    try:
        rates = load_rates(year)
    except (KeyError, FileNotFoundError, ValueError) as exc:
        raise _fail(f"no rates for {year}: {exc}") from exc
    net = _load_network(sc)
    matrix = place_matrix(sc, net)
    decision = assess(rider_obj, sc, matrix, rates, plan=plan_obj,
                      centre_assessment=centre_assessment)
    if as_json:
        typer.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(decision.text_da, highlight=False)


@app.command()
def day(
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    plan_file: Annotated[Path, typer.Option("--plan", help="Weekly plan JSON.")],
    on: Annotated[str, typer.Option("--date", help="Date, YYYY-MM-DD.")],
    absences: Annotated[Path | None, typer.Option(
        help="CSV of afbud: rider_id,start,end,reason[,direction]")] = None,
    closures: Annotated[Path | None, typer.Option(
        help="Centre closures: CSV (centre_id,start,end,reason) or .ics")] = None,
    out: Annotated[Path, typer.Option(help="Directory for the day's runs and manifests.")] = Path(
        "out/day"),
) -> None:
    """Derive one date's runs from the weekly plan (closing days, afbud) and write manifests."""
    from routing.errors import PlanFormatError
    from routing.planning.plan_io import read_plan

    sc = _load_scenario(scenario)
    try:
        on_date = date.fromisoformat(on)
    except ValueError as exc:
        raise _fail(f"--date {on!r} is not YYYY-MM-DD") from exc
    try:
        weekly = read_plan(plan_file)
    except (PlanFormatError, OSError) as exc:
        raise _fail(str(exc)) from exc
    net = _load_network(sc)
    code = _run_day(sc, net, weekly, on_date, absences, closures, out)
    raise typer.Exit(code)


def _run_day(sc: Scenario, net: RoadNetwork, weekly: Plan, on_date: date,
             absences: Path | None, closures: Path | None, out: Path) -> int:
    from api.daytools import run_day

    try:
        return run_day(sc, net, weekly, on_date, absences, closures, out, console)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


def _next_weekday(d: date) -> date:
    d = d + timedelta(days=1)
    while d.weekday() >= 4:  # the demo centres open Monday–Thursday
        d += timedelta(days=1)
    return d


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Directory for the plan, map and manifests.")] = Path(
        "out/demo"),
    time_limit: Annotated[float, typer.Option(help="Max solver seconds for the week.")] = 90.0,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve",
                                            help="Start the REST API afterwards.")] = True,
    port: Annotated[int, typer.Option(help="API port.")] = 8000,
) -> None:
    """The whole job on the embedded default: Samsø network, demo scenario, SQLite."""
    from routing.planning.plan_io import write_plan

    out.mkdir(parents=True, exist_ok=True)
    sc = _load_scenario(DEMO_SCENARIO)
    t0 = time.monotonic()
    net = _load_network(sc)
    console.print(f"road network: {net.n_nodes} nodes, {net.n_edges} edges "
                  f"({time.monotonic() - t0:.1f} s; © OpenStreetMap contributors)")
    console.print(f"scenario: {len(sc.riders)} riders, {len(sc.centres)} centres, "
                  f"{len(sc.sessions)} sessions, {len(sc.vehicles)} vehicles")
    result = _plan_with_progress(sc, net, time_limit, None)
    plan_path = out / "plan.json"
    write_plan(result, plan_path)
    _print_plan_summary(result)
    code = _verify_and_report(result, sc, net)
    _write_maps(result, net, out / "plan.geojson", out / "map.html", sc.centres)
    on_date = _next_weekday(date.today())
    _run_day(sc, net, result, on_date, None, None, out / f"day-{on_date.isoformat()}")
    console.print(f"\nplan: [bold]{plan_path}[/]\nmap: [bold]{out / 'map.html'}[/]\n"
                  f"manifests and day map for {on_date.isoformat()}: "
                  f"[bold]{out}/day-{on_date.isoformat()}/[/]")
    if code != 0:
        raise typer.Exit(code)
    if serve_api:
        from api.demo_seed import seed_demo_database
        from api.settings import Settings

        settings = Settings()
        token = seed_demo_database(settings, sc, result)
        console.print(f"database: {settings.database_url}\ncoordinator token for the demo: "
                      f"[bold]{token}[/]\ntry: curl -H 'Authorization: Bearer {token}' "
                      f"http://127.0.0.1:{port}/api/v1/plans\nweb pages (log in with the token): "
                      f"http://127.0.0.1:{port}/web/", soft_wrap=True)
        serve(host="127.0.0.1", port=port)


# --------------------------------------------------------------------------------------------
# A living plan: insert, remove, change, reoptimise (issue 8)


def _read_plan_or_fail(path: Path) -> Plan:
    from routing.errors import PlanFormatError
    from routing.planning.plan_io import read_plan

    try:
        return read_plan(path)
    except (PlanFormatError, OSError) as exc:
        raise _fail(str(exc)) from exc


def _plan_in_force(scenario_dir: Path, plan_file: Path
                   ) -> tuple[Scenario, Plan, RoadNetwork, TravelMatrix]:
    """What a change to the plan in force works on: scenario, plan, network, travel matrix
    (each failing with a clear message and exit 2)."""
    from routing.planning.planner import place_matrix

    sc = _load_scenario(scenario_dir)
    old = _read_plan_or_fail(plan_file)
    network = _load_network(sc)
    return sc, old, network, place_matrix(sc, network)


def _default_out(plan_file: Path, action: str, rider: str | None = None) -> Path:
    suffix = f"-{action}" + (f"-{rider}" if rider else "")
    return plan_file.with_name(f"{plan_file.stem}{suffix}.json")


def _finish_change(old: Plan, new: Plan, sc: Scenario, network: RoadNetwork, out: Path,
                   notifications: Path | None,
                   expected: set[tuple[str, str, str]] | None = None) -> None:
    """Verify the new plan, write it and the notifications; exit 1 (nothing written) when the
    change breaks a rule the plan in force kept."""
    from routing.living.notifications import notifications_csv, plan_notifications
    from routing.planning.plan_io import write_plan
    from routing.verify.checks import verify_plan

    code = _verify_and_report(new, sc, network, expected)
    if code != 0:
        # Refuse only what the change breaks: findings the plan in force already had remain.
        before = {(v.code, v.message) for v in verify_plan(old, sc, network)}
        introduced = [v for v in verify_plan(new, sc, network, expected_trips=expected)
                      if v.severity == "error" and (v.code, v.message) not in before]
        if introduced:
            err.print(f"[bold red]the change breaks {len(introduced)} rule(s); nothing "
                      f"written[/]")
            raise typer.Exit(code)
        err.print("[yellow]the violations above were already in the plan in force[/]")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_plan(new, out)
    console.print(f"new plan written to [bold]{out}[/]")
    notes = plan_notifications(old, new, sc)
    riders = sorted({n.recipient_id for n in notes if n.recipient_type == "rider"})
    console.print(f"{len(notes)} notification(s): {len(riders)} rider(s), "
                  f"{len({n.recipient_id for n in notes if n.recipient_type == 'driver'})} "
                  f"driver(s), "
                  f"{len({n.recipient_id for n in notes if n.recipient_type == 'centre'})} "
                  f"centre(s)")
    if notifications is not None:
        notifications.parent.mkdir(parents=True, exist_ok=True)
        notifications.write_text(notifications_csv(notes), encoding="utf-8")
        console.print(f"notifications written to [bold]{notifications}[/]")


def _print_options(report: Any) -> None:
    from routing.model import format_hm

    table = Table(title=f"Insertion options for rider {report.rider_id}")
    for col in ("#", "added cost", "riders moved", "total shift", "trips", "own times"):
        table.add_column(col)
    for i, o in enumerate(report.options, start=1):
        trips = "\n".join(f"{p.weekday} {'ind' if p.direction == 'to_centre' else 'hjem'} "
                          f"{format_hm(p.agreed_s)} {p.run_id}" + (" (new run)" if p.new_run
                                                                    else "")
                          for p in o.placements)
        if o.unplaced:
            trips += "\n" + "\n".join(f"{u.weekday} {u.direction}: NOT SERVED"
                                      for u in o.unplaced)
        moved = "none" if o.keeps_all_times else "\n".join(m.describe() for m in o.moved)
        table.add_row(str(i), f"{o.added_cost_ore / 100:,.2f} DKK", moved,
                      f"{o.total_shift_s // 60} min", trips,
                      "exception" if o.consistency_exception else "consistent")
    console.print(table)
    colour = "green" if report.keeps_all_times_possible else "yellow"
    console.print(f"[{colour}]{report.message}[/]", highlight=False)


def _pick(report: Any, choose: int) -> Any:
    if not report.options:
        raise _fail(f"rider {report.rider_id}: no insertion option", 1)
    if not 1 <= choose <= len(report.options):
        raise _fail(f"--choose {choose}: pick 1..{len(report.options)}")
    return report.options[choose - 1]


@app.command()
def insert(
    plan_file: Annotated[Path, typer.Option("--plan", help="The plan in force (JSON).")],
    scenario: Annotated[Path, typer.Option(help="Scenario directory including the rider.")],
    rider: Annotated[str, typer.Option(help="Rider id to insert.")],
    choose: Annotated[int, typer.Option(help="Option to apply (1 = best).")] = 1,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-insert-<rider>.json).")] = None,
    notifications: Annotated[Path | None, typer.Option(
        help="Write the notifications (riders, drivers, centres) as CSV.")] = None,
    max_shift: Annotated[int, typer.Option(
        help="Minutes others' times may move when no insertion keeps them all.")] = 20,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list the options.")] = False,
) -> None:
    """Insert a rider into the plan in force with the least disturbance (ranked options)."""
    from routing.living.changes import LivingPlanError, insert_rider

    sc, old, network, matrix = _plan_in_force(scenario, plan_file)
    try:
        report = insert_rider(old, sc, matrix, rider, max_shift_s=max_shift * 60)
    except LivingPlanError as exc:
        raise _fail(str(exc)) from exc
    _print_options(report)
    if dry_run:
        return
    option = _pick(report, choose)
    _finish_change(old, option.plan, sc, network, out or _default_out(plan_file, "insert", rider),
                   notifications)


@app.command()
def remove(
    plan_file: Annotated[Path, typer.Option("--plan", help="The plan in force (JSON).")],
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    rider: Annotated[str, typer.Option(help="Rider id to remove.")],
    weekday: Annotated[list[str] | None, typer.Option(
        help="Only these weekdays (mon..fri); default all.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-remove-<rider>.json).")] = None,
    notifications: Annotated[Path | None, typer.Option(
        help="Write the notifications as CSV.")] = None,
) -> None:
    """Remove a rider from the plan in force; nobody's agreed time moves."""
    from routing.living.changes import LivingPlanError, remove_rider
    from routing.model import DIRECTIONS, WEEKDAYS
    from routing.verify.checks import expected_trips

    bad = [d for d in weekday or [] if d not in WEEKDAYS]
    if bad:
        raise _fail(f"--weekday {bad[0]!r} is not one of {', '.join(WEEKDAYS)}")
    sc, old, network, matrix = _plan_in_force(scenario, plan_file)
    trips = [(d, k) for d in weekday for k in DIRECTIONS] if weekday else None
    try:
        result = remove_rider(old, sc, matrix, rider, trips=trips)
    except LivingPlanError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"removed {len(result.removed_trips)} trip(s) of {rider}: "
                  + ", ".join(f"{d} {k} {r}" for d, k, r in result.removed_trips)
                  + (f"; run(s) gone: {', '.join(result.cancelled_runs)}"
                     if result.cancelled_runs else "")
                  + f"; saves {result.saved_ore / 100:,.2f} DKK a week; nobody else's time moves",
                  highlight=False)
    # The scenario may still list the rider (the plan changes first): they are no longer owed.
    gone = {(rider, d, k) for d, k, _ in result.removed_trips} | \
        {(u.rider_id, u.weekday, u.direction) for u in old.unserved if u.rider_id == rider
         and (weekday is None or u.weekday in weekday)}
    expected = expected_trips(sc) - gone
    _finish_change(old, result.plan, sc, network,
                   out or _default_out(plan_file, "remove", rider), notifications, expected)


@app.command()
def change(
    plan_file: Annotated[Path, typer.Option("--plan", help="The plan in force (JSON).")],
    scenario: Annotated[Path, typer.Option(help="Scenario directory with the changed rider.")],
    rider: Annotated[str, typer.Option(help="Rider id whose days, sessions or home changed.")],
    choose: Annotated[int, typer.Option(help="Insertion option to apply (1 = best).")] = 1,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-change-<rider>.json).")] = None,
    notifications: Annotated[Path | None, typer.Option(
        help="Write the notifications as CSV.")] = None,
    max_shift: Annotated[int, typer.Option(
        help="Minutes others' times may move when no insertion keeps them all.")] = 20,
) -> None:
    """Apply a changed rider (days, sessions, address) as remove + insert."""
    from routing.living.changes import LivingPlanError, change_rider

    sc, old, network, matrix = _plan_in_force(scenario, plan_file)
    try:
        result = change_rider(old, sc, matrix, rider, max_shift_s=max_shift * 60)
    except LivingPlanError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"removed {len(result.removal.removed_trips)} trip(s)", highlight=False)
    new = result.removal.plan
    if result.insertion is not None:
        _print_options(result.insertion)
        new = _pick(result.insertion, choose).plan
    _finish_change(old, new, sc, network, out or _default_out(plan_file, "change", rider),
                   notifications)


@app.command()
def reoptimise(
    plan_file: Annotated[Path, typer.Option("--plan", help="The plan in force (JSON).")],
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    max_moved: Annotated[int, typer.Option(
        help="At most this many riders' agreed times may change.", min=0)] = 0,
    max_shift: Annotated[int, typer.Option(
        help="Minutes any agreed time may move at most.", min=0)] = 10,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-reoptimise.json).")] = None,
    notifications: Annotated[Path | None, typer.Option(
        help="Write the notifications as CSV.")] = None,
) -> None:
    """Improve the plan within a stability budget; report the saving against the riders moved."""
    from routing.living.reoptimise import describe_improvements
    from routing.living.reoptimise import reoptimise as improve

    sc, old, network, matrix = _plan_in_force(scenario, plan_file)
    result = improve(old, sc, matrix, max_moved=max_moved, max_shift_s=max_shift * 60)
    for line in describe_improvements(result.improvements):
        console.print(f"  {line}", highlight=False)
    for m in result.moved:
        console.print(f"  moved: {m.describe()}", highlight=False)
    console.print(f"[bold]{result.describe()}[/]", highlight=False)
    _finish_change(old, result.plan, sc, network,
                   out or _default_out(plan_file, "reoptimise"), notifications)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
    sys.exit(0)
