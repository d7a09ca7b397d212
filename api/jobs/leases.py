"""Leases of plan jobs in the ``plans`` table: the database decides who solves a job.

A worker *claims* a queued job by one conditional ``UPDATE`` (``queued`` → ``running`` with its
name in ``lease_owner`` and ``lease_expires_at`` = now + lease); only one claim can succeed. While
it solves, its heartbeat renews the lease. Every later write of the job (progress, result,
failure) is conditional on the lease still being the worker's, so a worker that was taken for
dead cannot overwrite the work of the one that took the job over. A *sweep* finds running jobs
whose lease ran out (their worker died) and puts them back in the queue until they have been
started ``max_attempts`` times, then marks them failed.

Messages of a task engine and wake-ups of the embedded worker are only hints: a job is solved
by whoever wins the claim, so a duplicate message costs one ``UPDATE`` that matches no row.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, update

from api.db.database import Database
from api.db.models import PlanRecord
from api.db.repo_plans import plan_summary
from api.db.types import utcnow

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


class Renewal(Enum):
    """What a heartbeat learnt."""

    KEPT = "kept"
    CANCEL = "cancel"  # a user asked to cancel the job
    LOST = "lost"  # the lease is no longer ours (taken for dead, job cancelled or deleted)


def worker_name() -> str:
    """A name unique to this worker process: ``host:pid:random``."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_pid(owner: str | None) -> int | None:
    """The process id in a :func:`worker_name` (tests and operators use it)."""
    try:
        return int(str(owner).split(":")[1])
    except (IndexError, ValueError):
        return None


def _running(plan_id: int, owner: str) -> Any:
    return (PlanRecord.plan_id == plan_id, PlanRecord.status == RUNNING,
            PlanRecord.lease_owner == owner)


def claim(database: Database, plan_id: int, owner: str, lease_s: float) -> bool:
    """Take queued job ``plan_id``; False when it is not queued (taken, finished, cancelled)."""
    now = utcnow()
    with database.unit_of_work() as db:
        result = db.execute(
            update(PlanRecord)
            .where(PlanRecord.plan_id == plan_id, PlanRecord.status == QUEUED,
                   PlanRecord.cancel_requested.is_(False))
            .values(status=RUNNING, started_at=now, attempts=PlanRecord.attempts + 1,
                    lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_s),
                    progress={"stage": "starting", "done": 0, "total": 0}, error=None)
        )
        return bool(getattr(result, "rowcount", 0))


def queued(database: Database, limit: int = 100) -> list[int]:
    """Queued jobs, oldest first."""
    with database.unit_of_work(write=False) as db:
        return list(db.scalars(
            select(PlanRecord.plan_id)
            .where(PlanRecord.status == QUEUED, PlanRecord.cancel_requested.is_(False))
            .order_by(PlanRecord.plan_id).limit(limit)))


def claim_next(database: Database, owner: str, lease_s: float) -> int | None:
    """Claim the oldest queued job, or None when there is none."""
    for plan_id in queued(database, limit=10):
        if claim(database, plan_id, owner, lease_s):
            return plan_id
    return None


def renew(database: Database, plan_id: int, owner: str, lease_s: float) -> Renewal:
    """Extend the lease (the heartbeat) and learn whether the job is to be cancelled."""
    with database.unit_of_work() as db:
        result = db.execute(
            update(PlanRecord).where(*_running(plan_id, owner))
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))
        )
        if not getattr(result, "rowcount", 0):
            return Renewal.LOST
        cancel = db.scalar(select(PlanRecord.cancel_requested)
                           .where(PlanRecord.plan_id == plan_id))
        return Renewal.CANCEL if cancel else Renewal.KEPT


def set_progress(database: Database, plan_id: int, owner: str, stage: str, done: int,
                 total: int) -> bool:
    with database.unit_of_work() as db:
        result = db.execute(update(PlanRecord).where(*_running(plan_id, owner))
                            .values(progress={"stage": stage, "done": done, "total": total}))
        return bool(getattr(result, "rowcount", 0))


