"""Helpers of the browser tests (a module of its own: test modules import it by this unique
name, not as ``conftest``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass
class Site:
    url: str
    tokens: dict[str, str]
    """``coordinator``, ``centre_c1``, ``centre_c2``, ``driver_v1``, ``driver_v2``."""
    plan_id: int
    today: date


def new_page(browser: Any, *, phone: bool = False) -> Any:
    """A fresh browser context (own cookies) and page; tiles blocked (offline maps)."""
    if phone:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="da-DK",
                                      device_scale_factor=2, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def login(page: Any, site: Site, who: str) -> None:
    page.goto(f"{site.url}/web/login")
    page.fill("#noegle", site.tokens[who])
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
