"""Driver manifests and centre rider lists of a demo Monday: Danish, minimal, struck-out afbud."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from maps import ATTRIBUTION
from maps.manifest.data import (
    NEXT_STOP_GRACE_S,
    build_centre_list,
    build_manifest,
    next_stop,
    vehicles_on,
)
from maps.manifest.html import fits_a_page, render_centre_list_html, render_manifest_html
from maps.manifest.pdf import render_centre_list_pdf, render_manifest_pdf
from maps.manifest.svg import route_svg
from maps.manifest.texts import date_text
from routing.model import Plan, Run, Scenario
from routing.network.roads import RoadNetwork
from routing.operations.consolidation import build_run
from routing.operations.daily import DailyResult, daily_runs
from routing.params import PlanParams
from routing.planning.planner import place_matrix

MON = date(2026, 3, 2)
PRINTED = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)

# R22 uses a wheelchair; R27 uses a wheelchair and travels with an escort (Nordby).
RUNS = (("BUS1", ("R10", "R12", "R24", "R25")), ("BUS2", ("R22", "R27")),
        ("TAXI1", ("R35", "R59")))
RIDER_KEYS = {"rider_id", "name", "needs", "notes", "cancelled", "cancel_text"}


@pytest.fixture(scope="module")
def day(demo: Scenario, samso_network: RoadNetwork) -> DailyResult:
    params = demo.plan_params
    assert isinstance(params, PlanParams)
    matrix = place_matrix(demo, samso_network, params)
    runs: list[Run] = []
    for vehicle, riders in RUNS:
        to = build_run(f"mon-to-{vehicle}", "mon", "to_centre", vehicle, riders, demo,
                       matrix, params)
        home = build_run(f"mon-from-{vehicle}", "mon", "from_centre", vehicle, riders,
                         demo, matrix, params, other_runs=[to])
        runs += [to, home]
    plan = Plan(runs=tuple(runs), unserved=())
    # R12 has cancelled (afbud) both ways; TAXI1's riders are all away in the morning.
    absent = {("R12", "to_centre"), ("R12", "from_centre"), ("R35", "to_centre"),
              ("R59", "to_centre")}
    return daily_runs(plan, demo, matrix, MON, absent, set(), params)


@pytest.fixture(scope="module")
def manifest(day: DailyResult, demo: Scenario, samso_network: RoadNetwork) -> dict[str, Any]:
    return build_manifest(day, demo, "BUS1", network=samso_network, driver_name="Jens",
                          generated_at=PRINTED)


def all_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


def riders_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for run in manifest["runs"] for s in run["stops"] for r in s["riders"]]


def test_manifest_is_danish_json(manifest: dict[str, Any]) -> None:
    assert json.loads(json.dumps(manifest, ensure_ascii=False)) == manifest
    assert manifest["title"] == "Køreliste"
    assert manifest["date_text"] == "mandag den 2. marts 2026"
    labels = manifest["labels"]
    for text in ("Afhentning", "Aflevering", "Kørestol", "Ledsager", "Afbud", "Tidspunkt",
                 "Adresse"):
        assert text in labels.values()
    kinds = {s["kind_text"] for run in manifest["runs"] for s in run["stops"]}
    assert {"Afhentning", "Aflevering", "Afgang fra garage", "Retur til garage"} <= kinds
    assert manifest["attribution"] == ATTRIBUTION


def test_manifest_holds_only_what_the_driver_needs(manifest: dict[str, Any],
                                                   demo: Scenario) -> None:
    keys = all_keys(manifest)
    assert not {k for k in keys if "cpr" in k.lower()}
    assert not {"diagnosis", "diagnose", "can_travel_alone", "has_driver"} & keys
    assert all(set(r) == RIDER_KEYS for r in riders_of(manifest))
    # No CPR-like number (DDMMYY-SSSS) anywhere in the text.
    assert not re.search(r"\b\d{6}-?\d{4}\b", json.dumps(manifest))
    # Only this vehicle's runs.
    assert {run["run_id"] for run in manifest["runs"]} == {"mon-to-BUS1", "mon-from-BUS1"}
    names = {r["name"] for r in riders_of(manifest)}
    assert demo.rider("R35").name not in names


def test_stops_in_order_with_times_addresses_and_struck_afbud(manifest: dict[str, Any],
                                                              demo: Scenario) -> None:
    to = manifest["runs"][0]
    assert to["run_id"] == "mon-to-BUS1" and not to["cancelled"]
    times = [s["time"] for s in to["stops"]]
    assert times == sorted(times) and all(re.fullmatch(r"\d\d:\d\d", t) for t in times)
    struck = [r for r in riders_of(manifest) if r["cancelled"]]
    assert {r["name"] for r in struck} == {demo.rider("R12").name}
    assert all(r["cancel_text"] == "Afbud" for r in struck)
    for run in manifest["runs"]:  # once per run, at the home
        struck_stops = [s for s in run["stops"] if any(r["cancelled"] for r in s["riders"])]
        assert len(struck_stops) == 1 and struck_stops[0]["cancelled"]
        assert struck_stops[0]["address"] == demo.rider("R12").address
    pickups = [s for s in to["stops"] if s["kind"] == "pickup"]
    assert [s["address"] for s in pickups] == [demo.rider(r).address
                                               for r in ("R10", "R12", "R24", "R25")]
    centre = next(s for s in to["stops"] if s["kind"] == "dropoff")
    assert centre["place_name"] == "Aktivitetscenter Tranebjerg"
    assert centre["address"] == "Smedegade 37, 8305 Samsø"
    assert "© OpenStreetMap contributors" in to["map_svg"] and to["map_svg"].startswith("<svg")
    assert len(to["route"]) > len(to["stops"])  # the line follows the roads


def test_needs_and_cancelled_run(day: DailyResult, demo: Scenario) -> None:
    bus2 = build_manifest(day, demo, "BUS2", generated_at=PRINTED)
    needs = {r["name"]: r["needs"] for r in riders_of(bus2)}
    assert needs[demo.rider("R22").name] == ["Kørestol"]
    assert needs[demo.rider("R27").name] == ["Kørestol", "Ledsager"]
    taxi = build_manifest(day, demo, "TAXI1", generated_at=PRINTED)
    cancelled = next(run for run in taxi["runs"] if run["run_id"] == "mon-to-TAXI1")
    assert cancelled["cancelled"] and cancelled["status_text"].startswith("Aflyst")
    assert all(r["cancelled"] for s in cancelled["stops"] for r in s["riders"])
    assert not next(r for r in taxi["runs"] if r["run_id"] == "mon-from-TAXI1")["cancelled"]
    assert vehicles_on(day) == ["BUS1", "BUS2", "TAXI1"]
    html = render_manifest_html(taxi)
    assert "Aflyst" in html


def test_manifest_html(manifest: dict[str, Any], demo: Scenario) -> None:
    html = render_manifest_html(manifest)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da">' in html
    assert f"<s>{demo.rider('R12').name}</s>" in html
    assert "Køreliste" in html and "Tidspunkt" in html and "Adresse" in html
    assert "<svg" in html and "© OpenStreetMap contributors" in html
    assert demo.rider("R10").name in html and "Jens" in html


def squash(text: str) -> str:
    """Text without whitespace: a cell's text wraps onto several lines in the PDF."""
    return re.sub(r"\s+", "", text)


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text (pypdf: in drawing order, cell after cell), squashed."""
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def stop_text(stop: dict[str, Any]) -> str:
    """A stop's row(s) as the HTML shows them: number, time, agreed time, kind, place, then
    each rider's name (with the afbud mark) and needs/notes."""
    parts = [str(stop["seq"]), stop["time"]]
    if stop["agreed"] and not stop["cancelled"]:
        parts.append(f"aftalt {stop['agreed']}")
    parts += [stop["kind_text"], ", ".join(x for x in (stop["place_name"], stop["address"]) if x)]
    for rider in stop["riders"]:
        parts.append(rider["name"])
        if rider["cancelled"]:
            parts += [rider["cancel_text"], ", ".join(rider["needs"])]
        else:
            parts.append(" · ".join(x for x in (", ".join(rider["needs"]), rider["notes"]) if x))
    return squash("".join(parts))


