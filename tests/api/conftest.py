"""Fixtures of the API tests: every storage/API test runs on SQLite and on PostgreSQL.

The backend fixture is parametrised: ``sqlite`` (a temporary file) always, ``postgres`` (marked
``postgres``) when ``SAMKORSEL_TEST_POSTGRES_URL`` names a server, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; each test session creates a uniquely
named database there, migrates it once and drops it at the end. Tables are emptied before every
test.
"""

from __future__ import annotations

import os
import uuid
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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.auth import hash_token, new_token
from api.db import repo
from api.db.database import Database, upgrade_database
from api.db.models import Base
from api.main import create_app
from api.settings import Settings

POSTGRES_ENV = "SAMKORSEL_TEST_POSTGRES_URL"

BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def _create_postgres_database(admin_url: str) -> str:
    url = make_url(admin_url)
    name = f"samkorsel_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(admin_url: str, test_url: str) -> None:
    name = make_url(test_url).database
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


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
    url = _create_postgres_database(admin_url)
    try:
        upgrade_database(url)
        yield url
    finally:
        _drop_postgres_database(admin_url, url)


def empty_tables(database: Database) -> None:
    with database.unit_of_work() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, auto_migrate=False, plan_time_limit_s=1.0)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    empty_tables(db)
    yield db
    db.dispose()


def add_user(database: Database, role: str, *, name: str = "Test", centre_ids: list[str] | None
             = None, vehicle_id: str | None = None) -> str:
    """Create a user directly in the database; return its API key."""
    token = new_token()
    with database.unit_of_work() as session:
        repo.add_user(session, name=name, role=role, token_hash=hash_token(token),
                      centre_ids=centre_ids or [], vehicle_id=vehicle_id)
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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


def load_tiny(client: TestClient, headers: dict[str, str]) -> None:
    """Create the tiny scenario's centres, sessions, riders and vehicles through the API."""
    scenario = tiny_scenario()
    for c in scenario.centres:
        r = client.post("/api/v1/centres", headers=headers, json={
            "centre_id": c.centre_id, "name": c.name, "lat": c.lat, "lon": c.lon,
            "address": c.address})
        assert r.status_code == 201, r.text
    for s in scenario.sessions:
        r = client.post(f"/api/v1/centres/{s.centre_id}/sessions", headers=headers, json={
            "session_id": s.session_id, "weekday": s.weekday,
            "start": f"{s.start_s // 3600:02d}:{s.start_s % 3600 // 60:02d}",
            "end": f"{s.end_s // 3600:02d}:{s.end_s % 3600 // 60:02d}"})
        assert r.status_code == 201, r.text
    for rider in scenario.riders:
        r = client.post("/api/v1/riders", headers=headers, json={
            "rider_id": rider.rider_id, "name": rider.name, "centre_id": rider.centre_id,
            "lat": rider.lat, "lon": rider.lon, "address": rider.address,
            "session_ids": list(rider.session_ids), "wheelchair": rider.wheelchair,
            "escort": rider.escort, "notes": rider.notes})
        assert r.status_code == 201, r.text
    for v in scenario.vehicles:
        r = client.post("/api/v1/vehicles", headers=headers, json={
            "vehicle_id": v.vehicle_id, "kind": v.kind, "depot_lat": v.depot_lat,
            "depot_lon": v.depot_lon, "seats": v.seats,
            "wheelchair_places": v.wheelchair_places, "fixed_cost_ore": v.fixed_cost_ore,
            "cost_per_km_ore": v.cost_per_km_ore, "cost_per_hour_ore": v.cost_per_hour_ore,
            "available_from": "06:00", "available_to": "18:00"})
        assert r.status_code == 201, r.text


@pytest.fixture
def tiny(client: TestClient, coordinator: dict[str, str]) -> TestClient:
    """A client on a database holding the tiny scenario."""
    load_tiny(client, coordinator)
    return client


class LiveServer:
    """The app served by uvicorn on 127.0.0.1 (random port) in a background thread."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def network() -> Any:
    """The bundled Samsø road network (from the shared cache)."""
    from routing.network import default_cache_dir, default_network_path, load_network

    return load_network(default_network_path(), cache_dir=default_cache_dir())


def publish_plan(database: Database, plan: Any) -> int:
    """Store ``plan`` as a finished, published plan; return its id."""
    from api.db.models import PlanRecord
    from api.db.repo_plans import plan_summary
    from api.db.types import utcnow
    from routing.plan_io import plan_to_dict

    now = utcnow()
    document = plan_to_dict(plan)
    with database.unit_of_work() as session:
        row = PlanRecord(name="hand-made", status="done", progress={"stage": "done"},
                         params=plan.params, document=document, summary=plan_summary(document),
                         violations=[], attempts=1, created_at=now, finished_at=now, published=True,
                         published_at=now)
        session.add(row)
        session.flush()
        return int(row.plan_id)


@pytest.fixture
def published(tiny: TestClient, database: Database, network: Any) -> TestClient:
    """The tiny scenario with its hand-made weekly plan published."""
    from apitest_data import tiny_plan

    publish_plan(database, tiny_plan(tiny_scenario(), network))
    return tiny
