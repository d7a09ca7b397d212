"""The scenario's CSV files: their columns, reading a table, and parsing each file's rows.

``centres.csv``, ``sessions.csv``, ``riders.csv`` and ``vehicles.csv`` (UTF-8, a header row,
columns in any order). Every problem is collected with its file, row (header = row 1) and column
rather than raised; :func:`routing.scenario.reader.load_scenario` assembles the scenario from the
parsed rows and raises them all at once.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from routing.errors import ScenarioError
from routing.model import (
    GRANT_KINDS,
    WEEKDAYS,
    Centre,
    Rider,
    Session,
    Vehicle,
    format_hm,
    parse_time,
)
from routing.scenario.addresses import fill_coordinates

logger = logging.getLogger(__name__)

CENTRES_FILE = "centres.csv"
SESSIONS_FILE = "sessions.csv"
RIDERS_FILE = "riders.csv"
VEHICLES_FILE = "vehicles.csv"
SCENARIO_TOML = "scenario.toml"
CLOSURES_FILE = "closures.csv"
"""Optional: centre closures, once or every year (``centre_id,start,end,reason``)."""

REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    CENTRES_FILE: ("centre_id", "name", "lat", "lon"),
    SESSIONS_FILE: ("centre_id", "session_id", "weekday", "start", "end"),
    RIDERS_FILE: (
        "rider_id", "name", "lat", "lon", "centre_id", "sessions", "wheelchair", "escort",
        "max_ride_min",
    ),
    VEHICLES_FILE: (
        "vehicle_id", "depot_lat", "depot_lon", "seats", "wheelchair_places", "fixed_cost",
        "cost_per_km", "cost_per_hour", "available_from", "available_to",
    ),
}
"""Columns each CSV file must have (in any order; column names are case-insensitive)."""

OPTIONAL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    CENTRES_FILE: ("address",),
    SESSIONS_FILE: (),
    RIDERS_FILE: (
        "detour_factor", "boarding_min", "notes", "address", "can_travel_alone", "has_driver",
        "can_cycle", "grant", "grant_from", "grant_to",
    ),
    VEHICLES_FILE: ("kind", "layouts"),
}
"""Columns a CSV file may have; any other column is ignored."""

SESSION_LIST_SEPARATOR = ";"
"""Separates the session ids in the ``sessions`` column of ``riders.csv``."""

_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER_RE = re.compile(r"^[+-]?\d+$")
_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# Reading CSV tables


@dataclass
class Errors:
    """Collects errors of one load (so that all of them are reported at once)."""

    items: list[ScenarioError] = field(default_factory=list)

    def add(
        self, message: str, file: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.items.append(ScenarioError(message, file=file, row=row, column=column))


@dataclass
class _Table:
    """The rows of one CSV file: ``(row number, {column: stripped value})``."""

    file: str
    rows: list[tuple[int, dict[str, str]]]
    decimal_comma: bool
    complete: bool = True
    """False if a row was skipped, so that references into this file are not checked."""


def decode(data: bytes, file: str, errors: Errors) -> str | None:
    try:
        # utf-8-sig drops the byte order mark that Excel's "CSV UTF-8" writes.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        errors.add(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as 'CSV UTF-8'",
            file,
            row=row,
        )
        return None


def read_table(directory: Path, file: str, errors: Errors) -> _Table | None:
    """Read one CSV file, reporting problems of the file as a whole and of its header."""
    path = directory / file
    required = REQUIRED_COLUMNS[file]
    if not path.is_file():
        errors.add(f"file is missing (expected columns: {','.join(required)})", file)
        return None
    text = decode(path.read_bytes(), file, errors)
    if text is None:
        return None
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        problem = "file is empty" if not text.strip() else "row 1 is blank"
        errors.add(f"{problem}; the first row must be the header: {','.join(required)}",
                   file, row=1)
        return None
    # Excel in a Danish locale saves "CSV" with semicolons and decimal commas; accept that too.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        errors.add(f"cannot be read as CSV: {exc}", file, row=reader.line_num)
        return None

    header = [name.strip().lower() for name in records[0]]
    header = fill_coordinates(file, header, records, directory, errors.add)  # addresses
    ok = True
    for index, name in enumerate(header):
        if name and name in header[:index]:
            errors.add("column appears twice in the header", file, row=1, column=name)
            ok = False
    for name in required:
        if name not in header:
            errors.add("required column is missing from the header", file, row=1, column=name)
            ok = False
    if not ok:
        return None
    known = set(required) | set(OPTIONAL_COLUMNS[file])
    ignored = [name for name in header if name and name not in known]
    if ignored:
        logger.info("%s: ignoring unknown column(s) %s", file, ", ".join(ignored))

    table = _Table(file=file, rows=[], decimal_comma=delimiter == ";")
    for row, cells in enumerate(records[1:], start=2):
        values = [cell.strip() for cell in cells]
        if not any(values):
            continue  # blank line
        if len(values) > len(header) and any(values[len(header):]):
            errors.add(
                f"row has {len(values)} values but the header has {len(header)} columns "
                f"(put values that contain {delimiter!r} in double quotes)",
                file,
                row=row,
            )
            table.complete = False
            continue
        # Spreadsheets drop trailing empty cells: missing cells are empty values.
        values += [""] * (len(header) - len(values))
        table.rows.append((row, {name: value for name, value in zip(header, values, strict=False)
                                 if name}))
    if not table.rows:
        errors.add("file has a header but no rows", file, row=2)
    return table


class _Row:
    """Typed access to the cells of one row; every problem is recorded with its location."""

    def __init__(self, table: _Table, row: int, values: dict[str, str], errors: Errors) -> None:
        self.file = table.file
        self.row = row
        self.values = values
        self.decimal_comma = table.decimal_comma
        self.errors = errors
        self.failed = False

    def error(self, message: str, column: str | None = None) -> None:
        self.errors.add(message, self.file, row=self.row, column=column)
        self.failed = True

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.values.get(column, "")
        if required and not value:
            self.error("value is empty", column)
        return value

    def _number_text(self, column: str, value: str) -> str | None:
        if self.decimal_comma and "," in value:
            value = value.replace(".", "").replace(",", ".")
        if _NUMBER_RE.match(value):
            return value
        if "," in value and _NUMBER_RE.match(value.replace(",", ".")):
            self.error(f"{value!r} is not a number: use a decimal point, not a comma", column)
        else:
            self.error(f"{value!r} is not a number", column)
        return None

    def number(
        self,
        column: str,
        *,
        required: bool = True,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
    ) -> float | None:
        """A decimal number in ``[low, high]`` (``(low, high]`` if ``low_open``); None if empty."""
        value = self.text(column, required=required)
        if not value:
            return None
        text = self._number_text(column, value)
        if text is None:
            return None
        number = float(text)
        if not math.isfinite(number):
            self.error(f"{value!r} is not a finite number", column)
            return None
        too_low = low is not None and (number <= low if low_open else number < low)
        too_high = high is not None and number > high
        if too_low or too_high:
            if high is None:
                self.error(f"{value} must be {'above' if low_open else 'at least'} {low}",
                           column)
            else:
                self.error(f"{value} is outside the range {low} to {high}", column)
            return None
        return number

    def count(self, column: str) -> int | None:
        """A whole number ≥ 0 (required)."""
        value = self.text(column)
        if not value:
            return None
        if not _INTEGER_RE.match(value):
            self.error(f"{value!r} is not a whole number", column)
            return None
        number = int(value)
        if number < 0:
            self.error(f"{number} is negative", column)
            return None
        return number

    def money_ore(self, column: str) -> int | None:
        """An amount in DKK (≥ 0, decimals allowed) as whole øre."""
        value = self.text(column)
        if not value:
            return None
        text = self._number_text(column, value)
        if text is None:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex already vetted the text
            self.error(f"{value!r} is not an amount", column)
            return None
        if amount < 0:
            self.error(f"{value} DKK is negative", column)
            return None
        return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def flag(self, column: str) -> bool:
        """``1`` → True, ``0`` or empty → False."""
        value = self.values.get(column, "")
        if value in ("", "0"):
            return False
        if value == "1":
            return True
        self.error(f"{value!r} must be 0 or 1", column)
        return False

    def time(self, column: str) -> int | None:
        """A time of day ``HH:MM`` (or ``HH:MM:SS``) as seconds since midnight."""
        value = self.text(column)
        if not value:
            return None
        try:
            return parse_time(value)
        except ValueError as exc:
            self.error(f"{exc} (e.g. 09:00)", column)
            return None


def _check_unique(
    r: _Row, column: str, value: str, seen: dict[str, int], what: str
) -> bool:
    """Record the first row of each id; flag later rows with the same id."""
    if not value:
        return False
    if value in seen:
        r.error(f"duplicate {what} {value!r} (first in row {seen[value]})", column)
        return False
    seen[value] = r.row
    return True


def _construct(r: _Row, build: type[_T], **kwargs: Any) -> _T | None:
    """Call a model constructor, turning its ValueError into an error at this row."""
    if r.failed:
        return None
    try:
        return build(**kwargs)
    except ValueError as exc:
        r.error(str(exc))
        return None


# --------------------------------------------------------------------------------------------
# The four files


def parse_centres(table: _Table, errors: Errors) -> tuple[list[Centre], set[str]]:
    centres: list[Centre] = []
    seen: dict[str, int] = {}
    for row, values in table.rows:
        r = _Row(table, row, values, errors)
        centre_id = r.text("centre_id")
        _check_unique(r, "centre_id", centre_id, seen, "centre_id")
        name = r.text("name")
        lat = r.number("lat", low=-90, high=90)
        lon = r.number("lon", low=-180, high=180)
        centre = _construct(r, Centre, centre_id=centre_id, name=name, lat=lat, lon=lon,
                            address=r.text("address", required=False))
        if centre is not None:
            centres.append(centre)
    return centres, set(seen)


def parse_sessions(
    table: _Table, errors: Errors, centre_ids: set[str] | None
) -> tuple[list[Session], dict[str, str]]:
    """Sessions, and the centre of every declared session id (also of rows with errors)."""
    sessions: list[Session] = []
    seen: dict[str, int] = {}
    centre_of: dict[str, str] = {}
    for row, values in table.rows:
        r = _Row(table, row, values, errors)
        centre_id = r.text("centre_id")
        if centre_id and centre_ids is not None and centre_id not in centre_ids:
            r.error(f"unknown centre {centre_id!r} (not in {CENTRES_FILE})", "centre_id")
        session_id = r.text("session_id")
        if SESSION_LIST_SEPARATOR in session_id:
            r.error(f"session_id must not contain {SESSION_LIST_SEPARATOR!r}", "session_id")
        elif _check_unique(r, "session_id", session_id, seen, "session_id"):
            centre_of[session_id] = centre_id
        weekday = r.text("weekday").lower()
        if weekday and weekday not in WEEKDAYS:
            r.error(f"{weekday!r} is not a weekday; use one of {', '.join(WEEKDAYS)}", "weekday")
        start_s = r.time("start")
        end_s = r.time("end")
        if start_s is not None and end_s is not None and start_s >= end_s:
            r.error(f"end {format_hm(end_s)} is not after start {format_hm(start_s)}", "end")
        session = _construct(r, Session, centre_id=centre_id, session_id=session_id,
                             weekday=weekday, start_s=start_s, end_s=end_s)
        if session is not None:
            sessions.append(session)
    return sessions, centre_of


def parse_riders(
    table: _Table,
    errors: Errors,
    centre_ids: set[str] | None,
    session_centres: dict[str, str] | None,
) -> list[Rider]:
    riders: list[Rider] = []
    seen: dict[str, int] = {}
    for row, values in table.rows:
        r = _Row(table, row, values, errors)
        rider_id = r.text("rider_id")
        _check_unique(r, "rider_id", rider_id, seen, "rider_id")
        name = r.text("name")
        lat = r.number("lat", low=-90, high=90)
        lon = r.number("lon", low=-180, high=180)
        centre_id = r.text("centre_id")
        centre_known = bool(centre_id) and (centre_ids is None or centre_id in centre_ids)
        if centre_id and not centre_known:
            r.error(f"unknown centre {centre_id!r} (not in {CENTRES_FILE})", "centre_id")
        session_ids = _rider_sessions(r, centre_id if centre_known else None, session_centres)
        wheelchair = r.flag("wheelchair")
        escort = r.flag("escort")
        max_ride_min = r.number("max_ride_min", required=False, low=0, low_open=True)
        detour_factor = r.number("detour_factor", required=False, low=1)
        boarding_min = r.number("boarding_min", required=False, low=0)
        rider = _construct(
            r,
            Rider,
            rider_id=rider_id,
            name=name,
            lat=lat,
            lon=lon,
            centre_id=centre_id,
            session_ids=session_ids,
            wheelchair=wheelchair,
            escort=escort,
            max_ride_s=None if max_ride_min is None else round(max_ride_min * 60),
            detour_factor=detour_factor,
            boarding_s=None if boarding_min is None else round(boarding_min * 60),
            notes=r.text("notes", required=False),
            address=r.text("address", required=False),
            can_travel_alone=r.flag("can_travel_alone"),
            has_driver=r.flag("has_driver"),
            can_cycle=r.flag("can_cycle"),
            **_grant(r),
        )
        if rider is not None:
            riders.append(rider)
    return riders


def _grant(r: _Row) -> dict[str, Any]:
    """``grant`` (default ``shared_ride``), ``grant_from``, ``grant_to`` of a rider row."""
    kind = r.text("grant", required=False).lower() or "shared_ride"
    if kind not in GRANT_KINDS:
        r.error(f"{kind!r} is not one of {', '.join(GRANT_KINDS)}", "grant")
        kind = "shared_ride"
    out: dict[str, Any] = {"grant": kind}
    for column in ("grant_from", "grant_to"):
        text = r.text(column, required=False)
        try:
            out[column] = date.fromisoformat(text) if text else None
        except ValueError:
            r.error(f"{text!r} is not a date YYYY-MM-DD", column)
            out[column] = None
    if out["grant_from"] and out["grant_to"] and out["grant_to"] < out["grant_from"]:
        r.error(f"grant_to {out['grant_to']} is before grant_from {out['grant_from']}",
                "grant_to")
        out["grant_to"] = None
    return out


def _rider_sessions(
    r: _Row, centre_id: str | None, session_centres: dict[str, str] | None
) -> tuple[str, ...]:
    """The ``sessions`` cell: ids separated by ';', each a session of the rider's centre."""
    value = r.text("sessions")
    if not value:
        return ()
    ids = [part.strip() for part in value.split(SESSION_LIST_SEPARATOR) if part.strip()]
    if not ids:
        r.error("no session listed", "sessions")
    for index, session_id in enumerate(ids):
        if session_id in ids[:index]:
            r.error(f"session {session_id!r} is listed twice", "sessions")
        elif session_centres is None:
            continue
        elif session_id not in session_centres:
            r.error(f"unknown session {session_id!r} (not in {SESSIONS_FILE})", "sessions")
        elif centre_id is not None and session_centres[session_id] != centre_id:
            r.error(f"session {session_id!r} belongs to centre "
                    f"{session_centres[session_id]!r}, not to the rider's centre {centre_id!r}",
                    "sessions")
    return tuple(ids)


