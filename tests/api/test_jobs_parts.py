"""Parts of a plan job fanned out to the job engine's workers and fanned in by the database
(issue 17 item 3, the engine's side): inline, embedded worker processes, Dramatiq workers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from jobtest_support import (
    Worker,
    engine_env,
    engine_settings,
    rabbitmq_answers,
    rabbitmq_queue,
    wait_until,
)

from api.db.database import Database
from api.db.models import JobPart
from api.db.types import utcnow
from api.jobs.embedded import EmbeddedWorkers
from api.jobs.parts import (
    EngineParts,
    PartsFailed,
    claim_part,
    resolve,
    solve_inline,
    sweep_parts,
)
from api.settings import Settings

SQUARE = "api.jobs.parts:square"


@pytest.fixture
def queue() -> Iterator[str]:
    yield from rabbitmq_queue()


def test_only_named_functions_of_allowed_modules_are_solvers() -> None:
    assert resolve(SQUARE)({"x": 4})["x2"] == 16
    for bad in ("os:system", "builtins:eval", "subprocess:run", "api.jobs.parts",
                "api.jobs.parts:not_there", "routing.nowhere:f", "api.jobs.parts:a b"):
        with pytest.raises((ValueError, ImportError)):
            resolve(bad)


def test_inline_runner_keeps_the_order() -> None:
    assert [r["x2"] for r in solve_inline(SQUARE, [{"x": i} for i in range(5)])] == \
        [0, 1, 4, 9, 16]


def test_the_asking_job_solves_its_parts_itself_when_no_worker_is_free(
        settings: Settings, database: Database) -> None:
    runner = EngineParts(database, settings, "job:1:a")
    results = runner(SQUARE, [{"x": i} for i in range(4)])
    assert [r["x2"] for r in results] == [0, 1, 4, 9]
    assert {r["pid"] for r in results} == {os.getpid()}
    with database.unit_of_work(write=False) as db:  # the batch is gone afterwards
        assert db.query(JobPart).count() == 0


def test_a_failing_part_fails_the_call(settings: Settings, database: Database) -> None:
    with pytest.raises(PartsFailed) as failed:
        EngineParts(database, settings, "job:1:a")(SQUARE, [{"x": 1}, {"y": 2}])
    assert list(failed.value.failures) == [1] and "KeyError" in failed.value.failures[1]


def test_cancelling_the_job_drops_its_parts(settings: Settings, database: Database) -> None:
    class Stop(Exception):
        pass

    def check() -> None:
        raise Stop

    with pytest.raises(Stop):
        EngineParts(database, settings, "job:1:a", check=check)(SQUARE, [{"x": 1}])
    with database.unit_of_work(write=False) as db:
        assert db.query(JobPart).count() == 0


def test_a_part_whose_worker_died_is_solved_again_then_given_up(
        settings: Settings, database: Database) -> None:
    with database.unit_of_work() as db:
        db.add(JobPart(batch="b", idx=0, solver=SQUARE, spec={"x": 1}, status="queued",
                       attempts=0, created_at=utcnow()))
    part_id = claim_part(database, "dead:1:a", 30, batch="b")
    assert part_id is not None
    assert claim_part(database, "other:2:b", 30, part_id=part_id) is None  # held
    with database.unit_of_work() as db:  # its worker died: the lease runs out
        db.get(JobPart, part_id).lease_expires_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    assert sweep_parts(database, max_attempts=2, batch="b") == [part_id]
    assert claim_part(database, "other:2:b", 30, part_id=part_id) == part_id
    with database.unit_of_work() as db:
        db.get(JobPart, part_id).lease_expires_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    assert sweep_parts(database, max_attempts=2, batch="b") == []
    with database.unit_of_work(write=False) as db:
        row = db.get(JobPart, part_id)
        assert row is not None and row.status == "failed" and "lost 2" in str(row.error)


def test_embedded_workers_solve_parts_in_parallel(settings: Settings, database: Database,
                                                  tmp_path: Path) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the embedded engine's processes are the same on every backend")
    engine = settings.model_copy(update={"job_workers": 2, "job_heartbeat_s": 0.5})
    workers = EmbeddedWorkers(engine)
    workers.ensure_started()
    try:
        wait_until(lambda: len(workers.pids) == 2, 30, "two worker processes")
        runner = EngineParts(database, engine, "job:1:a")

        def fan_out() -> set[int]:
            results = runner(SQUARE, [{"x": i, "sleep_s": 0.5} for i in range(6)])
            assert [r["x2"] for r in results] == [i * i for i in range(6)]
            solved_by = {r["pid"] for r in results}
            assert solved_by <= {os.getpid(), *workers.pids}
            return solved_by - {os.getpid()}

        # Until the workers have started up (imports), the asking job solves everything itself.
        wait_until(fan_out, 90, "the worker processes to take parts")
    finally:
        workers.stop()


@pytest.mark.skipif(not rabbitmq_answers(), reason="no RabbitMQ server on 127.0.0.1:5672")
def test_dramatiq_workers_solve_parts(settings: Settings, database: Database, queue: str,
                                      tmp_path: Path) -> None:
    from api.jobs.engine import DramatiqEngine

    configured = engine_settings(settings, queue)
    workers = [Worker(engine_env(configured), tmp_path / f"worker{i}.log")
               for i in (1, 2)]
    engine = DramatiqEngine(configured)
    try:
        results = EngineParts(database, configured, "job:1:a", send=engine.send_part)(
            SQUARE, [{"x": i, "sleep_s": 1.0} for i in range(6)])
        assert [r["x2"] for r in results] == [i * i for i in range(6)]
        worker_pids = {w.process.pid for w in workers}
        solved_by = {r["pid"] for r in results}
        assert solved_by & worker_pids, "no part was solved by a worker"
        assert solved_by <= {os.getpid(), *worker_pids}
    finally:
        engine.close()
        for w in workers:
            w.stop()
