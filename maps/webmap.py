"""An interactive web map (Leaflet, via folium) of the weekly plan's runs.

One colour and one layer per run (named by weekday, run and direction, so the layer control reads
as a list grouped by weekday), popups with the run summary and the stop times, and the attribution
"© OpenStreetMap contributors". Texts on the page are in Danish (it is shown to coordinators).

Offline use
-----------
folium loads the Leaflet library (JavaScript and CSS) from a CDN (jsdelivr) when the page is
opened, and the background map tiles from tile.openstreetmap.org. Without internet access:

* tiles fail to load, but the route lines and stops are vector layers and are still drawn (over a
  plain background);
* if Leaflet itself cannot be loaded (no connection and not in the browser cache), the page
  shows a built-in static drawing instead: an inline SVG of the routes with a legend of the runs,
  so the page never stays blank.

The page links only Leaflet's own JS/CSS, not folium's default extras (jQuery, Bootstrap, Font
Awesome, awesome-markers), which this map does not use. ``offline=True`` also uses no tile layer
at all (no failing tile requests, no grey squares). Nothing heavy is inlined: Leaflet still comes
from the CDN or the browser cache; otherwise the static SVG fallback is shown.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from maps.geojson import ATTRIBUTION, plan_geojson
from routing.model import Plan
from routing.network import RoadNetwork

logger = logging.getLogger(__name__)

ATTRIBUTION_HTML = (
    '<a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">'
    f"{ATTRIBUTION}</a>"
)
"""The ODbL attribution as shown in the map corner (same text for tiles and route data)."""

OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

WEEKDAY_DA: dict[str, str] = {
    "mon": "mandag", "tue": "tirsdag", "wed": "onsdag", "thu": "torsdag", "fri": "fredag",
}
DIRECTION_DA: dict[str, str] = {"to_centre": "til centret", "from_centre": "fra centret"}
STOP_KIND_DA: dict[str, str] = {"depot": "Garage", "pickup": "Opsamling", "dropoff": "Aflevering"}

# Shown when nothing else is known (an empty plan): roughly the middle of Denmark.
_DEFAULT_CENTRE = (56.0, 10.5)
_SVG_WIDTH_PX = 800.0

_PAGE_CSS = """
<style>
  .leaflet-container { background: #f2efe9; }
  .samkorsel-fallback { display: none; font-family: sans-serif; padding: 1em; }
  .samkorsel-no-leaflet .samkorsel-fallback { display: block; }
  .samkorsel-no-leaflet .folium-map { display: none; }
  .samkorsel-fallback svg { max-width: 100%; height: auto; border: 1px solid #ccc;
                            background: #f2efe9; }
  .samkorsel-fallback .swatch { display: inline-block; width: 1.5em; height: 0.4em;
                                vertical-align: middle; margin-right: 0.5em; }
  .samkorsel-popup td { padding: 0 0.4em 0 0; vertical-align: top; }
</style>
"""

# Runs in <body> after Leaflet's <script> in <head> has been loaded or has failed: a separate
# script, so that it still runs when the map script stops at the undefined `L`.
_LEAFLET_CHECK = """
<script>
  if (typeof L === "undefined") {
    document.documentElement.className += " samkorsel-no-leaflet";
  }
</script>
"""

_ATTRIBUTION_TEMPLATE = """
{% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
{% endmacro %}
"""


_POPUP_TEMPLATE = """
{% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.bindPopup(
        {{ this.html|tojson }}, {maxWidth: {{ this.max_width }}});
{% endmacro %}
"""


class _Popup(MacroElement):
    """Binds an HTML popup (already escaped) with plain Leaflet.

    folium's own Popup builds its content with jQuery, which this page does not load.
    """

    def __init__(self, html_text: str, max_width: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "SamkorselPopup"
        self.html = html_text
        self.max_width = int(max_width)
        self._template = Template(_POPUP_TEMPLATE)


class _Attribution(MacroElement):
    """Adds a text to the map's attribution control (also when there is no tile layer)."""

    def __init__(self, text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Attribution"
        self.text = text
        self._template = Template(_ATTRIBUTION_TEMPLATE)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _km(distance_m: int) -> str:
    return f"{distance_m / 1000:.1f}".replace(".", ",")  # Danish decimal comma


def _run_label(props: dict[str, Any]) -> str:
    weekday = WEEKDAY_DA.get(props["weekday"], props["weekday"]).capitalize()
    direction = DIRECTION_DA.get(props["direction"], props["direction"])
    return f"{weekday} · {props['run_id']} ({direction}, {props['start']}–{props['end']})"


def _stop_time(stop: dict[str, Any]) -> str:
    """The time to show for a stop: the agreed pickup time, else arrival (departure at start)."""
    if stop["kind"] == "pickup" and stop["agreed"]:
        return f"{stop['agreed']} (ank. {stop['arrival']})"
    if stop["kind"] == "depot" and stop["seq"] == 0:
        return str(stop["departure"])
    return str(stop["arrival"])


def _run_popup(props: dict[str, Any], stops: Sequence[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{_e(_stop_time(s))}</td><td>{_e(STOP_KIND_DA.get(s['kind'], s['kind']))}</td>"
        f"<td>{_e(s['place'])}</td></tr>"
        for s in stops
    )
    return (
        f'<div class="samkorsel-popup"><b>Tur {_e(props["run_id"])}</b><br>'
        f"{_e(_run_label(props))}<br>"
        f"Køretøj: {_e(props['vehicle_id'])}<br>"
        f"Center: {_e(props['centre_id'])}, modul {_e(props['session_id'])}<br>"
        f"{_e(_km(props['distance_m']))} km, {_e(round(props['duration_s'] / 60))} min, "
        f"{_e(props['n_riders'])} borger(e)<br>"
        f"<table>{rows}</table></div>"
    )


def _stop_popup(run_props: dict[str, Any], stop: dict[str, Any]) -> str:
    times = f"Ankomst {stop['arrival']}, afgang {stop['departure']}"
    if stop["agreed"]:
        times = f"Aftalt {stop['agreed']}; " + times
    riders = ", ".join(stop["rider_ids"])
    return (
        f'<div class="samkorsel-popup"><b>{_e(STOP_KIND_DA.get(stop["kind"], stop["kind"]))}</b> '
        f"{_e(stop['place'])}<br>{_e(times)}<br>"
        + (f"Borgere: {_e(riders)}<br>" if riders else "")
        + f"Tur: {_e(_run_label(run_props))}</div>"
    )


_RunDrawing = tuple[dict[str, Any], list[list[float]], list[dict[str, Any]], list[list[float]]]
"""(run properties, line [lon, lat]s, stop properties, stop [lon, lat]s)."""


def _group_runs(fc: dict[str, Any]) -> list[_RunDrawing]:
    """The runs of a collection from :func:`plan_geojson`, in order."""
    runs: list[_RunDrawing] = []
    for feature in fc["features"]:
        props = feature["properties"]
        coords = feature["geometry"]["coordinates"]
        if props["feature_type"] == "run":
            runs.append((props, coords, [], []))
        elif runs:
            runs[-1][2].append(props)
            runs[-1][3].append(coords)
    return runs


def _svg_fallback(
    runs: Sequence[_RunDrawing],
    bbox: Sequence[float] | None,
) -> str:
    """A static drawing of the runs (inline SVG, equirectangular) with a legend."""
    parts = [
        '<div class="samkorsel-fallback"><h1>Kørselsplan</h1>',
        "<p>Det interaktive kort kunne ikke indlæses (det kræver internetforbindelse). "
        "Her er en forenklet tegning af turene uden baggrundskort.</p>",
    ]
    if bbox is not None and runs:
        min_lon, min_lat, max_lon, max_lat = bbox
        # Shrink longitudes by cos(latitude) so that the drawing is not stretched east–west.
        x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
        span_x = max((max_lon - min_lon) * x_scale, 1e-6)
        span_y = max(max_lat - min_lat, 1e-6)
        k = _SVG_WIDTH_PX / max(span_x, span_y)
        pad = 10.0
        width = span_x * k + 2 * pad
        height = span_y * k + 2 * pad

        def xy(p: Sequence[float]) -> str:
            x = pad + (p[0] - min_lon) * x_scale * k
            y = pad + (max_lat - p[1]) * k
            return f"{x:.1f},{y:.1f}"

        parts.append(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="Turene">'
        )
        for props, line, _stops, stop_coords in runs:
            colour = _e(props["stroke"])
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                f'stroke-opacity="0.8" points="{" ".join(xy(p) for p in line)}">'
                f"<title>{_e(_run_label(props))}</title></polyline>"
            )
            for p in stop_coords:
                x, y = xy(p).split(",")
                parts.append(
                    f'<circle cx="{x}" cy="{y}" r="3.5" fill="white" stroke="{colour}" '
                    'stroke-width="2"/>'
                )
        parts.append("</svg>")
    parts.append("<ul>")
    for props, _line, _stops, _coords in runs:
        parts.append(
            f'<li><span class="swatch" style="background:{_e(props["stroke"])}"></span>'
            f"{_e(_run_label(props))}, {_e(_km(props['distance_m']))} km, "
            f"{_e(props['n_riders'])} borger(e)</li>"
        )
    parts.append(f"</ul><p><small>Vejdata {_e(ATTRIBUTION)} (ODbL)</small></p></div>")
    return "".join(parts)


def plan_map_html(
    plan: Plan,
    network: RoadNetwork,
    *,
    weekday: str | None = None,
    offline: bool = False,
    snap_max_m: float = 500.0,
) -> str:
    """An interactive HTML map of the plan's runs (a complete, self-contained page).

    Parameters
    ----------
    plan
        The weekly plan.
    network
        The road network the plan was made on; the lines follow its roads.
    weekday
        Only this weekday (``"mon"`` … ``"fri"``); ``None`` for all. With several weekdays only
        the first weekday's runs are switched on at first; the others are ticked in the layer
        control.
    offline
        Use no background tiles (see the module docstring). The page still
        needs Leaflet from the CDN or the browser cache; without it a static SVG drawing of the
        routes is shown instead.
    snap_max_m
        Maximum distance from a stop's place to the road network, metres.

    Returns
    -------
    str
        The HTML document. It contains rider ids but no names.

    Raises
    ------
    ValueError
        For an unknown weekday.
    routing.errors.SnapError
        If a stop's place is farther than ``snap_max_m`` from the road network.

    Notes
    -----
    Leaflet is loaded from a CDN (jsdelivr) and, unless ``offline``, tiles from
    tile.openstreetmap.org; opened without internet, the map degrades as described in the module
    docstring.
    """
    fc = plan_geojson(plan, network, snap_max_m=snap_max_m, weekday=weekday)
    runs = _group_runs(fc)
    bbox: list[float] | None = fc.get("bbox")

    title = "Samkørsel – kørselsplan" + (f" {plan.scenario}" if plan.scenario else "")
    figure = folium.Figure(title=html.escape(title))
    centre = (
        ((bbox[1] + bbox[3]) / 2, (bbox[0] + bbox[2]) / 2) if bbox is not None else _DEFAULT_CENTRE
    )
    fmap = folium.Map(
        location=list(centre), zoom_start=12 if bbox else 7, tiles=None, control_scale=True
    )
    # Without a tile layer Leaflet has no maximum zoom, and fitting the bounds of a single point
    # (or of a map not yet laid out) zooms to infinity. folium's max_zoom only reaches the tiles.
    fmap.options["max_zoom"] = 19
    # Only Leaflet itself: the map uses no jQuery, Bootstrap or marker icon fonts, and fewer
    # third-party requests mean fewer ways to fail offline. Assigned on the instance (folium's
    # add_js_link would mutate the class-wide lists).
    fmap.default_js = [p for p in folium.Map.default_js if p[0] == "leaflet"]
    fmap.default_css = [p for p in folium.Map.default_css if p[0] == "leaflet_css"]
    if not offline:
        folium.TileLayer(
            tiles=OSM_TILES_URL, attr=ATTRIBUTION_HTML, name="OpenStreetMap", max_zoom=19,
            control=False,
        ).add_to(fmap)
    figure.add_child(fmap)
    figure.header.add_child(Element(_PAGE_CSS), name="samkorsel_css")
    figure.html.add_child(Element(_LEAFLET_CHECK), name="samkorsel_leaflet_check")
    figure.html.add_child(Element(_svg_fallback(runs, bbox)), name="samkorsel_fallback")
    # The route geometry is OSM data too, so the attribution is shown even without tiles.
    fmap.add_child(_Attribution(ATTRIBUTION_HTML))

    shown_weekday = runs[0][0]["weekday"] if runs else None
    for props, line, stops, stop_coords in runs:
        colour = props["stroke"]
        label = _run_label(props)
        group = folium.FeatureGroup(name=_e(label), show=props["weekday"] == shown_weekday)
        polyline = folium.PolyLine(  # type: ignore[no-untyped-call]
            locations=[[lat, lon] for lon, lat in line],
            color=colour, weight=4, opacity=0.8, tooltip=_e(label),
        )
        polyline.add_child(_Popup(_run_popup(props, stops), max_width=420))
        polyline.add_to(group)
        for stop, (lon, lat) in zip(stops, stop_coords, strict=True):
            kind = stop["kind"]
            marker = folium.CircleMarker(
                location=[lat, lon],
                radius=7 if kind == "depot" else 5,
                color=colour, weight=2, fill=True, fill_opacity=1.0,
                fill_color="white" if kind == "dropoff" else colour,
                tooltip=_e(f"{STOP_KIND_DA.get(kind, kind)} {stop['place']} {_stop_time(stop)}"),
            )
            marker.add_child(_Popup(_stop_popup(props, stop), max_width=320))  # type: ignore[no-untyped-call]
            marker.add_to(group)
        group.add_to(fmap)
    if bbox is not None:
        fmap.fit_bounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], padding=(20, 20))
    folium.LayerControl(collapsed=len(runs) > 8).add_to(fmap)
    logger.debug("web map of %d runs (offline=%s)", len(runs), offline)
    rendered: str = figure.render()
    return rendered


def write_plan_map(
    plan: Plan,
    network: RoadNetwork,
    path: Path | str,
    *,
    weekday: str | None = None,
    offline: bool = False,
) -> None:
    """Write :func:`plan_map_html` to ``path`` (UTF-8), overwriting it."""
    Path(path).write_text(
        plan_map_html(plan, network, weekday=weekday, offline=offline), encoding="utf-8"
    )
