"""Complaints (klage) against a decision: the deadlines the municipality's rules set.

A citizen complains within ``klage_weeks`` (4) of the decision to ``klage_to``; the municipality
reassesses (within ``reassessment_weeks`` where the rules state it, Brønderslev 4; otherwise the
general 4 weeks of retssikkerhedsloven § 67) and, if it upholds the decision, forwards the
complaint to ``klage_then`` (Ankestyrelsen). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from routing.municipality.rules import MunicipalityRules

Status = Literal["received", "upheld", "changed", "forwarded"]
STATUSES: tuple[str, ...] = ("received", "upheld", "changed", "forwarded")
NEXT: dict[str, tuple[str, ...]] = {
    "received": ("upheld", "changed", "forwarded"),
    "upheld": ("forwarded",),
    "changed": (),
    "forwarded": (),
}
"""Allowed steps: a complaint is reassessed (upheld or changed); an upheld one is forwarded."""

GENERAL_REASSESSMENT_WEEKS = 4


@dataclass(frozen=True, slots=True)
class Deadlines:
    complaint_by: date
    """Last day the complaint could arrive (decision + klage_weeks)."""
    in_time: bool
    reassess_by: date
    """The municipality's reassessment is due."""
    overdue: bool
    """Still not reassessed after ``reassess_by``."""
    forward_to: str

    def to_dict(self) -> dict[str, Any]:
        return {"complaint_by": self.complaint_by.isoformat(), "in_time": self.in_time,
                "reassess_by": self.reassess_by.isoformat(), "overdue": self.overdue,
                "forward_to": self.forward_to}


def deadlines(decided_on: date, received_on: date, status: str, today: date,
              rules: MunicipalityRules) -> Deadlines:
    """The deadlines of a complaint received on ``received_on`` against a decision of
    ``decided_on``, as of ``today``."""
    complaint_by = decided_on + timedelta(weeks=rules.klage_weeks)
    weeks = rules.reassessment_weeks or GENERAL_REASSESSMENT_WEEKS
    reassess_by = received_on + timedelta(weeks=weeks)
    return Deadlines(complaint_by, received_on <= complaint_by, reassess_by,
                     status == "received" and today > reassess_by, rules.klage_then)


def can_move(current: str, new: str) -> bool:
    return new in NEXT.get(current, ())
