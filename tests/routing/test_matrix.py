"""Travel matrices: node-to-node equality with networkx, snapped points, paths, benchmark."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from routing.errors import NetworkError
from routing.network.matrix import (
    TravelMatrix,
    bench_matrix,
    node_matrix,
    path_coordinates,
    travel_matrix,
)
from routing.network.roads import RoadNetwork
from routing.network.snap import SnappedPoint, snap_points


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance (earth radius 6,371,009 m, as osmnx)."""
    y1, y2 = math.radians(lat1), math.radians(lat2)
    dy, dx = y2 - y1, math.radians(lon2 - lon1)
    h = math.sin(dy / 2) ** 2 + math.cos(y1) * math.cos(y2) * math.sin(dx / 2) ** 2
    return 2 * math.asin(math.sqrt(min(1.0, h))) * 6_371_009


def node(net: RoadNetwork, osmid: int) -> int:
    return int(np.flatnonzero(net.node_osmid == osmid)[0])


def edge(net: RoadNetwork, u_osm: int, v_osm: int) -> int:
    u, v = node(net, u_osm), node(net, v_osm)
    (i,) = np.flatnonzero((net.edge_u == u) & (net.edge_v == v))
    return int(i)


def t(net: RoadNetwork, *osm_path: int) -> float:
    """Travel time along a path of tiny.osm junctions (OSM ids), summed by hand."""
    return float(sum(net.edge_travel_s[edge(net, a, b)] for a, b in itertools.pairwise(osm_path)))


def length(net: RoadNetwork, *osm_path: int) -> float:
    return float(sum(net.edge_length_m[edge(net, a, b)] for a, b in itertools.pairwise(osm_path)))


def assert_equals_networkx(net: RoadNetwork, sources: np.ndarray) -> None:
    g = net.to_networkx()
    targets = np.arange(net.n_nodes)
    time_s, _ = node_matrix(net, sources, targets)
    for row, s in enumerate(sources):
        expected = nx.single_source_dijkstra_path_length(g, int(s), weight="travel_s")
        assert set(expected) == set(range(net.n_nodes))
        want = np.array([expected[int(v)] for v in targets])
        np.testing.assert_allclose(time_s[row], want, rtol=1e-9, atol=0)


# --------------------------------------------------------------------------------------------
# Node to node


def test_tiny_node_times_by_hand(tiny_network: RoadNetwork) -> None:
    net = tiny_network
    a, b, f = node(net, 1), node(net, 2), node(net, 6)
    time_s, length_m = node_matrix(net, [a, b], [a, b, f])
    # A -> F: via D and E (A-B-C-F and A-B-E-F are slower; the footway A-F is not a car road).
    assert t(net, 1, 4, 5, 6) < min(t(net, 1, 2, 3, 6), t(net, 1, 2, 5, 6))
    assert time_s[0, 2] == pytest.approx(t(net, 1, 4, 5, 6), rel=1e-12)
    assert length_m[0, 2] == pytest.approx(length(net, 1, 4, 5, 6), rel=1e-12)
    # B -> A: the one-way forbids B -> X -> A; fastest back is B-E-D-A.
    assert t(net, 2, 5, 4, 1) < t(net, 2, 3, 6, 5, 4, 1)
    assert time_s[1, 0] == pytest.approx(t(net, 2, 5, 4, 1), rel=1e-12)
    assert length_m[1, 0] == pytest.approx(length(net, 2, 5, 4, 1), rel=1e-12)
    assert time_s[0, 1] == pytest.approx(t(net, 1, 2), rel=1e-12)
    assert time_s[0, 0] == 0 and time_s[1, 1] == 0 and length_m[0, 0] == 0
    # Hand numbers: A -> B is 997.4 m at 40 km/h; B -> E 1000.8 m at 30 km/h.
    assert time_s[0, 1] == pytest.approx(997.4 / (40 / 3.6), abs=0.1)
    assert t(net, 2, 5) == pytest.approx(1000.8 / (30 / 3.6), abs=0.1)


def test_tiny_distance_is_along_the_fastest_not_the_shortest_path(
    tiny_network: RoadNetwork,
) -> None:
    net = tiny_network
    # B -> F: B-C-F (80 then 60 km/h) is faster than B-E-F (30 then 50), same length.
    assert t(net, 2, 3, 6) < t(net, 2, 5, 6)
    time_s, length_m = node_matrix(net, [node(net, 2)], [node(net, 6)])
    assert time_s[0, 0] == pytest.approx(t(net, 2, 3, 6))
    assert length_m[0, 0] == pytest.approx(length(net, 2, 3, 6))
    # Q -> S: through the 15 km/h living street at the end.
    time_s, length_m = node_matrix(net, [node(net, 10)], [node(net, 12)])
    assert time_s[0, 0] == pytest.approx(t(net, 10, 4, 5, 6, 12))
    assert length_m[0, 0] == pytest.approx(length(net, 10, 4, 5, 6, 12))


def test_tiny_equals_networkx(tiny_network: RoadNetwork) -> None:
    assert_equals_networkx(tiny_network, np.arange(tiny_network.n_nodes))


def test_samso_equals_networkx(samso_network: RoadNetwork) -> None:
    rng = np.random.default_rng(7)
    assert_equals_networkx(samso_network, rng.choice(samso_network.n_nodes, 25, replace=False))


def test_samso_lengths_follow_the_fastest_path(samso_network: RoadNetwork) -> None:
    net = samso_network
    g = net.to_networkx()
    rng = np.random.default_rng(11)
    sources = rng.choice(net.n_nodes, 5, replace=False)
    targets = rng.choice(net.n_nodes, 40, replace=False)
    _time_s, length_m = node_matrix(net, sources, targets)
    for r, s in enumerate(sources):
        shortest = nx.single_source_dijkstra_path_length(g, int(s), weight="length_m")
        _, paths = nx.single_source_dijkstra(g, int(s), weight="travel_s")
        for c, v in enumerate(targets):
            path = paths[int(v)]
            along = sum(min(d["length_m"] for d in g[a][b].values()
                            if d["travel_s"] == min(e["travel_s"] for e in g[a][b].values()))
                        for a, b in itertools.pairwise(path))
            assert length_m[r, c] == pytest.approx(along, rel=1e-9)
            assert length_m[r, c] >= shortest[int(v)] - 1e-6


def test_node_matrix_repeats_and_empty(tiny_network: RoadNetwork) -> None:
    time_s, length_m = node_matrix(tiny_network, [3, 3, 0], [1, 1])
    assert time_s.shape == (3, 2) and length_m.shape == (3, 2)
    np.testing.assert_array_equal(time_s[0], time_s[1])
    assert node_matrix(tiny_network, [], [1])[0].shape == (0, 1)
    with pytest.raises(IndexError, match="node 99"):
        node_matrix(tiny_network, [99], [0])


def hand_network(times: list[float], edges: list[tuple[int, int]], n: int) -> RoadNetwork:
    """A straight-line network built by hand (nodes 0.001° apart along a meridian)."""
    lat = 55.9 + 0.001 * np.arange(n, dtype=np.float64)
    lon = np.full(n, 10.6)
    u = np.array([e[0] for e in edges], dtype=np.int64)
    v = np.array([e[1] for e in edges], dtype=np.int64)
    geom_lat = np.column_stack([lat[u], lat[v]]).reshape(-1)
    return RoadNetwork(
        node_osmid=np.arange(n, dtype=np.int64) + 1,
        node_lat=lat,
        node_lon=lon,
        edge_u=u,
        edge_v=v,
        edge_length_m=np.abs(v - u).astype(np.float64) * 111.0,
        edge_travel_s=np.array(times, dtype=np.float64),
        edge_geom_offsets=np.arange(0, 2 * len(edges) + 1, 2, dtype=np.int64),
        geom_lat=geom_lat,
        geom_lon=np.full(len(geom_lat), 10.6),
        source="hand",
        digest="0" * 64,
    )


def test_parallel_and_zero_time_edges_match_networkx() -> None:
    # 0 -> 1 twice (10 s and 4 s: the faster counts, not the sum), 1 -> 2 takes 0 s.
    net = hand_network([10.0, 4.0, 0.0, 3.0], [(0, 1), (0, 1), (1, 2), (2, 0)], 3)
    time_s, _ = node_matrix(net, [0, 1, 2], [0, 1, 2])
    np.testing.assert_allclose(time_s, [[0, 4, 4], [3, 0, 0], [3, 7, 0]])
    assert_equals_networkx(net, np.arange(3))


def test_unreachable_is_inf_and_an_error_for_points() -> None:
    net = hand_network([5.0], [(0, 1)], 2)  # one-way only
    time_s, length_m = node_matrix(net, [1], [0])
    assert np.isinf(time_s[0, 0]) and np.isinf(length_m[0, 0])
    a = SnappedPoint("a", 55.9, 10.6, 0, 0.2, 0.0, 55.9002, 10.6)
    b = SnappedPoint("b", 55.9, 10.6, 0, 0.6, 0.0, 55.9006, 10.6)
    with pytest.raises(NetworkError, match="from point 'b' to point 'a'"):
        travel_matrix(net, [b, a])


