"""Daily runs, consolidation, manifests and centre rider lists over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas import ApiModel, OutModel


class CancelledRunOut(OutModel):
    run_id: str
    vehicle_id: str
    direction: str
    reason: str = Field(description="closed, empty or consolidated.")
    saved_ore: int
    rider_ids: list[str]


class RemovedRiderOut(OutModel):
    run_id: str
    rider_id: str
    direction: str
    reason: str = Field(description="closed, absent or no_show.")


class AcceptedConsolidationOut(OutModel):
    consolidation_id: int
    absorbed_run_id: str
    target_run_id: str
    saved_ore: int
    applied: bool = Field(description="False when the day's afbud changed and the merge no "
                          "longer fits (the runs drive as they are).")
    accepted_by: int | None
    accepted_at: datetime


class UnavailableRunOut(OutModel):
    run_id: str
    vehicle_id: str
    direction: str
    reason: str = Field(description="Why the run cannot be derived (its vehicle, centre or a "
                        "rider is no longer stored, or lies off the road network).")


class DayOut(OutModel):
    date: date
    weekday: str | None
    plan_id: int
    closed_centres: list[str]
    runs: list[dict[str, Any]] = Field(description="Runs that drive (samkorsel.plan/1 run "
                                       "objects, weekday = the date).")
    cancelled: list[CancelledRunOut]
    removed: list[RemovedRiderOut]
    unserved: list[dict[str, Any]]
    planned_cost_ore: int
    cost_ore: int
    saved_ore: int
    consolidations: list[AcceptedConsolidationOut]
    unavailable: list[UnavailableRunOut] = Field(
        default_factory=list, description="Runs of the plan in force that cannot be derived "
        "for the date; the other runs are unaffected.")


class MovedRiderOut(OutModel):
    rider_id: str
    from_run_id: str
    to_run_id: str
    direction: str
    old_pickup: str
    new_pickup: str
    shift_s: int


class SuggestionOut(OutModel):
    absorbed_run_id: str
    target_run_id: str
    direction: str
    saved_ore: int
    max_shift_s: int
    moved: list[MovedRiderOut]
    riders_changing_vehicle: list[str]
    description: str


class RefusedOut(OutModel):
    absorbed_run_id: str
    target_run_id: str
    reason: str
    max_shift_s: int | None


class ConsolidationOut(OutModel):
    date: date
    max_shift_s: int
    suggestions: list[SuggestionOut]
    refused: list[RefusedOut]


class AcceptIn(ApiModel):
    absorbed_run_id: str = Field(min_length=1, max_length=128)
    target_run_id: str = Field(min_length=1, max_length=128)


class AcceptOut(OutModel):
    consolidation_id: int
    date: date
    absorbed_run_id: str
    target_run_id: str
    saved_ore: int
    notify: list[MovedRiderOut] = Field(description="Riders whose pickup time moves: tell "
                                        "them first.")
    notification_lines: list[str]

