"""Loading and preparing road networks (tiny hand-made network and the bundled Samsø extract)."""

from __future__ import annotations

import bz2
import gzip
import itertools
import math
import shutil
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

import routing.network.roads as network_module
from routing.errors import NetworkError
from routing.network.roads import (
    RoadNetwork,
    bench_network_load,
    default_cache_dir,
    default_network_path,
    load_network,
    load_network_from_place,
    network_digest,
)
from routing.network.tags import car_allowed, parse_maxspeed
from routing.params import NetworkParams

TINY_OSM = Path(__file__).parents[1] / "data" / "tiny.osm"

# Node coordinates of tests/data/tiny.osm (OSM id -> (lat, lon)).
TINY_NODES = {
    1: (55.900, 10.600), 2: (55.900, 10.616), 3: (55.900, 10.632), 4: (55.891, 10.600),
    5: (55.891, 10.616), 6: (55.891, 10.632), 7: (55.900, 10.608), 10: (55.891, 10.590),
    11: (55.900, 10.642), 12: (55.891, 10.642),
}
# Expected speed (km/h) of each road of tiny.osm, by OSM node ids; see the comment in the file.
TINY_SPEEDS = {
    (1, 2): 40.0,  # residential in the residential area: urban default; one-way A -> B
    (2, 3): 80.0, (1, 4): 60.0, (4, 5): 70.0, (5, 6): 50.0, (2, 5): 30.0, (3, 6): 60.0,
    (10, 4): 60.0, (3, 11): 70.0, (6, 12): 15.0,
}


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance as osmnx computes edge lengths (earth radius 6,371,009 m)."""
    y1, y2 = math.radians(lat1), math.radians(lat2)
    dy, dx = y2 - y1, math.radians(lon2 - lon1)
    h = math.sin(dy / 2) ** 2 + math.cos(y1) * math.cos(y2) * math.sin(dx / 2) ** 2
    return 2 * math.asin(math.sqrt(min(1.0, h))) * 6_371_009


def road_length_m(*osm_ids: int) -> float:
    return sum(
        great_circle_m(*TINY_NODES[a], *TINY_NODES[b])
        for a, b in itertools.pairwise(osm_ids)
    )


def edges_by_osm(net: RoadNetwork) -> dict[tuple[int, int], list[int]]:
    out: dict[tuple[int, int], list[int]] = {}
    for i in range(net.n_edges):
        key = (int(net.node_osmid[net.edge_u[i]]), int(net.node_osmid[net.edge_v[i]]))
        out.setdefault(key, []).append(i)
    return out


def assert_same_arrays(a: RoadNetwork, b: RoadNetwork) -> None:
    for name in network_module._ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# --------------------------------------------------------------------------------------------
# Tags


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50.0),
        (" 80 ", 80.0),
        ("DK:urban", 50.0),
        ("DK:rural", 80.0),
        ("dk:motorway", 130.0),
        ("30 mph", 30 * 1.609344),
        ("50 km/h", 50.0),
        ("60;80", 60.0),
        (["80", "50"], 50.0),
        ("DK:zone30", 30.0),
        ("walk", 5.0),
        ("none", None),
        ("signals", None),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("0", None),
    ],
)
def test_parse_maxspeed(value: object, kph: float | None) -> None:
    assert parse_maxspeed(value) == (pytest.approx(kph) if kph is not None else None)


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "service"}, True),
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "service", "service": "driveway"}, False),
        ({"highway": "footway"}, False),
        ({"highway": "track"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "residential", "area": "yes"}, False),
        ({"highway": "tertiary", "access": "private"}, False),
        ({"highway": "tertiary", "access": "agricultural;forestry"}, False),
        ({"highway": "tertiary", "access": "destination"}, True),
        ({"highway": "tertiary", "access": "no", "motor_vehicle": "yes"}, True),
        ({"highway": "tertiary", "motor_vehicle": "no"}, False),
        ({"highway": "tertiary", "motor_vehicle": "yes", "motorcar": "no"}, False),
        ({"highway": ["residential", "unclassified"]}, True),
        ({"highway": ["residential", "footway"]}, False),
        ({}, False),
    ],
)
def test_car_allowed(tags: dict[str, object], allowed: bool) -> None:
    assert car_allowed(tags) is allowed


# --------------------------------------------------------------------------------------------
# Tiny network


def test_tiny_keeps_car_roads_of_the_strongly_connected_component(
    tiny_network: RoadNetwork,
) -> None:
    net = tiny_network
    # X (7) is interstitial once the private road is gone; P (8) is a one-way dead end.
    assert net.node_osmid.tolist() == [1, 2, 3, 4, 5, 6, 10, 11, 12]
    edges = edges_by_osm(net)
    expected = {(1, 2)} | {k for k in TINY_SPEEDS if k != (1, 2)}
    expected |= {(b, a) for a, b in expected if (a, b) != (1, 2)}
    assert set(edges) == expected
    assert all(len(v) == 1 for v in edges.values())
    assert net.n_edges == 19 and net.n_nodes == 9
    assert (2, 1) not in edges  # oneway=-1 on a way drawn B -> A: drive A -> B only
    assert (1, 6) not in edges and (6, 1) not in edges  # footway
    assert (2, 4) not in edges  # parking aisle
    assert net.source == str(TINY_OSM)
    assert len(net.digest) == 64


def test_tiny_lengths_speeds_and_geometry(tiny_network: RoadNetwork) -> None:
    net = tiny_network
    edges = edges_by_osm(net)
    for (a, b), kph in TINY_SPEEDS.items():
        for u, v in ((a, b), (b, a)) if (a, b) != (1, 2) else ((a, b),):
            (i,) = edges[(u, v)]
            via = (1, 7, 2) if (u, v) == (1, 2) else (u, v)
            assert net.edge_length_m[i] == pytest.approx(road_length_m(*via), rel=1e-12)
            assert net.edge_travel_s[i] == pytest.approx(
                net.edge_length_m[i] / (kph / 3.6), rel=1e-12
            ), (u, v)
            lat, lon = net.edge_polyline(i)
            assert list(zip(lat, lon, strict=True)) == [TINY_NODES[n] for n in via]
    # The merged A -> X -> B edge keeps X in its polyline.
    (ab,) = edges[(1, 2)]
    assert net.edge_polyline(ab)[1].tolist() == [10.600, 10.608, 10.616]


def test_tiny_reverse_twins(tiny_network: RoadNetwork) -> None:
    net = tiny_network
    twin = net.reverse_edge
    edges = edges_by_osm(net)
    assert twin[edges[(1, 2)][0]] == -1
    for (u, v), (i,) in edges.items():
        if (u, v) != (1, 2):
            assert twin[i] == edges[(v, u)][0]
            assert twin[twin[i]] == i


def test_to_networkx(tiny_network: RoadNetwork) -> None:
    g = tiny_network.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert sorted(g.nodes) == list(range(9))
    assert g.number_of_edges() == 19
    assert nx.is_strongly_connected(g)
    for u, v, k, data in g.edges(keys=True, data=True):
        assert (u, v) == (tiny_network.edge_u[k], tiny_network.edge_v[k])
        assert type(data["travel_s"]) is float and type(data["length_m"]) is float
        assert data["travel_s"] == tiny_network.edge_travel_s[k]
    assert g.nodes[0]["osmid"] == 1 and g.nodes[0]["lat"] == 55.9


def test_without_landuse_the_rural_default_applies(tmp_path: Path) -> None:
    text = TINY_OSM.read_text(encoding="utf-8").replace('v="residential"/>\n  </way>\n</osm>',
                                                         'v="meadow"/>\n  </way>\n</osm>')
    assert 'v="meadow"' in text
    plain = tmp_path / "tiny_rural.osm"
    plain.write_text(text, encoding="utf-8")
    net = load_network(plain)
    (ab,) = edges_by_osm(net)[(1, 2)]
    assert net.edge_travel_s[ab] == pytest.approx(net.edge_length_m[ab] / (50 / 3.6))


def test_params_change_default_speeds(tmp_path: Path) -> None:
    urban = dict(NetworkParams().speeds_urban_kph, residential=20.0)
    net = load_network(TINY_OSM, NetworkParams(speeds_urban_kph=urban))
    (ab,) = edges_by_osm(net)[(1, 2)]
    assert net.edge_travel_s[ab] == pytest.approx(net.edge_length_m[ab] / (20 / 3.6))


# --------------------------------------------------------------------------------------------
# Files, digests and the cache


@pytest.mark.parametrize("suffix", [".osm.bz2", ".osm.gz"])
def test_compressed_file_gives_the_same_network(
    tiny_network: RoadNetwork, tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"tiny{suffix}"
    opener = bz2.open if suffix.endswith("bz2") else gzip.open
    with TINY_OSM.open("rb") as src, opener(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    net = load_network(target)
    assert_same_arrays(net, tiny_network)
    assert net.source == str(target)
    assert net.digest != tiny_network.digest  # digest covers the file bytes as given


def test_digest_covers_file_and_params(tmp_path: Path) -> None:
    params = NetworkParams()
    d1 = network_digest(TINY_OSM, params)
    assert d1 == network_digest(TINY_OSM, NetworkParams())
    assert d1 != network_digest(TINY_OSM, NetworkParams(fallback_kph=40.0))
    copy = tmp_path / "tiny.osm"
    copy.write_bytes(TINY_OSM.read_bytes() + b"\n")
    assert d1 != network_digest(copy, params)
    # snap_max_m does not shape the network
    assert d1 == network_digest(TINY_OSM, NetworkParams(snap_max_m=100.0))


def test_cache_is_written_and_reused(
    tiny_network: RoadNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_network(TINY_OSM, cache_dir=tmp_path / "cache")
    files = list((tmp_path / "cache").glob("*.npz"))
    assert len(files) == 1
    assert first.digest[:32] in files[0].name

    def no_build(*args: object) -> RoadNetwork:
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(network_module, "_build_from_xml", no_build)
    second = load_network(TINY_OSM, cache_dir=tmp_path / "cache")
    assert_same_arrays(first, second)
    assert_same_arrays(first, tiny_network)
    assert second.digest == first.digest and second.source == first.source


def test_corrupt_cache_is_rebuilt(tiny_network: RoadNetwork, tmp_path: Path) -> None:
    load_network(TINY_OSM, cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("*.npz")
    cache_file.write_bytes(b"not a zip file")
    net = load_network(TINY_OSM, cache_dir=tmp_path)
    assert_same_arrays(net, tiny_network)
    assert cache_file.read_bytes()[:2] == b"PK"  # rewritten


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match=r"nope\.osm"):
        load_network(tmp_path / "nope.osm")


def test_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "tiny_bad.osm"
    bad.write_text("<osm><node id='1' lat='55.9' lon='10.6'></osm>", encoding="utf-8")
    with pytest.raises(NetworkError, match=r"tiny_bad\.osm"):
        load_network(bad)


def test_file_without_car_roads(tmp_path: Path) -> None:
    text = TINY_OSM.read_text(encoding="utf-8")
    for cls in ("residential", "tertiary", "unclassified", "primary", "service", "living_street"):
        text = text.replace(f'k="highway" v="{cls}"', 'k="highway" v="footway"')
    walk = tmp_path / "tiny_walk.osm"
    walk.write_text(text, encoding="utf-8")
    with pytest.raises(NetworkError, match="no car roads"):
        load_network(walk)


def test_uncached_place_is_an_error_offline(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match="not cached"):
        load_network("place:Samsø Kommune, Denmark", cache_dir=tmp_path)


def _offline_place(monkeypatch: pytest.MonkeyPatch, osm_file: Path) -> list[str]:
    """Let osmnx's download by place name answer with ``osm_file``'s data (what Overpass would
    send for that area) and no land use; return the places asked for."""
    asked: list[str] = []

    def graph_from_place(place: str, **kwargs: Any) -> Any:
        asked.append(place)
        assert kwargs["network_type"] == "drive" and kwargs["simplify"] is False
        return ox.graph_from_xml(osm_file, simplify=False, retain_all=True)

    def features_from_place(place: str, tags: dict[str, Any]) -> Any:
        raise ox._errors.InsufficientResponseError("no land use in this area")

    monkeypatch.setattr(ox, "graph_from_place", graph_from_place)
    monkeypatch.setattr(ox, "features_from_place", features_from_place)
    return asked


def test_place_is_prepared_like_a_file_and_cached(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    # Without land use both are rural: the place's network equals the file's.
    text = TINY_OSM.read_text(encoding="utf-8").replace('v="residential"/>\n  </way>\n</osm>',
                                                         'v="meadow"/>\n  </way>\n</osm>')
    rural = tmp_path / "tiny_rural.osm"
    rural.write_text(text, encoding="utf-8")
    asked = _offline_place(monkeypatch, rural)
    net = load_network_from_place("Tiny, Nowhere", cache_dir=tmp_path / "cache")
    assert asked == ["Tiny, Nowhere"] and net.source == "place:Tiny, Nowhere"
    assert_same_arrays(net, load_network(rural))
    # Later loads by name come from the cache, without asking again.
    again = load_network("place:Tiny, Nowhere", cache_dir=tmp_path / "cache")
    assert asked == ["Tiny, Nowhere"]
    assert_same_arrays(again, net)


def test_place_that_cannot_be_fetched_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    def graph_from_place(place: str, **kwargs: Any) -> Any:
        raise ValueError(f"Nominatim could not geocode query {place!r}")

    monkeypatch.setattr(ox, "graph_from_place", graph_from_place)
    with pytest.raises(NetworkError, match=r"cannot fetch road network of place 'Atlantis'.*"
                                           r"could not geocode"):
        load_network_from_place("Atlantis", cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing cached


def test_bench_network_load(tmp_path: Path) -> None:
    result = bench_network_load(TINY_OSM, None, tmp_path)
    assert set(result) == {"cold_s", "warm_s", "n_nodes", "n_edges"}
    assert result["n_nodes"] == 9 and result["n_edges"] == 19
    assert result["cold_s"] > 0 and result["warm_s"] > 0


def test_default_paths() -> None:
    assert default_network_path().is_file()
    assert default_network_path().name == "samsoe-2020-03-09.osm.bz2"
    assert default_cache_dir().parent == default_network_path().parents[1]


# --------------------------------------------------------------------------------------------
# Samsø


def test_samso_network(samso_network: RoadNetwork) -> None:
    net = samso_network
    # SOURCE.md: simplified strongly connected car network of ~981 nodes / 2,284 edges
    assert 900 <= net.n_nodes <= 1100
    assert 2100 <= net.n_edges <= 2500
    assert net.node_osmid.dtype == np.int64 and net.edge_u.dtype == np.int64
    assert net.edge_geom_offsets.dtype == np.int64
    assert len(np.unique(net.node_osmid)) == net.n_nodes
    assert np.all(net.edge_length_m > 0) and np.all(net.edge_travel_s > 0)
    speed_kph = net.edge_length_m / net.edge_travel_s * 3.6
    assert speed_kph.min() >= 15 - 1e-9 and speed_kph.max() <= 80 + 1e-9
    # Within the island's bounds (SOURCE.md), not on ferry routes.
    assert net.node_lat.min() >= 55.748 and net.node_lat.max() <= 56.012
    assert net.node_lon.min() >= 10.484 and net.node_lon.max() <= 10.735
    # Polylines start and end at their nodes.
    off = net.edge_geom_offsets
    assert np.all(np.diff(off) >= 2)
    np.testing.assert_array_equal(net.geom_lat[off[:-1]], net.node_lat[net.edge_u])
    np.testing.assert_array_equal(net.geom_lon[off[1:] - 1], net.node_lon[net.edge_v])
    assert nx.is_strongly_connected(net.to_networkx())
    # Almost every road is two-way.
    assert (net.reverse_edge >= 0).mean() > 0.95


def test_samso_cache_round_trip(samso_network: RoadNetwork) -> None:
    again = load_network(default_network_path(), cache_dir=default_cache_dir())
    assert again.digest == samso_network.digest
    assert_same_arrays(again, samso_network)


@pytest.mark.network
def test_load_network_from_place(tmp_path: Path) -> None:
    net = load_network_from_place("Samsø Kommune, Denmark", cache_dir=tmp_path)
    assert net.source == "place:Samsø Kommune, Denmark"
    assert net.n_nodes > 500
    assert nx.is_strongly_connected(net.to_networkx())
    cached = load_network("place:Samsø Kommune, Denmark", cache_dir=tmp_path)
    assert_same_arrays(cached, net)
