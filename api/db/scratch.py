"""Throw-away PostgreSQL databases, for the test suite and the load benchmark."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def create_scratch_database(admin_url: str, prefix: str = "samkorsel_scratch") -> str:
    """Create an empty, uniquely named database on the server of ``admin_url`` (a URL whose user
    may create databases); return its URL."""
    url = make_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_scratch_database(admin_url: str, database_url: str) -> None:
    """Drop the database of ``database_url``, closing its connections first."""
    name = make_url(database_url).database
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@contextmanager
def scratch_database(admin_url: str, prefix: str = "samkorsel_scratch") -> Iterator[str]:
    """A fresh database's URL for the duration of the block; dropped afterwards."""
    url = create_scratch_database(admin_url, prefix)
    try:
        yield url
    finally:
        drop_scratch_database(admin_url, url)
