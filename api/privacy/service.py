"""Erasure of a rider's personal data, and retention: purging what is older than its period.

**Erasure** pseudonymises instead of deleting where a row carries counts (afbud, no-shows,
decisions): ids, dates and amounts stay, so statistics keep adding up, while names, addresses,
home coordinates, notes, assessments, afbud reasons and decision letters go. The rider's row
stays as a marked, pseudonymised record (``erased_at``) that is planned no more; a rider the
plan in force carries is first taken out of it through the living plan (nobody else moves).
Already deleted riders can be erased too: what remains of them (audit entries, plans' findings)
is scrubbed.

**Retention** (``SAMKORSEL_RETENTION_*``, days; 0 keeps forever): ended afbud and no-shows,
audit entries, and unpublished plan drafts older than their period are deleted by
:func:`purge`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import models as m
from api.db import repo, repo_riders
from api.db.types import utcnow
from api.errors import NotFoundError
from api.riders.isolation import remove_from_plan_in_force

log = logging.getLogger(__name__)

PSEUDONYM = "Slettet borger"
"""The name an erased rider is shown with (Danish: lists and letters are read by staff)."""
ERASED_TEXT = "(slettet)"


@dataclasses.dataclass(frozen=True, slots=True)
class ErasureReport:
    rider_id: str
    rider: bool
    """The rider's row was pseudonymised (False: it was already deleted or erased)."""
    plan_id: int | None
    """The new plan version in force without the rider, when the plan in force carried them."""
    absences: int
    no_shows: int
    decisions: int
    audit_entries: int
    plans: int


def _scrub_text(value: Any, names: set[str]) -> Any:
    """``value`` (JSON) with every occurrence of the names replaced."""
    if not names:
        return value
    text = json.dumps(value, ensure_ascii=False)
    scrubbed = text
    for name in names:
        scrubbed = scrubbed.replace(json.dumps(name, ensure_ascii=False)[1:-1], ERASED_TEXT)
    return value if scrubbed == text else json.loads(scrubbed)


def _scrub_decision(decision: dict[str, Any]) -> dict[str, Any]:
    """A reimbursement decision without its letter and free text: amounts and outcome stay."""
    kept = {k: v for k, v in decision.items()
            if isinstance(v, bool | int | float) and not isinstance(v, str)}
    return {**kept, "erased": True}


