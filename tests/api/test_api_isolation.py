"""Isolation (issue 15, item 1): no single record stops other riders', vehicles' or centres'
operation. Deleting a rider of the plan in force goes through the living plan; deleting a vehicle
or centre the plan uses is refused with a 409 saying what to do; off-network places are refused
at write; every day endpoint degrades per run.

Monday 2 March 2026 on the tiny plan: V1 carries R1, V2 carries R2 to C1 and home.
"""

from __future__ import annotations

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from sqlalchemy import text
from test_api_basics import assert_problem

from api.db.database import Database

MONDAY = "2026-03-02"
TUESDAY = "2026-03-03"
B = "/api/v1"


def _published_id(client: TestClient, headers: dict[str, str]) -> int:
    plans = client.get(f"{B}/plans", headers=headers).json()
    return max(int(p["plan_id"]) for p in plans if p["published"])


def _day_endpoints_answer(client: TestClient, headers: dict[str, str]) -> None:
    for path in (f"/days/{MONDAY}/runs", f"/days/{MONDAY}/manifests",
                 f"/days/{MONDAY}/manifests/V2", f"/centres/C1/days/{MONDAY}/riders",
                 f"/days/{TUESDAY}/runs", f"/days/{TUESDAY}/manifests/V2"):
        r = client.get(B + path, headers=headers)
        assert r.status_code == 200, (path, r.text)


