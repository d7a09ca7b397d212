"""Validation at every edge (issue 15, item 2): each reproduction of the issue answers a
problem detail (4xx), never a 500."""

from __future__ import annotations

import io
import socket
import struct
import zipfile
from pathlib import Path

import pytest
from apitest_support import LiveServer, add_user, auth
from fastapi.testclient import TestClient
from sqlalchemy import text
from test_api_basics import assert_problem
from test_api_scenario import scenario_files, upload

from api.db.database import Database

B = "/api/v1"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_absurd_dates_are_422_everywhere(published: TestClient, coordinator: dict[str, str],
                                         day: str) -> None:
    c, h = published, coordinator
    for path in (f"/days/{day}/runs", f"/days/{day}/consolidation", f"/days/{day}/manifests",
                 f"/days/{day}/manifests/V1", f"/centres/C1/days/{day}/riders",
                 f"/statistics?from={day}&to={day}", f"/centres/C1/open-days?from={day}&to={day}",
                 f"/absences?from={day}", f"/absences?to={day}", f"/absences/long?date={day}",
                 f"/no-shows?from={day}"):
        body = assert_problem(c.get(B + path, headers=h), 422)
        assert body["type"].endswith("/validation"), path
    for path, payload in (
            ("/absences", {"rider_id": "R1", "start": day, "reason": "x"}),
            ("/absences", {"rider_id": "R1", "start": "2026-03-02", "end": day, "reason": "x"}),
            ("/centres/C1/closures", {"start": day, "reason": "x"}),
            ("/centres/C1/closures", {"start": "2026-03-02", "end": day, "reason": "x"}),
            (f"/days/{day}/consolidation", {"absorbed_run_id": "a", "target_run_id": "b"}),
            ("/no-shows", {"rider_id": "R1", "date": day, "run_id": "mon-to-V1"})):
        assert_problem(c.post(B + path, headers=h, json=payload), 422)


