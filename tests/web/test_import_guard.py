"""An import that would outdate published runs behaves like a guarded edit (issue 14): the
preview names, per rider, the change and the runs it would break; saving holds those changes
back (the page links each rider) unless "Gennemfør via den levende plan" is ticked, when the
plan in force gets a new version with the rider's runs changed. A failing import stores
nothing, not even a plan version.

Its own server and database (the tiny Samsø scenario, its plan published; Monday 7 December
2026). Tests run in file order: each starts from what the one before left.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import httpx
from webtest_support import Site, logged_in, login, new_page
from webtest_support import csrf_of as _csrf

Files = dict[str, bytes]


def _api(site: Site) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens['coordinator']}"}


def _client(site: Site) -> Any:
    return logged_in(site, follow_redirects=False)


def _export(site: Site) -> Files:
    r = httpx.get(f"{site.url}/api/v1/scenario/export", headers=_api(site), timeout=60)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        return {n: archive.read(n) for n in archive.namelist()
                if n.endswith((".csv", ".toml"))}


def _riders(files: Files, change: dict[str, dict[str, str]], drop: str = "") -> Files:
    """riders.csv with some riders' columns changed and one left out."""
    reader = csv.DictReader(io.StringIO(files["riders.csv"].decode("utf-8")))
    columns = list(reader.fieldnames or [])
    rows = [{**row, **change.get(row["rider_id"], {})} for row in reader
            if row["rider_id"] != drop]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return {**files, "riders.csv": out.getvalue().encode("utf-8")}


def _preview(client: httpx.Client, files: Files, mode: str = "merge") -> tuple[str, str]:
    """The preview page and its token."""
    form = client.get("/web/koordinator/import")
    r = client.post("/web/koordinator/import", data={"csrf": _csrf(form.text), "tilstand": mode},
                    files=[("filer", (n, c)) for n, c in sorted(files.items())])
    assert r.status_code == 200, r.text
    token = re.search(r'name="token" value="([^"]+)"', r.text)
    assert token
    return r.text, token.group(1)


def _save(client: httpx.Client, html: str, token: str, through: bool) -> httpx.Response:
    data = {"csrf": _csrf(html), "token": token}
    if through:
        data["levende"] = "ja"
    return client.post("/web/koordinator/import/gem", data=data)


def _in_force(site: Site) -> tuple[int, dict[str, Any]]:
    plans = httpx.get(f"{site.url}/api/v1/plans", headers=_api(site)).json()
    newest = next(p for p in plans if p["published"])
    body = httpx.get(f"{site.url}/api/v1/plans/{newest['plan_id']}", headers=_api(site)).json()
    return int(newest["plan_id"]), body["document"]


def _stops_of(document: dict[str, Any], rider_id: str) -> list[tuple[str, float, float]]:
    return sorted((run["run_id"], stop["lat"], stop["lon"]) for run in document["runs"]
                  for stop in run["stops"] if rider_id in stop["rider_ids"]
                  and stop["kind"] != "centre")


def _rider(site: Site, rider_id: str) -> httpx.Response:
    return httpx.get(f"{site.url}/api/v1/riders/{rider_id}", headers=_api(site))


# Anna (R1) rides with V1 on Monday and Wednesday; she moves to another house.
MOVED = {"R1": {"lat": "55.8320", "lon": "10.5935", "address": "Nyvej 1, 8305 Samsø",
                "notes": "Ring på hos naboen"}}


def test_a_planned_riders_new_home_is_held_back_by_default(own_site: Site) -> None:
    site = own_site
    plan_id, document = _in_force(site)
    before = _rider(site, "R1").json()
    with _client(site) as client:
        html, token = _preview(client, _riders(_export(site), MOVED))
        section = html.split('id="import-borgere-ture"')[1].split("</section>")[0]
        assert "Anna Jensen" in section and "adresse" in section
        assert "Mandag" in section and "Onsdag" in section and "V1" in section
        assert 'name="levende"' in html and "Gennemfør via den levende plan" in html
        r = _save(client, html, token, through=False)
        assert r.status_code == 303 and "holdt=R1" in r.headers["location"]
        page = client.get(r.headers["location"])
        held = page.text.split('id="import-holdt"')[1].split("</section>")[0]
        assert "Anna Jensen" in held and "/koordinator/borgere/R1/ret" in held
    after = _rider(site, "R1").json()
    # Her home, address and planning fields stay; the harmless note is imported.
    assert (after["lat"], after["lon"], after["address"]) == (
        before["lat"], before["lon"], before["address"])
    assert after["notes"] == "Ring på hos naboen"
    # The plan drivers follow is untouched.
    assert _in_force(site) == (plan_id, document)


def test_an_import_the_living_plan_cannot_follow_stores_nothing(own_site: Site) -> None:
    site = own_site
    plan_id, document = _in_force(site)
    plans_before = len(httpx.get(f"{site.url}/api/v1/plans", headers=_api(site)).json())
    before = _rider(site, "R1").json()
    # A ride of at most a minute from a home 2 km from her centre: no run can carry Anna.
    change = {"R1": {**MOVED["R1"], "lat": "55.8250", "lon": "10.6200", "max_ride_min": "1",
                     "notes": "Skal ikke gemmes"}}
    with _client(site) as client:
        html, token = _preview(client, _riders(_export(site), change))
        r = _save(client, html, token, through=True)
        assert r.status_code == 409, r.text
        assert "Anna Jensen" in r.text and "Intet er gemt" in r.text
    assert _rider(site, "R1").json() == before
    assert _in_force(site) == (plan_id, document)
    assert len(httpx.get(f"{site.url}/api/v1/plans", headers=_api(site)).json()) == plans_before