def with_note(manifest: dict[str, Any], note: str) -> dict[str, Any]:
    """The manifest with a note on the first rider of the first run."""
    out: dict[str, Any] = json.loads(json.dumps(manifest))
    rider = next(s for s in out["runs"][0]["stops"] if s["riders"])["riders"][0]
    rider["notes"] = note
    return out


def test_manifest_pdf_shows_every_stop_as_the_html(manifest: dict[str, Any]) -> None:
    pdf = render_manifest_pdf(manifest)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox  # A4 portrait, in points
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = "".join(pdf_pages(pdf))
    html = squash(re.sub(r"<[^>]+>", "", render_manifest_html(manifest)))
    agreed = 0
    for run in manifest["runs"]:
        for stop in run["stops"]:
            expected = stop_text(stop)
            assert expected in text, expected
            assert expected in html.replace("&#39;", "'"), expected  # the same in the page
            agreed += bool(stop["agreed"])
    assert agreed > 0  # the fixture has pickups whose agreed time differs
    # The map is the inline SVG with the depot ("G") and the stops by their table numbers.
    first = manifest["runs"][0]
    marks = "G" + "".join(str(s["seq"]) for s in first["stops"][1:-1])
    assert marks in text


def test_manifest_pdf_wraps_long_texts_never_cuts(manifest: dict[str, Any]) -> None:
    note = ("Ring på hos naboen i nr. 14, hvis ingen åbner; hunden er venlig, men må ikke "
            "komme ud. Rollatoren står i carporten og skal med hver gang, også om vinteren. "
            "Særlig aftale med datteren Ærtebjerg-Østergaard om nøgleboks ved bagdøren: "
            "koden står i mappen. Slut på noten.")
    long_name = "Anne-Mette Christiansen-Vestergaard Østergaard-Bødtcher Kristoffersen"
    doc = with_note(manifest, note)
    stop = next(s for s in doc["runs"][0]["stops"] if s["riders"])
    stop["riders"][0]["name"] = long_name
    stop["address"] = "Langgadevejsforlængelsesstrækningen 123B, 2. sal tv., 8305 Samsø"
    text = "".join(pdf_pages(render_manifest_pdf(doc)))
    assert squash(note) in text and squash(long_name) in text
    assert squash(stop["address"]) in text
    assert stop_text(stop) in text


