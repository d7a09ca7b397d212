"""What every command of the CLI shares: the consoles, the error exit, loading the inputs.

Imports of the road-network stack (osmnx, ~1 s) and of OR-Tools are made inside the functions
that need them: every ``samkorsel`` call, ``--help`` included, imports all command modules, and
``--help`` takes 0.2 s with them lazy against 2 s at module top (``python -X importtime``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from routing.errors import PlanFormatError, SamkorselError
from routing.model import Plan, Scenario
from routing.planning.plan_io import read_plan
from routing.scenario.reader import load_scenario as read_scenario

if TYPE_CHECKING:
    from routing.network.roads import RoadNetwork

console = Console()
err = Console(stderr=True)

REPO = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = REPO / "data" / "demo"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit to raise (2: bad input, 1: check failed)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def load_scenario(directory: Path) -> Scenario:
    try:
        return read_scenario(directory)
    except SamkorselError as exc:
        raise fail(str(exc)) from exc
    except FileNotFoundError as exc:
        raise fail(f"scenario {directory}: {exc}") from exc


def load_network(scenario: Scenario) -> RoadNetwork:
    from routing.network.roads import default_cache_dir  # osmnx: lazy (see above)
    from routing.network.roads import load_network as read_network

    try:
        return read_network(scenario.network_path, cache_dir=default_cache_dir())
    except SamkorselError as exc:
        raise fail(str(exc)) from exc


def read_plan_or_fail(path: Path) -> Plan:
    try:
        return read_plan(path)
    except (PlanFormatError, OSError) as exc:
        raise fail(str(exc)) from exc


def parse_date(value: str, option: str) -> date:
    """``value`` as a date, or exit 2 naming ``option``."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not YYYY-MM-DD") from None
