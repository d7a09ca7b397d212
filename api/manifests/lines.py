"""Runs drawn along the roads, for manifests' maps, from per-leg caches.

A daily run is the planned run minus the stops of absent riders, so its line is made of legs
that other runs and other dates share. Each place is snapped once and each leg's road path is
computed once per process (same conventions as :mod:`maps.geojson`: stop → roads → next stop,
positions rounded to 6 decimals, repeats dropped); a new line then costs no shortest-path
search unless it has a leg never drawn before.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from api.context import LruCache
from routing.model import Run, Stop
from routing.network.matrix import path_coordinates
from routing.network.roads import RoadNetwork
from routing.network.snap import SnappedPoint, snap_points

COORD_DECIMALS = 6

Position = tuple[float, float]
PlaceKey = tuple[str, float, float]

_SNAPPED = LruCache(8192)
_LEGS = LruCache(16384)
_LINES = LruCache(4096)


def _key(stop: Stop) -> PlaceKey:
    return (stop.place, stop.lat, stop.lon)


def _snapped(network: RoadNetwork, keys: Sequence[PlaceKey], snap_max_m: float
             ) -> dict[PlaceKey, SnappedPoint]:
    prefix = (network.digest, snap_max_m)
    found: dict[PlaceKey, SnappedPoint] = {}
    missing: list[PlaceKey] = []
    for key in dict.fromkeys(keys):
        point = _SNAPPED.get((prefix, key))
        if point is None:
            missing.append(key)
        else:
            found[key] = point
    if missing:
        points = [(k[0] or f"stop@{k[1]:.6f},{k[2]:.6f}", k[1], k[2]) for k in missing]
        for key, point in zip(missing, snap_points(network, points, snap_max_m), strict=True):
            _SNAPPED.put((prefix, key), point)
            found[key] = point
    return found


def road_line(network: RoadNetwork, run: Run, snap_max_m: float) -> tuple[Position, ...]:
    """``(lon, lat)`` of the run along the roads, at least two positions when it has stops."""
    if not run.stops:
        return ()
    keys = [_key(s) for s in run.stops]
    line_key = (network.digest, snap_max_m, tuple(keys))
    cached: tuple[Position, ...] | None = _LINES.get(line_key)
    if cached is None:
        cached = _assemble(network, run, keys, snap_max_m)
        _LINES.put(line_key, cached)
    return cached


def _assemble(network: RoadNetwork, run: Run, keys: list[PlaceKey], snap_max_m: float
              ) -> tuple[Position, ...]:
    snapped = _snapped(network, keys, snap_max_m)
    coords: list[Position] = []

    def extend(points: Sequence[Position]) -> None:
        # Each piece is rounded and free of repeats already; only its first point may repeat
        # the last one so far.
        if coords and points and coords[-1] == points[0]:
            points = points[1:]
        coords.extend(points)

    first = run.stops[0]
    extend((_rounded(first.lon, first.lat),))
    for (a, b), stop_b in zip(pairwise(keys), run.stops[1:], strict=True):
        if a != b:
            leg_key = (network.digest, snap_max_m, a, b)
            leg = _LEGS.get(leg_key)
            if leg is None:
                leg = _without_repeats([_rounded(float(lon), float(lat)) for lon, lat
                                        in path_coordinates(network, snapped[a], snapped[b])])
                _LEGS.put(leg_key, leg)
            extend(leg)
        extend((_rounded(stop_b.lon, stop_b.lat),))
    if len(coords) == 1:
        coords.append(coords[0])
    return tuple(coords)


def _rounded(lon: float, lat: float) -> Position:
    return (round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS))


def _without_repeats(points: Sequence[Position]) -> tuple[Position, ...]:
    return tuple(p for i, p in enumerate(points) if i == 0 or points[i - 1] != p)
