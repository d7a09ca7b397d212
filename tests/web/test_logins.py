"""People and logins: passwords, server-side sessions, resets, deactivation, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from webtest_support import Site, http_login

from api.web.session import COOKIE_NAME


@contextmanager
def _client(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as client:
        yield client


def _bearer(site: Site, who: str = "coordinator") -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[who]}"}


def test_a_coordinator_creates_resets_and_deactivates_a_person(site: Site) -> None:
    with _client(site) as api:
        r = api.post("/api/v1/users", headers=_bearer(site), json={
            "name": "Chauffør Villy", "role": "driver", "vehicle_id": "V1",
            "username": "Villy", "password": "første-kode-123", "api_key": False})
        assert r.status_code == 201, r.text
        user = r.json()
        assert user["token"] is None and user["username"] == "villy"
        r = api.post("/api/v1/users", headers=_bearer(site), json={
            "name": "X", "role": "driver", "vehicle_id": "V1", "username": "VILLY",
            "password": "anden-kode-123"})
        assert r.status_code == 409  # usernames are unique without case
        r = api.post("/api/v1/users", headers=_bearer(site), json={
            "name": "X", "role": "driver", "vehicle_id": "V1", "api_key": False})
        assert r.status_code == 422
        with _client(site) as browser:
            site_v = Site(site.url, site.tokens, site.plan_id, site.today, "første-kode-123")
            assert http_login(browser, site_v, "villy").status_code == 303
            assert browser.get("/web/chauffoer/V1").status_code == 200
            # The coordinator sets a new password: the open session ends at once.
            r = api.put(f"/api/v1/users/{user['user_id']}/password", headers=_bearer(site),
                        json={"password": "ny-kode-4567"})
            assert r.status_code == 200, r.text
            r = browser.get("/web/chauffoer/V1")
            assert r.status_code == 303 and "/web/login" in r.headers["location"]
            browser.cookies.clear()
            assert http_login(browser, site_v, "villy").status_code == 401
            site_v.password = "ny-kode-4567"
            assert http_login(browser, site_v, "villy").status_code == 303
            assert browser.get("/web/chauffoer/V1").status_code == 200
            # Deactivated: the session ends and the password no longer opens anything.
            r = api.delete(f"/api/v1/users/{user['user_id']}", headers=_bearer(site))
            assert r.status_code == 200 and r.json()["revoked_at"] is not None
            assert browser.get("/web/chauffoer/V1").status_code == 303
            browser.cookies.clear()
            assert http_login(browser, site_v, "villy").status_code == 401


def test_the_last_active_coordinator_cannot_be_deactivated(site: Site) -> None:
    with _client(site) as api:
        me = api.get("/api/v1/me", headers=_bearer(site)).json()
        r = api.delete(f"/api/v1/users/{me['user_id']}", headers=_bearer(site))
        assert r.status_code == 409
        assert "last active coordinator" in r.json()["detail"]
        # A centre user may not reset passwords.
        r = api.put(f"/api/v1/users/{me['user_id']}/password", headers=_bearer(site, "centre_c1"),
                    json={"password": "x" * 12})
        assert r.status_code == 403


def test_create_user_reads_the_password_from_stdin(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app
    from api.db.database import Database
    from api.db.models import User

    url = f"sqlite+pysqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setenv("SAMKORSEL_DATABASE_URL", url)
    runner = CliRunner()
    result = runner.invoke(app, ["create-user", "Karin", "--role", "coordinator",
                                 "--password-stdin"], input="hemmelig-kode-1\n")
    assert result.exit_code == 0, result.output
    assert "'karin'" in result.output and "hemmelig" not in result.output
    result = runner.invoke(app, ["create-user", "karin", "--password-stdin"],
                           input="en-anden-kode\n")
    assert result.exit_code == 2 and "already taken" in result.output
    result = runner.invoke(app, ["create-user", "kort", "--password-stdin"], input="kort\n")
    assert result.exit_code == 2 and "at least 8" in result.output
    result = runner.invoke(app, ["create-user", "Maskine", "--role", "coordinator"])
    assert result.exit_code == 0 and "sk_" in result.output  # the API-key form stays
    database = Database(url)
    with database.unit_of_work() as db:
        karin = db.query(User).filter(User.username == "karin").one()
        assert karin.token_hash is None
        assert karin.password_hash is not None and karin.password_hash.startswith("$argon2id$")
    database.dispose()

    from api.auth import login_user

    database = Database(url)
    with database.unit_of_work() as db:
        assert login_user(db, " KARIN ", "hemmelig-kode-1") is not None
        assert login_user(db, "karin", "hemmelig-kode-2") is None
    database.dispose()


def test_session_cookie_is_not_an_api_key(site: Site) -> None:
    with _client(site) as browser:
        http_login(browser, site, "centre_c1")
        value = browser.cookies[COOKIE_NAME]
        r = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})
        assert r.status_code == 401


def test_repeated_wrong_passwords_block_the_username_for_a_while(site: Site) -> None:
    with _client(site) as api:
        r = api.post("/api/v1/users", headers=_bearer(site), json={
            "name": "Gætte Gert", "role": "centre", "centre_ids": ["C1"],
            "username": "gert", "password": "rigtig-kode-1", "api_key": False})
        assert r.status_code == 201, r.text
    wrong = Site(site.url, site.tokens, site.plan_id, site.today, "forkert-kode")
    right = Site(site.url, site.tokens, site.plan_id, site.today, "rigtig-kode-1")
    with _client(site) as browser:
        for _ in range(5):
            assert http_login(browser, wrong, "gert").status_code == 401
        r = http_login(browser, right, "gert")  # even the right password, for now
        assert r.status_code == 429 and "For mange forkerte forsøg" in r.text
        assert COOKIE_NAME not in browser.cookies
        # Other usernames are not affected.
        assert http_login(browser, site, "centre_c2").status_code == 303
