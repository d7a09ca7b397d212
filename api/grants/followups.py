"""Long absences to follow up (Randers' duty), ongoing or ended, until the centre records that it
has contacted the authority ("kontaktet Socialområdet": who, when)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.centres.service import visible_centre
from api.db import convert, repo, repo_absences, repo_riders
from api.db import models as m
from api.db.types import utcnow
from api.grants.rules_store import municipal_rules
from api.grants.schemas import FollowUpIn
from api.riders.service import visible_rider
from routing.municipality.rules import MunicipalityRules
from routing.operations.followup import FollowUp, follow_ups

LOOKBACK_DAYS = 365
"""Ended absences are listed until acknowledged, for at most this long after their end."""


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    rider_id: str
    centre_id: str
    name: str
    follow_up: FollowUp
    acknowledged: m.AbsenceFollowUp | None


def followup_rows(db: DbSession, who: Principal, on: date, centre_id: str | None = None,
                  include_acknowledged: bool = False,
                  default: MunicipalityRules | None = None) -> list[FollowUpRow]:
    """The long absences the caller may see as of ``on`` (threshold from the rules, else from
    ``default``: the service's settings)."""
    who.require("coordinator", "centre")
    if centre_id is not None:
        visible_centre(db, who, centre_id)
        scope: list[str] | None = [centre_id]
    else:
        scope = None if who.role == "coordinator" else sorted(who.centre_ids)
    rows = repo_absences.list_absences(
        db, centre_ids=scope, overlapping=(on - timedelta(days=LOOKBACK_DAYS + 400), on))
    acks = {(a.rider_id, a.absence_start): a for a in db.scalars(select(m.AbsenceFollowUp))}
    rules = municipal_rules(db, default)
    found = follow_ups([convert.absence_model(r) for r in rows], on, rules.long_absence_days,
                       acknowledged=() if include_acknowledged else set(acks),
                       lookback_days=LOOKBACK_DAYS)
    riders = repo_riders.riders_by_id(db, {f.rider_id for f in found})
    return [FollowUpRow(f.rider_id, riders[f.rider_id].centre_id, riders[f.rider_id].name, f,
                        acks.get((f.rider_id, f.start)))
            for f in found if f.rider_id in riders and who.sees_centre(
                riders[f.rider_id].centre_id)]


def acknowledge(db: DbSession, who: Principal, data: FollowUpIn) -> tuple[m.AbsenceFollowUp, bool]:
    """Record that the centre contacted the authority about the absence starting
    ``absence_start``; the same acknowledgement again returns the stored one."""
    who.require("coordinator", "centre")
    visible_rider(db, who, data.rider_id)
    existing = db.scalars(select(m.AbsenceFollowUp).where(
        m.AbsenceFollowUp.rider_id == data.rider_id,
        m.AbsenceFollowUp.absence_start == data.absence_start)).first()
    if existing is not None:
        return existing, False
    row = m.AbsenceFollowUp(rider_id=data.rider_id, absence_start=data.absence_start,
                            contacted_by=data.contacted_by.strip(),
                            contacted_on=data.contacted_on, note=data.note,
                            created_by=who.user_id, created_at=utcnow())
    db.add(row)
    db.flush()
    repo.audit(db, who.user_id, "create", "absence_followup", str(row.followup_id),
               {"rider_id": data.rider_id, "absence_start": data.absence_start.isoformat(),
                "contacted_by": row.contacted_by,
                "contacted_on": data.contacted_on.isoformat()})
    return row, True