# --------------------------------------------------------------------------------------------
# Snapped points


@pytest.fixture()
def tiny_points(tiny_network: RoadNetwork) -> list[SnappedPoint]:
    return snap_points(
        tiny_network,
        [
            ("mid-ab", 55.8997, 10.608),  # middle of the one-way A -> B
            ("q1-ab", 55.8997, 10.604),  # a quarter along A -> B
            ("q3-ab", 55.8997, 10.612),  # three quarters along A -> B
            ("mid-bc", 55.8998, 10.624),  # middle of the two-way B - C
            ("at-d", 55.891, 10.600),  # at junction D
        ],
    )


def test_point_mid_edge(tiny_network: RoadNetwork, tiny_points: list[SnappedPoint]) -> None:
    net = tiny_network
    m = travel_matrix(net, tiny_points)
    p = tiny_points[0]
    f = p.fraction
    t_ab = t(net, 1, 2)
    i, d = m.index("mid-ab"), m.index("at-d")
    # From the one-way street the car must drive on to B, then B-E-D.
    assert m.time_s[i, d] == round((1 - f) * t_ab + t(net, 2, 5, 4))
    assert m.distance_m[i, d] == round((1 - f) * length(net, 1, 2) + length(net, 2, 5, 4))
    # Coming from D: D-A then along the street.
    assert m.time_s[d, i] == round(t(net, 4, 1) + f * t_ab)
    assert m.distance_m[d, i] == round(length(net, 4, 1) + f * length(net, 1, 2))


def test_points_on_the_same_one_way_edge(
    tiny_network: RoadNetwork, tiny_points: list[SnappedPoint]
) -> None:
    net = tiny_network
    m = travel_matrix(net, tiny_points)
    q1, q3 = tiny_points[1], tiny_points[2]
    assert q1.edge == q3.edge and q1.fraction < q3.fraction
    t_ab = t(net, 1, 2)
    i1, i3 = m.index("q1-ab"), m.index("q3-ab")
    assert m.time_s[i1, i3] == round((q3.fraction - q1.fraction) * t_ab)
    # Backwards: on to B, around B-E-D-A, and along the street again.
    around = (1 - q3.fraction) * t_ab + t(net, 2, 5, 4, 1) + q1.fraction * t_ab
    assert m.time_s[i3, i1] == round(around)


def test_point_on_two_way_edge_leaves_both_ways(
    tiny_network: RoadNetwork, tiny_points: list[SnappedPoint]
) -> None:
    net = tiny_network
    m = travel_matrix(net, tiny_points)
    p = tiny_points[3]
    # Fraction from B, whichever of the twins the point was placed on.
    from_b = p.fraction if net.node_osmid[net.edge_u[p.edge]] == 2 else 1 - p.fraction
    assert from_b == pytest.approx(0.5, abs=1e-3)
    t_bc = t(net, 2, 3)
    i, d, a = m.index("mid-bc"), m.index("at-d"), m.index("mid-ab")
    # To D: back to B (allowed on a two-way road), then B-E-D.
    to_d = from_b * t_bc + t(net, 2, 5, 4)
    assert to_d < (1 - from_b) * t_bc + t(net, 3, 6, 5, 4)
    assert m.time_s[i, d] == round(to_d)
    # From the middle of A -> B: on to B, then along B -> C half way.
    f_ab = tiny_points[0].fraction
    assert m.time_s[a, i] == round((1 - f_ab) * t(net, 1, 2) + from_b * t_bc)


def test_matrix_shape_types_and_index(
    tiny_network: RoadNetwork, tiny_points: list[SnappedPoint]
) -> None:
    m = travel_matrix(tiny_network, tiny_points)
    assert isinstance(m, TravelMatrix)
    assert m.ids == tuple(p.point_id for p in tiny_points)
    assert m.time_s.dtype == np.int64 and m.distance_m.dtype == np.int64
    assert m.time_s.shape == (5, 5)
    assert np.all(np.diag(m.time_s) == 0) and np.all(np.diag(m.distance_m) == 0)
    assert np.all(m.time_s[~np.eye(5, dtype=bool)] > 0)
    assert m.index("at-d") == 4
    with pytest.raises(KeyError, match="nope"):
        m.index("nope")
    with pytest.raises(ValueError, match="not unique"):
        travel_matrix(tiny_network, [tiny_points[0], tiny_points[0]])
    empty = travel_matrix(tiny_network, [])
    assert empty.ids == () and empty.time_s.shape == (0, 0)


