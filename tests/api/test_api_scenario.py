"""Scenario import (CSV files or zip, all or nothing, row-level errors) and export."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from apitest_data import tiny_scenario
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from routing.scenario.reader import load_scenario, write_scenario

FILES = ("centres.csv", "sessions.csv", "riders.csv", "vehicles.csv", "scenario.toml")


def scenario_files(tmp_path: Path) -> dict[str, bytes]:
    write_scenario(tiny_scenario(), tmp_path)
    return {name: (tmp_path / name).read_bytes() for name in FILES}


def upload(client: TestClient, headers: dict[str, str], files: dict[str, bytes],
           mode: str = "merge") -> object:
    return client.post(f"/api/v1/scenario/import?mode={mode}", headers=headers,
                       files=[("files", (name, content, "text/csv"))
                              for name, content in files.items()])


def test_import_files_then_export_round_trip(client: TestClient, coordinator: dict[str, str],
                                             tmp_path: Path) -> None:
    r = upload(client, coordinator, scenario_files(tmp_path))
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["created"] == {"centres": 2, "sessions": 3, "riders": 4, "vehicles": 2}
    r = client.get("/api/v1/riders/R2", headers=coordinator)
    assert r.json()["wheelchair"] is True
    # Importing the same again changes nothing.
    again = upload(client, coordinator, scenario_files(tmp_path)).json()  # type: ignore
    assert again["unchanged"] == body["created"]
    # Export reads back as the same scenario.
    r = client.get("/api/v1/scenario/export", headers=coordinator)
    assert r.headers["content-type"] == "application/zip"
    out = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(r.content)).extractall(out)
    exported = load_scenario(out)
    assert {x.rider_id for x in exported.riders} == {"R1", "R2", "R3", "R4"}
    assert exported.rider("R1") == tiny_scenario().rider("R1")


def test_import_zip_replace_deletes_missing(tiny: TestClient, coordinator: dict[str, str],
                                            tmp_path: Path) -> None:
    files = scenario_files(tmp_path)
    lines = files["riders.csv"].decode().splitlines(keepends=True)
    files["riders.csv"] = "".join(line for line in lines if not line.startswith("R4,")).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"tiny/{name}", content)
    r = tiny.post("/api/v1/scenario/import?mode=replace", headers=coordinator,
                  files={"files": ("tiny.zip", buffer.getvalue(), "application/zip")})
    assert r.status_code == 200, r.text
    assert r.json()["deleted"]["riders"] == 1
    assert_problem(tiny.get("/api/v1/riders/R4", headers=coordinator), 404)


def test_import_reports_every_row_error_and_imports_nothing(
    client: TestClient, coordinator: dict[str, str], tmp_path: Path
) -> None:
    files = scenario_files(tmp_path)
    riders = files["riders.csv"].decode().splitlines()
    riders[2] = riders[2].replace("55.832", "abc", 1)  # R2's latitude, spreadsheet row 3
    files["riders.csv"] = ("\n".join(riders) + "\n").encode()
    vehicles = files["vehicles.csv"].decode().splitlines()
    fields = vehicles[1].split(",")
    fields[3] = "-2"  # V1's seats
    vehicles[1] = ",".join(fields)
    files["vehicles.csv"] = ("\n".join(vehicles) + "\n").encode()
    body = assert_problem(upload(client, coordinator, files), 422)
    where = {(e["file"], e["row"], e["column"]) for e in body["errors"]}
    assert ("riders.csv", 3, "lat") in where
    assert ("vehicles.csv", 2, "seats") in where
    assert all(e["detail"] for e in body["errors"])
    assert client.get("/api/v1/centres", headers=coordinator).json() == []


def test_import_rejects_unknown_file_and_non_coordinators(
    tiny: TestClient, coordinator: dict[str, str], tmp_path: Path
) -> None:
    assert_problem(upload(tiny, coordinator, {"evil.sh": b"rm -rf /"}), 400)
    from apitest_support import add_user, auth

    staff = auth(add_user(tiny.app.state.context.database, "centre", centre_ids=["C1"]))
    assert_problem(upload(tiny, staff, scenario_files(tmp_path)), 403)
