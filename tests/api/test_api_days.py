"""Daily runs, no-shows and statistics over HTTP, on the tiny scenario's hand-made plan.

Monday 2 March 2026: V1 carries R1, V2 carries R2 to centre C1 (09:00–12:00) and home.
"""

from __future__ import annotations

import io
from datetime import datetime

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from pypdf import PdfReader
from test_api_basics import assert_problem

from api.db.database import Database

MONDAY = "2026-03-02"


def at(client: TestClient, text: str) -> None:
    moment = datetime.fromisoformat(text)
    client.app.state.context.clock = lambda: moment  # type: ignore[attr-defined]


def runs_of(client: TestClient, headers: dict[str, str], day: str = MONDAY) -> dict[str, object]:
    r = client.get(f"/api/v1/days/{day}/runs", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_no_plan_in_force_is_409(tiny: TestClient, coordinator: dict[str, str]) -> None:
    assert_problem(tiny.get(f"/api/v1/days/{MONDAY}/runs", headers=coordinator), 409)


def test_plain_day_follows_the_plan(published: TestClient, coordinator: dict[str, str]) -> None:
    day = runs_of(published, coordinator)
    assert day["weekday"] == "mon"
    assert {r["run_id"] for r in day["runs"]} == {  # type: ignore[attr-defined]
        "mon-to-V1", "mon-to-V2", "mon-from-V1", "mon-from-V2"}
    assert all(r["weekday"] == MONDAY for r in day["runs"])  # type: ignore[attr-defined]
    assert day["cancelled"] == [] and day["saved_ore"] == 0


def test_afbud_cancels_emptied_runs_and_reports_savings(
    published: TestClient, coordinator: dict[str, str]
) -> None:
    at(published, "2026-02-27T12:00:00+00:00")
    r = published.post("/api/v1/absences", headers=coordinator,
                       json={"rider_id": "R1", "start": MONDAY, "reason": "Tandlæge"})
    assert r.json()["late"] is False
    day = runs_of(published, coordinator)
    cancelled = {c["run_id"]: c for c in day["cancelled"]}  # type: ignore[attr-defined]
    assert set(cancelled) == {"mon-to-V1", "mon-from-V1"}
    assert all(c["reason"] == "empty" and c["saved_ore"] > 0 for c in cancelled.values())
    assert day["saved_ore"] == sum(c["saved_ore"] for c in cancelled.values())
    removed = {(x["rider_id"], x["reason"]) for x in day["removed"]}  # type: ignore[attr-defined]
    assert removed == {("R1", "absent")}
    # Tuesday is untouched.
    assert runs_of(published, coordinator, "2026-03-03")["cancelled"] == []


def test_late_afbud_counts_until_the_run_leaves(published: TestClient,
                                                coordinator: dict[str, str]) -> None:
    # 07:00 in Copenhagen on the day: late, but V1 leaves the depot at 08:40, so honoured.
    at(published, "2026-03-02T06:00:00+00:00")
    r = published.post("/api/v1/absences", headers=coordinator,
                       json={"rider_id": "R1", "start": MONDAY, "scope": "to_centre"})
    assert r.json()["late"] is True
    assert "mon-to-V1" in {c["run_id"] for c in runs_of(published, coordinator)["cancelled"]}
    # 09:30 in Copenhagen: R2's ride has left; the afbud is recorded but not honoured.
    at(published, "2026-03-02T08:30:00+00:00")
    published.post("/api/v1/absences", headers=coordinator,
                   json={"rider_id": "R2", "start": MONDAY, "scope": "to_centre"})
    day = runs_of(published, coordinator)
    assert "mon-to-V2" in {r["run_id"] for r in day["runs"]}  # type: ignore[attr-defined]


def test_closures_and_holidays_cancel_runs(published: TestClient,
                                           coordinator: dict[str, str]) -> None:
    r = published.post("/api/v1/centres/C1/closures", headers=coordinator,
                       json={"start": MONDAY, "reason": "Personaledag"})
    assert r.status_code == 201
    day = runs_of(published, coordinator)
    assert day["runs"] == [] and day["closed_centres"] == ["C1"]
    assert {c["reason"] for c in day["cancelled"]} == {"closed"}  # type: ignore[attr-defined]
    easter_monday = runs_of(published, coordinator, "2026-04-06")
    assert easter_monday["runs"] == [] and easter_monday["closed_centres"] == ["C1", "C2"]


def test_driver_sees_own_runs_and_records_no_shows(published: TestClient, database: Database,
                                                   coordinator: dict[str, str]) -> None:
    driver1 = auth(add_user(database, "driver", vehicle_id="V1"))
    driver2 = auth(add_user(database, "driver", vehicle_id="V2"))
    # The no-show rule is the municipality's choice (off by default); this one has it.
    from api.grants.rules_store import store_rules
    from routing.municipality.rules import MunicipalityRules

    with database.unit_of_work() as db:
        store_rules(db, MunicipalityRules(no_show_cancels_ride_home=True))
    mine = runs_of(published, driver1)
    assert {r["vehicle_id"] for r in mine["runs"]} == {"V1"}  # type: ignore[attr-defined]
    assert {r["vehicle_id"] for r in runs_of(published, driver1)["runs"]} == {"V1"}  # type: ignore
    at(published, "2026-03-02T10:00:00+00:00")
    body = {"rider_id": "R1", "date": MONDAY, "run_id": "mon-to-V1"}
    assert_problem(published.post("/api/v1/no-shows", headers=driver2, json=body), 404)
    r = published.post("/api/v1/no-shows", headers=driver1, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["direction"] == "to_centre"
    assert published.post("/api/v1/no-shows", headers=driver1, json=body).status_code == 200
    # A morning no-show cancels the ride home.
    day = runs_of(published, coordinator)
    assert ("R1", "no_show") in {(x["rider_id"], x["reason"])
                                 for x in day["removed"]}  # type: ignore[attr-defined]
    assert [n["rider_id"] for n in published.get("/api/v1/no-shows",
                                                  headers=driver2).json()] == []
    # Someone says the rider comes home with the bus after all: the ride home is kept.
    no_show_id = r.json()["no_show_id"]
    assert_problem(published.post(f"/api/v1/no-shows/{no_show_id}/keep-ride-home",
                                  headers=driver2), 404)
    kept = published.post(f"/api/v1/no-shows/{no_show_id}/keep-ride-home", headers=coordinator)
    assert kept.json()["keep_ride_home"] is True
    day = runs_of(published, coordinator)
    assert "mon-from-V1" in {x["run_id"] for x in day["runs"]}  # type: ignore[attr-defined]
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    assert_problem(published.get(f"/api/v1/days/{MONDAY}/runs", headers=staff), 403)
    future = {"rider_id": "R1", "date": "2026-03-09", "run_id": "mon-to-V1"}
    assert_problem(published.post("/api/v1/no-shows", headers=driver1, json=future), 422)


def test_statistics_of_a_month(published: TestClient, coordinator: dict[str, str]) -> None:
    at(published, "2026-02-27T12:00:00+00:00")
    published.post("/api/v1/absences", headers=coordinator,
                   json={"rider_id": "R1", "start": MONDAY})
    at(published, "2026-03-02T06:00:00+00:00")
    published.post("/api/v1/absences", headers=coordinator,
                   json={"rider_id": "R2", "start": MONDAY})
    stats = published.get("/api/v1/statistics?from=2026-03-01&to=2026-03-31",
                          headers=coordinator).json()
    assert stats["total"]["afbud"] == 2
    assert stats["total"]["afbud_late"] == 1
    assert stats["total"]["cancelled_runs"] >= 2
    assert stats["by_month"]["2026-03"]["saved_ore"] > 0
    assert_problem(published.get("/api/v1/statistics?from=2026-01-01&to=2026-12-31",
                                 headers=coordinator), 422)


def test_manifest_formats_and_driver_isolation(published: TestClient, database: Database,
                                               coordinator: dict[str, str]) -> None:
    driver1 = auth(add_user(database, "driver", name="Chauffør Et", vehicle_id="V1"))
    driver2 = auth(add_user(database, "driver", vehicle_id="V2"))
    at(published, "2026-02-27T12:00:00+00:00")
    published.post("/api/v1/absences", headers=coordinator,
                   json={"rider_id": "R1", "start": "2026-03-04", "reason": "Syg"})
    url = "/api/v1/days/2026-03-04/manifests/V1"
    manifest = published.get(url, headers=driver1).json()
    assert manifest["vehicle_id"] == "V1" and manifest["driver"] == "Chauffør Et"
    riders = {r["rider_id"]: r for run in manifest["runs"] for stop in run["stops"]
              for r in stop["riders"]}
    assert riders["R1"]["cancelled"] is True and riders["R3"]["cancelled"] is False
    assert "Ledsager" in riders["R3"]["needs"] or riders["R3"]["needs"]
    # Another driver's manifest does not exist for them; the vehicle list shows only their own.
    assert_problem(published.get(url, headers=driver2), 404)
    assert published.get("/api/v1/days/2026-03-04/manifests", headers=driver2).json() == []
    assert published.get("/api/v1/days/2026-03-04/manifests",
                         headers=coordinator).json() == ["V1"]
    html = published.get(url, headers={**driver1, "Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "Køreliste" in html.text
    pdf = published.get(url + "?format=pdf", headers=driver1)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert "Chauffør Et" in "".join(page.extract_text() for page in pages)
    # Kept with the cached manifest: the same bytes, not printed again.
    assert published.get(url + "?format=pdf", headers=driver1).content == pdf.content
    assert_problem(published.get(url, headers={**driver1, "Accept": "image/png"}), 406)
    staff = auth(add_user(database, "centre", centre_ids=["C1"]))
    assert_problem(published.get(url, headers=staff), 403)


def test_centre_rider_list(published: TestClient, database: Database,
                           coordinator: dict[str, str]) -> None:
    staff1 = auth(add_user(database, "centre", centre_ids=["C1"]))
    staff2 = auth(add_user(database, "centre", centre_ids=["C2"]))
    at(published, "2026-02-27T12:00:00+00:00")
    published.post("/api/v1/absences", headers=staff1, json={"rider_id": "R2", "start": MONDAY})
    url = f"/api/v1/centres/C1/days/{MONDAY}/riders"
    rider_list = published.get(url, headers=staff1).json()
    assert [a["rider_id"] for a in rider_list["arrivals"]] == ["R1"]
    assert [a["rider_id"] for a in rider_list["absent"]] == ["R2"]
    assert_problem(published.get(url, headers=staff2), 404)
    html = published.get(url + "?format=html", headers=staff1)
    assert "Deltagerliste" in html.text
    pdf = published.get(url + "?format=pdf", headers=staff1)  # the same HTML, printed
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert_problem(published.get(url, headers={**staff1, "Accept": "image/png"}), 406)


def test_consolidation_suggested_accepted_and_applied(published: TestClient,
                                                      coordinator: dict[str, str]) -> None:
    offered = published.get(f"/api/v1/days/{MONDAY}/consolidation", headers=coordinator).json()
    assert offered["max_shift_s"] == 600
    assert offered["suggestions"], offered["refused"]
    best = offered["suggestions"][0]
    assert all(abs(m["shift_s"]) <= 600 for m in best["moved"])
    body = {"absorbed_run_id": best["absorbed_run_id"], "target_run_id": best["target_run_id"]}
    r = published.post(f"/api/v1/days/{MONDAY}/consolidation", headers=coordinator, json=body)
    assert r.status_code == 201, r.text
    assert {m["rider_id"] for m in r.json()["notify"]} == {m["rider_id"] for m in best["moved"]}
    day = runs_of(published, coordinator)
    assert best["absorbed_run_id"] in {c["run_id"] for c in day["cancelled"]}  # type: ignore
    assert day["consolidations"][0]["applied"] is True  # type: ignore[index]
    assert_problem(published.post(f"/api/v1/days/{MONDAY}/consolidation", headers=coordinator,
                                  json=body), 409)
