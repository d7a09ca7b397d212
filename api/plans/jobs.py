"""Plan jobs seen from the API: hand a stored job to the job engine; never solve here.

The job's state lives in the ``plans`` table (``queued`` → ``running`` under a lease → ``done``,
``failed`` or ``cancelled``; :mod:`api.jobs.leases`). The engine only delivers:

* ``SAMKORSEL_JOB_ENGINE=embedded`` (default): worker processes this server starts and
  supervises (:mod:`api.jobs.embedded`), taking jobs from the database;
* ``dramatiq``: a message on RabbitMQ for ``samkorsel worker`` processes (:mod:`api.jobs.engine`).

At start-up (:meth:`JobRunner.recover`) jobs whose worker died are requeued (or failed after
``job_max_attempts`` starts) and the queued ones handed to the engine.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from api.db.database import Database
from api.db.models import PlanRecord
from api.jobs import leases
from api.jobs.embedded import EmbeddedWorkers
from api.jobs.engine import DramatiqEngine
from api.jobs.solve import REOPTIMISE

if TYPE_CHECKING:
    from api.context import AppContext
    from api.jobs.embedded import EmbeddedWorkers
    from api.jobs.engine import DramatiqEngine

__all__ = ["REOPTIMISE", "JobRunner"]

log = logging.getLogger(__name__)


class JobRunner:
    """Hands plan jobs to the configured engine."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self.embedded: EmbeddedWorkers | None = None
        self.engine: DramatiqEngine | None = None
        if context.settings.job_engine == "dramatiq":

            self.engine = DramatiqEngine(context.settings)
        else:

            self.embedded = EmbeddedWorkers(context.settings)

    def submit(self, plan_id: int) -> None:
        """Called after the commit that stored the job as queued."""
        if self.engine is not None:
            try:
                self.engine.send(plan_id)
            except Exception as exc:  # the job stays queued; sent again at the next start
                log.error("plan job %s could not be sent to the broker: %s", plan_id,
                          type(exc).__name__)
        elif self.embedded is not None:
            self.embedded.wake()

    def recover(self) -> list[int]:
        """Requeue jobs whose worker died (their lease ran out) and hand the queued ones on."""
        database = self._context.database
        leases.sweep(database, self._context.settings.job_max_attempts)
        waiting = leases.queued(database, limit=1000)
        if self.engine is not None:
            for plan_id in waiting:
                self.submit(plan_id)
        elif self.embedded is not None and (waiting or _running(database)):
            # The embedded worker starts with the first job; jobs waiting now (or running under
            # a lease that may run out) need it already.
            self.embedded.ensure_started()
        if waiting:
            log.info("handed %d queued plan job(s) to the job engine after start", len(waiting))
        return waiting

    def shutdown(self) -> None:
        """Embedded: the workers stop after their current wave and requeue their job."""
        if self.embedded is not None:
            self.embedded.stop()
        if self.engine is not None:
            self.engine.close()


def _running(database: Database) -> bool:


    with database.unit_of_work(write=False) as db:
        return db.scalar(select(PlanRecord.plan_id)
                         .where(PlanRecord.status == leases.RUNNING).limit(1)) is not None
