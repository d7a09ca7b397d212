"""No ordinary edit can stop a driver's morning (issue 14, the coordinator's desk): a change of
a vehicle, session or centre that breaks runs of a published plan is refused with 409 naming
the runs, and nothing is stored; harmless changes go through. A deleted rider's past
manifests still show what was driven.

The tiny plan: V1 (8 seats, 1 wheelchair place) carries R1 on Monday and R1 + R3 with her
escort (3 seats) on Wednesday; V2 (3 + 1) carries R2 in a wheelchair on Monday and R4 on
Tuesday.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_api_basics import assert_problem

B = "/api/v1"
PAST_MONDAY = "2026-03-02"


def _vehicle(client: TestClient, headers: dict[str, str], vehicle_id: str) -> dict[str, Any]:
    body = client.get(f"{B}/vehicles/{vehicle_id}", headers=headers).json()
    # The tiny vehicles have one layout each (the standard one, listed by GET).
    return {**{k: body[k] for k in ("kind", "depot_lat", "depot_lon", "seats",
                                    "wheelchair_places", "fixed_cost_ore", "cost_per_km_ore",
                                    "cost_per_hour_ore", "available_from", "available_to")},
            "layouts": []}


def test_lowering_seats_below_a_runs_load_is_refused_with_the_runs(
        published: TestClient, coordinator: dict[str, str]) -> None:
    before = _vehicle(published, coordinator, "V1")
    body = assert_problem(published.put(f"{B}/vehicles/V1", headers=coordinator,
                                        json={**before, "seats": 2}), 409)
    runs = {r["run_id"]: r for r in body["runs"]}
    # Only Wednesday's runs carry three seats; Monday's one rider still fits.
    assert set(runs) == {"wed-to-V1", "wed-from-V1"}
    assert runs["wed-to-V1"]["reason"] == "over_capacity"
    assert runs["wed-to-V1"]["load_seats"] == 3
    assert set(runs["wed-to-V1"]["rider_ids"]) == {"R1", "R3"}
    assert runs["wed-to-V1"]["weekday"] == "wed" and runs["wed-to-V1"]["start"]
    assert "wed-to-V1" in body["detail"]
    # Nothing stored.
    assert _vehicle(published, coordinator, "V1") == before


def test_removing_the_wheelchair_place_a_run_uses_is_refused(
        published: TestClient, coordinator: dict[str, str]) -> None:
    before = _vehicle(published, coordinator, "V2")
    body = assert_problem(published.put(f"{B}/vehicles/V2", headers=coordinator,
                                        json={**before, "wheelchair_places": 0,
                                              "seats": 4}), 409)
    assert {r["run_id"] for r in body["runs"]} == {"mon-to-V2", "mon-from-V2"}
    assert _vehicle(published, coordinator, "V2") == before


def test_shorter_hours_and_a_moved_depot_are_refused(
        published: TestClient, coordinator: dict[str, str]) -> None:
    before = _vehicle(published, coordinator, "V1")
    body = assert_problem(published.put(f"{B}/vehicles/V1", headers=coordinator,
                                        json={**before, "available_from": "10:00"}), 409)
    assert {r["reason"] for r in body["runs"]} == {"outside_hours"}
    assert "mon-to-V1" in {r["run_id"] for r in body["runs"]}
    body = assert_problem(published.put(f"{B}/vehicles/V1", headers=coordinator,
                                        json={**before, "depot_lat": 55.8300}), 409)
    assert {r["reason"] for r in body["runs"]} == {"depot_moved"}
    assert _vehicle(published, coordinator, "V1") == before


def test_harmless_vehicle_changes_are_stored(
        published: TestClient, coordinator: dict[str, str]) -> None:
    before = _vehicle(published, coordinator, "V1")
    r = published.put(f"{B}/vehicles/V1", headers=coordinator,
                      json={**before, "seats": 3, "cost_per_km_ore": 1300})
    assert r.status_code == 200, r.text
    assert r.json()["seats"] == 3 and r.json()["cost_per_km_ore"] == 1300


def test_a_vehicles_layouts_are_stored_listed_and_guarded(
        published: TestClient, coordinator: dict[str, str]) -> None:
    before = _vehicle(published, coordinator, "V2")
    # V2 (3 + 1) carries Bent in his wheelchair on Monday: a standard 4 + 0 with a 3 + 1
    # layout besides still fits him, so it is stored; GET lists all layouts, standard first.
    both = [{"seats": 4, "wheelchair_places": 0}, {"seats": 3, "wheelchair_places": 1}]
    r = published.put(f"{B}/vehicles/V2", headers=coordinator,
                      json={**before, "seats": 4, "wheelchair_places": 0, "layouts": both})
    assert r.status_code == 200, r.text
    assert r.json()["layouts"] == both
    got = published.get(f"{B}/vehicles/V2", headers=coordinator).json()
    assert (got["seats"], got["wheelchair_places"], got["layouts"]) == (4, 0, both)
    # Removing the layout with the wheelchair place leaves Monday's runs fitting none: 409
    # with the runs named, nothing stored.
    body = assert_problem(published.put(
        f"{B}/vehicles/V2", headers=coordinator,
        json={**before, "seats": 4, "wheelchair_places": 0, "layouts": both[:1]}), 409)
    assert {r["run_id"] for r in body["runs"]} == {"mon-to-V2", "mon-from-V2"}
    assert {r["reason"] for r in body["runs"]} == {"over_capacity"}
    assert published.get(f"{B}/vehicles/V2", headers=coordinator).json()["layouts"] == both
    # A layout with no place at all is invalid.
    assert_problem(published.put(
        f"{B}/vehicles/V2", headers=coordinator,
        json={**before, "layouts": [{"seats": 0, "wheelchair_places": 0}]}), 422)


def test_moving_a_session_or_a_centre_is_refused_while_runs_use_it(
        published: TestClient, coordinator: dict[str, str]) -> None:
    body = assert_problem(published.put(f"{B}/centres/C1/sessions/C1-wed", headers=coordinator,
                                        json={"weekday": "wed", "start": "10:00",
                                              "end": "13:00"}), 409)
    assert {r["run_id"] for r in body["runs"]} == {"wed-to-V1", "wed-from-V1"}
    assert {r["reason"] for r in body["runs"]} == {"session_moved"}
    sessions = published.get(f"{B}/centres/C1/sessions", headers=coordinator).json()
    assert next(s for s in sessions if s["session_id"] == "C1-wed")["start"] == "09:00"

    centre = published.get(f"{B}/centres/C2", headers=coordinator).json()
    body = assert_problem(published.put(f"{B}/centres/C2", headers=coordinator,
                                        json={"name": centre["name"], "lat": 55.8200,
                                              "lon": centre["lon"],
                                              "address": centre["address"]}), 409)
    assert {r["run_id"] for r in body["runs"]} == {"tue-to-V2", "tue-from-V2"}
    assert published.get(f"{B}/centres/C2", headers=coordinator).json()["lat"] == centre["lat"]
    # Renaming is harmless.
    r = published.put(f"{B}/centres/C2", headers=coordinator,
                      json={"name": "Værestedet i Ballen", "lat": centre["lat"],
                            "lon": centre["lon"], "address": centre["address"]})
    assert r.status_code == 200, r.text


def test_deleting_a_planned_vehicle_names_its_runs(
        published: TestClient, coordinator: dict[str, str]) -> None:
    body = assert_problem(published.delete(f"{B}/vehicles/V2", headers=coordinator), 409)
    assert {r["run_id"] for r in body["runs"]} == {
        "mon-to-V2", "mon-from-V2", "tue-to-V2", "tue-from-V2"}
    assert published.get(f"{B}/vehicles/V2", headers=coordinator).status_code == 200


def test_a_deleted_riders_past_manifest_still_shows_what_was_driven(
        published: TestClient, coordinator: dict[str, str]) -> None:
    before = published.get(f"{B}/days/{PAST_MONDAY}/manifests/V1", headers=coordinator)
    assert before.status_code == 200, before.text
    r = published.delete(f"{B}/riders/R1", headers=coordinator)
    assert r.status_code == 204, r.text
    # The deletion publishes a plan without R1 from today; the past Monday keeps the old one.
    day = published.get(f"{B}/days/{PAST_MONDAY}/runs", headers=coordinator).json()
    assert day["unavailable"] == []
    riders = {rid for run in day["runs"] for stop in run["stops"] for rid in stop["rider_ids"]}
    assert riders == {"R1", "R2"}
    after = published.get(f"{B}/days/{PAST_MONDAY}/manifests/V1", headers=coordinator)
    assert after.status_code == 200, after.text
    assert "Anna Jensen" in after.text
    assert [run["run_id"] for run in after.json()["runs"]] == \
        [run["run_id"] for run in before.json()["runs"]]
    # Erasing the deleted rider removes what was kept of her.
    r = published.post(f"{B}/riders/R1/erase", headers=coordinator)
    assert r.status_code in (200, 204), r.text
    again = published.get(f"{B}/days/{PAST_MONDAY}/manifests/V1", headers=coordinator)
    assert "Anna Jensen" not in again.text


def test_changing_a_planned_riders_home_is_refused_unless_the_living_plan_follows(
        published: TestClient, coordinator: dict[str, str]) -> None:
    before = published.get(f"{B}/riders/R1", headers=coordinator).json()
    body = assert_problem(published.patch(f"{B}/riders/R1", headers=coordinator,
                                          json={"lat": 55.8310}), 409)
    assert {r["run_id"] for r in body["runs"]} == {
        "mon-to-V1", "mon-from-V1", "wed-to-V1", "wed-from-V1"}
    assert {r["reason"] for r in body["runs"]} == {"rider_changed"}
    assert "/change" in body["detail"] and "through_living_plan" in body["detail"]
    assert published.get(f"{B}/riders/R1", headers=coordinator).json()["lat"] == before["lat"]
    # Notes and phone numbers move no run.
    r = published.patch(f"{B}/riders/R1", headers=coordinator, json={"notes": "Ring på"})
    assert r.status_code == 200, r.text
    # Stored knowingly, then the living plan makes the new version.
    r = published.patch(f"{B}/riders/R1?through_living_plan=true", headers=coordinator,
                        json={"lat": 55.8310})
    assert r.status_code == 200 and r.json()["lat"] == 55.8310
    plan_id = body["plan_id"]
    r = published.post(f"{B}/plans/{plan_id}/change", headers=coordinator,
                       json={"rider_id": "R1"})
    assert r.status_code == 200, r.text
    assert r.json()["plan_id"] is not None
