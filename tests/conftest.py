"""Shared test fixtures: road networks and the demo scenario, its parameters and travel matrix.

``samso_network`` loads the bundled Samsø extract through the on-disk cache in ``data/cache/``:
the first run prepares it (about 10 s), later runs load it in well under a second. The demo
fixtures are session-scoped: scenarios, parameters and matrices are immutable, so every module
shares one copy instead of loading and snapping its own.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_subsets import DEMO, first_riders

from routing.model import Scenario
from routing.network.matrix import TravelMatrix
from routing.network.roads import RoadNetwork, default_cache_dir, default_network_path, load_network
from routing.params import PlanParams
from routing.planning.planner import place_matrix
from routing.scenario.reader import load_scenario

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


@pytest.fixture(scope="session")
def demo() -> Scenario:
    """The demo scenario of ``data/demo`` (Samsø)."""
    return load_scenario(DEMO)


@pytest.fixture(scope="session")
def demo_params(demo: Scenario) -> PlanParams:
    """The demo's plan parameters (its ``scenario.toml``)."""
    assert isinstance(demo.plan_params, PlanParams)
    return demo.plan_params


@pytest.fixture(scope="session")
def demo_matrix(demo: Scenario, samso_network: RoadNetwork,
                demo_params: PlanParams) -> TravelMatrix:
    """Travel times and distances between all places of the demo."""
    return place_matrix(demo, samso_network, demo_params)


@pytest.fixture(scope="session")
def two_days(demo: Scenario) -> Scenario:
    """The first 14 demo riders attending Monday and Tuesday, planned with a small budget."""
    return first_riders(demo, 14)


@pytest.fixture(autouse=True)
def _postgres_turn(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests on the shared PostgreSQL server hold a shared lock while they run; the test that
    restarts the server (``postgres_restart``) holds it alone, so that no test in another xdist
    worker (or another suite on this machine) meets the server down."""
    if request.node.get_closest_marker("postgres") is None:
        yield
        return
    exclusive = request.node.get_closest_marker("postgres_restart") is not None
    with open(Path(tempfile.gettempdir()) / "samkorsel-postgres-tests.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
