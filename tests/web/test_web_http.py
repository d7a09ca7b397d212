"""The web pages' security rules and the run PNG over plain HTTP (no browser needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from webtest_support import Site, http_login

from api.web.session import COOKIE_NAME, csrf_token


@contextmanager
def _client(site: Site, who: str | None = None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as client:
        if who:
            assert http_login(client, site, who).status_code == 303
        yield client


def _csrf(client: httpx.Client) -> str:
    return csrf_token(client.cookies[COOKIE_NAME])


def test_login_sets_a_strict_httponly_cookie(site: Site) -> None:
    with _client(site) as client:
        r = http_login(client, site, "centre_c1")
        assert r.status_code == 303 and r.headers["location"] == "/web/center"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "max-age=43200" in cookie  # a working day
        assert client.get("/web/center/C1").status_code == 200
    with _client(site) as client:
        form = client.get("/web/login")
        token = form.text.split('name="csrf" value="')[1].split('"')[0]
        r = client.post("/web/login", data={"username": "centre_c1", "password": "wrong-pass",
                                            "csrf": token})
        assert r.status_code == 401 and "Forkert brugernavn eller adgangskode" in r.text
        assert COOKIE_NAME not in client.cookies
        token = r.text.split('name="csrf" value="')[1].split('"')[0]  # a fresh one each time
        r = client.post("/web/login", data={"username": "nobody", "password": site.password,
                                            "csrf": token})
        assert r.status_code == 401 and "Forkert brugernavn eller adgangskode" in r.text


def test_login_is_protected_against_login_csrf(site: Site) -> None:
    with _client(site) as client:
        form = client.get("/web/login")
        token = form.text.split('name="csrf" value="')[1].split('"')[0]
        good = {"username": "centre_c1", "password": site.password, "csrf": token}
        # Another site's form: the browser sends its Origin.
        r = client.post("/web/login", data=good, headers={"origin": "https://evil.example"})
        assert r.status_code == 400 and COOKIE_NAME not in client.cookies
        # Without the one-time value of the login cookie.
        r = client.post("/web/login", data={**good, "csrf": "forged"})
        assert r.status_code == 400 and COOKIE_NAME not in client.cookies
        client.cookies.clear()
        r = client.post("/web/login", data=good)
        assert r.status_code == 400 and COOKIE_NAME not in client.cookies


def test_drivers_may_stay_logged_in_for_30_days_others_not(site: Site) -> None:
    with _client(site) as client:
        r = http_login(client, site, "driver_v1", remember=True)
        assert "max-age=2592000" in r.headers["set-cookie"].lower()
    with _client(site) as client:
        r = http_login(client, site, "coordinator", remember=True)
        assert "max-age=43200" in r.headers["set-cookie"].lower()


def test_logout_ends_the_session_on_the_server(site: Site) -> None:
    with _client(site, "centre_c2") as client:
        value = client.cookies[COOKIE_NAME]
        r = client.post("/web/logout", data={"csrf": _csrf(client)})
        assert r.status_code == 303
    # The old cookie value (e.g. copied from the browser) no longer opens a page.
    with httpx.Client(base_url=site.url, cookies={COOKIE_NAME: value},
                      follow_redirects=False, timeout=30) as stale:
        r = stale.get("/web/center/C2")
        assert r.status_code == 303 and "/web/login" in r.headers["location"]


def test_forms_need_the_csrf_token(site: Site) -> None:
    form = {"borger": "R3", "fra": site.today.isoformat(), "retning": "both"}
    with _client(site, "centre_c1") as client:
        r = client.post("/web/center/C1/afbud", data=form,
                        headers={"referer": f"{site.url}/web/center/C1"})
        assert r.status_code == 303 and r.headers["location"] == "/web/center/C1?fejl=csrf"
        page = client.get("/web/center/C1")
        assert 'data-rider="R3"' not in page.text.split('id="afbud-liste"')[-1]
        assert page.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        token = _csrf(client)
        r = client.post("/web/center/C1/afbud", data={**form, "csrf": token, "til": "x"})
        assert r.headers["location"] == "/web/center/C1?fejl=dato"
        r = client.get("/web/center/C1?fejl=dato")
        assert "Ugyldig dato" in r.text


def test_a_centre_cannot_register_afbud_for_another_centre(site: Site) -> None:
    with _client(site, "centre_c1") as client:
        token = _csrf(client)
        r = client.post("/web/center/C2/afbud", data={"csrf": token, "borger": "R4",
                                                      "fra": site.today.isoformat()})
        assert r.status_code == 404
        r = client.post("/web/center/C1/afbud", data={"csrf": token, "borger": "R4",
                                                      "fra": site.today.isoformat()})
        assert r.status_code == 404  # R4 belongs to C2: not visible


def test_run_png_over_the_api_respects_roles(site: Site) -> None:
    day = site.today.isoformat()
    path = f"/api/v1/days/{day}/manifests/V2/runs/mon-to-V2.png"
    with _client(site) as client:
        for who in ("coordinator", "driver_v2"):
            r = client.get(path, headers={"Authorization": f"Bearer {site.tokens[who]}"})
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "image/png"
            assert r.content.startswith(b"\x89PNG")
        r = client.get(path, headers={"Authorization": f"Bearer {site.tokens['driver_v1']}"})
        assert r.status_code == 404
        r = client.get(path.replace("mon-to-V2", "nope"),
                       headers={"Authorization": f"Bearer {site.tokens['coordinator']}"})
        assert r.status_code == 404
        assert client.get(path).status_code == 401


def test_static_leaflet_is_served(site: Site) -> None:
    with _client(site) as client:
        r = client.get("/static/maps/leaflet/leaflet.js")
        assert r.status_code == 200 and "Leaflet" in r.text[:200]
        assert client.get("/static/maps/leaflet/LICENSE").status_code == 200
        assert client.get("/static/web/web.css").status_code == 200
