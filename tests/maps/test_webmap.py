"""The interactive web map of a hand-made plan on the Samsø road network."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from maps.webmap import plan_map_html, write_plan_map
from routing.model import Plan, Run, Stop, StopKind

DEPOT = (55.8275, 10.5880)
HOME_A = (55.8305, 10.5910)
HOME_B = (55.8320, 10.5935)
CENTRE = (55.8290, 10.5960)


def _run(run_id: str, weekday: str, start_s: int,
         visits: Sequence[tuple[StopKind, str, tuple[float, float], tuple[str, ...]]]) -> Run:
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
               direction="to_centre", vehicle_id="v1", stops=stops)


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
                      _run("tue-R7", "tue", 8 * 3600, VISITS)),
                unserved=(), scenario="tiny")


@pytest.fixture(scope="module")
def page(plan: Plan, samso_network: Any) -> str:
    return plan_map_html(plan, samso_network)


def test_page_shows_attribution_and_runs(page: str) -> None:
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert "OpenStreetMap contributors" in page
    assert "mon-R1" in page and "tue-R7" in page
    assert "L.control.layers" in page  # layer control
    assert "tile.openstreetmap.org" in page
    assert "L.polyline" in page


def test_page_has_static_fallback(page: str) -> None:
    # Shown instead of the map when Leaflet cannot be loaded (offline).
    assert 'typeof L === "undefined"' in page
    assert "<svg" in page and "<polyline" in page


def test_one_colour_per_run(page: str) -> None:
    assert "#1f77b4" in page and "#d62728" in page


def test_weekday_filter(plan: Plan, samso_network: Any) -> None:
    page = plan_map_html(plan, samso_network, weekday="tue")
    assert "tue-R7" in page and "mon-R1" not in page


def test_only_leaflet_is_linked(page: str) -> None:
    assert "leaflet.js" in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()


def test_offline_uses_no_tiles(plan: Plan, samso_network: Any) -> None:
    page = plan_map_html(plan, samso_network, offline=True)
    assert "tile.openstreetmap.org" not in page
    assert "leaflet.js" in page
    assert "OpenStreetMap contributors" in page
    assert "mon-R1" in page and "L.polyline" in page


def test_ids_are_escaped(samso_network: Any) -> None:
    plan = Plan(runs=(_run("R<i>x", "mon", 8 * 3600, VISITS),), unserved=())
    page = plan_map_html(plan, samso_network)
    assert "R<i>x" not in page
    assert "R&lt;i&gt;x" in page


def test_empty_plan(samso_network: Any) -> None:
    page = plan_map_html(Plan(runs=(), unserved=()), samso_network)
    assert "OpenStreetMap contributors" in page


def test_write_plan_map(plan: Plan, samso_network: Any, tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    write_plan_map(plan, samso_network, path, weekday="mon")
    text = path.read_text(encoding="utf-8")
    assert "mon-R1" in text and "OpenStreetMap contributors" in text
