"""Plan jobs over HTTP: 202 + status resource, progress, done/failed, publish, diff, restart."""

from __future__ import annotations

import importlib.util
import time
from typing import Any

import pytest
from apitest_support import wait_for
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from api.db import models as m
from api.db.database import Database
from api.db.types import utcnow
from api.main import create_app
from api.settings import Settings

needs_planner = pytest.mark.skipif(
    importlib.util.find_spec("routing.network.matrix") is None
    or importlib.util.find_spec("routing.network.snap") is None,
    reason="the planner's matrix/snap modules are not installed yet",
)


def start_plan(client: TestClient, headers: dict[str, str], **body: Any) -> int:
    r = client.post("/api/v1/plans", headers=headers, json={"time_limit_s": 1.0, **body})
    assert r.status_code == 202, r.text
    plan_id = int(r.json()["plan_id"])
    assert r.headers["location"] == f"/api/v1/plans/{plan_id}/status"
    assert r.json()["status"] in ("queued", "running", "done", "failed")
    return plan_id


def test_nothing_to_plan_is_409(client: TestClient, coordinator: dict[str, str]) -> None:
    assert_problem(client.post("/api/v1/plans", headers=coordinator, json={}), 409)


def test_bad_plan_parameter_names_the_field(tiny: TestClient,
                                            coordinator: dict[str, str]) -> None:
    r = tiny.post("/api/v1/plans", headers=coordinator, json={"params": {"bogus_min": 3}})
    body = assert_problem(r, 422)
    assert body["errors"][0]["field"] == "params" and "bogus" in body["detail"]
    assert tiny.get("/api/v1/plans", headers=coordinator).json() == []


def test_plans_are_for_coordinators(tiny: TestClient, database: Database) -> None:
    from apitest_support import add_user, auth

    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    assert_problem(tiny.post("/api/v1/plans", headers=staff, json={}), 403)
    assert_problem(tiny.get("/api/v1/plans", headers=staff), 403)


def test_failed_plan_is_reported_and_cannot_be_published(
    tiny: TestClient, coordinator: dict[str, str], database: Database
) -> None:
    # A depot in the sea (Kattegat) is off the road network: the job fails with the reason.
    # The API refuses to store one (422 off-network), so it is put there directly, as an older
    # server could have left it.
    from sqlalchemy import text

    with database.unit_of_work() as db:
        db.execute(text("UPDATE vehicles SET depot_lat = 55.95, depot_lon = 10.85 "
                        "WHERE vehicle_id = 'V2'"))
    plan_id = start_plan(tiny, coordinator)
    status = wait_for(tiny, coordinator, plan_id)
    assert status["status"] == "failed" and status["error"]
    body = assert_problem(tiny.post(f"/api/v1/plans/{plan_id}/publish", headers=coordinator), 409)
    assert body["status"] == 409
    assert_problem(tiny.get(f"/api/v1/plans/{plan_id}/diff?against={plan_id}",
                            headers=coordinator), 409)


def _insert_plan(database: Database, status: str, attempts: int) -> int:
    with database.unit_of_work() as db:
        row = m.PlanRecord(name="left over", status=status, progress={"stage": "planning"},
                           params={"time_limit_s": 1.0}, attempts=attempts,
                           created_at=utcnow(), published=False)
        db.add(row)
        db.flush()
        return row.plan_id


def test_restart_requeues_interrupted_job(tiny: TestClient, settings: Settings,
                                          database: Database,
                                          coordinator: dict[str, str]) -> None:
    """A job left running by a dead process is run again on start, one that already used its
    attempts is marked failed, queued jobs are taken up; a shutdown puts the running job back
    in the queue."""
    tiny.__exit__(None, None, None)  # stop the first app (as a crash would)
    again = _insert_plan(database, "running", attempts=1)
    given_up = _insert_plan(database, "running", attempts=2)
    queued = _insert_plan(database, "queued", attempts=0)
    with TestClient(create_app(settings)) as client:
        failed = client.get(f"/api/v1/plans/{given_up}/status", headers=coordinator).json()
        assert failed["status"] == "failed" and "restart" in failed["error"]
        first = wait_for(client, coordinator, again)
        deadline = time.monotonic() + 60
        while client.get(f"/api/v1/plans/{queued}/status",
                         headers=coordinator).json()["status"] == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert first["attempts"] == 2
    assert first["status"] == "done", first["error"]
    with database.unit_of_work(write=False) as db:
        row = db.get(m.PlanRecord, queued)
        assert row is not None
        assert (row.status, row.attempts) in (("queued", 0), ("done", 1)), (row.status,
                                                                             row.progress)


