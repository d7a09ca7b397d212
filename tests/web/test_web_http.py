"""The web pages' security rules and the run PNG over plain HTTP (no browser needed)."""

from __future__ import annotations

import httpx
from webtest_support import Site

from api.web.session import COOKIE_NAME, csrf_token


def _client(site: Site, who: str | None = None) -> httpx.Client:
    cookies = {COOKIE_NAME: site.tokens[who]} if who else {}
    return httpx.Client(base_url=site.url, cookies=cookies, follow_redirects=False,
                        timeout=30)


def test_login_sets_a_strict_httponly_cookie(site: Site) -> None:
    with _client(site) as client:
        r = client.post("/web/login", data={"noegle": site.tokens["centre_c1"]})
        assert r.status_code == 303 and r.headers["location"] == "/web/center"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        r = client.post("/web/login", data={"noegle": "sk_nope"})
        assert r.status_code == 401 and "ukendt" in r.text


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
        token = csrf_token(site.tokens["centre_c1"])
        r = client.post("/web/center/C1/afbud", data={**form, "csrf": token, "til": "x"})
        assert r.headers["location"] == "/web/center/C1?fejl=dato"
        r = client.get("/web/center/C1?fejl=dato")
        assert "Ugyldig dato" in r.text


def test_a_centre_cannot_register_afbud_for_another_centre(site: Site) -> None:
    token = csrf_token(site.tokens["centre_c1"])
    with _client(site, "centre_c1") as client:
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
