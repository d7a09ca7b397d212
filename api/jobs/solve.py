"""One plan job, solved by a worker process under a lease (whatever engine delivered it).

:func:`solve_plan` claims the job, keeps its lease alive from a heartbeat thread, plans (or
re-optimises) with progress after each wave, and stores the result — every write conditional on
the lease (:mod:`api.jobs.leases`). Between waves it stops when the worker shuts down (the job
goes back to the queue, the attempt not counted), when a user cancelled it, or when the lease was
lost (another worker has the job by now).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from api.context import NetworkCache
from api.db import repo_plans
from api.db.database import Database
from api.jobs import leases
from api.jobs.leases import Renewal
from api.jobs.parts import EngineParts
from api.scenario.service import scenario_from_db
from api.settings import Settings
from routing.living.reoptimise import describe_improvements, reoptimise
from routing.municipality.grants import plannable_scenario
from routing.params import plan_params_from_stored
from routing.planning.plan_io import plan_from_dict, plan_to_dict
from routing.planning.planner import build_plan, place_matrix
from routing.verify.checks import verify_plan

log = logging.getLogger(__name__)


class JobStopped(Exception):
    """The job stops at a wave boundary; ``status`` is what it ends as."""

    def __init__(self, status: str, why: str) -> None:
        super().__init__(why)
        self.status = status


class Heartbeat:
    """Renews a job's lease every ``job_heartbeat_s`` from a thread; :meth:`check` (called
    between waves) raises :class:`JobStopped` once the job must stop."""

    def __init__(self, database: Database, settings: Settings, plan_id: int, owner: str,
                 stopping: threading.Event | None) -> None:
        self._database = database
        self._settings = settings
        self._plan_id = plan_id
        self._owner = owner
        self._stopping = stopping
        self._done = threading.Event()
        self.renewal = Renewal.KEPT
        self._thread = threading.Thread(target=self._run, name=f"lease-{plan_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self._settings.job_heartbeat_s):
            try:
                self.renewal = leases.renew(self._database, self._plan_id, self._owner,
                                            self._settings.job_lease_s)
            except Exception as exc:  # a database hiccup: the next beat tries again
                log.warning("lease renewal of plan job %s failed: %s", self._plan_id,
                            type(exc).__name__)
            if self.renewal is Renewal.LOST:
                return

    def check(self) -> None:
        if self.renewal is Renewal.LOST:
            raise JobStopped("lost", "the lease was lost")
        if self.renewal is Renewal.CANCEL:
            raise JobStopped(leases.CANCELLED, "cancelled")
        if self._stopping is not None and self._stopping.is_set():
            raise JobStopped(leases.QUEUED, "the worker is shutting down")


REOPTIMISE = "reoptimise"
"""Key in a job's stored params that makes it a re-optimisation of a stored plan (``from_plan_id``,
``max_moved``, ``max_shift_s``) instead of a new plan; :class:`PlanParams` ignores it."""


def solve_plan(database: Database, networks: NetworkCache, settings: Settings, plan_id: int,
               owner: str, stopping: threading.Event | None = None) -> str:
    """Claim and solve plan job ``plan_id``; returns how it ended: ``done``, ``failed``,
    ``cancelled``, ``queued`` (shutdown), ``lost`` or ``skipped`` (not ours to solve)."""
    if not leases.claim(database, plan_id, owner, settings.job_lease_s):
        return "skipped"
    return run_claimed(database, networks, settings, plan_id, owner, stopping)


def _planner_options(build_plan: Any, runner: Any) -> dict[str, Any]:
    """``run_parts=`` for a planner that can hand independent parts to the engine (issue 17
    item 3: the planner declares a ``run_parts`` keyword; see :mod:`api.jobs.parts`)."""

    accepted = inspect.signature(build_plan).parameters
    return {"run_parts": runner} if "run_parts" in accepted else {}


def run_claimed(database: Database, networks: NetworkCache, settings: Settings, plan_id: int,
                owner: str, stopping: threading.Event | None = None, *,
                send_part: Callable[[int], None] | None = None) -> str:
    """Solve a job this worker has claimed (``send_part``: how the engine delivers a part to
    other workers; None: they find it in the database)."""

    log.info("plan job %s started by %s", plan_id, owner)
    with Heartbeat(database, settings, plan_id, owner, stopping) as beat:

        def report(stage: str, done: int, total: int) -> None:
            beat.check()
            if not leases.set_progress(database, plan_id, owner, stage, done, total):
                raise JobStopped("lost", "the lease was lost")

        try:

            with database.unit_of_work(write=False) as db:
                row = repo_plans.get_plan(db, plan_id)
                stored_params = dict(row.params) if row is not None else {}
                # Only riders with a shared-ride grant (in force or starting) are planned.
                scenario = plannable_scenario(scenario_from_db(db, networks.path), date.today())
                source = _reoptimise_source(db, stored_params)
            params = plan_params_from_stored(stored_params)
            report("loading road network", 0, 0)
            network = networks.get()
            if source is None:
                report("planning", 0, 0)
                runner = EngineParts(database, settings, owner, send=send_part,
                                     check=beat.check)
                plan = build_plan(scenario, network, params, progress=report,
                                  **_planner_options(build_plan, runner))
            else:
                report("reoptimising", 0, 0)
                plan = _reoptimised(source, scenario, network, params, stored_params[REOPTIMISE])
            report("verifying", 0, 0)
            violations = verify_plan(plan, scenario, network, params)
            beat.check()
            if not leases.finish(database, plan_id, owner, plan_to_dict(plan),
                                 [asdict(v) for v in violations]):
                log.warning("plan job %s: lease lost before the result was stored", plan_id)
                return "lost"
            log.info("plan job %s done: %d runs, %d unserved, %d violations", plan_id,
                     len(plan.runs), len(plan.unserved), len(violations))
            return "done"
        except JobStopped as stop:
            if stop.status == "lost":
                log.warning("plan job %s: lease lost; another worker has it", plan_id)
                return "lost"
            stage = "queued (interrupted by a worker shutdown)" if stop.status == leases.QUEUED \
                else None
            leases.end(database, plan_id, owner, stop.status, stage=stage)
            log.info("plan job %s stopped: %s", plan_id, stop)
            return stop.status
        except Exception as exc:  # the job's failure is data, not a crash of the worker
            # Messages may quote coordinates; they go to the plan's record, not the log.
            log.warning("plan job %s failed: %s", plan_id, type(exc).__name__)
            leases.end(database, plan_id, owner, leases.FAILED,
                       error=f"{type(exc).__name__}: {exc}")
            return "failed"


def _reoptimise_source(db: Any, stored_params: dict[str, Any]) -> Any:
    """The plan a re-optimisation job starts from, or None for a planning job."""

    spec = stored_params.get(REOPTIMISE)
    if not spec:
        return None

    row = repo_plans.get_plan(db, int(spec["from_plan_id"]))
    if row is None or row.document is None:
        raise ValueError(f"plan {spec['from_plan_id']} to re-optimise is gone")
    return plan_from_dict(row.document)


def _reoptimised(source: Any, scenario: Any, network: Any, params: Any,
                 spec: dict[str, Any]) -> Any:
    """Improve ``source`` within the stability budget; the outcome is kept in the plan's stats
    (saving, riders moved, the accepted changes)."""


    matrix = place_matrix(scenario, network, params)
    result = reoptimise(source, scenario, matrix, params, max_moved=int(spec["max_moved"]),
                        max_shift_s=int(spec["max_shift_s"]))
    outcome = {
        "from_plan_id": int(spec["from_plan_id"]), "max_moved": result.max_moved,
        "max_shift_s": result.max_shift_s, "saved_ore": result.saved_ore,
        "moved_riders": list(result.moved_riders), "largest_shift_s": result.largest_shift_s,
        "message": result.describe() if result.improvements else
        "no improvement within the budget; the plan is unchanged",
        "changes": describe_improvements(result.improvements),
    }
    return replace(result.plan, stats={**result.plan.stats, REOPTIMISE: outcome})
