"""Storage: migrations equal the models on both backends, a fresh database migrates on start,
the first coordinator is created with ``create_user``, settings come from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from apitest_support import auth
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from api.auth import create_user, hash_token
from api.db.database import alembic_config, upgrade_database
from api.db.models import Base
from api.main import create_app
from api.settings import DEFAULT_DATABASE_URL, Settings


def test_migrations_create_exactly_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'cycle.db'}"
    upgrade_database(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(url)
    assert "absences" in inspect(engine).get_table_names()
    engine.dispose()


def test_first_coordinator_on_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'new' / 'samkorsel.db'}"
    token = create_user(url, "Første koordinator", "coordinator")
    assert token.startswith("sk_") and len(token) > 40
    with TestClient(create_app(Settings(database_url=url))) as client:
        me = client.get("/api/v1/me", headers=auth(token)).json()
    assert me["role"] == "coordinator" and me["name"] == "Første koordinator"
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM users").scalars().all()
    engine.dispose()
    assert stored == [hash_token(token)] and token not in stored
    with pytest.raises(ValueError, match="role"):
        create_user(url, "X", "admin")
    with pytest.raises(ValueError, match="vehicle"):
        create_user(url, "X", "driver")


def test_app_migrates_a_fresh_database_on_start(tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'fresh.db'}"
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/centres").status_code == 401
    engine = create_engine(url)
    assert "plans" in inspect(engine).get_table_names()
    engine.dispose()


def test_settings_come_from_samkorsel_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMKORSEL_DATABASE_URL", raising=False)
    assert Settings().database_url == DEFAULT_DATABASE_URL
    monkeypatch.setenv("SAMKORSEL_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SAMKORSEL_PLAN_TIME_LIMIT_S", "3.5")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.plan_time_limit_s == 3.5
