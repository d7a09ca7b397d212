"""``samkorsel reimburse``: is reimbursement instead of the shared ride warranted, and how much."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console, fail, load_network, load_scenario, read_plan_or_fail
from routing.model import Plan
from routing.reimbursement.rates import load_rates


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
    # OR-Tools and the road network stack: lazy (api.cli.common)
    from routing.planning.planner import place_matrix
    from routing.reimbursement.decision import assess

    sc = load_scenario(scenario)
    try:
        rider_obj = sc.rider(rider)
    except KeyError as exc:
        raise fail(f"unknown rider {rider!r} in {scenario}") from exc
    plan_obj: Plan | None = None
    if plan_file is not None:
        plan_obj = read_plan_or_fail(plan_file)
    try:
        rates = load_rates(year)
    except (KeyError, FileNotFoundError, ValueError) as exc:
        raise fail(f"no rates for {year}: {exc}") from exc
    net = load_network(sc)
    matrix = place_matrix(sc, net)
    decision = assess(rider_obj, sc, matrix, rates, plan=plan_obj,
                      centre_assessment=centre_assessment)
    if as_json:
        typer.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(decision.text_da, highlight=False)
