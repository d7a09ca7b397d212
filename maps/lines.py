"""Runs drawn along the roads: the one place a run's road line is made (GeoJSON, web maps,
manifests and their route maps all take it from here).

A line follows the fastest path on the road network between consecutive stops, with a short
straight connector from each stop's place (the original address point) to the point where it
joins the road network: place a → its snapped point → roads → b's snapped point → place b.
Positions are ``(lon, lat)`` rounded to 6 decimals (about 0.1 m), consecutive repeats dropped.

Each distinct place is snapped once and each leg's road path computed once per cache. Weekly
plans repeat the same runs on several weekdays, and a daily run is the planned run minus the
stops of absent riders, so its legs are shared with other runs and dates: with caches that
outlive one call (the API passes process-wide LRU caches, :class:`LineCaches`) a new line costs
no shortest-path search unless it has a leg never drawn before.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Protocol

from maps import Position
from routing.model import Run, Stop
from routing.network.matrix import path_coordinates
from routing.network.roads import RoadNetwork
from routing.network.snap import SnappedPoint, snap_points

COORD_DECIMALS = 6

PlaceKey = tuple[str, float, float]
"""A stop's place label and coordinates: the coordinates are part of the key so that an
inconsistent plan (same label, different coordinates) is drawn where each stop really is."""


class Cache(Protocol):
    """What a cache must offer: ``get`` (None when absent) and ``put``."""

    def get(self, key: Hashable) -> Any: ...

    def put(self, key: Hashable, value: Any) -> None: ...


class DictCache:
    """An unbounded cache in a dict: for one call (a GeoJSON file, a day's manifests)."""

    def __init__(self) -> None:
        self._items: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        return self._items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        self._items[key] = value


@dataclass(frozen=True)
class LineCaches:
    """Where :class:`RoadLines` keeps snapped places, legs and whole lines. Keys include the
    network's digest and the snap distance, so one set of caches can serve several networks."""

    snapped: Cache = field(default_factory=DictCache)
    legs: Cache = field(default_factory=DictCache)
    lines: Cache = field(default_factory=DictCache)


def place_key(stop: Stop) -> PlaceKey:
    return (stop.place, stop.lat, stop.lon)


def rounded(lon: float, lat: float) -> Position:
    """A position rounded to :data:`COORD_DECIMALS`."""
    return (round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS))


class RoadLines:
    """Draws runs along the roads of one network.

    Parameters
    ----------
    network
        The road network the runs were planned on.
    snap_max_m
        Maximum distance from a stop's place to the road network, metres.
    caches
        Where snapped places, legs and lines are kept; default: new caches for this object.
    """

    def __init__(self, network: RoadNetwork, snap_max_m: float = 500.0,
                 caches: LineCaches | None = None) -> None:
        self.network = network
        self.snap_max_m = snap_max_m
        self._caches = caches or LineCaches()
        self._prefix = (network.digest, snap_max_m)

    def snap(self, stops: Iterable[Stop]) -> dict[PlaceKey, SnappedPoint]:
        """The stops' places snapped to the roads; those not cached yet in one batch.

        Raises
        ------
        routing.errors.SnapError
            If a place is farther than ``snap_max_m`` from the road network.
        """
        found: dict[PlaceKey, SnappedPoint] = {}
        missing: list[PlaceKey] = []
        for key in dict.fromkeys(place_key(s) for s in stops):
            point = self._caches.snapped.get((self._prefix, key))
            if point is None:
                missing.append(key)
            else:
                found[key] = point
        if missing:
            points = [(k[0] or f"stop@{k[1]:.6f},{k[2]:.6f}", k[1], k[2]) for k in missing]
            snapped = snap_points(self.network, points, self.snap_max_m)
            if len(snapped) != len(points):
                raise RuntimeError(f"snap_points returned {len(snapped)} points for "
                                   f"{len(points)}")
            for key, point in zip(missing, snapped, strict=True):
                self._caches.snapped.put((self._prefix, key), point)
                found[key] = point
        return found

    def line(self, run: Run) -> tuple[Position, ...]:
        """``(lon, lat)`` of the run along the roads: at least two positions when the run has
        stops (a GeoJSON LineString needs two), none when it has none."""
        if not run.stops:
            return ()
        keys = tuple(place_key(s) for s in run.stops)
        line_key = (self._prefix, keys)
        cached: tuple[Position, ...] | None = self._caches.lines.get(line_key)
        if cached is None:
            cached = self._assemble(run, keys)
            self._caches.lines.put(line_key, cached)
        return cached

    def _assemble(self, run: Run, keys: Sequence[PlaceKey]) -> tuple[Position, ...]:
        snapped = self.snap(run.stops)
        coords: list[Position] = []

        def extend(points: Sequence[Position]) -> None:
            # Each piece is rounded and free of repeats already; only its first point may
            # repeat the last one so far.
            if coords and points and coords[-1] == points[0]:
                points = points[1:]
            coords.extend(points)

        first = run.stops[0]
        extend((rounded(first.lon, first.lat),))
        for (a, b), stop_b in zip(pairwise(keys), run.stops[1:], strict=True):
            if a != b:
                leg_key = (self._prefix, a, b)
                leg: tuple[Position, ...] | None = self._caches.legs.get(leg_key)
                if leg is None:
                    leg = _without_repeats([rounded(float(lon), float(lat)) for lon, lat in
                                            path_coordinates(self.network, snapped[a],
                                                             snapped[b])])
                    self._caches.legs.put(leg_key, leg)
                extend(leg)
            extend((rounded(stop_b.lon, stop_b.lat),))
        if len(coords) == 1:
            coords.append(coords[0])
        return tuple(coords)


def _without_repeats(points: Sequence[Position]) -> tuple[Position, ...]:
    return tuple(p for i, p in enumerate(points) if i == 0 or points[i - 1] != p)
