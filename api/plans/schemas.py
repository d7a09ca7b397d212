"""Weekly plans over HTTP: solve jobs, status, publication, diffs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from api.db import models as m
from api.schemas import ApiModel, OutModel
from routing.living.notifications import Notification

PlanStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class PlanCreate(ApiModel):
    name: str = Field(default="", max_length=200, examples=["Uge 34"])
    time_limit_s: float | None = Field(
        default=None, gt=0, le=3600,
        description="Solver time budget in seconds (default: the server's; capped by it).")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Planning rules overriding the imported scenario's, by name (e.g. "
        "`max_ride_min`, `rounding_s`, `seed`); see PlanParams.",
        examples=[{"max_ride_min": 75}],
    )


class Progress(OutModel):
    stage: str = ""
    done: int = 0
    total: int = 0


class PlanStatusOut(OutModel):
    plan_id: int
    name: str
    status: PlanStatus
    progress: Progress
    attempts: int
    cancel_requested: bool = Field(default=False, description="A cancellation was asked for; a "
                                   "running job stops at its next wave (`cancelled`).")
    error: str | None
    params: dict[str, Any]
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    published: bool
    published_at: datetime | None
    published_by: int | None
    effective_from: date | None = Field(default=None, description="First day a published "
                                        "plan is in force (gældende fra).")
    kpis: dict[str, Any] | None = None
    runs: int | None = None
    unserved: int | None = None
    violations: int | None = Field(default=None, description="Errors the independent "
                                   "checker found (0 for a valid plan).")

    @classmethod
    def of(cls, row: m.PlanRecord) -> PlanStatusOut:
        summary = row.summary
        errors = None
        if row.violations is not None:
            errors = sum(1 for v in row.violations if v.get("severity") == "error")
        return cls(
            plan_id=row.plan_id, name=row.name, status=row.status,  # type: ignore[arg-type]
            progress=Progress(**(row.progress or {})), attempts=row.attempts, error=row.error,
            cancel_requested=bool(row.cancel_requested),
            params=row.params, created_by=row.created_by, created_at=row.created_at,
            started_at=row.started_at, finished_at=row.finished_at, published=row.published,
            published_at=row.published_at, published_by=row.published_by,
            effective_from=row.effective_from, kpis=summary.get("kpis") if summary else None,
            runs=summary.get("runs") if summary else None,
            unserved=summary.get("unserved") if summary else None,
            violations=errors,
        )


class Violation(OutModel):
    code: str
    message: str
    run_id: str | None = None
    rider_id: str | None = None
    severity: str


class PlanOut(PlanStatusOut):
    document: dict[str, Any] | None = Field(
        default=None, description="The plan, schema samkorsel.plan/1 (when done).")
    violation_list: list[Violation] = Field(default_factory=list)

    @classmethod
    def full(cls, row: m.PlanRecord) -> PlanOut:
        base = PlanStatusOut.of(row).model_dump()
        return cls(**base, document=row.document,
                   violation_list=[Violation(**v) for v in row.violations or []])


class NotificationOut(OutModel):
    recipient_type: str = Field(description="`rider`, `driver` (by vehicle) or `centre`.")
    recipient_id: str
    name: str = ""
    weekday: str
    direction: str
    change: str = Field(description="`time`, `vehicle`, `added`, `removed` (riders, centres); "
                        "`new`, `changed`, `cancelled` (drivers' runs).")
    old_time: str | None
    new_time: str | None
    shift_min: int | None
    old_run_id: str | None
    new_run_id: str | None
    old_vehicle_id: str | None
    new_vehicle_id: str | None
    message: str = Field(description="Danish text ready to send.")

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls.model_validate(n.to_dict())


class PickupChangeOut(OutModel):
    rider_id: str
    weekday: str
    direction: str
    old_pickup: str | None
    new_pickup: str | None
    delta_s: int | None
    old_vehicle_id: str | None
    new_vehicle_id: str | None


class PlanDiffOut(OutModel):
    from_plan_id: int
    to_plan_id: int
    riders: list[str] = Field(description="Riders to notify (any trip changed).")
    changes: list[PickupChangeOut]
    notifications: list[NotificationOut] = Field(
        default_factory=list, description="Riders, drivers and centres to notify, old → new, "
        "with Danish texts (also as CSV: `/plans/{id}/notifications.csv`).")


class MarginalCostOut(OutModel):
    rider_id: str
    plan_cost_ore: int
    without_rider_ore: int
    per_week_ore: int
    per_trip_ore: int
    served_trips: int
    fixed_saved_ore: int
    vehicle_days_saved: list[list[str]]
    trips: list[dict[str, Any]]
    unserved: list[dict[str, Any]]


# ---- A living plan (issue 8): insert, remove, change, reoptimise, notifications ----------


class InsertRequest(ApiModel):
    rider_id: str = Field(min_length=1, max_length=64)
    choose: int | None = Field(default=None, ge=1, le=20,
                               description="Option to apply (1 = best, the default).")
    max_shift_min: int = Field(default=20, ge=0, le=120, description="When no insertion keeps "
                               "every agreed time, others' times may move by at most this.")
    dry_run: bool = Field(default=False, description="Only list the options; no new plan.")
    name: str = Field(default="", max_length=200, description="Name of the new plan version.")


class RemoveRequest(ApiModel):
    rider_id: str = Field(min_length=1, max_length=64)
    weekdays: list[str] | None = Field(default=None, max_length=5,
                                       description="Only these weekdays (default: all).")
    dry_run: bool = False
    name: str = Field(default="", max_length=200)


class ReoptimiseRequest(ApiModel):
    max_moved: int = Field(ge=0, le=10_000, description="At most this many riders' agreed "
                           "times may change.")
    max_shift_min: int = Field(ge=0, le=120, description="… each by at most this.")
    name: str = Field(default="", max_length=200)


class MovedOut(OutModel):
    rider_id: str
    weekday: str
    direction: str
    run_id: str
    old_pickup: str
    new_pickup: str
    shift_s: int


class PlacementOut(OutModel):
    weekday: str
    direction: str
    run_id: str
    vehicle_id: str
    pickup: str
    new_run: bool
    added_cost_ore: int


class UnservedOut(OutModel):
    weekday: str
    direction: str
    session_id: str
    reason: str


class InsertionOptionOut(OutModel):
    rank: int
    added_cost_ore: int
    keeps_all_times: bool
    moved_riders: list[str]
    moved: list[MovedOut]
    total_shift_s: int
    consistency_exception: bool
    placements: list[PlacementOut]
    unplaced: list[UnservedOut]


class LivingChangeOut(OutModel):
    action: Literal["insert", "remove", "change", "reoptimise"]
    from_plan_id: int
    plan_id: int | None = Field(description="The new plan version (a finished, unpublished "
                                "draft); null for a dry run.")
    message: str
    keeps_all_times: bool = Field(description="Nobody else's agreed time changes.")
    options: list[InsertionOptionOut] = Field(default_factory=list)
    chosen: int | None = None
    moved: list[MovedOut] = Field(default_factory=list, description="Riders whose agreed time "
                                  "changes in the applied change, old → new.")
    cost_change_ore: int = Field(description="Weekly cost of the new plan minus the old.")
    notifications: list[NotificationOut] = Field(default_factory=list)
