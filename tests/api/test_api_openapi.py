"""The OpenAPI description: complete, problem responses documented; schemathesis finds no server
error (generated requests, authenticated as a coordinator, on the tiny scenario)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from apitest_data import tiny_plan, tiny_scenario
from apitest_support import add_user, auth, empty_tables, load_tiny, publish_plan
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.db.database import Database
from api.main import create_app
from api.settings import Settings


def test_every_operation_is_tagged_summarised_and_documents_problems(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Samkørsel API"
    assert "ApiKey" in spec["components"]["securitySchemes"]
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        assert path.startswith("/api/v1/"), path
        assert op.get("tags") and op.get("summary"), (method, path)
        errors = {code: r for code, r in op["responses"].items() if int(code) >= 400}
        for response in errors.values():
            assert list(response["content"]) == ["application/problem+json"], (method, path)
        if path != "/api/v1/health":
            assert "401" in errors, (method, path)
        has_input = op.get("parameters") or op.get("requestBody")
        if has_input:
            assert "422" in errors, (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


# The description does not depend on the database: take it from an app that never starts.
# (schemathesis.pytest.from_fixture does not work with pytest 9.)
schema = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite://", auto_migrate=False)).openapi())

# Bounded for CI (issue 15: ≲ 60–90 s per backend): every operation gets FUZZ_EXAMPLES cases, the
# stateful run FUZZ_SCENARIOS scenarios of up to FUZZ_STEPS linked calls. Raise them locally with
# the environment variables to search longer.
FUZZ_EXAMPLES = int(os.environ.get("SAMKORSEL_FUZZ_EXAMPLES", "8"))
FUZZ_SCENARIOS = int(os.environ.get("SAMKORSEL_FUZZ_SCENARIOS", "15"))
FUZZ_STEPS = int(os.environ.get("SAMKORSEL_FUZZ_STEPS", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _count_case(kind: str) -> None:
    """With SAMKORSEL_FUZZ_REPORT=<file>, one line per generated case (for the README's
    figure; several xdist workers append to the same file)."""
    report = os.environ.get("SAMKORSEL_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            out.write(kind + "\n")


@pytest.fixture(scope="module")
def seeded(database_url: str, network: Any) -> Iterator[tuple[Any, dict[str, str]]]:
    """One app on the tiny scenario with its plan published, for all generated cases of a
    backend (they only need it to answer, not to start from a clean state)."""
    database = Database(database_url)
    empty_tables(database)
    headers = auth(add_user(database, "coordinator"))
    # A second coordinator: generated cases may revoke the first one's key.
    spare = auth(add_user(database, "coordinator", name="Reserve"))
    app = create_app(Settings(database_url=database_url, auto_migrate=False, warm_up=False,
                              plan_time_limit_s=0.5, plan_time_limit_max_s=2))
    with TestClient(app) as client:
        load_tiny(client, headers)
    publish_plan(database, tiny_plan(tiny_scenario(), network))
    yield app, {"main": headers["Authorization"], "spare": spare["Authorization"]}
    database.dispose()


def _headers(keys: dict[str, str]) -> dict[str, str]:
    return {"Authorization": keys["main"]}


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case: Any, seeded: tuple[Any, dict[str, str]]) -> None:
    app, keys = seeded
    _count_case("case")
    response = case.call(app=app, headers=_headers(keys))
    if response.status_code == 401:  # the key was revoked by an earlier case: use the spare
        keys["main"] = keys["spare"]
        response = case.call(app=app, headers=_headers(keys))
    case.validate_response(response, checks=CHECKS)


def test_stateful_links_give_no_server_error(seeded: tuple[Any, dict[str, str]]) -> None:
    """Scenarios following the OpenAPI links (create a rider, then read, change, delete it;
    create a plan job, then poll and publish it; …)."""
    app, keys = seeded
    machine = schema.as_state_machine()

    class Linked(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            _count_case("step")
            return {"app": app, "headers": _headers(keys)}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=[not_a_server_error,
                                                         status_code_conformance])
            except Exception:
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code}: {response.text[:500]}")
                raise

    # The app's database outlives each generated scenario, so when hypothesis replays a failing
    # one to shrink it, the replay can differ (a rider already created) and hypothesis reports
    # "flaky" instead of the failure: keep the first failing response to report it.
    failures: list[str] = []
    try:
        Linked.run(settings=settings(max_examples=FUZZ_SCENARIOS, stateful_step_count=FUZZ_STEPS,
                                     deadline=None, derandomize=True,
                                     suppress_health_check=list(HealthCheck)))
    except Exception as err:
        if failures:
            raise AssertionError(f"first failing step: {failures[0]}") from err
        raise
