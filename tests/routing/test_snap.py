"""Snapping points to road edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing.errors import SnapError
from routing.network.roads import RoadNetwork
from routing.network.snap import SnappedPoint, snap_points


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance (earth radius 6,371,009 m, as osmnx)."""
    y1, y2 = math.radians(lat1), math.radians(lat2)
    dy, dx = y2 - y1, math.radians(lon2 - lon1)
    h = math.sin(dy / 2) ** 2 + math.cos(y1) * math.cos(y2) * math.sin(dx / 2) ** 2
    return 2 * math.asin(math.sqrt(min(1.0, h))) * 6_371_009


def edges_by_osm(net: RoadNetwork) -> dict[tuple[int, int], list[int]]:
    """Edge indices by (OSM id of u, OSM id of v)."""
    out: dict[tuple[int, int], list[int]] = {}
    for i in range(net.n_edges):
        key = (int(net.node_osmid[net.edge_u[i]]), int(net.node_osmid[net.edge_v[i]]))
        out.setdefault(key, []).append(i)
    return out


SEA_WEST_OF_SAMSO = (55.85, 10.40)

SAMSO_PLACES = [
    ("tranebjerg-bibliotek", 55.8302655, 10.5960745),
    ("sambiosen", 55.8321650, 10.5845000),
    ("nordby", 55.9535789, 10.5587464),
    ("ballen", 55.8157777, 10.6374720),
    ("kolby-kaas", 55.7957853, 10.5310766),
    ("besser", 55.8631760, 10.6413509),
]


def test_point_beside_a_one_way_street_snaps_mid_edge(tiny_network: RoadNetwork) -> None:
    # 0.0003° south of X (the middle of the one-way A -> B): about 33 m from the road.
    (p,) = snap_points(tiny_network, [("home", 55.8997, 10.608)])
    (ab,) = edges_by_osm(tiny_network)[(1, 2)]
    assert isinstance(p, SnappedPoint)
    assert (p.point_id, p.lat, p.lon) == ("home", 55.8997, 10.608)
    assert p.edge == ab
    assert p.fraction == pytest.approx(0.5, abs=1e-3)
    assert p.distance_m == pytest.approx(great_circle_m(55.8997, 10.608, 55.9, 10.608), rel=2e-3)
    assert p.snapped_lat == pytest.approx(55.9, abs=1e-7)
    assert p.snapped_lon == pytest.approx(10.608, abs=1e-6)


def test_two_way_road_uses_the_lower_twin(tiny_network: RoadNetwork) -> None:
    edges = edges_by_osm(tiny_network)
    (bc,), (cb,) = edges[(2, 3)], edges[(3, 2)]
    # One point on each side of B - C, one exactly on it: all land on the same directed edge.
    points = snap_points(
        tiny_network,
        [("n", 55.9002, 10.620), ("s", 55.8998, 10.620), ("on", 55.9, 10.628)],
    )
    assert {p.edge for p in points} == {min(bc, cb)}
    forward = min(bc, cb) == bc  # fraction counts from B when the edge is B -> C
    expected = [0.25, 0.25, 0.75] if forward else [0.75, 0.75, 0.25]
    for p, f in zip(points, expected, strict=True):
        assert p.fraction == pytest.approx(f, abs=1e-3)
    assert points[2].distance_m < 0.1  # a parallel is not straight in UTM: a few cm


def test_point_at_a_junction(tiny_network: RoadNetwork) -> None:
    (p,) = snap_points(tiny_network, [("e", 55.891, 10.616)])
    e = p.edge
    assert p.distance_m == pytest.approx(0.0, abs=1e-6)
    at_node = tiny_network.edge_u[e] if p.fraction < 0.5 else tiny_network.edge_v[e]
    assert tiny_network.node_osmid[at_node] == 5
    assert min(p.fraction, 1 - p.fraction) == pytest.approx(0.0, abs=1e-9)


def test_far_points_are_all_reported(tiny_network: RoadNetwork) -> None:
    points = [
        ("ok", 55.8997, 10.608),
        ("far-north", 55.95, 10.61),
        ("far-east", 55.90, 10.75),
    ]
    with pytest.raises(SnapError) as info:
        snap_points(tiny_network, points, max_distance_m=500.0)
    message = str(info.value)
    assert "'far-north'" in message and "'far-east'" in message and "'ok'" not in message
    assert "55.950000, 10.610000" in message
    assert "2 point(s)" in message
    assert info.value.point_id == "far-north"
    assert info.value.distance_m is not None and info.value.distance_m > 5000
    assert isinstance(info.value, ValueError)


def test_max_distance_is_respected(tiny_network: RoadNetwork) -> None:
    point = [("home", 55.8997, 10.608)]  # about 33 m away
    assert snap_points(tiny_network, point, max_distance_m=40.0)
    with pytest.raises(SnapError, match="'home'"):
        snap_points(tiny_network, point, max_distance_m=30.0)


def test_invalid_coordinates(tiny_network: RoadNetwork) -> None:
    with pytest.raises(SnapError, match=r"'nan'.*invalid coordinates"):
        snap_points(tiny_network, [("nan", math.nan, 10.6), ("ok", 55.9, 10.6)])


def test_no_points(tiny_network: RoadNetwork) -> None:
    assert snap_points(tiny_network, []) == []


def test_samso_places_snap_close(samso_network: RoadNetwork) -> None:
    snapped = snap_points(samso_network, SAMSO_PLACES)
    assert [p.point_id for p in snapped] == [p[0] for p in SAMSO_PLACES]
    for p in snapped:
        assert p.distance_m < 250, p
        assert 0.0 <= p.fraction <= 1.0
        assert 0 <= p.edge < samso_network.n_edges
        # The snapped position is the reported distance away from the original point.
        assert great_circle_m(p.lat, p.lon, p.snapped_lat, p.snapped_lon) == pytest.approx(
            p.distance_m, rel=5e-3, abs=0.05
        )
        # ... and lies on the polyline of its edge (within a few cm).
        lat, lon = samso_network.edge_polyline(p.edge)
        assert min(great_circle_m(p.snapped_lat, p.snapped_lon, a, b)
                   for a, b in zip(lat, lon, strict=True)) <= great_circle_m(
            lat[0], lon[0], lat[-1], lon[-1]) + 1


def test_samso_sea_point_is_rejected(samso_network: RoadNetwork) -> None:
    with pytest.raises(SnapError) as info:
        snap_points(samso_network, [*SAMSO_PLACES, ("sea", *SEA_WEST_OF_SAMSO)])
    assert "'sea'" in str(info.value)
    assert "55.850000, 10.400000" in str(info.value)
    assert info.value.point_id == "sea"
    assert info.value.distance_m is not None and info.value.distance_m > 5000


def test_snapping_is_deterministic(samso_network: RoadNetwork) -> None:
    rng = np.random.default_rng(3)
    pts = [(f"p{i}", float(la), float(lo))
           for i, (la, lo) in enumerate(zip(rng.uniform(55.80, 55.95, 50),
                                            rng.uniform(10.55, 10.65, 50), strict=True))]
    a = snap_points(samso_network, pts, max_distance_m=10_000)
    b = snap_points(samso_network, pts, max_distance_m=10_000)
    assert a == b
    twin = samso_network.reverse_edge
    # Two-way roads: always the lower of the two directed edges.
    assert all(twin[p.edge] < 0 or p.edge < twin[p.edge] for p in a)
