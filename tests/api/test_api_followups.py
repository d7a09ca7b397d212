"""Randers' duty: a 25-day absence that ended yesterday is on the follow-up list (API, centre
page, day page) until the centre records "kontaktet Socialområdet" (who, when)."""

from __future__ import annotations

from datetime import datetime

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from api.db.database import Database
from api.web.session import COOKIE_NAME, csrf_token


def at(client: TestClient, text: str) -> None:
    moment = datetime.fromisoformat(text)
    client.app.state.context.clock = lambda: moment  # type: ignore[attr-defined]


def test_an_ended_long_absence_stays_listed_until_acknowledged(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    at(published, "2026-01-30T10:00:00+00:00")
    r = published.post("/api/v1/absences", headers=coordinator, json={
        "rider_id": "R1", "start": "2026-02-02", "end": "2026-02-26", "reason": "Sygdom",
        "reported_by": "centre"})
    assert r.status_code == 201, r.text
    # Three weeks' absence that has not ended yet … and one of 25 days that ended yesterday.
    at(published, "2026-02-27T10:00:00+00:00")
    assert published.put("/api/v1/rules", headers=coordinator,
                         json={"rules": {"preset": "randers"}}).status_code == 200
    listed = published.get("/api/v1/follow-ups", headers=coordinator).json()
    assert [(f["rider_id"], f["days"], f["ended"], f["notify"]) for f in listed] == [
        ("R1", 25, True, "Socialområdet")]
    assert listed[0]["acknowledged"] is None
    # A day earlier in the absence (21 days) it is not yet over three weeks.
    assert published.get("/api/v1/follow-ups?on=2026-02-22",
                         headers=coordinator).json() == []
    # On the centre's page and the day page, in Danish.
    token = coordinator["Authorization"].removeprefix("Bearer ")
    published.cookies.set(COOKIE_NAME, token)
    page = published.get("/web/center/C1")
    assert page.status_code == 200, page.text
    assert "Langt fravær" in page.text and 'data-followup="R1"' in page.text
    assert "Kontaktet Socialområdet" in page.text
    day_page = published.get("/web/koordinator/dag/2026-02-27")
    assert 'data-followup="R1"' in day_page.text
    # Staff of another centre neither see nor acknowledge it.
    other = auth(add_user(database, "centre", centre_ids=["C2"]))
    assert published.get("/api/v1/follow-ups", headers=other).json() == []
    body = {"rider_id": "R1", "absence_start": "2026-02-02", "contacted_by": "Lone K.",
            "contacted_on": "2026-02-27"}
    assert_problem(published.post("/api/v1/follow-ups", headers=other, json=body), 404)
    # Acknowledged on the page's form: off the list, recorded with who and when.
    r = published.post("/web/opfoelgning", data={
        "csrf": csrf_token(token), "borger": "R1", "fravaer_fra": "2026-02-02",
        "kontaktet_af": "Lone K.", "kontaktet_den": "2026-02-27", "tilbage": "/center/C1"},
        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/web/center/C1?besked=opfoelgning"
    assert published.get("/api/v1/follow-ups", headers=coordinator).json() == []
    done = published.get("/api/v1/follow-ups?include_acknowledged=true",
                         headers=coordinator).json()
    assert done[0]["acknowledged"]["contacted_by"] == "Lone K."
    again = published.post("/api/v1/follow-ups", headers=coordinator, json=body)
    assert again.status_code == 200
    assert 'data-followup="R1"' not in published.get("/web/center/C1").text
