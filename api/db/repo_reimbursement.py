"""Stored reimbursement decisions."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.db.models import ReimbursementRecord, Rider
from api.db.types import utcnow


def add_decision(db: DbSession, *, rider_id: str, plan_id: int | None, warranted: bool,
                 inputs: dict[str, Any], decision: dict[str, Any], created_by: int,
                 supersedes_id: int | None = None) -> ReimbursementRecord:
    row = ReimbursementRecord(rider_id=rider_id, plan_id=plan_id, warranted=warranted,
                              inputs=inputs, decision=decision, created_by=created_by,
                              created_at=utcnow(), supersedes_id=supersedes_id)
    db.add(row)
    db.flush()
    return row


def get_decision(db: DbSession, decision_id: int) -> ReimbursementRecord | None:
    return db.get(ReimbursementRecord, decision_id)


def list_decisions(db: DbSession, *, rider_id: str | None = None,
                   centre_ids: Collection[str] | None = None, limit: int = 100,
                   offset: int = 0) -> list[ReimbursementRecord]:
    query = select(ReimbursementRecord)
    if centre_ids is not None:
        query = query.join(Rider, Rider.rider_id == ReimbursementRecord.rider_id).where(
            Rider.centre_id.in_(list(centre_ids)))
    if rider_id is not None:
        query = query.where(ReimbursementRecord.rider_id == rider_id)
    query = query.order_by(ReimbursementRecord.decision_id.desc()).limit(limit).offset(offset)
    return list(db.scalars(query))
