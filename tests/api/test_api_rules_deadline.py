"""The afbud deadline comes from the municipality's stored rules (preset, [rules], PUT /rules);
the setting SAMKORSEL_ABSENCE_DEADLINE is only the default when no rules are stored."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from apitest_support import load_tiny

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings

FRIDAY_LOCAL = "2026-02-27T{}:00+01:00"
"""Afbud for Monday 2 March 2026 are registered on Friday 27 February (Copenhagen, UTC+1)."""


@pytest.fixture
def noon_client(settings: Settings, database: Any, coordinator: dict[str, str]
                ) -> Iterator[TestClient]:
    """The tiny scenario on a service whose setting says 12:00 the working day before."""
    app = create_app(settings.model_copy(update={"absence_deadline": "12:00"}))
    with TestClient(app) as client:
        load_tiny(client, coordinator)
        yield client


def _afbud(client: TestClient, headers: dict[str, str], at: str, rider: str,
           start: str = "2026-03-02") -> bool:
    moment = datetime.fromisoformat(FRIDAY_LOCAL.format(at) if len(at) == 5 else at)
    client.app.state.context.clock = lambda: moment  # type: ignore[attr-defined]
    r = client.post("/api/v1/absences", headers=headers,
                    json={"rider_id": rider, "start": start})
    assert r.status_code == 201, r.text
    late: bool = r.json()["late"]
    return late


def test_the_stored_rules_set_the_deadline_and_the_setting_is_only_the_default(
        noon_client: TestClient, coordinator: dict[str, str]) -> None:
    client = noon_client
    # No rules stored: the setting's 12:00 holds (and GET /rules shows it).
    assert client.get("/api/v1/rules", headers=coordinator).json()["rules"][
        "afbud_deadline"] == "12:00"
    assert _afbud(client, coordinator, "13:00", "R1") is True
    # Randers' preset: 16:00 the working day before — 13:00 is on time, 16:30 is late.
    r = client.put("/api/v1/rules", headers=coordinator, json={"rules": {"preset": "randers"}})
    assert r.status_code == 200, r.text
    assert _afbud(client, coordinator, "13:00", "R2") is False
    assert _afbud(client, coordinator, "16:30", "R3") is True
    # Changing the rules changes the deadline at once: 09:00 two working days before
    # (Thursday 26 February for Monday), so Friday morning is already late.
    r = client.put("/api/v1/rules", headers=coordinator, json={"rules": {
        "preset": "soenderborg", "afbud_deadline": "09:00", "afbud_days_before": 2}})
    assert r.status_code == 200, r.text
    assert _afbud(client, coordinator, "08:00", "R4") is True
    thursday = _afbud(client, coordinator, "2026-03-02T08:59:00+01:00", "R1", "2026-03-04")
    assert thursday is False  # Wednesday 4 March: deadline Monday 2 March 09:00


def test_a_bad_rules_body_changes_nothing(noon_client: TestClient,
                                          coordinator: dict[str, str]) -> None:
    client = noon_client
    r = client.put("/api/v1/rules", headers=coordinator,
                   json={"rules": {"preset": "randers", "afbud_deadline": "25:00"}})
    assert r.status_code == 422
    assert client.get("/api/v1/rules", headers=coordinator).json()["rules"][
        "afbud_deadline"] == "12:00"
    assert _afbud(client, coordinator, "12:30", "R1") is True


def test_the_rules_are_read_once_per_request(published: TestClient, database: Any,
                                             coordinator: dict[str, str]) -> None:
    """A manifest request uses the rules three times (deadline, no-show rule, cache key): one
    read of the config entry; a PUT /rules is in force for the next request."""
    from sqlalchemy import event

    from api.grants.rules_store import store_rules
    from routing.municipality.rules import preset

    with database.unit_of_work() as db:
        store_rules(db, preset("randers"))
    engine = published.app.state.context.database.engine  # type: ignore[attr-defined]
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        if "FROM config" in statement and "rules" in tuple(values):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        r = published.get("/api/v1/days/2026-03-02/manifests/V1", headers=coordinator)
        assert r.status_code == 200, r.text
        assert len(reads) == 1
        reads.clear()
        r = published.put("/api/v1/rules", headers=coordinator,
                          json={"rules": {"preset": "randers", "afbud_deadline": "10:00"}})
        assert r.json()["rules"]["afbud_deadline"] == "10:00"
        assert published.get("/api/v1/rules", headers=coordinator).json()["rules"][
            "afbud_deadline"] == "10:00"
    finally:
        event.remove(engine, "before_cursor_execute", count)
