"""Weekly plans and their solve jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from api.db.models import PlanRecord
from api.db.types import utcnow

UNFINISHED = ("queued", "running")


def plan_summary(document: dict[str, Any]) -> dict[str, Any]:
    """What a status answer shows of a plan document."""
    return {"kpis": document.get("kpis", {}), "runs": len(document.get("runs", [])),
            "unserved": len(document.get("unserved", []))}


def add_plan(db: DbSession, *, name: str, params: dict[str, Any], created_by: int) -> PlanRecord:
    row = PlanRecord(name=name, status="queued", progress={"stage": "queued"}, params=params,
                     created_by=created_by, created_at=utcnow(), attempts=0, published=False)
    db.add(row)
    db.flush()
    return row


def get_plan(db: DbSession, plan_id: int) -> PlanRecord | None:
    return db.get(PlanRecord, plan_id)


def list_plans(db: DbSession, *, status: str | None = None, limit: int = 100,
               offset: int = 0) -> list[PlanRecord]:
    query = select(PlanRecord).order_by(PlanRecord.plan_id.desc())
    if status is not None:
        query = query.where(PlanRecord.status == status)
    return list(db.scalars(query.limit(limit).offset(offset)))


def current_published(db: DbSession, *, before_id: int | None = None) -> PlanRecord | None:
    """The most recently published plan (optionally other than ``before_id``)."""
    query = select(PlanRecord).where(PlanRecord.published.is_(True))
    if before_id is not None:
        query = query.where(PlanRecord.plan_id != before_id)
    query = query.order_by(PlanRecord.published_at.desc(), PlanRecord.plan_id.desc()).limit(1)
    return db.scalars(query).first()


@dataclass(frozen=True, slots=True)
class PlanRef:
    """Which plan is in force, without its JSON columns (read on every manifest request)."""

    plan_id: int
    status: str
    created_at: datetime
    finished_at: datetime | None


def published_ref(db: DbSession) -> PlanRef | None:
    """:func:`current_published` as a :class:`PlanRef` (one light query, no ORM objects)."""
    row = db.execute(
        select(PlanRecord.plan_id, PlanRecord.status, PlanRecord.created_at,
               PlanRecord.finished_at)
        .where(PlanRecord.published.is_(True))
        .order_by(PlanRecord.published_at.desc(), PlanRecord.plan_id.desc()).limit(1)
    ).first()
    return PlanRef(*row) if row is not None else None


def document(db: DbSession, plan_id: int) -> dict[str, Any] | None:
    """A plan's stored document."""
    doc: dict[str, Any] | None = db.scalar(
        select(PlanRecord.document).where(PlanRecord.plan_id == plan_id))
    return doc


def unfinished(db: DbSession) -> list[PlanRecord]:
    query = select(PlanRecord).where(PlanRecord.status.in_(UNFINISHED))
    return list(db.scalars(query.order_by(PlanRecord.plan_id)))


def claim(db: DbSession, plan_id: int) -> bool:
    """Mark a queued plan running; False if it is not queued (another worker took it)."""
    result = db.execute(
        update(PlanRecord)
        .where(PlanRecord.plan_id == plan_id, PlanRecord.status == "queued")
        .values(status="running", started_at=utcnow(), attempts=PlanRecord.attempts + 1,
                progress={"stage": "starting", "done": 0, "total": 0}, error=None)
    )
    return bool(getattr(result, "rowcount", 0))


def set_progress(db: DbSession, plan_id: int, stage: str, done: int, total: int) -> None:
    db.execute(
        update(PlanRecord)
        .where(PlanRecord.plan_id == plan_id, PlanRecord.status == "running")
        .values(progress={"stage": stage, "done": done, "total": total})
    )


def finish(db: DbSession, plan_id: int, document: dict[str, Any],
           violations: list[dict[str, Any]]) -> None:
    db.execute(
        update(PlanRecord)
        .where(PlanRecord.plan_id == plan_id, PlanRecord.status == "running")
        .values(status="done", document=document, summary=plan_summary(document),
                violations=violations, finished_at=utcnow(),
                progress={"stage": "done", "done": 1, "total": 1})
    )


def fail(db: DbSession, plan_id: int, error: str) -> None:
    db.execute(
        update(PlanRecord)
        .where(PlanRecord.plan_id == plan_id, PlanRecord.status.in_(UNFINISHED))
        .values(status="failed", error=error, finished_at=utcnow(),
                progress={"stage": "failed", "done": 0, "total": 0})
    )


def requeue(db: DbSession, plan_id: int, *, stage: str, undo_attempt: bool = False) -> None:
    values: dict[str, Any] = {"status": "queued", "progress": {"stage": stage}}
    if undo_attempt:
        values["attempts"] = PlanRecord.attempts - 1
    db.execute(update(PlanRecord).where(PlanRecord.plan_id == plan_id,
                                        PlanRecord.status == "running").values(**values))
