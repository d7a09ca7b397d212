"""The grant and decision pages (issue 16): ending reimbursement resumes the shared ride
(«Genoptag samkørsel», on by default) and says whether the rider is back in the plan or waits
(with the link to the living plan's add-rider page); overlapping grants are refused; a decision
is recomputed under another year's rates, keeping the old one.

On the tiny plan (published), Carla Nielsen (R3) rides on Wednesdays with Anna Jensen (R1).
"""

from __future__ import annotations

from datetime import UTC, datetime

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_api_grants import at, grant, manifest_riders

from api.auth import hash_token, start_session
from api.db.database import Database
from api.db.models import User
from api.web.session import COOKIE_NAME


def _login(client: TestClient, database: Database, headers: dict[str, str]) -> None:
    """A browser session of the API key's user (as the login form opens one)."""
    key = headers["Authorization"].removeprefix("Bearer ")
    with database.unit_of_work() as db:
        user = db.scalars(select(User).where(User.token_hash == hash_token(key))).one()
        value = start_session(db, user, False, datetime.now(UTC))
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, value)


def _csrf(client: TestClient, path: str = "/web/koordinator/borgere/R3") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return page.text.split('name="csrf" value="')[1].split('"')[0]


def _reimbursement_grant(client: TestClient, headers: dict[str, str]) -> int:
    at(client, "2026-03-01T10:00:00+00:00")
    r = client.post("/api/v1/riders/R3/grants", headers=headers,
                    json=grant("reimbursement", "2026-03-01", means="own_car"))
    assert r.status_code == 201, r.text
    return int(r.json()["grant"]["grant_id"])


