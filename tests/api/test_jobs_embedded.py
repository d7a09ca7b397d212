"""The embedded job engine: plan jobs are solved by a worker process the server supervises —
never in the API process — under a lease; cancellation; and ``kill -9`` of the server (no
orphaned solver) and of the worker (the job completes once, by the restarted worker).

The engine is the same on both database backends; the process tests run on SQLite only to keep
the suite short (the Dramatiq tests cover PostgreSQL)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from apitest_support import add_user, auth, wait_for
from fastapi.testclient import TestClient
from jobtest_support import (
    ENDED,
    ServerProcess,
    alive,
    child_env,
    children_of,
    import_demo,
    solving,
    start_plan,
    status,
    wait_until,
)
from test_api_basics import assert_problem

from api.db import models as m
from api.db.database import Database
from api.db.types import utcnow
from api.jobs.leases import owner_pid
from api.main import create_app
from api.settings import Settings

FAST_LEASE = {"job_lease_s": 3, "job_heartbeat_s": 0.5}


@pytest.fixture
def sqlite_only(settings: Settings) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the embedded engine's processes are the same on every backend")


def test_job_is_solved_by_a_niced_worker_process(tiny: TestClient, database: Database,
                                                 coordinator: dict[str, str],
                                                 sqlite_only: None) -> None:
    r = tiny.post("/api/v1/plans", headers=coordinator, json={"time_limit_s": 1.0})
    assert r.status_code == 202, r.text
    plan_id = r.json()["plan_id"]
    done = wait_for(tiny, coordinator, plan_id)
    assert done["status"] == "done", done["error"]
    assert done["attempts"] == 1
    with database.unit_of_work(write=False) as db:
        row = db.get(m.PlanRecord, plan_id)
        assert row is not None and row.lease_owner is not None
        worker = owner_pid(row.lease_owner)
    assert worker is not None and worker != os.getpid()
    runner = tiny.app.state.context.jobs  # type: ignore[attr-defined]
    assert runner.embedded.pids == [worker]
    assert os.getpriority(os.PRIO_PROCESS, worker) >= os.getpriority(os.PRIO_PROCESS, 0) + 10
    tiny.__exit__(None, None, None)  # shutting the app down ends its worker
    wait_until(lambda: not alive(worker), 30, "the worker to end with the app")


def test_cancel_a_queued_job(client: TestClient, database: Database,
                             coordinator: dict[str, str]) -> None:
    with database.unit_of_work() as db:
        row = m.PlanRecord(name="waiting", status="queued", progress={"stage": "queued"},
                           params={}, attempts=0, created_at=utcnow(), published=False)
        db.add(row)
        db.flush()
        plan_id = row.plan_id
    r = client.post(f"/api/v1/plans/{plan_id}/cancel", headers=coordinator)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "cancelled" and r.json()["cancel_requested"] is True
    again = client.post(f"/api/v1/plans/{plan_id}/cancel", headers=coordinator)
    assert again.json()["status"] == "cancelled"
    assert client.get("/api/v1/plans?status=cancelled", headers=coordinator).json()[0][
        "plan_id"] == plan_id
    assert_problem(client.post("/api/v1/plans/999999/cancel", headers=coordinator), 404)
    # An ended job cannot be cancelled; a cancelled one can be deleted.
    with database.unit_of_work() as db:
        done = m.PlanRecord(name="done", status="done", progress={}, params={}, attempts=1,
                            created_at=utcnow(), published=False)
        db.add(done)
        db.flush()
        done_id = done.plan_id
    assert_problem(client.post(f"/api/v1/plans/{done_id}/cancel", headers=coordinator), 409)
    assert client.delete(f"/api/v1/plans/{plan_id}", headers=coordinator).status_code == 204


def test_cancel_a_running_job(database_url: str, database: Database, tmp_path: Path,
                              sqlite_only: None) -> None:
    headers = auth(add_user(database, "coordinator"))
    server = ServerProcess(child_env(database_url, **FAST_LEASE), tmp_path / "server.log")
    try:
        import_demo(server.base, headers)
        plan_id = start_plan(server.base, headers, time_limit_s=60)
        wait_until(lambda: solving(database, plan_id), 120, "the job to be planning")
        asked = time.monotonic()
        r = httpx_post(f"{server.base}/plans/{plan_id}/cancel", headers)
        assert r["status"] == "running" and r["cancel_requested"] is True
        ended = wait_until(lambda: _ended(server.base, headers, plan_id), 60, "cancellation")
        assert ended["status"] == "cancelled", ended
        # It stops at the next wave, long before the 60 s budget is spent.
        assert time.monotonic() - asked < 30
    finally:
        server.stop()


def test_server_killed_leaves_no_solver_then_the_job_completes_after_restart(
        database_url: str, database: Database, tmp_path: Path, sqlite_only: None) -> None:
    headers = auth(add_user(database, "coordinator"))
    env = child_env(database_url, **FAST_LEASE)
    log = tmp_path / "server.log"
    server = ServerProcess(env, log)
    try:
        import_demo(server.base, headers)
        plan_id = start_plan(server.base, headers, time_limit_s=8)
        _, worker = wait_until(lambda: solving(database, plan_id), 120, "the job to start")
        assert worker in children_of(server.process.pid)
        server.kill()
        wait_until(lambda: not alive(worker), 10, "the orphaned solver to die")
    finally:
        server.stop()
    # A new server starts at once (nothing waits for the dead worker's lease); the job is taken
    # up again when the lease has run out.
    started = time.monotonic()
    again = ServerProcess(env, log)
    try:
        assert time.monotonic() - started < 30
        ended = wait_until(lambda: _ended(again.base, headers, plan_id), 180, "the job")
        assert ended["status"] == "done", ended
        assert ended["attempts"] == 2
    finally:
        again.stop()
    assert [c for c in children_of(again.process.pid) if alive(c)] == []


def test_worker_killed_mid_solve_the_job_completes_once(
        database_url: str, database: Database, tmp_path: Path, sqlite_only: None) -> None:
    headers = auth(add_user(database, "coordinator"))
    log = tmp_path / "server.log"
    server = ServerProcess(child_env(database_url, **FAST_LEASE), log)
    try:
        import_demo(server.base, headers)
        plan_id = start_plan(server.base, headers, time_limit_s=8)
        first_owner, worker = wait_until(lambda: solving(database, plan_id), 120,
                                         "the job to start")
        os.kill(worker, signal.SIGKILL)
        ended = wait_until(lambda: _ended(server.base, headers, plan_id), 180, "the job")
        assert ended["status"] == "done", ended
        assert ended["attempts"] == 2
        with database.unit_of_work(write=False) as db:
            row = db.get(m.PlanRecord, plan_id)
            assert row is not None and row.lease_owner not in (None, first_owner)
        # The supervisor replaced the killed worker; only the new one stored a result.
        assert len(children_of(server.process.pid)) == 1
    finally:
        server.stop()
    text = log.read_text()
    assert text.count(f"plan job {plan_id} done") == 1, text[-3000:]
    assert text.count(f"plan job {plan_id} started") == 2, text[-3000:]


def test_a_job_whose_worker_keeps_dying_fails_after_the_attempts(
        client: TestClient, settings: Settings, database: Database,
        coordinator: dict[str, str]) -> None:
    """The sweep gives a job back to the queue while it has attempts left, then fails it."""
    from datetime import timedelta

    from api.jobs import leases

    past = utcnow() - timedelta(seconds=5)
    ids = []
    with database.unit_of_work() as db:
        for attempts in (1, settings.job_max_attempts):
            row = m.PlanRecord(name="lost", status="running", progress={"stage": "planning"},
                               params={}, attempts=attempts, created_at=utcnow(),
                               published=False, lease_owner="gone:1:x", lease_expires_at=past)
            db.add(row)
            db.flush()
            ids.append(row.plan_id)
        live = m.PlanRecord(name="alive", status="running", progress={"stage": "planning"},
                            params={}, attempts=1, created_at=utcnow(), published=False,
                            lease_owner="here:2:y",
                            lease_expires_at=utcnow() + timedelta(seconds=60))
        db.add(live)
        db.flush()
        live_id = live.plan_id
    assert leases.sweep(database, settings.job_max_attempts) == [ids[0]]
    first = status_of(client, coordinator, ids[0])
    assert first["status"] == "queued" and "lost" in first["progress"]["stage"]
    given_up = status_of(client, coordinator, ids[1])
    assert given_up["status"] == "failed" and "attempt" in given_up["error"]
    assert status_of(client, coordinator, live_id)["status"] == "running"
    # Claims are exclusive: of two workers, one gets the queued job.
    assert leases.claim(database, ids[0], "a:1:a", 30) is True
    assert leases.claim(database, ids[0], "b:2:b", 30) is False
    # A worker whose lease was taken over cannot store its result.
    assert leases.finish(database, live_id, "not-the-owner", {"runs": []}, []) is False
    assert leases.renew(database, live_id, "here:2:y", 30) is leases.Renewal.KEPT


def status_of(client: TestClient, headers: dict[str, str], plan_id: int) -> dict[str, object]:
    return dict(client.get(f"/api/v1/plans/{plan_id}/status", headers=headers).json())


def httpx_post(url: str, headers: dict[str, str]) -> dict[str, object]:
    import httpx

    r = httpx.post(url, headers=headers, timeout=30)
    assert r.status_code == 202, r.text
    return dict(r.json())


def _ended(base: str, headers: dict[str, str], plan_id: int) -> dict[str, object] | None:
    now = status(base, headers, plan_id)
    return now if now["status"] in ENDED else None


def test_app_start_does_not_start_a_worker_without_jobs(settings: Settings,
                                                        database: Database) -> None:
    """The worker process starts with the first job (or at start-up when jobs wait), so an
    idle server has no solver process."""
    with TestClient(create_app(settings)) as client:
        runner = client.app.state.context.jobs  # type: ignore[attr-defined]
        assert runner.embedded is not None and runner.embedded.pids == []