def finish(database: Database, plan_id: int, owner: str, document: dict[str, Any],
           violations: list[dict[str, Any]]) -> bool:
    """Store the result; False when the lease is no longer ours (the result is dropped)."""

    with database.unit_of_work() as db:
        result = db.execute(
            update(PlanRecord).where(*_running(plan_id, owner))
            .values(status=DONE, document=document, summary=plan_summary(document),
                    violations=violations, finished_at=utcnow(), lease_expires_at=None,
                    progress={"stage": "done", "done": 1, "total": 1})
        )
        return bool(getattr(result, "rowcount", 0))


def end(database: Database, plan_id: int, owner: str, status: str, *, error: str | None = None,
        stage: str | None = None) -> bool:
    """End our lease with ``status``: ``failed`` (with ``error``), ``cancelled``, or ``queued``
    (interrupted by a shutdown: the attempt is not counted)."""
    values: dict[str, Any] = {"status": status, "lease_expires_at": None,
                              "progress": {"stage": stage or status, "done": 0, "total": 0}}
    if status == QUEUED:
        values["attempts"] = PlanRecord.attempts - 1
        values["lease_owner"] = None
    else:
        values["finished_at"] = utcnow()
        values["error"] = error
    with database.unit_of_work() as db:
        result = db.execute(update(PlanRecord).where(*_running(plan_id, owner)).values(**values))
        return bool(getattr(result, "rowcount", 0))


def sweep(database: Database, max_attempts: int) -> list[int]:
    """Running jobs whose lease ran out go back to the queue (or fail when their attempts are
    used up, or end cancelled when a cancellation was asked for); returns the requeued ids."""
    now = utcnow()
    expired = (PlanRecord.status == RUNNING,
               or_(PlanRecord.lease_expires_at.is_(None), PlanRecord.lease_expires_at < now))
    requeued: list[int] = []
    # Look first in a read transaction: on SQLite a write transaction takes the database's one
    # write lock, and workers sweep every second.
    with database.unit_of_work(write=False) as db:
        rows = db.execute(select(PlanRecord.plan_id, PlanRecord.attempts,
                                 PlanRecord.cancel_requested).where(*expired)).all()
    if not rows:
        return requeued
    with database.unit_of_work() as db:
        for plan_id, attempts, cancel in rows:
            # A job that ends keeps the name of its last worker (a record of who had it).
            values: dict[str, Any] = {"lease_expires_at": None}
            if cancel:
                values.update(status=CANCELLED, finished_at=now, progress={"stage": CANCELLED})
            elif attempts >= max_attempts:
                values.update(status=FAILED, finished_at=now, progress={"stage": FAILED},
                              error=f"its worker was lost (died or restarted) {attempts} "
                              f"time(s); given up after {attempts} attempt(s)")
            else:
                values.update(status=QUEUED, lease_owner=None,
                              progress={"stage": "queued (its worker was lost; retrying)"})
            result = db.execute(update(PlanRecord)
                                .where(PlanRecord.plan_id == plan_id, *expired).values(**values))
            if getattr(result, "rowcount", 0) and values["status"] == QUEUED:
                requeued.append(plan_id)
    return requeued


def request_cancel(db: Any, plan_id: int) -> str | None:
    """Ask to cancel job ``plan_id`` in the caller's transaction: a queued job ends
    ``cancelled`` at once, a running one when its worker next looks (heartbeat or next wave).
    Returns the status before, or None when there is no such plan."""
    row = db.get(PlanRecord, plan_id)
    if row is None:
        return None
    status = str(row.status)
    if status == QUEUED:
        row.status = CANCELLED
        row.cancel_requested = True
        row.finished_at = utcnow()
        row.progress = {"stage": CANCELLED, "done": 0, "total": 0}
    elif status == RUNNING:
        row.cancel_requested = True
        row.progress = {**(row.progress or {}), "stage": "cancelling"}
    db.flush()
    return status