def erase_rider(db: DbSession, who: Principal, context: AppContext,
                rider_id: str) -> ErasureReport:
    """Remove or pseudonymise a rider's personal data everywhere (see the module docstring).

    404 when nothing at all is known of the id. Idempotent: erasing again changes nothing
    more.
    """
    who.require("coordinator")
    rider = db.get(m.Rider, rider_id)
    absences = list(db.scalars(select(m.Absence).where(m.Absence.rider_id == rider_id)))
    no_shows = list(db.scalars(select(m.NoShow).where(m.NoShow.rider_id == rider_id)))
    decisions = list(db.scalars(select(m.ReimbursementRecord)
                                .where(m.ReimbursementRecord.rider_id == rider_id)))
    entries = list(db.scalars(select(m.AuditEntry).where(
        m.AuditEntry.entity.in_(sorted(repo.PERSONAL_ENTITIES)))))
    entries = [e for e in entries if e.entity_id == rider_id
               or (isinstance(e.change, dict) and e.change.get("rider_id") == rider_id)]
    # A deleted rider's archive (name and home, for past manifests) goes with the erasure.
    archived = repo_riders.forget_archived_rider(db, rider_id)
    if rider is None and not (absences or no_shows or decisions or entries or archived):
        raise NotFoundError("rider", rider_id)

    names: set[str] = set()
    plan_id = None
    pseudonymised = False
    if rider is not None and rider.erased_at is None:
        names = {n for n in (rider.name, rider.address) if n and len(n) >= 3}
        rider.erased_at = utcnow()
        db.flush()
        # Out of the plan in force first (the scenario no longer holds an erased rider).

        plan_id = remove_from_plan_in_force(db, who, context, rider_id)
        centre = db.get(m.Centre, rider.centre_id)
        rider.name = PSEUDONYM
        rider.address = ""
        rider.notes = ""
        rider.centre_assessment = None
        # The home is personal: the centre's place keeps the row valid.
        if centre is not None:
            rider.lat, rider.lon = centre.lat, centre.lon
        rider.wheelchair = rider.escort = False
        rider.can_travel_alone = rider.has_driver = False
        rider.max_ride_s = rider.boarding_s = None
        rider.detour_factor = None
        rider.updated_at = utcnow()
        pseudonymised = True
    for a in absences:
        a.reason = ""
    for n in no_shows:
        n.note = ""
    for d in decisions:
        d.inputs = {"erased": True}
        d.decision = _scrub_decision(dict(d.decision or {}))
    for e in entries:
        e.change = repo.audit_change(e.entity, dict(e.change or {}))
    plans = 0
    if names:
        # Plans' stored findings and errors may quote a rider's name.
        for row in db.scalars(select(m.PlanRecord)):
            changed = False
            for column in ("violations", "error", "summary"):
                value = getattr(row, column)
                if value is None:
                    continue
                new = _scrub_text(value, names)
                if new is not value and new != value:
                    setattr(row, column, new)
                    changed = True
            plans += changed
    report = ErasureReport(rider_id=rider_id, rider=pseudonymised, plan_id=plan_id,
                           absences=len(absences), no_shows=len(no_shows),
                           decisions=len(decisions), audit_entries=len(entries), plans=plans)
    repo.audit(db, who.user_id, "erase", "rider", rider_id,
               {"counts": {k: v for k, v in dataclasses.asdict(report).items()
                           if isinstance(v, int) and not isinstance(v, bool)}})
    log.info("rider %s erased: %d afbud, %d no-shows, %d decisions, %d audit entries",
             rider_id, len(absences), len(no_shows), len(decisions), len(entries))
    return report


# --------------------------------------------------------------------------------------------
# Retention


def _deleted(db: DbSession, statement: Any) -> int:
    result = db.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


@dataclasses.dataclass(frozen=True, slots=True)
class PurgeReport:
    absences: int
    no_shows: int
    audit_entries: int
    plan_drafts: int


def purge(db: DbSession, who: Principal, context: AppContext,
          now: datetime | None = None) -> PurgeReport:
    """Delete what is older than its retention period (``SAMKORSEL_RETENTION_*``)."""
    who.require("coordinator")
    settings = context.settings
    now = now or utcnow()
    today = now.date()
    counts = {"absences": 0, "no_shows": 0, "audit_entries": 0, "plan_drafts": 0}
    if settings.retention_absence_days:
        cutoff = today - timedelta(days=settings.retention_absence_days)
        counts["absences"] = _deleted(db, delete(m.Absence).where(
            m.Absence.end_date.is_not(None), m.Absence.end_date < cutoff))
        counts["no_shows"] = _deleted(db, delete(m.NoShow).where(
            m.NoShow.date < cutoff))
    if settings.retention_plan_draft_days:
        cutoff_at = now - timedelta(days=settings.retention_plan_draft_days)
        counts["plan_drafts"] = _deleted(db, delete(m.PlanRecord).where(
            m.PlanRecord.published.is_(False), m.PlanRecord.status.in_(("done", "failed")),
            or_(m.PlanRecord.finished_at < cutoff_at,
                m.PlanRecord.finished_at.is_(None) & (m.PlanRecord.created_at < cutoff_at))
        ))
    if settings.retention_audit_days:
        cutoff_at = now - timedelta(days=settings.retention_audit_days)
        counts["audit_entries"] = _deleted(db, delete(m.AuditEntry).where(
            m.AuditEntry.at < cutoff_at))
    repo.audit(db, who.user_id, "purge", "retention", today.isoformat(), counts)
    log.info("retention purge: %s", counts)
    return PurgeReport(**counts)
