"""Reading and writing scenarios: the import of centres, sessions, riders and vehicles.

The CSV files are read and parsed row by row in :mod:`routing.scenario.tables`; this module reads
``scenario.toml`` and the closures and assembles and validates the scenario.

A scenario is a directory of UTF-8 CSV files with a header row (``centres.csv``, ``sessions.csv``,
``riders.csv``, ``vehicles.csv``) and an optional ``scenario.toml`` (name, road network, planning
parameters). The format is documented column by column in README.md (*Scenario format*).

Loading validates everything and collects *all* problems of all files before raising one
:class:`~routing.errors.ScenarioErrors`; each :class:`~routing.errors.ScenarioError` names the file,
the row as a spreadsheet shows it (header = row 1) and the column. Nothing is half-loaded: the
result is either a complete :class:`~routing.model.Scenario` or an exception.
"""

from __future__ import annotations

import importlib
import logging
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from routing.errors import ScenarioErrors
from routing.model import Scenario
from routing.municipality.rules import MunicipalityRules, RulesError, rules_from_mapping
from routing.operations.calendar import AnyClosure, parse_closures_csv
from routing.params import PlanParams, plan_params_from_mapping
from routing.paths import BUNDLED_NETWORK
from routing.scenario.tables import CENTRES_FILE as CENTRES_FILE
from routing.scenario.tables import CLOSURES_FILE as CLOSURES_FILE
from routing.scenario.tables import LAYOUT_SEPARATOR as LAYOUT_SEPARATOR
from routing.scenario.tables import OPTIONAL_COLUMNS as OPTIONAL_COLUMNS
from routing.scenario.tables import REQUIRED_COLUMNS as REQUIRED_COLUMNS
from routing.scenario.tables import RIDERS_FILE as RIDERS_FILE
from routing.scenario.tables import SCENARIO_TOML as SCENARIO_TOML
from routing.scenario.tables import SESSION_LIST_SEPARATOR as SESSION_LIST_SEPARATOR
from routing.scenario.tables import SESSIONS_FILE as SESSIONS_FILE
from routing.scenario.tables import VEHICLES_FILE as VEHICLES_FILE
from routing.scenario.tables import (
    Errors,
    decode,
    parse_centres,
    parse_riders,
    parse_sessions,
    parse_vehicles,
    read_table,
)

__all__ = [
    "CENTRES_FILE",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "RIDERS_FILE",
    "SCENARIO_TOML",
    "SESSIONS_FILE",
    "VEHICLES_FILE",
    "default_network_path",
    "load_scenario",
    "write_scenario",
]

logger = logging.getLogger(__name__)

_TOML_KEYS = ("name", "network", "plan", "rules")
_TOML_LINE_RE = re.compile(r"at line (\d+)")
_TOML_TABLE_RE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")


# --------------------------------------------------------------------------------------------
# Network path


def _bundled_network_path() -> Path:
    return BUNDLED_NETWORK


def default_network_path() -> Path:
    """The road network used when ``scenario.toml`` names none: the bundled Samsø extract.

    Returns
    -------
    Path
        ``routing.network.roads.default_network_path()`` when that module provides it, otherwise
        ``data/osm/samsoe-2020-03-09.osm.bz2`` of this repository.
    """
    try:
        network = importlib.import_module("routing.network.roads")
    except ImportError:
        return _bundled_network_path()
    func = getattr(network, "default_network_path", None)
    if callable(func):
        return Path(func())
    return _bundled_network_path()


# --------------------------------------------------------------------------------------------
# scenario.toml


@dataclass
class _Settings:
    name: str
    network_path: Path
    plan_params: PlanParams
    rules: MunicipalityRules | None = None


def _toml_key_row(text: str, table: str | None, key: str) -> int | None:
    """Line number of ``key = …`` (inside ``[table]`` if given), for pointing at the cell."""
    current: str | None = None
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_TABLE_RE.match(line)
        if header:
            current = header.group(1)
        elif current == table and pattern.match(line):
            return number
    return None


