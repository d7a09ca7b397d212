"""Driver manifests (kørelister) and centre rider lists (deltagerlister) for one date.

A driver's manifest lists, for one vehicle and date, the runs in order with each stop's time,
address, the riders' names and needs (kørestol, ledsager, notes), riders who cancelled struck out,
and a small route map drawn as inline SVG from the stop coordinates and the roads (no map tiles,
no internet). It holds only what the driver needs: no CPR numbers, no diagnoses, no other
vehicles' runs. A centre's rider list says who arrives on which run and when, who goes home when,
and who is absent.

This module makes the data, JSON-ready dicts (:func:`build_manifest`, :func:`build_centre_list`);
the renderers take them from there: :mod:`maps.manifest.html` (printable HTML),
:mod:`maps.manifest.pdf` (PDF); the inline SVG map is :mod:`maps.manifest.svg`, the Danish texts
:mod:`maps.manifest.texts`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from maps import ATTRIBUTION, Position, StopMark
from maps.lines import Cache, RoadLines
from maps.manifest.svg import route_svg
from maps.manifest.texts import CANCEL_TEXT, LABELS, REMOVAL_TEXT, date_text, needs_of
from routing.model import Rider, Run, Scenario, Stop, format_hm
from routing.network.roads import RoadNetwork
from routing.operations.daily import DailyResult, RemovedRider
from routing.places import centre_place, is_centre, is_depot, is_home, parse_place
from routing.planning.reasons import danish

log = logging.getLogger(__name__)

def _place_text(stop_place: str, scenario: Scenario, riders: dict[str, Rider]) -> tuple[str, str]:
    """``(name, address)`` of a place for the driver."""
    kind, ident = parse_place(stop_place) or ("", "")
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
        if is_centre(stop.place):
            # A terminal at a centre: the vehicle waits there between two runs.
            kind_text = f"{LABELS['centre_out' if first else 'centre_in']} {name}"
        else:
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
    lines: RoadLines | None,
    svgs: Cache | None,
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
    map_stops = tuple(((s["lon"], s["lat"]), str(s["seq"]), bool(s["cancelled"]))
                      for s in stops[1:-1])
    route = lines.line(driven) if lines is not None and driven is not None \
        and len(driven.stops) >= 2 else ()
    # The garage marker only for a run that starts at its depot (not at a centre).
    depot = (stops[0]["lon"], stops[0]["lat"]) \
        if stops[0]["kind"] == "depot" and is_depot(base.stops[0].place) else None
    svg = _map_svg(route, map_stops, depot, svgs) if map_stops else ""
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


def _map_svg(route: tuple[Position, ...], map_stops: tuple[StopMark, ...],
             depot: Position | None, svgs: Cache | None) -> str:
    """The run's SVG map, from ``svgs`` when drawn before (the same run is on many dates)."""
    key = (route, map_stops, depot)
    svg: str | None = svgs.get(key) if svgs is not None else None
    if svg is None:
        svg = route_svg(route, map_stops, depot=depot)
        if svgs is not None:
            svgs.put(key, svg)
    return svg


def build_manifest(
    daily: DailyResult,
    scenario: Scenario,
    vehicle_id: str,
    *,
    network: RoadNetwork | None = None,
    driver_name: str | None = None,
    snap_max_m: float = 500.0,
    generated_at: datetime | None = None,
    lines: RoadLines | None = None,
    svgs: Cache | None = None,
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
    lines
        Draws the runs along the roads, with its caches (the API keeps them between
        requests); default: new ones on ``network`` when given.
    svgs
        Cache of the runs' SVG maps by line and stops (default: none).

    Returns
    -------
    dict
        ``title``, ``date``, ``date_text``, ``vehicle_id``, ``vehicle_kind``, ``driver``,
        ``labels`` (Danish texts), ``attribution``, ``generated`` and ``runs``: per run (by
        departure) ``run_id``, ``direction``/``direction_text``, ``centres``, ``cancelled``,
        ``status_text``, ``start``/``end`` (``HH:MM``), ``distance_km``, ``map_svg``,
        ``route`` (``[lon, lat]`` along the roads; empty without ``network`` or ``lines``) and
        ``stops``: ``seq``, ``time`` (``HH:MM``: when the vehicle is there to board or alight),
        ``agreed`` (the rider's agreed pickup time where it differs from ``time``, else None),
        ``kind``/``kind_text``, ``place_name``, ``address``, ``lat``/``lon`` and ``riders``
        (``rider_id``, ``name``, ``needs``, ``notes``, ``cancelled``, ``cancel_text``).
        No CPR numbers or diagnoses: the scenario holds none, and nothing else is copied.
    """
    if lines is None and network is not None:
        lines = RoadLines(network, snap_max_m)
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
                           cancel_reason=cancelled.get(planned.run_id), lines=lines, svgs=svgs)
        entries.append(((run or planned).stops[0].departure_s, entry))
    for run in driven.values():  # runs not in the weekly plan (e.g. made by a merge)
        entry = _run_entry(run, run, daily.removed_from(run.run_id), scenario, riders,
                           cancel_reason=None, lines=lines, svgs=svgs)
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


NEXT_STOP_GRACE_S = 120
"""A stop stays "next" this long after its time: the driver is still there, boarding."""


def next_stop(manifest: dict[str, Any], now_s: int) -> dict[str, Any] | None:
    """The stop the driver is to reach next, ``now_s`` seconds after midnight on the manifest's
    date: the first stop, in time order over the driving runs, that is not cancelled and whose
    time is at most :data:`NEXT_STOP_GRACE_S` past. Leaving the garage is not a stop to drive
    to (the run's heading gives its time); returning there is. None when the day's last stop
    is behind.

    Returns
    -------
    dict or None
        ``run_id``, ``seq`` (the stop's number on the manifest), ``time`` (``HH:MM``),
        ``in_min`` (minutes from now, 0 when due or just past), ``kind_text``, ``place_name``,
        ``address`` and ``riders`` (the names of those on board or boarding there).
    """
    candidates = [(stop["time_s"], i, run, stop)
                  for i, run in enumerate(manifest["runs"]) if not run["cancelled"]
                  for stop in run["stops"][1:]
                  if not stop["cancelled"] and stop["time_s"] + NEXT_STOP_GRACE_S >= now_s]
    if not candidates:
        return None
    # Earliest first; on equal times the earlier run (a run's end before the next one's start).
    time_s, _, run, stop = min(candidates, key=lambda c: (c[0], c[1], c[3]["seq"]))
    return {
        "run_id": run["run_id"],
        "seq": stop["seq"],
        "time": stop["time"],
        "in_min": max(0, (time_s - now_s) // 60),
        "kind_text": stop["kind_text"],
        "place_name": stop["place_name"],
        "address": stop["address"],
        "riders": [r["name"] for r in stop["riders"] if not r["cancelled"]],
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


