"""``samkorsel worker``: a plan job worker of the production engine (Dramatiq on RabbitMQ)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer


def worker(
    threads: Annotated[int | None, typer.Option(
        help="Jobs solved at once (default SAMKORSEL_JOB_WORKERS).")] = None,
) -> None:
    """Solve plan jobs from RabbitMQ (production job engine; see README, Plan jobs)."""
    # Solve until SIGTERM/SIGINT; the running job is handed back at its next wave. Settings are
    # the API's (SAMKORSEL_*): the same database URL and road network.
    # pydantic-settings, SQLAlchemy and Dramatiq: lazy, as in serve.
    from api.jobs.engine import run_worker
    from api.settings import Settings

    # force: the CLI's entry point has configured warnings only.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s", force=True)
    logging.getLogger("pika").setLevel(logging.WARNING)
    settings = Settings()
    update: dict[str, object] = {"job_engine": "dramatiq"}
    if threads is not None:
        update["job_workers"] = threads
    run_worker(settings.model_copy(update=update))