def _check_plan_params(params: PlanParams) -> list[tuple[str, str]]:
    """Sanity rules the type checks of :func:`plan_params_from_mapping` do not cover."""
    problems: list[tuple[str, str]] = []
    for f in fields(PlanParams):
        value = getattr(params, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            problems.append((f.name, "must not be negative"))
    if params.arrive_latest_before_s > params.arrive_earliest_before_s:
        problems.append(("arrive_latest_before_s",
                         "must not exceed arrive_earliest_before_s (the arrival window is empty)"))
    if params.pickup_earliest_after_s > params.pickup_latest_after_s:
        problems.append(("pickup_earliest_after_s",
                         "must not exceed pickup_latest_after_s (the pickup window is empty)"))
    if params.rounding_s < 1:
        problems.append(("rounding_s", "must be at least 1 second (1 = no rounding)"))
    if params.max_ride_s == 0:
        problems.append(("max_ride_s", "must be positive"))
    factor = params.detour_factor
    if factor is not None and (
        not isinstance(factor, int | float) or isinstance(factor, bool) or factor < 1
    ):
        problems.append(("detour_factor", "must be a number of at least 1"))
    if params.time_limit_s == 0:
        problems.append(("time_limit_s", "must be positive"))
    return problems


def _read_settings(directory: Path, errors: Errors) -> _Settings:
    settings = _Settings(
        name=directory.name, network_path=default_network_path(), plan_params=PlanParams()
    )
    path = directory / SCENARIO_TOML
    if not path.is_file():
        return settings
    text = decode(path.read_bytes(), SCENARIO_TOML, errors)
    if text is None:
        return settings
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE_RE.search(str(exc))
        errors.add(f"not valid TOML: {exc}", SCENARIO_TOML,
                   row=int(match.group(1)) if match else None)
        return settings

    def error(message: str, key: str, table: str | None = None) -> None:
        column = f"{table}.{key}" if table else key
        errors.add(message, SCENARIO_TOML, row=_toml_key_row(text, table, key), column=column)

    for key in data:
        if key not in _TOML_KEYS:
            error(f"unknown key; known keys: {', '.join(_TOML_KEYS)}", key)
    name = data.get("name", settings.name)
    if not isinstance(name, str) or not name.strip():
        error("must be a non-empty string", "name")
    else:
        settings.name = name.strip()
    if "network" in data:
        network = data["network"]
        if not isinstance(network, str) or not network.strip():
            error("must be a path (string) to an .osm or .osm.bz2 file", "network")
        else:
            network_path = (directory / network.strip()).resolve()
            if not network_path.is_file():
                error(f"network file not found: {network_path}", "network")
            settings.network_path = network_path
    rules = data.get("rules")
    if rules is not None:
        if not isinstance(rules, dict):
            error("must be a table: write [rules] on its own line", "rules")
        else:
            try:
                settings.rules = rules_from_mapping(rules)
            except RulesError as exc:
                error(str(exc), exc.key, "rules")
    plan = data.get("plan", {})
    if not isinstance(plan, dict):
        error("must be a table: write [plan] on its own line, then key = value lines", "plan")
        return settings
    valid: dict[str, Any] = {}
    disabled: list[str] = []
    for key, value in plan.items():
        if key in ("consistency_s", "consistency_min") and value is False:
            disabled.append("consistency_s")  # TOML has no null: `false` turns the rule off
            continue
        try:
            plan_params_from_mapping({key: value})
        except ValueError as exc:
            error(str(exc), key, "plan")
        else:
            valid[key] = value
    params = plan_params_from_mapping(valid)
    if disabled:
        params = params.with_overrides(consistency_s=None)
    for name_s, message in _check_plan_params(params):
        # Point at the key as the user wrote it (field name or minute alias).
        alias = name_s[: -len("_s")] + "_min" if name_s.endswith("_s") else name_s
        key = alias if alias in plan else name_s
        error(f"{key} {message}", key, "plan")
    settings.plan_params = params
    return settings


def _read_closures(directory: Path, errors: Errors,
                   centre_ids: set[str] | None) -> tuple[AnyClosure, ...]:
    """``closures.csv`` if present (once or every year; ``*`` = every centre)."""
    path = directory / CLOSURES_FILE
    if not path.is_file():
        return ()
    text = decode(path.read_bytes(), CLOSURES_FILE, errors)
    if text is None:
        return ()
    try:
        return parse_closures_csv(text, file=CLOSURES_FILE, centre_ids=centre_ids)
    except ScenarioErrors as exc:
        for e in exc.errors:
            errors.add(e.detail, CLOSURES_FILE, row=e.row, column=e.column)
        return ()


# --------------------------------------------------------------------------------------------
# Public API


def load_scenario(directory: str | Path) -> Scenario:
    """Load and validate a scenario directory.

    Parameters
    ----------
    directory
        Directory holding ``centres.csv``, ``sessions.csv``, ``riders.csv``, ``vehicles.csv``
        and optionally ``scenario.toml``.

    Returns
    -------
    Scenario
        With ``plan_params`` always set (defaults overridden by ``[plan]``) and ``network_path``
        absolute.

    Raises
    ------
    ScenarioErrors
        With one :class:`ScenarioError` (file, row, column, message) per problem found in any
        of the files; nothing is loaded then.
    """
    directory = Path(directory)
    errors = Errors()
    if not directory.is_dir():
        errors.add("scenario directory not found", str(directory))
        raise ScenarioErrors(errors.items)

    settings = _read_settings(directory, errors)
    tables = {file: read_table(directory, file, errors) for file in REQUIRED_COLUMNS}

    def usable(file: str) -> bool:
        table = tables[file]
        return table is not None and table.complete

    centres_table = tables[CENTRES_FILE]
    centres, centre_ids = (
        parse_centres(centres_table, errors) if centres_table is not None else ([], set())
    )
    # References into a file that is missing or was not fully read are not checked, to avoid a
    # cascade of "unknown id" errors that fixing the one real problem removes.
    known_centres = centre_ids if usable(CENTRES_FILE) else None
    sessions_table = tables[SESSIONS_FILE]
    sessions, session_centres = (
        parse_sessions(sessions_table, errors, known_centres)
        if sessions_table is not None else ([], {})
    )
    riders_table = tables[RIDERS_FILE]
    riders = (
        parse_riders(riders_table, errors, known_centres,
                      session_centres if usable(SESSIONS_FILE) else None)
        if riders_table is not None else []
    )
    vehicles_table = tables[VEHICLES_FILE]
    vehicles = parse_vehicles(vehicles_table, errors) if vehicles_table is not None else []

    closures = _read_closures(directory, errors, centre_ids if usable(CENTRES_FILE) else None)

    if errors.items:
        logger.info("scenario %s rejected with %d error(s)", directory.name, len(errors.items))
        raise ScenarioErrors(errors.items)
    logger.info(
        "loaded scenario %r: %d centres, %d sessions, %d riders, %d vehicles",
        settings.name, len(centres), len(sessions), len(riders), len(vehicles),
    )
    return Scenario(
        name=settings.name,
        centres=tuple(centres),
        sessions=tuple(sessions),
        riders=tuple(riders),
        vehicles=tuple(vehicles),
        network_path=str(settings.network_path),
        plan_params=settings.plan_params,
        rules=settings.rules,
        closures=closures,
    )


def write_scenario(scenario: Scenario, directory: str | Path) -> None:
    """Write a scenario that :func:`load_scenario` reads back (see
    :func:`routing.scenario.writer.write_scenario`)."""
    from routing.scenario.writer import write_scenario as write

    write(scenario, directory)
