"""Engine, sessions and schema upgrades.

SQLite (the embedded default) serialises writers: a write transaction here takes a process-wide
lock and starts with ``BEGIN IMMEDIATE``, so concurrent requests queue instead of failing with
"database is locked" when a reader tries to become a writer; reads run in parallel (WAL).
PostgreSQL needs none of that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

API_DIR = Path(__file__).resolve().parent.parent
ALEMBIC_INI = API_DIR / "alembic.ini"
MIGRATIONS_DIR = API_DIR / "migrations"

_IMMEDIATE = "samkorsel_begin_immediate"


def _prepare_sqlite_file(url: str) -> None:
    parsed = make_url(url)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


POOL_SIZE = 10
POOL_OVERFLOW = 20


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the settings this service relies on."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE,
                             max_overflow=POOL_OVERFLOW)
    _prepare_sqlite_file(url)
    connect_args = {"timeout": 30, "check_same_thread": False}
    database = make_url(url).database
    if not database or database == ":memory:":
        # One shared connection, or every checkout would see its own empty database.
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    else:
        engine = create_engine(url, connect_args=connect_args, pool_size=POOL_SIZE,
                               max_overflow=POOL_OVERFLOW)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN IMMEDIATE can be emitted (SQLAlchemy's
        # documented recipe); enforce foreign keys, which SQLite leaves off by default.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """The engine and a unit of work per request or job.

    ``max_sessions`` is how many units of work may be open at once without waiting for a pooled
    connection (the pool's capacity minus a reserve for background jobs); the request layer
    admits no more than that, so a thread never blocks on the pool while holding up others.
    """

    max_sessions = POOL_SIZE + POOL_OVERFLOW - 4

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Sessions of writers on SQLite start their transaction with BEGIN IMMEDIATE (when the
        # first statement runs), taking the database's write lock up front.
        self._writers = sessionmaker(self.engine.execution_options(**{_IMMEDIATE: True}),
                                     expire_on_commit=False) if self.is_sqlite \
            else self._sessions
        self._write_lock = threading.Lock()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commit when the block ends normally, roll back on any exception.

        Parameters
        ----------
        write
            The block may write. On SQLite, writers in this process are serialised by a lock
            and start with ``BEGIN IMMEDIATE``; readers start a deferred transaction and run in
            parallel.
        """
        if self.is_sqlite and write:
            with self._write_lock, self._writers() as session:
                yield from _commit_or_rollback(session)
        else:
            with self._sessions() as session:
                yield from _commit_or_rollback(session)

    def open_session(self, *, write: bool) -> Session:
        """A session for the request layer; no I/O until its first statement.

        The request layer serialises its own SQLite writers (on the event loop) and ends the
        session with :meth:`finish`. SQLite's ``BEGIN IMMEDIATE`` with a busy timeout keeps it
        apart from background jobs and other processes.
        """
        return self._writers() if write else self._sessions()

    @staticmethod
    def finish(session: Session, commit: bool) -> None:
        """Commit (or roll back) and close a session from :meth:`open_session`."""
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _commit_or_rollback(session: Session) -> Iterator[Session]:
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def alembic_config(url: str) -> Config:
    """Alembic configuration for ``url`` (the migrations shipped inside the package)."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: configparser would mangle '%' in passwords.
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (``alembic upgrade head``)."""
    if make_url(url).get_backend_name() == "sqlite":
        _prepare_sqlite_file(url)
    command.upgrade(alembic_config(url), revision)
    log.info("database schema upgraded to %s", revision)
