"""Driver manifests (kørelister) and centre rider lists (deltagerlister) for one date.

A driver's manifest lists, for one vehicle and date, the runs in order with each stop's time,
address, the riders' names and needs (kørestol, ledsager, notes), riders who cancelled struck out,
and a small route map drawn as inline SVG from the stop coordinates and the roads (no map tiles,
no internet). It holds only what the driver needs: no CPR numbers, no diagnoses, no other
vehicles' runs. A centre's rider list says who arrives on which run and when, who goes home when,
and who is absent.

Formats: a JSON-ready dict (:func:`build_manifest`, :func:`build_centre_list`), printable HTML
(Jinja2 templates in ``maps/templates/``) and PDF (fpdf2, core Helvetica font: Danish æ, ø, å are
Latin-1). Texts are Danish.
"""

from __future__ import annotations

import io
import logging
import math
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from maps.png import manifest_run_png
from routing.model import Plan, Rider, Run, Scenario, Stop, format_hm
from routing.network.roads import RoadNetwork
from routing.operations.daily import DailyResult, RemovedRider
from routing.places import centre_place, is_home
from routing.planning.reasons import danish
from routing.texts.da import DIRECTION_TITLE_DA
from routing.texts.da import date_text as date_text

log = logging.getLogger(__name__)

ATTRIBUTION = "© OpenStreetMap contributors"
TEMPLATES_DIR = Path(__file__).parent / "templates"


LABELS: dict[str, str] = {
    "manifest": "Køreliste",
    "centre_list": "Deltagerliste",
    "vehicle": "Vogn",
    "driver": "Chauffør",
    "date": "Dato",
    "run": "Tur",
    "time": "Tidspunkt",
    "agreed": "aftalt",
    "kind": "Type",
    "address": "Adresse",
    "name": "Navn",
    "needs": "Behov",
    "notes": "Bemærkninger",
    "pickup": "Afhentning",
    "dropoff": "Aflevering",
    "depot_out": "Afgang fra garage",
    "depot_in": "Retur til garage",
    "wheelchair": "Kørestol",
    "escort": "Ledsager",
    "cancelled_rider": "Afbud",
    "cancelled_run": "Aflyst",
    **DIRECTION_TITLE_DA,
    "arrivals": "Ankomst til centret",
    "departures": "Hjemtransport",
    "absent": "Fraværende",
    "unserved": "Ingen planlagt kørsel",
    "centre_closed": "Centret er lukket",
    "no_runs": "Ingen ture denne dag.",
    "map": "Rutekort",
    "vehicle_run": "Vogn / tur",
    "direction": "Retning",
    "reason": "Årsag",
    "both_ways": "Begge veje",
    "generated": "Udskrevet",
}
"""Danish texts of manifests and rider lists."""

REMOVAL_TEXT: dict[str, str] = {
    "absent": "Afbud",
    "closed": "Centret er lukket",
    "no_show": "Udeblevet om morgenen – ingen hjemtur",
    "consolidated": "Flyttet til anden tur",
}

CANCEL_TEXT: dict[str, str] = {
    "empty": "Aflyst – alle har meldt afbud",
    "closed": "Aflyst – centret er lukket",
    "consolidated": "Aflyst – samkørt med en anden tur",
}


def needs_of(rider: Rider) -> list[str]:
    """The rider's needs as the driver reads them (``Kørestol``, ``Ledsager``)."""
    out = []
    if rider.wheelchair:
        out.append(LABELS["wheelchair"])
    if rider.escort:
        out.append(LABELS["escort"])
    return out


# --------------------------------------------------------------------------------------------
# Route map (inline SVG)


Position = tuple[float, float]
"""``(lon, lat)``."""