@needs_planner
def test_plan_lifecycle_on_tiny_scenario(tiny: TestClient, coordinator: dict[str, str]) -> None:
    plan_id = start_plan(tiny, coordinator, name="første")
    status = wait_for(tiny, coordinator, plan_id)
    assert status["status"] == "done", status["error"]
    assert status["progress"]["stage"] == "done"
    assert status["violations"] == 0
    plan = tiny.get(f"/api/v1/plans/{plan_id}", headers=coordinator).json()
    document = plan["document"]
    assert document["schema"] == "samkorsel.plan/1"
    served = {rid for run in document["runs"] for stop in run["stops"]
              for rid in stop["rider_ids"]}
    unserved = {u["rider_id"] for u in document["unserved"]}
    assert served | unserved == {"R1", "R2", "R3", "R4"}

    published = tiny.post(f"/api/v1/plans/{plan_id}/publish", headers=coordinator)
    assert published.status_code == 200 and published.json()["published"] is True
    assert tiny.post(f"/api/v1/plans/{plan_id}/publish", headers=coordinator).json() == \
        published.json()
    assert_problem(tiny.delete(f"/api/v1/plans/{plan_id}", headers=coordinator), 409)

    same = tiny.get(f"/api/v1/plans/{plan_id}/diff?against={plan_id}", headers=coordinator)
    assert same.json()["changes"] == []

    geo = tiny.get(f"/api/v1/plans/{plan_id}/geojson?weekday=mon", headers=coordinator)
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["type"] == "FeatureCollection"
    costs = tiny.get(f"/api/v1/plans/{plan_id}/marginal-costs", headers=coordinator).json()
    assert {c["rider_id"] for c in costs} == {"R1", "R2", "R3", "R4"}


def test_diff_lists_riders_whose_pickup_moves(tiny: TestClient, database: Database,
                                              network: Any, coordinator: dict[str, str]) -> None:
    from dataclasses import replace

    from apitest_data import tiny_plan, tiny_scenario
    from apitest_support import publish_plan

    plan = tiny_plan(tiny_scenario(), network)
    first = publish_plan(database, plan)
    # R1's Monday pickup 10 minutes later; everything else equal.
    runs = []
    for run in plan.runs:
        if run.run_id == "mon-to-V1":
            stops = tuple(replace(s, agreed_s=s.agreed_s + 600) if s.kind == "pickup" and
                          s.agreed_s is not None else s for s in run.stops)
            run = replace(run, stops=stops)
        runs.append(run)
    second = publish_plan(database, replace(plan, runs=tuple(runs)))
    diff = tiny.get(f"/api/v1/plans/{second}/diff", headers=coordinator).json()
    assert diff["from_plan_id"] == first and diff["to_plan_id"] == second
    assert diff["riders"] == ["R1"]
    (change,) = diff["changes"]
    assert (change["weekday"], change["direction"], change["delta_s"]) == ("mon", "to_centre",
                                                                           600)
    assert change["old_pickup"] != change["new_pickup"]


@pytest.mark.slow
@needs_planner
def test_demo_scenario_from_import_to_manifest(client: TestClient, coordinator: dict[str, str],
                                              settings: Settings) -> None:
    """The whole job over HTTP on the Samsø demo: import, plan, check, publish, manifest."""
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "data" / "demo"
    files = [("files", (p.name, p.read_bytes(), "text/plain"))
             for p in sorted(demo.iterdir()) if p.suffix in (".csv", ".toml")]
    r = client.post("/api/v1/scenario/import", headers=coordinator, files=files)
    assert r.status_code == 200, r.text
    plan_id = start_plan(client, coordinator, time_limit_s=15.0)
    status = wait_for(client, coordinator, plan_id, timeout_s=600)
    assert status["status"] == "done", status["error"]
    found = client.get(f"/api/v1/plans/{plan_id}", headers=coordinator).json()
    assert status["violations"] == 0, found["violation_list"]
    assert client.post(f"/api/v1/plans/{plan_id}/publish", headers=coordinator).status_code \
        == 200
    monday = "2026-03-02"
    vehicles = client.get(f"/api/v1/days/{monday}/manifests", headers=coordinator).json()
    assert vehicles
    manifest = client.get(f"/api/v1/days/{monday}/manifests/{vehicles[0]}?format=pdf",
                          headers=coordinator)
    assert manifest.content.startswith(b"%PDF")


def test_plan_with_checker_errors_is_published_only_when_forced(
    tiny: TestClient, database: Database, coordinator: dict[str, str]
) -> None:
    with database.unit_of_work() as db:
        row = m.PlanRecord(name="broken", status="done", progress={}, params={}, attempts=1,
                           document={"schema": "samkorsel.plan/1", "runs": [], "unserved": []},
                           violations=[{"code": "ride_time", "message": "too long",
                                        "run_id": None, "rider_id": "R1",
                                        "severity": "error"}],
                           created_at=utcnow(), finished_at=utcnow(), published=False)
        db.add(row)
        db.flush()
        plan_id = row.plan_id
    body = assert_problem(tiny.post(f"/api/v1/plans/{plan_id}/publish", headers=coordinator),
                          409)
    assert body["violations"] == 1
    r = tiny.post(f"/api/v1/plans/{plan_id}/publish?force=true", headers=coordinator)
    assert r.status_code == 200 and r.json()["published"] is True
    audit = tiny.get(f"/api/v1/audit?entity=plan&entity_id={plan_id}",
                     headers=coordinator).json()
    assert audit[0]["change"] == {"violations": 1, "forced": True,
                                  "effective_from": r.json()["effective_from"]}
