"""Alembic environment: migrates the database named by the caller or ``SAMKORSEL_DATABASE_URL``."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from api.db.models import Base
from api.settings import DEFAULT_DATABASE_URL

config = context.config
target_metadata = Base.metadata

# Only the command line configures logging; the app keeps its own when it calls upgrade.
if "database_url" not in config.attributes and config.config_file_name is not None:
    fileConfig(config.config_file_name)


def _url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("SAMKORSEL_DATABASE_URL")
    return str(url or DEFAULT_DATABASE_URL)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Batch mode lets later migrations alter tables on SQLite (copy-and-move).
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
