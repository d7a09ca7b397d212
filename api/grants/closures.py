"""Closures every year (``MM-DD``, ``Www``; ``*`` = all centres) and the scenario-wide closures
import: the same ``closures.csv`` as in the scenario format."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.db import models as m
from api.db import repo, repo_centres
from api.db.types import utcnow
from api.errors import NotFoundError, UnprocessableError
from routing.operations import calendar as cal

log = logging.getLogger(__name__)


def add_recurring(db: DbSession, user_id: int | None, closure: cal.RecurringClosure
                  ) -> tuple[m.RecurringClosure, bool]:
    """Store a closure every year; the same one again returns the stored row (idempotent)."""
    existing = db.scalars(select(m.RecurringClosure).where(
        m.RecurringClosure.centre_id == closure.centre_id,
        m.RecurringClosure.start == closure.start,
        m.RecurringClosure.end == closure.end)).first()
    if existing is not None:
        return existing, False
    row = m.RecurringClosure(centre_id=closure.centre_id, start=closure.start, end=closure.end,
                             reason=closure.reason, created_by=user_id,
                             created_at=utcnow())
    db.add(row)
    db.flush()
    repo.audit(db, user_id, "create", "recurring_closure", str(row.closure_id),
               {"centre_id": closure.centre_id, "start": closure.start, "end": closure.end,
                "reason": closure.reason})
    return row, True


def recurring_closures(db: DbSession, centre_ids: list[str] | None = None
                       ) -> list[cal.RecurringClosure]:
    query = select(m.RecurringClosure).order_by(m.RecurringClosure.closure_id)
    if centre_ids is not None:
        query = query.where(m.RecurringClosure.centre_id.in_([*centre_ids, cal.ALL_CENTRES]))
    return [cal.RecurringClosure(r.centre_id, r.start, r.end, r.reason)
            for r in db.scalars(query)]


def list_recurring(db: DbSession, who: Principal) -> list[m.RecurringClosure]:
    who.require("coordinator", "centre")
    rows = db.scalars(select(m.RecurringClosure).order_by(m.RecurringClosure.closure_id))
    return [r for r in rows if r.centre_id == cal.ALL_CENTRES or who.sees_centre(r.centre_id)]


def delete_recurring(db: DbSession, who: Principal, closure_id: int) -> None:
    who.require("coordinator")
    row = db.get(m.RecurringClosure, closure_id)
    if row is None:
        raise NotFoundError("recurring closure", closure_id)
    db.delete(row)
    repo.audit(db, who.user_id, "delete", "recurring_closure", str(closure_id),
               {"centre_id": row.centre_id, "start": row.start, "end": row.end})


def _add_once(db: DbSession, user_id: int | None, centre_id: str, closure: cal.Closure) -> bool:
    if repo_centres.find_closure(db, centre_id, closure.start, closure.end) is not None:
        return False
    row = m.Closure(centre_id=centre_id, start_date=closure.start, end_date=closure.end,
                    reason=closure.reason, created_by=user_id, created_at=utcnow())
    db.add(row)
    db.flush()
    repo.audit(db, user_id, "create", "closure", str(row.closure_id),
               {"centre_id": centre_id, "start": closure.start.isoformat(),
                "end": closure.end.isoformat(), "reason": closure.reason})
    return True


def store_closures(db: DbSession, user_id: int | None,
                   closures: tuple[cal.AnyClosure, ...], centre_ids: list[str]
                   ) -> tuple[int, int]:
    """Store parsed closures: once (``*`` = one row per centre) and every year; those already
    stored are kept. Returns ``(in the file, new)``."""
    created = 0
    for closure in closures:
        if isinstance(closure, cal.RecurringClosure):
            created += add_recurring(db, user_id, closure)[1]
            continue
        targets = centre_ids if closure.centre_id == cal.ALL_CENTRES else [closure.centre_id]
        for centre_id in targets:
            created += _add_once(db, user_id, centre_id, closure)
    return len(closures), created


def import_all(db: DbSession, who: Principal, filename: str, content: bytes) -> tuple[int, int]:
    """``POST /closures/import``: a whole closures.csv (all centres, ``*``, once or every
    year); all or nothing."""
    who.require("coordinator")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnprocessableError(f"{filename}: not UTF-8 text") from exc
    centre_ids = [c.centre_id for c in repo_centres.list_centres(db)]
    closures = cal.parse_closures_csv(text, file=filename, centre_ids=set(centre_ids))
    total, created = store_closures(db, who.user_id, closures, centre_ids)
    log.info("imported %d closure(s) (%d new) from %s", total, created, filename)
    return total, created