LAYOUT_SEPARATOR = ";"
"""Separates the layouts in the ``layouts`` column of ``vehicles.csv`` (``8+2;6+3``)."""

_LAYOUT_RE = re.compile(r"^(\d+)\s*\+\s*(\d+)$")


def _parse_layouts(r: _Row) -> tuple[tuple[int, int], ...]:
    """The ``layouts`` cell: ``seats+wheelchair_places`` separated by ';', e.g. ``8+2;6+3``.

    The standard layout (``seats``, ``wheelchair_places``) is always included, listed or not.
    """
    value = r.text("layouts", required=False)
    if not value:
        return ()
    out: list[tuple[int, int]] = []
    for part in (p.strip() for p in value.split(LAYOUT_SEPARATOR)):
        if not part:
            continue
        match = _LAYOUT_RE.match(part)
        if match is None:
            r.error(f"layout {part!r} is not seats+wheelchair_places (e.g. 8+2;6+3)", "layouts")
            continue
        seats, places = int(match.group(1)), int(match.group(2))
        if seats + places == 0:
            r.error(f"layout {part!r} has no capacity", "layouts")
        elif (seats, places) in out:
            r.error(f"layout {part!r} is listed twice", "layouts")
        else:
            out.append((seats, places))
    if not out:
        r.error("no layout listed (e.g. 8+2;6+3)", "layouts")
    return tuple(out)


