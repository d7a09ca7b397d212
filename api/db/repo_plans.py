"""Weekly plans and their solve jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
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


def published_ref(db: DbSession, on_date: date | None = None) -> PlanRef | None:
    """The plan in force on ``on_date`` (one light query, no ORM objects); None: none published.

    That is the published plan with the latest effective date ("gældende fra") on or before the
    day, the most recently published among equals; a plan without a date (published before
    effective dates existed) counts as in force from the start. Days before every effective
    date get the first plan that took effect. Without ``on_date``: the latest published plan.
    """
    columns = (PlanRecord.plan_id, PlanRecord.status, PlanRecord.created_at,
               PlanRecord.finished_at)
    newest = (PlanRecord.published_at.desc(), PlanRecord.plan_id.desc())
    published = select(*columns).where(PlanRecord.published.is_(True))
    if on_date is None:
        row = db.execute(published.order_by(*newest).limit(1)).first()
        return PlanRef(*row) if row is not None else None
    start = func.coalesce(PlanRecord.effective_from, _BEGINNING)
    row = db.execute(published.where(start <= on_date)
                     .order_by(start.desc(), *newest).limit(1)).first()
    if row is None:  # before the first effective date
        row = db.execute(published.order_by(start.asc(), *newest).limit(1)).first()
    return PlanRef(*row) if row is not None else None


_BEGINNING = date(1970, 1, 1)


def in_force_from(db: DbSession) -> list[tuple[int, date | None]]:
    """``(plan_id, effective_from)`` of every published plan, latest effective date first."""
    start = func.coalesce(PlanRecord.effective_from, _BEGINNING)
    rows = db.execute(select(PlanRecord.plan_id, PlanRecord.effective_from)
                      .where(PlanRecord.published.is_(True))
                      .order_by(start.desc(), PlanRecord.published_at.desc(),
                                PlanRecord.plan_id.desc()))
    return [(int(r[0]), r[1]) for r in rows]


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
