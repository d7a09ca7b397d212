"""Storage: SQLAlchemy 2 tables, the engine/session wrapper, Alembic upgrade and repositories."""
