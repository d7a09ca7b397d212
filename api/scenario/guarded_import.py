"""An import that would outdate published runs, handled like a guarded edit (issue 14: "no
ordinary edit can stop a driver's morning").

A rider whose home, centre, sessions or needs the upload changes, or whom a ``replace``
upload leaves out, while runs of a published plan (in force today or later) carry them, is
*held back* by default: their planning fields (and address) stay as stored, and a removed
rider is kept; everything else is imported. With ``through_living_plan`` the import is stored
in full and the plan in force follows through the living plan, as the rider PUT with
``?through_living_plan=true`` and ``POST /plans/{id}/change`` do: removed riders are taken out,
changed riders changed (remove + insert, nobody else's time moves beyond the living plan's
limit), and the last version is published at once, so drivers and their manifests follow the
new data. A rider the living plan cannot place on all their trips (or a version that would
break a rule) fails the whole import: it raises, and the caller's transaction stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import AppContext
from api.db import convert, repo_plans, repo_riders
from api.db import models as m
from api.errors import ApiError, ConflictError
from api.plans import living
from api.plans.schemas import InsertRequest, RemoveRequest
from api.plans.service import finished_plan, publish_plan
from api.riders.isolation import broken_runs_out, plans_driving
from api.scenario.schemas import ImportResult
from api.scenario.service import Mode, UnpackLimits, import_scenario
from routing.living.edits import RIDER_PLANNING_FIELDS, rider_edit_breaks
from routing.model import Rider, Scenario

log = logging.getLogger(__name__)

HELD_FIELDS = (*RIDER_PLANNING_FIELDS, "address")
"""What is held back of a changed rider: the fields the runs were planned on, and the address
that goes with the home's point (name, phone numbers and notes are imported)."""


@dataclass(frozen=True)
class RiderBreak:
    """A stored rider whose change in the upload would break runs of a published plan."""

    rider_id: str
    name: str
    removed: bool
    """The upload leaves the rider out (``replace``); else it changes them."""
    fields: tuple[str, ...]
    """The planning fields that change (empty when removed)."""
    runs: tuple[dict[str, Any], ...]
    """The runs, as in a 409's ``runs`` (with ``plan_id``)."""


@dataclass(frozen=True)
class GuardedImport:
    result: ImportResult
    held: tuple[RiderBreak, ...]
    """Riders held back (empty with ``through_living_plan``)."""
    followed: tuple[RiderBreak, ...]
    """Riders the plan in force followed through the living plan."""
    plan_id: int | None
    """The published new version of the plan in force (None: none was needed)."""


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-7
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    return a == b


def changed_fields(old: Rider, new: Rider) -> tuple[str, ...]:
    return tuple(k for k in RIDER_PLANNING_FIELDS
                 if not _same(getattr(old, k), getattr(new, k)))


def rider_breaks(db: DbSession, context: AppContext, uploaded: Scenario,
                 mode: Mode) -> list[RiderBreak]:
    """The stored riders the upload changes or (``replace``) removes while runs of a plan
    drivers follow from today on carry them; compared with the stored rows (not the riders
    with their grants applied), as the import writes them."""
    driving = plans_driving(db, context.today())
    if not driving:
        return []
    new = {r.rider_id: r for r in uploaded.riders}
    out: list[RiderBreak] = []
    for row in repo_riders.list_riders(db):
        if row.erased_at is not None:
            continue
        removed = row.rider_id not in new
        if removed and mode != "replace":
            continue
        fields = () if removed else changed_fields(convert.rider_model(row), new[row.rider_id])
        if not removed and not fields:
            continue
        runs = [{**run, "plan_id": plan_id} for plan_id, plan in driving
                for run in broken_runs_out(rider_edit_breaks(plan, row.rider_id))]
        if runs:
            out.append(RiderBreak(row.rider_id, row.name, removed, fields, tuple(runs)))
    return sorted(out, key=lambda b: b.name.casefold())


