"""Scenario import: loading, validation with located errors, round trip, and the demo scenario."""

from __future__ import annotations

import bz2
import csv
import importlib.util
import io
import shutil
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
from demo_subsets import DEMO

from routing.errors import ScenarioError, ScenarioErrors
from routing.model import Scenario
from routing.params import PlanParams
from routing.scenario.reader import (
    CENTRES_FILE,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    RIDERS_FILE,
    SCENARIO_TOML,
    SESSIONS_FILE,
    VEHICLES_FILE,
    default_network_path,
    load_scenario,
    write_scenario,
)
from routing.scenario.writer import NEW_RIDER_COLUMNS

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "data" / "scenarios"
GOOD = SCENARIOS / "good"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A writable copy of the good fixture scenario."""
    target = tmp_path / "good"
    shutil.copytree(GOOD, target)
    return target


def edit(directory: Path, file: str, old: str, new: str) -> None:
    """Replace the first occurrence of ``old`` (which must occur) in a scenario file."""
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_errors(directory: Path) -> list[ScenarioError]:
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(directory)
    return info.value.errors


def locations(errors: list[ScenarioError]) -> set[tuple[str | None, int | None, str | None]]:
    return {(e.file, e.row, e.column) for e in errors}


# --------------------------------------------------------------------------------------------
# The demo scenario


def test_demo_loads_with_expected_counts(demo: Scenario) -> None:
    assert demo.name == "Samsø demo"
    assert len(demo.riders) >= 60
    assert len(demo.centres) == 2
    assert len(demo.vehicles) == 7
    share = sum(r.wheelchair for r in demo.riders) / len(demo.riders)
    assert 0.12 <= share <= 0.18
    assert 3 <= sum(r.escort for r in demo.riders) <= 8
    assert any(r.max_ride_s is not None for r in demo.riders)
    assert any(r.notes for r in demo.riders)
    assert any(r.can_travel_alone for r in demo.riders)
    assert any(r.has_driver for r in demo.riders)
    assert all(r.address.endswith(", 8305 Samsø") for r in demo.riders)
    assert len({r.address for r in demo.riders}) == len(demo.riders)
    assert Path(demo.network_path) == default_network_path().resolve()
    assert demo.plan_params == PlanParams()


def test_demo_riders_attend_sessions_of_their_centre(demo: Scenario) -> None:
    for rider in demo.riders:
        weekdays = {demo.session(s).weekday for s in rider.session_ids}
        assert 2 <= len(weekdays) <= 4, rider.rider_id
        for session_id in rider.session_ids:
            assert demo.session(session_id).centre_id == rider.centre_id
    patterns = Counter(
        tuple(sorted(s.split("-")[-1] for s in rider.session_ids
                     if demo.session(s).weekday == day))
        for rider in demo.riders
        for day in {demo.session(s).weekday for s in rider.session_ids}
    )
    assert patterns[("AM",)] and patterns[("PM",)] and patterns[("AM", "PM")]


def test_demo_points_lie_on_samso(demo: Scenario) -> None:
    points = ([(r.lat, r.lon) for r in demo.riders] + [(c.lat, c.lon) for c in demo.centres]
              + [(v.depot_lat, v.depot_lon) for v in demo.vehicles])
    for lat, lon in points:
        assert 55.748 <= lat <= 56.012 and 10.484 <= lon <= 10.735


def test_demo_fleet_covers_each_session_wave(demo: Scenario) -> None:
    """Everyone arriving for a session start fits into one run of the whole fleet, with room."""
    seats = sum(v.seats for v in demo.vehicles)
    wheelchairs = sum(v.wheelchair_places for v in demo.vehicles)
    need_seats: Counter[tuple[str, int]] = Counter()
    need_wheelchairs: Counter[tuple[str, int]] = Counter()
    for rider in demo.riders:
        for session_id in rider.session_ids:
            session = demo.session(session_id)
            need_seats[session.weekday, session.start_s] += rider.seats
            need_wheelchairs[session.weekday, session.start_s] += rider.wheelchair_places
    assert max(need_seats.values()) <= 0.75 * seats
    assert max(need_wheelchairs.values()) <= 0.75 * wheelchairs


def test_demo_round_trips(demo: Scenario, tmp_path: Path) -> None:
    write_scenario(demo, tmp_path)
    assert load_scenario(tmp_path) == demo
    for file in (CENTRES_FILE, SESSIONS_FILE, RIDERS_FILE, VEHICLES_FILE, SCENARIO_TOML):
        assert (tmp_path / file).read_bytes() == (DEMO / file).read_bytes(), file


# --------------------------------------------------------------------------------------------
# The good fixture: every column parsed


def test_good_fixture_values() -> None:
    scenario = load_scenario(GOOD)
    assert scenario.name == "Testscenarie"
    assert [c.centre_id for c in scenario.centres] == ["TRA", "NOR"]
    assert scenario.centre("TRA").address == "Smedegade 37, 8305 Samsø"
    session = scenario.session("TRA-MON-PM")
    assert (session.weekday, session.start_s, session.end_s) == ("mon", 12 * 3600, 15 * 3600)
    r1, r2, r3 = scenario.riders
    assert r1.session_ids == ("TRA-MON-AM", "TRA-MON-PM")
    assert (r1.wheelchair, r1.escort, r1.can_travel_alone, r1.has_driver) == (
        False, False, True, False)
    assert (r1.max_ride_s, r1.detour_factor, r1.boarding_s) == (None, None, None)
    assert r1.notes == "Ringer på døren"
    assert (r2.wheelchair, r2.escort, r2.has_driver) == (True, True, True)
    assert (r2.max_ride_s, r2.detour_factor, r2.boarding_s) == (45 * 60, 1.5, 4 * 60)
    assert r2.notes == "Har rollator, ringer ved ankomst"
    assert (r3.notes, r3.address) == ("", "")
    bus, taxi = scenario.vehicles
    assert (bus.seats, bus.wheelchair_places, bus.kind) == (8, 2, "minibus")
    assert (bus.fixed_cost_ore, bus.cost_per_km_ore, bus.cost_per_hour_ore) == (
        140_000, 850, 42_000)
    assert taxi.cost_per_km_ore == 1405
    assert (taxi.available_from_s, taxi.available_to_s) == (7 * 3600, 17 * 3600 + 30 * 60)
    params = scenario.plan_params
    assert isinstance(params, PlanParams)
    assert params == PlanParams(max_ride_s=75 * 60, rounding_s=600,
                                arrive_earliest_before_s=25 * 60, time_limit_s=5.0)


def test_good_fixture_round_trips(tmp_path: Path) -> None:
    scenario = load_scenario(GOOD)
    write_scenario(scenario, tmp_path / "a")
    again = load_scenario(tmp_path / "a")
    assert again == scenario
    write_scenario(again, tmp_path / "b")
    for file in (CENTRES_FILE, SESSIONS_FILE, RIDERS_FILE, VEHICLES_FILE, SCENARIO_TOML):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_round_trip_of_unusual_values(tmp_path: Path) -> None:
    """Seconds off the minute, None consistency, a detour factor and a network in the dir."""
    scenario = load_scenario(GOOD)
    network = tmp_path / "out" / "net" / "roads.osm"
    network.parent.mkdir(parents=True)
    network.write_text("<osm/>", encoding="utf-8")
    rider = replace(scenario.riders[0], max_ride_s=2710, boarding_s=95, detour_factor=1.25,
                    notes='Siger "hej", og går; langsomt\nny linje', name="Åse Ø.")
    vehicle = replace(scenario.vehicles[0], available_from_s=7 * 3600 + 5, fixed_cost_ore=1)
    session = replace(scenario.sessions[0], end_s=12 * 3600 + 30)
    unusual = replace(
        scenario,
        name='Navn med "citat"',
        riders=(rider, *scenario.riders[1:]),
        vehicles=(vehicle, *scenario.vehicles[1:]),
        sessions=(session, *scenario.sessions[1:]),
        network_path=str(network),
        plan_params=PlanParams(consistency_s=None, detour_factor=1.4, rounding_s=1,
                               boarding_s=90, time_limit_s=12.5, seed=7),
    )
    write_scenario(unusual, tmp_path / "out")
    assert 'network = "net/roads.osm"' in (tmp_path / "out" / SCENARIO_TOML).read_text("utf-8")
    assert load_scenario(tmp_path / "out") == unusual


def test_write_scenario_writes_all_columns(tmp_path: Path) -> None:
    write_scenario(load_scenario(GOOD), tmp_path)
    for file, required in REQUIRED_COLUMNS.items():
        header = (tmp_path / file).read_text("utf-8").splitlines()[0].split(",")
        optional = [c for c in OPTIONAL_COLUMNS[file] if c not in NEW_RIDER_COLUMNS]
        assert header == [*required, *optional]


# --------------------------------------------------------------------------------------------
# One bad cell at a time: the error names file, row and column

BAD_CELLS = [
    # (file, old text, new text, row, column, words in the message)
    (CENTRES_FILE, "55.83124", "abc", 2, "lat", "not a number"),
    (CENTRES_FILE, "55.83124", "95.1", 2, "lat", "outside the range"),
    (CENTRES_FILE, "10.554942", "200", 3, "lon", "outside the range"),
    (CENTRES_FILE, "TRA,Aktivitetscenter Tranebjerg,", "TRA,,", 2, "name", "empty"),
    (CENTRES_FILE, "NOR,Dagtilbud", "TRA,Dagtilbud", 3, "centre_id", "duplicate centre_id"),
    (CENTRES_FILE, "centre_id,name,", "centre_id,navn,", 1, "name", "required column"),
    (CENTRES_FILE, "name,lat", "lat,lat", 1, "lat", "appears twice"),
    (SESSIONS_FILE, "mon,09:00", "sat,09:00", 2, "weekday", "not a weekday"),
    (SESSIONS_FILE, "mon,09:00", "mon,9.00", 2, "start", "HH:MM"),
    (SESSIONS_FILE, "12:00,15:00", "12:00,25:00", 3, "end", "valid time"),
    (SESSIONS_FILE, "12:00,15:00", "15:00,12:00", 3, "end", "not after start"),
    (SESSIONS_FILE, "NOR,NOR-TUE-AM", "NOR,TRA-MON-PM", 4, "session_id", "duplicate session_id"),
    (SESSIONS_FILE, "NOR,NOR-TUE-AM", "XXX,NOR-TUE-AM", 4, "centre_id", "unknown centre 'XXX'"),
    (SESSIONS_FILE, "NOR,NOR-TUE-AM", "NOR,NOR;TUE", 4, "session_id", "must not contain"),
    (SESSIONS_FILE, "TRA-MON-AM,mon", "TRA-MON-AM,", 2, "weekday", "empty"),
    (RIDERS_FILE, "NOR,NOR-TUE-AM", "ZZZ,NOR-TUE-AM", 4, "centre_id", "unknown centre 'ZZZ'"),
    (RIDERS_FILE, "TRA-MON-AM;TRA-MON-PM", "TRA-MON-AM;NOR-TUE-AM", 2, "sessions",
     "belongs to centre 'NOR'"),
    (RIDERS_FILE, "TRA-MON-AM;TRA-MON-PM", "TRA-MON-AM;TRA-FRI-AM", 2, "sessions",
     "unknown session 'TRA-FRI-AM'"),
    (RIDERS_FILE, "TRA-MON-AM;TRA-MON-PM", "TRA-MON-AM;TRA-MON-AM", 2, "sessions",
     "listed twice"),
    (RIDERS_FILE, "TRA-MON-AM;TRA-MON-PM", " ; ", 2, "sessions", "no session"),
    (RIDERS_FILE, "R3,", "R1,", 4, "rider_id", "duplicate rider_id 'R1' (first in row 2)"),
    (RIDERS_FILE, "TRA-MON-PM,1,1,", "TRA-MON-PM,ja,1,", 3, "wheelchair", "0 or 1"),
    (RIDERS_FILE, "TRA-MON-PM,1,1,", "TRA-MON-PM,1,2,", 3, "escort", "0 or 1"),
    (RIDERS_FILE, ",1,0,ignored", ",yes,0,ignored", 2, "can_travel_alone", "0 or 1"),
    (RIDERS_FILE, ",0,1,\n", ",0,x,\n", 3, "has_driver", "0 or 1"),
    (RIDERS_FILE, ",45,", ",-5,", 3, "max_ride_min", "above 0"),
    (RIDERS_FILE, ",45,", ",0,", 3, "max_ride_min", "above 0"),
    (RIDERS_FILE, ",1.5,", ",0.8,", 3, "detour_factor", "at least 1"),
    (RIDERS_FILE, ",1.5,4,", ",1.5,-1,", 3, "boarding_min", "at least 0"),
    (RIDERS_FILE, "55.81573", '"55,81573"', 3, "lat", "decimal point"),
    (RIDERS_FILE, "55.81573", "nan", 3, "lat", "not a number"),
    (RIDERS_FILE, "Jens P.", "", 3, "name", "empty"),
    (VEHICLES_FILE, "8,2,1400", "-8,2,1400", 2, "seats", "negative"),
    (VEHICLES_FILE, "8,2,1400", "8.5,2,1400", 2, "seats", "whole number"),
    (VEHICLES_FILE, "4,0,0,14.05", "0,0,0,14.05", 3, "seats", "no capacity"),
    (VEHICLES_FILE, "14.05", "-14.05", 3, "cost_per_km", "negative"),
    (VEHICLES_FILE, "1400,", "1.400 kr,", 2, "fixed_cost", "not a number"),
    (VEHICLES_FILE, "07:00,17:30", "07:00,25:00", 3, "available_to", "valid time"),
    (VEHICLES_FILE, "07:00,17:30", "18:00,17:30", 3, "available_to", "not after"),
    (VEHICLES_FILE, "TAXI1", "BUS1", 3, "vehicle_id", "duplicate vehicle_id"),
    (VEHICLES_FILE, "55.8345324", "x", 2, "depot_lat", "not a number"),
    (VEHICLES_FILE, "10.597312", "-181", 2, "depot_lon", "outside the range"),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "column", "words"),
    BAD_CELLS,
    ids=[f"{c[0]}-{c[4]}-{c[5]}" for c in BAD_CELLS],
)
def test_bad_cell_is_located(
    good: Path, file: str, old: str, new: str, row: int, column: str, words: str
) -> None:
    edit(good, file, old, new)
    errors = load_errors(good)
    matching = [e for e in errors if (e.file, e.row, e.column) == (file, row, column)]
    assert matching, [str(e) for e in errors]
    assert any(words in e.detail for e in matching), [str(e) for e in matching]
    # The message itself names the place, for CLI output.
    assert str(matching[0]).startswith(f"{file}, row {row}, column {column!r}: ")


def test_unquoted_separator_makes_too_many_values(good: Path) -> None:
    edit(good, RIDERS_FILE, "Karen M.", "Karen, M.")
    errors = load_errors(good)
    assert locations(errors) == {(RIDERS_FILE, 2, None)}
    assert "double quotes" in errors[0].detail


def test_several_errors_in_one_pass() -> None:
    errors = load_errors(SCENARIOS / "bad_many")
    assert locations(errors) == {
        (SCENARIO_TOML, 2, "colour"),
        (SCENARIO_TOML, 5, "plan.max_ride_min"),
        (CENTRES_FILE, 3, "lat"),
        (SESSIONS_FILE, 3, "weekday"),
        (SESSIONS_FILE, 4, "end"),
        (RIDERS_FILE, 2, "sessions"),
        (RIDERS_FILE, 3, "wheelchair"),
        (RIDERS_FILE, 4, "rider_id"),
        (RIDERS_FILE, 4, "lon"),
        (RIDERS_FILE, 4, "sessions"),
        (VEHICLES_FILE, 2, "seats"),
        (VEHICLES_FILE, 3, "cost_per_km"),
        (VEHICLES_FILE, 3, "available_from"),
    }
    with pytest.raises(ScenarioErrors, match=r"13 error\(s\)"):
        load_scenario(SCENARIOS / "bad_many")


def test_errors_in_all_files_are_collected(good: Path) -> None:
    edit(good, CENTRES_FILE, "55.83124", "x")
    edit(good, SESSIONS_FILE, "mon,09:00", "sun,09:00")
    edit(good, RIDERS_FILE, "TRA-MON-PM,1,1,", "TRA-MON-PM,2,1,")
    edit(good, VEHICLES_FILE, "8,2,1400", "8,2,-1")
    (good / SCENARIO_TOML).write_text("[plan]\nnot_a_parameter = 1\n", encoding="utf-8")
    assert {e.file for e in load_errors(good)} == {
        CENTRES_FILE, SESSIONS_FILE, RIDERS_FILE, VEHICLES_FILE, SCENARIO_TOML}


def test_references_into_a_broken_file_are_not_reported_again(good: Path) -> None:
    """A missing centres.csv gives one error, not one per session and rider."""
    (good / CENTRES_FILE).unlink()
    assert locations(load_errors(good)) == {(CENTRES_FILE, None, None)}


# --------------------------------------------------------------------------------------------
# Files as a whole


@pytest.mark.parametrize("file", list(REQUIRED_COLUMNS))
def test_missing_file(good: Path, file: str) -> None:
    (good / file).unlink()
    errors = load_errors(good)
    assert locations(errors) == {(file, None, None)}
    assert "missing" in errors[0].detail


def test_missing_directory(tmp_path: Path) -> None:
    errors = load_errors(tmp_path / "nowhere")
    assert "not found" in errors[0].detail


def test_empty_file_and_header_only(good: Path) -> None:
    (good / CENTRES_FILE).write_text("", encoding="utf-8")
    (good / VEHICLES_FILE).write_text(",".join(REQUIRED_COLUMNS[VEHICLES_FILE]) + "\n",
                                      encoding="utf-8")
    errors = load_errors(good)
    assert (CENTRES_FILE, 1, None) in locations(errors)
    assert (VEHICLES_FILE, 2, None) in locations(errors)


def test_byte_order_mark_and_crlf_are_tolerated(good: Path) -> None:
    for file in REQUIRED_COLUMNS:
        path = good / file
        text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_scenario(good) == load_scenario(GOOD)


def test_blank_lines_keep_spreadsheet_row_numbers(good: Path) -> None:
    edit(good, RIDERS_FILE, "R2,", "\n\nR2,")
    edit(good, RIDERS_FILE, "TRA-MON-PM,1,1,", "TRA-MON-PM,9,1,")
    assert locations(load_errors(good)) == {(RIDERS_FILE, 5, "wheelchair")}


def test_encoding_error_is_reported_with_row(good: Path) -> None:
    path = good / RIDERS_FILE
    data = path.read_bytes().replace(b"Aavej", "Ålvej".encode("cp1252"))
    path.write_bytes(data)
    errors = load_errors(good)
    assert locations(errors) == {(RIDERS_FILE, 3, None)}
    assert "UTF-8" in errors[0].detail


def test_semicolons_and_decimal_commas_from_danish_excel(good: Path) -> None:
    path = good / VEHICLES_FILE
    path.write_text(
        "vehicle_id;depot_lat;depot_lon;seats;wheelchair_places;fixed_cost;cost_per_km;"
        "cost_per_hour;available_from;available_to;kind\n"
        "BUS1;55,8345324;10,597312;8;2;1.400,00;8,50;420;07:00;17:00;minibus\n"
        "TAXI1;55,8332135;10,5929966;4;0;0;14,05;480,00;07:00;17:30;taxi\n",
        encoding="utf-8",
    )
    path = good / RIDERS_FILE
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    for row in rows:
        writer.writerow([cell.replace(".", ",") if cell[:2] == "55" or cell[:2] == "10"
                         else cell for cell in row])
    path.write_text(out.getvalue(), encoding="utf-8")
    assert load_scenario(good) == load_scenario(GOOD)


def test_column_names_are_case_insensitive_and_order_free(good: Path) -> None:
    (good / CENTRES_FILE).write_text(
        "Name, LAT ,lon,Centre_ID,extra\n"
        "Aktivitetscenter Tranebjerg,55.83124,10.594559,TRA,x\n"
        "Dagtilbud Nordby,55.958829,10.554942,NOR,y\n",
        encoding="utf-8",
    )
    centres = load_scenario(good).centres
    assert [(c.centre_id, c.lat, c.address) for c in centres] == [
        ("TRA", 55.83124, ""), ("NOR", 55.958829, "")]


# --------------------------------------------------------------------------------------------
# scenario.toml


def test_no_toml_gives_defaults(good: Path) -> None:
    (good / SCENARIO_TOML).unlink()
    scenario = load_scenario(good)
    assert scenario.name == "good"
    assert scenario.plan_params == PlanParams()
    assert scenario.network_path == str(default_network_path().resolve())


def test_toml_overrides_by_name_and_minute_alias(good: Path) -> None:
    (good / SCENARIO_TOML).write_text(
        'name = "Uge 12"\n[plan]\nmax_ride_s = 4000\npickup_latest_after_min = 20\n'
        "detour_factor = 1.5\nconsistency_min = false\nseed = 3\n",
        encoding="utf-8",
    )
    scenario = load_scenario(good)
    assert scenario.name == "Uge 12"
    assert scenario.plan_params == PlanParams(
        max_ride_s=4000, pickup_latest_after_s=1200, detour_factor=1.5, consistency_s=None,
        seed=3)


@pytest.mark.parametrize(
    ("toml", "row", "column", "words"),
    [
        ('name = "x"\ncolour = 1\n', 2, "colour", "unknown key"),
        ("[plan]\nmax_ride = 75\n", 2, "plan.max_ride", "unknown plan parameter"),
        ('[plan]\n\nmax_ride_min = "75"\n', 3, "plan.max_ride_min", "number of minutes"),
        ("[plan]\nseed = 1.5\n", 2, "plan.seed", "must be int"),
        ("[plan]\nrounding_min = 0\n", 2, "plan.rounding_min", "at least 1 second"),
        ("[plan]\nmax_ride_min = -10\n", 2, "plan.max_ride_min", "negative"),
        ("[plan]\narrive_latest_before_min = 30\n", 2, "plan.arrive_latest_before_min",
         "window is empty"),
        ("[plan]\ndetour_factor = 0.5\n", 2, "plan.detour_factor", "at least 1"),
        ("name = 5\n", 1, "name", "non-empty string"),
        ('network = "nowhere.osm.bz2"\n', 1, "network", "not found"),
        ('plan = "fast"\n', 1, "plan", "must be a table"),
        ('name = "x"\n[plan\n', 2, None, "not valid TOML"),
    ],
)
def test_bad_toml_is_located(
    good: Path, toml: str, row: int, column: str | None, words: str
) -> None:
    (good / SCENARIO_TOML).write_text(toml, encoding="utf-8")
    errors = load_errors(good)
    assert locations(errors) == {(SCENARIO_TOML, row, column)}, [str(e) for e in errors]
    assert words in errors[0].detail


def test_toml_network_relative_to_scenario(good: Path) -> None:
    (good / "maps").mkdir()
    (good / "maps" / "roads.osm").write_text("<osm/>", encoding="utf-8")
    (good / SCENARIO_TOML).write_text('network = "maps/roads.osm"\n', encoding="utf-8")
    assert load_scenario(good).network_path == str((good / "maps" / "roads.osm").resolve())


# --------------------------------------------------------------------------------------------
# scripts/make_demo.py


def make_demo_module() -> ModuleType:
    name = "make_demo_under_test"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "make_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def synthetic_osm(path: Path) -> None:
    """A small OSM file with everything the demo needs: 2 roads, ~160 addresses, the centres."""
    nodes: list[str] = []
    ways: list[str] = []
    node_id = 1
    areas = ["Tranebjerg", "Nordby", "Ballen", "Onsbjerg", "Kolby", ""]
    for road, lon in ((1, 10.580), (2, 10.620)):
        refs = []
        for step in range(45):
            lat = 55.78 + step * 0.004
            nodes.append(f'<node id="{node_id}" lat="{lat:.6f}" lon="{lon:.6f}"/>')
            refs.append(node_id)
            node_id += 1
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        ways.append(f'<way id="{road}">{nds}<tag k="highway" v="residential"/></way>')
    addresses = [("Smedegade", "37", 55.8312, 10.5810), ("Landevejen", "32", 55.9588, 10.5810)]
    for i in range(160):
        lat = 55.79 + (i % 40) * 0.0043
        lon = (10.5805 if i % 2 else 10.6195) + (i % 3) * 0.0002
        addresses.append((f"Testvej {i // 40}", str(i + 1), lat, lon))
    for i, (street, number, lat, lon) in enumerate(addresses):
        place = areas[i % len(areas)]
        tags = (f'<tag k="addr:street" v="{street}"/><tag k="addr:housenumber" v="{number}"/>'
                + (f'<tag k="addr:place" v="{place}"/>' if place else ""))
        nodes.append(f'<node id="{node_id}" lat="{lat:.6f}" lon="{lon:.6f}">{tags}</node>')
        node_id += 1
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n' + "\n".join(
        nodes + ways) + "\n</osm>\n"
    path.write_bytes(bz2.compress(xml.encode("utf-8")))


def test_make_demo_is_deterministic_fast(tmp_path: Path) -> None:
    module = make_demo_module()
    osm = tmp_path / "small.osm.bz2"
    synthetic_osm(osm)
    first = module.generate(tmp_path / "a", osm)
    module.generate(tmp_path / "b", osm)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["README.md", CENTRES_FILE, RIDERS_FILE, SCENARIO_TOML, SESSIONS_FILE,
                     VEHICLES_FILE]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    loaded = load_scenario(tmp_path / "a")
    assert loaded == first
    assert len(loaded.riders) == module.N_RIDERS
    assert sum(r.wheelchair for r in loaded.riders) == module.N_WHEELCHAIR


def test_make_demo_seed_changes_the_riders(tmp_path: Path) -> None:
    module = make_demo_module()
    osm = tmp_path / "small.osm.bz2"
    synthetic_osm(osm)
    a = module.generate(tmp_path / "a", osm, seed=1)
    b = module.generate(tmp_path / "b", osm, seed=2)
    assert a.riders != b.riders


@pytest.mark.slow
def test_committed_demo_is_what_make_demo_generates(tmp_path: Path) -> None:
    """Regenerating from the bundled OSM file twice gives the committed bytes (about 4 s)."""
    module = make_demo_module()
    for run in ("a", "b"):
        module.generate(tmp_path / run)
        for path in sorted(DEMO.iterdir()):
            assert (tmp_path / run / path.name).read_bytes() == path.read_bytes(), path.name


# --------------------------------------------------------------------------------------------
# Vehicle layouts (docs/vehicles.md)


def _with_layouts(directory: Path, bus: str, taxi: str = "") -> None:
    edit(directory, VEHICLES_FILE, "available_to,kind\n", "available_to,kind,layouts\n")
    edit(directory, VEHICLES_FILE, "minibus\n", f"minibus,{bus}\n")
    edit(directory, VEHICLES_FILE, "taxi\n", f"taxi,{taxi}\n")


def test_vehicle_layouts_column(good: Path, tmp_path: Path) -> None:
    _with_layouts(good, '"6+3; 8+2"')
    sc = load_scenario(good)
    bus, taxi = sc.vehicles
    # The standard layout (seats, wheelchair_places) comes first, listed or not.
    assert bus.layouts == ((8, 2), (6, 3))
    assert taxi.layouts == ((4, 0),)
    write_scenario(sc, tmp_path / "out")
    assert load_scenario(tmp_path / "out").vehicles == sc.vehicles
    assert "8+2;6+3" in (tmp_path / "out" / VEHICLES_FILE).read_text("utf-8")


BAD_LAYOUTS = [
    ("8x2", "is not seats+wheelchair_places"),
    ("6+-3", "is not seats+wheelchair_places"),
    ('"6+3;0+0"', "has no capacity"),
    ('"6+3;6+3"', "listed twice"),
    ('";"', "no layout listed"),
]


@pytest.mark.parametrize(("value", "words"), BAD_LAYOUTS, ids=[b[1] for b in BAD_LAYOUTS])
def test_bad_layouts_are_located(good: Path, value: str, words: str) -> None:
    _with_layouts(good, "6+3", value)
    errors = load_errors(good)
    matching = [e for e in errors if (e.file, e.row, e.column) == (VEHICLES_FILE, 3, "layouts")]
    assert matching and any(words in e.detail for e in matching), [str(e) for e in errors]
    assert str(matching[0]).startswith(f"{VEHICLES_FILE}, row 3, column 'layouts': ")
