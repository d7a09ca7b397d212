"""The road network as a small GeoJSON base layer (offline maps)."""

from __future__ import annotations

import json

from maps.basemap import road_geojson
from routing.network.roads import RoadNetwork


def test_samso_roads_are_small_and_cover_the_network(samso_network: RoadNetwork) -> None:
    fc = road_geojson(samso_network)
    assert fc["type"] == "FeatureCollection"
    assert fc["attribution"] == "© OpenStreetMap contributors"
    assert len(json.dumps(fc, separators=(",", ":"))) < 120_000
    lons = [p[0] for f in fc["features"] for line in f["geometry"]["coordinates"] for p in line]
    lats = [p[1] for f in fc["features"] for line in f["geometry"]["coordinates"] for p in line]
    # The whole island, north to south.
    assert min(lats) < 55.80 and max(lats) > 55.95
    assert min(lons) > 10.5 and max(lons) < 10.7
    assert all(f["geometry"]["type"] == "MultiLineString" for f in fc["features"])


def test_cached_and_filtered_by_speed(samso_network: RoadNetwork) -> None:
    assert road_geojson(samso_network) is road_geojson(samso_network)
    major = road_geojson(samso_network, min_speed_kph=60.0)
    assert [f["properties"]["class"] for f in major["features"]] == ["major"]


def test_tiny_network(tiny_network: RoadNetwork) -> None:
    fc = road_geojson(tiny_network, tolerance_m=0.0)
    n_positions = sum(len(line) for f in fc["features"]
                      for line in f["geometry"]["coordinates"])
    assert n_positions >= 2
    for f in fc["features"]:
        for line in f["geometry"]["coordinates"]:
            assert len(line) >= 2
