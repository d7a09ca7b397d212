"""Start-up warm-up (api.warmup): the coming days' manifests are built before the first request,
and the afbud path's rehearsal leaves nothing behind."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from apitest_data import tiny_plan, tiny_scenario
from apitest_support import publish_plan
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.context import AppContext
from api.db import models as m
from api.db.database import Database
from api.main import create_app
from api.manifests import service as manifests
from api.settings import Settings
from api.warmup import coming_working_days, warm_up
from routing.operations.calendar import weekday_key


def _counts(database: Database) -> tuple[int, int]:
    with database.unit_of_work(write=False) as db:
        absences = db.scalar(select(func.count()).select_from(m.Absence))
        audits = db.scalar(select(func.count()).select_from(m.AuditEntry))
    return int(absences or 0), int(audits or 0)


def _coming_vehicle_days(plan: Any, today: date) -> set[tuple[date, str]]:
    return {(d, r.vehicle_id) for d in coming_working_days(today) for r in plan.runs
            if r.weekday == weekday_key(d)}


def test_start_up_builds_the_coming_days_manifests_and_leaves_no_trace(
        tiny: TestClient, database: Database, network: Any, settings: Settings) -> None:
    plan = tiny_plan(tiny_scenario(), network)
    publish_plan(database, plan)
    before = _counts(database)
    manifests._MANIFESTS.clear()

    app = create_app(settings.model_copy(update={"warm_up": True}))
    context: AppContext = app.state.context
    monday = datetime.fromisoformat("2026-11-30T05:00:00+00:00")  # the plan drives Mon–Wed
    context.clock = lambda: monday
    with TestClient(app):
        cached = {(key[2], key[3]) for key in manifests._MANIFESTS.keys()}  # noqa: SIM118 - an LruCache, not a dict
    expected = _coming_vehicle_days(plan, monday.date())

    assert expected, "the tiny plan drives on some of the coming working days"
    assert expected <= cached
    # The afbud rehearsal was rolled back: no afbud, no audit entry.
    assert _counts(database) == before


def test_warm_up_without_a_published_plan_only_prepares_the_process(
        tiny: TestClient, database: Database, settings: Settings) -> None:
    context = tiny.app.state.context  # type: ignore[attr-defined]
    before = _counts(database)
    manifests._MANIFESTS.clear()
    fixed = datetime.fromisoformat("2026-12-01T06:00:00+00:00")
    context.clock = lambda: fixed
    warm_up(context)
    assert len(manifests._MANIFESTS.keys()) == 0
    assert _counts(database) == before
