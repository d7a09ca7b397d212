"""Browser tests of the web pages: the real app under uvicorn, driven by headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, or ``SAMKORSEL_CHROMIUM``), driven by Playwright
for Python without Playwright's own browser download. Without Chromium or Playwright the tests
are skipped with the reason, except on CI (``CI=true``), where that is a failure.

The app runs on a free local port in a background thread, on a temporary SQLite database seeded
with the tiny Samsø scenario and its hand-made plan (published), with a fixed clock (Monday
7 December 2026), so "today" has runs. Tile requests are blocked, so the maps show the bundled
road network (as offline). Screenshots go to ``out/test-artifacts/screenshots/`` (or
``SAMKORSEL_SCREENSHOT_DIR``).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))  # apitest_data, apitest_support

from apitest_data import tiny_plan, tiny_scenario
from apitest_support import LiveServer
from webtest_support import PASSWORD, Site

REPO = Path(__file__).parents[2]
TODAY = date(2026, 12, 7)  # a Monday with runs in the tiny plan
CHROMIUM = os.environ.get("SAMKORSEL_CHROMIUM", "/usr/bin/chromium")


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _browser_missing()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"browser tests cannot run on CI: {reason}")
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and "browser" in getattr(
                item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, samso_network: Any) -> Iterator[Site]:
    with make_site(tmp_path_factory, samso_network) as made:
        yield made


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory, samso_network: Any) -> Iterator[Site]:
    """A server of its own for one test module that changes what others rely on (rules,
    grants, the plan in force)."""
    with make_site(tmp_path_factory, samso_network) as made:
        yield made


@contextmanager
def make_site(tmp_path_factory: pytest.TempPathFactory, samso_network: Any) -> Iterator[Site]:
    """A server of its own (database, port), for tests that change what others rely on
    (e.g. publishing another plan)."""
    from api.auth import hash_password, hash_token, new_token
    from api.db import repo, repo_riders
    from api.db.database import Database
    from api.db.models import Centre
    from api.db.repo_plans import current_published
    from api.demo_seed import seed_demo_database
    from api.main import create_app
    from api.settings import Settings

    path = tmp_path_factory.mktemp("web-db") / "samkorsel.db"
    settings = Settings(database_url=f"sqlite+pysqlite:///{path}", auto_migrate=True,
                        plan_time_limit_s=1.0)
    scenario = tiny_scenario()
    coordinator = seed_demo_database(settings, scenario, tiny_plan(scenario, samso_network),
                                     user_name="Koordinator Karin", username="coordinator",
                                     password=PASSWORD)
    url = settings.database_url
    people = {  # who: name, role, centres, vehicle (the username is `who`)
        "centre_c1": ("Center Tranebjerg", "centre", ["C1"], None),
        "centre_c2": ("Center Ballen", "centre", ["C2"], None),
        "driver_v1": ("Chauffør Vagn", "driver", [], "V1"),
        "driver_v2": ("Chauffør Vera", "driver", [], "V2"),
    }
    tokens = {"coordinator": coordinator}
    database = Database(url)
    with database.unit_of_work() as db:
        for who, (name, role, centre_ids, vehicle_id) in people.items():
            tokens[who] = new_token()  # people with a password and an API key (API tests)
            repo.add_user(db, name=name, role=role, token_hash=hash_token(tokens[who]),
                          centre_ids=centre_ids, vehicle_id=vehicle_id, username=who,
                          password_hash=hash_password(PASSWORD))
        for rider, phone, contact in (("R1", "+45 2000 0001", "+45 2000 1001"),
                                      ("R2", "+45 2000 0002", ""),
                                      ("R4", "+45 2000 0004", "+45 2000 1004")):
            row = repo_riders.get_rider(db, rider)
            assert row is not None
            row.phone, row.contact_phone = phone, contact
        for centre, phone in (("C1", "+45 8600 0001"), ("C2", "+45 8600 0002")):
            found = db.get(Centre, centre)
            assert found is not None
            found.phone = phone
        row = current_published(db)
        assert row is not None
        plan_id = int(row.plan_id)
    database.dispose()
    app = create_app(settings)
    app.state.context.clock = lambda: datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    with LiveServer(app) as server:
        yield Site(url=server.url, tokens=tokens, plan_id=plan_id, today=TODAY,
                   password=PASSWORD)


def danish_browser_env() -> dict[str, str]:
    """The environment for Chromium in Danish (24-hour time inputs, "09.00").

    On Linux, Chromium takes its interface locale, which formats ``<input type="time">``, from
    ``LANGUAGE``/``LANG`` and ignores ``--lang`` (measured with Chromium 156: ``--lang=da``
    plus the context's ``locale="da-DK"`` still shows "09:00 AM"); the locale file
    ``da.pak`` comes with Debian's ``chromium-l10n``."""
    return {**os.environ, "LANGUAGE": "da", "LANG": "da_DK.UTF-8"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if _browser_missing() is not None:
        pytest.skip(_browser_missing() or "")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--lang=da"],
                                     env=danish_browser_env())
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    out = Path(os.environ.get("SAMKORSEL_SCREENSHOT_DIR",
                              REPO / "out" / "test-artifacts" / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out
