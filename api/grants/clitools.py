"""Small helpers shared by the grant, rules and reimbursement commands (kept here so that those
commands only need a one-line registration in the ``samkorsel`` app)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from routing.model import Plan, Scenario
    from routing.network.roads import RoadNetwork

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` to stderr and return the exit (2 = bad input)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def load_scenario(directory: Path) -> Scenario:
    from routing.errors import SamkorselError
    from routing.scenario.reader import load_scenario as load

    try:
        return load(directory)
    except SamkorselError as exc:
        raise fail(str(exc)) from exc
    except FileNotFoundError as exc:
        raise fail(f"scenario {directory}: {exc}") from exc


def load_network(scenario: Scenario) -> RoadNetwork:
    from routing.errors import SamkorselError
    from routing.network.roads import default_cache_dir
    from routing.network.roads import load_network as load

    try:
        return load(scenario.network_path, cache_dir=default_cache_dir())
    except SamkorselError as exc:
        raise fail(str(exc)) from exc


def read_plan(path: Path) -> Plan:
    from routing.errors import PlanFormatError
    from routing.planning.plan_io import read_plan as read

    try:
        return read(path)
    except (PlanFormatError, OSError) as exc:
        raise fail(str(exc)) from exc


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not YYYY-MM-DD") from None
