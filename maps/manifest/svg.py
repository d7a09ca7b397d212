"""A manifest run's route map as inline SVG: the road line, numbered stops, the attribution
(no map tiles, no internet)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

import numpy as np
import shapely

from maps import ATTRIBUTION, Position, StopMark
from maps.manifest.texts import LABELS


def route_svg(
    line: Sequence[Position],
    stops: Sequence[StopMark],
    *,
    depot: Position | None = None,
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
    depot
        Where the run starts and ends, drawn as a dark square marked "G" (garage).
    width, height
        Size in pixels.

    Returns
    -------
    str
        A standalone ``<svg>`` element (no external resources).
    """
    points = list(line) or [p for p, _, _ in stops]
    every = points + [p for p, _, _ in stops] + ([depot] if depot is not None else [])
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
    if depot is not None:
        x, y = xy(depot)
        parts.append(f'<rect x="{x - 8}" y="{y - 8}" width="16" height="16" fill="#333" '
                     f'stroke="#fff" stroke-width="1.5"><title>{LABELS["depot_out"]}</title>'
                     f'</rect><text x="{x}" y="{y + 3.5}" font-size="10" font-family="sans-serif" '
                     f'text-anchor="middle" fill="#fff">G</text>')
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
    lonlat = np.asarray(points, dtype=float)
    pixels = np.column_stack((x0 + scale * kx * lonlat[:, 0], y0 - scale * lonlat[:, 1]))
    simple = shapely.get_coordinates(shapely.simplify(shapely.linestrings(pixels),
                                                      SVG_TOLERANCE_PX))
    out: list[tuple[float, float]] = [(x, y) for x, y in np.round(simple, 1).tolist()]
    return out
