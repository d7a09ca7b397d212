"""GeoJSON of a hand-made plan on the Samsø road network."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

import maps.lines as lines_module
from maps import ATTRIBUTION
from maps.geojson import plan_geojson, write_geojson
from routing.model import Direction, Plan, Run, Stop, StopKind
from routing.network.snap import snap_points

# Tranebjerg, Samsø: a depot, two riders' homes and a centre, all within a few hundred metres of
# roads of the bundled extract.
DEPOT = (55.8275, 10.5880)
HOME_A = (55.8305, 10.5910)
HOME_B = (55.8320, 10.5935)
CENTRE = (55.8290, 10.5960)
SAMSO_LAT = (55.74, 56.02)
SAMSO_LON = (10.48, 10.74)
SNAP_MAX_M = 500.0


def haversine_m(a: Sequence[float], b: Sequence[float]) -> float:
    """Great-circle distance between two (lat, lon) points, metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _run(
    run_id: str,
    weekday: str,
    direction: Direction,
    start_s: int,
    visits: Sequence[tuple[StopKind, str, tuple[float, float], tuple[str, ...]]],
) -> Run:
    """A run with roughly plausible times and legs (1.3 × straight line at 40 km/h)."""
    stops: list[Stop] = []
    t = start_s
    load = 0
    for i, (kind, place, (lat, lon), riders) in enumerate(visits):
        load += len(riders) if kind == "pickup" else -len(riders) if kind == "dropoff" else 0
        dwell = 120 * len(riders)
        if i + 1 < len(visits):
            leg_m = int(1.3 * haversine_m((lat, lon), visits[i + 1][2]))
            leg_s = int(leg_m / (40 / 3.6))
        else:
            leg_m = leg_s = 0
        agreed = (t + 299) // 300 * 300 if kind == "pickup" else None
        stops.append(Stop(
            kind=kind, rider_ids=riders, lat=lat, lon=lon, arrival_s=t,
            departure_s=(agreed if agreed is not None else t) + dwell,
            load_seats=load, load_wheelchairs=0, leg_distance_m=leg_m, leg_travel_s=leg_s,
            place=place, agreed_s=agreed,
        ))
        t = stops[-1].departure_s + leg_s
    return Run(run_id=run_id, weekday=weekday, centre_id="c1", session_id="s1",
               direction=direction, vehicle_id="v1", stops=tuple(stops),
               centre_ids=("c1",), session_ids=("s1",))


def tiny_plan() -> Plan:
    """Monday to and from the centre, Tuesday to the centre; two riders, one vehicle."""
    to_centre: list[tuple[StopKind, str, tuple[float, float], tuple[str, ...]]] = [
        ("depot", "depot:v1", DEPOT, ()),
        ("pickup", "home:r1", HOME_A, ("r1",)),
        ("pickup", "home:r2", HOME_B, ("r2",)),
        ("dropoff", "centre:c1", CENTRE, ("r1", "r2")),
        ("depot", "depot:v1", DEPOT, ()),
    ]
    from_centre: list[tuple[StopKind, str, tuple[float, float], tuple[str, ...]]] = [
        ("depot", "depot:v1", DEPOT, ()),
        ("pickup", "centre:c1", CENTRE, ("r1", "r2")),
        ("dropoff", "home:r2", HOME_B, ("r2",)),
        ("dropoff", "home:r1", HOME_A, ("r1",)),
        ("depot", "depot:v1", DEPOT, ()),
    ]
    runs = (
        _run("mon-R1", "mon", "to_centre", 8 * 3600, to_centre),
        _run("mon-R2", "mon", "from_centre", 12 * 3600, from_centre),
        _run("tue-R1", "tue", "to_centre", 8 * 3600, to_centre),
    )
    return Plan(runs=runs, unserved=(), scenario="tiny")


NAMES = {"r1": "Karen Testesen", "r2": "Bent Prøvesen"}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return tiny_plan()


@pytest.fixture(scope="module")
def fc(plan: Plan, samso_network: Any) -> dict[str, Any]:
    return plan_geojson(plan, samso_network, snap_max_m=SNAP_MAX_M)


def _lines(fc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]


def _points(fc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in fc["features"] if f["geometry"]["type"] == "Point"]


def _latlon(position: Sequence[float]) -> tuple[float, float]:
    return (position[1], position[0])


def _line_length_m(coords: Sequence[Sequence[float]]) -> float:
    return sum(haversine_m(_latlon(a), _latlon(b)) for a, b in pairwise(coords))


def test_valid_feature_collection(fc: dict[str, Any], plan: Plan) -> None:
    assert fc["type"] == "FeatureCollection"
    json.loads(json.dumps(fc))  # JSON-serialisable
    assert len(_lines(fc)) == len(plan.runs)
    assert len(_points(fc)) == sum(len(r.stops) for r in plan.runs)
    for feature in fc["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        positions = (geometry["coordinates"] if geometry["type"] == "LineString"
                     else [geometry["coordinates"]])
        if geometry["type"] == "LineString":
            assert len(positions) >= 2
        for position in positions:
            assert len(position) == 2
            assert all(isinstance(v, float) and round(v, 6) == v for v in position)
    min_lon, min_lat, max_lon, max_lat = fc["bbox"]
    assert min_lon <= max_lon and min_lat <= max_lat


def test_attribution(fc: dict[str, Any]) -> None:
    assert fc["attribution"] == ATTRIBUTION == "© OpenStreetMap contributors"


