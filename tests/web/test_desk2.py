"""The coordinator's desk, second part (issue 14): a pin on the map for a rider's home, the
editable centres, sessions and vehicles (an edit that would break a published run is refused
with the runs named), accepting a run merge on the day page, and the import preview kept in
the database (saved by a second server process).

Its own app and database (the shared ``site`` is left alone: this module changes the data):
the tiny Samsø scenario with its hand-made plan published, clock at Monday 7 December 2026.
Tests run in file order; the import adds the demo spreadsheet (merge), so later tests see it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from apitest_data import tiny_plan, tiny_scenario
from apitest_support import LiveServer
from webtest_support import PASSWORD, Site, login, new_page
from webtest_support import csrf_of as _csrf
from webtest_support import logged_in as _client

REPO = Path(__file__).parents[2]
DEMO = REPO / "data" / "demo"
DEMO_FILES = ("centres.csv", "sessions.csv", "riders.csv", "vehicles.csv", "scenario.toml")
MONDAY = "2026-12-07"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from api.settings import Settings

    path = tmp_path_factory.mktemp("desk2-db") / "samkorsel.db"
    return Settings(database_url=f"sqlite+pysqlite:///{path}", auto_migrate=True,
                    plan_time_limit_s=2.0)


def _app(settings: Any) -> Any:
    from api.main import create_app

    app = create_app(settings)
    app.state.context.clock = lambda: datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    return app


@pytest.fixture(scope="module")
def desk(settings: Any, samso_network: Any) -> Iterator[Site]:
    from api.auth import hash_password
    from api.db import repo
    from api.db.database import Database
    from api.db.repo_plans import current_published
    from api.demo_seed import seed_demo_database

    scenario = tiny_scenario()
    key = seed_demo_database(settings, scenario, tiny_plan(scenario, samso_network),
                             user_name="Koordinator Karin", username="coordinator",
                             password=PASSWORD)
    database = Database(settings.database_url)
    with database.unit_of_work() as db:
        repo.add_user(db, name="Koordinator Kim", role="coordinator", token_hash=None,
                      centre_ids=[], vehicle_id=None, username="coordinator2",
                      password_hash=hash_password(PASSWORD))
        row = current_published(db)
        assert row is not None
        plan_id = int(row.plan_id)
    database.dispose()
    with LiveServer(_app(settings)) as server:
        yield Site(url=server.url, tokens={"coordinator": key}, plan_id=plan_id,
                   today=datetime(2026, 12, 7).date(), password=PASSWORD)


def _shot(page: Any, screenshots: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def _api(site: Site) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens['coordinator']}"}


def test_lowering_a_vehicles_seats_below_a_run_is_refused_with_the_runs_named(
        browser: Any, desk: Site, screenshots: Path) -> None:
    before = httpx.get(f"{desk.url}/api/v1/vehicles/V1", headers=_api(desk)).json()
    page = new_page(browser)
    login(page, desk, "coordinator")
    page.goto(f"{desk.url}/web/koordinator/centre-og-vogne")
    page.locator("#vogne tr[data-vehicle=V1] a:text-is('Ret')").click()
    assert page.locator("#f-pladser").input_value() == "8"
    page.fill("#f-pladser", "2")
    page.click("#stamdata-form button[type=submit]")
    # Wednesday's runs carry Anna and Carla with her escort: three seats.
    assert "ikke gemt" in page.locator(".flash.fejl").inner_text()
    runs = page.locator("#beroerte-ture tbody tr")
    assert runs.count() == 2
    text = page.locator("#beroerte-ture").inner_text()
    assert "Onsdag" in text and "Anna Jensen" in text and "Carla Nielsen" in text
    assert "for få pladser" in text and "3 siddende" in text
    _shot(page, screenshots, "koordinator-vogn-afvist")
    after = httpx.get(f"{desk.url}/api/v1/vehicles/V1", headers=_api(desk)).json()
    assert after["seats"] == before["seats"] == 8
    # A harmless change (the price per km) is saved.
    page.fill("#f-pladser", "8")
    page.fill("#f-kmpris", "13,5")
    page.click("#stamdata-form button[type=submit]")
    assert page.locator(".flash.ok").count() == 1
    assert "13,50 kr." in page.locator("#vogne tr[data-vehicle=V1]").inner_text()
    # The garage moved by a click on the form's map: refused too (runs start there).
    page.locator("#vogne tr[data-vehicle=V2] a:text-is('Ret')").click()
    page.wait_for_selector("#naal-kort[data-base=roads]")
    box = page.locator("#naal-kort").bounding_box()
    assert box is not None
    # (the map is below the fold: the locator scrolls to it)
    page.locator("#naal-kort").click(position={"x": box["width"] / 2 + 40,
                                               "y": box["height"] / 2})
    page.wait_for_function("() => document.getElementById('f-lon').value !== '10.588000'")
    _shot(page, screenshots, "koordinator-vogn-kort")
    page.click("#stamdata-form button[type=submit]")
    assert "garage" in page.locator("#beroerte-ture").inner_text()
    page.goto(f"{desk.url}/web/koordinator/centre-og-vogne")
    # Deleting a vehicle the plan uses is refused the same way.
    page.locator("#vogne tr[data-vehicle=V2] summary").click()  # asks first
    page.locator("#vogne tr[data-vehicle=V2] >> text=Ja, slet").click()
    assert "Bent Hansen" in page.locator("#beroerte-ture").inner_text()
    page.context.close()


def test_a_coordinator_adds_changes_and_removes_a_vehicles_layouts(
        browser: Any, desk: Site, screenshots: Path) -> None:
    page = new_page(browser)
    login(page, desk, "coordinator")
    edit = f"{desk.url}/web/koordinator/vogne/V2/ret"
    page.goto(edit)
    rows = page.locator("#indretninger tbody tr[data-layout]")
    assert rows.count() == 2  # the standard 3 + 1, and an empty row to add one
    assert (page.input_value("#f-pladser"), page.input_value("#f-koerestole")) == ("3", "1")
    # A layout with no place is refused at its row, in Danish; nothing is stored.
    page.fill("#f-pladser-1", "0")
    page.fill("#f-koerestole-1", "0")
    page.click("#stamdata-form button[type=submit]")
    assert "mindst én plads" in page.locator("#f-indretning-1-fejl").inner_text()
    assert page.get_attribute("#f-pladser-1", "aria-invalid") == "true"
    _shot(page, screenshots, "koordinator-vogn-indretning-fejl")
    # Add 5 + 0 beside the standard: stored and listed.
    page.fill("#f-pladser-1", "5")
    page.click("#stamdata-form button[type=submit]")
    assert page.locator(".flash.ok").count() == 1
    assert "3+1, 5+0" in page.locator("#vogne tr[data-vehicle=V2]").inner_text()
    # Removing every layout is refused: at least one must remain.
    page.goto(edit)
    page.check("#f-fjern")
    page.check("#f-fjern-1")
    page.click("#stamdata-form button[type=submit]")
    assert "mindst én indretning" in page.locator("#f-indretninger-fejl").inner_text()
    # Removing the standard 3 + 1 leaves Monday's runs (Bent in his wheelchair) fitting no
    # layout: refused with the runs named, like fewer seats.
    page.uncheck("#f-fjern-1")
    page.click("#stamdata-form button[type=submit]")
    text = page.locator("#beroerte-ture").inner_text()
    assert "Mandag" in text and "Bent Hansen" in text and "for få pladser" in text
    _shot(page, screenshots, "koordinator-vogn-indretninger")
    v2 = httpx.get(f"{desk.url}/api/v1/vehicles/V2", headers=_api(desk)).json()
    assert [(x["seats"], x["wheelchair_places"]) for x in v2["layouts"]] == [(3, 1), (5, 0)]
    # Removing the added layout is stored (V2 is as it was for the tests after this one).
    page.goto(edit)
    page.check("#f-fjern-1")
    page.click("#stamdata-form button[type=submit]")
    assert page.locator(".flash.ok").count() == 1
    v2 = httpx.get(f"{desk.url}/api/v1/vehicles/V2", headers=_api(desk)).json()
    assert [(x["seats"], x["wheelchair_places"]) for x in v2["layouts"]] == [(3, 1)]
    page.context.close()


def test_a_coordinator_adds_a_session_and_a_centre(browser: Any, desk: Site,
                                                   screenshots: Path) -> None:
    page = new_page(browser)
    login(page, desk, "coordinator")
    page.goto(f"{desk.url}/web/koordinator/centre-og-vogne")
    page.click("#nyt-modul")
    page.select_option("#f-center", "C2")
    page.select_option("#f-ugedag", "fri")
    page.fill("#f-start", "10:00")
    page.fill("#f-slut", "09:00")
    page.click("#stamdata-form button[type=submit]")
    assert "slutte efter" in page.locator(".flash.fejl").inner_text()
    page.fill("#f-slut", "13:30")
    page.click("#stamdata-form button[type=submit]")
    assert page.locator(".flash.ok").count() == 1
    row = page.locator("#moduler tr[data-session='C2-fri']")
    assert "Fredag" in row.inner_text() and "10:00–13:30" in row.inner_text()
    # Moving a session the plan drives to is refused with its runs.
    page.locator("#moduler tr[data-session='C1-wed'] a:text-is('Ret')").click()
    page.fill("#f-start", "10:00")
    page.click("#stamdata-form button[type=submit]")
    assert "Carla Nielsen" in page.locator("#beroerte-ture").inner_text()
    # A new centre by address.
    page.goto(f"{desk.url}/web/koordinator/centre-og-vogne")
    page.click("#nyt-center")
    page.fill("#f-navn", "Dagcentret Nordby")
    page.fill("#f-adresse", "Smedegade 37, 8305 Samsø")
    page.click("#stamdata-form button[type=submit]")
    assert "Dagcentret Nordby" in page.locator("#centre-tabel").inner_text()
    _shot(page, screenshots, "koordinator-centre-og-vogne-ret")
    page.fill("#soeg-stamdata", "nordby")
    assert page.locator("#centre-tabel tbody tr:visible").count() == 1
    assert page.locator("#vogne tbody tr:visible").count() == 0
    page.context.close()
    sessions = httpx.get(f"{desk.url}/api/v1/centres/C1/sessions", headers=_api(desk)).json()
    assert next(s for s in sessions if s["session_id"] == "C1-wed")["start"] == "09:00"


def test_a_coordinator_accepts_a_run_merge_on_the_day_page(browser: Any, desk: Site,
                                                           screenshots: Path) -> None:
    page = new_page(browser)
    login(page, desk, "coordinator")
    page.goto(f"{desk.url}/web/koordinator/dagsoversigt?dato={MONDAY}")
    before = page.locator("#dagens-ture tbody tr").count()
    suggestions = page.locator("#samkoersel tbody tr")
    assert suggestions.count() >= 1
    suggestions.first.locator("text=Læg sammen").click()
    assert page.locator("h1").inner_text().startswith("Læg ture sammen")
    affected = page.locator("#samkoersel-berorte").inner_text()
    assert "Anna Jensen" in affected or "Bent Hansen" in affected
    assert "→" in affected and "Ja" in affected  # who changes vehicle is to be told
    _shot(page, screenshots, "koordinator-samkoersel")
    page.click("#samkoersel-bekraeft button[type=submit]")
    assert "lagt sammen" in page.locator(".flash.ok").inner_text()
    assert page.locator("#samkoert tbody tr").count() == 1
    assert "kørelisterne er opdateret" in page.locator("#samkoert").inner_text()
    assert page.locator("#dagens-ture tbody tr").count() == before - 1
    _shot(page, screenshots, "koordinator-dag-samkoert")
    # The manifest of the vehicle that drives the merged run carries both riders.
    merged = [r for r in httpx.get(f"{desk.url}/api/v1/days/{MONDAY}/runs",
                                   headers=_api(desk)).json()["runs"]
              if {"R1", "R2"} <= {x for s in r["stops"] for x in s["rider_ids"]}]
    assert merged
    page.goto(f"{desk.url}/web/chauffoer/{merged[0]['vehicle_id']}?dato={MONDAY}")
    assert "Anna Jensen" in page.content() and "Bent Hansen" in page.content()
    page.context.close()


def test_a_coordinator_moves_a_riders_pin_and_saves(browser: Any, desk: Site,
                                                    screenshots: Path) -> None:
    before = httpx.get(f"{desk.url}/api/v1/riders/R3", headers=_api(desk)).json()
    page = new_page(browser)
    login(page, desk, "coordinator")
    page.goto(f"{desk.url}/web/koordinator/borgere/R3")
    page.click("#naal")
    page.wait_for_selector("#naal-kort[data-base=roads]")
    page.wait_for_selector("#naal-kort path.leaflet-interactive")  # the walk to the stop
    first = page.locator("#afstand").inner_text()
    assert "Vognen holder" in first
    box = page.locator("#naal-kort").bounding_box()
    assert box is not None
    # A click a little north-east of the pin moves it; the distance is asked again.
    page.mouse.click(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 - 50)
    page.wait_for_function("old => document.getElementById('lat').value !== old",
                           arg=f"{before['lat']:.6f}")
    page.wait_for_function("old => document.getElementById('afstand').textContent !== old",
                           arg=first)
    lat = float(page.input_value("#lat"))
    lon = float(page.input_value("#lon"))
    assert lat > before["lat"] and lon > before["lon"]
    _shot(page, screenshots, "koordinator-naal")
    page.click("#naal-form button[type=submit]")
    # Carla rides on Wednesdays in the plan in force: on to the living plan's change.
    assert "/web/koordinator/levende" in page.url and "borger=R3" in page.url
    assert "Placeringen er gemt" in page.locator(".flash.ok").inner_text()
    after = httpx.get(f"{desk.url}/api/v1/riders/R3", headers=_api(desk)).json()
    assert abs(after["lat"] - lat) < 1e-6 and abs(after["lon"] - lon) < 1e-6
    page.context.close()


def test_door_distance_and_pin_rules_over_http(desk: Site) -> None:
    with _client(desk) as client:
        r = client.get("/web/koordinator/kort/afstand",
                       params={"lat": 55.8305, "lon": 10.5910, "koerestol": "ja"})
        body = r.json()
        assert r.status_code == 200 and body["limit_m"] == 30
        assert body["distance_m"] >= 0 and "Vognen holder" in body["text"]
        # A garage moved while published runs start there: refused, runs named, nothing saved.
        page = client.get("/web/koordinator/kort/vogne/V2")
        r = client.post("/web/koordinator/kort/vogne/V2",
                        data={"csrf": _csrf(page.text), "lat": "55.8300", "lon": "10.5900"})
        assert r.status_code == 409 and "Dorte Madsen" in r.text
        v2 = httpx.get(f"{desk.url}/api/v1/vehicles/V2", headers=_api(desk)).json()
        assert v2["depot_lat"] == pytest.approx(55.8275)
        r = client.post("/web/koordinator/kort/borgere/R4",
                        data={"csrf": _csrf(page.text), "lat": "nord", "lon": "10.59"})
        assert r.status_code == 422 and "Skriv bredde- og længdegrad" in r.text
        # A centre pinned in the sea: refused, nothing stored.
        r = client.post("/web/koordinator/kort/centre/C2",
                        data={"csrf": _csrf(page.text), "lat": "56.2", "lon": "11.2"})
        assert r.status_code == 422 and "for langt fra vejnettet" in r.text
        c2 = httpx.get(f"{desk.url}/api/v1/centres/C2", headers=_api(desk)).json()
        assert c2["lat"] == pytest.approx(55.8185)


def test_the_import_preview_is_kept_in_the_database_and_saved_by_another_server(
        browser: Any, desk: Site, settings: Any, screenshots: Path) -> None:
    from sqlalchemy import func, select

    from api.db.database import Database
    from api.db.models import ImportPreview, Rider

    folder = Path(tempfile.gettempdir()) / "samkorsel-web-import"
    files_before = set(folder.iterdir()) if folder.exists() else set()
    page = new_page(browser)
    login(page, desk, "coordinator")
    page.goto(f"{desk.url}/web/koordinator/import")
    page.set_input_files("#filer", [str(DEMO / name) for name in DEMO_FILES])
    page.click("#import-form button[type=submit]")
    assert page.locator("#import-nye tbody tr").count() > 10
    _shot(page, screenshots, "koordinator-import-database")
    token = page.locator("#import-gem input[name=token]").input_value()
    database = Database(settings.database_url)
    with database.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(ImportPreview)) == 1
        riders_before = db.scalar(select(func.count()).select_from(Rider))
    # Nothing on this server's disk.
    assert (set(folder.iterdir()) if folder.exists() else set()) == files_before
    cookies = page.context.cookies()
    page.context.close()
    # A second API process on the same database saves it (the login is in the database too).
    with LiveServer(_app(settings)) as second, httpx.Client(
            base_url=second.url, follow_redirects=False, timeout=120) as client:
        for c in cookies:
            client.cookies.set(c["name"], c["value"])
        form = client.get("/web/koordinator/import")
        assert form.status_code == 200
        csrf = _csrf(form.text)
        # Another coordinator cannot use the token.
        with _client(desk, "coordinator2") as other:
            r = other.post("/web/koordinator/import/gem",
                           data={"csrf": _csrf(other.get("/web/koordinator/import").text),
                                 "token": token})
            assert r.status_code == 409 and "Intet er gemt" in r.text
        r = client.post("/web/koordinator/import/gem", data={"csrf": csrf, "token": token})
        assert r.status_code == 303 and "gemt=ja" in r.headers["location"]
    with database.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(ImportPreview)) == 0
        assert db.scalar(select(func.count()).select_from(Rider)) > riders_before
    database.dispose()


def test_a_new_rider_is_placed_by_a_click_on_the_map(browser: Any, desk: Site,
                                                    screenshots: Path) -> None:
    page = new_page(browser)
    login(page, desk, "coordinator")
    page.goto(f"{desk.url}/web/koordinator/borgere/ny")
    page.fill("#navn", "Kaj Kortklik")
    page.fill("#adresse", "Husmandsstedet ved skoven")
    page.select_option("#center", "C1")
    page.check("input[name=moduler][value=C1-mon]")
    page.click("#koordinater summary")
    page.wait_for_selector("#naal-kort[data-base=roads]")
    box = page.locator("#naal-kort").bounding_box()
    assert box is not None
    page.locator("#naal-kort").click(position={"x": box["width"] / 2 + 30,
                                               "y": box["height"] / 2 + 20})
    page.wait_for_function("() => document.getElementById('bredde').value !== ''")
    page.wait_for_function(
        "() => document.getElementById('afstand').textContent.includes('Vognen holder')")
    _shot(page, screenshots, "koordinator-ny-borger-kort")
    page.click("#borger-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Kaj Kortklik"
    page.context.close()


def test_a_rider_can_be_placed_by_coordinates_and_the_users_table_filters(desk: Site) -> None:
    with _client(desk) as client:
        form = client.get("/web/koordinator/borgere/ny")
        assert 'id="koordinater"' in form.text
        data = {"csrf": _csrf(form.text), "navn": "Ole Koordinat", "adresse": "Gården bag kirken",
                "center": "C1", "moduler": "C1-mon", "bredde": "55.8305", "laengde": "10.5912"}
        r = client.post("/web/koordinator/borgere/ny", data=data)
        assert r.status_code == 200 and "Ole Koordinat" in r.text
        assert "Gården bag kirken" in r.text
        # In the sea: refused, nothing stored.
        r = client.post("/web/koordinator/borgere/ny",
                        data={**data, "navn": "Ole i Havet", "bredde": "56.2", "laengde": "11.2"})
        assert r.status_code == 422 and "for langt fra vejnettet" in r.text
        riders = httpx.get(f"{desk.url}/api/v1/riders", headers=_api(desk)).json()
        assert "Ole i Havet" not in {x["name"] for x in riders}
        users = client.get("/web/koordinator/brugere")
        assert 'data-filter="#brugere"' in users.text and 'class="list sortable"' in users.text


def test_the_import_preview_names_the_runs_it_would_outdate(desk: Site, tmp_path: Path) -> None:
    import csv
    import io
    import zipfile

    r = httpx.get(f"{desk.url}/api/v1/scenario/export", headers=_api(desk), timeout=60)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        archive.extractall(tmp_path)
    vehicles = tmp_path / "vehicles.csv"
    with vehicles.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = list(reader.fieldnames or [])
        rows = [{**row, "seats": "2"} if row["vehicle_id"] == "V1" else row for row in reader]
    with vehicles.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    files = [("filer", (p.name, p.read_bytes())) for p in sorted(tmp_path.iterdir())
             if p.suffix in (".csv", ".toml")]
    with _client(desk) as client:
        form = client.get("/web/koordinator/import")
        r = client.post("/web/koordinator/import", data={"csrf": _csrf(form.text)},
                        files=files)
        assert r.status_code == 200, r.text
        section = r.text.split('id="import-ture"')[1].split("</section>")[0]
        assert "Onsdag" in section and "Carla Nielsen" in section
        assert "for få pladser" in section


def test_an_import_preview_expires_after_an_hour_and_is_cleaned_up(desk: Site,
                                                                     settings: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from api.db.database import Database
    from api.db.models import ImportPreview, User
    from api.web.imports import _keep, _kept

    database = Database(settings.database_url)
    start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    files = [("riders.csv", b"rider_id,name\n"), ("centres.csv", b"centre_id\n")]
    with database.unit_of_work() as db:
        users = {u.username: u for u in db.scalars(select(User))}
        # Rows stand in for principals: the kept upload only needs the user's id.
        karin, kim = users["coordinator"], users["coordinator2"]
        token = _keep(db, karin, files, "merge", "fp", start)
    with database.unit_of_work() as db:
        assert _kept(db, karin, token, start + timedelta(minutes=59)) == ("merge", "fp", files)
        assert _kept(db, kim, token, start) is None
        assert _kept(db, karin, token, start + timedelta(minutes=61)) is None
        # The next upload (anyone's) deletes what has expired.
        _keep(db, kim, files, "merge", "fp", start + timedelta(hours=2))
    with database.unit_of_work() as db:
        left = db.scalars(select(ImportPreview)).all()
        assert [p.user_id for p in left] == [kim.user_id]
    database.dispose()