def route_svg(
    line: Sequence[Position],
    stops: Sequence[tuple[Position, str, bool]],
    *,
    width: int = 420,
    height: int = 280,
) -> str:
    """A small route map as an SVG string: the road line, numbered stops, the attribution.

    Parameters
    ----------
    line
        ``(lon, lat)`` positions of the route (may be empty: stops are then joined directly).
    stops
        ``((lon, lat), label, cancelled)`` per stop; cancelled stops are drawn grey and crossed.
    width, height
        Size in pixels.

    Returns
    -------
    str
        A standalone ``<svg>`` element (no external resources).
    """
    points = list(line) or [p for p, _, _ in stops]
    every = points + [p for p, _, _ in stops]
    if not every:
        return ""
    lat_mid = sum(p[1] for p in every) / len(every)
    kx = math.cos(math.radians(lat_mid))  # equirectangular: metres per degree of lon shrink
    xs = [p[0] * kx for p in every]
    ys = [p[1] for p in every]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
    pad, foot = 16.0, 14.0
    scale = min((width - 2 * pad) / max(max(xs) - min(xs), span * 0.01),
                (height - 2 * pad - foot) / max(max(ys) - min(ys), span * 0.01))
    x0 = (width - scale * (max(xs) - min(xs))) / 2 - scale * min(xs)
    y0 = (height - foot - scale * (max(ys) - min(ys))) / 2 + scale * max(ys)

    def xy(p: Position) -> tuple[float, float]:
        return round(x0 + scale * p[0] * kx, 1), round(y0 - scale * p[1], 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{LABELS["map"]}">',
        f'<rect width="{width}" height="{height}" fill="#f7f7f2" stroke="#999"/>',
    ]
    if len(points) >= 2:
        path = " ".join(f"{x},{y}" for x, y in _pixel_line(points, x0, y0, scale, kx))
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f77b4" '
                     f'stroke-width="3" stroke-linejoin="round" stroke-linecap="round"/>')
    for (p, label, cancelled) in stops:
        x, y = xy(p)
        fill = "#bbbbbb" if cancelled else "#d62728"
        parts.append(f'<circle cx="{x}" cy="{y}" r="8" fill="{fill}" stroke="#fff" '
                     f'stroke-width="1.5"/>')
        parts.append(f'<text x="{x}" y="{y + 3.5}" font-size="10" font-family="sans-serif" '
                     f'text-anchor="middle" fill="#fff">{escape(label)}</text>')
        if cancelled:
            parts.append(f'<line x1="{x - 9}" y1="{y - 9}" x2="{x + 9}" y2="{y + 9}" '
                         f'stroke="#555" stroke-width="1.5"/>')
    parts.append(f'<text x="{width - 4}" y="{height - 4}" font-size="9" '
                 f'font-family="sans-serif" text-anchor="end" fill="#333">'
                 f'{escape(ATTRIBUTION)}</text>')
    parts.append("</svg>")
    return "".join(parts)


SVG_TOLERANCE_PX = 0.5
"""Points of the road line closer than this to the simplified line are left out of the SVG:
a road line has hundreds of points, most of them within a pixel of each other at map size."""


def _pixel_line(points: Sequence[Position], x0: float, y0: float, scale: float, kx: float
                ) -> list[tuple[float, float]]:
    """The line in pixels (0.1 px), simplified by :data:`SVG_TOLERANCE_PX`."""
    import numpy as np
    import shapely

    lonlat = np.asarray(points, dtype=float)
    pixels = np.column_stack((x0 + scale * kx * lonlat[:, 0], y0 - scale * lonlat[:, 1]))
    simple = shapely.get_coordinates(shapely.simplify(shapely.linestrings(pixels),
                                                      SVG_TOLERANCE_PX))
    out: list[tuple[float, float]] = [(x, y) for x, y in np.round(simple, 1).tolist()]
    return out


def _road_line(run: Run, network: RoadNetwork | None, snap_max_m: float) -> list[Position]:
    """The run's line along the roads (via :func:`maps.geojson.plan_geojson`), or []."""
    if network is None or len(run.stops) < 2:
        return []
    from maps.geojson import plan_geojson  # needs the road network stack only when drawing

    fc = plan_geojson(Plan(runs=(run,), unserved=()), network, snap_max_m=snap_max_m)
    for feature in fc["features"]:
        if feature["properties"].get("feature_type") == "run":
            return [(float(lon), float(lat)) for lon, lat in feature["geometry"]["coordinates"]]
    return []


