"""Centres, riders and vehicles over HTTP: CRUD, problem details, validation, 404/409, roles."""

from __future__ import annotations

from typing import Any

from apitest_support import add_user, auth
from fastapi.testclient import TestClient

from api.db.database import Database

PROBLEM = "application/problem+json"
CENTRE = {"centre_id": "C9", "name": "Nyt center", "lat": 55.83, "lon": 10.6}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["instance"] == response.request.url.path
    return dict(body)


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_missing_and_wrong_key_are_401_problems(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/centres"), 401)
    assert "Bearer" in body["detail"]
    response = client.get("/api/v1/centres", headers=auth("sk_nonsense"))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_centre_crud(client: TestClient, coordinator: dict[str, str]) -> None:
    r = client.post("/api/v1/centres", headers=coordinator, json=CENTRE)
    assert r.status_code == 201
    assert r.headers["location"] == "/api/v1/centres/C9"
    assert client.get("/api/v1/centres/C9", headers=coordinator).json()["name"] == "Nyt center"
    r = client.put("/api/v1/centres/C9", headers=coordinator,
                   json={"name": "Omdøbt", "lat": 55.84, "lon": 10.61})
    assert r.status_code == 200 and r.json()["name"] == "Omdøbt"
    assert client.delete("/api/v1/centres/C9", headers=coordinator).status_code == 204
    assert_problem(client.get("/api/v1/centres/C9", headers=coordinator), 404)


def test_duplicate_id_is_409(client: TestClient, coordinator: dict[str, str]) -> None:
    assert client.post("/api/v1/centres", headers=coordinator, json=CENTRE).status_code == 201
    body = assert_problem(client.post("/api/v1/centres", headers=coordinator, json=CENTRE), 409)
    assert body["id"] == "C9"


def test_unknown_id_is_404_naming_it(tiny: TestClient, coordinator: dict[str, str]) -> None:
    body = assert_problem(tiny.get("/api/v1/riders/NOPE", headers=coordinator), 404)
    assert body["id"] == "NOPE" and "NOPE" in body["detail"]
    assert_problem(tiny.get("/api/v1/no/such/route", headers=coordinator), 404)


def test_validation_error_names_the_field(client: TestClient,
                                          coordinator: dict[str, str]) -> None:
    bad = {**CENTRE, "lat": 123.0}
    del bad["name"]
    body = assert_problem(client.post("/api/v1/centres", headers=coordinator, json=bad), 422)
    fields = {(e["in"], e["field"]) for e in body["errors"]}
    assert fields == {("body", "lat"), ("body", "name")}
    r = client.post("/api/v1/centres/C1/sessions", headers=coordinator,
                    json={"session_id": "S", "weekday": "sun", "start": "09:00", "end": "08:00"})
    body = assert_problem(r, 422)
    assert ("body", "weekday") in {(e["in"], e["field"]) for e in body["errors"]}


def test_rider_with_session_of_other_centre_is_rejected_and_nothing_changes(
    tiny: TestClient, coordinator: dict[str, str]
) -> None:
    before = tiny.get("/api/v1/riders/R1", headers=coordinator).json()
    r = tiny.patch("/api/v1/riders/R1", headers=coordinator,
                   json={"session_ids": ["C1-mon", "C2-tue"], "notes": "ændret"})
    body = assert_problem(r, 422)
    assert body["errors"][0]["field"] == "session_ids.1"
    assert tiny.get("/api/v1/riders/R1", headers=coordinator).json() == before


def test_rejected_request_changes_nothing(tiny: TestClient, coordinator: dict[str, str]) -> None:
    """A request failing after a first write (409 on the second rider) leaves no trace."""
    audit_before = tiny.get("/api/v1/audit", headers=coordinator).json()
    r = tiny.delete("/api/v1/centres/C1", headers=coordinator)
    assert_problem(r, 409)
    assert tiny.get("/api/v1/centres/C1", headers=coordinator).status_code == 200
    assert tiny.get("/api/v1/audit", headers=coordinator).json() == audit_before


def test_centre_staff_see_only_their_centre(tiny: TestClient, database: Database) -> None:
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    ids = {r["rider_id"] for r in tiny.get("/api/v1/riders", headers=staff).json()}
    assert ids == {"R1", "R2", "R3"}
    assert [c["centre_id"] for c in tiny.get("/api/v1/centres", headers=staff).json()] == ["C1"]
    # Another centre's rider is invisible: 404 for reading, changing and deleting.
    assert_problem(tiny.get("/api/v1/riders/R4", headers=staff), 404)
    assert_problem(tiny.patch("/api/v1/riders/R4", headers=staff, json={"notes": "x"}), 404)
    assert_problem(tiny.delete("/api/v1/riders/R4", headers=staff), 404)
    assert_problem(tiny.get("/api/v1/riders?centre_id=C2", headers=staff), 404)
    # Nor can a rider be moved into or created at another centre.
    assert_problem(tiny.patch("/api/v1/riders/R1", headers=staff,
                              json={"centre_id": "C2", "session_ids": ["C2-tue"]}), 404)
    # Their own riders they may change.
    r = tiny.patch("/api/v1/riders/R1", headers=staff, json={"notes": "Nøgle under måtten"})
    assert r.status_code == 200 and r.json()["notes"] == "Nøgle under måtten"
    # Coordinator-only endpoints are 403.
    assert_problem(tiny.post("/api/v1/centres", headers=staff, json=CENTRE), 403)
    assert_problem(tiny.get("/api/v1/vehicles", headers=staff), 403)


def test_coordinator_creates_users_and_revokes(tiny: TestClient,
                                               coordinator: dict[str, str]) -> None:
    r = tiny.post("/api/v1/users", headers=coordinator,
                  json={"name": "Chauffør", "role": "driver", "vehicle_id": "V1"})
    assert r.status_code == 201
    driver = auth(r.json()["token"])
    me = tiny.get("/api/v1/me", headers=driver).json()
    assert me["role"] == "driver" and me["vehicle_id"] == "V1" and "token" not in me
    assert [v["vehicle_id"] for v in tiny.get("/api/v1/vehicles", headers=driver).json()] == \
        ["V1"]
    assert_problem(tiny.get("/api/v1/vehicles/V2", headers=driver), 404)
    assert_problem(tiny.get("/api/v1/riders", headers=driver), 403)
    assert tiny.delete(f"/api/v1/users/{me['user_id']}", headers=coordinator).status_code == 200
    assert_problem(tiny.get("/api/v1/me", headers=driver), 401)
    body = assert_problem(tiny.post("/api/v1/users", headers=coordinator,
                                    json={"name": "X", "role": "centre"}), 422)
    assert "centre" in body["detail"]


def test_restart_loses_nothing(tiny: TestClient, settings: Any, coordinator: dict[str, str]
                               ) -> None:
    from api.main import create_app

    with TestClient(create_app(settings)) as again:
        riders = again.get("/api/v1/riders", headers=coordinator).json()
    assert {r["rider_id"] for r in riders} == {"R1", "R2", "R3", "R4"}


def test_audit_records_who_and_what(tiny: TestClient, coordinator: dict[str, str]) -> None:
    tiny.patch("/api/v1/riders/R2", headers=coordinator, json={"escort": True})
    entries = tiny.get("/api/v1/audit?entity=rider&entity_id=R2", headers=coordinator).json()
    assert entries[0]["action"] == "update"
    # Which fields changed, not their values (issue 15: personal data stays out of the log).
    assert entries[0]["change"] == {"fields": ["escort"]}
    assert entries[0]["user_id"] is not None


def test_failure_after_writes_rolls_everything_back(
    tiny: TestClient, coordinator: dict[str, str], monkeypatch: Any
) -> None:
    """The rider row is written (flushed) before the audit entry fails: nothing may remain."""
    import api.db.repo

    def broken_audit(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(api.db.repo, "audit", broken_audit)
    rider = {"rider_id": "R9", "name": "Ny", "centre_id": "C1", "lat": 55.83, "lon": 10.59,
             "session_ids": ["C1-mon"]}
    with TestClient(tiny.app, raise_server_exceptions=False) as client:
        body = assert_problem(client.post("/api/v1/riders", headers=coordinator, json=rider), 500)
        assert "audit store" not in body["detail"]  # internals are logged, not shown
        monkeypatch.undo()
        assert_problem(client.get("/api/v1/riders/R9", headers=coordinator), 404)


def test_nul_characters_are_rejected_on_every_backend(tiny: TestClient,
                                                      coordinator: dict[str, str]) -> None:
    body = assert_problem(tiny.post("/api/v1/centres", headers=coordinator,
                                    json={**CENTRE, "name": "a\x00b"}), 422)
    assert body["errors"][0]["field"] == "name"
    for url in ("/api/v1/riders/R%001", "/api/v1/riders?centre_id=%00"):
        r = tiny.get(url, headers=coordinator)
        assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
        assert r.json()["instance"] == url.split("?")[0]
