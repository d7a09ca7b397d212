"""Scenario import and export over HTTP."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas import OutModel


class Counts(OutModel):
    centres: int = 0
    sessions: int = 0
    riders: int = 0
    vehicles: int = 0


class ImportResult(OutModel):
    scenario: str
    mode: str
    created: Counts
    updated: Counts
    unchanged: Counts
    deleted: Counts


class HeldRider(OutModel):
    """A rider whose change in the upload would break runs of a published plan."""

    rider_id: str
    removed: bool
    fields: list[str]
    runs: list[dict[str, Any]]


class GuardedImportResult(ImportResult):
    held_back: list[HeldRider] = Field(default_factory=list)
    """Riders whose planning fields (home, address, centre, sessions, needs) were not stored,
    or who were not deleted: their change would break published runs. Change them through the
    living plan, or import again with ``through_living_plan=true``."""
    followed: list[HeldRider] = Field(default_factory=list)
    """Riders the plan in force followed through the living plan."""
    plan_id: int | None = None
    """The new version of the plan in force, published from today (``through_living_plan``)."""