def test_lines_start_and_end_at_depot(fc: dict[str, Any]) -> None:
    for line in _lines(fc):
        coords = line["geometry"]["coordinates"]
        assert haversine_m(_latlon(coords[0]), DEPOT) <= SNAP_MAX_M
        assert haversine_m(_latlon(coords[-1]), DEPOT) <= SNAP_MAX_M


def test_all_coordinates_on_samso(fc: dict[str, Any]) -> None:
    for line in _lines(fc):
        coords = line["geometry"]["coordinates"]
        assert len(coords) > 5  # follows the roads, not just stop to stop
        for lon, lat in coords:
            assert SAMSO_LAT[0] <= lat <= SAMSO_LAT[1]
            assert SAMSO_LON[0] <= lon <= SAMSO_LON[1]


def test_line_is_at_least_as_long_as_straight_lines(fc: dict[str, Any], plan: Plan) -> None:
    for run, line in zip(plan.runs, _lines(fc), strict=True):
        straight_m = sum(haversine_m((a.lat, a.lon), (b.lat, b.lon))
                         for a, b in pairwise(run.stops))
        assert _line_length_m(line["geometry"]["coordinates"]) >= straight_m - 1.0


def test_line_passes_every_stop_in_order(fc: dict[str, Any], plan: Plan) -> None:
    for run, line in zip(plan.runs, _lines(fc), strict=True):
        coords = line["geometry"]["coordinates"]
        i = 0
        for stop in run.stops:
            while i < len(coords) and haversine_m(_latlon(coords[i]), (stop.lat, stop.lon)) > 1:
                i += 1
            assert i < len(coords), f"{run.run_id}: {stop.place} not on the line in order"


def test_run_properties(fc: dict[str, Any], plan: Plan) -> None:
    for run, line in zip(plan.runs, _lines(fc), strict=True):
        props = line["properties"]
        assert props["run_id"] == run.run_id
        assert props["weekday"] == run.weekday
        assert props["direction"] == run.direction
        assert props["vehicle_id"] == "v1"
        assert props["centre_id"] == "c1"
        assert props["session_id"] == "s1"
        assert props["distance_m"] == run.distance_m > 0
        assert props["duration_s"] == run.duration_s > 0
        assert props["n_riders"] == 2
    colours = {line["properties"]["stroke"] for line in _lines(fc)}
    assert len(colours) == len(plan.runs)


def test_stop_properties(fc: dict[str, Any], plan: Plan) -> None:
    first_run = [p["properties"] for p in _points(fc) if p["properties"]["run_id"] == "mon-R1"]
    assert [p["kind"] for p in first_run] == ["depot", "pickup", "pickup", "dropoff", "depot"]
    assert [p["place"] for p in first_run] == [s.place for s in plan.runs[0].stops]
    assert first_run[1]["rider_ids"] == ["r1"]
    assert first_run[3]["rider_ids"] == ["r1", "r2"]
    assert first_run[0]["departure"] == "08:00"
    assert first_run[1]["agreed"] is not None and len(first_run[1]["agreed"]) == 5
    assert first_run[0]["agreed"] is None
    point = _points(fc)[1]["geometry"]["coordinates"]
    assert point == [round(HOME_A[1], 6), round(HOME_A[0], 6)]  # [lon, lat]


def test_no_names_unless_asked(plan: Plan, samso_network: Any, fc: dict[str, Any]) -> None:
    assert all("rider_names" not in p["properties"] for p in _points(fc))
    # Names given but not asked for: still left out.
    quiet = plan_geojson(plan, samso_network, rider_names=NAMES)
    text = json.dumps(quiet, ensure_ascii=False)
    assert not any(name in text for name in NAMES.values())

    named = plan_geojson(plan, samso_network, include_names=True, rider_names=NAMES)
    dropoff = next(p["properties"] for p in _points(named) if p["properties"]["kind"] == "dropoff")
    assert dropoff["rider_names"] == ["Karen Testesen", "Bent Prøvesen"]


def test_include_names_needs_names(plan: Plan, samso_network: Any) -> None:
    with pytest.raises(ValueError, match="rider_names"):
        plan_geojson(plan, samso_network, include_names=True)


def test_weekday_filter(plan: Plan, samso_network: Any) -> None:
    tue = plan_geojson(plan, samso_network, weekday="tue")
    assert [f["properties"]["run_id"] for f in _lines(tue)] == ["tue-R1"]
    assert {f["properties"]["weekday"] for f in tue["features"]} == {"tue"}
    empty = plan_geojson(plan, samso_network, weekday="fri")
    assert empty["features"] == [] and "bbox" not in empty
    with pytest.raises(ValueError, match="weekday"):
        plan_geojson(plan, samso_network, weekday="sat")


def test_each_place_snapped_once(
    plan: Plan, samso_network: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def counting(network: Any, points: list[tuple[str, float, float]], max_m: float) -> Any:
        calls.append([p[0] for p in points])
        return snap_points(network, points, max_m)

    monkeypatch.setattr(lines_module, "snap_points", counting)
    plan_geojson(plan, samso_network)
    assert len(calls) == 1
    assert sorted(calls[0]) == ["centre:c1", "depot:v1", "home:r1", "home:r2"]


def test_write_geojson(fc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.geojson"
    write_geojson(fc, path)
    assert json.loads(path.read_text(encoding="utf-8")) == fc
    assert "© OpenStreetMap contributors" in path.read_text(encoding="utf-8")
