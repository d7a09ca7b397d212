"""Shared test fixtures: road networks.

``samso_network`` loads the bundled Samsø extract through the on-disk cache in ``data/cache/``:
the first run prepares it (about 10 s), later runs load it in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.network.roads import RoadNetwork, default_cache_dir, default_network_path, load_network

TEST_DATA = Path(__file__).parent / "data"
TINY_OSM = TEST_DATA / "tiny.osm"


@pytest.fixture(scope="session")
def samso_network() -> RoadNetwork:
    """The bundled Samsø car road network (cached in ``data/cache/``)."""
    return load_network(default_network_path(), cache_dir=default_cache_dir())


@pytest.fixture(scope="session")
def tiny_network(tmp_path_factory: pytest.TempPathFactory) -> RoadNetwork:
    """The hand-made 9-node network of ``tests/data/tiny.osm`` (see the comment in that file)."""
    return load_network(TINY_OSM, cache_dir=tmp_path_factory.mktemp("tiny-cache"))
