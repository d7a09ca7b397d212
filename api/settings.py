"""Configuration of the application shell, read from ``SAMKORSEL_*`` environment variables.

Nothing here is built at import time: :func:`api.main.create_app` builds a :class:`Settings` when it
is not handed one, so tests and the CLI can pass their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.model import format_hm
from routing.operations.absences import DEFAULT_DEADLINE, LONG_ABSENCE_DAYS

DEFAULT_DATABASE_URL = "sqlite+pysqlite:///data/samkorsel.db"
"""Embedded default: the SQLite file ``data/samkorsel.db`` relative to the working directory."""


class Settings(BaseSettings):
    """Settings of the API service.

    Every field can be set from the environment with the ``SAMKORSEL_`` prefix, e.g.
    ``SAMKORSEL_DATABASE_URL=postgresql+psycopg://user@host/db``.
    """

    model_config = SettingsConfigDict(env_prefix="SAMKORSEL_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL. Default: SQLite file data/samkorsel.db under the working "
        "directory (its folder is created). Production: postgresql+psycopg://…",
    )
    auto_migrate: bool = Field(
        default=True, description="Run `alembic upgrade head` when the app starts."
    )
    network_path: Path | None = Field(
        default=None,
        description="OSM road file (.osm/.osm.bz2); default: the bundled Samsø extract.",
    )
    network_dir: Path | None = Field(
        default=None,
        description="Folder of the road network files a scenario.toml may name (by file name "
        "only); default: the folder of the bundled extract.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Cache of prepared road networks; default: the core's cache folder.",
    )
    plan_time_limit_s: float = Field(
        default=8.0, gt=0,
        description="Default solver time budget of a plan job (split over the waves).",
    )
    plan_time_limit_max_s: float = Field(
        default=600.0, gt=0, description="Largest time limit a client may request."
    )
    job_engine: Literal["embedded", "dramatiq"] = Field(
        default="embedded",
        description="Who solves plan jobs, never the API process: `embedded` (default) a worker "
        "process the server starts and supervises, taking jobs from the database; `dramatiq` "
        "workers of their own (`samkorsel worker`) fed through RabbitMQ (`job_broker_url`).",
    )
    job_broker_url: str = Field(
        default="amqp://guest:guest@127.0.0.1:5672/%2F",
        description="RabbitMQ URL of the `dramatiq` job engine.",
    )
    job_queue: str = Field(
        default="samkorsel-plans", pattern=r"^[A-Za-z0-9_.-]{1,100}$",
        description="Queue name of the `dramatiq` job engine (its parts queue adds `-parts`).",
    )
    job_workers: int = Field(default=1, ge=1, le=16,
                             description="Plan jobs one worker process solves at once.")
    job_max_attempts: int = Field(
        default=2, ge=1,
        description="A job whose worker died is started again until it has been started this "
        "many times; then it is marked failed.",
    )
    job_lease_s: float = Field(
        default=30.0, gt=0, le=3600,
        description="A running job's lease: a worker that has not renewed it for this long is "
        "taken for dead and its job is taken up again.",
    )
    job_heartbeat_s: float = Field(
        default=5.0, gt=0, le=600,
        description="How often a worker renews its job's lease and looks for a cancellation.",
    )
    job_worker_nice: int = Field(
        default=10, ge=0, le=19,
        description="CPU priority the worker lowers itself by (os.nice), so the API keeps a core.",
    )
    timezone: str = Field(default="Europe/Copenhagen", description="Local time zone.")
    absence_deadline: str = Field(
        default=format_hm(DEFAULT_DEADLINE.time_s), pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="Afbud is on time until this time (HH:MM) of the working day before.",
    )
    long_absence_days: int = Field(
        default=LONG_ABSENCE_DAYS, ge=1,
        description="Riders absent more than this many consecutive days are listed.",
    )
    consolidation_max_shift_s: int = Field(
        default=600, ge=0, description="Consolidation may move a pickup by at most this much."
    )
    rates_dir: Path | None = Field(
        default=None,
        description="Folder of the yearly reimbursement rate tables (<year>.toml); default: "
        "the shipped data/rates.",
    )
    reimbursement_cost_multiple: float = Field(
        default=1.5, gt=0,
        description="The shared ride is uneconomic above this multiple of the cheapest "
        "reasonable alternative.",
    )
    db_concurrency: int = Field(
        default=4, ge=1, le=64,
        description="Requests reading the database at once (as many again may write; one on "
        "SQLite); more wait their turn without holding a thread. Python runs one thread at a "
        "time, so a few per core keep latency low; raise it for PostgreSQL behind several "
        "worker processes.",
    )
    warm_up: bool = Field(
        default=True, description="At start-up, do the busy requests' one-time work (holiday "
        "tables, road network, plan, matrix, the coming days' manifests) before serving.",
    )
    max_snap_m: float = Field(
        default=500.0, gt=0,
        description="A centre or depot farther than this from every road is refused at write "
        "(422 off-network with the distance).",
    )
    retention_absence_days: int = Field(
        default=730, ge=0,
        description="Ended afbud and no-shows older than this are deleted by the purge "
        "(0: keep forever).",
    )
    retention_audit_days: int = Field(
        default=1826, ge=0, description="Audit entries older than this are deleted by the "
        "purge (0: keep forever).",
    )
    retention_plan_draft_days: int = Field(
        default=365, ge=0, description="Unpublished finished plans older than this are "
        "deleted by the purge (0: keep forever).",
    )
    max_upload_bytes: int = Field(
        default=20_000_000, ge=1, description="Largest upload (all files together)."
    )
    dispatch_phone: str = Field(
        default="", max_length=40,
        description="The operator's dispatch number, shown on every driver's manifest page.",
    )
    max_body_bytes: int = Field(
        default=1_000_000, ge=1, description="Largest request body other than an upload."
    )
    max_anonymous_body_bytes: int = Field(
        default=65_536, ge=1,
        description="Largest body of a request without credentials (refused before reading "
        "and before authentication).",
    )
    max_unpacked_bytes: int = Field(
        default=20_000_000, ge=1,
        description="Largest total size of the files unpacked from an uploaded zip.",
    )
    max_unpack_ratio: int = Field(
        default=200, ge=1,
        description="Largest compression ratio of a zip member (zip bombs).",
    )
