"""``samkorsel grants`` and ``samkorsel rules``: the riders' grants of a scenario, and the
municipality presets as a ``[rules]`` block."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, fail, load_scenario, parse_date, read_plan_or_fail


def grants(
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    plan_file: Annotated[Path | None, typer.Option(
        "--plan", help="Plan in force: list riders granted the shared ride but not in it.")]
    = None,
    on: Annotated[str | None, typer.Option("--date", help="Date, YYYY-MM-DD (default today).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The riders' grants (riders.csv: grant, grant_from, grant_to) on a date, and with --plan
    the riders awaiting their start, with the days left of the start promise ([rules])."""
    from routing.municipality.grants import awaiting_start
    from routing.municipality.rules import MunicipalityRules

    sc = load_scenario(scenario)
    day = parse_date(on, "--date") if on else date.today()
    rules = sc.rules if isinstance(sc.rules, MunicipalityRules) else MunicipalityRules()
    rows = [{"rider_id": r.rider_id, "centre_id": r.centre_id, "grant": r.grant,
             "grant_from": r.grant_from.isoformat() if r.grant_from else None,
             "grant_to": r.grant_to.isoformat() if r.grant_to else None,
             "rides": r.rides_on(day)} for r in sc.riders]
    waiting = (awaiting_start(sc, read_plan_or_fail(plan_file), day, rules.start_promise_days)
               if plan_file is not None else None)
    if as_json:
        out = {"date": day.isoformat(), "grants": rows,
               "awaiting_start": [a.to_dict() for a in waiting] if waiting is not None else None}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    table = Table("rider", "centre", "grant", "from", "to", f"rides {day.isoformat()}")
    for row in rows:
        table.add_row(str(row["rider_id"]), str(row["centre_id"]), str(row["grant"]),
                      str(row["grant_from"] or ""), str(row["grant_to"] or ""),
                      "yes" if row["rides"] else "no")
    console.print(table)
    if waiting is not None:
        console.print(f"{len(waiting)} rider(s) granted the shared ride but not in the plan "
                      f"(start promise {rules.start_promise_days} days):")
        for a in waiting:
            left = "no start date" if a.days_left is None else f"{a.days_left} day(s) left"
            console.print(f"  {a.rider_id} ({a.centre_id}): {left}", highlight=False)


def rules(
    preset: Annotated[str | None, typer.Option(
        help="soenderborg, randers, haderslev, broenderslev or norddjurs (default: the "
        "general defaults).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the [rules] block to this file (e.g. append it to scenario.toml).")] = None,
    scenario: Annotated[Path | None, typer.Option(
        help="Show the rules of this scenario instead.")] = None,
) -> None:
    """Print (or write) a [rules] block for scenario.toml: a municipality's preset, with its
    sources."""
    from routing.municipality.rules import MunicipalityRules, RulesError, rules_to_toml
    from routing.municipality.rules import preset as get_preset

    if scenario is not None:
        sc = load_scenario(scenario)
        chosen = sc.rules if isinstance(sc.rules, MunicipalityRules) else MunicipalityRules()
    else:
        try:
            chosen = get_preset(preset) if preset else MunicipalityRules()
        except RulesError as exc:
            raise fail(str(exc)) from exc
    text = rules_to_toml(chosen)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        console.print(f"[rules] written to [bold]{out}[/]")
    else:
        typer.echo(text, nl=False)
