"""Plan solve jobs: run in a pool inside the app, state kept in the ``plans`` table.

The embedded default is a thread pool (``SAMKORSEL_JOB_EXECUTOR=thread``); ``process`` runs jobs
in a spawned process pool instead, which keeps a long solve off the web process's interpreter.
Either way the job's state lives in the database, so a restart loses nothing:

* a request stores the plan as ``queued`` and, after the commit, submits it;
* the worker claims it atomically (``queued`` → ``running``), writes progress after each wave,
  and stores the finished document with the independent checker's findings (``done``) or the
  error (``failed``);
* on shutdown, the running job stops at its next wave and goes back to ``queued``; queued jobs
  stay queued;
* on start (:meth:`JobRunner.recover`), jobs left ``running`` by a process that died are requeued
  until they have been started ``job_max_attempts`` times (then ``failed``), and every queued
  job is submitted again.

One app process runs the jobs of a database (several API processes on one PostgreSQL would each
recover the others' running jobs).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from api.context import NetworkCache
from api.db import repo_plans
from api.db.database import Database
from api.scenario.service import scenario_from_db
from api.settings import Settings
from routing.grants import plannable_scenario

if TYPE_CHECKING:
    from api.context import AppContext

log = logging.getLogger(__name__)


class JobInterrupted(Exception):
    """The app is shutting down: the job stops after the current wave and is requeued."""


def params_from_stored(stored: dict[str, Any]) -> Any:
    from dataclasses import fields, replace

    from routing.params import PlanParams

    known = {f.name for f in fields(PlanParams)}
    return replace(PlanParams(), **{k: v for k, v in stored.items() if k in known})


def execute_plan(
    database: Database,
    networks: NetworkCache,
    plan_id: int,
    stopping: threading.Event | None = None,
) -> str:
    """Solve plan ``plan_id`` if it is queued; return the final status (or ``"skipped"``)."""
    with database.unit_of_work() as db:
        if not repo_plans.claim(db, plan_id):
            return "skipped"
        row = repo_plans.get_plan(db, plan_id)
        stored_params = dict(row.params) if row is not None else {}
    log.info("plan job %s started", plan_id)

    def report(stage: str, done: int, total: int) -> None:
        if stopping is not None and stopping.is_set():
            raise JobInterrupted(stage)
        with database.unit_of_work() as db:
            repo_plans.set_progress(db, plan_id, stage, done, total)

    try:
        from routing.planning.plan_io import plan_to_dict
        from routing.planning.planner import build_plan
        from routing.verify.checks import verify_plan

        with database.unit_of_work(write=False) as db:
            # Only riders with a shared-ride grant (in force or starting) are planned.
            scenario = plannable_scenario(scenario_from_db(db, networks.path), date.today())
            source = _reoptimise_source(db, stored_params)
        params = params_from_stored(stored_params)
        report("loading road network", 0, 0)
        network = networks.get()
        if source is None:
            report("planning", 0, 0)
            plan = build_plan(scenario, network, params, progress=report)
        else:
            report("reoptimising", 0, 0)
            plan = _reoptimised(source, scenario, network, params, stored_params[REOPTIMISE])
        report("verifying", 0, 0)
        violations = verify_plan(plan, scenario, network, params)
        with database.unit_of_work() as db:
            repo_plans.finish(db, plan_id, plan_to_dict(plan), [asdict(v) for v in violations])
        log.info("plan job %s done: %d runs, %d unserved, %d violations", plan_id,
                 len(plan.runs), len(plan.unserved), len(violations))
        return "done"
    except JobInterrupted:
        with database.unit_of_work() as db:
            repo_plans.requeue(db, plan_id, stage="queued (interrupted by shutdown)",
                               undo_attempt=True)
        log.info("plan job %s interrupted by shutdown; requeued", plan_id)
        return "queued"
    except Exception as exc:  # the job's failure is data, not a crash of the app
        # Messages may quote coordinates; they go to the plan's record, not the log.
        log.warning("plan job %s failed: %s", plan_id, type(exc).__name__)
        with database.unit_of_work() as db:
            repo_plans.fail(db, plan_id, f"{type(exc).__name__}: {exc}")
        return "failed"


REOPTIMISE = "reoptimise"
"""Key in a job's stored params that makes it a re-optimisation of a stored plan (``from_plan_id``,
``max_moved``, ``max_shift_s``) instead of a new plan; :class:`PlanParams` ignores it."""


def _reoptimise_source(db: Any, stored_params: dict[str, Any]) -> Any:
    """The plan a re-optimisation job starts from, or None for a planning job."""
    spec = stored_params.get(REOPTIMISE)
    if not spec:
        return None
    from routing.planning.plan_io import plan_from_dict

    row = repo_plans.get_plan(db, int(spec["from_plan_id"]))
    if row is None or row.document is None:
        raise ValueError(f"plan {spec['from_plan_id']} to re-optimise is gone")
    return plan_from_dict(row.document)


def _reoptimised(source: Any, scenario: Any, network: Any, params: Any,
                 spec: dict[str, Any]) -> Any:
    """Improve ``source`` within the stability budget; the outcome is kept in the plan's stats
    (saving, riders moved, the accepted changes)."""
    from dataclasses import replace

    from routing.living.reoptimise import describe_improvements, reoptimise
    from routing.planning.planner import place_matrix

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


_PROCESS_STATE: dict[str, tuple[Database, NetworkCache]] = {}


def _process_entry(settings_json: dict[str, Any], plan_id: int) -> str:
    """Entry point in a pool process: one database engine and network per process."""
    settings = Settings(**settings_json)
    state = _PROCESS_STATE.get(settings.database_url)
    if state is None:
        state = (Database(settings.database_url), NetworkCache(settings))
        _PROCESS_STATE[settings.database_url] = state
    return execute_plan(state[0], state[1], plan_id)


class JobRunner:
    """Submits plan jobs to the pool and recovers them after a restart."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        settings = context.settings
        self._stopping = threading.Event()
        self._executor: Executor
        if settings.job_executor == "process":
            self._executor = ProcessPoolExecutor(
                max_workers=settings.job_workers,
                mp_context=multiprocessing.get_context("spawn"),
            )
        else:
            self._executor = ThreadPoolExecutor(max_workers=settings.job_workers,
                                                thread_name_prefix="plan-job")

    def submit(self, plan_id: int) -> Future[str] | None:
        if self._stopping.is_set():
            return None
        context = self._context
        future: Future[str]
        if context.settings.job_executor == "process":
            future = self._executor.submit(
                _process_entry, context.settings.model_dump(mode="json"), plan_id)
        else:
            future = self._executor.submit(execute_plan, context.database, context.networks,
                                           plan_id, self._stopping)
        future.add_done_callback(lambda f: _log_crash(plan_id, f))
        return future

    def recover(self) -> list[int]:
        """Requeue jobs a previous process left running, then submit every queued job."""
        max_attempts = self._context.settings.job_max_attempts
        queued: list[int] = []
        with self._context.database.unit_of_work() as db:
            for row in repo_plans.unfinished(db):
                if row.status == "running":
                    if row.attempts >= max_attempts:
                        repo_plans.fail(db, row.plan_id, f"interrupted by a restart after "
                                        f"{row.attempts} attempt(s)")
                        continue
                    repo_plans.requeue(db, row.plan_id, stage="queued (requeued after restart)")
                queued.append(row.plan_id)
        for plan_id in queued:
            self.submit(plan_id)
        if queued:
            log.info("resubmitted %d plan job(s) after start", len(queued))
        return queued

    def shutdown(self) -> None:
        """Stop taking jobs; the running one stops after its current wave and is requeued."""
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)


def _log_crash(plan_id: int, future: Future[str]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        log.error("plan job %s crashed: %s", plan_id, type(exc).__name__)
