"""The driver's next stop and the centre staff's afbud and closing-day tools, in headless
Chromium: a late afbud's warning, an afbud refused on a day without a ride, an open-ended afbud
ended on a date, closing days listed with their riders, edited and deleted.

The site's clock is Monday 7 December 2026, 08:30 in Copenhagen; the tiny plan drives Anna
Jensen (R1) on Mondays and Wednesdays, Bent Hansen (R2) on Mondays only. Every test leaves the
shared database as it found it (afbud withdrawn, closures deleted)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader
from webtest_support import Site, login, new_page

NOW_S = 8 * 3600 + 30 * 60  # 08:30 local time, seconds after midnight


def _shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def _withdraw(page: Any, rider_id: str) -> None:
    page.click(f"#afbud-liste tr[data-rider={rider_id}] button:has-text('Træk tilbage')")
    assert "trukket tilbage" in page.locator(".flash.ok").inner_text()


def test_driver_sees_the_next_stop_first(browser: Any, site: Site, screenshots: Path) -> None:
    manifest = httpx.get(f"{site.url}/api/v1/days/{site.today.isoformat()}/manifests/V2",
                         headers={"Authorization": f"Bearer {site.tokens['driver_v2']}"},
                         timeout=30).json()
    # Expected: the earliest stop to drive to (not leaving the garage) of a driving run, not
    # yet passed (2 minutes' grace).
    upcoming = sorted((s["time_s"], run["run_id"], s["seq"], s["time"])
                      for run in manifest["runs"] if not run["cancelled"]
                      for s in run["stops"][1:]
                      if not s["cancelled"] and s["time_s"] + 120 >= NOW_S)
    assert upcoming, "the tiny plan's Monday runs of V2 end after 08:30"
    _, run_id, seq, time = upcoming[0]

    phone = new_page(browser, phone=True)
    login(phone, site, "driver_v2")
    box = phone.locator("#naeste-stop")
    assert box.is_visible()
    assert (box.get_attribute("data-run"), box.get_attribute("data-seq")) == (run_id, str(seq))
    assert f"Næste stop kl. {time}" in box.inner_text()
    assert "Bent Hansen" in box.inner_text() and "Vej 2" in box.inner_text()
    # It comes first: above the first run of the day.
    first_run = phone.locator("section.run").first.bounding_box()
    assert box.bounding_box()["y"] < first_run["y"]
    phone.wait_for_load_state("networkidle")
    _shot(phone, screenshots, "chauffoer-naeste-stop")
    # Another day's manifest has no "next stop".
    phone.goto(f"{site.url}/web/chauffoer/V2?dato=2026-12-09")
    assert phone.locator("#naeste-stop").count() == 0
    phone.context.close()


def test_late_afbud_warns_with_the_deadline_and_whom_to_phone(
        browser: Any, site: Site, screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    page.select_option("#borger", "R1")
    page.fill("#fra", site.today.isoformat())  # today: the deadline was Friday 16:00
    page.fill("#til", site.today.isoformat())
    page.fill("#aarsag", "Sygdom")
    page.click("#afbud-form button[type=submit]")
    assert "Afbuddet er registreret." in page.locator(".flash.ok").inner_text()
    warning = page.locator(".late-warning").inner_text()
    assert "For sent afbud" in warning
    assert "fredag den 4. december 2026 kl. 16:00" in warning
    assert "Ring til" in warning  # the dispatch (setting dispatch_phone) or the office
    assert page.locator("#afbud-liste tr[data-rider=R1] .tag.warn").inner_text() == "for sent"
    _shot(page, screenshots, "center-sent-afbud")
    _withdraw(page, "R1")
    assert page.locator(".late-warning").count() == 0

    # On time (next week): no warning.
    page.select_option("#borger", "R1")
    page.fill("#fra", "2026-12-14")
    page.fill("#til", "2026-12-14")
    page.click("#afbud-form button[type=submit]")
    assert "Afbuddet er registreret." in page.locator(".flash.ok").inner_text()
    assert page.locator(".late-warning").count() == 0
    _withdraw(page, "R1")
    page.context.close()


def test_afbud_on_a_day_without_a_ride_is_refused(browser: Any, site: Site,
                                                  screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    page.select_option("#borger", "R2")  # Mondays only
    page.fill("#fra", "2026-12-08")  # a Tuesday
    page.fill("#til", "2026-12-08")
    page.click("#afbud-form button[type=submit]")
    error = page.locator(".flash.fejl").inner_text()
    assert "Afbuddet er ikke registreret" in error
    assert "Bent Hansen har ingen kørsel tirsdag den 8. december 2026" in error
    assert "faste køredage: mandag" in error
    assert page.locator("#afbud-liste tr[data-rider=R2]").count() == 0
    _shot(page, screenshots, "center-afbud-ingen-koersel")
    # A period with one of his Mondays is accepted.
    page.select_option("#borger", "R2")
    page.fill("#fra", "2026-12-08")
    page.fill("#til", "2026-12-14")
    page.click("#afbud-form button[type=submit]")
    assert "Afbuddet er registreret." in page.locator(".flash.ok").inner_text()
    _withdraw(page, "R2")
    page.context.close()


def test_open_ended_afbud_is_ended_on_a_date(browser: Any, site: Site,
                                             screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    page.select_option("#borger", "R1")
    page.fill("#fra", "2026-12-09")
    page.fill("#til", "")  # until further notice
    page.click("#afbud-form button[type=submit]")
    row = page.locator("#afbud-liste tr[data-rider=R1]")
    assert "indtil videre" in row.inner_text()
    # The last day before the first is refused with an explanation.
    row.locator("input[name=sidste]").evaluate("e => e.removeAttribute('min')")
    row.locator("input[name=sidste]").fill("2026-12-08")
    row.locator("form.end-absence button").click()
    assert "sidste dag skal ligge på eller efter første dag" in \
        page.locator(".flash.fejl").inner_text()
    row = page.locator("#afbud-liste tr[data-rider=R1]")
    row.locator("input[name=sidste]").fill("2026-12-16")
    _shot(page, screenshots, "center-afslut-afbud")
    row.locator("form.end-absence button").click()
    assert "Afbuddet er afsluttet" in page.locator(".flash.ok").inner_text()
    row = page.locator("#afbud-liste tr[data-rider=R1]")
    assert "2026-12-09 – 2026-12-16" in row.inner_text()
    assert row.locator("form.end-absence").count() == 0
    _withdraw(page, "R1")
    page.context.close()


def test_closing_days_listed_with_riders_edited_and_deleted(browser: Any, site: Site,
                                                            screenshots: Path) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    page.fill("#lfra", "2026-12-15")  # a Tuesday: nobody of C1 rides
    page.fill("#ltil", "")
    page.fill("#laarsag", "Personaledag")
    page.click("#lukning-form button[type=submit]")
    assert "Lukkedagen er gemt." in page.locator(".flash.ok").inner_text()
    item = page.locator("#lukkedage li", has_text="Personaledag")
    assert "Ingen borgere har kørsel de dage." in item.inner_text()

    # Edited to the Monday and Wednesday: Anna (Mon, Wed), Bent (Mon), Carla (Wed) lose rides.
    item.locator("details.edit-closure summary").click()
    item.locator("input[name=fra]").fill("2026-12-14")
    item.locator("input[name=til]").fill("2026-12-16")
    item.locator("input[name=aarsag]").fill("Julefrokost og oprydning")
    item.locator("details.edit-closure button").click()
    assert "Lukkedagen er rettet." in page.locator(".flash.ok").inner_text()
    item = page.locator("#lukkedage li", has_text="Julefrokost og oprydning")
    assert "mandag den 14. december 2026 – onsdag den 16. december 2026" in item.inner_text()
    assert "(3): Anna Jensen, Bent Hansen, Carla Nielsen" in item.inner_text()
    assert "Dorte Madsen" not in item.inner_text()  # another centre's rider
    item.locator("details.delete-closure summary").click()
    assert "3 borgere får så kørsel igen" in item.locator("details.delete-closure").inner_text()
    _shot(page, screenshots, "center-lukkedage")

    item.locator("details.delete-closure button").click()
    assert "Lukkedagen er slettet." in page.locator(".flash.ok").inner_text()
    assert page.locator("#lukkedage li", has_text="Julefrokost").count() == 0
    page.context.close()


def test_another_centres_closure_cannot_be_edited_or_deleted(browser: Any, site: Site) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    page.fill("#lfra", "2026-12-22")
    page.fill("#laarsag", "Kun C1")
    page.click("#lukning-form button[type=submit]")
    item = page.locator("#lukkedage li", has_text="Kun C1")
    closure_id = item.get_attribute("data-closure")
    csrf = page.locator("#lukning-form input[name=csrf]").input_value()
    other = new_page(browser)
    login(other, site, "centre_c2")
    other_csrf = other.locator("#lukning-form input[name=csrf]").input_value()
    # Centre C2's staff, posting for C2 with C1's closure id, and for C1 itself.
    for centre in ("C2", "C1"):
        r = other.request.post(f"{site.url}/web/center/{centre}/lukning/{closure_id}/slet",
                               form={"csrf": other_csrf}, max_redirects=0)
        assert r.status in (303, 404)
    page.reload()
    assert page.locator("#lukkedage li", has_text="Kun C1").count() == 1
    assert csrf
    item = page.locator("#lukkedage li", has_text="Kun C1")
    item.locator("details.delete-closure summary").click()
    item.locator("details.delete-closure button").click()
    assert page.locator("#lukkedage li", has_text="Kun C1").count() == 0
    other.context.close()
    page.context.close()


def _pdf_text(body: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)


def test_printable_rider_list_and_manifest_as_pdf(browser: Any, site: Site) -> None:
    page = new_page(browser)
    login(page, site, "centre_c1")
    link = page.locator("#liste-1 p.print a")
    assert "PDF" in link.inner_text()
    r = page.request.get(site.url + (link.get_attribute("href") or ""))
    assert r.status == 200 and r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.body())
    assert "Deltagerliste" in text and "Bent Hansen" in text and "Dorte Madsen" not in text
    # Another centre's list is not printed for this user.
    assert page.request.get(f"{site.url}/web/center/C2/deltagerliste.pdf").status == 404
    page.context.close()

    phone = new_page(browser, phone=True)
    login(phone, site, "driver_v2")
    href = phone.locator("a.print").get_attribute("href") or ""
    r = phone.request.get(site.url + href)
    assert r.status == 200 and r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.body())
    assert "Køreliste" in text and "Bent Hansen" in text and "Vej 2" in text
    assert phone.request.get(f"{site.url}/web/chauffoer/V1/koereliste.pdf").status == 404
    phone.context.close()
