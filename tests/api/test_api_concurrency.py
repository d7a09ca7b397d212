"""Real concurrency: many clients at once against uvicorn on a random local port."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
from apitest_data import tiny_scenario
from apitest_support import LiveServer

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


def post_all(url: str, headers: dict[str, str], bodies: list[dict[str, str]]
             ) -> list[httpx.Response]:
    """POST every body to ``url`` at the same time, each on its own connection."""
    # httpcore looks for the optional sniffio package on every request; a failed import each
    # time would make the client, not the server, the bottleneck.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
        async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as client:
            return list(await asyncio.gather(*(client.post(url, json=b) for b in bodies)))

    # In a thread of its own: another test in this process (Playwright's sync API) may have an
    # event loop running in the main thread, where asyncio.run() is refused.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_200_concurrent_absences_lose_none(live_server: LiveServer, database: Database,
                                           coordinator: dict[str, str]) -> None:
    ids = add_riders(database, N_RIDERS)
    bodies = [{"rider_id": rider_id, "start": "2026-03-02", "end": "2026-03-06",
               "reason": "Ferie"} for rider_id in ids]
    responses = post_all(f"{live_server.url}/api/v1/absences", coordinator, bodies)
    assert [r.status_code for r in responses] == [201] * N_RIDERS
    with httpx.Client(base_url=live_server.url, headers=coordinator) as client:
        stored = client.get("/api/v1/absences?limit=1000").json()
        audit = client.get("/api/v1/audit?entity=absence&limit=1000").json()
    assert sorted(a["rider_id"] for a in stored) == ids
    assert len(audit) == N_RIDERS


def test_concurrent_duplicates_store_one_afbud(live_server: LiveServer, database: Database,
                                               coordinator: dict[str, str]) -> None:
    add_riders(database, 1)
    body = {"rider_id": "P000", "start": "2026-03-02", "reason": "Syg"}
    responses = post_all(f"{live_server.url}/api/v1/absences", coordinator, [body] * 40)
    assert sorted(r.status_code for r in responses) == [200] * 39 + [201]
    assert len({r.json()["absence_id"] for r in responses}) == 1
