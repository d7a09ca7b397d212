"""The coordinator's planning workflow in headless Chromium (issue 14): import the demo
spreadsheet with a preview, plan, follow the progress, review, publish with an effective date,
add a rider to the living plan, see and download who must be told. Plus the import's safety
rules over plain HTTP (errors with file, row and column; nothing stored; stale previews).

Its own app and database (the shared ``site`` is left alone: this module changes the data):
the tiny Samsø scenario with its hand-made plan published, clock at Monday 7 December 2026.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from apitest_data import tiny_plan, tiny_scenario
from apitest_support import LiveServer
from webtest_support import PASSWORD, Site, http_login, login, new_page
from webtest_support import csrf_of as _csrf
from webtest_support import logged_in as _client

REPO = Path(__file__).parents[2]
DEMO = REPO / "data" / "demo"
DEMO_FILES = ("centres.csv", "sessions.csv", "riders.csv", "vehicles.csv", "scenario.toml")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, samso_network: Any) -> Iterator[Site]:
    from api.auth import hash_password
    from api.db import repo
    from api.db.database import Database
    from api.db.repo_plans import current_published
    from api.demo_seed import seed_demo_database
    from api.main import create_app
    from api.settings import Settings

    path = tmp_path_factory.mktemp("desk-db") / "samkorsel.db"
    settings = Settings(database_url=f"sqlite+pysqlite:///{path}", auto_migrate=True,
                        plan_time_limit_s=2.0)
    scenario = tiny_scenario()
    key = seed_demo_database(settings, scenario, tiny_plan(scenario, samso_network),
                             user_name="Koordinator Karin", username="coordinator",
                             password=PASSWORD)
    database = Database(settings.database_url)
    with database.unit_of_work() as db:
        repo.add_user(db, name="Center Tranebjerg", role="centre", token_hash=None,
                      centre_ids=["C1"], vehicle_id=None, username="centre_c1",
                      password_hash=hash_password(PASSWORD))
        row = current_published(db)
        assert row is not None
        plan_id = int(row.plan_id)
    database.dispose()
    app = create_app(settings)
    app.state.context.clock = lambda: datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    with LiveServer(app) as server:
        yield Site(url=server.url, tokens={"coordinator": key}, plan_id=plan_id,
                   today=app.state.context.today(), password=PASSWORD)


def _shot(page: Any, screenshots: Path, name: str, full: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=full)


def _riders_count(site: Site) -> int:
    r = httpx.get(f"{site.url}/api/v1/riders?limit=500",
                  headers={"Authorization": f"Bearer {site.tokens['coordinator']}"})
    assert r.status_code == 200, r.text
    return len(r.json())


def test_import_errors_name_file_row_and_column_and_store_nothing(desk: Site,
                                                                  tmp_path: Path) -> None:
    before = _riders_count(desk)
    riders = (DEMO / "riders.csv").read_text(encoding="utf-8").splitlines()
    riders[3] = riders[3].replace("55.", "fem.", 1)  # row 4: a latitude that is no number
    with _client(desk) as client:
        form = client.get("/web/koordinator/import")
        files = [("filer", (name, (DEMO / name).read_bytes())) for name in DEMO_FILES
                 if name != "riders.csv"]
        files.append(("filer", ("riders.csv", "\n".join(riders).encode())))
        r = client.post("/web/koordinator/import", data={"csrf": _csrf(form.text)},
                        files=files)
        assert r.status_code == 422
        assert "Intet er gemt" in r.text
        table = re.sub(r"\s+", "", r.text.split('id="import-fejl"')[1])
        assert "<td>riders.csv</td><td>4</td><td>lat</td><td>" in table
        assert "fem.832241&#39;erikkeettal</td>" in table
        # An upload of a file that is not part of the format: a Danish message, not a 500.
        r = client.post("/web/koordinator/import", data={"csrf": _csrf(form.text)},
                        files=[("filer", ("noter.txt", b"hej"))])
        assert r.status_code == 400 and "Filerne kan ikke læses" in r.text
    assert _riders_count(desk) == before


def test_a_stale_or_foreign_preview_stores_nothing(desk: Site) -> None:
    with _client(desk) as client:
        form = client.get("/web/koordinator/import")
        csrf = _csrf(form.text)
        centres = (DEMO / "centres.csv").read_bytes()
        r = client.post("/web/koordinator/import", data={"csrf": csrf},
                        files=[("filer", ("centres.csv", centres))])
        # centres.csv alone is not a scenario: the loader says which files are missing.
        assert r.status_code == 422
        # A preview whose data changed before the confirmation: refused, nothing stored.
        files = [("filer", (name, (DEMO / name).read_bytes())) for name in DEMO_FILES]
        r = client.post("/web/koordinator/import", data={"csrf": csrf}, files=files)
        assert r.status_code == 200 and "Gem importen" in r.text
        token = re.search(r'name="token" value="([^"]+)"', r.text)
        assert token
        before = _riders_count(desk)
        # Someone else changes a rider in between (here through the REST API).
        key = {"Authorization": f"Bearer {desk.tokens['coordinator']}"}
        rider = httpx.get(f"{desk.url}/api/v1/riders/R1", headers=key).json()
        patched = httpx.patch(f"{desk.url}/api/v1/riders/R1", headers=key,
                              json={"notes": (rider.get("notes") or "") + " (ringes op)"})
        assert patched.status_code == 200, patched.text
        r = client.post("/web/koordinator/import/gem",
                        data={"csrf": csrf, "token": token.group(1)})
        assert r.status_code == 409 and "Data er ændret" in r.text
        assert _riders_count(desk) == before
        # An unknown token: refused as well.
        r = client.post("/web/koordinator/import/gem", data={"csrf": csrf, "token": "x" * 32})
        assert r.status_code == 409 and "Intet er gemt" in r.text
    assert _riders_count(desk) == before


def test_the_coordinators_planning_year(browser: Any, desk: Site, screenshots: Path,
                                        tmp_path: Path) -> None:
    page = new_page(browser)
    login(page, desk, "coordinator")

    # 1. Import the demo spreadsheet: preview with names, then save exactly that.
    page.click("header nav >> text=Import")
    page.set_input_files("#filer", [str(DEMO / name) for name in DEMO_FILES])
    page.click("#import-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Det ændrer importen"
    assert "Dorthe H." in page.locator("#import-nye").inner_text()  # names, not ids
    assert "R01" not in page.content()
    _shot(page, screenshots, "koordinator-import-forhaandsvisning")
    page.click("#import-gem button[type=submit]")
    assert "Importen er gemt: 64 nye" in page.locator("#import-gemt").inner_text()

    # 2. Plan from the page; the progress page refreshes itself until the plan is done.
    page.click("#import-gemt >> text=Lav en ny plan")
    page.fill("#navn", "Efterår 2027")
    page.fill("#tid", "2")
    page.click("#ny-plan button[type=submit]")
    if page.locator("#fremdrift").count():
        _shot(page, screenshots, "koordinator-plan-beregnes")
    page.wait_for_selector("#plan-status", timeout=150_000)
    assert "Udkast" in page.locator("#plan-status").inner_text()

    # 3. Review: key figures against the plan in force, who moves, runs with names, the map.
    assert "Pris pr. uge" in page.locator("#noegletal").inner_text()
    assert page.locator("#noegletal th >> text=I brug").count() == 1
    assert "Dorthe H." in page.locator("#nye-i-planen").inner_text()
    runs = page.locator("#ture").inner_text()
    assert "Dorthe H." in runs or "Aase V." in runs
    assert "Ud til" in runs and "Hjem fra" in runs
    page.wait_for_selector("#kort .leaflet-interactive", state="attached")
    _shot(page, screenshots, "koordinator-plan-gennemgang")
    new_plan = int(page.url.split("/planer/")[1].split("/")[0])

    # 4. Publish in force from today (the default date): marked unmistakably.
    page.click("#offentliggoer button[type=submit]")
    assert "Planen er offentliggjort" in page.locator("#offentliggjort").inner_text()
    page.goto(f"{desk.url}/web/koordinator/planlaeg")
    row = page.locator("#planer tr.i-brug")
    assert row.count() == 1 and "Efterår 2027" in row.inner_text()
    assert "I BRUG" in row.inner_text()

    # 5. A new rider (by address), added to the living plan with the ranked options.
    page.goto(f"{desk.url}/web/koordinator/borgere/ny")
    page.fill("#navn", "Hanne Holm")
    page.fill("#adresse", "Smedegade 37, Tranebjerg, 8305 Samsø")
    page.select_option("#center", "TRA")
    page.check("input[name=moduler][value=TRA-MON-AM]")
    page.click("#borger-form button[type=submit]")
    if page.locator("#adresse-valg").count():
        page.click("#borger-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Hanne Holm"
    page.goto(f"{desk.url}/web/koordinator/levende")
    page.select_option("#borger", label="Hanne Holm – Smedegade 37, Tranebjerg, 8305 Samsø")
    page.click("#levende-form button[type=submit]")
    assert page.locator("#valgmuligheder tbody tr").count() >= 1
    assert "Mandag" in page.locator("#valgmuligheder").inner_text() or \
        "mandag" in page.locator("#valgmuligheder").inner_text()
    _shot(page, screenshots, "koordinator-tilfoej-borger")
    page.click("#anvend button[type=submit]")
    assert "Udkast" in page.locator("#plan-status").inner_text()
    living_plan = int(page.url.split("/planer/")[1].split("/")[0])
    assert living_plan != new_plan
    assert "Hanne Holm" in page.locator("#nye-i-planen").inner_text()
    _shot(page, screenshots, "koordinator-udkast-med-ny-borger", full=False)

    # 6. Publish the draft from next Monday: today keeps the plan in force.
    page.fill("#fra", "2026-12-14")
    page.click("#offentliggoer button[type=submit]")
    notice = page.locator("#offentliggjort").inner_text()
    assert "gælder fra mandag den 14. december 2026" in notice
    key = {"Authorization": f"Bearer {desk.tokens['coordinator']}"}
    today = httpx.get(f"{desk.url}/api/v1/days/2026-12-07/runs", headers=key).json()
    monday = httpx.get(f"{desk.url}/api/v1/days/2026-12-14/runs", headers=key).json()
    assert today["plan_id"] == new_plan and monday["plan_id"] == living_plan

    # 7. Who must be told: names, addresses and times; printable; the CSV with the session.
    text = page.locator("main").inner_text()
    assert "Hanne Holm" in text and "Smedegade 37" in text
    _shot(page, screenshots, "koordinator-besked")
    with page.expect_download() as download:
        page.click("#hent-csv")
    saved = tmp_path / "besked.csv"
    download.value.save_as(str(saved))
    csv_text = saved.read_text(encoding="utf-8-sig")
    assert csv_text.startswith("recipient_type;") and "Hanne Holm" in csv_text
    # Without the session (and without a bearer token) the CSV is not handed out.
    anonymous = httpx.get(f"{desk.url}/web/koordinator/planer/{living_plan}/besked.csv")
    assert anonymous.status_code in (303, 307, 401) or "login" in str(anonymous.url)

    page.goto(f"{desk.url}/web/koordinator/planer/{living_plan}/gennemgang")
    assert "gælder fra mandag den 14. december 2026" in page.locator("#plan-status").inner_text()
    page.goto(f"{desk.url}/web/koordinator/planlaeg")
    assert "Gælder fra 14.12.2026" in page.locator("#planer").inner_text()
    _shot(page, screenshots, "koordinator-planlaegning")

    # 8. Removing: a rider not in the plan in force gets a Danish answer; one in it a preview.
    page.goto(f"{desk.url}/web/koordinator/levende")
    page.select_option("#borger", label="Hanne Holm – Smedegade 37, Tranebjerg, 8305 Samsø")
    page.check("input[name=handling][value=fjern]")
    page.click("#levende-form button[type=submit]")
    assert "Hanne Holm er ikke med i planen i brug." in page.locator("#levende-fejl").inner_text()
    page.select_option("#borger", label="Dorthe H. – Anton Rosens Plads 1A, 8305 Samsø")
    page.check("input[name=handling][value=fjern]")
    page.click("#levende-form button[type=submit]")
    assert "Lav udkast uden Dorthe H." in page.locator("#anvend").inner_text()

    # 9. The day overview: the plan in force on the date, runs with their manifests.
    page.goto(f"{desk.url}/web/koordinator/dagsoversigt?dato=2026-12-14")
    assert "Tilføj borger: Hanne Holm" in page.locator("#plan-i-brug").inner_text()
    _shot(page, screenshots, "koordinator-dagsoversigt", full=False)
    page.context.close()


def test_publishing_in_the_past_is_refused(desk: Site) -> None:
    with _client(desk) as client:
        home = client.get("/web/koordinator/planlaeg")
        r = client.post(f"/web/koordinator/planer/{desk.plan_id}/offentliggoer",
                        data={"csrf": _csrf(home.text), "fra": "2026-12-01"})
        assert r.status_code == 422 and "fortiden" in r.text
        r = client.post(f"/web/koordinator/planer/{desk.plan_id}/offentliggoer",
                        data={"csrf": _csrf(home.text), "fra": "i morgen"})
        assert r.status_code == 422 and "ÅÅÅÅ-MM-DD" in r.text



def test_the_day_overview_names_the_plan_in_force_and_flags_late_afbud(desk: Site) -> None:
    key = {"Authorization": f"Bearer {desk.tokens['coordinator']}"}
    r = httpx.post(f"{desk.url}/api/v1/absences", headers=key, json={
        "rider_id": "R1", "start": "2026-12-07", "end": "2026-12-07", "reason": "Syg"})
    assert r.status_code in (200, 201), r.text
    assert r.json()["late"] is True  # registered on the morning of the day
    with _client(desk) as client:
        for day in ("2026-12-07", "2026-12-14"):
            plan_id = httpx.get(f"{desk.url}/api/v1/days/{day}/runs", headers=key).json()[
                "plan_id"]
            page = client.get(f"/web/koordinator/dagsoversigt?dato={day}")
            assert page.status_code == 200, page.text
            in_force = page.text.split('id="plan-i-brug"')[1].split("</p>")[0]
            assert f"/koordinator/planer/{plan_id}/gennemgang" in in_force
            assert "/web/chauffoer/" in page.text  # each run links to its manifest
        today = client.get("/web/koordinator/dagsoversigt?dato=2026-12-07").text
        afbud = today.split('id="afbud"')[1].split("</table>")[0]
        assert "Anna Jensen" in afbud and "For sent" in afbud
        assert client.get("/web/koordinator/dagsoversigt?dato=igaar").status_code == 422
        stats = client.get("/web/koordinator/statistik?fra=2026-12-01&til=2026-12-07")
        assert stats.status_code == 200, stats.text
        riders = stats.text.split('id="pr-borger"')[1].split("</table>")[0]
        assert "Anna Jensen" in riders and "R1" not in riders  # names, not ids
        wrong = client.get("/web/koordinator/statistik?fra=2026-12-07&til=2026-12-01")
        assert wrong.status_code == 200 and "højst 92 dage" in wrong.text


def test_the_planning_pages_are_for_coordinators_only(desk: Site) -> None:
    with httpx.Client(base_url=desk.url, follow_redirects=True, timeout=60) as client:
        assert http_login(client, desk, "centre_c1").status_code == 200
        for path in ("/web/koordinator/import", "/web/koordinator/planlaeg",
                     "/web/koordinator/levende", "/web/koordinator/dagsoversigt",
                     "/web/koordinator/statistik",
                     f"/web/koordinator/planer/{desk.plan_id}/gennemgang",
                     f"/web/koordinator/planer/{desk.plan_id}/besked",
                     f"/web/koordinator/planer/{desk.plan_id}/besked.csv"):
            r = client.get(path)
            assert r.status_code == 403, (path, r.status_code)
            assert "recipient_type" not in r.text
