"""Afbud over HTTP: idempotent registration, deadline, withdrawal, scoping, long absences."""

from __future__ import annotations

from datetime import datetime

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from api.db.database import Database


def at(text: str) -> object:
    moment = datetime.fromisoformat(text)
    return lambda: moment


def test_register_is_idempotent_and_audited(tiny: TestClient,
                                            coordinator: dict[str, str]) -> None:
    body = {"rider_id": "R1", "start": "2026-03-02", "end": "2026-03-04", "reason": "Sygdom"}
    first = tiny.post("/api/v1/absences", headers=coordinator, json=body)
    assert first.status_code == 201, first.text
    again = tiny.post("/api/v1/absences", headers=coordinator, json=body)
    assert again.status_code == 200
    assert again.json() == first.json()
    listed = tiny.get("/api/v1/absences?rider_id=R1", headers=coordinator).json()
    assert len(listed) == 1
    audit = tiny.get("/api/v1/audit?entity=absence", headers=coordinator).json()
    assert len(audit) == 1 and audit[0]["user_id"] is not None


def test_deadline_marks_late(tiny: TestClient, coordinator: dict[str, str]) -> None:
    context = tiny.app.state.context  # type: ignore[attr-defined]
    # Monday 2 March 2026: deadline Friday 27 February 16:00 (Copenhagen, UTC+1).
    context.clock = at("2026-02-27T14:59:00+00:00")
    r = tiny.post("/api/v1/absences", headers=coordinator,
                  json={"rider_id": "R1", "start": "2026-03-02"})
    assert r.json()["late"] is False
    context.clock = at("2026-02-27T15:01:00+00:00")
    r = tiny.post("/api/v1/absences", headers=coordinator,
                  json={"rider_id": "R2", "start": "2026-03-02"})
    assert r.json()["late"] is True
    # Easter: the working day before Tuesday 7 April 2026 (after 2. påskedag) is Wednesday 1 April.
    context.clock = at("2026-04-01T13:59:00+00:00")
    r = tiny.post("/api/v1/absences", headers=coordinator,
                  json={"rider_id": "R3", "start": "2026-04-07"})
    assert r.json()["late"] is False


def test_withdraw_keeps_history_and_allows_new_registration(
    tiny: TestClient, coordinator: dict[str, str]
) -> None:
    body = {"rider_id": "R1", "start": "2026-03-02"}
    absence = tiny.post("/api/v1/absences", headers=coordinator, json=body).json()
    url = f"/api/v1/absences/{absence['absence_id']}/withdraw"
    withdrawn = tiny.post(url, headers=coordinator).json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_by"] is not None
    assert tiny.post(url, headers=coordinator).json() == withdrawn
    again = tiny.post("/api/v1/absences", headers=coordinator, json=body)
    assert again.status_code == 201
    assert again.json()["absence_id"] != absence["absence_id"]
    everything = tiny.get("/api/v1/absences?include_withdrawn=true", headers=coordinator).json()
    assert len(everything) == 2


def test_centre_staff_only_for_their_riders(tiny: TestClient, database: Database,
                                            coordinator: dict[str, str]) -> None:
    staff_c2 = auth(add_user(database, "centre", centre_ids=["C2"]))
    r = tiny.post("/api/v1/absences", headers=staff_c2,
                  json={"rider_id": "R1", "start": "2026-03-02"})
    assert_problem(r, 404)
    mine = tiny.post("/api/v1/absences", headers=staff_c2,
                     json={"rider_id": "R4", "start": "2026-03-03"})
    assert mine.status_code == 201
    other = tiny.post("/api/v1/absences", headers=coordinator,
                      json={"rider_id": "R1", "start": "2026-03-02"}).json()
    assert [a["rider_id"] for a in tiny.get("/api/v1/absences", headers=staff_c2).json()] == \
        ["R4"]
    assert_problem(tiny.get(f"/api/v1/absences/{other['absence_id']}", headers=staff_c2), 404)
    assert_problem(tiny.post(f"/api/v1/absences/{other['absence_id']}/withdraw",
                             headers=staff_c2), 404)
    driver = auth(add_user(database, "driver", vehicle_id="V1"))
    assert_problem(tiny.get("/api/v1/absences", headers=driver), 403)


def test_long_absences_merge_consecutive_periods(tiny: TestClient,
                                                 coordinator: dict[str, str]) -> None:
    for body in (
        {"rider_id": "R1", "start": "2026-03-01", "end": "2026-03-10"},
        {"rider_id": "R1", "start": "2026-03-11", "end": "2026-03-31"},  # 31 days in a row
        {"rider_id": "R2", "start": "2026-03-01", "end": "2026-03-21"},  # exactly 21 days
        {"rider_id": "R3", "start": "2026-02-01"},  # until further notice
    ):
        assert tiny.post("/api/v1/absences", headers=coordinator, json=body).status_code == 201
    rows = tiny.get("/api/v1/absences/long?date=2026-03-21", headers=coordinator).json()
    assert [(r["rider_id"], r["days"]) for r in rows] == [("R3", 49)]
    rows = tiny.get("/api/v1/absences/long?date=2026-03-22", headers=coordinator).json()
    assert [(r["rider_id"], r["days"]) for r in rows] == [("R3", 50), ("R1", 22)]
    assert rows[1]["absent_since"] == "2026-03-01" and rows[0]["absent_until"] is None


def test_invalid_period_names_the_field(tiny: TestClient, coordinator: dict[str, str]) -> None:
    r = tiny.post("/api/v1/absences", headers=coordinator,
                  json={"rider_id": "R1", "start": "2026-03-05", "end": "2026-03-01"})
    body = assert_problem(r, 422)
    assert body["errors"][0]["in"] == "body"
    r = tiny.post("/api/v1/absences", headers=coordinator,
                  json={"rider_id": "R1", "start": "not a date"})
    assert assert_problem(r, 422)["errors"][0]["field"] == "start"



def test_until_further_notice_is_ended(tiny: TestClient, coordinator: dict[str, str]) -> None:
    absence = tiny.post("/api/v1/absences", headers=coordinator,
                        json={"rider_id": "R1", "start": "2026-03-02"}).json()
    assert absence["end"] is None
    url = f"/api/v1/absences/{absence['absence_id']}/end"
    ended = tiny.post(url, headers=coordinator, json={"last_day": "2026-03-13"}).json()
    assert ended["end"] == "2026-03-13"
    assert_problem(tiny.post(url, headers=coordinator, json={"last_day": "2026-03-01"}), 422)
    listed = tiny.get("/api/v1/absences?from=2026-03-16", headers=coordinator).json()
    assert listed == []


def test_the_afbud_rules_come_from_the_settings_and_a_bad_deadline_stops_start_up() -> None:
    import pytest
    from pydantic import ValidationError

    from api.settings import Settings
    from routing.operations.absences import DEFAULT_DEADLINE, LONG_ABSENCE_DAYS

    defaults = Settings()
    assert (defaults.absence_deadline, defaults.long_absence_days) == ("16:00", LONG_ABSENCE_DAYS)
    assert DEFAULT_DEADLINE.time_s == 16 * 3600
    with pytest.raises(ValidationError):
        Settings(absence_deadline="4pm")
