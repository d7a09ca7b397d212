"""The production job engine: Dramatiq on RabbitMQ, workers as their own service.

The API sends a message naming the plan job after the request's commit; ``samkorsel worker``
processes (any number, on any machine that reaches RabbitMQ and the database) consume the queue
and solve the job in the worker process itself (:func:`api.jobs.solve.solve_plan`), under the
job's lease in the database. So:

* **solved once**: a message is only a hint; the job is solved by the worker whose claim in the
  database succeeds, and every write after that is conditional on its lease;
* **a worker dies** (``kill -9``, lost machine): RabbitMQ gives the unacknowledged message to
  another worker at once, which finds the job still leased and drops it; when the lease runs
  out (``job_lease_s``), the sweep of any worker puts the job back in the queue and sends it
  again — until it has been started ``job_max_attempts`` times, then it is marked failed;
* **no orphans**: the solve runs in the worker process, so nothing survives the worker;
* **retries**: a job whose planning fails (bad data) ends ``failed`` with the reason — solving it
  again would fail the same way. An infrastructure error (database away) is raised to Dramatiq,
  which retries the message with backoff up to ``job_max_attempts - 1`` times;
* **cancellation** is a flag in the database (``POST /plans/{id}/cancel``), seen by the solving
  worker's heartbeat and honoured at the next wave;
* **shutdown** (SIGTERM/SIGINT): the running job stops at its next wave, goes back to the queue
  (the attempt not counted) and is sent again for another worker.

Messages are acknowledged after the actor returns (Dramatiq's default) and each worker thread
prefetches one message, so a long solve does not hold other jobs back from idle workers.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from api.settings import Settings

log = logging.getLogger(__name__)

ACTOR_NAME = "samkorsel_solve_plan"
PART_ACTOR_NAME = "samkorsel_solve_part"


class _WorkerState:
    """What the actors of a worker process use (set by :func:`run_worker`)."""

    database: Any = None
    networks: Any = None
    settings: Settings | None = None
    owner: str = ""
    stopping = threading.Event()
    engine: DramatiqEngine | None = None


_STATE = _WorkerState()


def _solve_message(plan_id: int) -> None:
    from api.jobs import leases
    from api.jobs.solve import run_claimed

    state = _STATE
    if state.settings is None or state.engine is None:
        raise RuntimeError("this process is not a samkorsel worker")
    if not leases.claim(state.database, plan_id, state.owner, state.settings.job_lease_s):
        log.info("plan job %s: not queued (another worker has it, or it ended); dropped",
                 plan_id)
        return
    try:
        outcome = run_claimed(state.database, state.networks, state.settings, plan_id,
                              state.owner, state.stopping, send_part=state.engine.send_part)
    except Exception:
        # Not the job's own failure (run_claimed stores those) but the infrastructure's: give
        # the job back and let Dramatiq retry the message with backoff.
        # If the database is away, the lease runs out and the sweep requeues the job.
        with contextlib.suppress(Exception):
            leases.end(state.database, plan_id, state.owner, leases.QUEUED,
                       stage="queued (retrying after a worker error)")
        raise
    if outcome == leases.QUEUED:  # interrupted by this worker's shutdown: hand it on
        state.engine.send(plan_id)


def _solve_part_message(part_id: int) -> None:
    from api.jobs.parts import claim_part, run_part

    state = _STATE
    if state.settings is None:
        raise RuntimeError("this process is not a samkorsel worker")
    if claim_part(state.database, state.owner, state.settings.job_lease_s,
                  part_id=part_id) is None:
        return  # solved or being solved elsewhere (often by the job that asked for it)
    run_part(state.database, state.settings, part_id, state.owner)


class Outbox:
    """Message ids the broker refused (RabbitMQ away), sent again by :meth:`flush` until it
    takes them: a job stored as queued while the broker was down is not left without a message.
    A duplicate is harmless (the claim in the database decides), so nothing is lost by sending
    twice."""

    def __init__(self, send: Callable[[int], None], what: str = "plan job") -> None:
        self._send = send
        self._what = what
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def send(self, item: int) -> bool:
        """Send now; on failure keep it for the next flush. True when the broker took it."""
        try:
            self._send(item)
            return True
        except Exception as exc:  # the broker is away; flush() tries again
            log.warning("%s %s could not be sent to the broker (%s); will retry", self._what,
                        item, type(exc).__name__)
            with self._lock:
                self._ids.add(item)
            return False

    def flush(self) -> int:
        """Send what is waiting, oldest id first, until the broker refuses; how many are left."""
        with self._lock:
            waiting = sorted(self._ids)
        for item in waiting:
            try:
                self._send(item)
            except Exception:
                break
            with self._lock:
                self._ids.discard(item)
            log.info("%s %s sent after the broker came back", self._what, item)
        return len(self)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)


class DramatiqEngine:
    """The broker and actors of one set of settings (its own queue names, so tests and
    deployments sharing a RabbitMQ server do not meet)."""

    def __init__(self, settings: Settings) -> None:
        import dramatiq
        from dramatiq.brokers.rabbitmq import RabbitmqBroker
        from dramatiq.middleware import (
            AgeLimit,
            Callbacks,
            Pipelines,
            Retries,
            ShutdownNotifications,
            TimeLimit,
        )

        self.settings = settings
        # Dramatiq's time limit (default 10 min) would interrupt a long solve; the planner keeps
        # its own budget, so the limit is only a backstop far above the largest one allowed.
        backstop_ms = int((settings.plan_time_limit_max_s * 3 + 600) * 1000)
        self.broker = RabbitmqBroker(
            url=settings.job_broker_url, confirm_delivery=True,
            middleware=[AgeLimit(), TimeLimit(time_limit=backstop_ms), ShutdownNotifications(),
                        Callbacks(), Pipelines(),
                        Retries(max_retries=settings.job_max_attempts - 1, min_backoff=1000,
                                max_backoff=60_000)],
        )
        self.queue = settings.job_queue
        self.solve_actor: Any = dramatiq.Actor(
            _solve_message, broker=self.broker, actor_name=ACTOR_NAME, queue_name=self.queue,
            priority=0, options={})
        # Parts of a job (api.jobs.parts) have their own queue, so that they are not queued
        # behind whole plan jobs.
        self.part_actor: Any = dramatiq.Actor(
            _solve_part_message, broker=self.broker, actor_name=PART_ACTOR_NAME,
            queue_name=f"{self.queue}-parts", priority=0, options={})

    def send(self, plan_id: int) -> None:
        self.solve_actor.send(plan_id)

    def send_part(self, part_id: int) -> None:
        self.part_actor.send(part_id)

    def send_queued(self, database: Any) -> list[int]:
        """Send a message for every queued job (after a start, when a message may be missing:
        duplicates are dropped at the claim)."""
        from api.jobs import leases

        ids = leases.queued(database, limit=1000)
        for plan_id in ids:
            self.send(plan_id)
        return ids

    def close(self) -> None:
        self.broker.close()


def run_worker(settings: Settings, *, ready: threading.Event | None = None,
               stop: threading.Event | None = None) -> None:
    """``samkorsel worker``: consume plan jobs until SIGTERM/SIGINT or
    ``stop`` is set."""
    import os

    from dramatiq import Worker

    from api.context import NetworkCache
    from api.db.database import Database
    from api.jobs import leases
    from api.jobs.parts import sweep_parts

    with contextlib.suppress(OSError):
        os.nice(settings.job_worker_nice)
    engine = DramatiqEngine(settings)
    outbox = Outbox(engine.send)
    part_outbox = Outbox(engine.send_part, "part")
    state = _STATE
    state.settings, state.engine = settings, engine
    state.database = Database(settings.database_url)
    state.networks = NetworkCache(settings)
    state.owner = leases.worker_name()
    state.stopping = threading.Event()
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    worker = Worker(engine.broker, worker_threads=settings.job_workers,
                    worker_timeout=1000)
    # One message per thread: a second one would wait behind a long solve while another
    # worker is idle.
    worker.queue_prefetch = settings.job_workers
    worker.start()
    log.info("samkorsel worker %s consuming %s (%d thread(s))", state.owner, engine.queue,
             settings.job_workers)
    engine.send_queued(state.database)
    if ready is not None:
        ready.set()
    try:
        while not stop.wait(settings.job_heartbeat_s):
            try:
                # A job the sweep put back while the broker was away is sent when it is back.
                outbox.flush()
                part_outbox.flush()
                for plan_id in leases.sweep(state.database, settings.job_max_attempts):
                    log.info("plan job %s: its worker was lost; sent again", plan_id)
                    outbox.send(plan_id)
                for part_id in sweep_parts(state.database, settings.job_max_attempts):
                    part_outbox.send(part_id)
            except Exception as exc:  # the database or broker is away: try again next beat
                log.warning("sweep failed: %s", type(exc).__name__)
    finally:
        state.stopping.set()
        worker.stop(timeout=int(settings.plan_time_limit_max_s * 1000))
        engine.close()
        state.database.dispose()
        log.info("samkorsel worker %s stopped", state.owner)