def test_ending_reimbursement_in_the_page_puts_the_rider_back(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    gid = _reimbursement_grant(published, coordinator)
    _login(published, database, coordinator)
    page = published.get("/web/koordinator/borgere/R3").text
    form = page.split(f"/bevillinger/{gid}/afslut")[1].split("</form>")[0]
    assert 'name="genoptag" value="ja" checked' in form
    assert "Genoptag samkørsel fra dagen efter sidste dag" in form and "fra 02.03.2026" in form
    r = published.post(f"/web/koordinator/bevillinger/{gid}/afslut", data={
        "csrf": _csrf(published), "sidste_dag": "2026-03-20", "genoptag": "ja"})
    assert r.status_code == 200
    assert "sat ind i den gældende plan igen" in r.text and "Ingen andres tider" in r.text
    assert 'id="venter-paa-plan"' not in r.text
    assert 'data-kind="shared_ride"' in r.text
    assert "R3" in manifest_riders(published, coordinator, "2026-03-25")


def test_a_rider_who_cannot_go_back_without_moving_others_waits(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    gid = _reimbursement_grant(published, coordinator)
    published.post("/api/v1/centres/C1/sessions", headers=coordinator, json={
        "session_id": "C1-wed-aften", "weekday": "wed", "start": "19:00", "end": "21:00"})
    published.patch("/api/v1/riders/R3", headers=coordinator,
                    json={"session_ids": ["C1-wed-aften"]})
    _login(published, database, coordinator)
    r = published.post(f"/web/koordinator/bevillinger/{gid}/afslut", data={
        "csrf": _csrf(published), "sidste_dag": "2026-03-06", "genoptag": "ja"})
    assert "står nu på «Bevilget, ikke i plan»" in r.text
    notice = r.text.split('id="venter-paa-plan"')[1].split("</p>")[0]
    assert "20 dage tilbage" in notice
    assert "/web/koordinator/levende?borger=R3&amp;handling=tilfoej" in notice
    waiting = published.get("/web/koordinator/bevilget-ikke-i-plan").text
    row = waiting.split('data-rider="R3"')[1].split("</tr>")[0]
    assert "Sæt ind i planen" in row and "levende?borger=R3" in row
    # The link opens the living plan's preview for R3 (here: no insertion is possible).
    assert published.get("/web/koordinator/levende?borger=R3&handling=tilfoej").status_code \
        == 200


def test_ending_without_resuming_and_overlaps_refused_in_the_page(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    gid = _reimbursement_grant(published, coordinator)
    _login(published, database, coordinator)
    token = _csrf(published)
    # A shared ride from a day the reimbursement already covers from its start: refused.
    r = published.post("/web/koordinator/borgere/R3/bevilling", data={
        "csrf": token, "art": "shared_ride", "fra": "2026-03-01",
        "besluttet_af": "Visitator Vibeke Lund"})
    assert "Bevillinger må ikke overlappe" in r.text
    r = published.post(f"/web/koordinator/bevillinger/{gid}/afslut", data={
        "csrf": token, "sidste_dag": "2026-03-20"})  # box unticked
    assert "Bevillingen er afsluttet." in r.text
    grants = published.get("/api/v1/riders/R3/grants", headers=coordinator).json()
    assert [(g["kind"], g["end"]) for g in grants] == [("reimbursement", "2026-03-20")]
    # Recorded later as a grant of its own: back in the plan all the same.
    r = published.post("/web/koordinator/borgere/R3/bevilling", data={
        "csrf": token, "art": "shared_ride", "fra": "2026-03-21",
        "besluttet_af": "Visitator Vibeke Lund"})
    assert "sat ind i den gældende plan igen fra samkørslens første dag" in r.text


def test_a_decision_is_recomputed_under_another_year_s_rates(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    at(published, "2026-03-01T10:00:00+00:00")
    published.patch("/api/v1/riders/R3", headers=coordinator, json={"has_driver": True})
    r = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator, json={
        "year": 2025, "use_plan": False, "rules": {"min_per_trip_ore": 0},
        "centre_assessment": {"assessed_by": "Lone K.", "assessed_on": "2026-02-20",
                              "reason": "Kan ikke tåle turen i minibussen"}})
    old = r.json()
    assert old["warranted"] and old["decision"]["rates_year"] == 2025
    _login(published, database, coordinator)
    page = published.get(f"/web/afgoerelser/{old['decision_id']}").text
    assert 'id="genberegn-form"' in page and '<option value="2026" selected>' in page
    r = published.post(f"/web/afgoerelser/{old['decision_id']}/genberegn", data={
        "csrf": _csrf(published, f"/web/afgoerelser/{old['decision_id']}"), "aar": "2026"})
    assert r.status_code == 200
    assert "genberegnet med de valgte takster" in r.text
    new = published.get("/api/v1/riders/R3/reimbursement", headers=coordinator).json()[0]
    assert new["supersedes_id"] == old["decision_id"] and new["decision"]["rates_year"] == 2026
    assert f"/web/afgoerelser/{new['decision_id']}" in str(r.url)
    shown = r.text.split('id="tidligere-afgoerelse"')[1].split("</p>")[0]
    assert f"afgørelse {old['decision_id']}" in shown and "takster 2025" in shown
    assert "Nu med takster 2026" in shown
    # The old decision is kept as it was.
    kept = published.get(f"/api/v1/reimbursement-decisions/{old['decision_id']}",
                         headers=coordinator).json()
    assert kept["decision"] == old["decision"]
    # An unknown year changes nothing; the centre sees no form and may not recompute.
    r = published.post(f"/web/afgoerelser/{old['decision_id']}/genberegn", data={
        "csrf": _csrf(published, f"/web/afgoerelser/{old['decision_id']}"), "aar": "1999"})
    assert "kunne ikke genberegnes" in r.text
    assert len(published.get("/api/v1/riders/R3/reimbursement",
                             headers=coordinator).json()) == 2
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    _login(published, database, staff)
    page = published.get(f"/web/afgoerelser/{old['decision_id']}")
    assert page.status_code == 200 and "Carla Nielsen" in page.text
    assert 'id="genberegn-form"' not in page.text
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = published.post(f"/web/afgoerelser/{old['decision_id']}/genberegn",
                       data={"csrf": token, "aar": "2026"}, follow_redirects=False)
    assert r.status_code == 403


def test_a_decision_not_warranted_resumes_the_shared_ride_from_its_page(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    gid = _reimbursement_grant(published, coordinator)
    at(published, "2026-03-10T10:00:00+00:00")
    r = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator,
                       json={"use_plan": False})
    decision = r.json()
    assert decision["warranted"] is False
    _login(published, database, coordinator)
    path = f"/web/afgoerelser/{decision['decision_id']}"
    page = published.get(path).text
    assert 'id="genoptag-form"' in page and 'id="bevil-form"' not in page
    r = published.post("/web/koordinator/borgere/R3/bevilling", data={
        "csrf": _csrf(published, path), "art": "shared_ride", "middel": "samkørsel",
        "afgoerelse": str(decision["decision_id"]), "fra": "2026-03-11",
        "besluttet_af": "Visitator Vibeke Lund"})
    assert "sat ind i den gældende plan igen" in r.text
    grants = published.get("/api/v1/riders/R3/grants", headers=coordinator).json()
    assert [(g["grant_id"] == gid, g["kind"], g["end"], g["decision_id"]) for g in grants] == [
        (False, "shared_ride", None, decision["decision_id"]),
        (True, "reimbursement", "2026-03-10", None)]
    # Granted now: the decision's page offers it no more.
    assert 'id="genoptag-form"' not in published.get(path).text


def test_a_reimbursement_grant_with_an_end_in_the_page(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    at(published, "2026-03-01T10:00:00+00:00")
    _login(published, database, coordinator)
    form = {"csrf": _csrf(published), "art": "reimbursement", "fra": "2026-03-01",
            "til": "2026-03-31", "besluttet_af": "Visitator Vibeke Lund", "genoptag": "ja"}
    r = published.post("/web/koordinator/borgere/R3/bevilling", data=form)
    assert "Samkørslen genoptages fra <strong>onsdag den 1. april 2026" in r.text
    assert 'name="genoptag" value="ja"' in r.text  # carried to the confirmation
    r = published.post("/web/koordinator/borgere/R3/bevilling", data={**form, "bekraeft": "ja"})
    assert "taget ud af den gældende plan fra bevillingens første dag og sat ind igen" in r.text
    grants = published.get("/api/v1/riders/R3/grants", headers=coordinator).json()
    assert [(g["kind"], g["start"]) for g in grants] == [
        ("shared_ride", "2026-04-01"), ("reimbursement", "2026-03-01")]


def test_a_first_shared_ride_is_left_to_the_coordinator(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    at(published, "2026-03-02T10:00:00+00:00")
    r = published.post("/api/v1/riders", headers=coordinator, json={
        "rider_id": "R9", "name": "Ny Borger", "centre_id": "C1", "lat": 55.8310,
        "lon": 10.5920, "session_ids": ["C1-mon"]})
    assert r.status_code == 201, r.text
    _login(published, database, coordinator)
    r = published.post("/web/koordinator/borgere/R9/bevilling", data={
        "csrf": _csrf(published), "art": "shared_ride", "fra": "2026-03-02",
        "besluttet_af": "Visitator Vibeke Lund"})
    assert "ikke med i den gældende plan endnu" in r.text
    assert "uden at flytte andre" not in r.text.split('class="flash ok"')[1].split("</p>")[0]
    assert "levende?borger=R9&amp;handling=tilfoej" in r.text
