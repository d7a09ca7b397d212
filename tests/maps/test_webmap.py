"""The interactive web maps (Leaflet, shipped with the package) of a hand-made plan on Samsø."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from maps.leaflet import LEAFLET_DIR, copy_assets, linked_assets
from maps.webmap import (
    config_json,
    day_map_html,
    map_config,
    plan_map_html,
    vehicle_colours,
    write_plan_map,
)
from routing.model import Centre, Plan, Run, Stop, StopKind

DEPOT = (55.8275, 10.5880)
HOME_A = (55.8305, 10.5910)
HOME_B = (55.8320, 10.5935)
CENTRE = (55.8290, 10.5960)


def _run(run_id: str, weekday: str, start_s: int,
         visits: Sequence[tuple[StopKind, str, tuple[float, float], tuple[str, ...]]],
         vehicle_id: str = "v1") -> Run:
    """A to-centre run with made-up legs of 600 m / 60 s (the map draws roads, not legs)."""
    stops = tuple(
        Stop(kind=kind, rider_ids=riders, lat=lat, lon=lon, arrival_s=start_s + 300 * i,
             departure_s=start_s + 300 * i + 60, load_seats=0, load_wheelchairs=0,
             leg_distance_m=600 if i + 1 < len(visits) else 0,
             leg_travel_s=60 if i + 1 < len(visits) else 0, place=place,
             agreed_s=start_s + 300 * i if kind == "pickup" else None)
        for i, (kind, place, (lat, lon), riders) in enumerate(visits)
    )
    return Run(run_id=run_id, weekday=weekday, centre_id="c1", session_id="s1",
               direction="to_centre", vehicle_id=vehicle_id, stops=stops)


VISITS: list[tuple[StopKind, str, tuple[float, float], tuple[str, ...]]] = [
    ("depot", "depot:v1", DEPOT, ()),
    ("pickup", "home:r1", HOME_A, ("r1",)),
    ("pickup", "home:r2", HOME_B, ("r2",)),
    ("dropoff", "centre:c1", CENTRE, ("r1", "r2")),
    ("depot", "depot:v1", DEPOT, ()),
]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return Plan(runs=(_run("mon-R1", "mon", 8 * 3600, VISITS),
                      _run("mon-R2", "mon", 8 * 3600, VISITS, vehicle_id="v2"),
                      _run("tue-R7", "tue", 8 * 3600, VISITS)),
                unserved=(), scenario="tiny")


@pytest.fixture(scope="module")
def page(plan: Plan, samso_network: Any) -> str:
    return plan_map_html(plan, samso_network)


CENTRES = (Centre("c1", "Aktivitetscentret", CENTRE[0], CENTRE[1]),)


def _data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="kort-data">(.*?)</script>', page,
                      re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_page_shows_attribution_and_runs(page: str) -> None:
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="da">' in page
    assert "OpenStreetMap contributors" in page
    data = _data(page)
    assert [r["run_id"] for r in data["runs"]] == ["mon-R1", "mon-R2", "tue-R7"]
    assert data["tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap contributors" in data["attribution"]


def test_leaflet_is_inlined_not_from_a_cdn(page: str) -> None:
    assert "cdn.jsdelivr" not in page and "unpkg" not in page and "cdnjs" not in page
    assert re.search(r"<script[^>]*\ssrc=", page) is None  # everything inlined
    assert re.search(r"<link[^>]*\shref=", page) is None
    assert "Leaflet 1.9.4" in page  # leaflet.js's banner
    assert "SamkorselMap" in page
    assert "data:image/png;base64," in page  # the control images of leaflet.css
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()


def test_bundled_roads_are_the_offline_base_layer(page: str) -> None:
    roads = _data(page)["roads"]
    assert roads["type"] == "FeatureCollection"
    assert roads["attribution"] == "© OpenStreetMap contributors"
    assert {f["properties"]["class"] for f in roads["features"]} == {"major", "minor"}


def test_static_drawing_without_javascript(page: str) -> None:
    noscript = page.split("<noscript>")[1].split("</noscript>")[0]
    assert "<svg" in noscript and "<polyline" in noscript
    assert "OpenStreetMap contributors" in noscript


def test_runs_coloured_by_vehicle_with_numbered_stops(page: str) -> None:
    runs = _data(page)["runs"]
    colours = vehicle_colours(["v2", "v1"])
    assert colours == {"v1": "#1f77b4", "v2": "#d62728"}
    assert [r["colour"] for r in runs] == ["#1f77b4", "#d62728", "#1f77b4"]
    stops = runs[0]["stops"]
    assert [s["n"] for s in stops] == [None, 1, 2, 3, None]
    assert [s["kind_text"] for s in stops][:2] == ["Garage", "Opsamling"]
    assert stops[1]["times"].startswith("Aftalt 08:05")
    assert stops[3]["riders"] == ["r1", "r2"]  # ids only by default
    assert runs[0]["n_riders"] == 2
    assert runs[0]["line"][0] == [DEPOT[0], DEPOT[1]]


def test_first_weekday_shown_and_grouped(page: str) -> None:
    runs = _data(page)["runs"]
    assert [r["group"] for r in runs] == ["Mandag · vogn v1", "Mandag · vogn v2",
                                          "Tirsdag · vogn v1"]
    assert [r["show"] for r in runs] == [True, True, False]


def test_centres_are_marked(plan: Plan, samso_network: Any) -> None:
    data = _data(plan_map_html(plan, samso_network, centres=CENTRES))
    assert data["centres"] == [{"centre_id": "c1", "name": "Aktivitetscentret",
                                "lat": CENTRE[0], "lon": CENTRE[1]}]


def test_weekday_filter(plan: Plan, samso_network: Any) -> None:
    data = _data(plan_map_html(plan, samso_network, weekday="tue"))
    assert [r["run_id"] for r in data["runs"]] == ["tue-R7"]
    with pytest.raises(ValueError, match="weekday"):
        plan_map_html(plan, samso_network, weekday="sun")


def test_offline_uses_no_tiles(plan: Plan, samso_network: Any) -> None:
    page = plan_map_html(plan, samso_network, offline=True)
    assert _data(page)["tiles"] is None
    assert "OpenStreetMap contributors" in page


def test_day_map_groups_by_vehicle(plan: Plan, samso_network: Any) -> None:
    page = day_map_html(plan.runs[:2], samso_network, title="Kørsel 7. december",
                        centres=CENTRES)
    data = _data(page)
    assert [r["group"] for r in data["runs"]] == ["Vogn v1", "Vogn v2"]
    assert all(r["show"] for r in data["runs"])
    assert "<title>Kørsel 7. december</title>" in page


def test_names_only_when_given(plan: Plan, samso_network: Any) -> None:
    config = map_config(plan.runs[:1], samso_network, rider_names={"r1": "Anna"},
                        roads="/roads.geojson")
    assert config["runs"][0]["stops"][1]["riders"] == ["Anna"]
    assert config["roads"] == "/roads.geojson"


def test_config_json_cannot_end_the_script_element() -> None:
    text = config_json({"label": "</script><script>alert(1)</script>"})
    assert "</script" not in text and "<" not in text
    assert json.loads(text) == {"label": "</script><script>alert(1)</script>"}


def test_ids_are_escaped_in_the_static_drawing(samso_network: Any) -> None:
    plan = Plan(runs=(_run("R<i>x", "mon", 8 * 3600, VISITS),), unserved=())
    page = plan_map_html(plan, samso_network)
    assert "R<i>x" not in page
    assert "R&lt;i&gt;x" in page


def test_empty_plan(samso_network: Any) -> None:
    page = plan_map_html(Plan(runs=(), unserved=()), samso_network)
    assert "OpenStreetMap contributors" in page
    assert _data(page)["bounds"] is None


def test_write_plan_map(plan: Plan, samso_network: Any, tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    write_plan_map(plan, samso_network, path, weekday="mon")
    text = path.read_text(encoding="utf-8")
    assert "mon-R1" in text and "OpenStreetMap contributors" in text


def test_leaflet_files_and_licence_are_shipped(tmp_path: Path) -> None:
    for name in ("leaflet.js", "leaflet.css", "LICENSE", "images/layers.png",
                 "images/marker-icon.png", "images/marker-shadow.png"):
        assert (LEAFLET_DIR / name).is_file(), name
    assert "BSD 2-Clause" in (LEAFLET_DIR / "LICENSE").read_text(encoding="utf-8")
    out = copy_assets(tmp_path / "assets")
    assert (out / "leaflet" / "leaflet.js").is_file()
    assert (out / "samkorsel-map.js").is_file()
    links = linked_assets("/static/maps/")
    assert 'src="/static/maps/leaflet/leaflet.js"' in links
    assert 'href="/static/maps/leaflet/leaflet.css"' in links


def test_a_run_ending_at_a_centre_has_no_garage_marker_there(samso_network: Any) -> None:
    # The vehicle waits at the centre after delivering its riders: the run's last stop is a
    # terminal at the centre, drawn as a small "wait" mark, not as the garage.
    visits = [*VISITS[:-1], ("depot", "centre:c1", CENTRE, ())]
    config = map_config([_run("mon-R1", "mon", 8 * 3600, visits)], samso_network,
                        centres=CENTRES)
    stops = config["runs"][0]["stops"]
    assert [s["kind"] for s in stops] == ["depot", "pickup", "pickup", "dropoff", "wait"]
    assert stops[0]["kind_text"] == "Garage"
    assert stops[-1]["kind_text"] == "Venter ved Aktivitetscentret"
    assert stops[-1]["n"] is None
