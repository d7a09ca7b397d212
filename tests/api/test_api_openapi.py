"""The OpenAPI description: complete, problem responses documented; schemathesis finds no server
error (generated requests, authenticated as a coordinator, on the tiny scenario)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from apitest_support import add_user, auth, empty_tables, load_tiny
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


@pytest.fixture(scope="module")
def seeded(database_url: str) -> Iterator[tuple[Any, dict[str, str]]]:
    """One app on the tiny scenario for all generated cases of a backend (they only need it to
    answer, not to start from a clean state)."""
    database = Database(database_url)
    empty_tables(database)
    headers = auth(add_user(database, "coordinator"))
    app = create_app(Settings(database_url=database_url, auto_migrate=False))
    with TestClient(app) as client:
        load_tiny(client, headers)
    yield app, headers
    database.dispose()


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case: Any, seeded: tuple[Any, dict[str, str]]) -> None:
    app, headers = seeded
    case.call_and_validate(
        app=app,
        headers=headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )
