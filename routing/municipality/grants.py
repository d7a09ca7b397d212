"""What each rider is granted (bevilling) and what that means for the plan.

A grant says which transport a rider has to the centre — the shared ride, reimbursement instead,
or none — from and to which date, decided by whom and when, the means granted (stated in the § 141
plan in Brønderslev) and when it is reviewed. Only riders with a shared-ride grant in force are
planned and driven (:meth:`routing.model.Rider.rides_on`); a new grant must start within the
municipality's start promise (Brønderslev: "senest 14 dage" after the grant).

Pure: the API stores grants, the scenario format carries the one in force per rider
(``riders.csv`` columns ``grant``, ``grant_from``, ``grant_to``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from routing.model import GRANT_KINDS, GrantKind, Plan, Rider, Scenario


class GrantError(ValueError):
    """A grant is inconsistent (names the rider and the field)."""


@dataclass(frozen=True, slots=True)
class Grant:
    """One decision on a rider's transport to the centre."""

    rider_id: str
    kind: GrantKind
    start: date
    end: date | None
    decided_by: str
    decided_on: date
    means: str = ""
    """The means granted, e.g. ``samkørsel``, ``public_transport``, ``own_car``."""
    review_on: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in GRANT_KINDS:
            raise GrantError(f"rider {self.rider_id}: kind {self.kind!r} is not one of "
                             f"{', '.join(GRANT_KINDS)}")
        if self.end is not None and self.end < self.start:
            raise GrantError(f"rider {self.rider_id}: end {self.end} is before start "
                             f"{self.start}")
        if not self.decided_by.strip():
            raise GrantError(f"rider {self.rider_id}: decided_by is empty (who decided?)")

    def in_force(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, start: date, end: date | None) -> bool:
        """Whether the grant shares a day with the period ``start`` … ``end`` (None: open)."""
        return (end is None or self.start <= end) and (self.end is None or start <= self.end)

    def to_dict(self) -> dict[str, Any]:
        return {"rider_id": self.rider_id, "kind": self.kind, "start": self.start.isoformat(),
                "end": self.end.isoformat() if self.end else None,
                "decided_by": self.decided_by, "decided_on": self.decided_on.isoformat(),
                "means": self.means,
                "review_on": self.review_on.isoformat() if self.review_on else None}


def in_force(grants: Iterable[Grant], rider_id: str, day: date) -> Grant | None:
    """The rider's grant in force on ``day`` (the latest start wins: a later decision replaces
    an earlier one from its start)."""
    found = [g for g in grants if g.rider_id == rider_id and g.in_force(day)]
    return max(found, key=lambda g: (g.start, g.decided_on), default=None)


def rider_fields(grants: Sequence[Grant]) -> dict[str, Any]:
    """``grant``, ``grant_from``, ``grant_to`` of a :class:`Rider` from the rider's grants.

    The rider carries one shared-ride interval: that of the latest shared-ride grant (without
    one: since always, as before grants were recorded), cut short by any later grant of another
    kind (a reimbursement from 1 March ends the shared ride on 28 February). No grants: empty
    (the defaults).
    """
    if not grants:
        return {}
    shared = [g for g in grants if g.kind == "shared_ride"]
    # Before any recorded grant the rider rode as before (data from before grants).
    current_start = max((g.start for g in shared), default=None)
    end = (max(shared, key=lambda g: (g.start, g.decided_on)).end if shared else None)
    for g in grants:
        if g.kind != "shared_ride" and (current_start is None or g.start > current_start):
            cut = g.start - timedelta(days=1)
            end = cut if end is None else min(end, cut)
    if current_start is not None and end is not None and end < current_start:
        return {"grant": "none", "grant_from": None, "grant_to": None}
    return {"grant": "shared_ride", "grant_from": current_start, "grant_to": end}


def rider_fields_on(grants: Sequence[Grant], day: date) -> dict[str, Any]:
    """The grant fields of a :class:`Rider` as they stand on ``day`` (for that day's runs).

    :func:`rider_fields` carries one shared-ride period; a rider back on the shared ride after
    reimbursement has two with a break between, and each day must see its own: the grant in
    force on ``day`` decides. Before any recorded grant the rider rode as before, unless the
    first grant is the shared ride (which starts it); a day between grants has none.
    """
    if not grants:
        return {}
    found = in_force(grants, grants[0].rider_id, day)
    if found is not None:
        return {"grant": found.kind, "grant_from": found.start, "grant_to": found.end}
    first = min(grants, key=lambda g: (g.start, g.decided_on))
    if day < first.start and first.kind != "shared_ride":
        return {"grant": "shared_ride", "grant_from": None,
                "grant_to": first.start - timedelta(days=1)}
    return {"grant": "none", "grant_from": None, "grant_to": None}


def with_grants(riders: Sequence[Rider], grants: Mapping[str, Sequence[Grant]],
                day: date | None = None) -> tuple[Rider, ...]:
    """The riders with the grant fields from their recorded ``grants`` (by rider id; riders
    without grants keep theirs): the shared-ride period (:func:`rider_fields`), or with
    ``day`` the grant as it stands that day (:func:`rider_fields_on`, the day's runs)."""

    def fields(own: Sequence[Grant]) -> dict[str, Any]:
        return rider_fields(own) if day is None else rider_fields_on(own, day)

    return tuple(replace(r, **fields(grants[r.rider_id])) if r.rider_id in grants else r
                 for r in riders)


def plannable(rider: Rider, on: date) -> bool:
    """Whether the weekly plan made on ``on`` carries the rider: a shared-ride grant in force
    then or starting later (so that the plan is ready for the start promise); the day's runs
    leave the rider out until the start (:meth:`Rider.rides_on`)."""
    return rider.grant == "shared_ride" and (rider.grant_to is None or on <= rider.grant_to)


def plannable_scenario(scenario: Scenario, on: date) -> Scenario:
    """The scenario with only the riders :func:`plannable` on ``on`` (the planner's input)."""
    riders = tuple(r for r in scenario.riders if plannable(r, on))
    if len(riders) == len(scenario.riders):
        return scenario
    return replace(scenario, riders=riders)


@dataclass(frozen=True, slots=True)
class AwaitingStart:
    """A rider granted the shared ride who is not yet in the plan in force."""

    rider_id: str
    centre_id: str
    granted_from: date | None
    due: date | None
    """The start promise's last day (grant start + promise days)."""
    days_left: int | None
    """Days from ``on`` to ``due`` (negative: the promise is broken)."""

    def to_dict(self) -> dict[str, Any]:
        return {"rider_id": self.rider_id, "centre_id": self.centre_id,
                "granted_from": self.granted_from.isoformat() if self.granted_from else None,
                "due": self.due.isoformat() if self.due else None,
                "days_left": self.days_left}


def awaiting_start(scenario: Scenario, plan: Plan | None, on: date,
                   promise_days: int = 14) -> list[AwaitingStart]:
    """Riders with a shared-ride grant (in force on ``on`` or later) who ride in no run of the
    plan in force, with the days left of the start promise; most urgent first.

    A rider without a start date (data from before grants) has no promise to count.
    """
    planned = {r for run in (plan.runs if plan else ()) for r in run.rider_ids}
    out = []
    for r in scenario.riders:
        if r.rider_id in planned or not plannable(r, on):
            continue
        due = r.grant_from + timedelta(days=promise_days) if r.grant_from else None
        out.append(AwaitingStart(r.rider_id, r.centre_id, r.grant_from, due,
                                 (due - on).days if due else None))
    out.sort(key=lambda a: (a.days_left is None, a.days_left or 0, a.rider_id))
    return out
