"""Planning in the pages: start a plan, see it run, publish it, who must be told (CSV with the
page's session). On a server of its own: publishing changes the plan in force."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_site
from webtest_support import Site, login, new_page


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory, samso_network: Any) -> Iterator[Site]:
    with make_site(tmp_path_factory, samso_network) as made:
        yield made


def test_plan_publish_and_who_must_be_told(browser: Any, own_site: Site,
                                           screenshots: Path) -> None:
    site = own_site
    page = new_page(browser)
    login(page, site, "coordinator")
    in_force = page.locator("tr.in-force")
    assert in_force.count() == 1 and "GÆLDENDE" in in_force.inner_text()
    assert in_force.get_attribute("data-plan") == str(site.plan_id)
    page.fill("#plan-navn", "Ny uge")
    page.fill("#sekunder", "2")
    page.click("#ny-plan button[type=submit]")
    assert "/web/koordinator/planer/" in page.url
    # The page refreshes itself until the plan is done.
    page.wait_for_selector("#offentliggoer", timeout=120_000)
    assert "Nøgletal" in page.content()
    _shot = page.screenshot
    _shot(path=str(screenshots / "koordinator-ny-plan.png"), full_page=True)
    page.click("#offentliggoer button[type=submit]")
    if page.locator(".flash.fejl").count():  # rule breaks: the coordinator decides
        page.check("input[name=trods_fejl]")
        page.click("#offentliggoer button[type=submit]")
    assert "Planen er offentliggjort" in page.locator(".flash.ok").inner_text()
    assert page.locator("h1").inner_text().startswith("Hvem skal have besked")
    rows = page.locator("#beskeder tbody tr")
    if rows.count():
        text = page.locator("#beskeder").inner_text()
        assert any(name in text for name in ("Anna Jensen", "Bent Hansen", "Carla Nielsen",
                                             "Dorte Madsen", "Vogn V1", "Vogn V2"))
        with page.expect_download() as download:
            page.click("#csv")
        content = Path(download.value.path()).read_bytes()
        assert content.startswith("\ufeffrecipient_type;".encode())
    page.screenshot(path=str(screenshots / "koordinator-beskeder.png"), full_page=True)
    page.goto(f"{site.url}/web/koordinator")
    new_in_force = page.locator("tr.in-force").get_attribute("data-plan")
    assert new_in_force != str(site.plan_id)
    assert "Tidligere gældende" in page.locator(f"tr[data-plan='{site.plan_id}']").inner_text()
    page.context.close()
