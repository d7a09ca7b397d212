"""Helpers of the browser tests (a module of its own: test modules import it by this unique
name, not as ``conftest``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

PASSWORD = "korrekt-hest-batteri"
"""Every test user's password; the username is the user's key in ``Site.tokens``."""


@dataclass
class Site:
    url: str
    tokens: dict[str, str]
    """API keys of ``coordinator``, ``centre_c1``, ``centre_c2``, ``driver_v1``, ``driver_v2``
    (also their usernames)."""
    plan_id: int
    today: date
    password: str = PASSWORD


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


def login(page: Any, site: Site, who: str, *, remember: bool = False) -> None:
    page.goto(f"{site.url}/web/login")
    page.fill("#username", who)
    page.fill("#password", site.password)
    if remember:
        page.check("#husk")
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("load")


def http_login(client: Any, site: Site, who: str, *, remember: bool = False) -> Any:
    """Log an httpx client in through the form (the login cookie, then the POST); returns the
    POST's response."""
    form = client.get("/web/login")
    token = form.text.split('name="csrf" value="')[1].split('"')[0]
    data = {"username": who, "password": site.password, "csrf": token}
    if remember:
        data["husk"] = "ja"
    return client.post("/web/login", data=data)


@contextmanager
def logged_in(site: Site, who: str = "coordinator", *, follow_redirects: bool = True
              ) -> Iterator[httpx.Client]:
    """An httpx client logged in through the form as ``who``."""
    with httpx.Client(base_url=site.url, follow_redirects=follow_redirects,
                      timeout=120) as client:
        assert http_login(client, site, who).status_code in (200, 303)
        yield client


def csrf_of(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)