# --------------------------------------------------------------------------------------------
# Manifest


def _place_text(stop_place: str, scenario: Scenario, riders: dict[str, Rider]) -> tuple[str, str]:
    """``(name, address)`` of a place for the driver."""
    kind, _, ident = stop_place.partition(":")
    if kind == "centre":
        try:
            centre = scenario.centre(ident)
        except KeyError:
            return ident, ""
        return centre.name, centre.address
    if kind == "home" and ident in riders:
        return "", riders[ident].address
    return "", ""


def _stop_time(stop: Stop) -> int:
    # The driver's time at a pickup: the agreed time, or the planned arrival when the day's run
    # reaches the door later (within the pickup interval, e.g. after an earlier afbud).
    if stop.kind == "pickup" and stop.agreed_s is not None:
        return max(stop.agreed_s, stop.arrival_s)
    if stop.kind == "depot":
        return stop.departure_s if stop.leg_travel_s or stop.leg_distance_m else stop.arrival_s
    return stop.arrival_s


def _rider_entry(rider: Rider, *, cancelled: bool, reason: str | None) -> dict[str, Any]:
    return {
        "rider_id": rider.rider_id,
        "name": rider.name,
        "needs": needs_of(rider),
        "notes": rider.notes,
        "cancelled": cancelled,
        "cancel_text": reason,
    }


def _stop_entry(stop: Stop, scenario: Scenario, riders: dict[str, Rider], *, first: bool,
                active: Iterable[str], struck: dict[str, str]) -> dict[str, Any]:
    name, address = _place_text(stop.place, scenario, riders)
    if stop.kind == "depot":
        kind_text = LABELS["depot_out"] if first else LABELS["depot_in"]
        time_s = stop.departure_s if first else stop.arrival_s
    else:
        kind_text = LABELS[stop.kind]
        time_s = _stop_time(stop)
    entries = [_rider_entry(riders[r], cancelled=False, reason=None)
               for r in active if r in riders]
    entries += [_rider_entry(riders[r], cancelled=True, reason=text)
                for r, text in struck.items() if r in riders]
    agreed = stop.agreed_s if stop.kind == "pickup" else None
    return {
        "time": format_hm(time_s),
        "time_s": time_s,
        # Shown beside the time when they differ: what the rider was told.
        "agreed": format_hm(agreed) if agreed is not None and agreed != time_s else None,
        "kind": stop.kind,
        "kind_text": kind_text,
        "place_name": name,
        "address": address,
        "lat": round(stop.lat, 6),
        "lon": round(stop.lon, 6),
        "riders": entries,
        "cancelled": bool(entries) and all(e["cancelled"] for e in entries),
    }


def _home_stop_kind(run: Run) -> str:
    """Where a rider's home is visited: pickup on the way to the centre, drop-off on the way
    home."""
    return "pickup" if run.direction == "to_centre" else "dropoff"


