"""Helpers of the API tests (imported by name: a module called ``conftest`` is ambiguous when
several test folders have one)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from apitest_data import tiny_scenario

from api.auth import hash_token, new_token
from api.db import repo
from api.db.database import Database
from api.db.models import Base

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def empty_tables(database: Database) -> None:
    with database.unit_of_work() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


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


def publish_plan(database: Database, plan: Any) -> int:
    """Store ``plan`` as a finished, published plan; return its id."""
    from api.db.models import PlanRecord
    from api.db.repo_plans import plan_summary
    from api.db.types import utcnow
    from routing.params import plan_params_to_stored
    from routing.planning.plan_io import plan_to_dict

    now = utcnow()
    document = plan_to_dict(plan)
    with database.unit_of_work() as session:
        row = PlanRecord(name="hand-made", status="done", progress={"stage": "done"},
                         params=plan_params_to_stored(plan.params), document=document,
                         summary=plan_summary(document),
                         violations=[], attempts=1, created_at=now, finished_at=now, published=True,
                         published_at=now)
        session.add(row)
        session.flush()
        return int(row.plan_id)


def wait_for(client: TestClient, headers: dict[str, str], plan_id: int,
             timeout_s: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status = client.get(f"/api/v1/plans/{plan_id}/status", headers=headers).json()
        if status["status"] in ("done", "failed"):
            return dict(status)
        assert time.monotonic() < deadline, f"plan {plan_id} still {status['status']}"
        time.sleep(0.1)
