"""The production job engine over a real RabbitMQ (127.0.0.1:5672, guest/guest): the API sends,
``samkorsel worker`` processes solve; ``kill -9`` of a worker in the middle of a solve → the job
completes exactly once, by the other worker; the attempts are capped.

Each test uses its own queue (deleted afterwards), so runs sharing the server do not meet.
Skipped, with the reason, when no RabbitMQ server answers (``.ci/run`` starts one)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from apitest_support import load_tiny, wait_for
from fastapi.testclient import TestClient
from jobtest_support import (
    Worker,
    alive,
    children_of,
    demo_files,
    engine_env,
    engine_settings,
    rabbitmq_answers,
    rabbitmq_queue,
    solving,
    wait_until,
)

from api.db import models as m
from api.db.database import Database
from api.main import create_app
from api.settings import Settings

pytestmark = pytest.mark.skipif(not rabbitmq_answers(),
                                reason="no RabbitMQ server on 127.0.0.1:5672 (.ci/run starts "
                                "one; locally: rabbitmq-server -detached)")


@pytest.fixture
def queue() -> Iterator[str]:
    yield from rabbitmq_queue()


def test_api_sends_and_a_worker_solves(settings: Settings, database: Database,
                                       coordinator: dict[str, str], queue: str,
                                       tmp_path: Path) -> None:
    engine = engine_settings(settings, queue)
    worker = Worker(engine_env(engine), tmp_path / "worker.log")
    try:
        with TestClient(create_app(engine)) as client:
            load_tiny(client, coordinator)
            r = client.post("/api/v1/plans", headers=coordinator, json={"time_limit_s": 1.0})
            assert r.status_code == 202, r.text
            done = wait_for(client, coordinator, r.json()["plan_id"], timeout_s=120)
            runner = client.app.state.context.jobs  # type: ignore[attr-defined]
            assert runner.embedded is None  # nothing is solved by the API's processes
        assert done["status"] == "done", done["error"]
        assert done["attempts"] == 1
        with database.unit_of_work(write=False) as db:
            row = db.get(m.PlanRecord, done["plan_id"])
            assert row is not None and row.lease_owner is not None
            assert f":{worker.process.pid}:" in row.lease_owner
    finally:
        worker.stop()
    assert worker.process.returncode == 0, worker.log.read_text()[-3000:]


def _demo_job(client: TestClient, coordinator: dict[str, str], time_limit_s: float) -> int:
    r = client.post("/api/v1/scenario/import", headers=coordinator, files=demo_files())
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/plans", headers=coordinator, json={"time_limit_s": time_limit_s})
    assert r.status_code == 202, r.text
    return int(r.json()["plan_id"])


def test_worker_killed_mid_solve_the_job_completes_exactly_once(
        settings: Settings, database: Database, coordinator: dict[str, str], queue: str,
        tmp_path: Path) -> None:
    engine = engine_settings(settings, queue)
    workers = [Worker(engine_env(engine), tmp_path / f"worker{i}.log") for i in (1, 2)]
    try:
        with TestClient(create_app(engine)) as client:
            plan_id = _demo_job(client, coordinator, time_limit_s=8)
            first_owner, pid = wait_until(lambda: solving(database, plan_id), 120,
                                          "a worker to be planning")
            victim = next(w for w in workers if w.process.pid == pid)
            assert children_of(pid) == []  # the solve runs in the worker: nothing to orphan
            os.kill(pid, signal.SIGKILL)
            victim.process.wait(timeout=10)
            done = wait_for(client, coordinator, plan_id, timeout_s=180)
        assert done["status"] == "done", done["error"]
        assert done["attempts"] == 2
        survivor = next(w for w in workers if w is not victim)
        with database.unit_of_work(write=False) as db:
            row = db.get(m.PlanRecord, plan_id)
            assert row is not None and row.lease_owner != first_owner
            assert f":{survivor.process.pid}:" in str(row.lease_owner)
    finally:
        for w in workers:
            w.stop()
    logs = "".join(w.log.read_text() for w in workers)
    assert logs.count(f"plan job {plan_id} done") == 1, logs[-4000:]
    assert logs.count(f"plan job {plan_id} started") == 2, logs[-4000:]


def test_attempts_are_capped_when_workers_keep_dying(
        settings: Settings, database: Database, coordinator: dict[str, str], queue: str,
        tmp_path: Path) -> None:
    """With one attempt allowed, a job whose worker is killed is failed (not solved again) by
    the next worker's sweep; that worker stays healthy and solves the next job."""
    engine = engine_settings(settings, queue, job_max_attempts=1)
    first = Worker(engine_env(engine), tmp_path / "worker1.log")
    second: Worker | None = None
    try:
        with TestClient(create_app(engine)) as client:
            plan_id = _demo_job(client, coordinator, time_limit_s=8)
            _, pid = wait_until(lambda: solving(database, plan_id), 120, "the job to start")
            os.kill(pid, signal.SIGKILL)
            first.process.wait(timeout=10)
            assert not alive(pid)
            second = Worker(engine_env(engine), tmp_path / "worker2.log")
            failed = wait_for(client, coordinator, plan_id, timeout_s=60)
            assert failed["status"] == "failed" and "1 attempt" in failed["error"]
            r = client.post("/api/v1/plans", headers=coordinator, json={"time_limit_s": 1.0})
            assert r.status_code == 202, r.text
            done = wait_for(client, coordinator, r.json()["plan_id"], timeout_s=120)
            assert done["status"] == "done", done["error"]
    finally:
        first.stop()
        if second is not None:
            second.stop()