def _run_entry(
    planned: Run,
    driven: Run | None,
    removed: Sequence[RemovedRider],
    scenario: Scenario,
    riders: dict[str, Rider],
    *,
    cancel_reason: str | None,
    network: RoadNetwork | None,
    snap_max_m: float,
) -> dict[str, Any]:
    struck_text = {r.rider_id: REMOVAL_TEXT.get(r.reason, LABELS["cancelled_rider"])
                   for r in removed}
    if driven is None:
        # The whole run is off: every rider struck, consolidated ones "moved".
        for r in planned.rider_ids:
            struck_text.setdefault(r, REMOVAL_TEXT["consolidated"]
                                   if cancel_reason == "consolidated"
                                   else LABELS["cancelled_rider"])
    base = driven or planned
    stops: list[dict[str, Any]] = []
    matched: set[int] = set()
    for i, stop in enumerate(base.stops):
        struck: dict[str, str] = {}
        active: Sequence[str] = stop.rider_ids if driven is not None else ()
        if driven is None:
            struck = {r: struck_text[r] for r in stop.rider_ids}
        elif stop.kind != "depot":
            # Struck riders stay visible once, at their home (a shared home stop keeps them);
            # the centre stop lists only who is on board.
            for j, p in enumerate(planned.stops):
                if j not in matched and p.kind == stop.kind and p.place == stop.place:
                    matched.add(j)
                    if is_home(p.place):
                        struck = {r: struck_text[r] for r in p.rider_ids if r in struck_text}
                    break
        stops.append(_stop_entry(stop, scenario, riders, first=i == 0, active=active,
                                 struck=struck))
    if driven is not None:
        # Planned stops that are gone entirely: the riders' homes, struck out, at planned times.
        kind = _home_stop_kind(planned)
        gone: list[dict[str, Any]] = []
        for j, p in enumerate(planned.stops):
            if j in matched or p.kind != kind:
                continue
            struck = {r: struck_text[r] for r in p.rider_ids if r in struck_text}
            if struck:
                gone.append(_stop_entry(p, scenario, riders, first=False, active=(),
                                        struck=struck))
        middle = sorted([*stops[1:-1], *gone], key=lambda s: s["time_s"])
        stops = [stops[0], *middle, stops[-1]]
    for seq, s in enumerate(stops):
        s["seq"] = seq
    map_stops = [((s["lon"], s["lat"]), str(s["seq"]), s["cancelled"])
                 for s in stops[1:-1]]
    route = _road_line(driven, network, snap_max_m) if driven is not None else []
    svg = route_svg(route, map_stops) if map_stops else ""
    centre_names = []
    for c in (base.centre_ids or (base.centre_id,)):
        try:
            centre_names.append(scenario.centre(c).name)
        except KeyError:
            centre_names.append(c)
    return {
        "run_id": planned.run_id,
        "direction": planned.direction,
        "direction_text": LABELS[planned.direction],
        "centres": centre_names,
        "cancelled": driven is None,
        "status_text": CANCEL_TEXT.get(cancel_reason or "", LABELS["cancelled_run"])
        if driven is None else "",
        "start": format_hm(base.stops[0].departure_s),
        "end": format_hm(base.stops[-1].arrival_s),
        "distance_km": round(base.distance_m / 1000, 1),
        "stops": stops,
        "route": [[round(lon, 6), round(lat, 6)] for lon, lat in route],
        "map_svg": svg,
    }


