"""A run's route map as a PNG image (Pillow), for printed manifests and phones.

The image shows the run's line along the roads, its stops numbered in driving order (cancelled
stops grey), optionally the surrounding roads of the network, a scale bar and the attribution
"© OpenStreetMap contributors". No tiles and no internet: everything is drawn from the road
network. Drawn at twice the size and scaled down, for smooth lines.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from maps import ATTRIBUTION, Position, StopMark
from routing.network.roads import RoadNetwork

_SUPERSAMPLE = 2
_BACKGROUND = (244, 241, 234)
_ROAD = (190, 186, 178)
_ROUTE = (31, 119, 180)
_STOP = (214, 39, 40)
_CANCELLED = (170, 170, 170)
_METRES_PER_DEGREE = 111_320.0

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> FontType:
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                 "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


class _Frame:
    """Equirectangular projection of a bounding box onto the image (north up)."""

    def __init__(self, points: Sequence[Position], width: int, height: int, pad: int,
                 foot: int) -> None:
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        lat_mid = (min(lats) + max(lats)) / 2
        self.kx = math.cos(math.radians(lat_mid))
        span_x = max((max(lons) - min(lons)) * self.kx, 4e-4)  # at least ~45 m
        span_y = max(max(lats) - min(lats), 4e-4)
        self.scale = min((width - 2 * pad) / span_x, (height - 2 * pad - foot) / span_y)
        cx = (min(lons) + max(lons)) / 2
        cy = (min(lats) + max(lats)) / 2
        self.x0 = width / 2 - self.scale * cx * self.kx
        self.y0 = (height - foot) / 2 + self.scale * cy

    def xy(self, p: Position) -> tuple[float, float]:
        return self.x0 + self.scale * p[0] * self.kx, self.y0 - self.scale * p[1]

    def lon_lat(self, x: float, y: float) -> Position:
        return (x - self.x0) / (self.scale * self.kx), (self.y0 - y) / self.scale

    @property
    def metres_per_px(self) -> float:
        return _METRES_PER_DEGREE / self.scale


def _draw_roads(draw: ImageDraw.ImageDraw, network: RoadNetwork, frame: _Frame, width: int,
                height: int, line_px: int) -> None:
    (w, n), (e, s) = frame.lon_lat(0, 0), frame.lon_lat(width, height)
    lat, lon = network.geom_lat, network.geom_lon
    inside = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
    if not inside.any():
        return
    off = network.edge_geom_offsets
    # Edges with a vertex in view: the vertex's edge is the last offset at or before it.
    edges = np.unique(np.searchsorted(off, np.flatnonzero(inside), side="right") - 1)
    twin = network.reverse_edge
    for edge in edges:
        if 0 <= twin[edge] < edge and twin[edge] in edges:
            continue  # a two-way road once
        a, b = int(off[edge]), int(off[edge + 1])
        pts = [frame.xy((float(x), float(y))) for x, y in zip(lon[a:b], lat[a:b], strict=True)]
        if len(pts) >= 2:
            draw.line(pts, fill=_ROAD, width=line_px, joint="curve")


def _scale_bar(draw: ImageDraw.ImageDraw, frame: _Frame, x: float, y: float, k: int) -> None:
    target_m = frame.metres_per_px * 120 * k
    nice = 10 ** math.floor(math.log10(max(target_m, 1.0)))
    for factor in (5, 2, 1):
        if nice * factor <= target_m:
            nice *= factor
            break
    length = nice / frame.metres_per_px
    draw.line([(x, y), (x + length, y)], fill=(40, 40, 40), width=2 * k)
    for xx in (x, x + length):
        draw.line([(xx, y - 4 * k), (xx, y + 1 * k)], fill=(40, 40, 40), width=2 * k)
    text = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"
    draw.text((x + length + 5 * k, y), text, fill=(40, 40, 40), font=_font(11 * k), anchor="lm")


def route_png(
    line: Sequence[Position],
    stops: Sequence[StopMark],
    *,
    network: RoadNetwork | None = None,
    width: int = 800,
    height: int = 520,
    title: str = "",
) -> bytes:
    """A route map as PNG bytes.

    Parameters
    ----------
    line
        ``(lon, lat)`` positions of the route along the roads (may be empty: the stops are then
        joined by straight lines).
    stops
        ``((lon, lat), label, cancelled)`` per stop, in driving order; the label (e.g. the stop
        number) is written in the marker; cancelled stops are grey and crossed out.
    network
        When given, the surrounding roads are drawn under the route.
    width, height
        Size of the image in pixels.
    title
        A line of text at the top left (e.g. the run and its times).

    Returns
    -------
    bytes
        The PNG file; always with the attribution "© OpenStreetMap contributors".
    """
    k = _SUPERSAMPLE
    w, h = width * k, height * k
    image = Image.new("RGB", (w, h), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    route = list(line) or [p for p, _, _ in stops]
    every = route + [p for p, _, _ in stops]
    foot = 22 * k
    top = 26 * k if title else 0
    if every:
        frame = _Frame(every, w, h - top, 28 * k, foot)
        frame.y0 += top
        if network is not None:
            _draw_roads(draw, network, frame, w, h, 2 * k)
        if len(route) >= 2:
            pts = [frame.xy(p) for p in route]
            draw.line(pts, fill=(255, 255, 255), width=9 * k, joint="curve")
            draw.line(pts, fill=_ROUTE, width=5 * k, joint="curve")
        r = 11 * k
        font = _font(12 * k)
        for p, label, cancelled in stops:
            x, y = frame.xy(p)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=_CANCELLED if cancelled else _STOP,
                         outline=(255, 255, 255), width=2 * k)
            draw.text((x, y), label, fill=(255, 255, 255), font=font, anchor="mm")
            if cancelled:
                draw.line([(x - r, y - r), (x + r, y + r)], fill=(80, 80, 80), width=2 * k)
        _scale_bar(draw, frame, 10 * k, h - foot / 2, k)
    if title:
        draw.rectangle([0, 0, w, top], fill=(255, 255, 255))
        draw.text((8 * k, top / 2), title, fill=(20, 20, 20), font=_font(13 * k), anchor="lm")
    attribution_font = _font(11 * k)
    box = draw.textbbox((w - 6 * k, h - 5 * k), ATTRIBUTION, font=attribution_font, anchor="rb")
    draw.rectangle([box[0] - 4 * k, box[1] - 3 * k, w, h], fill=(255, 255, 255))
    draw.text((w - 6 * k, h - 5 * k), ATTRIBUTION, fill=(50, 50, 50), font=attribution_font,
              anchor="rb")
    draw.rectangle([0, 0, w - 1, h - 1], outline=(150, 150, 150), width=k)
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def manifest_run_png(
    run: dict[str, Any],
    *,
    network: RoadNetwork | None = None,
    width: int = 800,
    height: int = 520,
) -> bytes:
    """The PNG map of one run of a manifest (:func:`maps.manifest.build_manifest`).

    Uses the run's ``route`` (road line) and its stops between the depot visits, numbered by
    their ``seq`` as on the manifest; cancelled stops are grey.
    """
    stops = [((float(s["lon"]), float(s["lat"])), str(s["seq"]), bool(s["cancelled"]))
             for s in run["stops"][1:-1]]
    line = [(float(p[0]), float(p[1])) for p in run.get("route") or []]
    title = f"Tur {run['run_id']} · {run['start']}–{run['end']} · {run['direction_text']}"
    return route_png(line, stops, network=network, width=width, height=height, title=title)
