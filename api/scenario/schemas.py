"""Scenario import and export over HTTP."""

from __future__ import annotations

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
