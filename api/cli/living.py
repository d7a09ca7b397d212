"""A living plan: ``insert``, ``remove``, ``change`` and ``reoptimise`` riders in the plan in
force, each writing a new plan and the notifications it causes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli.common import console, err, fail, load_network, load_scenario, read_plan_or_fail
from api.cli.plan import verify_and_report
from routing.living.notifications import notifications_csv, plan_notifications
from routing.model import DIRECTIONS, WEEKDAYS, Plan, Scenario, format_hm
from routing.planning.plan_io import write_plan

if TYPE_CHECKING:
    from routing.living.changes import InsertionOption, InsertionReport
    from routing.network.matrix import TravelMatrix
    from routing.network.roads import RoadNetwork


# Options several commands share (the same flag and help text).
PlanInForce = Annotated[Path, typer.Option("--plan", help="The plan in force (JSON).")]
NotificationsCsv = Annotated[Path | None, typer.Option(help="Write the notifications as CSV.")]
MaxShift = Annotated[int, typer.Option(
    help="Minutes others' times may move when no insertion keeps them all.")]


def _plan_in_force(scenario_dir: Path, plan_file: Path
                   ) -> tuple[Scenario, Plan, RoadNetwork, TravelMatrix]:
    """What a change to the plan in force works on: scenario, plan, network, travel matrix
    (each failing with a clear message and exit 2)."""
    from routing.planning.planner import place_matrix  # OR-Tools: lazy (api.cli.common)

    sc = load_scenario(scenario_dir)
    old = read_plan_or_fail(plan_file)
    network = load_network(sc)
    return sc, old, network, place_matrix(sc, network)


def _default_out(plan_file: Path, action: str, rider: str | None = None) -> Path:
    suffix = f"-{action}" + (f"-{rider}" if rider else "")
    return plan_file.with_name(f"{plan_file.stem}{suffix}.json")


def _finish_change(old: Plan, new: Plan, sc: Scenario, network: RoadNetwork, out: Path,
                   notifications: Path | None,
                   expected: set[tuple[str, str, str]] | None = None) -> None:
    """Verify the new plan, write it and the notifications; exit 1 (nothing written) when the
    change breaks a rule the plan in force kept."""
    from routing.verify.checks import verify_plan  # road network stack: lazy

    code = verify_and_report(new, sc, network, expected)
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


def _print_options(report: InsertionReport) -> None:
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


def _pick(report: InsertionReport, choose: int) -> InsertionOption:
    if not report.options:
        raise fail(f"rider {report.rider_id}: no insertion option", 1)
    if not 1 <= choose <= len(report.options):
        raise fail(f"--choose {choose}: pick 1..{len(report.options)}")
    return report.options[choose - 1]


def insert(
    plan_file: PlanInForce,
    scenario: Annotated[Path, typer.Option(help="Scenario directory including the rider.")],
    rider: Annotated[str, typer.Option(help="Rider id to insert.")],
    choose: Annotated[int, typer.Option(help="Option to apply (1 = best).")] = 1,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-insert-<rider>.json).")] = None,
    notifications: Annotated[Path | None, typer.Option(
        help="Write the notifications (riders, drivers, centres) as CSV.")] = None,
    max_shift: MaxShift = 20,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list the options.")] = False,
) -> None:
    """Insert a rider into the plan in force with the least disturbance (ranked options)."""
    from routing.living.changes import LivingPlanError, insert_rider  # OR-Tools: lazy

    sc, old, network, matrix = _plan_in_force(scenario, plan_file)
    try:
        report = insert_rider(old, sc, matrix, rider, max_shift_s=max_shift * 60)
    except LivingPlanError as exc:
        raise fail(str(exc)) from exc
    _print_options(report)
    if dry_run:
        return
    option = _pick(report, choose)
    _finish_change(old, option.plan, sc, network, out or _default_out(plan_file, "insert", rider),
                   notifications)


def remove(
    plan_file: PlanInForce,
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    rider: Annotated[str, typer.Option(help="Rider id to remove.")],
    weekday: Annotated[list[str] | None, typer.Option(
        help="Only these weekdays (mon..fri); default all.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-remove-<rider>.json).")] = None,
    notifications: NotificationsCsv = None,
) -> None:
    """Remove a rider from the plan in force; nobody's agreed time moves."""
    from routing.living.changes import LivingPlanError, remove_rider  # OR-Tools: lazy
    from routing.verify.checks import expected_trips  # road network stack: lazy

    bad = [d for d in weekday or [] if d not in WEEKDAYS]
    if bad:
        raise fail(f"--weekday {bad[0]!r} is not one of {', '.join(WEEKDAYS)}")
    sc, old, network, matrix = _plan_in_force(scenario, plan_file)
    trips = [(d, k) for d in weekday for k in DIRECTIONS] if weekday else None
    try:
        result = remove_rider(old, sc, matrix, rider, trips=trips)
    except LivingPlanError as exc:
        raise fail(str(exc)) from exc
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


def change(
    plan_file: PlanInForce,
    scenario: Annotated[Path, typer.Option(help="Scenario directory with the changed rider.")],
    rider: Annotated[str, typer.Option(help="Rider id whose days, sessions or home changed.")],
    choose: Annotated[int, typer.Option(help="Insertion option to apply (1 = best).")] = 1,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-change-<rider>.json).")] = None,
    notifications: NotificationsCsv = None,
    max_shift: MaxShift = 20,
) -> None:
    """Apply a changed rider (days, sessions, address) as remove + insert."""
    from routing.living.changes import LivingPlanError, change_rider  # OR-Tools: lazy

    sc, old, network, matrix = _plan_in_force(scenario, plan_file)
    try:
        result = change_rider(old, sc, matrix, rider, max_shift_s=max_shift * 60)
    except LivingPlanError as exc:
        raise fail(str(exc)) from exc
    console.print(f"removed {len(result.removal.removed_trips)} trip(s)", highlight=False)
    new = result.removal.plan
    if result.insertion is not None:
        _print_options(result.insertion)
        new = _pick(result.insertion, choose).plan
    _finish_change(old, new, sc, network, out or _default_out(plan_file, "change", rider),
                   notifications)


def reoptimise(
    plan_file: PlanInForce,
    scenario: Annotated[Path, typer.Option(help="Scenario directory.")],
    max_moved: Annotated[int, typer.Option(
        help="At most this many riders' agreed times may change.", min=0)] = 0,
    max_shift: Annotated[int, typer.Option(
        help="Minutes any agreed time may move at most.", min=0)] = 10,
    out: Annotated[Path | None, typer.Option(
        help="New plan JSON (default: <plan>-reoptimise.json).")] = None,
    notifications: NotificationsCsv = None,
) -> None:
    """Improve the plan within a stability budget; report the saving against the riders moved."""
    # OR-Tools: lazy (api.cli.common)
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
