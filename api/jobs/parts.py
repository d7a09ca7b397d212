"""Independent parts of a plan job, solved in parallel by the job engine's workers (issue 17
item 3: the engine's side; how a plan is cut into parts is the planner's business).

The interface the planner sees (it must not import ``api``; any callable of this shape does)::

    PartRunner = Callable[[str, Sequence[Mapping[str, Any]]], list[Any]]

    results = run_parts("routing.planning.somewhere:solve_part", [spec_0, spec_1, ...])

* ``solver`` names a function ``module:function`` in a module under an allowed prefix
  (:data:`ALLOWED_PREFIXES`): a name, not code, so a message on the broker or a row in the
  database cannot make a worker run anything else;
* each spec and each result is a JSON document (stored in the ``job_parts`` table and sent across
  machines; never pickled);
* ``function(spec) -> result`` runs in some worker process, perhaps on another machine; it must
  depend on ``spec`` alone (and the shared road network and code), and may run twice when a
  worker dies mid-part;
* the results come back in the order of the specs; a part whose function raises, or whose
  worker died ``job_max_attempts`` times, makes the call raise :class:`PartsFailed`.

How a plan job fans out and in (:class:`EngineParts`): it stores one ``job_parts`` row per spec
(``queued``), sends a message per part (Dramatiq engine; the embedded workers look in the table),
then **helps**: it claims and solves parts of its own batch itself until none is left queued, and
waits for the parts other workers hold. So a job never waits on workers that are all busy (with
one worker it solves every part itself), and with N idle workers N parts are solved at once.
Parts use the same lease and heartbeat as jobs: a part whose worker died is requeued when its
lease runs out, by the waiting job's sweep. When the job stops (cancelled, shut down, failed),
its batch's queued parts are dropped.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from api.db.database import Database
from api.db.models import JobPart
from api.db.types import utcnow
from api.settings import Settings

log = logging.getLogger(__name__)

PartRunner = Callable[[str, Sequence[Mapping[str, Any]]], list[Any]]
"""What the planner is given to solve independent parts."""

ALLOWED_PREFIXES: tuple[str, ...] = ("routing.", "api.jobs.")
"""Modules a part's solver may come from."""

PART_TTL = timedelta(hours=6)
"""Rows of parts older than this are deleted by the sweep (a job that died leaves its batch)."""


class PartsFailed(RuntimeError):
    """A part could not be solved; ``failures`` maps its index to the error."""

    def __init__(self, failures: dict[int, str]) -> None:
        first = min(failures)
        super().__init__(f"{len(failures)} part(s) failed; part {first}: {failures[first]}")
        self.failures = failures


def resolve(solver: str) -> Callable[[Any], Any]:
    """The function ``module:function`` names; ValueError when not allowed or not found."""
    module_name, _, name = solver.partition(":")
    if not module_name.startswith(ALLOWED_PREFIXES) or not name or not name.isidentifier():
        raise ValueError(f"part solver {solver!r} is not an allowed module:function")
    function = getattr(importlib.import_module(module_name), name, None)
    if not callable(function):
        raise ValueError(f"part solver {solver!r} is not a function")
    return function  # type: ignore[no-any-return]


