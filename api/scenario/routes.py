"""HTTP routes of the scenario import and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Query, Response, UploadFile

from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import PayloadTooLargeError, problem_responses
from api.scenario import service
from api.scenario.schemas import ImportResult
from api.uploads import read_upload

router = api_router(prefix="/scenario", tags=["scenario"])


@router.post(
    "/import", response_model=ImportResult, responses=problem_responses(400, 413, 422),
    summary="Import a scenario: centres.csv, sessions.csv, riders.csv, vehicles.csv "
    "(+ scenario.toml), as files or one zip",
    description="All or nothing. Row errors of every file come back at once as a problem "
    "detail whose `errors` lists `{file, row, column, detail}` (row 1 is the header). "
    "`mode=merge` creates and updates; `mode=replace` also deletes centres, sessions, riders "
    "(with their absences) and vehicles missing from the upload; a merge keeps the stored name "
    "and planning rules scenario.toml does not set. The road network is always the server's; "
    "a `network` key in scenario.toml may only name a file in the server's network folder "
    "(`SAMKORSEL_NETWORK_DIR`).",
)
def import_scenario(
    db: DbSession, who: CurrentUser, context: Context,
    files: Annotated[list[UploadFile], File(description="The scenario files or a zip.")],
    mode: Annotated[service.Mode, Query()] = "merge",
) -> Any:
    limit = context.settings.max_upload_bytes
    uploads: list[tuple[str, bytes]] = []
    for upload in files:
        uploads.append((upload.filename or "", read_upload(upload, limit)))
        if sum(len(c) for _, c in uploads) > limit:
            raise PayloadTooLargeError(f"the upload is larger than {limit} bytes")
    settings = context.settings
    limits = service.UnpackLimits(settings.max_unpacked_bytes, settings.max_unpack_ratio)
    return service.import_scenario(db, who, uploads, mode, limits, settings.network_dir)


@router.get("/export", response_class=Response,
            responses={200: {"content": {"application/zip": {}},
                             "description": "The stored scenario as a zip of CSV files"}},
            summary="Export the stored scenario in the import format")
def export_scenario(db: DbSession, who: CurrentUser) -> Response:
    return Response(service.export_scenario(db, who), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="scenario.zip"'})