def build_manifest(
    daily: DailyResult,
    scenario: Scenario,
    vehicle_id: str,
    *,
    network: RoadNetwork | None = None,
    driver_name: str | None = None,
    snap_max_m: float = 500.0,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The driver's manifest of one vehicle on the daily result's date (JSON-ready).

    Parameters
    ----------
    daily
        The day's runs (:func:`routing.operations.daily.daily_runs`).
    scenario
        For names, addresses and needs.
    vehicle_id
        The vehicle; only its runs are included.
    network
        When given, the map follows the roads; otherwise stops are joined by straight lines.
    driver_name
        Printed on the manifest.
    snap_max_m
        Snap distance for the road line.
    generated_at
        Printed as the time of printing (default now).

    Returns
    -------
    dict
        ``title``, ``date``, ``date_text``, ``vehicle_id``, ``vehicle_kind``, ``driver``,
        ``labels`` (Danish texts), ``attribution``, ``generated`` and ``runs``: per run (by
        departure) ``run_id``, ``direction``/``direction_text``, ``centres``, ``cancelled``,
        ``status_text``, ``start``/``end`` (``HH:MM``), ``distance_km``, ``map_svg``,
        ``route`` (``[lon, lat]`` along the roads; empty without ``network``) and
        ``stops``: ``seq``, ``time`` (``HH:MM``: when the vehicle is there to board or alight),
        ``agreed`` (the rider's agreed pickup time where it differs from ``time``, else None),
        ``kind``/``kind_text``, ``place_name``, ``address``, ``lat``/``lon`` and ``riders``
        (``rider_id``, ``name``, ``needs``, ``notes``, ``cancelled``, ``cancel_text``).
        No CPR numbers or diagnoses: the scenario holds none, and nothing else is copied.
    """
    riders = {r.rider_id: r for r in scenario.riders}
    vehicle = next((v for v in scenario.vehicles if v.vehicle_id == vehicle_id), None)
    driven = {r.run_id: r for r in daily.runs if r.vehicle_id == vehicle_id}
    cancelled = {c.run_id: c.reason for c in daily.cancelled if c.vehicle_id == vehicle_id}
    entries: list[tuple[int, dict[str, Any]]] = []
    for planned in daily.planned:
        if planned.vehicle_id != vehicle_id:
            continue
        run = driven.pop(planned.run_id, None)
        if run is None and planned.run_id not in cancelled:
            continue
        entry = _run_entry(planned, run, daily.removed_from(planned.run_id), scenario, riders,
                           cancel_reason=cancelled.get(planned.run_id), network=network,
                           snap_max_m=snap_max_m)
        entries.append(((run or planned).stops[0].departure_s, entry))
    for run in driven.values():  # runs not in the weekly plan (e.g. made by a merge)
        entry = _run_entry(run, run, daily.removed_from(run.run_id), scenario, riders,
                           cancel_reason=None, network=network, snap_max_m=snap_max_m)
        entries.append((run.stops[0].departure_s, entry))
    entries.sort(key=lambda e: e[0])
    generated = (generated_at or datetime.now(UTC)).astimezone(UTC)
    log.info("manifest of vehicle %s on %s: %d run(s)", vehicle_id, daily.day, len(entries))
    return {
        "title": LABELS["manifest"],
        "date": daily.day,
        "date_text": date_text(daily.on_date),
        "vehicle_id": vehicle_id,
        "vehicle_kind": vehicle.kind if vehicle is not None else "",
        "driver": driver_name,
        "labels": dict(LABELS),
        "attribution": ATTRIBUTION,
        "generated": generated.isoformat(timespec="minutes"),
        "runs": [e for _, e in entries],
    }


def vehicles_on(daily: DailyResult) -> list[str]:
    """Vehicles with a run (driving or cancelled) on the date, sorted."""
    return sorted({r.vehicle_id for r in daily.planned} | {r.vehicle_id for r in daily.runs})


# --------------------------------------------------------------------------------------------
# Centre rider list


def build_centre_list(
    daily: DailyResult,
    scenario: Scenario,
    centre_id: str,
    *,
    closing_reason: str | None = None,
) -> dict[str, Any]:
    """Who comes to the centre on the date, on which run and when; who goes home when; who is
    absent (JSON-ready).

    Parameters
    ----------
    daily
        The day's runs.
    scenario
        Names and needs.
    centre_id
        The centre; only its riders are listed.
    closing_reason
        Why the centre is closed, when it is (``CentreCalendar.closing_reason``).

    Returns
    -------
    dict
        ``title``, ``centre_id``, ``centre``, ``date``, ``date_text``, ``closed`` (reason or
        None), ``labels``, ``arrivals`` and ``departures`` (``name``, ``needs``, ``run_id``,
        ``vehicle_id``, ``time`` ``HH:MM``: arrival at the centre / pickup at the centre),
        ``absent`` (``name``, ``direction_text``, ``reason_text``) and ``unserved`` (riders
        without a planned ride that day).
    """
    centre = scenario.centre(centre_id)
    riders = {r.rider_id: r for r in scenario.riders if r.centre_id == centre_id}
    place = centre_place(centre_id)
    arrivals: list[dict[str, Any]] = []
    departures: list[dict[str, Any]] = []
    for run in daily.runs:
        for stop in run.stops:
            if stop.place != place:
                continue
            for r in stop.rider_ids:
                if r not in riders:
                    continue
                row = {"rider_id": r, "name": riders[r].name, "needs": needs_of(riders[r]),
                       "run_id": run.run_id, "vehicle_id": run.vehicle_id}
                if stop.kind == "dropoff":
                    arrivals.append({**row, "time": format_hm(stop.arrival_s),
                                     "time_s": stop.arrival_s})
                elif stop.kind == "pickup":
                    t = stop.agreed_s if stop.agreed_s is not None else stop.departure_s
                    departures.append({**row, "time": format_hm(t), "time_s": t})
    absent_dirs: dict[str, dict[str, str]] = {}
    for rem in daily.removed:
        if rem.rider_id in riders:
            absent_dirs.setdefault(rem.rider_id, {})[rem.direction] = rem.reason
    absent = []
    for r, dirs in sorted(absent_dirs.items(), key=lambda kv: riders[kv[0]].name):
        if len(dirs) == 2:
            direction_text = LABELS["both_ways"]
        else:
            direction_text = "Kun " + LABELS[next(iter(dirs))].lower()
        reasons = sorted({REMOVAL_TEXT.get(v, v) for v in dirs.values()})
        absent.append({"rider_id": r, "name": riders[r].name, "direction_text": direction_text,
                       "reason_text": ", ".join(reasons)})
    unserved = [{"rider_id": u.rider_id, "name": riders[u.rider_id].name,
                 "direction_text": LABELS[u.direction], "reason_text": danish(u.reason)}
                for u in daily.unserved if u.rider_id in riders]
    closed = closing_reason
    if closed is None and centre_id in daily.closed_centres:
        closed = LABELS["centre_closed"]
    return {
        "title": LABELS["centre_list"],
        "centre_id": centre_id,
        "centre": centre.name,
        "date": daily.day,
        "date_text": date_text(daily.on_date),
        "closed": closed,
        "labels": dict(LABELS),
        "arrivals": sorted(arrivals, key=lambda a: (a["time_s"], a["name"])),
        "departures": sorted(departures, key=lambda a: (a["time_s"], a["name"])),
        "absent": absent,
        "unserved": unserved,
    }


# --------------------------------------------------------------------------------------------
# HTML


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_manifest_html(manifest: dict[str, Any]) -> str:
    """Printable HTML of a manifest from :func:`build_manifest` (Danish, A4, self-contained)."""
    template = _environment().get_template("manifest.html")
    runs = [{**run, "map_svg": Markup(run["map_svg"])} for run in manifest["runs"]]
    return template.render(m={**manifest, "runs": runs})


def render_centre_list_html(rider_list: dict[str, Any]) -> str:
    """Printable HTML of a centre rider list from :func:`build_centre_list`."""
    return _environment().get_template("centre_list.html").render(c=rider_list)


# --------------------------------------------------------------------------------------------
# PDF

_PDF_REPLACEMENTS = {"–": "-", "—": "-", "→": "->", "…": "...", "’": "'", "“": '"', "”": '"',
                     "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe"}


def pdf_text(text: str) -> str:
    """Text the core PDF fonts can show: Latin-1 (æ, ø, å, é …); other letters lose accents."""
    for a, b in _PDF_REPLACEMENTS.items():
        text = text.replace(a, b)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class _ManifestPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, pdf_text(f"{self.footer_text}  ·  side {self.page_no()}"), align="R")


def render_manifest_pdf(
    manifest: dict[str, Any],
    *,
    lines: dict[str, Sequence[Position]] | None = None,
    network: RoadNetwork | None = None,
) -> bytes:
    """The manifest as a printable A4 PDF.

    Cancelled riders are struck through and marked "AFBUD"; each driving run gets a route map,
    a PNG from :func:`maps.png.manifest_run_png`: the run's ``route`` (or the road line in
    ``lines``; straight lines between the stops without either), numbered stops, the
    attribution, and the surrounding roads when ``network`` is given.

    Parameters
    ----------
    manifest
        From :func:`build_manifest`.
    lines
        Optional ``run_id → [(lon, lat), …]`` road lines.
    network
        Optional road network, drawn under the routes.

    Returns
    -------
    bytes
        The PDF file (starts with ``%PDF``).
    """
    labels = manifest["labels"]
    pdf = _ManifestPDF(orientation="P", unit="mm", format="A4")
    pdf.footer_text = f"{manifest['title']} {manifest['vehicle_id']} {manifest['date']}"
    pdf.set_title(pdf_text(f"{manifest['title']} {manifest['vehicle_id']} {manifest['date']}"))
    pdf.set_creator("Samkørsel")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, pdf_text(f"{manifest['title']} – {labels['vehicle']} "
                            f"{manifest['vehicle_id']}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 11)
    sub = manifest["date_text"].capitalize()
    if manifest.get("driver"):
        sub += f"  ·  {labels['driver']}: {manifest['driver']}"
    pdf.cell(0, 6, pdf_text(sub), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not manifest["runs"]:
        pdf.ln(4)
        pdf.cell(0, 6, pdf_text(labels["no_runs"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    widths = (18, 30, 52, 45, 45)
    for run in manifest["runs"]:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        head = (f"{labels['run']} {run['run_id']}: {run['direction_text']} "
                f"({', '.join(run['centres'])})  {run['start']}–{run['end']}")
        pdf.cell(0, 7, pdf_text(head), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if run["cancelled"]:
            pdf.set_font("Helvetica", "B", 11)
            pdf.set_text_color(180, 0, 0)
            pdf.cell(0, 6, pdf_text(run["status_text"].upper()), new_x=XPos.LMARGIN,
                     new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
        pdf.set_font("Helvetica", "B", 9)
        pdf.set_fill_color(230, 230, 230)
        for width, key in zip(widths, ("time", "kind", "address", "name", "needs"), strict=True):
            pdf.cell(width, 6, pdf_text(labels[key]), border=1, fill=True)
        pdf.ln()
        for stop in run["stops"]:
            address = ", ".join(x for x in (stop["place_name"], stop["address"]) if x)
            rows = stop["riders"] or [None]
            for k, rider in enumerate(rows):
                first = k == 0
                pdf.set_font("Helvetica", "", 9)
                pdf.cell(widths[0], 6, stop["time"] if first else "", border="LR")
                pdf.cell(widths[1], 6, pdf_text(stop["kind_text"]) if first else "", border="LR")
                pdf.cell(widths[2], 6, pdf_text(address[:34]) if first else "", border="LR")
                if rider is None:
                    pdf.cell(widths[3], 6, "", border="LR")
                    pdf.cell(widths[4], 6, "", border="LR")
                else:
                    needs = ", ".join([*rider["needs"], *([rider["notes"]] if rider["notes"]
                                                          else [])])
                    if rider["cancelled"]:
                        pdf.set_font("Helvetica", "S", 9)
                        pdf.set_text_color(120, 120, 120)
                    pdf.cell(widths[3], 6, pdf_text(rider["name"][:28]), border="LR")
                    pdf.set_font("Helvetica", "B" if rider["cancelled"] else "", 9)
                    if rider["cancelled"]:
                        pdf.set_text_color(180, 0, 0)
                    else:
                        pdf.set_text_color(0, 0, 0)
                    pdf.cell(widths[4], 6, pdf_text(
                        "AFBUD" if rider["cancelled"] else needs[:30]), border="LR")
                    pdf.set_text_color(0, 0, 0)
                pdf.ln()
            pdf.cell(sum(widths), 0, "", border="T", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if not run["cancelled"] and len(run["stops"]) > 2:
            if pdf.get_y() + 72 > pdf.h - 15:
                pdf.add_page()
            y = pdf.get_y() + 2
            line = (lines or {}).get(run["run_id"]) or [
                (float(p[0]), float(p[1])) for p in run.get("route", [])]
            # A PNG (maps.png): roads, numbered stops and the attribution, 110 x 71.5 mm.
            png = manifest_run_png({**run, "route": [list(p) for p in line]},
                                   network=network, width=880, height=572)
            pdf.image(io.BytesIO(png), x=pdf.l_margin, y=y, w=110, h=71.5)
            pdf.set_xy(pdf.l_margin, y + 73.5)
    return bytes(pdf.output())