def test_centre_staff_deleting_a_planned_rider_goes_through_the_living_plan(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    client = published
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    before = _published_id(client, coordinator)
    r = client.delete(f"{B}/riders/R1", headers=staff)
    assert r.status_code == 204, r.text
    # A new version without R1 is in force; nobody else's pickup moved.
    after = _published_id(client, coordinator)
    assert after != before
    diff = client.get(f"{B}/plans/{after}/diff?against={before}", headers=coordinator).json()
    assert {c["rider_id"] for c in diff["changes"]} <= {"R1"}
    assert diff["riders"] == ["R1"]
    # From today on the runs are without R1; a past Monday keeps what was driven (issue 14).
    future = client.get(f"{B}/days/2030-03-04/runs", headers=coordinator).json()
    riders = {rid for run in future["runs"] for stop in run["stops"]
              for rid in stop["rider_ids"]}
    assert riders == {"R2"}
    day = client.get(f"{B}/days/{MONDAY}/runs", headers=coordinator).json()
    riders = {rid for run in day["runs"] for stop in run["stops"] for rid in stop["rider_ids"]}
    assert riders == {"R1", "R2"} and day["unavailable"] == []
    _day_endpoints_answer(client, coordinator)


def test_deleting_a_vehicle_of_the_plan_in_force_is_refused_with_what_to_do(
        published: TestClient, coordinator: dict[str, str]) -> None:
    body = assert_problem(published.delete(f"{B}/vehicles/V2", headers=coordinator), 409)
    assert "plan" in body["detail"] and "publish" in body["detail"]
    assert published.get(f"{B}/vehicles/V2", headers=coordinator).status_code == 200
    _day_endpoints_answer(published, coordinator)


def test_deleting_a_centre_of_the_plan_in_force_is_refused(
        published: TestClient, coordinator: dict[str, str]) -> None:
    # C2's only rider moves to C1; the plan still drives to C2 on Tuesdays.
    r = published.patch(f"{B}/riders/R4?through_living_plan=true", headers=coordinator,
                        json={"centre_id": "C1", "session_ids": ["C1-mon"]})
    assert r.status_code == 200, r.text
    body = assert_problem(published.delete(f"{B}/centres/C2", headers=coordinator), 409)
    assert "plan" in body["detail"]


def test_a_run_whose_vehicle_vanished_is_reported_and_the_others_derive(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    # The state a replace import or an older server could leave: V2 is gone, the plan uses it.
    with database.unit_of_work() as session:
        session.execute(text("DELETE FROM vehicles WHERE vehicle_id = 'V2'"))
    r = published.get(f"{B}/days/{MONDAY}/runs", headers=coordinator)
    assert r.status_code == 200, r.text
    day = r.json()
    assert {run["run_id"] for run in day["runs"]} == {"mon-to-V1", "mon-from-V1"}
    gone = {u["run_id"]: u for u in day["unavailable"]}
    assert set(gone) == {"mon-to-V2", "mon-from-V2"}
    assert "V2" in gone["mon-to-V2"]["reason"]
    assert published.get(f"{B}/days/{MONDAY}/manifests/V1",
                         headers=coordinator).status_code == 200
    assert published.get(f"{B}/days/{MONDAY}/manifests", headers=coordinator).json() == ["V1"]
    assert published.get(f"{B}/centres/C1/days/{MONDAY}/riders",
                         headers=coordinator).status_code == 200
    for path in (f"/days/{MONDAY}/consolidation", "/statistics?from=2026-03-02&to=2026-03-06"):
        r = published.get(B + path, headers=coordinator)
        assert r.status_code == 200, (path, r.text)
    r = published.post(f"{B}/riders/R1/reimbursement", headers=coordinator,
                       json={"year": 2026})
    assert r.status_code < 500, r.text


def test_a_run_whose_rider_vanished_is_reported_and_the_others_derive(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    with database.unit_of_work() as session:
        session.execute(text("DELETE FROM riders WHERE rider_id = 'R2'"))
    r = published.get(f"{B}/days/{MONDAY}/runs", headers=coordinator)
    assert r.status_code == 200, r.text
    day = r.json()
    assert {run["run_id"] for run in day["runs"]} == {"mon-to-V1", "mon-from-V1"}
    assert {u["run_id"] for u in day["unavailable"]} == {"mon-to-V2", "mon-from-V2"}


def test_off_network_centre_and_depot_are_refused_at_write(
        client: TestClient, coordinator: dict[str, str]) -> None:
    r = client.post(f"{B}/centres", headers=coordinator,
                    json={"centre_id": "C0", "name": "Null Island", "lat": 0, "lon": 0})
    body = assert_problem(r, 422)
    assert body["type"].endswith("/off-network") and body["distance_m"] > 100_000
    assert body["id"] == "C0"
    r = client.post(f"{B}/centres", headers=coordinator,
                    json={"centre_id": "C1", "name": "Ok", "lat": 55.8290, "lon": 10.5960})
    assert r.status_code == 201, r.text
    body = assert_problem(client.put(f"{B}/centres/C1", headers=coordinator,
                                     json={"name": "Ok", "lat": 58.829, "lon": 10.596}), 422)
    assert body["type"].endswith("/off-network")
    vehicle = {"vehicle_id": "V9", "depot_lat": 56.2, "depot_lon": 11.2, "seats": 4,
               "wheelchair_places": 0, "fixed_cost_ore": 0, "cost_per_km_ore": 100,
               "cost_per_hour_ore": 100, "available_from": "06:00", "available_to": "18:00"}
    body = assert_problem(client.post(f"{B}/vehicles", headers=coordinator, json=vehicle), 422)
    assert body["type"].endswith("/off-network") and body["distance_m"] > 1000
    # A rider's home in the sea would make every plan job fail: refused too.
    rider = {"rider_id": "R9", "name": "x", "centre_id": "C1", "lat": 56.2, "lon": 11.2,
             "session_ids": []}
    r = client.post(f"{B}/centres/C1/sessions", headers=coordinator,
                    json={"session_id": "S1", "weekday": "mon", "start": "09:00",
                          "end": "12:00"})
    assert r.status_code == 201, r.text
    rider["session_ids"] = ["S1"]
    body = assert_problem(client.post(f"{B}/riders", headers=coordinator, json=rider), 422)
    assert body["type"].endswith("/off-network") and body["id"] == "R9"


def test_an_off_network_centre_stored_earlier_breaks_only_its_own_runs(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    with database.unit_of_work() as session:
        session.execute(text("UPDATE centres SET lat = 0, lon = 0 WHERE centre_id = 'C2'"))
    r = published.get(f"{B}/days/{MONDAY}/runs", headers=coordinator)
    assert r.status_code == 200, r.text
    assert {run["run_id"] for run in r.json()["runs"]} == {
        "mon-to-V1", "mon-to-V2", "mon-from-V1", "mon-from-V2"}
    r = published.get(f"{B}/days/{TUESDAY}/runs", headers=coordinator)
    assert r.status_code == 200, r.text
    day = r.json()
    assert day["runs"] == [] and {u["run_id"] for u in day["unavailable"]} == {
        "tue-to-V2", "tue-from-V2"}
    # Drivers are not shown other centres' coordinates in a problem.
    assert "0.0" not in str(day["unavailable"])
    assert published.get(f"{B}/days/{TUESDAY}/manifests/V2",
                         headers=coordinator).status_code == 200


def test_deleting_a_rider_the_plan_lists_as_unserved_only(
        tiny: TestClient, database: Database, network: object,
        coordinator: dict[str, str]) -> None:
    from dataclasses import replace

    from apitest_data import tiny_plan, tiny_scenario
    from apitest_support import publish_plan

    from routing.model import Unserved

    r = tiny.post(f"{B}/riders", headers=coordinator, json={
        "rider_id": "R5", "name": "Erik Olsen", "centre_id": "C1", "lat": 55.8310,
        "lon": 10.5925, "session_ids": ["C1-mon"]})
    assert r.status_code == 201, r.text
    plan = tiny_plan(tiny_scenario(), network)
    plan = replace(plan, unserved=(Unserved("R5", "mon", "C1-mon", "to_centre", "no seat"),))
    plan_id = publish_plan(database, plan)
    assert tiny.delete(f"{B}/riders/R5", headers=coordinator).status_code == 204
    assert _published_id(tiny, coordinator) == plan_id  # nothing to take out of the runs
    r = tiny.get(f"{B}/days/{MONDAY}/runs", headers=coordinator)
    assert r.status_code == 200, r.text
    assert r.json()["unserved"] == []