def test_a_closure_stored_from_year_1_to_9999_does_not_break_calendars(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    with database.unit_of_work() as session:
        session.execute(text(
            "INSERT INTO closures (centre_id, start_date, end_date, reason, created_at) "
            "VALUES ('C1', '0001-01-01', '9999-12-31', 'x', '2026-01-01 00:00:00')"))
    r = published.get(f"{B}/centres/C1/calendar.ics?year=2026", headers=coordinator)
    assert r.status_code == 200, r.text
    r = published.get(f"{B}/centres/C1/open-days?from=2026-03-02&to=2026-03-03",
                      headers=coordinator)
    assert r.status_code == 200 and not any(d["open"] for d in r.json())
    assert published.get(f"{B}/days/2026-03-02/runs", headers=coordinator).status_code == 200


def test_audit_since_without_time_zone_is_utc(client: TestClient,
                                              coordinator: dict[str, str]) -> None:
    client.post(f"{B}/centres", headers=coordinator,
                json={"centre_id": "C9", "name": "Nyt", "lat": 55.83, "lon": 10.6})
    naive = client.get(f"{B}/audit?since=2000-01-01T00:00:00", headers=coordinator)
    assert naive.status_code == 200, naive.text
    aware = client.get(f"{B}/audit?since=2000-01-01T00:00:00Z", headers=coordinator)
    assert naive.json() == aware.json() and len(naive.json()) == 1
    assert client.get(f"{B}/audit?since=2999-01-01T00:00:00", headers=coordinator).json() == []


@pytest.mark.parametrize("bad_id", ["Ø1", "a\r\nb", 'a"b', "a b", "ü", "€", "a;b"])
def test_ids_are_restricted_to_a_safe_alphabet(client: TestClient, coordinator: dict[str, str],
                                               bad_id: str) -> None:
    body = assert_problem(client.post(f"{B}/centres", headers=coordinator, json={
        "centre_id": bad_id, "name": "x", "lat": 55.83, "lon": 10.6}), 422)
    assert body["errors"][0]["field"] == "centre_id"


def test_content_disposition_is_encoded_for_ids_stored_earlier(
        published: TestClient, database: Database, coordinator: dict[str, str]) -> None:
    # An id an older server accepted: non-Latin-1 letters and a quote.
    odd = 'Ø"€'
    with database.unit_of_work() as session:
        session.execute(text("INSERT INTO centres (centre_id, name, lat, lon, address, "
                             "created_at, updated_at) VALUES (:id, 'x', 55.829, 10.596, '', "
                             "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"), {"id": odd})
    from urllib.parse import quote

    r = published.get(f"{B}/centres/{quote(odd, safe='')}/calendar.ics?year=2026",
                      headers=coordinator)
    assert r.status_code == 200, r.text
    disposition = r.headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition and '"' not in disposition.split(";", 2)[1][
        len(' filename="'):-1]
    assert "\r" not in disposition and "\n" not in disposition
    r = published.get(f"{B}/days/2026-03-02/manifests/V1?format=pdf", headers=coordinator)
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _set_flag_bits(data: bytes, *, flag: int = 0, method: int | None = None,
                   crc_xor: int = 0) -> bytes:
    """Change the first member's local and central headers (flags, method, CRC)."""
    out = bytearray(data)
    for signature, flag_at, method_at, crc_at in ((b"PK\x03\x04", 6, 8, 14),
                                                  (b"PK\x01\x02", 8, 10, 16)):
        at = out.find(signature)
        (flags,) = struct.unpack_from("<H", out, at + flag_at)
        struct.pack_into("<H", out, at + flag_at, flags | flag)
        if method is not None:
            struct.pack_into("<H", out, at + method_at, method)
        (crc,) = struct.unpack_from("<I", out, at + crc_at)
        struct.pack_into("<I", out, at + crc_at, crc ^ crc_xor)
    return bytes(out)


@pytest.mark.parametrize("damage", ["crc", "encrypted", "compression"])
def test_broken_zip_members_are_422_naming_the_member(
        client: TestClient, coordinator: dict[str, str], tmp_path: Path, damage: str) -> None:
    files = scenario_files(tmp_path)
    ordered = {"centres.csv": files["centres.csv"],
               **{k: v for k, v in files.items() if k != "centres.csv"}}
    data = _zip(ordered)
    data = {"crc": lambda d: _set_flag_bits(d, crc_xor=0xFFFF),
            "encrypted": lambda d: _set_flag_bits(d, flag=0x1),
            "compression": lambda d: _set_flag_bits(d, method=99)}[damage](data)
    r = upload(client, coordinator, {"scenario.zip": data})
    body = assert_problem(r, 422)
    assert body["errors"][0]["file"] == "centres.csv", body


def test_zip_bomb_is_refused(client: TestClient, coordinator: dict[str, str]) -> None:
    bomb = _zip({"riders.csv": b"rider_id," + b"x" * 45_000_000})
    assert len(bomb) < 100_000
    body = assert_problem(upload(client, coordinator, {"scenario.zip": bomb}), 413)
    assert "riders.csv" in body["detail"]


def test_closures_csv_with_a_bare_cr_is_422_with_the_row(
        tiny: TestClient, coordinator: dict[str, str]) -> None:
    content = b"centre_id,start,end,reason\nC1,2026-05-01,2026-05-02,a\rb\n"
    r = tiny.post(f"{B}/centres/C1/closures/import", headers=coordinator,
                  files={"file": ("closures.csv", content, "text/csv")})
    body = assert_problem(r, 422)
    assert body["errors"][0]["row"] == 2 and body["errors"][0]["file"] == "closures.csv"


def test_scenario_csv_with_a_bare_cr_is_422_with_the_row(
        client: TestClient, coordinator: dict[str, str], tmp_path: Path) -> None:
    files = scenario_files(tmp_path)
    lines = files["riders.csv"].split(b"\n")
    lines[2] = lines[2].replace(b",", b",\r", 1)
    files["riders.csv"] = b"\n".join(lines)
    body = assert_problem(upload(client, coordinator, files), 422)
    assert body["errors"][0]["file"] == "riders.csv", body
    assert body["errors"][0]["row"] == 3, body


def test_body_limit_applies_before_reading_and_before_authentication(
        settings: object, database: Database) -> None:
    from api.main import create_app

    app = create_app(settings.model_copy(update={  # type: ignore[attr-defined]
        "max_upload_bytes": 1000, "max_body_bytes": 1000, "warm_up": False}))
    with LiveServer(app) as server:
        for headers in ("", "Authorization: Bearer sk_nonsense\r\n"):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall((f"POST {B}/scenario/import HTTP/1.1\r\nHost: x\r\n{headers}"
                              "Content-Type: multipart/form-data; boundary=b\r\n"
                              "Content-Length: 100000000\r\n\r\n").encode())
                answer = sock.recv(65536).decode("latin-1")
            assert answer.startswith("HTTP/1.1 413"), answer[:200]
        # Chunked (no Content-Length): stopped once the limit is passed.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall((f"POST {B}/centres HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n").encode())
            chunk = b"x" * 800
            for _ in range(3):
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            answer = sock.recv(65536).decode("latin-1")
        assert answer.startswith("HTTP/1.1 413"), answer[:200]


def test_malformed_json_is_400(client: TestClient, coordinator: dict[str, str]) -> None:
    r = client.post(f"{B}/centres", headers={**coordinator, "Content-Type": "application/json"},
                    content=b'{"centre_id": ')
    assert_problem(r, 400)


def test_plan_parameters_are_validated_like_scenario_toml(
        tiny: TestClient, coordinator: dict[str, str]) -> None:
    for params in ({"max_ride_min": -5}, {"service_s": -1}, {"rounding_s": -60}):
        body = assert_problem(tiny.post(f"{B}/plans", headers=coordinator,
                                        json={"params": params}), 422)
        assert body["errors"][0]["field"].startswith("params"), body


def test_merge_import_keeps_rules_and_name_it_was_not_given(
        client: TestClient, coordinator: dict[str, str], tmp_path: Path) -> None:
    files = scenario_files(tmp_path)
    files["scenario.toml"] = b'name = "Samsoe"\n\n[plan]\nmax_ride_min = 50\n'
    assert upload(client, coordinator, files).status_code == 200
    without = {k: v for k, v in files.items() if k != "scenario.toml"}
    r = upload(client, coordinator, without)
    assert r.status_code == 200, r.text
    assert r.json()["scenario"] == "Samsoe"
    export = client.get(f"{B}/scenario/export", headers=coordinator).content
    toml = zipfile.ZipFile(io.BytesIO(export)).read("scenario.toml").decode()
    assert "Samsoe" in toml and "max_ride" in toml
    # A scenario.toml with other [plan] keys keeps max_ride too.
    files["scenario.toml"] = b'name = "Samsoe"\n\n[plan]\nrounding_min = 10\n'
    assert upload(client, coordinator, files).status_code == 200
    export = client.get(f"{B}/scenario/export", headers=coordinator).content
    toml = zipfile.ZipFile(io.BytesIO(export)).read("scenario.toml").decode()
    assert "max_ride" in toml and "rounding" in toml


@pytest.mark.parametrize("network", ["/etc/passwd", "../../../etc/hostname", "sub/x.osm",
                                     "nonexistent.osm.bz2"])
def test_scenario_network_is_a_name_in_the_network_folder(
        client: TestClient, coordinator: dict[str, str], tmp_path: Path, network: str) -> None:
    files = scenario_files(tmp_path)
    files["scenario.toml"] = f'name = "x"\nnetwork = "{network}"\n'.encode()
    body = assert_problem(upload(client, coordinator, files), 422)
    assert body["errors"][0]["column"] == "network"
    assert "etc" not in str(body["errors"]) or network.startswith(("/", ".."))
    assert "not found: /" not in str(body)


def test_scenario_network_name_in_the_folder_is_accepted(
        client: TestClient, coordinator: dict[str, str], tmp_path: Path) -> None:
    from routing.scenario.reader import default_network_path

    files = scenario_files(tmp_path)
    files["scenario.toml"] = f'name = "x"\nnetwork = "{default_network_path().name}"\n'.encode()
    r = upload(client, coordinator, files)
    assert r.status_code == 200, r.text


def test_the_last_coordinator_cannot_be_revoked(client: TestClient, database: Database,
                                                coordinator: dict[str, str]) -> None:
    me = client.get(f"{B}/me", headers=coordinator).json()
    body = assert_problem(client.delete(f"{B}/users/{me['user_id']}", headers=coordinator), 409)
    assert "last" in body["detail"]
    other = auth(add_user(database, "coordinator", name="Anden"))
    assert client.delete(f"{B}/users/{me['user_id']}", headers=other).status_code == 200
    other_id = client.get(f"{B}/me", headers=other).json()["user_id"]
    assert_problem(client.delete(f"{B}/users/{other_id}", headers=other), 409)
