"""Reimbursement decisions over HTTP: assessed, stored with inputs, recomputed under new rates."""

from __future__ import annotations

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from api.db.database import Database


def test_no_reimbursement_when_the_shared_ride_serves(published: TestClient,
                                                      coordinator: dict[str, str]) -> None:
    # R3 shares V1's Wednesday runs with R1: serving R3 costs only a short detour.
    r = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator,
                       json={"year": 2026, "decided_on": "2026-03-02"})
    assert r.status_code == 201, r.text
    decision = r.json()
    assert decision["warranted"] is False and decision["plan_id"] is not None
    assert decision["decision"]["schema"] == "samkorsel.reimbursement/2"
    assert decision["decision"]["outcome"] == "shared_ride"
    assert "Klagevejledning" in decision["decision"]["text_da"]
    assert decision["decision"]["reason_en"].startswith("No")
    assert r.headers["location"] == f"/api/v1/reimbursement-decisions/{decision['decision_id']}"


def test_centre_assessment_warrants_and_rates_change_the_amount(
    published: TestClient, database: Database, coordinator: dict[str, str]
) -> None:
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    # The centre records its concrete assessment on the rider; the coordinator decides.
    # Without who and when, the assessment is not the centre's recorded assessment: no grant.
    r = published.patch("/api/v1/riders/R3", headers=staff, json={
        "has_driver": True, "centre_assessment": "Kan ikke tåle turen i minibussen"})
    assert r.status_code == 200
    incomplete = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator,
                                json={"year": 2025, "use_plan": False}).json()
    assert incomplete["warranted"] is False
    assert incomplete["decision"]["outcome"] == "shared_ride"
    r = published.patch("/api/v1/riders/R3", headers=staff, json={
        "centre_assessment_by": "Lone K., afdelingsleder", "centre_assessment_on": "2026-02-20"})
    assert r.status_code == 200 and r.json()["centre_assessment_on"] == "2026-02-20"
    assert_problem(published.post("/api/v1/riders/R3/reimbursement", headers=staff, json={}),
                   403)
    # R3 lives close by: without the minimum amount the kilometre rate shows the year's rate.
    first = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator,
                           json={"year": 2025, "use_plan": False,
                                 "rules": {"min_per_trip_ore": 0}}).json()
    assert first["warranted"] is True
    assert first["inputs"]["centre_assessment"]["assessed_by"] == "Lone K., afdelingsleder"
    assert "Lone K." in first["decision"]["text_da"]
    assert first["decision"]["chosen"]["means"] == "own_car"
    again = published.post(f"/api/v1/reimbursement-decisions/{first['decision_id']}/recompute",
                           headers=coordinator, json={"year": 2026})
    assert again.status_code == 201, again.text
    second = again.json()
    assert second["supersedes_id"] == first["decision_id"]
    assert second["decision"]["rates_year"] == 2026
    assert second["decision"]["per_trip_ore"] != first["decision"]["per_trip_ore"]
    history = published.get("/api/v1/riders/R3/reimbursement", headers=staff).json()
    assert [d["decision_id"] for d in history] == [second["decision_id"], first["decision_id"],
                                                   incomplete["decision_id"]]


def test_unknown_rates_year_and_other_centres(published: TestClient, database: Database,
                                              coordinator: dict[str, str]) -> None:
    body = assert_problem(published.post("/api/v1/riders/R1/reimbursement", headers=coordinator,
                                         json={"year": 1999}), 422)
    assert body["errors"][0]["field"] == "year"
    decision = published.post("/api/v1/riders/R4/reimbursement", headers=coordinator,
                              json={"year": 2026}).json()
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    assert_problem(published.get(f"/api/v1/reimbursement-decisions/{decision['decision_id']}",
                                 headers=staff), 404)
    # An assessment in the request must say who, when and why.
    body = assert_problem(published.post(
        "/api/v1/riders/R1/reimbursement", headers=coordinator,
        json={"centre_assessment": {"assessed_by": "", "assessed_on": "2026-02-20",
                                    "reason": "x"}}), 422)
    assert "assessed_by" in str(body)



def test_candidates_list_grants_nothing(published: TestClient, database: Database,
                                        coordinator: dict[str, str]) -> None:
    r = published.get("/api/v1/reimbursement-candidates?year=2026", headers=coordinator)
    assert r.status_code == 200, r.text
    found = {c["rider_id"]: c for c in r.json()}
    # R2 rides alone in the wheelchair taxi on Mondays: its whole vehicle-day is R2's cost.
    assert [s["kind"] for s in found["R2"]["signals"]] == ["economic"]
    for c in found.values():
        assert c["text_da"].startswith("Overvej en vurdering") and c["signals"]
    assert published.get("/api/v1/riders/R2/reimbursement",
                         headers=coordinator).json() == []  # nothing decided, nothing stored
    assert_problem(published.get("/api/v1/reimbursement-candidates?plan_id=999",
                                 headers=coordinator), 404)
    driver = auth(add_user(database, "driver", vehicle_id="V1"))
    assert_problem(published.get("/api/v1/reimbursement-candidates", headers=driver), 403)
