"""Grants do not overlap, and a rider goes back into the plan after reimbursement (issue 16).

On the tiny plan (published): Carla Nielsen (R3) rides with Anna Jensen (R1) in V1 on
Wednesdays. Reimbursement takes R3 out of the plan in force; a shared ride that follows it (a new
grant, the end of the reimbursement grant, a decision that is not warranted) puts R3 back in when
an insertion moves nobody, else R3 waits on the list of riders granted but not in the plan.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_api_basics import assert_problem
from test_api_grants import at, grant, manifest_riders

FEB_WED = "2026-02-25"
MAR_WED = "2026-03-25"
APR_WED = "2026-04-01"


def _in_force(client: TestClient, headers: dict[str, str]) -> int:
    plans = client.get("/api/v1/plans", headers=headers).json()
    return int(max((p for p in plans if p["published"]),
                   key=lambda p: (p["effective_from"] or "", p["plan_id"]))["plan_id"])


def _agreed(client: TestClient, headers: dict[str, str], day: str, rider: str) -> set[str]:
    runs = client.get(f"/api/v1/days/{day}/runs", headers=headers).json()["runs"]
    return {str(s.get("agreed")) for run in runs for s in run["stops"]
            if rider in s.get("rider_ids", []) and s["kind"] == "pickup"}


def _reimburse_r3(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    at(client, "2026-03-01T10:00:00+00:00")
    r = client.post("/api/v1/riders/R3/grants", headers=headers,
                    json=grant("reimbursement", "2026-03-01", means="own_car"))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    assert body["outcome"] == "taken_out"
    return body


def test_a_shared_ride_grant_ends_reimbursement_and_puts_the_rider_back(
        published: TestClient, coordinator: dict[str, str]) -> None:
    r1_before = _agreed(published, coordinator, FEB_WED, "R1")
    reimbursed = _reimburse_r3(published, coordinator)
    assert "R3" not in manifest_riders(published, coordinator, MAR_WED)
    r = published.post("/api/v1/riders/R3/grants", headers=coordinator,
                       json=grant("shared_ride", "2026-04-01", means="samkørsel"))
    assert r.status_code == 201, r.text
    body = r.json()
    # The reimbursement grant ends the day before: never two grants in force.
    assert [(g["grant_id"], g["end"]) for g in body["ended"]] == [
        (reimbursed["grant"]["grant_id"], "2026-03-31")]
    assert body["outcome"] == "back_in_plan" and "nobody else moves" in body["message"]
    plan = published.get(f"/api/v1/plans/{body['plan_id']}", headers=coordinator).json()
    assert plan["published"] and plan["effective_from"] == "2026-04-01"
    # Out while the reimbursement is in force, driven again from the shared ride's start, and
    # driven on the days before the reimbursement (past manifests do not change).
    assert "R3" not in manifest_riders(published, coordinator, MAR_WED)
    assert "R3" in manifest_riders(published, coordinator, APR_WED)
    assert "R3" in manifest_riders(published, coordinator, FEB_WED)
    assert _agreed(published, coordinator, APR_WED, "R1") == r1_before
    history = published.get("/api/v1/riders/R3/grants", headers=coordinator).json()
    assert [(g["kind"], g["start"], g["end"]) for g in history] == [
        ("shared_ride", "2026-04-01", None), ("reimbursement", "2026-03-01", "2026-03-31")]
    assert published.get("/api/v1/grants/awaiting-start",
                         headers=coordinator).json() == []


def test_a_grant_may_not_overlap_one_starting_on_or_after_it(
        published: TestClient, coordinator: dict[str, str]) -> None:
    at(published, "2026-03-01T10:00:00+00:00")
    later = published.post("/api/v1/riders/R4/grants", headers=coordinator,
                           json=grant("reimbursement", "2026-03-10")).json()
    for start in ("2026-03-05", "2026-03-10"):
        body = assert_problem(published.post(
            "/api/v1/riders/R4/grants", headers=coordinator,
            json=grant("shared_ride", start)), 409)
        assert str(later["grant"]["grant_id"]) in body["detail"]
        assert "do not overlap" in body["detail"]
    # Ending before the later grant starts is no overlap: stored, nothing ended.
    r = published.post("/api/v1/riders/R4/grants", headers=coordinator,
                       json=grant("shared_ride", "2026-03-02", end="2026-03-09"))
    assert r.status_code == 201, r.text
    assert r.json()["ended"] == []
    assert len(published.get("/api/v1/riders/R4/grants", headers=coordinator).json()) == 2


def test_ending_reimbursement_resumes_the_shared_ride(
        published: TestClient, coordinator: dict[str, str]) -> None:
    reimbursed = _reimburse_r3(published, coordinator)
    gid = reimbursed["grant"]["grant_id"]
    r = published.post(f"/api/v1/grants/{gid}/end", headers=coordinator,
                       json={"last_day": "2026-03-20"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["end"] == "2026-03-20"
    resumed = body["resumed"]
    assert resumed["grant"]["kind"] == "shared_ride" and resumed["grant"]["start"] == \
        "2026-03-21" and resumed["grant"]["end"] is None
    assert resumed["grant"]["decided_by"] == "Koordinator"
    assert resumed["outcome"] == "back_in_plan"
    plan = published.get(f"/api/v1/plans/{resumed['plan_id']}", headers=coordinator).json()
    assert plan["effective_from"] == "2026-03-21"
    assert "R3" not in manifest_riders(published, coordinator, "2026-03-18")
    assert "R3" in manifest_riders(published, coordinator, MAR_WED)


def test_ending_reimbursement_without_resuming(
        published: TestClient, coordinator: dict[str, str]) -> None:
    reimbursed = _reimburse_r3(published, coordinator)
    plan_id = _in_force(published, coordinator)
    r = published.post(f"/api/v1/grants/{reimbursed['grant']['grant_id']}/end",
                       headers=coordinator,
                       json={"last_day": "2026-03-20", "resume_shared_ride": False})
    assert r.status_code == 200 and r.json()["resumed"] is None
    assert _in_force(published, coordinator) == plan_id
    assert "R3" not in manifest_riders(published, coordinator, MAR_WED)


def test_without_an_insertion_that_moves_nobody_the_rider_waits(
        published: TestClient, coordinator: dict[str, str]) -> None:
    reimbursed = _reimburse_r3(published, coordinator)
    plan_id = _in_force(published, coordinator)
    # Meanwhile R3 moved to an evening session no vehicle is out for: no insertion at all.
    r = published.post("/api/v1/centres/C1/sessions", headers=coordinator, json={
        "session_id": "C1-wed-aften", "weekday": "wed", "start": "19:00", "end": "21:00"})
    assert r.status_code == 201, r.text
    r = published.patch("/api/v1/riders/R3", headers=coordinator,
                        json={"session_ids": ["C1-wed-aften"]})
    assert r.status_code == 200, r.text
    r = published.post(f"/api/v1/grants/{reimbursed['grant']['grant_id']}/end",
                       headers=coordinator, json={"last_day": "2026-03-06"})
    assert r.status_code == 200, r.text
    resumed = r.json()["resumed"]
    assert resumed["outcome"] == "awaiting" and resumed["plan_id"] is None
    assert f"/plans/{plan_id}/insert" in resumed["message"]
    assert _in_force(published, coordinator) == plan_id
    waiting = published.get("/api/v1/grants/awaiting-start", headers=coordinator).json()
    # Granted from 7 March, 14 days promised, today 1 March: 20 days left.
    assert [(w["rider_id"], w["granted_from"], w["days_left"]) for w in waiting] == [
        ("R3", "2026-03-07", 20)]


def test_a_decision_that_is_not_warranted_ends_reimbursement(
        published: TestClient, coordinator: dict[str, str]) -> None:
    reimbursed = _reimburse_r3(published, coordinator)
    # No centre assessment, the plan not asked: not warranted, the shared ride continues.
    r = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator, json={
        "use_plan": False, "grant_from": "2026-04-01", "decided_by": "Visitator Vibeke"})
    assert r.status_code == 201, r.text
    decision = r.json()
    assert decision["warranted"] is False
    assert decision["inputs"]["grant_outcome"] == "back_in_plan"
    history = published.get("/api/v1/riders/R3/grants", headers=coordinator).json()
    assert [(g["kind"], g["end"], g["decision_id"]) for g in history] == [
        ("shared_ride", None, decision["decision_id"]),
        ("reimbursement", "2026-03-31", None)]
    assert history[1]["grant_id"] == reimbursed["grant"]["grant_id"]
    assert "R3" in manifest_riders(published, coordinator, APR_WED)
    # A rider on the shared ride already: a decision not warranted changes no grant.
    r = published.post("/api/v1/riders/R1/reimbursement", headers=coordinator, json={
        "use_plan": False, "grant_from": "2026-04-01"})
    assert r.status_code == 201 and r.json()["inputs"]["grant_message"] == "no grant changed"
    assert published.get("/api/v1/riders/R1/grants", headers=coordinator).json() == []


def test_reimbursement_with_an_end_resumes_the_shared_ride_the_day_after(
        published: TestClient, coordinator: dict[str, str]) -> None:
    at(published, "2026-03-01T10:00:00+00:00")
    r = published.post("/api/v1/riders/R3/grants", headers=coordinator, json=grant(
        "reimbursement", "2026-03-01", end="2026-03-31", means="own_car"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["outcome"] == "taken_out"
    resumed = body["resumed"]
    assert (resumed["grant"]["kind"], resumed["grant"]["start"], resumed["outcome"]) == (
        "shared_ride", "2026-04-01", "back_in_plan")
    assert [("R3" in manifest_riders(published, coordinator, d))
            for d in (FEB_WED, MAR_WED, APR_WED)] == [True, False, True]
    # Without resuming, nothing is granted after the end: R4 is not driven then.
    r = published.post("/api/v1/riders/R4/grants", headers=coordinator, json=grant(
        "none", "2026-03-01", end="2026-03-31", resume_shared_ride=False))
    assert r.status_code == 201 and r.json()["resumed"] is None
    assert "R4" not in manifest_riders(published, coordinator, "2026-04-07")