def test_samso_matrix_is_consistent_with_straight_distance(samso_network: RoadNetwork) -> None:
    net = samso_network
    rng = np.random.default_rng(5)
    raw = [(f"p{i}", float(la), float(lo)) for i, (la, lo) in enumerate(
        zip(rng.uniform(55.80, 55.95, 60), rng.uniform(10.56, 10.64, 60), strict=True))]
    points = snap_points(net, raw, max_distance_m=5000)
    m = travel_matrix(net, points)
    max_speed_ms = float(np.max(net.edge_length_m / net.edge_travel_s))
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            straight = great_circle_m(a.snapped_lat, a.snapped_lon, b.snapped_lat, b.snapped_lon)
            # Rounded to whole seconds/metres; UTM vs great-circle differ by < 0.1 %.
            assert m.time_s[i, j] >= straight / max_speed_ms - 1, (a.point_id, b.point_id)
            assert m.distance_m[i, j] >= straight * 0.999 - 1
            # Not absurdly long either: nothing on Samsø is more than an hour's drive apart.
            assert m.time_s[i, j] < 3600
    # Triangle inequality on the fastest times (rounding to whole seconds aside).
    t3 = m.time_s[:, :, None] + m.time_s[None, :, :]
    assert np.all(m.time_s[:, None, :] <= t3 + 2)


def test_samso_south_to_north(samso_network: RoadNetwork) -> None:
    # SOURCE.md: driving from the south tip to the north tip takes about 26 min over 28 km.
    south, north = snap_points(
        samso_network, [("kolby-kaas", 55.7957853, 10.5310766), ("nordby", 55.9535789,
                                                                  10.5587464)]
    )
    m = travel_matrix(samso_network, [south, north])
    assert 18 * 60 <= m.time_s[0, 1] <= 32 * 60
    assert 20_000 <= m.distance_m[0, 1] <= 30_000


# --------------------------------------------------------------------------------------------
# Paths


def test_path_coordinates_tiny(tiny_network: RoadNetwork, tiny_points: list[SnappedPoint]) -> None:
    net = tiny_network
    a, d = tiny_points[0], tiny_points[4]
    coords = path_coordinates(net, a, d)
    assert coords[0] == pytest.approx((a.snapped_lon, a.snapped_lat), abs=1e-6)
    assert coords[-1] == pytest.approx((d.snapped_lon, d.snapped_lat), abs=1e-6)
    # On to B, then E, then D.
    for osm in (2, 5, 4):
        i = node(net, osm)
        assert (net.node_lon[i], net.node_lat[i]) in coords
    assert (net.node_lon[node(net, 1)], net.node_lat[node(net, 1)]) not in coords
    # Same-edge points: a straight piece of the street.
    q1, q3 = tiny_points[1], tiny_points[2]
    piece = path_coordinates(net, q1, q3)
    assert [lat for _, lat in piece] == pytest.approx([55.9] * len(piece))
    assert piece[0][0] == pytest.approx(10.604, abs=1e-5)
    assert piece[-1][0] == pytest.approx(10.612, abs=1e-5)
    assert (10.608, 55.9) in piece  # passes the interstitial vertex X
    assert len(path_coordinates(net, a, a)) == 1


def test_path_coordinates_match_matrix_distance(samso_network: RoadNetwork) -> None:
    net = samso_network
    points = snap_points(net, [
        ("tranebjerg", 55.8302655, 10.5960745),
        ("nordby", 55.9535789, 10.5587464),
        ("ballen", 55.8157777, 10.6374720),
    ])
    m = travel_matrix(net, points)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            if i == j:
                continue
            coords = path_coordinates(net, a, b)
            along = sum(great_circle_m(la1, lo1, la2, lo2)
                        for (lo1, la1), (lo2, la2) in itertools.pairwise(coords))
            assert along == pytest.approx(m.distance_m[i, j], rel=0.01, abs=2)


# --------------------------------------------------------------------------------------------
# Benchmark


def test_bench_matrix(tiny_network: RoadNetwork) -> None:
    result = bench_matrix(tiny_network, n=20, seed=1)
    assert result["n"] == 20
    assert result["networkx_sources_timed"] == 20 and result["networkx_extrapolated"] == 0
    assert result["scipy_s"] > 0 and result["networkx_s"] > 0
    assert result["speedup"] == pytest.approx(result["networkx_s"] / result["scipy_s"])
