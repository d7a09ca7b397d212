"""Erasure and retention over HTTP."""

from __future__ import annotations

from pydantic import Field

from api.schemas import OutModel


class ErasureOut(OutModel):
    rider_id: str
    rider: bool = Field(description="The rider's row was pseudonymised now (false: it was "
                        "already deleted or erased).")
    plan_id: int | None = Field(description="The plan version now in force without the rider, "
                                "when the plan in force carried them.")
    absences: int = Field(description="Afbud whose reasons were removed (kept for statistics).")
    no_shows: int
    decisions: int = Field(description="Reimbursement decisions reduced to outcome and amounts.")
    audit_entries: int = Field(description="Audit entries reduced to the names of the fields.")
    plans: int = Field(description="Stored plans whose findings quoted the rider's name.")


class PurgeOut(OutModel):
    absences: int
    no_shows: int
    audit_entries: int
    plan_drafts: int
