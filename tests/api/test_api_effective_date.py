"""Publishing with an effective date ("gældende fra"): earlier days keep the plan in force then,
the manifests of past days do not change (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apitest_support import publish_plan
from fastapi.testclient import TestClient

from api.db.database import Database


def _plan_of(client: TestClient, headers: dict[str, str], day: str) -> int:
    r = client.get(f"/api/v1/days/{day}/runs", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["plan_id"])


def _manifest(client: TestClient, headers: dict[str, str], day: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/days/{day}/manifests/V1", headers=headers)
    assert r.status_code == 200, r.text
    body = dict(r.json())
    body.pop("generated", None)
    return body


def _unpublished_copy(database: Database, network: Any) -> int:
    from apitest_data import tiny_plan, tiny_scenario

    from api.db.models import PlanRecord

    plan_id = publish_plan(database, tiny_plan(tiny_scenario(), network))
    with database.unit_of_work() as db:
        row = db.get(PlanRecord, plan_id)
        assert row is not None
        row.published, row.published_at = False, None
    return plan_id


def test_a_future_effective_date_keeps_today_and_the_past_on_the_old_plan(
        published: TestClient, coordinator: dict[str, str], database: Database,
        network: Any) -> None:
    published.app.state.context.clock = lambda: datetime(  # type: ignore[attr-defined]
        2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 2 March
    old = _plan_of(published, coordinator, "2026-03-02")
    past_before = _manifest(published, coordinator, "2026-02-23")
    new = _unpublished_copy(database, network)

    r = published.post(f"/api/v1/plans/{new}/publish?effective_from=2026-03-09",
                       headers=coordinator)
    assert r.status_code == 200, r.text
    assert r.json()["effective_from"] == "2026-03-09"
    assert _plan_of(published, coordinator, "2026-03-02") == old   # today: the old plan
    assert _plan_of(published, coordinator, "2026-03-06") == old
    assert _plan_of(published, coordinator, "2026-03-09") == new   # from the date on
    assert _plan_of(published, coordinator, "2026-03-16") == new
    assert _plan_of(published, coordinator, "2026-02-23") == old   # the past: unchanged
    assert _manifest(published, coordinator, "2026-02-23") == past_before

    # A plan published today without a date is in force from today, not for the past, and
    # the future-dated plan still takes over on its date.
    third = _unpublished_copy(database, network)
    r = published.post(f"/api/v1/plans/{third}/publish", headers=coordinator)
    assert r.status_code == 200 and r.json()["effective_from"] == "2026-03-02"
    assert _plan_of(published, coordinator, "2026-03-02") == third
    assert _plan_of(published, coordinator, "2026-02-23") == old
    assert _plan_of(published, coordinator, "2026-03-09") == new


def test_an_effective_date_in_the_past_is_refused_and_changes_nothing(
        published: TestClient, coordinator: dict[str, str], database: Database,
        network: Any) -> None:
    published.app.state.context.clock = lambda: datetime(  # type: ignore[attr-defined]
        2026, 3, 2, 7, 0, tzinfo=UTC)
    old = _plan_of(published, coordinator, "2026-03-02")
    new = _unpublished_copy(database, network)
    r = published.post(f"/api/v1/plans/{new}/publish?effective_from=2026-02-27",
                       headers=coordinator)
    assert r.status_code == 422, r.text
    status = published.get(f"/api/v1/plans/{new}/status", headers=coordinator).json()
    assert status["published"] is False and status["effective_from"] is None
    assert _plan_of(published, coordinator, "2026-03-02") == old
