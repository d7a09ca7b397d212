"""``samkorsel reimburse``: one rider's decision, or the candidates list of a plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, fail, load_network, load_scenario, parse_date, read_plan_or_fail


def reimburse(
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    rider: Annotated[str | None, typer.Option(
        help="Rider id. Without it, --plan lists the candidates for an assessment.")] = None,
    plan_file: Annotated[Path | None, typer.Option("--plan", help="Plan JSON (for the "
                                                   "rider's unserved trips and marginal cost).")]
    = None,
    year: Annotated[int, typer.Option(help="Rate year.")] = 2026,
    centre_assessment: Annotated[str | None, typer.Option(
        help="The centre's concrete assessment that the shared ride is not an option (why).")]
    = None,
    assessed_by: Annotated[str | None, typer.Option(
        help="Who at the centre made the assessment.")] = None,
    assessed_on: Annotated[str | None, typer.Option(
        help="When the assessment was made, YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Reimbursement instead of the shared ride: only on the centre's recorded assessment.

    With --rider: the decision (and the Danish letter). Without: the riders whose unserved trips
    or cost in the plan suggest asking the centre for an assessment (never a grant).
    """
    from routing.municipality.rules import MunicipalityRules
    from routing.planning.planner import place_matrix
    from routing.reimbursement.common import ReimbursementError
    from routing.reimbursement.facts import CentreAssessment
    from routing.reimbursement.inputs import assess, candidates
    from routing.reimbursement.rates import load_rates

    sc = load_scenario(scenario)
    if rider is not None and rider not in {r.rider_id for r in sc.riders}:
        raise fail(f"unknown rider {rider!r} in {scenario}")
    if rider is None and plan_file is None:
        raise fail("give --rider, or --plan to list the candidates for an assessment")
    given = [v is not None for v in (centre_assessment, assessed_by, assessed_on)]
    if any(given) and not all(given):
        raise fail("the centre's assessment needs --centre-assessment (why), --assessed-by "
                   "(who) and --assessed-on (when)")
    assessment = None
    if all(given):
        assert centre_assessment and assessed_by and assessed_on
        try:
            assessment = CentreAssessment(assessed_by, parse_date(assessed_on, "--assessed-on")
                                          .isoformat(), centre_assessment)
        except ReimbursementError as exc:
            raise fail(str(exc)) from exc
    plan_obj = read_plan_or_fail(plan_file) if plan_file is not None else None
    try:
        rates = load_rates(year)
    except (KeyError, FileNotFoundError, ValueError) as exc:
        raise fail(f"no rates for {year}: {exc}") from exc
    rules = sc.rules if isinstance(sc.rules, MunicipalityRules) else MunicipalityRules()
    matrix = place_matrix(sc, load_network(sc))
    try:
        if rider is None:
            assert plan_obj is not None
            found = candidates(plan_obj, sc, matrix, rates)
        else:
            decision = assess(rider, sc, matrix, rates, plan=plan_obj,
                              centre_assessment=assessment, appeal_da=rules.appeal_text_da())
    except ReimbursementError as exc:
        raise fail(str(exc)) from exc
    if rider is None:
        if as_json:
            typer.echo(json.dumps([c.to_dict() for c in found], ensure_ascii=False, indent=2))
            return
        table = Table("rider", "centre", "per week (DKK)", "signals", "consider")
        for c in found:
            table.add_row(c.rider_id, c.centre_id, f"{c.marginal_per_week_ore / 100:.2f}",
                          ", ".join(s.kind for s in c.signals), c.text_da)
        console.print(table)
        console.print(f"{len(found)} candidate(s) for a centre assessment; nothing is granted "
                      "without it.")
    elif as_json:
        typer.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(decision.text_da, highlight=False)
