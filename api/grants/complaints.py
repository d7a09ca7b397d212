"""Complaints (klage) against reimbursement decisions: recorded with their date, the deadlines
for reassessment shown, and forwarded to Ankestyrelsen when the decision is upheld."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import models as m
from api.db import repo
from api.db.types import utcnow
from api.errors import ConflictError, NotFoundError
from api.grants.rules_store import municipal_rules
from api.grants.schemas import ComplaintIn, ComplaintOut, ComplaintUpdateIn
from api.reimbursement.service import visible_decision
from api.riders.service import visible_rider
from routing.municipality.klage import can_move, deadlines


def _decided_on(decision: m.ReimbursementRecord) -> date:
    text = (decision.inputs or {}).get("decided_on")
    return date.fromisoformat(text) if text else decision.created_at.date()


def out(db: DbSession, context: AppContext, row: m.Complaint) -> ComplaintOut:
    decision = db.get(m.ReimbursementRecord, row.decision_id)
    decided = _decided_on(decision) if decision is not None else row.received_on
    found: dict[str, Any] = deadlines(decided, row.received_on, row.status, context.today(),
                                      municipal_rules(db)).to_dict()
    return ComplaintOut.of(row, found)


def create(db: DbSession, who: Principal, context: AppContext, decision_id: int,
           data: ComplaintIn) -> m.Complaint:
    who.require("coordinator")
    decision = visible_decision(db, who, decision_id)
    rules = municipal_rules(db)
    found = deadlines(_decided_on(decision), data.received_on, "received", context.today(),
                      rules)
    row = m.Complaint(decision_id=decision_id, rider_id=decision.rider_id,
                      received_on=data.received_on, complainant=data.complainant,
                      text=data.text, status="received", reassess_by=found.reassess_by,
                      outcome_note="", forwarded_on=None, forwarded_to="",
                      created_by=who.user_id, created_at=utcnow(), updated_at=utcnow())
    db.add(row)
    db.flush()
    repo.audit(db, who.user_id, "create", "complaint", str(row.complaint_id),
               {"decision_id": decision_id, "received_on": data.received_on.isoformat(),
                "in_time": found.in_time})
    return row


def visible(db: DbSession, who: Principal, complaint_id: int) -> m.Complaint:
    row = db.get(m.Complaint, complaint_id)
    if row is None:
        raise NotFoundError("complaint", complaint_id)
    try:
        visible_rider(db, who, row.rider_id)
    except NotFoundError:
        raise NotFoundError("complaint", complaint_id) from None
    return row


def list_for(db: DbSession, who: Principal, decision_id: int | None = None,
             status: str | None = None) -> list[m.Complaint]:
    who.require("coordinator", "centre")
    if decision_id is not None:
        visible_decision(db, who, decision_id)
    query = select(m.Complaint).order_by(m.Complaint.complaint_id.desc())
    if decision_id is not None:
        query = query.where(m.Complaint.decision_id == decision_id)
    if status is not None:
        query = query.where(m.Complaint.status == status)
    rows = list(db.scalars(query))
    if who.role == "coordinator":
        return rows
    return [r for r in rows if _sees(db, who, r.rider_id)]


def _sees(db: DbSession, who: Principal, rider_id: str) -> bool:
    try:
        visible_rider(db, who, rider_id)
    except NotFoundError:
        return False
    return True


def update(db: DbSession, who: Principal, context: AppContext, complaint_id: int,
           data: ComplaintUpdateIn) -> m.Complaint:
    """Reassessed (upheld or changed) or forwarded; 409 for a step out of order."""
    who.require("coordinator")
    row = visible(db, who, complaint_id)
    if not can_move(row.status, data.status):
        raise ConflictError(f"complaint {complaint_id} is {row.status}; it cannot become "
                            f"{data.status}", id=str(complaint_id))
    before = row.status
    row.status = data.status
    if data.note:
        row.outcome_note = data.note
    if data.status == "forwarded":
        row.forwarded_on = data.on or context.today()
        row.forwarded_to = municipal_rules(db).klage_then
    row.updated_at = utcnow()
    repo.audit(db, who.user_id, "update", "complaint", str(complaint_id),
               {"before": before, "after": data.status})
    return row
