"""``samkorsel plan`` and ``samkorsel verify``: build the weekly plan, check a plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.common import (
    console,
    err,
    fail,
    load_network,
    load_scenario,
    read_plan_or_fail,
)
from routing.errors import SamkorselError
from routing.model import Centre, Plan, Scenario
from routing.municipality.grants import plannable_scenario
from routing.planning.plan_io import write_plan

if TYPE_CHECKING:
    from routing.network.roads import RoadNetwork


def plan_with_progress(scenario: Scenario, network: RoadNetwork, time_limit: float | None,
                       seed: int | None, workers: int | None = None,
                       clusters: int | None = None) -> Plan:
    """The scenario's weekly plan, with a progress bar per wave on stderr."""
    from routing.planning.planner import build_plan  # OR-Tools: lazy (api.cli.common)

    scenario = plannable_scenario(scenario, date.today())  # only riders granted the shared ride
    params = scenario.plan_params
    changes: dict[str, Any] = {}
    if time_limit is not None:
        changes["time_limit_s"] = time_limit
    if seed is not None:
        changes["seed"] = seed
    if workers is not None:
        changes["workers"] = workers
    if clusters is not None:
        changes["clusters"] = clusters
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
            raise fail(str(exc)) from exc


def print_plan_summary(plan: Plan) -> None:
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


def write_maps(result: Plan, network: RoadNetwork, geojson: Path | None,
               map_html: Path | None, centres: Sequence[Centre] = ()) -> None:
    """The plan's GeoJSON and HTML map, each when a path is given."""
    if geojson is not None:
        from maps.geojson import plan_geojson, write_geojson  # road network stack: lazy

        write_geojson(plan_geojson(result, network), geojson)
        console.print(f"GeoJSON written to [bold]{geojson}[/]")
    if map_html is not None:
        from maps.webmap import write_plan_map  # road network stack: lazy

        write_plan_map(result, network, map_html, centres=centres)
        console.print(f"map written to [bold]{map_html}[/]")


def verify_and_report(plan_obj: Plan, sc: Scenario, network: RoadNetwork,
                      expected: set[tuple[str, str, str]] | None = None) -> int:
    """Run the independent checker, print its findings; the exit code (0 OK, 1 violations)."""
    from routing.verify.checks import verify_plan  # road network stack: lazy

    sc = plannable_scenario(sc, date.today())  # riders without a shared-ride grant owe no trip
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


def plan(
    scenario: Annotated[Path, typer.Option(help="Scenario directory (CSV files + scenario.toml).")],
    out: Annotated[Path, typer.Option(help="Plan JSON to write (samkorsel.plan/1).")] = Path(
        "plan.json"),
    time_limit: Annotated[float | None, typer.Option(
        help="Max solver seconds for the week (default: scenario, 90).")] = None,
    seed: Annotated[int | None, typer.Option(help="Solver seed.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=0, help="Processes solving days and pieces at once (0: the CPU count, at most 2; "
                    "1: one after the other; default: the scenario's, else 1).")] = None,
    clusters: Annotated[int | None, typer.Option(
        min=1, help="A region: plan the centres in this many geographic clusters, each with "
                    "its share of the fleet, at once (default: the scenario's, else 1).")] = None,
    geojson: Annotated[Path | None, typer.Option(help="Also write GeoJSON of the runs.")] = None,
    map_html: Annotated[Path | None, typer.Option("--map", help="Also write an HTML map.")] = None,
) -> None:
    """Build the fixed weekly plan of a scenario and write it as JSON."""
    sc = load_scenario(scenario)
    network = load_network(sc)
    result = plan_with_progress(sc, network, time_limit, seed, workers, clusters)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_plan(result, out)
    print_plan_summary(result)
    console.print(f"plan written to [bold]{out}[/]")
    write_maps(result, network, geojson, map_html, sc.centres)


def verify(
    plan_file: Annotated[Path, typer.Argument(help="Plan JSON to check.")],
    scenario: Annotated[Path, typer.Option(help="Scenario directory the plan was built from.")],
) -> None:
    """Check a plan independently of the solver: legs, times, capacities, every rider."""
    sc = load_scenario(scenario)
    plan_obj = read_plan_or_fail(plan_file)
    network = load_network(sc)
    raise typer.Exit(verify_and_report(plan_obj, sc, network))
