"""Grants, municipality rules, reimbursement decisions and complaints in the pages (issue 16,
issue 14 item 8), in headless Chromium on a server of their own (they change the rules, grants
and the plan in force).

Clock: Monday 7 December 2026, 08:30 in Copenhagen. The tiny plan drives Anna Jensen (R1) on
Mondays and Wednesdays and Bent Hansen (R2) on Mondays (both centre C1), Carla Nielsen (R3) on
Wednesdays; Dorte Madsen (R4, centre C2) on Tuesdays. The tests run in order and build on each
other: rules, a long absence, a reimbursement grant, an assessment → decision → letter → klage.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader
from webtest_support import Site, http_login, login, new_page


def _shot(page: Any, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def _api(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.url, timeout=30, headers={
        "Authorization": f"Bearer {site.tokens['coordinator']}"})


def _put_rules(site: Site, rules: dict[str, Any]) -> None:
    with _api(site) as api:
        r = api.put("/api/v1/rules", json={"rules": rules})
        assert r.status_code == 200, r.text


def _afbud(page: Any, rider: str, day: str) -> None:
    page.select_option("#borger", rider)
    page.fill("#fra", day)
    page.fill("#til", day)
    page.click("#afbud-form button[type=submit]")
    assert "Afbuddet er registreret." in page.locator(".flash.ok").inner_text()


def test_the_centre_page_warns_by_the_municipality_s_deadline(
        browser: Any, own_site: Site, screenshots: Path) -> None:
    site = own_site
    # 08:00 two working days before: Wednesday 9 December's afbud was due Monday 08:00.
    _put_rules(site, {"preset": "randers", "afbud_deadline": "08:00", "afbud_days_before": 2})
    page = new_page(browser)
    login(page, site, "centre_c1")
    _afbud(page, "R1", "2026-12-09")
    warning = page.locator(".late-warning").inner_text()
    assert "mandag den 7. december 2026 kl. 08:00" in warning
    # Randers' own deadline (16:00 the working day before): the same afbud is on time.
    _put_rules(site, {"preset": "randers"})
    page.goto(f"{site.url}/web/center/C1")
    _afbud(page, "R3", "2026-12-09")
    assert page.locator(".late-warning").count() == 0
    assert page.locator("#afbud-liste tr[data-rider=R3] .tag.warn").count() == 0
    for rider in ("R1", "R3"):
        page.click(f"#afbud-liste tr[data-rider={rider}] button:has-text('Træk tilbage')")
    page.context.close()


def test_a_long_absence_that_ended_yesterday_stays_until_socialomraadet_is_contacted(
        browser: Any, own_site: Site, screenshots: Path) -> None:
    site = own_site
    with _api(site) as api:  # 16 November – 6 December: 21 days would not count; 25 do
        r = api.post("/api/v1/absences", json={"rider_id": "R2", "start": "2026-11-12",
                                               "end": "2026-12-06", "reason": "Indlagt"})
        assert r.status_code == 201, r.text
    page = new_page(browser, phone=True)
    login(page, site, "centre_c1")
    block = page.locator("#opfoelgning")
    assert "Kontakt Socialområdet" in block.inner_text()
    row = block.locator("tr[data-followup=R2]")
    assert "Bent Hansen" in row.inner_text() and "afsluttet" in row.inner_text()
    _shot(page, screenshots, "center-opfoelgning-telefon")
    page.context.close()

    page = new_page(browser)
    login(page, site, "coordinator")
    page.goto(f"{site.url}/web/koordinator/dag/{site.today.isoformat()}")
    assert page.locator("#opfoelgning tr[data-followup=R2]").count() == 1
    page.goto(f"{site.url}/web/koordinator/dagsoversigt")
    assert "Kontakt Socialområdet" in page.locator("#opfoelgning").inner_text()
    assert page.locator("#opfoelgning tr[data-followup=R2]").count() == 1
    page.goto(f"{site.url}/web/center/C1")
    row = page.locator("#opfoelgning tr[data-followup=R2]")
    row.locator("input[name=kontaktet_af]").fill("Centerleder Lis Holm")
    row.locator("button:has-text('Kontaktet Socialområdet')").click()
    assert "Kontakten om det lange fravær er registreret." in page.locator(
        ".flash.ok").inner_text()
    assert page.locator("#opfoelgning tr[data-followup=R2]").count() == 0
    done = page.locator("#opfoelgning-registreret li[data-followup-done=R2]").inner_text()
    assert "kontaktet Socialområdet af Centerleder Lis Holm" in done
    assert "7. december 2026" in done
    _shot(page, screenshots, "center-opfoelgning")
    page.context.close()


def test_a_reimbursement_grant_takes_the_rider_out_of_the_plan(
        browser: Any, own_site: Site, screenshots: Path) -> None:
    site = own_site
    page = new_page(browser)
    login(page, site, "coordinator")
    page.goto(f"{site.url}/web/koordinator/borgere/R2")
    assert page.locator("#tider tr[data-weekday=mon]").count() == 1
    page.select_option("#art", "reimbursement")
    page.fill("#besluttet_af", "Visitator Vibeke Lund")
    page.fill("#middel", "egen bil (pårørende)")
    page.fill("#revurderes", "2027-06-01")
    page.click("#bevilling-form button[type=submit]")
    # Before anything changes: who is affected.
    assert "Bent Hansen" in page.locator("h1").inner_text()
    affected = page.locator("#berorte").inner_text()
    assert "ud af den gældende plan fra mandag den 7. december 2026" in affected
    assert "Ingen andres afhentningstid ændres." in affected
    assert page.locator("#berorte-liste tbody tr").count() >= 1
    _shot(page, screenshots, "koordinator-bevilling-bekraeft")
    page.click("#bekraeft-form button[type=submit]")
    assert "taget ud af den gældende plan" in page.locator(".flash.ok").inner_text()
    row = page.locator("#bevilling-historik tr[data-kind=reimbursement]")
    assert "Godtgørelse i stedet for samkørsel" in row.inner_text()
    assert "gælder nu" in row.inner_text() and "Visitator Vibeke Lund" in row.inner_text()
    assert "ingen ture i den gældende plan" in page.content()
    _shot(page, screenshots, "koordinator-borger-bevilling")
    # Today's manifest of V2 no longer carries Bent.
    page.goto(f"{site.url}/web/chauffoer/V2")
    assert "Bent Hansen" not in page.content()

    # A new rider granted the shared ride on 1 December, not planned yet: 8 days left of 14.
    with _api(site) as api:
        r = api.post("/api/v1/riders", json={
            "rider_id": "R5", "name": "Erik Holm", "lat": 55.8310, "lon": 10.5920,
            "centre_id": "C1", "session_ids": ["C1-mon"], "address": "Vej 5"})
        assert r.status_code == 201, r.text
        r = api.post("/api/v1/riders/R5/grants", json={
            "kind": "shared_ride", "start": "2026-12-01", "decided_by": "Visitator Vibeke Lund",
            "decided_on": "2026-12-01"})
        assert r.status_code == 201, r.text
    page.goto(f"{site.url}/web/koordinator")
    page.click("text=Bevilget, ikke i plan")
    row = page.locator("#ventende tr[data-rider=R5]")
    assert "Erik Holm" in row.inner_text()
    assert row.locator("td").nth(5).inner_text().strip() == "8"
    assert page.locator("#ventende tr[data-rider=R2]").count() == 0
    _shot(page, screenshots, "koordinator-bevilget-ikke-i-plan")
    page.context.close()


def test_assessment_decision_letter_and_complaint(browser: Any, own_site: Site,
                                                  screenshots: Path) -> None:
    site = own_site
    # Randers' rules (its klage address in the letter), whichever test ran before on this
    # worker: pytest-xdist may give the earlier tests of this file to another process.
    _put_rules(site, {"preset": "randers"})
    with _api(site) as api:  # a relative drives Anna: the km rate is reasonable
        assert api.patch("/api/v1/riders/R1", json={"has_driver": True}).status_code == 200
    for phone in (True, False):
        page = new_page(browser, phone=phone)
        login(page, site, "centre_c1")
        page.click("#vurderinger-link a")
        assert "Vurderinger af kørsel" in page.locator("h1").inner_text()
        if phone:
            _shot(page, screenshots, "center-vurdering-telefon")
            page.context.close()
            continue
        page.select_option("#v-borger", "R1")
        page.fill("#vurderet_af", "Centerleder Lis Holm")
        page.fill("#begrundelse", "Anna bliver urolig i bussen med mange medpassagerer; "
                  "datteren kører hende.")
        page.click("#vurdering-form button[type=submit]")
        assert "Centrets vurdering er registreret" in page.locator(".flash.ok").inner_text()
        assert "Centerleder Lis Holm" in page.locator(
            "#vurderede tr[data-assessed=R1]").inner_text()
        _shot(page, screenshots, "center-vurdering")
        page.context.close()

    page = new_page(browser)
    login(page, site, "coordinator")
    page.goto(f"{site.url}/web/koordinator/godtgoerelse")
    assert page.locator("#kandidater").count() == 1
    page.goto(f"{site.url}/web/koordinator/borgere/R1")
    assert "Centerleder Lis Holm" in page.locator("#centrets-vurdering").inner_text()
    page.fill("#afg-besluttet-af", "Visitator Vibeke Lund")
    page.click("#afgoerelse-form button[type=submit]")
    assert "Afgørelsen er truffet" in page.locator(".flash.ok").inner_text()
    result = page.locator("#resultat").inner_text()
    assert "Godtgørelse" in result and "Pr. måned" in result
    assert "urolig i bussen" in page.locator("#grundlag").inner_text()
    assert page.locator("#midler tbody tr").count() >= 3  # each means with its reason
    _shot(page, screenshots, "koordinator-afgoerelse")
    decision_url = page.url

    letter = page.context.new_page()
    letter.goto(page.locator("#brev-link").get_attribute("href") and
                site.url + str(page.locator("#brev-link").get_attribute("href")))
    text = letter.locator("body").inner_text()
    assert "Anna Jensen" in text and "Klagevejledning" in text and "Randers Kommune" in text
    letter.set_viewport_size({"width": 1280, "height": 900})
    _shot(letter, screenshots, "koordinator-afgoerelse-brev")
    letter.close()
    pdf = page.request.get(site.url + str(page.locator("#brev-pdf").get_attribute("href")))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    printed = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Anna Jensen" in printed and "Klagevejledning" in printed and "83,33 kr." in printed

    # The decision grants the reimbursement: Anna leaves the plan from next Monday.
    page.fill("#bevil-fra", "2026-12-14")
    page.click("#bevil-form button[type=submit]")
    assert "ud af den gældende plan fra mandag den 14. december 2026" in page.locator(
        "#berorte").inner_text()
    page.click("#bekraeft-form button[type=submit]")
    row = page.locator("#bevilling-historik tr[data-kind=reimbursement]")
    assert "afgørelse" in row.inner_text()

    # A complaint: received today, reassessment due in 4 weeks, then Ankestyrelsen.
    page.goto(decision_url)
    assert page.locator("#bevil-form").count() == 0  # granted once, not twice
    page.click("#klager summary")
    page.fill("#klager-navn", "Datteren, Mette Jensen")
    page.fill("#klage-tekst", "Beløbet dækker ikke turen.")
    page.click("#klage-form button[type=submit]")
    assert "Klagen er registreret" in page.locator(".flash.ok").inner_text()
    row = page.locator("#klage-liste tbody tr").first
    assert "Genvurderes senest 04.01.2027" in row.inner_text()
    assert "Ankestyrelsen" in row.inner_text()
    _shot(page, screenshots, "koordinator-klage")
    page.goto(f"{site.url}/web/koordinator/klager")
    assert "04.01.2027" in page.locator("#aabne-klager").inner_text()
    assert "Anna Jensen" in page.locator("#aabne-klager").inner_text()
    _shot(page, screenshots, "koordinator-klager")
    page.goto(decision_url)
    page.click("button:has-text('Fastholdt')")
    assert "Fastholdt" in page.locator("#klage-liste").inner_text()
    page.click("button:has-text('Sendt til Ankestyrelsen')")
    assert "Sendt videre: Ankestyrelsen den 07.12.2026" in page.locator(
        "#klage-liste").inner_text()
    page.goto(f"{site.url}/web/koordinator/klager")
    assert "Ingen åbne klager" in page.locator("#aabne-klager").inner_text()
    page.context.close()


def test_role_scoping_of_decisions_assessments_and_grants(own_site: Site) -> None:
    site = own_site
    with _api(site) as api:
        r = api.post("/api/v1/riders/R1/reimbursement", json={"use_plan": False,
                                                               "centre_assessment": {
            "assessed_by": "Centerleder Lis Holm", "assessed_on": "2026-12-07",
            "reason": "Samkørsel er ikke en mulighed."}})
        assert r.status_code == 201, r.text
        decision = r.json()["decision_id"]
    with httpx.Client(base_url=site.url, timeout=30) as c1, \
            httpx.Client(base_url=site.url, timeout=30) as c2, \
            httpx.Client(base_url=site.url, timeout=30) as driver:
        http_login(c1, site, "centre_c1")
        http_login(c2, site, "centre_c2")
        http_login(driver, site, "driver_v1")
        own = c1.get(f"/web/afgoerelser/{decision}")
        assert own.status_code == 200 and "Anna Jensen" in own.text
        assert 'id="klage-form"' not in own.text and 'id="bevil-form"' not in own.text
        assert c1.get("/web/koordinator/borgere/R1").status_code == 200
        for path in (f"/web/afgoerelser/{decision}", f"/web/afgoerelser/{decision}/brev",
                     "/web/center/C1/vurderinger", "/web/koordinator/borgere/R1"):
            assert c2.get(path).status_code == 404, path
        for path in (f"/web/afgoerelser/{decision}", "/web/koordinator/godtgoerelse",
                     "/web/koordinator/klager", "/web/koordinator/bevilget-ikke-i-plan",
                     "/web/center/C1/vurderinger"):
            assert driver.get(path).status_code in (403, 404), path
        # A centre may not record grants or complaints, nor assess another centre's rider.
        form = c1.get("/web/center/C1/vurderinger").text
        token = form.split('name="csrf" value="')[1].split('"')[0]
        r = c1.post("/web/koordinator/borgere/R2/bevilling", data={
            "csrf": token, "art": "none", "fra": "2026-12-08", "besluttet_af": "x"})
        assert r.status_code == 403
        r = c1.post(f"/web/afgoerelser/{decision}/klage",
                    data={"csrf": token, "modtaget": "2026-12-07"})
        assert r.status_code == 403
        r = c1.post("/web/center/C2/vurdering", data={
            "csrf": token, "borger": "R4", "vurderet_af": "x", "vurderet_den": "2026-12-07",
            "begrundelse": "y"})
        assert r.status_code == 404
        # An incomplete assessment changes nothing (who, when and why are all required).
        r = c1.post("/web/center/C1/vurdering", data={
            "csrf": token, "borger": "R3", "vurderet_af": " ", "vurderet_den": "2026-12-07",
            "begrundelse": "y"}, follow_redirects=False)
        assert r.status_code == 303 and "fejl=vurdering" in r.headers["location"]
    with _api(site) as api:
        assert api.get("/api/v1/riders/R3").json()["centre_assessment"] is None


def test_an_overdue_complaint_is_flagged_in_the_list(own_site: Site) -> None:
    site = own_site
    with _api(site) as api:  # decided 1 October, complaint 20 October: reassess by 17 November
        r = api.post("/api/v1/riders/R4/reimbursement", json={
            "use_plan": False, "decided_on": "2026-10-01", "centre_assessment": {
                "assessed_by": "Leder", "assessed_on": "2026-09-30", "reason": "Urolig."}})
        assert r.status_code == 201, r.text
        r = api.post(f"/api/v1/reimbursement-decisions/{r.json()['decision_id']}/complaints",
                     json={"received_on": "2026-10-20", "complainant": "Dorte"})
        assert r.status_code == 201, r.text
    with httpx.Client(base_url=site.url, timeout=30) as client:
        http_login(client, site, "coordinator")
        page = client.get("/web/koordinator/klager").text
        row = page.split(f'data-complaint="{r.json()["complaint_id"]}"')[1].split("</tr>")[0]
        assert 'class="overdue"' in row and "overskredet" in row and "17.11.2026" in row
        assert "Dorte Madsen" in row


def test_bad_grant_and_complaint_forms_change_nothing_and_a_grant_is_ended(
        own_site: Site) -> None:
    site = own_site
    with _api(site) as api:
        before = api.get("/api/v1/riders/R3/grants").json()
        decision = api.get("/api/v1/riders/R4/reimbursement").json()[0]["decision_id"]
        complaints = len(api.get("/api/v1/complaints").json())
    with httpx.Client(base_url=site.url, timeout=30, follow_redirects=True) as client:
        http_login(client, site, "coordinator")
        page = client.get("/web/koordinator/borgere/R3").text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        base = {"csrf": token, "art": "shared_ride", "fra": "2026-12-10",
                "besluttet_af": "Visitator Vibeke Lund"}
        for change, error in (({"til": "2026-12-01"}, "periode"), ({"fra": "10-12-2026"}, "dato"),
                              ({"besluttet_af": " "}, "bevilling"), ({"art": "taxa"}, "bevilling")):
            r = client.post("/web/koordinator/borgere/R3/bevilling", data={**base, **change},
                            follow_redirects=False)
            assert r.status_code == 303 and f"fejl={error}" in r.headers["location"], change
        r = client.post(f"/web/afgoerelser/{decision}/klage",
                        data={"csrf": token, "modtaget": "2026-12-24"}, follow_redirects=False)
        assert "fejl=dato" in r.headers["location"]  # received in the future
        shown = client.get("/web/koordinator/borgere/R3?fejl=periode").text
        assert "Slutdatoen ligger før startdatoen." in shown
        # A valid shared-ride grant, then ended on a last day (history kept).
        r = client.post("/web/koordinator/borgere/R3/bevilling", data=base)
        assert "Bevillingen er gemt." in r.text
    with _api(site) as api:
        grants = api.get("/api/v1/riders/R3/grants").json()
        assert len(grants) == len(before) + 1 and grants[0]["end"] is None
        assert len(api.get("/api/v1/complaints").json()) == complaints
    with httpx.Client(base_url=site.url, timeout=30, follow_redirects=True) as client:
        http_login(client, site, "coordinator")
        page = client.get("/web/koordinator/borgere/R3").text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        r = client.post(f"/web/koordinator/bevillinger/{grants[0]['grant_id']}/afslut",
                        data={"csrf": token, "sidste_dag": "2026-12-31"})
        assert "Bevillingen er afsluttet." in r.text
        r = client.post(f"/web/koordinator/bevillinger/{grants[0]['grant_id']}/afslut",
                        data={"csrf": token, "sidste_dag": "2026-12-01"})
        assert "Slutdatoen ligger før startdatoen." in r.text
    with _api(site) as api:
        assert api.get("/api/v1/riders/R3/grants").json()[0]["end"] == "2026-12-31"
