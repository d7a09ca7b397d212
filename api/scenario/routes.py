"""HTTP routes of the scenario import and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Query, Response, UploadFile

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import PayloadTooLargeError, problem_responses
from api.scenario import service
from api.scenario.guarded_import import RiderBreak, import_guarded
from api.scenario.schemas import GuardedImportResult, HeldRider
from api.uploads import read_upload

router = api_router(prefix="/scenario", tags=["scenario"])


@router.post(
    "/import", response_model=GuardedImportResult, responses=problem_responses(400, 413, 422),
    summary="Import a scenario: centres.csv, sessions.csv, riders.csv, vehicles.csv "
    "(+ scenario.toml), as files or one zip",
    description="All or nothing. Row errors of every file come back at once as a problem "
    "detail whose `errors` lists `{file, row, column, detail}` (row 1 is the header). "
    "`mode=merge` creates and updates; `mode=replace` also deletes centres, sessions, riders "
    "(with their absences) and vehicles missing from the upload; a merge keeps the stored name "
    "and planning rules scenario.toml does not set. The road network is always the server's; "
    "a `network` key in scenario.toml may only name a file in the server's network folder "
    "(`SAMKORSEL_NETWORK_DIR`). A stored rider whose change would break runs of a "
    "published plan (new home, centre, sessions or needs; or left out by `replace`) is held "
    "back: their name, phone numbers and notes are stored, the rest is not, and they are "
    "listed in `held_back` with the runs. With `through_living_plan=true` everything is "
    "stored and the plan in force follows through the living plan (a new version, published "
    "from today: `plan_id`); if it cannot place a rider on all their trips, nothing is stored "
    "(409 naming the rider).",
)
def import_scenario(
    db: DbSession, who: CurrentUser, context: Context,
    files: Annotated[list[UploadFile], File(description="The scenario files or a zip.")],
    mode: Annotated[service.Mode, Query()] = "merge",
    through_living_plan: Annotated[bool, Query(
        description="Store planned riders' changes too, and let the plan in force follow "
                    "them through the living plan.")] = False,
) -> Any:
    limit = context.settings.max_upload_bytes
    uploads: list[tuple[str, bytes]] = []
    for upload in files:
        uploads.append((upload.filename or "", read_upload(upload, limit)))
        if sum(len(c) for _, c in uploads) > limit:
            raise PayloadTooLargeError(f"the upload is larger than {limit} bytes")
    settings = context.settings
    limits = service.UnpackLimits(settings.max_unpacked_bytes, settings.max_unpack_ratio)
    done = import_guarded(db, who, context, uploads, mode, limits, settings.network_dir,
                          through_living_plan=through_living_plan)

    def rows(breaks: tuple[RiderBreak, ...]) -> list[HeldRider]:
        return [HeldRider(rider_id=b.rider_id, removed=b.removed, fields=list(b.fields),
                          runs=list(b.runs)) for b in breaks]

    return GuardedImportResult(**done.result.model_dump(), held_back=rows(done.held),
                               followed=rows(done.followed), plan_id=done.plan_id)


@router.get("/export", response_class=Response,
            responses={200: {"content": {"application/zip": {}},
                             "description": "The stored scenario as a zip of CSV files"}},
            summary="Export the stored scenario in the import format")
def export_scenario(db: DbSession, who: CurrentUser) -> Response:
    return Response(service.export_scenario(db, who), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="scenario.zip"'})
