"""Grants over HTTP: a reimbursement grant takes the rider out of the plan in force and the day's
manifests (nobody else moves); riders granted but not yet planned, with the start promise; the
municipality's rules; closures every year through the same closures.csv."""

from __future__ import annotations

from datetime import datetime

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from api.db.database import Database
from api.web.session import COOKIE_NAME

MONDAY = "2026-03-02"
WEDNESDAY = "2026-03-04"


def at(client: TestClient, text: str) -> None:
    moment = datetime.fromisoformat(text)
    client.app.state.context.clock = lambda: moment  # type: ignore[attr-defined]


def grant(kind: str, start: str, **more: object) -> dict[str, object]:
    return {"kind": kind, "start": start, "decided_by": "Sagsbehandler Mette L.",
            "decided_on": start, **more}


def manifest_riders(client: TestClient, headers: dict[str, str], day: str) -> set[str]:
    r = client.get(f"/api/v1/days/{day}/runs", headers=headers)
    assert r.status_code == 200, r.text
    return {rid for run in r.json()["runs"] for stop in run["stops"]
            for rid in stop.get("rider_ids", [])}


def test_reimbursement_grant_removes_the_rider_from_plan_and_manifests(
        published: TestClient, coordinator: dict[str, str]) -> None:
    at(published, "2026-03-01T10:00:00+00:00")
    before = published.get("/api/v1/plans", headers=coordinator).json()
    in_force = next(p for p in before if p["published"])
    assert "R3" in manifest_riders(published, coordinator, WEDNESDAY)
    r1_times = published.get(f"/api/v1/days/{WEDNESDAY}/runs", headers=coordinator).json()
    r = published.post("/api/v1/riders/R3/grants", headers=coordinator,
                       json=grant("reimbursement", "2026-03-01", means="own_car"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["grant"]["kind"] == "reimbursement" and body["plan_id"] != in_force["plan_id"]
    assert "nobody else" in body["message"]
    # The new version is in force; R3 is in no run of it and on no manifest.
    plan = published.get(f"/api/v1/plans/{body['plan_id']}", headers=coordinator).json()
    assert plan["published"] is True
    riders = {rid for run in plan["document"]["runs"] for s in run["stops"]
              for rid in s.get("rider_ids", [])}
    assert "R3" not in riders and "R1" in riders
    assert "R3" not in manifest_riders(published, coordinator, WEDNESDAY)
    # R1 keeps the agreed time on Wednesday.
    after = published.get(f"/api/v1/days/{WEDNESDAY}/runs", headers=coordinator).json()

    def agreed(day: dict[str, object], rider: str) -> set[str]:
        return {str(s.get("agreed")) for run in day["runs"]  # type: ignore[attr-defined]
                for s in run["stops"] if rider in s.get("rider_ids", [])
                and s["kind"] == "pickup"}

    assert agreed(after, "R1") == agreed(r1_times, "R1")
    history = published.get("/api/v1/riders/R3/grants", headers=coordinator).json()
    assert [g["kind"] for g in history] == ["reimbursement"]


def test_a_grant_starting_later_leaves_the_days_runs_from_its_start(
        published: TestClient, coordinator: dict[str, str]) -> None:
    at(published, "2026-02-20T10:00:00+00:00")
    r = published.post("/api/v1/riders/R1/grants", headers=coordinator,
                       json=grant("reimbursement", "2026-03-04", decided_on="2026-02-20"))
    assert r.status_code == 201, r.text
    # The rider leaves the plan at once, in a version in force from the grant's first day:
    # the days before keep the shared ride.
    plan_id = r.json()["plan_id"]
    assert plan_id is not None
    plan = published.get(f"/api/v1/plans/{plan_id}", headers=coordinator).json()
    assert plan["effective_from"] == "2026-03-04"
    assert "R1" in manifest_riders(published, coordinator, MONDAY)
    assert "R1" not in manifest_riders(published, coordinator, WEDNESDAY)


def test_grant_validation_and_rights(published: TestClient, database: Database,
                                     coordinator: dict[str, str]) -> None:
    body = assert_problem(published.post(
        "/api/v1/riders/R1/grants", headers=coordinator,
        json=grant("shared_ride", "2026-03-01", end="2026-02-01")), 422)
    assert "end" in str(body)
    assert_problem(published.post("/api/v1/riders/R1/grants", headers=coordinator,
                                  json=grant("taxa", "2026-03-01")), 422)
    assert_problem(published.post("/api/v1/riders/NOPE/grants", headers=coordinator,
                                  json=grant("none", "2026-03-01")), 404)
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    assert_problem(published.post("/api/v1/riders/R1/grants", headers=staff,
                                  json=grant("none", "2026-03-01")), 403)
    created = published.post("/api/v1/riders/R4/grants", headers=coordinator,
                             json=grant("shared_ride", "2026-03-01")).json()
    gid = created["grant"]["grant_id"]
    ended = published.post(f"/api/v1/grants/{gid}/end", headers=coordinator,
                           json={"last_day": "2026-06-30"})
    assert ended.status_code == 200 and ended.json()["end"] == "2026-06-30"
    assert_problem(published.post(f"/api/v1/grants/{gid}/end", headers=coordinator,
                                  json={"last_day": "2026-01-01"}), 422)


def test_granted_but_not_planned_with_the_start_promise(
        published: TestClient, coordinator: dict[str, str]) -> None:
    at(published, "2026-03-02T10:00:00+00:00")
    r = published.post("/api/v1/riders", headers=coordinator, json={
        "rider_id": "R9", "name": "Ny Borger", "centre_id": "C1", "lat": 55.8310,
        "lon": 10.5920, "session_ids": ["C1-mon"]})
    assert r.status_code == 201, r.text
    published.post("/api/v1/riders/R9/grants", headers=coordinator,
                   json=grant("shared_ride", "2026-02-24"))
    waiting = published.get("/api/v1/grants/awaiting-start", headers=coordinator).json()
    assert [(w["rider_id"], w["days_left"]) for w in waiting] == [("R9", 8)]
    assert published.put("/api/v1/rules", headers=coordinator,
                         json={"rules": {"start_promise_days": 7}}).status_code == 200
    waiting = published.get("/api/v1/grants/awaiting-start?on=2026-03-04",
                            headers=coordinator).json()
    # A municipality promising the start within a week.
    assert [(w["rider_id"], w["days_left"]) for w in waiting] == [("R9", -1)]


def test_rules_and_closures_every_year(published: TestClient,
                                       coordinator: dict[str, str]) -> None:
    body = assert_problem(published.put("/api/v1/rules", headers=coordinator,
                                        json={"rules": {"preset": "aarhus"}}), 422)
    assert body["errors"][0]["field"] == "rules.preset"
    rules = published.put("/api/v1/rules", headers=coordinator,
                          json={"rules": {"preset": "haderslev"}}).json()
    assert "Handicap, Socialpsykiatri og Myndighed" in rules["appeal_text_da"]
    # Haderslev closes week 42 every year: no run on Monday of week 42.
    days = published.get("/api/v1/centres/C1/open-days?from=2027-10-18&to=2027-10-22",
                         headers=coordinator).json()
    assert not any(d["open"] for d in days)
    csv = "centre_id,start,end,reason\n*,W10,W10,Vinterferie\nC1,2026-03-04,,Personaledag\n"
    r = published.post("/api/v1/closures/import", headers=coordinator,
                       files={"file": ("closures.csv", csv.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json() == {"rows": 2, "created": 2}
    again = published.post("/api/v1/closures/import", headers=coordinator,
                           files={"file": ("closures.csv", csv.encode(), "text/csv")})
    assert again.json() == {"rows": 2, "created": 0}
    runs = published.get(f"/api/v1/days/{MONDAY}/runs", headers=coordinator).json()
    assert runs["runs"] == []  # week 10 of 2026: closed everywhere
    bad = "centre_id,start,end,reason\nC9,W10,,x\n"
    assert_problem(published.post("/api/v1/closures/import", headers=coordinator,
                                  files={"file": ("closures.csv", bad.encode(), "text/csv")}),
                   422)


def test_a_reimbursement_decision_creates_its_grant(published: TestClient,
                                                    coordinator: dict[str, str]) -> None:
    at(published, "2026-03-01T10:00:00+00:00")
    assessment = {"assessed_by": "Lone K.", "assessed_on": "2026-02-20",
                  "reason": "Kan ikke rumme turen med andre"}
    published.patch("/api/v1/riders/R3", headers=coordinator, json={"has_driver": True})
    r = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator, json={
        "centre_assessment": assessment, "grant_from": "2026-03-01",
        "decided_by": "Sagsbehandler Mette L."})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["warranted"] is True and body["inputs"]["grant_id"]
    grants = published.get("/api/v1/riders/R3/grants", headers=coordinator).json()
    assert [(g["kind"], g["means"], g["decision_id"]) for g in grants] == [
        ("reimbursement", "own_car", body["decision_id"])]
    assert "R3" not in manifest_riders(published, coordinator, WEDNESDAY)


def test_no_show_alerts_the_centre_and_keeps_the_ride_home(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    driver = auth(add_user(database, "driver", vehicle_id="V1"))
    at(published, "2026-03-02T10:00:00+00:00")
    body = {"rider_id": "R1", "date": MONDAY, "run_id": "mon-to-V1"}
    assert published.post("/api/v1/no-shows", headers=driver, json=body).status_code == 201
    # Off by default: no alert; the ride home still drives (no operator rule imposed).
    assert published.get("/api/v1/no-show-alerts", headers=coordinator).json() == []
    assert "R1" in {x["rider_id"] for run in published.get(
        f"/api/v1/days/{MONDAY}/runs", headers=coordinator).json()["runs"]
        if run["direction"] == "from_centre" for x in
        [{"rider_id": r} for s in run["stops"] for r in s.get("rider_ids", [])]}
    published.put("/api/v1/rules", headers=coordinator,
                  json={"rules": {"no_show_alert_centre": True}})
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    alerts = published.get("/api/v1/no-show-alerts", headers=staff).json()
    assert [(a["rider_id"], a["ride_home_cancelled"]) for a in alerts] == [("R1", False)]
    published.cookies.set(COOKIE_NAME, staff["Authorization"].removeprefix("Bearer "))
    page = published.get("/web/center/C1")
    assert "Udeblevet i dag" in page.text and 'data-no-show="R1"' in page.text
