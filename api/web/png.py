"""A run's route map as PNG: for the web pages and the REST API (same role checks as the
manifest: drivers only their own vehicle's runs)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from fastapi import Response
from sqlalchemy.orm import Session

from api.auth import Principal
from api.cache import LruCache
from api.context import AppContext
from api.deps import Context, CurrentUser, DbSession, api_router
from api.errors import NotFoundError, problem_responses
from api.grants.rules_store import absence_rules_in_force
from api.manifests import service as days
from maps import png as map_png

_PNGS = LruCache(256)

router = api_router(tags=["days"])


def run_png_bytes(db: Session, who: Principal, context: AppContext, on_date: date,
                  vehicle_id: str, run_id: str) -> bytes:
    """The PNG map of a run on the vehicle's manifest of the date (404 when the caller may not
    see the vehicle, or the run is not on its manifest)."""
    doc = days.manifest(db, who, context, on_date, vehicle_id, absence_rules_in_force(db, context))
    run = next((r for r in doc.body["runs"] if r["run_id"] == run_id), None)
    if run is None:
        raise NotFoundError("run", f"{run_id} of vehicle {vehicle_id} on {on_date}")
    run.pop("map_svg", None)
    network = context.networks.get()
    key = (network.digest,
           hashlib.sha256(json.dumps(run, sort_keys=True).encode("utf-8")).hexdigest())
    png: bytes = _PNGS.get_or_make(key, lambda: map_png.manifest_run_png(run, network=network))
    return png


@router.get("/days/{on_date}/manifests/{vehicle_id}/runs/{run_id}.png",
            response_class=Response,
            responses={200: {"content": {"image/png": {"schema": {"type": "string",
                                                                 "format": "binary"}}},
                             "description": "The run's route map (PNG)"},
                       **problem_responses(404, 409, 422)},
            summary="The route map of a run on a vehicle's manifest, as PNG",
            description="The run's line along the roads, numbered stops as on the manifest "
            "(cancelled stops grey), the surrounding roads and the OpenStreetMap attribution. "
            "Drivers get only their own vehicle's runs (another's answers 404).")
def manifest_run_png(on_date: date, vehicle_id: str, run_id: str, db: DbSession,
                     who: CurrentUser, context: Context) -> Response:
    png = run_png_bytes(db, who, context, on_date, vehicle_id, run_id)
    return Response(png, media_type="image/png")