@pytest.mark.parametrize("words", [0, 36, 60, 84])
def test_manifest_pdf_keeps_each_map_with_its_table(manifest: dict[str, Any],
                                                    words: int) -> None:
    # Notes of these lengths push the first run's end to the foot of a page (the map would
    # fall onto the next page without break-before: avoid; checked on this layout).
    doc = with_note(manifest, "Bemærkning " + "lang tekst " * words)
    pages = pdf_pages(render_manifest_pdf(doc))
    mapped = [run for run in doc["runs"] if run["map_svg"] and not run["cancelled"]]
    assert mapped
    # The attribution is in every map and once more in the footer line at the end.
    map_pages = [i for i, page in enumerate(pages)
                 for _ in range(page.count(squash(ATTRIBUTION)))][:len(mapped)]
    for run, page in zip(mapped, map_pages, strict=True):
        last = run["stops"][-1]
        assert squash(f"{last['seq']}{last['time']}{last['kind_text']}") in pages[page]
        assert "G1" in pages[page]  # the depot marker, then the first stop


def test_centre_list_pdf(day: DailyResult, demo: Scenario) -> None:
    rider_list = build_centre_list(day, demo, "TRA")
    text = "".join(pdf_pages(render_centre_list_pdf(rider_list)))
    assert squash(rider_list["title"]) in text
    for row in rider_list["arrivals"] + rider_list["departures"]:
        assert squash(f"{row['time']}{row['name']}{row['vehicle_id']}/{row['run_id']}") in text
    for row in rider_list["absent"]:
        assert squash(f"{row['name']}{row['direction_text']}{row['reason_text']}") in text


def test_centre_list(day: DailyResult, demo: Scenario) -> None:
    tra = build_centre_list(day, demo, "TRA")
    assert tra["title"] == "Deltagerliste" and tra["centre"] == "Aktivitetscenter Tranebjerg"
    arrivals = {a["name"]: a for a in tra["arrivals"]}
    assert set(arrivals) == {demo.rider(r).name for r in ("R10", "R24", "R25")}
    assert {a["run_id"] for a in tra["arrivals"]} == {"mon-to-BUS1"}
    assert all(re.fullmatch(r"\d\d:\d\d", a["time"]) for a in tra["arrivals"])
    departures = {a["name"] for a in tra["departures"]}
    assert demo.rider("R35").name in departures  # home by taxi after the morning afbud
    absent = {a["name"]: a for a in tra["absent"]}
    assert absent[demo.rider("R12").name]["direction_text"] == "Begge veje"
    assert absent[demo.rider("R35").name]["direction_text"] == "Kun til centret"
    assert absent[demo.rider("R12").name]["reason_text"] == "Afbud"
    assert tra["closed"] is None
    html = render_centre_list_html(tra)
    assert f"<s>{demo.rider('R12').name}</s>" in html and "Fraværende" in html
    nor = build_centre_list(day, demo, "NOR")
    assert {a["name"] for a in nor["arrivals"]} == {demo.rider(r).name
                                                    for r in ("R22", "R27")}


def test_centre_list_of_a_closed_day(day: DailyResult, demo: Scenario) -> None:
    from dataclasses import replace

    closed = replace(day, closed_centres=frozenset({"TRA"}))
    listing = build_centre_list(closed, demo, "TRA", closing_reason="Sommerlukning")
    assert listing["closed"] == "Sommerlukning"
    assert "Sommerlukning" in render_centre_list_html(listing)


def test_route_svg_without_roads() -> None:
    svg = route_svg([], [((10.59, 55.83), "1", False), ((10.60, 55.84), "2", True)])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<polyline" in svg and svg.count("<circle") == 2 and "<line" in svg
    assert ATTRIBUTION.replace("©", "©") in svg
    assert date_text(date(2026, 12, 24)) == "torsdag den 24. december 2026"


def test_route_svg_leaves_out_points_within_half_a_pixel() -> None:
    # A road line with 400 points: two straight stretches with a bend, every point on them.
    line = [(10.58 + 0.0001 * i, 55.82) for i in range(200)] + \
        [(10.5999, 55.82 + 0.0001 * i) for i in range(1, 201)]
    stops = [(line[0], "1", False), (line[-1], "2", False)]
    svg = route_svg(line, stops)
    points = re.search(r'<polyline points="([^"]+)"', svg)
    assert points is not None
    pixels = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    # Straight stretches need only their ends; the bend stays.
    assert len(pixels) == 3
    circles = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([^"]+)" cy="([^"]+)"',
                                                           svg)]
    assert pixels[0] == circles[0] and pixels[-1] == circles[1]
    # A detour of a few pixels is kept.
    bent = [*line[:100], (line[100][0], 55.8205), *line[101:]]
    assert len(route_svg(bent, stops).split('points="')[1].split('"')[0].split()) > 3


def test_centre_list_gives_unserved_reasons_in_danish(day: DailyResult,
                                                      demo: Scenario) -> None:
    from dataclasses import replace

    from routing.model import Unserved

    rider = next(r for r in demo.riders if r.centre_id == "TRA")
    unserved = Unserved(rider.rider_id, day.weekday, "s", "to_centre",
                        "direct trip 52 min > max 45 min")
    listing = build_centre_list(replace(day, unserved=(unserved,)), demo, "TRA")
    assert [u["reason_text"] for u in listing["unserved"]] == [
        "den direkte tur tager 52 min; længste tilladte køretid er 45 min"]
    assert "længste tilladte køretid" in render_centre_list_html(listing)


