"""A living plan over HTTP: insert, remove, change, reoptimise create a new draft version of a
published plan; diffs and notifications (JSON and CSV); roles; rejected requests change nothing."""

from __future__ import annotations

from typing import Any

from apitest_support import wait_for
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from api.db.database import Database


def _plan_id(client: TestClient, headers: dict[str, str]) -> int:
    plans = client.get("/api/v1/plans", headers=headers).json()
    return int(next(p["plan_id"] for p in plans if p["published"]))


def _count(client: TestClient, headers: dict[str, str]) -> int:
    return len(client.get("/api/v1/plans", headers=headers).json())


def _add_rider(client: TestClient, headers: dict[str, str], rider_id: str = "R5") -> None:
    r = client.post("/api/v1/riders", headers=headers, json={
        "rider_id": rider_id, "name": "Erik Olsen", "centre_id": "C1", "lat": 55.8310,
        "lon": 10.5925, "address": "Vej 5", "session_ids": ["C1-mon"]})
    assert r.status_code == 201, r.text


def _agreed(document: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    out = {}
    for run in document["runs"]:
        for stop in run["stops"]:
            if stop["kind"] == "pickup":
                for rider in stop["rider_ids"]:
                    out[(rider, run["weekday"], run["direction"])] = stop["agreed"]
    return out


def test_insert_creates_a_draft_keeping_every_agreed_time(published: TestClient,
                                                          coordinator: dict[str, str]) -> None:
    client = published
    source = _plan_id(client, coordinator)
    _add_rider(client, coordinator)
    r = client.post(f"/api/v1/plans/{source}/insert", headers=coordinator,
                    json={"rider_id": "R5"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["action"] == "insert" and body["from_plan_id"] == source
    assert body["keeps_all_times"] and body["moved"] == [] and body["chosen"] == 1
    assert body["options"] and body["options"][0]["keeps_all_times"]
    assert {(p["weekday"], p["direction"]) for p in body["options"][0]["placements"]} == {
        ("mon", "to_centre"), ("mon", "from_centre")}
    riders = {n["recipient_id"] for n in body["notifications"] if n["recipient_type"] == "rider"}
    assert riders == {"R5"}
    new_id = body["plan_id"]
    new = client.get(f"/api/v1/plans/{new_id}", headers=coordinator).json()
    assert new["status"] == "done" and not new["published"]
    old = client.get(f"/api/v1/plans/{source}", headers=coordinator).json()
    before, after = _agreed(old["document"]), _agreed(new["document"])
    assert {k: v for k, v in after.items() if k[0] != "R5"} == before
    diff = client.get(f"/api/v1/plans/{new_id}/diff?against={source}", headers=coordinator)
    assert diff.status_code == 200, diff.text
    assert diff.json()["riders"] == ["R5"]
    assert any(n["recipient_id"] == "R5" and "hentet" in n["message"]
               for n in diff.json()["notifications"])
    csv = client.get(f"/api/v1/plans/{new_id}/notifications.csv", headers=coordinator)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeffrecipient_type;".encode())
    # The new version holds every rule (warnings, e.g. a door far from the road, are not
    # broken rules) and is published like any plan.
    assert [v for v in new["violation_list"] if v["severity"] == "error"] == []
    published_new = client.post(f"/api/v1/plans/{new_id}/publish", headers=coordinator)
    assert published_new.status_code == 200 and published_new.json()["published"]


def test_dry_run_and_rejections_store_nothing(published: TestClient, coordinator: dict[str, str],
                                             database: Database) -> None:
    from apitest_support import add_user, auth

    client = published
    source = _plan_id(client, coordinator)
    _add_rider(client, coordinator)
    count = _count(client, coordinator)
    dry = client.post(f"/api/v1/plans/{source}/insert", headers=coordinator,
                      json={"rider_id": "R5", "dry_run": True})
    assert dry.status_code == 200 and dry.json()["plan_id"] is None
    assert_problem(client.post(f"/api/v1/plans/{source}/insert", headers=coordinator,
                               json={"rider_id": "NOBODY"}), 404)
    assert_problem(client.post(f"/api/v1/plans/{source}/insert", headers=coordinator,
                               json={"rider_id": "R1"}), 409)
    assert_problem(client.post(f"/api/v1/plans/{source}/insert", headers=coordinator,
                               json={"rider_id": "R5", "choose": 20}), 422)
    assert_problem(client.post(f"/api/v1/plans/{source}/remove", headers=coordinator,
                               json={"rider_id": "R1", "weekdays": ["sun"]}), 422)
    assert_problem(client.post("/api/v1/plans/999999/remove", headers=coordinator,
                               json={"rider_id": "R1"}), 404)
    centre = auth(add_user(database, "centre", centre_ids=["C1"]))
    assert_problem(client.post(f"/api/v1/plans/{source}/insert", headers=centre,
                               json={"rider_id": "R5"}), 403)
    assert _count(client, coordinator) == count


def test_remove_moves_nobody(published: TestClient, coordinator: dict[str, str]) -> None:
    client = published
    source = _plan_id(client, coordinator)
    r = client.post(f"/api/v1/plans/{source}/remove", headers=coordinator,
                    json={"rider_id": "R3"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["keeps_all_times"] and body["moved"] == [] and body["cost_change_ore"] <= 0
    assert {n["recipient_id"] for n in body["notifications"]
            if n["recipient_type"] == "rider"} == {"R3"}
    new = client.get(f"/api/v1/plans/{body['plan_id']}", headers=coordinator).json()
    old = client.get(f"/api/v1/plans/{source}", headers=coordinator).json()
    before, after = _agreed(old["document"]), _agreed(new["document"])
    assert after == {k: v for k, v in before.items() if k[0] != "R3"}


def test_change_days_and_reoptimise(published: TestClient, coordinator: dict[str, str]) -> None:
    client = published
    source = _plan_id(client, coordinator)
    r = client.patch("/api/v1/riders/R1?through_living_plan=true", headers=coordinator,
                     json={"session_ids": ["C1-mon"]})
    assert r.status_code == 200, r.text
    changed = client.post(f"/api/v1/plans/{source}/change", headers=coordinator,
                          json={"rider_id": "R1"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["keeps_all_times"]
    doc = client.get(f"/api/v1/plans/{changed.json()['plan_id']}",
                     headers=coordinator).json()["document"]
    assert not any(("R1", "wed", k) in _agreed(doc) for k in ("to_centre", "from_centre"))
    assert ("R1", "mon", "to_centre") in _agreed(doc)
    changed_id = changed.json()["plan_id"]
    reopt = client.post(f"/api/v1/plans/{changed_id}/reoptimise",
                        headers=coordinator, json={"max_moved": 0, "max_shift_min": 0})
    # A background job like planning: it would otherwise hold the database's write turn.
    assert reopt.status_code == 202, reopt.text
    new_id = reopt.json()["plan_id"]
    assert reopt.headers["location"] == f"/api/v1/plans/{new_id}/status"
    status = wait_for(client, coordinator, new_id)
    assert status["status"] == "done", status["error"]
    assert status["violations"] == 0 and not status["published"]
    new_doc = client.get(f"/api/v1/plans/{new_id}", headers=coordinator).json()["document"]
    outcome = new_doc["stats"]["reoptimise"]
    assert outcome["from_plan_id"] == changed_id and outcome["saved_ore"] >= 0
    assert outcome["moved_riders"] == []
    # A budget of 0 riders: every agreed time is the source plan's.
    assert _agreed(new_doc) == _agreed(doc)
    assert client.post(f"/api/v1/plans/{changed_id}/reoptimise", headers=coordinator,
                       json={"max_moved": -1, "max_shift_min": 0}).status_code == 422
    assert client.post("/api/v1/plans/999999/reoptimise", headers=coordinator,
                       json={"max_moved": 1, "max_shift_min": 5}).status_code == 404
