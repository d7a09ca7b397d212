"""Interactive web maps (Leaflet) of the weekly plan and of one day's runs.

Runs are coloured by vehicle and follow the roads; stops are numbered in driving order (pickups
filled, drop-offs hollow, the depot a small square); centres are marked; popups give the times
and the number of riders; the layer control switches runs on and off (grouped by weekday and
vehicle on the weekly map, by vehicle on a day's map). Texts are Danish (shown to coordinators).
Every map carries the attribution "© OpenStreetMap contributors" (ODbL).

Offline
-------
Nothing is loaded from a CDN. Leaflet and the project's map script are shipped in
``maps/static/`` (:mod:`maps.leaflet`): a standalone page (``samkorsel plan --map``,
``samkorsel demo``) inlines them, the API's web pages load them from its static route. The
background tiles come from tile.openstreetmap.org when reachable; when a tile fails to load (no
internet) or ``offline=True``, the map draws the road network the plan was made on as its base
layer instead (:func:`maps.basemap.road_geojson`). Without JavaScript a static SVG drawing of the
runs is shown (``<noscript>``).
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from maps import ATTRIBUTION
from maps.basemap import road_geojson
from maps.geojson import RUN_COLOURS, plan_geojson
from maps.leaflet import inline_assets, linked_assets
from maps.lines import RoadLines
from maps.manifest.texts import LABELS
from routing.model import Centre, Plan, Run, format_hm
from routing.network.roads import RoadNetwork
from routing.places import parse_place
from routing.texts.da import DIRECTION_DA, WEEKDAY_DA

logger = logging.getLogger(__name__)

ATTRIBUTION_HTML = (
    '<a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">'
    f"{ATTRIBUTION}</a>"
)
"""The ODbL attribution as shown in the map corner (same text for tiles and route data)."""

OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

STOP_KIND_DA: dict[str, str] = {"depot": "Garage", "pickup": "Opsamling", "dropoff": "Aflevering"}

_SVG_WIDTH_PX = 800.0


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _km(distance_m: int) -> str:
    return f"{distance_m / 1000:.1f}".replace(".", ",")  # Danish decimal comma


def vehicle_colours(vehicle_ids: Iterable[str]) -> dict[str, str]:
    """A colour (``#rrggbb``) per vehicle, in sorted order of the ids (stable across pages)."""
    return {v: RUN_COLOURS[i % len(RUN_COLOURS)]
            for i, v in enumerate(sorted(set(vehicle_ids)))}


def _weekday_text(weekday: str) -> str:
    return WEEKDAY_DA.get(weekday, weekday)


def _stop_entry(stop: Any, number: int | None,
                rider_names: Mapping[str, str] | None,
                centre_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    kind = stop.kind
    if kind == "pickup" and stop.agreed_s is not None:
        time_s = stop.agreed_s
        times = f"Aftalt {format_hm(stop.agreed_s)} (ankomst {format_hm(stop.arrival_s)})"
    elif kind == "depot":
        time_s = stop.departure_s if number == 0 else stop.arrival_s
        times = f"{format_hm(time_s)}"
    else:
        time_s = stop.arrival_s
        times = f"Ankomst {format_hm(stop.arrival_s)}, afgang {format_hm(stop.departure_s)}"
    riders = [rider_names.get(r, r) if rider_names is not None else r for r in stop.rider_ids]
    place_kind, ident = parse_place(stop.place) or ("", "")
    place = {"home": f"Hjem ({ident})", "centre": f"Center {ident}",
             "depot": f"Garage {ident}"}.get(place_kind, stop.place)
    kind_text = STOP_KIND_DA.get(kind, kind)
    if kind == "depot" and place_kind == "centre":
        # A run's terminal at a centre (the vehicle waits there between runs): no garage
        # marker, a small "wait" mark instead.
        name = (centre_names or {}).get(ident, f"center {ident}")
        kind, kind_text = "wait", f"{LABELS['centre_out' if number == 0 else 'centre_in']} {name}"
    return {"n": number if kind not in ("depot", "wait") else None, "kind": kind,
            "kind_text": kind_text, "lat": round(stop.lat, 6),
            "lon": round(stop.lon, 6), "time": format_hm(time_s), "times": times,
            "riders": riders, "place": place}


def map_config(
    runs: Sequence[Run],
    network: RoadNetwork,
    *,
    group_by: str = "weekday",
    centres: Sequence[Centre] = (),
    rider_names: Mapping[str, str] | None = None,
    snap_max_m: float = 500.0,
    offline: bool = False,
    roads: str | dict[str, Any] | None = None,
    show_weekday: str | None = None,
    lines: RoadLines | None = None,
) -> dict[str, Any]:
    """The data the map script (``maps/static/samkorsel-map.js``) draws (JSON-ready).

    Parameters
    ----------
    runs
        The runs to draw (a weekly plan's or a day's), each along the roads of ``network``.
    network
        The road network the runs were made on.
    group_by
        ``"weekday"``: one layer per weekday and vehicle, only ``show_weekday`` (default: the
        first weekday) switched on; ``"vehicle"``: one layer per vehicle, all on.
    centres
        Centres to mark (name in the tooltip).
    rider_names
        ``rider_id → name`` to show names in the popups; default ids only (names are personal
        data: only pages of users allowed to see them pass names).
    snap_max_m
        Maximum distance from a stop's place to the road network, metres.
    offline
        No tile layer: draw the road network as the base layer from the start.
    roads
        The road layer: GeoJSON, or the URL the page fetches it from; default
        :func:`maps.basemap.road_geojson` of ``network`` (inlined).
    lines
        Draws the runs along the roads (with its caches); default: new ones on ``network``.

    Returns
    -------
    dict
        ``runs``, ``centres``, ``legend``, ``tiles``, ``roads``, ``attribution``, ``bounds``.

    Raises
    ------
    routing.errors.SnapError
        If a stop's place is farther than ``snap_max_m`` from the road network.
    """
    drawn = [r for r in runs if r.stops]
    fc = plan_geojson(Plan(runs=tuple(drawn), unserved=()), network, snap_max_m=snap_max_m,
                      lines=lines)
    run_lines = [f["geometry"]["coordinates"] for f in fc["features"]
                 if f["properties"]["feature_type"] == "run"]
    colours = vehicle_colours(r.vehicle_id for r in drawn)
    first_weekday = show_weekday or (drawn[0].weekday if drawn else None)
    out_runs: list[dict[str, Any]] = []
    centre_names = {c.centre_id: c.name for c in centres}
    for run, line in zip(drawn, run_lines, strict=True):
        numbered = 0
        stops = []
        for i, stop in enumerate(run.stops):
            if stop.kind != "depot":
                numbered += 1
            stops.append(_stop_entry(stop, numbered if stop.kind != "depot" else i, rider_names,
                                     centre_names))
        if group_by == "weekday":
            group = f"{_weekday_text(run.weekday).capitalize()} · vogn {run.vehicle_id}"
            show = run.weekday == first_weekday
        else:
            group = f"Vogn {run.vehicle_id}"
            show = True
        direction = DIRECTION_DA.get(run.direction, run.direction)
        out_runs.append({
            "run_id": run.run_id, "vehicle_id": run.vehicle_id,
            "colour": colours[run.vehicle_id],
            "label": f"{run.run_id} ({direction}, {format_hm(run.stops[0].departure_s)}–"
                     f"{format_hm(run.stops[-1].arrival_s)})",
            "group": group, "show": show,
            "line": [[lat, lon] for lon, lat in line],
            "n_riders": len(run.rider_ids), "start": format_hm(run.stops[0].departure_s),
            "end": format_hm(run.stops[-1].arrival_s), "distance_km": _km(run.distance_m),
            "direction_text": direction, "weekday": run.weekday, "stops": stops,
        })
    centre_ids = {c for r in drawn for c in (r.centre_ids or (r.centre_id,))}
    marked = [{"centre_id": c.centre_id, "name": c.name, "lat": c.lat, "lon": c.lon}
              for c in centres if not drawn or c.centre_id in centre_ids]
    bbox = fc.get("bbox")
    points: list[tuple[float, float]] = [(c.lat, c.lon) for c in centres
                                         if not drawn or c.centre_id in centre_ids]
    if bbox is not None:
        points += [(bbox[1], bbox[0]), (bbox[3], bbox[2])]
    bounds = None
    if points:
        bounds = [[min(p[0] for p in points), min(p[1] for p in points)],
                  [max(p[0] for p in points), max(p[1] for p in points)]]
    return {
        "runs": out_runs,
        "centres": marked,
        "legend": [{"label": f"Vogn {v}", "colour": c} for v, c in colours.items()],
        "tiles": None if offline else OSM_TILES_URL,
        "roads": road_geojson(network) if roads is None else roads,
        "attribution": ATTRIBUTION_HTML,
        "bounds": bounds,
    }


def config_json(config: Mapping[str, Any]) -> str:
    """``config`` as JSON safe to put inside a ``<script>`` element."""
    text = json.dumps(config, ensure_ascii=False, separators=(",", ":"))
    # "</" and "<!--" inside a script element would end it or start a comment.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def svg_drawing(config: Mapping[str, Any]) -> str:
    """A static drawing of the runs (inline SVG, equirectangular) with a legend, for pages
    shown without JavaScript."""
    runs = config["runs"]
    parts = ['<div class="sk-static">']
    bounds = config.get("bounds")
    if bounds is not None and runs:
        (min_lat, min_lon), (max_lat, max_lon) = bounds
        # Shrink longitudes by cos(latitude) so that the drawing is not stretched east–west.
        x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
        span_x = max((max_lon - min_lon) * x_scale, 1e-6)
        span_y = max(max_lat - min_lat, 1e-6)
        k = _SVG_WIDTH_PX / max(span_x, span_y)
        pad = 10.0
        width, height = span_x * k + 2 * pad, span_y * k + 2 * pad

        def xy(lat: float, lon: float) -> tuple[float, float]:
            return pad + (lon - min_lon) * x_scale * k, pad + (max_lat - lat) * k

        parts.append(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="Turene">')
        for run in runs:
            colour = _e(run["colour"])
            points = " ".join("{:.1f},{:.1f}".format(*xy(lat, lon)) for lat, lon in run["line"])
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                         f'stroke-opacity="0.8" points="{points}">'
                         f"<title>{_e(run['label'])}</title></polyline>")
            for stop in run["stops"]:
                x, y = xy(stop["lat"], stop["lon"])
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="white" '
                             f'stroke="{colour}" stroke-width="2"/>')
        parts.append("</svg>")
    parts.append("<ul>")
    for run in runs:
        parts.append(f'<li><span style="color:{_e(run["colour"])}">■</span> '
                     f"{_e(_weekday_text(run['weekday']).capitalize())} · {_e(run['label'])}, "
                     f"{_e(run['distance_km'])} km, {_e(run['n_riders'])} borger(e)</li>")
    parts.append(f"</ul><p><small>Vejdata {_e(ATTRIBUTION)} (ODbL)</small></p></div>")
    return "".join(parts)


_PAGE = """<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{assets}
<style>
  html, body {{ height: 100%; margin: 0; font-family: sans-serif; }}
  #kort {{ position: absolute; top: 0; bottom: 0; left: 0; right: 0; }}
  .sk-static {{ padding: 1em; }}
  .sk-static svg {{ max-width: 100%; height: auto; border: 1px solid #ccc; }}
</style>
</head>
<body>
<div id="kort" role="region" aria-label="{title}"></div>
<noscript>{fallback}</noscript>
<script type="application/json" id="kort-data">{data}</script>
<script>
  SamkorselMap.draw("kort", JSON.parse(document.getElementById("kort-data").textContent));
</script>
</body>
</html>
"""


def map_page_html(config: Mapping[str, Any], *, title: str,
                  static_prefix: str | None = None) -> str:
    """A complete HTML page showing one map of ``config`` (from :func:`map_config`).

    Parameters
    ----------
    config
        The map data.
    title
        Page title (Danish).
    static_prefix
        URL where ``maps/static`` is served (the page links Leaflet from there); ``None``:
        Leaflet and the map script are inlined (the page works from a file, offline).
    """
    assets = inline_assets() if static_prefix is None else linked_assets(static_prefix)
    return _PAGE.format(title=_e(title), assets=assets, fallback=svg_drawing(config),
                        data=config_json(config))


def plan_map_html(
    plan: Plan,
    network: RoadNetwork,
    *,
    weekday: str | None = None,
    offline: bool = False,
    snap_max_m: float = 500.0,
    centres: Sequence[Centre] = (),
) -> str:
    """An interactive HTML map of the weekly plan's runs (a complete, self-contained page).

    Parameters
    ----------
    plan
        The weekly plan.
    network
        The road network the plan was made on; the lines follow its roads and it is the base
        layer when no tiles load.
    weekday
        Only this weekday (``"mon"`` … ``"fri"``); ``None`` for all. With several weekdays only
        the first weekday's runs are switched on at first; the others are ticked in the layer
        control.
    offline
        Use no background tiles: the road network is the base layer.
    snap_max_m
        Maximum distance from a stop's place to the road network, metres.
    centres
        Centres to mark on the map.

    Returns
    -------
    str
        The HTML document (Leaflet inlined: no CDN). It contains rider ids but no names.

    Raises
    ------
    ValueError
        For an unknown weekday.
    routing.errors.SnapError
        If a stop's place is farther than ``snap_max_m`` from the road network.
    """
    if weekday is not None and weekday not in WEEKDAY_DA:
        raise ValueError(f"weekday {weekday!r} is not one of {', '.join(WEEKDAY_DA)}")
    runs = [r for r in plan.runs if weekday is None or r.weekday == weekday]
    config = map_config(runs, network, group_by="weekday", centres=centres,
                        snap_max_m=snap_max_m, offline=offline)
    title = "Samkørsel – kørselsplan" + (f" {plan.scenario}" if plan.scenario else "")
    logger.debug("web map of %d runs (offline=%s)", len(config["runs"]), offline)
    return map_page_html(config, title=title)


def day_map_html(
    runs: Sequence[Run],
    network: RoadNetwork,
    *,
    title: str,
    centres: Sequence[Centre] = (),
    offline: bool = False,
    snap_max_m: float = 500.0,
) -> str:
    """An interactive HTML map of one day's runs
    (:attr:`routing.operations.daily.DailyResult.runs`),
    one layer per vehicle (self-contained page, Leaflet inlined)."""
    config = map_config(runs, network, group_by="vehicle", centres=centres,
                        snap_max_m=snap_max_m, offline=offline)
    return map_page_html(config, title=title)


def write_plan_map(
    plan: Plan,
    network: RoadNetwork,
    path: Path | str,
    *,
    weekday: str | None = None,
    offline: bool = False,
    centres: Sequence[Centre] = (),
) -> None:
    """Write :func:`plan_map_html` to ``path`` (UTF-8), overwriting it."""
    Path(path).write_text(
        plan_map_html(plan, network, weekday=weekday, offline=offline, centres=centres),
        encoding="utf-8")
