"""HTTP routes of erasure and retention (no logic: see the service)."""

from __future__ import annotations

import dataclasses
from typing import Any

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import problem_responses
from api.privacy import service
from api.privacy.schemas import ErasureOut, PurgeOut

router = api_router(tags=["privacy"])


@router.post("/riders/{rider_id}/erase", response_model=ErasureOut,
             responses=problem_responses(404, 409, 422),
             summary="Erase a rider's personal data everywhere (coordinators)",
             description="Names, address, home, notes, assessment, afbud reasons, no-show notes "
             "and decision letters are removed; ids, dates and amounts stay for statistics. A "
             "rider the plan in force carries is taken out of it first (a new version is "
             "published; nobody else moves). Works for riders already deleted too.")
def erase_rider(rider_id: str, db: DbSession, who: CurrentUser, context: Context) -> Any:
    return dataclasses.asdict(service.erase_rider(db, who, context, rider_id))


@router.post("/privacy/purge", response_model=PurgeOut, responses=problem_responses(422),
             summary="Delete what is older than its retention period (coordinators)",
             description="Ended afbud and no-shows, audit entries and unpublished plan drafts "
             "older than `SAMKORSEL_RETENTION_*` days.")
def purge(db: DbSession, who: CurrentUser, context: Context) -> Any:
    return dataclasses.asdict(service.purge(db, who, context))
