"""Erasure and retention (issue 15, item 4): the audit log names fields, not personal values;
a rider's erasure removes or pseudonymises their data everywhere and keeps ids and counts;
retention periods purge old records; personal answers carry ``Cache-Control: no-store``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from sqlalchemy import text
from test_api_basics import assert_problem

from api.db.database import Database
from api.db.models import Base

B = "/api/v1"
MONDAY = "2026-03-02"
# The version without an erased rider is in force from today on (past days keep their plan).
NEXT_MONDAY = (date.today() + timedelta(days=7 - date.today().weekday())).isoformat()
SECRETS = ("Anna Jensen", "Vej 1", "epilepsi", "kemoterapi", "Hjemmehjælp ønsket",
           "glemte nøglen")


def _everything(database: Database) -> str:
    """Every stored value of every table, as one text."""
    parts: list[str] = []
    with database.unit_of_work() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(table.select()):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _personal_history(client: TestClient, headers: dict[str, str]) -> None:
    """R1 gets notes, an assessment, an afbud with a reason and a no-show with a note."""
    r = client.patch(f"{B}/riders/R1", headers=headers,
                     json={"notes": "epilepsi", "centre_assessment": "Hjemmehjælp ønsket"})
    assert r.status_code == 200, r.text
    r = client.post(f"{B}/absences", headers=headers,
                    json={"rider_id": "R1", "start": "2026-03-04", "end": "2026-03-04",
                          "reason": "kemoterapi"})
    assert r.status_code == 201, r.text
    r = client.post(f"{B}/no-shows", headers=headers,
                    json={"rider_id": "R1", "date": MONDAY, "run_id": "mon-to-V1",
                          "note": "glemte nøglen"})
    assert r.status_code in (200, 201), r.text


def test_the_audit_log_keeps_field_names_not_personal_values(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    _personal_history(published, coordinator)
    assert published.delete(f"{B}/riders/R1", headers=coordinator).status_code == 204
    audit = published.get(f"{B}/audit?limit=1000", headers=coordinator).json()
    text_of_audit = repr(audit)
    for secret in SECRETS:
        assert secret not in text_of_audit, secret
    update = next(e for e in audit if e["entity"] == "rider" and e["action"] == "update")
    assert update["change"] == {"fields": ["centre_assessment", "notes"]}
    created = next(e for e in audit if e["entity"] == "absence")
    assert "reason" in created["change"]["fields"] and created["change"]["rider_id"] == "R1"


def test_erasure_removes_personal_data_everywhere_and_keeps_counts(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    client = published
    _personal_history(client, coordinator)
    before = client.get(f"{B}/statistics?from=2026-03-01&to=2026-03-31",
                        headers=coordinator).json()
    r = client.post(f"{B}/riders/R1/erase", headers=coordinator)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rider"] is True and report["absences"] == 1 and report["no_shows"] == 1
    assert report["plan_id"] is not None
    stored = _everything(database)
    for secret in SECRETS:
        assert secret not in stored, secret
    rider = client.get(f"{B}/riders/R1", headers=coordinator).json()
    assert rider["rider_id"] == "R1" and rider["name"] == "Slettet borger"
    assert rider["address"] == "" and rider["notes"] == ""
    absences = client.get(f"{B}/absences?rider_id=R1", headers=coordinator).json()
    assert len(absences) == 1 and absences[0]["reason"] == ""
    after = client.get(f"{B}/statistics?from=2026-03-01&to=2026-03-31",
                       headers=coordinator).json()
    # The afbud and no-shows still count (savings differ: the plan no longer drives R1).
    for key in ("afbud", "afbud_late", "no_shows"):
        assert after["by_centre"]["C1"][key] == before["by_centre"]["C1"][key] > 0, key
    assert after["by_rider"]["R1"]["afbud"] == 1
    # From today on the plan in force no longer carries R1; everyone else still rides.
    day = client.get(f"{B}/days/{NEXT_MONDAY}/runs", headers=coordinator).json()
    riders = {rid for run in day["runs"] for stop in run["stops"] for rid in stop["rider_ids"]}
    assert riders == {"R2"} and day["unavailable"] == []
    # An erased rider is not planned again, and cannot be changed back.
    assert_problem(client.patch(f"{B}/riders/R1", headers=coordinator, json={"notes": "x"}),
                   409)
    # Erasing again is harmless.
    again = client.post(f"{B}/riders/R1/erase", headers=coordinator).json()
    assert again["rider"] is False


def test_erasure_of_a_deleted_rider_and_of_an_unknown_id(
        tiny: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    assert tiny.delete(f"{B}/riders/R4", headers=coordinator).status_code == 204
    r = tiny.post(f"{B}/riders/R4/erase", headers=coordinator)
    assert r.status_code == 200, r.text
    assert r.json()["rider"] is False and r.json()["audit_entries"] >= 1
    assert_problem(tiny.post(f"{B}/riders/NOBODY/erase", headers=coordinator), 404)
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    assert_problem(tiny.post(f"{B}/riders/R1/erase", headers=staff), 403)


def test_erase_rider_on_the_command_line(tiny: TestClient, database: Database,
                                         settings: Any, monkeypatch: Any) -> None:
    import json

    from typer.testing import CliRunner

    from api.cli import app

    monkeypatch.setenv("SAMKORSEL_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(app, ["erase-rider", "R3"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["rider"] is True
    with database.unit_of_work() as session:
        name = session.execute(text("SELECT name FROM riders WHERE rider_id = 'R3'")).scalar()
    assert name == "Slettet borger"
    result = CliRunner().invoke(app, ["erase-rider", "NOBODY"])
    assert result.exit_code != 0
    result = CliRunner().invoke(app, ["purge"])
    assert result.exit_code == 0, result.output


def test_retention_purge_deletes_only_what_is_older_than_its_period(
        tiny: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    old = tiny.post(f"{B}/absences", headers=coordinator,
                    json={"rider_id": "R1", "start": "2020-01-06", "end": "2020-01-10",
                          "reason": "x"})
    assert old.status_code == 201, old.text
    recent = tiny.post(f"{B}/absences", headers=coordinator,
                       json={"rider_id": "R1", "start": "2026-03-04", "reason": "y"})
    assert recent.status_code == 201
    with database.unit_of_work() as session:
        session.execute(text("UPDATE audit_log SET at = '2015-01-01 00:00:00' WHERE "
                             "entity = 'centre'"))
    r = tiny.post(f"{B}/privacy/purge", headers=coordinator)
    assert r.status_code == 200, r.text
    assert r.json()["absences"] == 1 and r.json()["audit_entries"] == 2
    left = tiny.get(f"{B}/absences?rider_id=R1&from=2000-01-01", headers=coordinator).json()
    assert [a["absence_id"] for a in left] == [recent.json()["absence_id"]]


def test_personal_answers_are_not_stored_by_caches(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    client = published
    for path in (f"/days/{MONDAY}/manifests/V1", f"/days/{MONDAY}/manifests/V1?format=html",
                 f"/days/{MONDAY}/manifests/V1?format=pdf", f"/centres/C1/days/{MONDAY}/riders",
                 "/riders", "/riders/R1", "/absences", "/audit", f"/days/{MONDAY}/runs"):
        r = client.get(B + path, headers=coordinator)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["cache-control"] == "no-store", path
    gz = client.get(f"{B}/days/{MONDAY}/manifests/V1",
                    headers={**coordinator, "Accept-Encoding": "gzip"})
    assert gz.headers["cache-control"] == "no-store"
    assert client.get(f"{B}/riders/R1").headers["cache-control"] == "no-store"  # 401 too
    assert client.get("/web/login").headers.get("cache-control") == "no-store"


def test_migration_reduces_old_audit_entries_to_field_names(tmp_path: Any) -> None:
    """Entries written before revision 0003_safety held personal values; upgrading keeps the
    field names and the ids only."""
    import json

    from api.db.database import upgrade_database

    url = f"sqlite+pysqlite:///{tmp_path / 'old.db'}"
    upgrade_database(url, "0002")
    database = Database(url)
    try:
        with database.unit_of_work() as session:
            for entity, change in (
                    ("rider", {"name": "Anna Jensen", "notes": "epilepsi", "centre_id": "C1"}),
                    ("rider", {"before": {"notes": ""}, "after": {"notes": "epilepsi"}}),
                    ("absence", {"rider_id": "R1", "reason": "kemoterapi"}),
                    ("centre", {"name": "Aktivitetscentret"})):
                session.execute(text(
                    "INSERT INTO audit_log (at, user_id, action, entity, entity_id, change) "
                    "VALUES ('2026-01-01 00:00:00', 1, 'create', :entity, 'x', :change)"),
                    {"entity": entity, "change": json.dumps(change)})
        upgrade_database(url)
        with database.unit_of_work() as session:
            rows = [json.loads(c) if isinstance(c, str) else c for (c,) in session.execute(
                text("SELECT change FROM audit_log ORDER BY audit_id"))]
    finally:
        database.dispose()
    assert rows == [{"fields": ["centre_id", "name", "notes"], "centre_id": "C1"},
                    {"fields": ["notes"]},
                    {"fields": ["reason", "rider_id"], "rider_id": "R1"},
                    {"name": "Aktivitetscentret"}]