def test_next_stop_follows_the_clock(manifest: dict[str, Any]) -> None:
    first, home = manifest["runs"][0], manifest["runs"][1]
    at_start = next_stop(manifest, 0)
    assert at_start is not None
    # The first stop to drive to (leaving the garage is the run's start, not a stop to reach).
    assert (at_start["run_id"], at_start["seq"]) == (first["run_id"], 1)
    assert at_start["address"] == first["stops"][1]["address"]
    # The cancelled stop (R12's afbud) is never next: the stop after it is.
    struck = next(s for s in first["stops"] if s["cancelled"])
    after = next(s for s in first["stops"] if s["seq"] > struck["seq"] and not s["cancelled"])
    due = next_stop(manifest, struck["time_s"] + NEXT_STOP_GRACE_S + 1)
    assert due is not None and (due["run_id"], due["seq"]) == (first["run_id"], after["seq"])
    assert due["riders"] == [r["name"] for r in after["riders"] if not r["cancelled"]]
    # A stop stays next while the driver is there (the grace), then the next one is.
    pickup = next(s for s in home["stops"] if s["kind"] == "pickup")
    still = next_stop(manifest, pickup["time_s"] + NEXT_STOP_GRACE_S)
    assert still is not None and still["seq"] == pickup["seq"] and still["in_min"] == 0
    now = pickup["time_s"] - 600
    soon = next_stop(manifest, now)
    assert soon is not None and soon["in_min"] == (time_of(manifest, soon) - now) // 60 > 0
    assert next_stop(manifest, home["stops"][-1]["time_s"] + NEXT_STOP_GRACE_S + 1) is None


def time_of(manifest: dict[str, Any], found: dict[str, Any]) -> int:
    run = next(r for r in manifest["runs"] if r["run_id"] == found["run_id"])
    return int(next(s for s in run["stops"] if s["seq"] == found["seq"])["time_s"])


def test_a_vehicle_waiting_at_a_centre_between_runs(demo: Scenario,
                                                    samso_network: RoadNetwork) -> None:
    from routing.planning.stops import RunContext, with_terminals
    from routing.verify.checks import verify_plan

    params = demo.plan_params
    matrix = place_matrix(demo, samso_network, params)
    ctx = RunContext(demo, matrix, params)
    riders = ("R10", "R24")
    to = build_run("mon-to-BUS1", "mon", "to_centre", "BUS1", riders, demo, matrix, params)
    centre = to.stops[-2].place
    assert centre.startswith("centre:")
    # The bus waits at the centre where it delivered its riders and takes them home from there.
    to = with_terminals(to, ctx, end=centre)
    home = build_run("mon-from-BUS1", "mon", "from_centre", "BUS1", riders, demo, matrix,
                     params, other_runs=[to])
    home = with_terminals(home, ctx, start=centre)
    day = daily_runs(Plan(runs=(to, home), unserved=()), demo, matrix, MON, set(), set(),
                     params)
    errors = [v for v in verify_plan(day.as_plan(), demo, samso_network, params,
                                     expected_trips={(r, MON.isoformat(), d) for r in riders
                                                     for d in ("to_centre", "from_centre")})
              if v.severity == "error"]
    assert errors == []
    manifest = build_manifest(day, demo, "BUS1", network=samso_network, generated_at=PRINTED)
    name = demo.centre(centre.partition(":")[2]).name
    first, second = manifest["runs"]
    assert first["stops"][0]["kind_text"] == "Afgang fra garage"
    assert first["stops"][-1]["kind_text"] == f"Venter ved {name}"
    assert second["stops"][0]["kind_text"] == f"Start ved {name}"
    assert second["stops"][-1]["kind_text"] == "Retur til garage"
    # The garage marker only on the map of the run that leaves the garage.
    assert "Afgang fra garage</title>" in first["map_svg"]
    assert "Afgang fra garage</title>" not in second["map_svg"]
    html = render_manifest_html(manifest)
    assert f"Venter ved {name}" in html and f"Start ved {name}" in html


@pytest.mark.parametrize("words", [0, 20, 36, 48, 60, 72, 84])
def test_manifest_pdf_never_cuts_a_run_that_fits_a_page(manifest: dict[str, Any],
                                                       words: int) -> None:
    # A run that fits a page is not split after its heading or first rows: it starts on the
    # next page. A longer one starts where it is (no page left empty) and breaks between stops.
    doc = with_note(manifest, "Bemærkning " + "lang tekst " * words)
    pages = pdf_pages(render_manifest_pdf(doc))
    assert squash(doc["runs"][0]["run_id"]) in pages[0]
    whole = [run for run in doc["runs"] if fits_a_page(run)]
    assert len(whole) >= len(doc["runs"]) - 1  # only the run with the long note may not fit
    for run in whole:
        on = [i for i, page in enumerate(pages) if squash(run["run_id"]) in page]
        assert on, run["run_id"]
        for stop in (run["stops"][0], run["stops"][-1]):
            assert stop_text(stop) in pages[on[0]], (run["run_id"], stop["seq"])
