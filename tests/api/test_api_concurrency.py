"""Real concurrency: many clients against uvicorn on a random local port."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from apitest_data import tiny_scenario
from conftest import LiveServer

from api.db import models as m
from api.db.database import Database
from api.db.types import utcnow

N_RIDERS = 200


def add_riders(database: Database, n: int) -> list[str]:
    scenario = tiny_scenario()
    now = utcnow()
    ids = [f"P{i:03d}" for i in range(n)]
    with database.unit_of_work() as db:
        for c in scenario.centres:
            db.add(m.Centre(centre_id=c.centre_id, name=c.name, lat=c.lat, lon=c.lon,
                            address=c.address, created_at=now, updated_at=now))
        db.flush()
        db.add(m.Session(session_id="C1-mon", centre_id="C1", weekday="mon", start_s=32400,
                         end_s=43200))
        db.flush()
        for i, rider_id in enumerate(ids):
            db.add(m.Rider(rider_id=rider_id, centre_id="C1", name=f"Rider {i}",
                           lat=55.83 + i * 1e-5, lon=10.59, address="", session_ids=["C1-mon"],
                           notes="", created_at=now, updated_at=now))
    return ids


def test_200_concurrent_absences_lose_none(live_server: LiveServer, database: Database,
                                           coordinator: dict[str, str]) -> None:
    ids = add_riders(database, N_RIDERS)

    def register(rider_id: str) -> int:
        with httpx.Client(base_url=live_server.url, headers=coordinator, timeout=60) as client:
            r = client.post("/api/v1/absences", json={
                "rider_id": rider_id, "start": "2026-03-02", "end": "2026-03-06",
                "reason": "Ferie"})
            return r.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(register, ids))
    assert statuses == [201] * N_RIDERS
    with httpx.Client(base_url=live_server.url, headers=coordinator) as client:
        stored = client.get("/api/v1/absences?limit=1000").json()
        audit = client.get("/api/v1/audit?entity=absence&limit=1000").json()
    assert sorted(a["rider_id"] for a in stored) == ids
    assert len(audit) == N_RIDERS


def test_concurrent_duplicates_store_one_afbud(live_server: LiveServer, database: Database,
                                               coordinator: dict[str, str]) -> None:
    add_riders(database, 1)
    body = {"rider_id": "P000", "start": "2026-03-02", "reason": "Syg"}

    def register(_: int) -> tuple[int, int]:
        with httpx.Client(base_url=live_server.url, headers=coordinator, timeout=60) as client:
            r = client.post("/api/v1/absences", json=body)
            return r.status_code, r.json()["absence_id"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(register, range(40)))
    assert sorted(s for s, _ in results) == [200] * 39 + [201]
    assert len({a for _, a in results}) == 1
