"""The coordinator's desk, the driver's phone numbers and no-show undo, the centre's date
picker, the users page — in headless Chromium, as the users would click them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from webtest_support import Site, http_login, login, new_page


def _shot(page: Any, screenshots: Path, name: str, full: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=full)


def test_riders_table_search_sort_and_the_riders_page(browser: Any, site: Site,
                                                      screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "coordinator")
    page.click("header nav >> text=Borgere")
    assert page.locator("h1").inner_text() == "Borgere"
    rows = page.locator("#borgere tbody tr")
    assert rows.count() >= 4
    assert "Aktivitetscentret Tranebjerg" in page.locator("#borgere").inner_text()
    assert "R1" not in page.locator("#borgere").inner_text()  # names, not ids
    page.fill("#soeg", "bent")
    assert page.locator("#borgere tbody tr:visible").count() == 1
    assert "Bent Hansen" in page.locator("#borgere tbody tr:visible").inner_text()
    page.fill("#soeg", "")
    page.click("#borgere th >> text=Center")
    centres = [c.inner_text() for c in page.locator("#borgere tbody tr td:nth-child(3)").all()]
    assert centres == sorted(centres)
    page.click("#borgere th >> text=Navn")
    _shot(page, screenshots, "koordinator-borgere")

    page.click("#borgere >> text=Anna Jensen")
    assert page.locator("h1").inner_text() == "Anna Jensen"
    times = page.locator("#tider tbody tr")
    assert [t.get_attribute("data-weekday") for t in times.all()] == ["mon", "wed"]
    monday = page.locator("#tider tr[data-weekday=mon] td.big").first.inner_text()
    assert monday[:2].isdigit() and ":" in monday  # the agreed pickup time, e.g. 08:40
    assert "+45 2000 0001" in page.content() and "+45 2000 1001" in page.content()
    assert "Bilen holder" in page.locator("#stop-afstand").inner_text()
    _shot(page, screenshots, "koordinator-borger")
    page.context.close()


def test_a_coordinator_adds_a_rider_by_address(browser: Any, site: Site,
                                               screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "coordinator")
    page.goto(f"{site.url}/web/koordinator/borgere")
    page.click("text=+ Tilføj borger")
    page.fill("#navn", "Hanne Holm")
    page.type("#adresse", "Smedeg")
    page.wait_for_selector("#adresse-forslag option", state="attached")
    assert "Smedegade" in (page.locator("#adresse-forslag option").first.get_attribute("value")
                           or "")
    page.fill("#adresse", "Smedgade 37")  # a typo: confirmed, never guessed silently
    page.select_option("#center", "C1")
    page.check("input[name=moduler][value=C1-mon]")
    page.check("input[name=koerestol]")
    page.fill("#telefon", "+45 2000 0099")
    page.click("#borger-form button[type=submit]")
    choice = page.locator("#adresse-valg")
    assert "bekræft" in choice.inner_text()
    assert page.locator("#adresse-valg input:checked").get_attribute("value") == \
        "Smedegade 37, Tranebjerg, 8305 Samsø"
    assert page.input_value("#navn") == "Hanne Holm"  # nothing typed is lost
    _shot(page, screenshots, "koordinator-ny-borger")
    page.click("#borger-form button[type=submit]")
    assert "Borgeren er oprettet." in page.locator(".flash.ok").inner_text()
    assert page.locator("h1").inner_text() == "Hanne Holm"
    assert "Smedegade 37, Tranebjerg, 8305 Samsø" in page.content()
    assert "Kørestol" in page.content() and "+45 2000 0099" in page.content()
    # Changed: a new address (looked up again), another phone number, an escort.
    page.click("#ret")
    assert page.input_value("#telefon") == "+45 2000 0099"
    page.fill("#adresse", "Langgade 12, 8305 Samsø")
    page.fill("#telefon", "+45 2000 0098")
    page.check("input[name=ledsager]")
    page.click("#borger-form button[type=submit]")
    assert "Ændringerne er gemt." in page.locator(".flash.ok").inner_text()
    assert "Langgade 12" in page.content() and "+45 2000 0098" in page.content()
    assert "Ledsager" in page.content()
    page.context.close()


def test_driver_sees_only_their_runs_phone_numbers_and_undoes_a_no_show(
        browser: Any, site: Site, screenshots: Path) -> None:
    phone = new_page(browser, phone=True)
    login(phone, site, "driver_v2", remember=True)
    text = phone.content()
    assert "+45 2000 0002" in text  # Bent Hansen rides V2
    assert "+45 8600 0001" in text  # his centre
    assert "+45 2000 0001" not in text and "+45 2000 0004" not in text  # not on V2 today
    # 07:30: the next stop is the first pickup of the morning run, linked from the top.
    nxt = phone.locator("#naeste")
    assert nxt.count() == 1 and "Næste stop" in nxt.inner_text()
    assert "Bent Hansen" in nxt.inner_text()  # his pickup, not the depot
    assert phone.locator("section.run[data-run=mon-to-V2] #naeste").count() == 1
    assert phone.locator("#til-naeste").get_attribute("href") == "#naeste"
    rider = phone.locator(".stop.pickup .rider[data-rider=R2]").first
    rider.locator("summary").click()
    assert "Var Bent Hansen ikke til stede?" in rider.inner_text()
    assert "hjemturen køres som planlagt" in rider.inner_text()  # the rule is off by default
    _shot(phone, screenshots, "chauffoer-bekraeft", full=False)
    rider.locator("button[type=submit]").click()
    assert "Udeblivelsen er registreret." in phone.locator(".flash.ok").inner_text()
    state = phone.locator(".stop.pickup .rider[data-rider=R2] .no-show-state").first
    # No municipality states the no-show rule: the centre is told, the ride home stays.
    assert "Centret får besked; hjemturen køres som planlagt." in state.inner_text()
    assert phone.locator(".rider.struck[data-rider=R2]").count() == 0
    _shot(phone, screenshots, "chauffoer-udeblevet")
    state.locator("button").click()
    assert "fortrudt" in phone.locator(".flash.ok").inner_text()
    assert phone.locator(".no-show-state").count() == 0
    assert phone.locator(".rider.struck[data-rider=R2]").count() == 0
    phone.context.close()


def test_centre_date_picker_defaults_to_the_next_working_day(browser: Any, site: Site,
                                                              screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    assert page.input_value("#dato") == "2026-12-08"  # Monday → Tuesday
    assert "Næste arbejdsdag: tirsdag den 8. december 2026" in page.content()
    page.fill("#dato", "2026-12-09")
    page.click("#dato-form button")
    assert "Valgt dag: onsdag den 9. december 2026" in page.content()
    _shot(page, screenshots, "center-dato")
    # The centre's riders table: its own riders only, no other centre's phone numbers.
    page.goto(f"{site.url}/web/koordinator/borgere")
    assert "Anna Jensen" in page.content()
    assert "Dorte Madsen" not in page.content() and "+45 2000 0004" not in page.content()
    assert page.goto(f"{site.url}/web/koordinator/borgere/R4").status == 404
    assert page.goto(f"{site.url}/web/koordinator/brugere").status == 403
    page.context.close()


def test_users_page(browser: Any, site: Site, screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "coordinator")
    page.click("header nav >> text=Brugere")
    page.fill("#navn", "Chauffør Bo")
    page.fill("#brugernavn", "bo")
    page.fill("#kode", "bo-kode-1234")
    page.select_option("#rolle", "driver")
    page.select_option("#vogn", "V1")
    page.click("#bruger-form button[type=submit]")
    assert "Brugeren er oprettet." in page.locator(".flash.ok").inner_text()
    row = page.locator("#brugere tr[data-user=bo]")
    assert "Chauffør" in row.inner_text() and "Vogn V1" in row.inner_text()
    row.locator("input[name=kode]").fill("bo-ny-kode-99")
    row.locator("text=Skift").click()
    assert "Adgangskoden er ændret" in page.locator(".flash.ok").inner_text()
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as client:
        bo = Site(site.url, site.tokens, site.plan_id, site.today, "bo-ny-kode-99")
        assert http_login(client, bo, "bo").status_code == 303
    page.locator("#brugere tr[data-user=bo] summary").click()  # asks first
    page.locator("#brugere tr[data-user=bo] >> text=Ja, deaktivér").click()
    assert "deaktiveret" in page.locator(".flash.ok").inner_text()
    assert "Deaktiveret" in page.locator("#brugere tr[data-user=bo]").inner_text()
    _shot(page, screenshots, "koordinator-brugere")
    # The only coordinator cannot deactivate themself.
    page.locator("#brugere tr[data-user=coordinator] summary").click()
    page.locator("#brugere tr[data-user=coordinator] >> text=Ja, deaktivér").click()
    assert "sidste aktive koordinator" in page.locator(".flash.fejl").inner_text()
    page.context.close()


def test_login_page(browser: Any, site: Site, screenshots: Path) -> None:
    page = new_page(browser)
    page.goto(f"{site.url}/web/login")
    assert page.locator("label[for=username]").inner_text() == "Brugernavn"
    _shot(page, screenshots, "login", full=False)
    page.context.close()
    phone = new_page(browser, phone=True)
    phone.goto(f"{site.url}/web/login")
    _shot(phone, screenshots, "login-telefon", full=False)
    phone.context.close()


def test_address_lookup_needs_a_role_that_enters_addresses(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=60) as client:
        r = client.get("/api/v1/addresses", params={"q": "Smedegade 37, 8305 Samsø"},
                       headers={"Authorization": f"Bearer {site.tokens['coordinator']}"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "exact"
        assert body["found"]["label"] == "Smedegade 37, Tranebjerg, 8305 Samsø"
        r = client.get("/api/v1/addresses", params={"q": "Smedegade"},
                       headers={"Authorization": f"Bearer {site.tokens['coordinator']}"})
        assert r.json()["status"] == "missing_housenumber"
        r = client.get("/api/v1/addresses", params={"q": "Smedegade 37"},
                       headers={"Authorization": f"Bearer {site.tokens['driver_v1']}"})
        assert r.status_code == 403
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as client:
        http_login(client, site, "driver_v1")
        assert client.get("/web/adresser", params={"q": "Smedegade"}).status_code == 403


def test_centre_afbud_warnings_open_ended_afbud_and_closing_days(browser: Any, site: Site,
                                                                  screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    # Anna Jensen rides Monday and Wednesday: an afbud for Tuesday only is refused.
    page.select_option("#borger", "R1")
    page.fill("#fra", "2026-12-08")
    page.fill("#til", "2026-12-08")
    page.click("#afbud-form button[type=submit]")
    assert "Anna Jensen har ingen kørsel tirsdag" in page.locator(".flash.fejl").inner_text()
    # Late (today, after Friday's deadline): registered, with what to do.
    page.select_option("#borger", "R1")
    page.fill("#fra", site.today.isoformat())
    page.fill("#til", site.today.isoformat())
    page.click("#afbud-form button[type=submit]")
    warning = page.locator(".flash.warn").inner_text()
    assert "for sent" in warning.lower() and "kl. 16:00" in warning and "Ring" in warning
    _shot(page, screenshots, "center-sent-afbud")
    # The coordinator's day view flags it.
    coordinator = new_page(browser)
    login(coordinator, site, "coordinator")
    coordinator.goto(f"{site.url}/web/koordinator/dag/{site.today.isoformat()}")
    assert "Anna Jensen" in coordinator.locator("#sene-afbud").inner_text()
    assert "for sent" in coordinator.locator("#sene-afbud").inner_text()
    coordinator.context.close()
    page.locator("#afbud-liste tr[data-rider=R1] >> text=Træk tilbage").click()
    # Until further notice, then ended on a date.
    page.select_option("#borger", "R3")
    page.fill("#fra", "2026-12-09")
    page.click("#afbud-form button[type=submit]")
    assert "Afbuddet er registreret." in page.locator(".flash.ok").inner_text()
    row = page.locator("#afbud-liste tr[data-rider=R3]")
    assert "indtil videre" in row.inner_text()
    row.locator("input[name=sidste]").fill("2026-12-16")
    row.locator("text=Afslut afbud").click()
    assert "Afbuddet er afsluttet" in page.locator(".flash.ok").inner_text()
    assert "2026-12-16" in page.locator("#afbud-liste tr[data-rider=R3]").inner_text()
    page.locator("#afbud-liste tr[data-rider=R3] >> text=Træk tilbage").click()
    # A closing day: added, listed, deleted.
    page.fill("#lukning-form input[name=fra]", "2026-12-28")
    page.fill("#lukning-form input[name=aarsag]", "Juleferie")
    page.click("#lukning-form button[type=submit]")
    item = page.locator("#lukkedage li", has_text="Juleferie")
    assert "mandag den 28. december 2026" in item.inner_text()
    item.locator("details.delete-closure summary").click()  # asks first
    item.locator("text=Ja, slet lukkedagen").click()
    assert "Lukkedagen er slettet." in page.locator(".flash.ok").inner_text()
    assert page.locator("#lukkedage li", has_text="Juleferie").count() == 0
    page.context.close()


def _spreadsheet(site: Site, target: Path, rows: list[dict[str, str]],
                 change: dict[str, dict[str, str]]) -> list[str]:
    """The stored scenario (exported over the API) with riders added and changed; returns the
    file paths to upload."""
    import csv
    import io
    import zipfile

    r = httpx.get(f"{site.url}/api/v1/scenario/export", timeout=60,
                  headers={"Authorization": f"Bearer {site.tokens['coordinator']}"})
    assert r.status_code == 200, r.text
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        archive.extractall(target)
    riders_file = target / "riders.csv"
    with riders_file.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = list(reader.fieldnames or [])
        records = [{**rec, **change.get(rec["rider_id"], {})} for rec in reader]
    with riders_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(records + [{c: row.get(c, "") for c in columns} for row in rows])
    return [str(p) for p in sorted(target.iterdir()) if p.suffix in (".csv", ".toml")]


def test_a_coordinator_imports_the_spreadsheet_with_addresses(
        browser: Any, site: Site, screenshots: Path, tmp_path: Path) -> None:
    ida = {"rider_id": "R9", "name": "Ida Lund", "lat": "", "lon": "", "centre_id": "C1",
           "sessions": "C1-wed", "wheelchair": "0", "escort": "0", "max_ride_min": ""}
    page = new_page(browser)
    login(page, site, "coordinator")
    page.click("header nav >> text=Import")
    # Errors first: a mistyped address and a bad number, in Danish with file, row and column.
    bad = _spreadsheet(site, tmp_path / "bad", [{**ida, "address": "Smedgade 37, 8305 Samsø"}],
                       {"R1": {"lat": "abc"}})
    page.set_input_files("#filer", bad)
    page.click("#import-form button[type=submit]")
    errors = page.locator("#import-fejl tbody tr")
    assert errors.count() == 2
    text = page.locator("#import-fejl").inner_text()
    assert "riders.csv" in text and "'abc' er ikke et tal" in text
    assert "mente du Smedegade 37" in text and "address" in text
    assert "Intet er gemt" in page.locator(".flash.fejl").inner_text()
    _shot(page, screenshots, "koordinator-import-fejl")
    # Fixed: a preview of what changes, then saved.
    good = _spreadsheet(site, tmp_path / "good", [{**ida, "address": "Smedegade 37, 8305 Samsø"}],
                        {"R2": {"notes": "Ring to gange"}})
    page.set_input_files("#filer", good)
    page.click("#import-form button[type=submit]")
    assert "Ida Lund" in page.locator("#import-nye").inner_text()
    assert "Bent Hansen" in page.locator("#import-aendrede").inner_text()
    _shot(page, screenshots, "koordinator-import")
    page.click("#import-gem button[type=submit]")
    assert page.locator("#import-gemt").count() == 1
    page.goto(f"{site.url}/web/koordinator/borgere")
    page.click("#borgere >> text=Ida Lund")
    assert "Smedegade 37, 8305 Samsø" in page.content()
    page.context.close()


def test_centres_and_vehicles_tables(browser: Any, site: Site, screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "coordinator")
    page.click("header nav >> text=Centre og vogne")
    centre = page.locator("#centre-tabel tr[data-centre=C1]")
    assert "Aktivitetscentret Tranebjerg" in centre.inner_text()
    assert "man 09:00–12:00" in centre.inner_text()
    vehicle = page.locator("#vogne tr[data-vehicle=V1]")
    assert "minibus med lift" in vehicle.inner_text() and "1.500,00 kr." in vehicle.inner_text()
    row = page.locator("#centre-tabel tr[data-centre=C2]")
    row.locator("input[name=telefon]").fill("+45 8600 0022")
    row.locator("form.inline-form button").click()
    assert page.locator("#centre-tabel tr[data-centre=C2] input[name=telefon]").input_value() \
        == "+45 8600 0022"
    _shot(page, screenshots, "koordinator-centre-og-vogne")
    page.context.close()
    other = new_page(browser)
    login(other, site, "centre_c2")
    assert other.goto(f"{site.url}/web/koordinator/centre-og-vogne").status == 403
    other.context.close()
