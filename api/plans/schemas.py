"""Weekly plans over HTTP: solve jobs, status, publication, diffs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.db import models as m
from api.schemas import ApiModel, OutModel

PlanStatus = Literal["queued", "running", "done", "failed"]


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
    error: str | None
    params: dict[str, Any]
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    published: bool
    published_at: datetime | None
    published_by: int | None
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
            params=row.params, created_by=row.created_by, created_at=row.created_at,
            started_at=row.started_at, finished_at=row.finished_at, published=row.published,
            published_at=row.published_at, published_by=row.published_by,
            kpis=summary.get("kpis") if summary else None,
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