def hold_back(db: DbSession, uploaded: Scenario, held: list[RiderBreak]) -> Scenario:
    """The upload without the held riders' run-breaking changes: a changed rider keeps their
    stored planning fields and address, a removed rider is kept as stored. 409 when a held
    rider's stored centre or sessions are not in a ``replace`` upload (the rider cannot stay
    as they are)."""
    if not held:
        return uploaded
    rows = {r.rider_id: r for r in repo_riders.list_riders(db)}
    stored = {b.rider_id: convert.rider_model(rows[b.rider_id]) for b in held}
    riders: list[Rider] = []
    for r in uploaded.riders:
        old = stored.pop(r.rider_id, None)
        riders.append(r if old is None else replace(
            r, **{k: getattr(old, k) for k in HELD_FIELDS}))
    riders += stored.values()  # the removed ones, kept
    centres = {c.centre_id for c in uploaded.centres} | {
        row.centre_id for row in rows.values()}
    sessions = {s.session_id for s in uploaded.sessions}
    kept_ids = {b.rider_id for b in held}
    stranded = [r.rider_id for r in riders if r.rider_id in kept_ids and (
        r.centre_id not in centres or not set(r.session_ids) <= sessions)]
    if stranded:
        raise ConflictError(
            f"rider(s) {', '.join(stranded)} cannot be held back: the upload removes their "
            "centre or sessions; import through the living plan or correct the files",
            rider_ids=stranded)
    return replace(uploaded, riders=tuple(riders))


def import_guarded(
    db: DbSession, who: Principal, context: AppContext, uploads: list[tuple[str, bytes]],
    mode: Mode, limits: UnpackLimits | None, network_dir: Path | None,
    through_living_plan: bool,
) -> GuardedImport:
    """Store the upload, holding back the riders whose change would break published runs, or
    (``through_living_plan``) storing it all and changing the plan in force today to match
    (a plan published to take effect later is not changed: re-plan it before it starts)."""
    found: list[RiderBreak] = []

    def guard(scenario: Scenario) -> Scenario:
        found.extend(rider_breaks(db, context, scenario, mode))
        return scenario if through_living_plan else hold_back(db, scenario, found)

    if not through_living_plan:
        result = import_scenario(db, who, uploads, mode, limits, network_dir, adjust=guard)
        return GuardedImport(result, tuple(found), (), None)
    # Removed riders leave the plan while still stored (the living plan would otherwise find
    # a plan naming several riders no longer stored); changed ones after the import, so the
    # living plan sees their new home, centre, sessions and needs.
    ref = repo_plans.published_ref(db, context.today())
    plan_id = ref.plan_id if ref is not None else None

    def follow_removed(scenario: Scenario) -> Scenario:
        nonlocal plan_id
        guard(scenario)
        for b in found:
            if b.removed and plan_id is not None and _carries(db, plan_id, b.rider_id):
                with _naming(b):
                    plan_id = living.remove(db, who, context, plan_id, RemoveRequest(
                        rider_id=b.rider_id, name=f"Import: {b.name} fjernet")).plan_id
        return scenario

    result = import_scenario(db, who, uploads, mode, limits, network_dir,
                             adjust=follow_removed)
    for b in found:
        if not b.removed and plan_id is not None and _carries(db, plan_id, b.rider_id):
            with _naming(b):
                answer = living.change(db, who, context, plan_id, InsertRequest(
                    rider_id=b.rider_id, name=f"Import: {b.name} ændret"))
                chosen = answer.options[answer.chosen - 1] if answer.options and answer.chosen \
                    else None
                if chosen is not None and chosen.unplaced:
                    # The rider would lose trips: an import does not decide that on its own
                    # (the living plan page shows the options for this one rider).
                    raise ConflictError(
                        f"rider {b.rider_id}: {len(chosen.unplaced)} trip(s) would be left "
                        "unserved", id=b.rider_id)
                plan_id = answer.plan_id
    new_id = plan_id if ref is not None and plan_id != ref.plan_id else None
    if new_id is not None:
        # In force from today (the service's clock); past days keep the plan they had. The
        # living plan refused any version breaking a rule the source did not break.
        publish_plan(db, who, new_id, force=True, today=context.today())
        log.info("import through the living plan: plan %s replaces plan %s in force",
                 new_id, ref.plan_id if ref else None)
    return GuardedImport(result, (), tuple(found), new_id)


@contextmanager
def _naming(b: RiderBreak) -> Iterator[None]:
    """A living-plan refusal (409/404/422) with the rider it was about."""
    try:
        yield
    except ApiError as exc:
        raise ConflictError(f"the living plan cannot follow the import for rider "
                            f"{b.rider_id}: {exc.detail}", id=b.rider_id,
                            rider_name=b.name) from exc


def _carries(db: DbSession, plan_id: int, rider_id: str) -> bool:
    row = db.get(m.PlanRecord, plan_id)
    return row is not None and any(rider_id in run.rider_ids
                                   for run in finished_plan(row).runs)