def solve_inline(solver: str, specs: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The trivial :data:`PartRunner`: every part here, one after the other (no engine)."""
    function = resolve(solver)
    return [_json_round_trip(function(dict(spec))) for spec in specs]


def _json_round_trip(value: Any) -> Any:
    """What a result looks like after the database: the same for inline and engine runs."""
    return json.loads(json.dumps(value))


# --- the table ----------------------------------------------------------------------------------


def claim_part(database: Database, owner: str, lease_s: float, *, part_id: int | None = None,
               batch: str | None = None) -> int | None:
    """Claim part ``part_id``, or the oldest queued part (of ``batch``); None when none."""
    if part_id is None:  # looked up in a read transaction (SQLite: no write lock when idle)
        query = select(JobPart.part_id).where(JobPart.status == "queued")
        if batch is not None:
            query = query.where(JobPart.batch == batch)
        with database.unit_of_work(write=False) as db:
            candidates = list(db.scalars(query.order_by(JobPart.part_id).limit(5)))
        if not candidates:
            return None
    else:
        candidates = [part_id]
    now = utcnow()
    with database.unit_of_work() as db:
        for candidate in candidates:
            result = db.execute(
                update(JobPart).where(JobPart.part_id == candidate, JobPart.status == "queued")
                .values(status="running", lease_owner=owner, attempts=JobPart.attempts + 1,
                        lease_expires_at=now + timedelta(seconds=lease_s)))
            if getattr(result, "rowcount", 0):
                return candidate
    return None


def run_part(database: Database, settings: Settings, part_id: int, owner: str) -> str:
    """Solve a claimed part under its lease; returns ``done``, ``failed`` or ``lost``."""
    with database.unit_of_work(write=False) as db:
        row = db.get(JobPart, part_id)
        if row is None:
            return "lost"
        solver, spec = row.solver, dict(row.spec)
    done = threading.Event()

    def beat() -> None:
        while not done.wait(settings.job_heartbeat_s):
            try:
                with database.unit_of_work() as db:
                    db.execute(update(JobPart).where(
                        JobPart.part_id == part_id, JobPart.lease_owner == owner,
                        JobPart.status == "running").values(
                        lease_expires_at=utcnow() + timedelta(seconds=settings.job_lease_s)))
            except Exception as exc:  # the next beat tries again
                log.warning("lease renewal of part %s failed: %s", part_id, type(exc).__name__)

    heartbeat = threading.Thread(target=beat, name=f"part-lease-{part_id}", daemon=True)
    heartbeat.start()
    try:
        try:
            values: dict[str, Any] = {
                "status": "done", "result": _json_round_trip(resolve(solver)(spec))}
        except Exception as exc:  # the part's failure is data for the job that asked
            values = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    finally:
        done.set()
        heartbeat.join()
    values["lease_expires_at"] = None
    with database.unit_of_work() as db:
        result = db.execute(update(JobPart).where(
            JobPart.part_id == part_id, JobPart.lease_owner == owner,
            JobPart.status == "running").values(**values))
        stored = bool(getattr(result, "rowcount", 0))
    log.info("part %s %s", part_id, values["status"] if stored else "lost")
    return str(values["status"]) if stored else "lost"


def sweep_parts(database: Database, max_attempts: int, *, batch: str | None = None
                ) -> list[int]:
    """Parts whose lease ran out go back to the queue (or fail after ``max_attempts``); old
    batches are deleted. Returns the requeued part ids."""
    now = utcnow()
    expired = (JobPart.status == "running", JobPart.lease_expires_at < now)
    requeued: list[int] = []
    query = select(JobPart.part_id, JobPart.attempts).where(*expired)
    if batch is not None:
        query = query.where(JobPart.batch == batch)
    stale = JobPart.created_at < now - PART_TTL
    with database.unit_of_work(write=False) as db:  # SQLite: no write lock when all is well
        rows = db.execute(query).all()
        old = batch is None and db.scalar(select(JobPart.part_id).where(stale).limit(1))
    if not rows and not old:
        return requeued
    with database.unit_of_work() as db:
        for part_id, attempts in rows:
            values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
            if attempts >= max_attempts:
                values.update(status="failed", error=f"its worker was lost {attempts} time(s)")
            else:
                values.update(status="queued")
            result = db.execute(update(JobPart).where(JobPart.part_id == part_id, *expired)
                                .values(**values))
            if getattr(result, "rowcount", 0) and values["status"] == "queued":
                requeued.append(part_id)
        if old:
            db.execute(delete(JobPart).where(stale))
    return requeued


class EngineParts:
    """The :data:`PartRunner` of a plan job: fan out through the job engine, fan in by the
    database (see the module's description)."""

    def __init__(self, database: Database, settings: Settings, owner: str, *,
                 send: Callable[[int], None] | None = None,
                 check: Callable[[], None] | None = None) -> None:
        self._database = database
        self._settings = settings
        self._owner = owner
        self._send = send
        self._check = check

    def __call__(self, solver: str, specs: Sequence[Mapping[str, Any]]) -> list[Any]:
        resolve(solver)  # a bad name fails here, not in every worker
        if not specs:
            return []
        database = self._database
        batch = uuid.uuid4().hex
        now = utcnow()
        with database.unit_of_work() as db:
            rows = [JobPart(batch=batch, idx=i, solver=solver, spec=dict(spec),
                            status="queued", attempts=0, created_at=now)
                    for i, spec in enumerate(specs)]
            db.add_all(rows)
            db.flush()
            ids = [r.part_id for r in rows]
        try:
            if self._send is not None:
                for part_id in ids:
                    try:
                        self._send(part_id)
                    except Exception as exc:  # broker away: this job solves its parts itself
                        log.warning("part %s not sent (%s); solved by the job itself",
                                    part_id, type(exc).__name__)
            self._fan_in(batch)
            with database.unit_of_work(write=False) as db:
                ended = list(db.execute(select(JobPart.idx, JobPart.status, JobPart.result,
                                               JobPart.error).where(JobPart.batch == batch)
                                        .order_by(JobPart.idx)).all())
        finally:
            with database.unit_of_work() as db:  # done, or the job stops: drop the batch
                db.execute(delete(JobPart).where(JobPart.batch == batch))
        failures = {idx: str(error) for idx, status, _, error in ended if status != "done"}
        if failures:
            raise PartsFailed(failures)
        return [result for _, _, result, _ in ended]

    def _fan_in(self, batch: str) -> None:
        database, settings = self._database, self._settings
        while True:
            if self._check is not None:
                self._check()  # the job was cancelled, its lease lost or the worker stops
            for lost in sweep_parts(database, settings.job_max_attempts, batch=batch):
                if self._send is not None:
                    with contextlib.suppress(Exception):  # queued: this job helps anyway
                        self._send(lost)
            mine = claim_part(database, self._owner, settings.job_lease_s, batch=batch)
            if mine is not None:  # help: solve a part of our own batch here
                run_part(database, settings, mine, self._owner)
                continue
            with database.unit_of_work(write=False) as db:
                open_parts = db.scalar(select(JobPart.part_id).where(
                    JobPart.batch == batch, JobPart.status.in_(("queued", "running")))
                    .limit(1))
            if open_parts is None:
                return
            time.sleep(0.2)


def square(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A part solver for checking an installation (``samkorsel`` workers fan out and in):
    ``{"x": 3, "sleep_s": 0.5}`` → ``{"x2": 9, "pid": worker's process id}``."""

    time.sleep(float(spec.get("sleep_s", 0)))
    return {"x2": int(spec["x"]) ** 2, "pid": os.getpid()}
