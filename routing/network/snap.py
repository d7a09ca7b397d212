"""Snapping points (homes, centres, depots) to the nearest road edge of a :class:`RoadNetwork`.

Points are projected to ETRS89 / UTM 32N (:data:`routing.network.roads.METRIC_CRS`) and matched to
the
nearest edge polyline with a shapely ``STRtree``, so a point is placed *along* a road, not at its
nearest node. A two-way road is two directed edges with the same polyline: the point is placed on
the lower-numbered of the two, and :mod:`routing.network.matrix` also uses the reverse twin, so the
point
can be left and reached in both directions.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from routing.errors import NetworkError, SnapError
from routing.network.roads import RoadNetwork, from_metric, to_metric

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SnappedPoint:
    """A point placed on a directed edge of the road network."""

    point_id: str
    lat: float
    """Original latitude (WGS84)."""
    lon: float
    edge: int
    """Index of the directed edge the point lies on."""
    fraction: float
    """Position along the edge polyline, 0 at ``edge_u`` … 1 at ``edge_v`` (by length)."""
    distance_m: float
    """Straight distance from the original point to the edge."""
    snapped_lat: float
    snapped_lon: float


def edge_lines_metric(network: RoadNetwork) -> np.ndarray:
    """Shapely LineStrings of all edges in metric coordinates (index = edge index)."""
    x, y = network.geom_xy
    counts = np.diff(network.edge_geom_offsets)
    indices = np.repeat(np.arange(network.n_edges), counts)
    lines: np.ndarray = shapely.linestrings(x, y, indices=indices)
    return lines


def snap_points(
    network: RoadNetwork,
    points: Sequence[tuple[str, float, float]],
    max_distance_m: float = 500.0,
) -> list[SnappedPoint]:
    """Snap ``(point_id, lat, lon)`` points to their nearest road edge.

    Parameters
    ----------
    network
        The road network.
    points
        ``(point_id, lat, lon)`` in WGS84 degrees.
    max_distance_m
        Points farther than this from every edge are rejected (e.g. a point in the sea).

    Returns
    -------
    list of SnappedPoint
        In the order of ``points``.

    Raises
    ------
    SnapError
        Naming every point that is too far away (id, coordinates, distance), or that has invalid
        coordinates; all offenders are reported in one message.
    NetworkError
        If the network has no edges.
    """
    if not points:
        return []
    if network.n_edges == 0:
        raise NetworkError(f"road network {network.source} has no edges to snap to")
    ids = [str(p[0]) for p in points]
    lat = np.array([float(p[1]) for p in points], dtype=np.float64)
    lon = np.array([float(p[2]) for p in points], dtype=np.float64)
    problems: list[tuple[str, str, float | None]] = []
    valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    for bad in np.flatnonzero(~valid):
        problems.append(
            (ids[bad], f"has invalid coordinates ({lat[bad]}, {lon[bad]})", None)
        )

    lines = edge_lines_metric(network)
    tree = shapely.STRtree(lines)
    x, y = to_metric(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
    pts = shapely.points(x, y)
    # all_matches: exact ties (a point at a junction, or equidistant from two twins) come back
    # together, and we take the lowest edge index so the result does not depend on tree order.
    (pi, ei), dist = tree.query_nearest(pts, return_distance=True, all_matches=True)
    best_edge = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best_edge, pi, ei)
    best_dist = np.full(len(points), np.inf)
    np.minimum.at(best_dist, pi, dist)

    twin = network.reverse_edge
    result: list[SnappedPoint] = []
    for i, point_id in enumerate(ids):
        if not valid[i]:
            continue
        d = float(best_dist[i])
        if not d <= max_distance_m:
            problems.append((
                point_id,
                f"at ({lat[i]:.6f}, {lon[i]:.6f}) is {d:,.0f} m from the nearest road "
                f"(limit {max_distance_m:,.0f} m)",
                d,
            ))
            continue
        edge = int(best_edge[i])
        line = lines[edge]
        length = float(shapely.length(line))
        fraction = (
            float(shapely.line_locate_point(line, pts[i], normalized=True)) if length else 0.0
        )
        fraction = min(1.0, max(0.0, fraction)) if math.isfinite(fraction) else 0.0
        # Canonical placement on a two-way road: the lower-numbered twin, whichever was nearest
        # by rounding, so the same point always snaps the same way.
        if 0 <= twin[edge] < edge:
            edge, fraction = int(twin[edge]), 1.0 - fraction
            line = lines[edge]
        snapped = shapely.line_interpolate_point(line, fraction, normalized=True)
        s_lon, s_lat = from_metric([shapely.get_x(snapped)], [shapely.get_y(snapped)])
        result.append(
            SnappedPoint(
                point_id=point_id,
                lat=float(lat[i]),
                lon=float(lon[i]),
                edge=edge,
                fraction=fraction,
                distance_m=d,
                snapped_lat=float(s_lat[0]),
                snapped_lon=float(s_lon[0]),
            )
        )
    if problems:
        detail = "; ".join(f"point {pid!r} {text}" for pid, text, _ in problems)
        raise SnapError(
            f"{len(problems)} point(s) cannot be placed on the road network "
            f"{network.source}: {detail}",
            point_id=problems[0][0],
            distance_m=problems[0][2],
        )
    logger.debug("snapped %d points, max distance %.0f m", len(result),
                 max(p.distance_m for p in result))
    return result
