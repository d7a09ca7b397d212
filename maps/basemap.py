"""The bundled road network as a small GeoJSON base layer for maps without tiles (offline).

When no tile server is reachable, the web maps draw the roads of the network the plan was made on
instead of a background map. Each two-way road is drawn once (its reverse twin is dropped), and
each polyline is simplified (Douglas–Peucker in metres, UTM 32N) so that the layer stays small:
the Samsø network (475 km of directed roads) becomes well under 100 kB. On large networks only
the faster roads are kept (see :func:`road_geojson`).

The layer is OpenStreetMap data: every map showing it carries "© OpenStreetMap contributors".
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
import shapely

from maps import ATTRIBUTION
from maps.geojson import LICENSE
from routing.network.roads import RoadNetwork, from_metric

logger = logging.getLogger(__name__)

MAJOR_SPEED_KPH = 60.0
"""Roads at least this fast (free-flow) are drawn as main roads (``class: "major"``)."""

LARGE_NETWORK_EDGES = 20_000
"""Above this many directed edges, :func:`road_geojson` keeps only main roads by default."""

_CACHE: dict[tuple[str, float, float, int], dict[str, Any]] = {}
_CACHE_LOCK = threading.Lock()


def road_geojson(
    network: RoadNetwork,
    *,
    tolerance_m: float = 8.0,
    min_speed_kph: float | None = None,
    decimals: int = 5,
) -> dict[str, Any]:
    """The network's roads as a GeoJSON FeatureCollection of simplified LineStrings.

    Parameters
    ----------
    network
        The road network.
    tolerance_m
        Douglas–Peucker tolerance in metres (a vertex closer than this to the simplified line is
        dropped). 8 m keeps the roads recognisable at street zoom.
    min_speed_kph
        Leave out roads slower than this (free-flow speed = length / travel time). ``None``: 0
        (all roads) up to :data:`LARGE_NETWORK_EDGES` edges, else :data:`MAJOR_SPEED_KPH`.
    decimals
        Decimals of the coordinates (5 ≈ 1 m).

    Returns
    -------
    dict
        A FeatureCollection of (at most) two MultiLineString features, ``properties.class``
        ``"major"`` (roads of ≥ :data:`MAJOR_SPEED_KPH`) and ``"minor"`` (the others).
        Foreign members ``attribution`` and ``license``. Cached per network digest and
        parameters (the result must not be changed).
    """
    if min_speed_kph is None:
        min_speed_kph = 0.0 if network.n_edges <= LARGE_NETWORK_EDGES else MAJOR_SPEED_KPH
    key = (network.digest, float(tolerance_m), float(min_speed_kph), int(decimals))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    collection = _build(network, tolerance_m, min_speed_kph, decimals)
    with _CACHE_LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = collection
    return collection


def _build(network: RoadNetwork, tolerance_m: float, min_speed_kph: float,
           decimals: int) -> dict[str, Any]:
    speed_kph = np.where(network.edge_travel_s > 0,
                         network.edge_length_m / np.maximum(network.edge_travel_s, 1e-9) * 3.6,
                         0.0)
    twin = network.reverse_edge
    xs, ys = network.geom_xy
    off = network.edge_geom_offsets
    by_class: dict[str, list[shapely.Geometry]] = {"major": [], "minor": []}
    for edge in range(network.n_edges):
        if 0 <= twin[edge] < edge:  # a two-way road: drawn once, with its lower-numbered edge
            continue
        if speed_kph[edge] < min_speed_kph:
            continue
        a, b = int(off[edge]), int(off[edge + 1])
        if b - a >= 2:
            road_class = "major" if speed_kph[edge] >= MAJOR_SPEED_KPH else "minor"
            by_class[road_class].append(shapely.linestrings(xs[a:b], ys[a:b]))
    features: list[dict[str, Any]] = []
    n_vertices = 0
    for road_class, lines in by_class.items():
        if not lines:
            continue
        # Joining roads that meet end to end into longer lines before simplifying saves the
        # repeated junction vertices and most of the JSON; one MultiLineString per class.
        merged = shapely.line_merge(shapely.multilinestrings(lines))
        parts = shapely.get_parts(shapely.simplify(merged, tolerance_m))
        positions: list[list[list[float]]] = []
        for part in parts:
            coords = shapely.get_coordinates(part)
            if len(coords) < 2:
                continue
            lon, lat = from_metric(coords[:, 0], coords[:, 1])
            positions.append([[round(float(x), decimals), round(float(y), decimals)]
                              for x, y in zip(lon, lat, strict=True)])
            n_vertices += len(coords)
        features.append({
            "type": "Feature",
            "geometry": {"type": "MultiLineString", "coordinates": positions},
            "properties": {"class": road_class},
        })
    logger.debug("road layer: %d vertices (of %d)", n_vertices, len(network.geom_lat))
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "license": LICENSE,
            "features": features}
