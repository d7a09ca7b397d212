"""The weekly plan as GeoJSON (RFC 7946): one road-following line per run plus its stops.

The lines follow the fastest path on the road network between consecutive stops, with a short
straight connector from each stop's place (the original address point) to the point where it joins
the road network (drawn by :class:`maps.lines.RoadLines`). Coordinates are ``[lon, lat]`` in
WGS 84, rounded to 6 decimals (about 0.1 m).

Rider names are left out by default: a GeoJSON file is easily shared, and ids are enough to join
it with the coordinators' own lists.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from maps import ATTRIBUTION, Position
from maps.lines import RoadLines, rounded
from routing.model import WEEKDAYS, Plan, Run, Stop, format_hm
from routing.network.roads import RoadNetwork

logger = logging.getLogger(__name__)

LICENSE = "ODbL-1.0"

RUN_COLOURS: tuple[str, ...] = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
    "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
)
"""Line colours of runs, cycled in plan order (matplotlib's *tab10*, distinct on a light map)."""


def run_colour(index: int) -> str:
    """Colour (``#rrggbb``) of the ``index``-th run of a map (cycles :data:`RUN_COLOURS`)."""
    return RUN_COLOURS[index % len(RUN_COLOURS)]


def _run_properties(run: Run, colour: str) -> dict[str, Any]:
    return {
        "feature_type": "run",
        "run_id": run.run_id,
        "weekday": run.weekday,
        "direction": run.direction,
        "vehicle_id": run.vehicle_id,
        "centre_id": run.centre_id,
        "session_id": run.session_id,
        "centre_ids": list(run.centre_ids),
        "distance_m": run.distance_m,
        "duration_s": run.duration_s,
        "n_riders": len(run.rider_ids),
        "start": format_hm(run.stops[0].departure_s),
        "end": format_hm(run.stops[-1].arrival_s),
        "stroke": colour,
    }


def _stop_properties(
    run: Run,
    seq: int,
    stop: Stop,
    colour: str,
    rider_names: Mapping[str, str] | None,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "feature_type": "stop",
        "run_id": run.run_id,
        "weekday": run.weekday,
        "seq": seq,
        "kind": stop.kind,
        "place": stop.place,
        "arrival": format_hm(stop.arrival_s),
        "departure": format_hm(stop.departure_s),
        "agreed": format_hm(stop.agreed_s) if stop.agreed_s is not None else None,
        "rider_ids": list(stop.rider_ids),
        "marker-color": colour,
    }
    if rider_names is not None:
        props["rider_names"] = [rider_names.get(r, "") for r in stop.rider_ids]
    return props


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def plan_geojson(
    plan: Plan,
    network: RoadNetwork,
    *,
    snap_max_m: float = 500.0,
    weekday: str | None = None,
    include_names: bool = False,
    rider_names: Mapping[str, str] | None = None,
    lines: RoadLines | None = None,
) -> dict[str, Any]:
    """The plan's runs and stops as a GeoJSON FeatureCollection.

    Parameters
    ----------
    plan
        The weekly plan.
    network
        The road network the plan was made on (lines follow its fastest paths).
    snap_max_m
        Maximum distance from a stop's place to the road network, metres.
    weekday
        Only runs of this weekday (``"mon"`` … ``"fri"``); ``None`` for all runs.
    include_names
        Add ``rider_names`` (parallel to ``rider_ids``) to the stop features. Off by default:
        names are personal data and the plan itself carries only ids.
    rider_names
        ``rider_id → name``; required when ``include_names`` is true (the plan holds no names).
    lines
        Draws the runs (its caches may outlive this call); default: new ones on ``network``
        with ``snap_max_m``.

    Returns
    -------
    dict
        A FeatureCollection. Per run (in plan order) one ``LineString`` feature with properties
        ``feature_type="run"``, ``run_id``, ``weekday``, ``direction``, ``vehicle_id``,
        ``centre_id``, ``session_id``, ``centre_ids``, ``distance_m``, ``duration_s``,
        ``n_riders``, ``start``/``end`` (``HH:MM``) and ``stroke`` (line colour), followed by one
        ``Point`` feature per stop with ``feature_type="stop"``, ``run_id``, ``weekday``, ``seq``,
        ``kind``, ``place``, ``arrival``/``departure``/``agreed`` (``HH:MM`` or null) and
        ``rider_ids``. Foreign members: ``attribution`` ("© OpenStreetMap contributors"),
        ``license``, ``scenario``, ``weekday``; ``bbox`` when there is any feature.

    Raises
    ------
    ValueError
        For an unknown weekday, or ``include_names`` without ``rider_names``.
    routing.errors.SnapError
        If a stop's place is farther than ``snap_max_m`` from the road network.
    """
    if weekday is not None and weekday not in WEEKDAYS:
        raise ValueError(f"weekday {weekday!r} is not one of {', '.join(WEEKDAYS)}")
    if include_names and rider_names is None:
        raise ValueError("include_names needs rider_names (the plan holds only rider ids)")
    names = rider_names if include_names else None
    runs = [r for r in plan.runs if r.stops and (weekday is None or r.weekday == weekday)]
    lines = lines or RoadLines(network, snap_max_m)
    lines.snap(stop for run in runs for stop in run.stops)  # every place in one batch

    features: list[dict[str, Any]] = []
    all_coords: list[Position] = []
    for index, run in enumerate(runs):
        colour = run_colour(index)
        line = lines.line(run)
        all_coords.extend(line)
        features.append(_feature(
            {"type": "LineString", "coordinates": [list(p) for p in line]},
            _run_properties(run, colour),
        ))
        for seq, stop in enumerate(run.stops):
            features.append(_feature(
                {"type": "Point", "coordinates": list(rounded(stop.lon, stop.lat))},
                _stop_properties(run, seq, stop, colour, names),
            ))
    logger.debug("GeoJSON of %d runs, %d features", len(runs), len(features))

    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "license": LICENSE,
        "scenario": plan.scenario,
        "weekday": weekday,
    }
    if all_coords:
        lons = [p[0] for p in all_coords]
        lats = [p[1] for p in all_coords]
        collection["bbox"] = [min(lons), min(lats), max(lons), max(lats)]
    collection["features"] = features
    return collection


def write_geojson(fc: Mapping[str, Any], path: Path | str) -> None:
    """Write a FeatureCollection as compact UTF-8 JSON (``.geojson``).

    Parameters
    ----------
    fc
        The collection, e.g. from :func:`plan_geojson`.
    path
        Target file; overwritten.
    """
    Path(path).write_text(
        json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
