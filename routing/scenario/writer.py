"""Writing scenarios: the CSV files and ``scenario.toml`` that :func:`~routing.scenario.reader.
load_scenario` reads back (also ``closures.csv`` and ``[rules]`` when the scenario has them)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from routing.model import Rider, Scenario, Vehicle, format_hm, format_hms
from routing.municipality.rules import rules_to_toml
from routing.operations.calendar import closures_to_csv
from routing.params import PlanParams
from routing.scenario.reader import (
    CENTRES_FILE,
    CLOSURES_FILE,
    LAYOUT_SEPARATOR,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    RIDERS_FILE,
    SCENARIO_TOML,
    SESSION_LIST_SEPARATOR,
    SESSIONS_FILE,
    VEHICLES_FILE,
    default_network_path,
)


def _layouts_text(v: Vehicle) -> str:
    """The ``layouts`` cell of a vehicle: empty when it has only its standard layout."""
    if len(v.layouts) <= 1:
        return ""
    return LAYOUT_SEPARATOR.join(f"{a}+{b}" for a, b in v.layouts)



def _float_text(value: float) -> str:
    # repr is the shortest text that reads back as the same float.
    return repr(float(value))


def _minutes_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return str(seconds // 60) if seconds % 60 == 0 else repr(seconds / 60)


def _time_text(seconds: int) -> str:
    return format_hm(seconds) if seconds % 60 == 0 else format_hms(seconds)


def _dkk_text(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"


def _flag_text(value: bool) -> str:
    return "1" if value else "0"


def _write_csv(path: Path, header: tuple[str, ...], rows: Iterable[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    # TOML basic strings accept JSON's escapes.
    return json.dumps(str(value), ensure_ascii=False)


def _scenario_toml(scenario: Scenario, directory: Path) -> str:
    lines = [
        "# Samkørsel scenario: see README.md, 'Scenario format'",
        f"name = {_toml_value(scenario.name)}",
    ]
    network = Path(scenario.network_path)
    if network.resolve() != default_network_path().resolve():
        base = directory.resolve()
        shown = (network.resolve().relative_to(base).as_posix()
                 if network.resolve().is_relative_to(base) else str(network))
        lines.append(f"network = {_toml_value(shown)}")
    params = scenario.plan_params
    defaults = PlanParams()
    plan_lines: list[str] = []
    for f in fields(PlanParams):
        value = getattr(params, f.name)
        if value == getattr(defaults, f.name):
            continue
        if value is None:
            if f.name == "consistency_s":
                plan_lines.append("consistency_min = false")
            continue
        key = f.name
        if (key.endswith("_s") and key != "time_limit_s" and isinstance(value, int)
                and not isinstance(value, bool) and value % 60 == 0):
            key, value = key[: -len("_s")] + "_min", value // 60
        plan_lines.append(f"{key} = {_toml_value(value)}")
    if plan_lines:
        lines += ["", "[plan]", *plan_lines]
    if scenario.rules is not None:
        lines += ["", rules_to_toml(scenario.rules).rstrip("\n")]
    return "\n".join(lines) + "\n"


NEW_RIDER_COLUMNS: tuple[str, ...] = ("can_cycle", "grant", "grant_from", "grant_to")
NEW_RIDER_DEFAULTS: dict[str, str] = {"can_cycle": "0", "grant": "shared_ride", "grant_from": "",
                                      "grant_to": ""}


def _rider_cell(r: Rider, column: str) -> str:
    if column == "can_cycle":
        return _flag_text(r.can_cycle)
    if column == "grant":
        return r.grant
    value = r.grant_from if column == "grant_from" else r.grant_to
    return value.isoformat() if value else ""


def write_scenario(scenario: Scenario, directory: str | Path) -> None:
    """Write a scenario as CSV files and ``scenario.toml`` that :func:`load_scenario` reads back.

    Parameters
    ----------
    scenario
        The scenario to write.
    directory
        Target directory, created if missing; existing scenario files in it are replaced.

    Notes
    -----
    Files are UTF-8 without byte order mark, comma-separated, ``\\n`` line ends. Only planning
    parameters that differ from the defaults are written; the network is omitted when it is the
    bundled default, written relative to ``directory`` when inside it, else absolute.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    def columns(file: str) -> tuple[str, ...]:
        return REQUIRED_COLUMNS[file] + OPTIONAL_COLUMNS[file]

    _write_csv(directory / CENTRES_FILE, columns(CENTRES_FILE), (
        [c.centre_id, c.name, _float_text(c.lat), _float_text(c.lon), c.address]
        for c in scenario.centres
    ))
    _write_csv(directory / SESSIONS_FILE, columns(SESSIONS_FILE), (
        [s.centre_id, s.session_id, s.weekday, _time_text(s.start_s), _time_text(s.end_s)]
        for s in scenario.sessions
    ))
    # The columns added with grants are written only when some rider needs them, so that older
    # scenarios round-trip byte for byte.
    extra = [c for c in NEW_RIDER_COLUMNS
             if any(_rider_cell(r, c) != NEW_RIDER_DEFAULTS[c] for r in scenario.riders)]
    rider_columns = tuple(c for c in columns(RIDERS_FILE)
                          if c not in NEW_RIDER_COLUMNS or c in extra)
    _write_csv(directory / RIDERS_FILE, rider_columns, (
        [
            r.rider_id, r.name, _float_text(r.lat), _float_text(r.lon), r.centre_id,
            SESSION_LIST_SEPARATOR.join(r.session_ids), _flag_text(r.wheelchair),
            _flag_text(r.escort), _minutes_text(r.max_ride_s),
            "" if r.detour_factor is None else _float_text(r.detour_factor),
            _minutes_text(r.boarding_s), r.notes, r.address, _flag_text(r.can_travel_alone),
            _flag_text(r.has_driver), *(_rider_cell(r, c) for c in extra),
        ]
        for r in scenario.riders
    ))
    _write_csv(directory / VEHICLES_FILE, columns(VEHICLES_FILE), (
        [
            v.vehicle_id, _float_text(v.depot_lat), _float_text(v.depot_lon), str(v.seats),
            str(v.wheelchair_places), _dkk_text(v.fixed_cost_ore), _dkk_text(v.cost_per_km_ore),
            _dkk_text(v.cost_per_hour_ore), _time_text(v.available_from_s),
            _time_text(v.available_to_s), v.kind, _layouts_text(v),
        ]
        for v in scenario.vehicles
    ))
    (directory / SCENARIO_TOML).write_text(_scenario_toml(scenario, directory), encoding="utf-8")
    closures = directory / CLOSURES_FILE
    if scenario.closures:
        closures.write_text(closures_to_csv(scenario.closures), encoding="utf-8")
    elif closures.exists():
        closures.unlink()  # the scenario has none: an old file would add closures on reading
