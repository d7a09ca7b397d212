"""Each role's pages in headless Chromium: what they show, what they refuse, the afbud flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from webtest_support import Site, login, new_page


def _shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def test_coordinator_pages(browser: Any, site: Site, screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "coordinator")
    assert page.url.endswith("/web/koordinator")
    assert page.locator("h1").inner_text() == "Kørselsplaner"
    page.click(f"text=Plan {site.plan_id}")
    # Tiles are blocked: the map draws the bundled road network instead, with the attribution.
    page.wait_for_selector("#kort[data-base=roads]")
    assert "OpenStreetMap contributors" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator(".sk-stop").count() > 0
    assert page.locator(".sk-centre").count() > 0
    assert page.locator("path.leaflet-interactive").count() > 0  # run lines
    assert "Nøgletal" in page.content()
    # The runs of Monday by vehicle, with the riders by name.
    runs = page.locator("#ture tbody tr")
    assert runs.count() == 4  # V1 and V2, out and home
    assert "Anna Jensen" in page.locator("#ture").inner_text()
    assert "Aktivitetscentret Tranebjerg" in page.locator("#ture").inner_text()
    page.wait_for_timeout(300)
    _shot(page, screenshots, "koordinator-plan")
    page.locator(".sk-stop").last.click()
    assert "Stop" in page.locator(".leaflet-popup-content").inner_text()
    page.goto(f"{site.url}/web/koordinator/dag/{site.today.isoformat()}")
    page.wait_for_selector("#kort[data-ready='1']")
    assert "Kørsel mandag den 7. december 2026" in page.locator("h1").inner_text()
    # Each vehicle's manifest of the day is one click away.
    assert page.locator("#dagens-vogne tr[data-vehicle=V1] a").get_attribute("href") == \
        f"/web/chauffoer/V1?dato={site.today.isoformat()}"
    _shot(page, screenshots, "koordinator-dag")
    page.context.close()


def test_centre_and_driver_pages(browser: Any, site: Site, screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    assert page.url.endswith("/web/center/C1")
    assert "Aktivitetscentret Tranebjerg" in page.locator("h1").inner_text()
    assert page.locator("#afbud-form").is_visible()
    _shot(page, screenshots, "center")
    page.context.close()

    phone = new_page(browser, phone=True)
    login(phone, site, "driver_v2")
    assert phone.url.endswith("/web/chauffoer/V2")
    assert "Køreliste – vogn V2" in phone.locator("h1").inner_text()
    assert phone.locator("[data-rider=R2]").count() > 0
    images = phone.locator("img.route")
    assert images.count() > 0
    png = phone.request.get(site.url + (images.first.get_attribute("src") or ""))
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    assert png.body().startswith(b"\x89PNG")
    phone.wait_for_load_state("networkidle")
    _shot(phone, screenshots, "chauffoer")
    phone.context.close()


def test_afbud_in_the_centre_form_strikes_the_rider_on_the_manifest(
        browser: Any, site: Site, screenshots: Path) -> None:
    driver = new_page(browser, phone=True)
    login(driver, site, "driver_v1")
    rider = driver.locator(".rider[data-rider=R1]").first
    assert "Anna Jensen" in rider.inner_text()
    assert "struck" not in (rider.get_attribute("class") or "")

    centre = new_page(browser)
    login(centre, site, "centre_c1")
    centre.select_option("#borger", "R1")
    centre.fill("#fra", site.today.isoformat())
    centre.fill("#til", site.today.isoformat())
    centre.fill("#aarsag", "Sygdom")
    centre.click("#afbud-form button[type=submit]")
    # For today, after Friday 16:00: registered, with the warning that it is late.
    assert "For sent afbud" in centre.locator(".flash.warn").inner_text()
    assert centre.locator("#afbud-liste tr[data-rider=R1]").count() == 1
    _shot(centre, screenshots, "center-afbud")

    driver.reload()
    struck = driver.locator(".rider.struck[data-rider=R1]")
    assert struck.count() >= 1
    assert "Afbud" in struck.first.inner_text()
    assert driver.locator(".rider[data-rider=R1]:not(.struck)").count() == 0
    _shot(driver, screenshots, "chauffoer-afbud")

    # Withdrawn: the rider is back on the manifest.
    centre.click("#afbud-liste tr[data-rider=R1] button")
    assert "trukket tilbage" in centre.locator(".flash.ok").inner_text()
    driver.reload()
    assert driver.locator(".rider.struck[data-rider=R1]").count() == 0
    centre.context.close()
    driver.context.close()


def test_a_centre_cannot_open_another_centres_list(browser: Any, site: Site) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    response = page.goto(f"{site.url}/web/center/C2")
    assert response.status == 404
    assert "findes ikke" in page.content()
    assert "Dorte Madsen" not in page.content()
    response = page.goto(f"{site.url}/web/chauffoer/V1")
    assert response.status == 403
    page.context.close()


def test_a_driver_cannot_open_another_drivers_manifest(browser: Any, site: Site) -> None:
    page = new_page(browser)
    login(page, site, "driver_v1")
    response = page.goto(f"{site.url}/web/chauffoer/V2")
    assert response.status == 404
    assert "Bent Hansen" not in page.content()
    response = page.goto(f"{site.url}/web/kort/koreliste/V2/{site.today.isoformat()}/x.png")
    assert response.status == 404
    response = page.goto(f"{site.url}/web/koordinator")
    assert response.status == 403
    page.context.close()


def test_pages_need_a_login(browser: Any, site: Site) -> None:
    page = new_page(browser)
    page.goto(f"{site.url}/web/center/C1")
    assert "/web/login" in page.url
    page.fill("#username", "centre_c1")
    page.fill("#password", "not-the-password")
    page.click("#login-form button[type=submit]")
    assert "Forkert brugernavn" in page.locator(".flash.fejl").inner_text()
    page.fill("#password", site.password)
    page.click("#login-form button[type=submit]")
    assert page.url.endswith("/web/center/C1")  # back to the page asked for
    page.context.close()