def parse_vehicles(table: _Table, errors: Errors) -> list[Vehicle]:
    vehicles: list[Vehicle] = []
    seen: dict[str, int] = {}
    for row, values in table.rows:
        r = _Row(table, row, values, errors)
        vehicle_id = r.text("vehicle_id")
        _check_unique(r, "vehicle_id", vehicle_id, seen, "vehicle_id")
        depot_lat = r.number("depot_lat", low=-90, high=90)
        depot_lon = r.number("depot_lon", low=-180, high=180)
        seats = r.count("seats")
        wheelchair_places = r.count("wheelchair_places")
        if seats == 0 and wheelchair_places == 0:
            r.error("vehicle has no capacity: seats and wheelchair_places are both 0", "seats")
        costs = {name: r.money_ore(name) for name in ("fixed_cost", "cost_per_km", "cost_per_hour")}
        available_from_s = r.time("available_from")
        available_to_s = r.time("available_to")
        if (available_from_s is not None and available_to_s is not None
                and available_from_s >= available_to_s):
            r.error(f"available_to {format_hm(available_to_s)} is not after available_from "
                    f"{format_hm(available_from_s)}", "available_to")
        vehicle = _construct(
            r,
            Vehicle,
            vehicle_id=vehicle_id,
            depot_lat=depot_lat,
            depot_lon=depot_lon,
            seats=seats,
            wheelchair_places=wheelchair_places,
            fixed_cost_ore=costs["fixed_cost"],
            cost_per_km_ore=costs["cost_per_km"],
            cost_per_hour_ore=costs["cost_per_hour"],
            available_from_s=available_from_s,
            available_to_s=available_to_s,
            kind=r.text("kind", required=False),
            layouts=_parse_layouts(r),
        )
        if vehicle is not None:
            vehicles.append(vehicle)
    return vehicles


