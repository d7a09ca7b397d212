"""Running the service: ``serve``, ``demo`` (the whole job on the embedded default),
and ``network`` (load and cache a road network)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import DEMO_SCENARIO, console, fail, load_network, load_scenario
from api.cli.day import next_weekday, run_day
from api.cli.plan import plan_with_progress, print_plan_summary, verify_and_report, write_maps
from routing.errors import SamkorselError
from routing.planning.plan_io import write_plan


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Start the REST API (settings from SAMKORSEL_* environment variables)."""
    # FastAPI, SQLAlchemy and uvicorn: lazy, they would add 0.6 s to every other command.
    import uvicorn

    from api.main import create_app

    console.print(f"API: http://{host}:{port}/api/v1  (OpenAPI docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


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
    from routing.network.roads import (  # osmnx: lazy (api.cli.common)
        default_cache_dir,
        default_network_path,
        load_network_from_place,
    )
    from routing.network.roads import load_network as read_network

    t0 = time.monotonic()
    try:
        if place:
            net = load_network_from_place(place, cache_dir=default_cache_dir())
        elif municipality or polygon:
            from routing.network.osm_extract import load_region

            net = load_region(osm or default_network_path(), municipality=municipality,
                              polygon_file=polygon, cache_dir=default_cache_dir())
        else:
            net = read_network(osm or default_network_path(), cache_dir=default_cache_dir())
    except (SamkorselError, OSError) as exc:
        raise fail(str(exc)) from exc
    km = float(net.edge_length_m.sum()) / 1000.0
    console.print(f"{net.source}: {net.n_nodes} nodes, {net.n_edges} edges, {km:.0f} km of "
                  f"directed road, loaded in {time.monotonic() - t0:.2f} s "
                  f"(cached in {default_cache_dir()}). © OpenStreetMap contributors")


def demo(
    out: Annotated[Path, typer.Option(help="Directory for the plan, map and manifests.")] = Path(
        "out/demo"),
    time_limit: Annotated[float, typer.Option(
        help="Max solver seconds for the week (a minute for the demo).")] = 60.0,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve",
                                            help="Start the REST API afterwards.")] = True,
    port: Annotated[int, typer.Option(help="API port.")] = 8000,
) -> None:
    """The whole job on the embedded default: Samsø network, demo scenario, SQLite."""
    out.mkdir(parents=True, exist_ok=True)
    sc = load_scenario(DEMO_SCENARIO)
    t0 = time.monotonic()
    net = load_network(sc)
    console.print(f"road network: {net.n_nodes} nodes, {net.n_edges} edges "
                  f"({time.monotonic() - t0:.1f} s; © OpenStreetMap contributors)")
    console.print(f"scenario: {len(sc.riders)} riders, {len(sc.centres)} centres, "
                  f"{len(sc.sessions)} sessions, {len(sc.vehicles)} vehicles")
    result = plan_with_progress(sc, net, time_limit, None)
    plan_path = out / "plan.json"
    write_plan(result, plan_path)
    print_plan_summary(result)
    code = verify_and_report(result, sc, net)
    write_maps(result, net, out / "plan.geojson", out / "map.html", sc.centres)
    on_date = next_weekday(date.today())
    run_day(sc, net, result, on_date, None, None, out / f"day-{on_date.isoformat()}")
    console.print(f"\nplan: [bold]{plan_path}[/]\nmap: [bold]{out / 'map.html'}[/]\n"
                  f"manifests and day map for {on_date.isoformat()}: "
                  f"[bold]{out}/day-{on_date.isoformat()}/[/]")
    # Seeded with or without --serve, so the pages show the plan at once.
    # SQLAlchemy and pydantic-settings: lazy, as in serve.
    from api.demo_seed import seed_demo
    from api.settings import Settings

    token, login_lines = seed_demo(Settings(), sc, result)
    for line in login_lines:
        console.print(line, soft_wrap=True)
    console.print(f"web pages: http://127.0.0.1:{port}/web/"
                  + ("" if serve_api else " (after `samkorsel serve`)") + "\n"
                  f"coordinator API key: {token}\ntry: curl -H 'Authorization: Bearer "
                  f"{token}' http://127.0.0.1:{port}/api/v1/plans", soft_wrap=True,
                  highlight=False)
    if code != 0:
        raise typer.Exit(code)
    if serve_api:
        serve(host="127.0.0.1", port=port)
