"""Fixtures of the API tests: every storage/API test runs on SQLite and on PostgreSQL.

The backend fixture is parametrised: ``sqlite`` (a temporary file) always, ``postgres`` (marked
``postgres``) when ``SAMKORSEL_TEST_POSTGRES_URL`` names a server, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; each test session creates a uniquely
named database there, migrates it once and drops it at the end. Tables are emptied before every
test.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package for its test client and warns when it finds httpx;
    # the client works the same with either.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient
from apitest_data import tiny_scenario
from apitest_support import LiveServer, add_user, auth, empty_tables, load_tiny, publish_plan

from api.db.database import Database, upgrade_database
from api.db.scratch import scratch_database
from api.main import create_app
from api.settings import Settings

POSTGRES_ENV = "SAMKORSEL_TEST_POSTGRES_URL"

BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database of the backend under test (one per test session)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "samkorsel.db"
        url = f"sqlite+pysqlite:///{path}"
        upgrade_database(url)
        yield url
        return
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with scratch_database(admin_url, "samkorsel_test") as url:
        upgrade_database(url)
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, auto_migrate=False, plan_time_limit_s=1.0)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    empty_tables(db)
    yield db
    db.dispose()


@pytest.fixture
def app(settings: Settings, database: Database) -> Any:
    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def coordinator(database: Database) -> dict[str, str]:
    return auth(add_user(database, "coordinator", name="Koordinator"))


@pytest.fixture
def tiny(client: TestClient, coordinator: dict[str, str]) -> TestClient:
    """A client on a database holding the tiny scenario."""
    load_tiny(client, coordinator)
    return client


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def network() -> Any:
    """The bundled Samsø road network (from the shared cache)."""
    from routing.network.roads import default_cache_dir, default_network_path, load_network

    return load_network(default_network_path(), cache_dir=default_cache_dir())


@pytest.fixture
def published(tiny: TestClient, database: Database, network: Any) -> TestClient:
    """The tiny scenario with its hand-made weekly plan published."""
    from apitest_data import tiny_plan

    publish_plan(database, tiny_plan(tiny_scenario(), network))
    return tiny
