"""``samkorsel demo --no-serve`` leaves a seeded database; ``/docs`` works offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from webtest_support import Site, new_page


def test_docs_work_without_internet(browser: Any, site: Site, screenshots: Path) -> None:
    page = new_page(browser)
    # Everything not served by the app itself fails, as without internet.
    page.context.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda r: r.abort())
    page.goto(f"{site.url}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    assert "Samkørsel API" in page.locator(".title").first.inner_text()
    page.screenshot(path=str(screenshots / "docs.png"))
    page.context.close()


def test_demo_without_serving_seeds_the_database(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from api.auth import login_user
    from api.cli import app
    from api.db.database import Database
    from api.db.repo_plans import current_published
    from api.demo_seed import DEMO_PASSWORD, DEMO_USERNAME

    url = f"sqlite+pysqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("SAMKORSEL_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--time-limit", "4",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"username {DEMO_USERNAME}" in result.output
    assert f"password {DEMO_PASSWORD}" in result.output
    database = Database(url)
    with database.unit_of_work() as db:
        plan = current_published(db)
        assert plan is not None and plan.status == "done"
        user = login_user(db, DEMO_USERNAME, DEMO_PASSWORD)
        assert user is not None and user.role == "coordinator"
        assert login_user(db, "chauffoer", DEMO_PASSWORD) is not None
    database.dispose()
