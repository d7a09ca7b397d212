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
import threading
from typing import TYPE_CHECKING

from sqlalchemy import select

from api.db.database import Database
from api.db.models import PlanRecord
from api.jobs import leases
from api.jobs.embedded import EmbeddedWorkers
from api.jobs.engine import DramatiqEngine, Outbox
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
        self.outbox: Outbox | None = None
        self._stopped = threading.Event()
        self._retrying: threading.Thread | None = None
        if context.settings.job_engine == "dramatiq":

            self.engine = DramatiqEngine(context.settings)
            self.outbox = Outbox(self.engine.send)
        else:

            self.embedded = EmbeddedWorkers(context.settings)

    def submit(self, plan_id: int) -> None:
        """Called after the commit that stored the job as queued."""
        if self.outbox is not None:
            if not self.outbox.send(plan_id):  # the job stays queued; sent when RabbitMQ is back
                self._retry_in_background()
        elif self.embedded is not None:
            self.embedded.wake()

    def _retry_in_background(self) -> None:
        """One thread sends the refused messages again, 1 s, 2 s, … up to 60 s apart."""
        if self._retrying is not None and self._retrying.is_alive():
            return

        def retry() -> None:
            wait_s = 1.0
            while self.outbox is not None and len(self.outbox) \
                    and not self._stopped.wait(wait_s):
                if self.outbox.flush():
                    wait_s = min(60.0, wait_s * 2)

        self._retrying = threading.Thread(target=retry, name="broker-retry", daemon=True)
        self._retrying.start()

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
        self._stopped.set()
        if self.engine is not None:
            self.engine.close()


def _running(database: Database) -> bool:


    with database.unit_of_work(write=False) as db:
        return db.scalar(select(PlanRecord.plan_id)
                         .where(PlanRecord.status == leases.RUNNING).limit(1)) is not None
