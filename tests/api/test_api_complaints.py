"""Klage: a complaint against a decision recorded with its date, the reassessment deadline
shown, forwarded to Ankestyrelsen when the decision is upheld."""

from __future__ import annotations

from datetime import datetime

from apitest_support import add_user, auth
from fastapi.testclient import TestClient
from test_api_basics import assert_problem

from api.db.database import Database


def at(client: TestClient, text: str) -> None:
    moment = datetime.fromisoformat(text)
    client.app.state.context.clock = lambda: moment  # type: ignore[attr-defined]


def test_complaint_deadlines_and_forwarding(published: TestClient, database: Database,
                                            coordinator: dict[str, str]) -> None:
    at(published, "2026-03-02T10:00:00+00:00")
    assert published.put("/api/v1/rules", headers=coordinator,
                         json={"rules": {"preset": "broenderslev"}}).status_code == 200
    decision = published.post("/api/v1/riders/R3/reimbursement", headers=coordinator,
                              json={"year": 2026, "decided_on": "2026-03-02"}).json()
    did = decision["decision_id"]
    r = published.post(f"/api/v1/reimbursement-decisions/{did}/complaints", headers=coordinator,
                       json={"received_on": "2026-03-20", "complainant": "Pårørende",
                             "text": "Vi ønsker godtgørelse til egen bil."})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["status"] == "received"
    assert c["deadlines"] == {"complaint_by": "2026-03-30", "in_time": True,
                              "reassess_by": "2026-04-17", "overdue": False,
                              "forward_to": "Ankestyrelsen"}
    late = published.post(f"/api/v1/reimbursement-decisions/{did}/complaints",
                          headers=coordinator, json={"received_on": "2026-04-15"}).json()
    assert late["deadlines"]["in_time"] is False
    cid = c["complaint_id"]
    assert_problem(published.post(f"/api/v1/complaints/{cid}/status", headers=coordinator,
                                  json={"status": "received"}), 409)
    at(published, "2026-04-20T10:00:00+00:00")
    overdue = published.get(f"/api/v1/complaints?decision_id={did}&status=received",
                            headers=coordinator).json()
    assert {x["complaint_id"] for x in overdue} == {cid, late["complaint_id"]}
    assert next(x for x in overdue if x["complaint_id"] == cid)["deadlines"]["overdue"] is True
    upheld = published.post(f"/api/v1/complaints/{cid}/status", headers=coordinator,
                            json={"status": "upheld", "note": "Afgørelsen fastholdes."})
    assert upheld.status_code == 200 and upheld.json()["outcome_note"]
    fwd = published.post(f"/api/v1/complaints/{cid}/status", headers=coordinator,
                         json={"status": "forwarded", "on": "2026-04-21"}).json()
    assert (fwd["status"], fwd["forwarded_on"], fwd["forwarded_to"]) == (
        "forwarded", "2026-04-21", "Ankestyrelsen")
    assert_problem(published.post(f"/api/v1/complaints/{cid}/status", headers=coordinator,
                                  json={"status": "changed"}), 409)
    staff = auth(add_user(database, "centre", centre_ids=["C2"]))
    assert published.get("/api/v1/complaints", headers=staff).json() == []
    assert_problem(published.post("/api/v1/reimbursement-decisions/999/complaints",
                                  headers=coordinator, json={"received_on": "2026-03-20"}), 404)