def test_through_the_living_plan_the_plan_in_force_gets_a_new_version(own_site: Site) -> None:
    site = own_site
    plan_id, document = _in_force(site)
    with _client(site) as client:
        html, token = _preview(client, _riders(_export(site), MOVED))
        assert "Anna Jensen" in html.split('id="import-borgere-ture"')[1]
        r = _save(client, html, token, through=True)
        assert r.status_code == 303, r.text
        assert "holdt" not in r.headers["location"]
        new_id = int(re.search(r"plan=(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
        page = client.get(r.headers["location"])
        assert 'id="import-plan"' in page.text and f"/planer/{new_id}/gennemgang" in page.text
    after = _rider(site, "R1").json()
    assert (after["lat"], after["lon"]) == (55.8320, 10.5935)
    in_force, new_document = _in_force(site)
    assert in_force == new_id != plan_id
    old_stops, new_stops = _stops_of(document, "R1"), _stops_of(new_document, "R1")
    assert new_stops and {(la, lo) for _, la, lo in new_stops} != {
        (la, lo) for _, la, lo in old_stops}
    # Nobody else lost their ride.
    for rider in ("R2", "R3", "R4"):
        assert _stops_of(new_document, rider)


def test_a_replacing_import_keeps_a_planned_rider_it_leaves_out_unless_chosen(
        own_site: Site) -> None:
    site = own_site
    plan_id, document = _in_force(site)
    with _client(site) as client:
        files = _riders(_export(site), {}, drop="R4")  # Dorte rides with V2 on Tuesday
        html, token = _preview(client, files, mode="replace")
        section = html.split('id="import-borgere-ture"')[1].split("</section>")[0]
        assert "Dorte Madsen" in section and "slettes" in section and "Tirsdag" in section
        r = _save(client, html, token, through=False)
        assert r.status_code == 303 and "beholdt=R4" in r.headers["location"]
        held = client.get(r.headers["location"]).text.split('id="import-holdt"')[1]
        assert "Dorte Madsen" in held and "borger=R4&amp;handling=fjern" in held
        assert _rider(site, "R4").status_code == 200
        assert _in_force(site) == (plan_id, document)
        # Chosen: she is deleted and taken out of the plan in force (a new version).
        html, token = _preview(client, files, mode="replace")
        r = _save(client, html, token, through=True)
        assert r.status_code == 303 and "plan=" in r.headers["location"]
    assert _rider(site, "R4").status_code == 404
    in_force, new_document = _in_force(site)
    assert in_force != plan_id and not _stops_of(new_document, "R4")
    assert _stops_of(new_document, "R1")


def test_the_import_page_shows_the_held_back_riders(browser: Any, own_site: Site,
                                                   screenshots: Path, tmp_path: Path) -> None:
    site = own_site
    # Carla (R3) rides with V1 on Wednesday; she moves.
    files = _riders(_export(site), {"R3": {"lat": "55.8330", "lon": "10.5990",
                                           "address": "Stranden 3, 8305 Samsø"}})
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    page = new_page(browser)
    login(page, site, "coordinator")
    page.goto(f"{site.url}/web/koordinator/import")
    page.set_input_files("#filer", [str(tmp_path / name) for name in sorted(files)])
    page.click("#import-form button[type=submit]")
    row = page.locator("#import-borgere-ture tr[data-rider=R3]")
    assert "Carla Nielsen" in row.inner_text() and "Onsdag" in row.inner_text()
    assert not page.is_checked("#levende")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / "koordinator-import-borgere.png"), full_page=True)
    page.click("#import-gem button[type=submit]")
    held = page.locator("#import-holdt")
    assert "Carla Nielsen" in held.inner_text()
    page.screenshot(path=str(screenshots / "koordinator-import-holdt.png"), full_page=True)
    # The link leads to her form; saving there opens the living plan's change for her.
    held.locator("a", has_text="Carla Nielsen").click()
    assert page.url.endswith("/web/koordinator/borgere/R3/ret")
    page.context.close()


def _rest_import(site: Site, files: Files, **params: str) -> httpx.Response:
    return httpx.post(f"{site.url}/api/v1/scenario/import", headers=_api(site), params=params,
                      files=[("files", (n, c)) for n, c in sorted(files.items())], timeout=120)


def test_the_rest_import_holds_back_too_unless_through_the_living_plan(own_site: Site) -> None:
    site = own_site
    plan_id, document = _in_force(site)
    before = _rider(site, "R2").json()
    moved = {"R2": {"lat": "55.8335", "lon": "10.5960", "address": "Skolevej 4, 8305 Samsø",
                    "notes": "Ny nøgleboks"}}
    files = _riders(_export(site), moved)
    r = _rest_import(site, files)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [h["rider_id"] for h in body["held_back"]] == ["R2"]
    assert body["held_back"][0]["runs"] and body["plan_id"] is None
    after = _rider(site, "R2").json()
    assert (after["lat"], after["lon"]) == (before["lat"], before["lon"])
    assert after["notes"] == "Ny nøgleboks"
    assert _in_force(site) == (plan_id, document)
    # Chosen: stored, and the plan in force follows (a new version, published).
    r = _rest_import(site, files, through_living_plan="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["held_back"] == [] and [f["rider_id"] for f in body["followed"]] == ["R2"]
    in_force, new_document = _in_force(site)
    assert in_force == body["plan_id"] != plan_id
    assert (55.8335, 10.596) in {(la, lo) for _, la, lo in _stops_of(new_document, "R2")}
