"""``samkorsel day``: one date's runs from the weekly plan (closing days, afbud), verified, with
the drivers' manifests and the centres' rider lists."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import console, fail, load_network, load_scenario, read_plan_or_fail
from routing.model import Plan, Scenario

if TYPE_CHECKING:
    from routing.network.roads import RoadNetwork


def run_day(sc: Scenario, net: RoadNetwork, weekly: Plan, on_date: date,
            absences: Path | None, closures: Path | None, out: Path) -> int:
    """Write the date's runs, manifests and rider lists into ``out``; the exit code."""
    from api.daytools import run_day as write_day  # road network stack and OR-Tools: lazy

    try:
        return write_day(sc, net, weekly, on_date, absences, closures, out, console)
    except ValueError as exc:
        raise fail(str(exc)) from exc


def next_weekday(d: date) -> date:
    """The next day the demo centres are open after ``d``."""
    d = d + timedelta(days=1)
    while d.weekday() >= 4:  # the demo centres open Monday–Thursday
        d += timedelta(days=1)
    return d


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
    sc = load_scenario(scenario)
    try:
        on_date = date.fromisoformat(on)
    except ValueError as exc:
        raise fail(f"--date {on!r} is not YYYY-MM-DD") from exc
    weekly = read_plan_or_fail(plan_file)
    net = load_network(sc)
    code = run_day(sc, net, weekly, on_date, absences, closures, out)
    raise typer.Exit(code)
