"""A pin on the map to place a rider's home, a centre or a vehicle's garage (issue 14).

The page draws the road network (``/web/kort/vejnet.geojson``, no tiles needed) with the
place as a draggable pin; a click or a drag moves it, and the page shows where the vehicle will
stop — the point on the nearest road, as the planner snaps it — and the door-to-stop distance,
warned above the configured limit (``door_stop_warn_m``, for wheelchair users
``door_stop_warn_wheelchair_m``). Saving goes through the same services as the REST API, so a
centre or garage that published runs use is refused with the runs named. Without JavaScript
the coordinates can be typed in the same form.
"""

from __future__ import annotations

import logging
import math
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from api.auth import Principal
from api.centres import service as centres
from api.centres.schemas import CentreFields
from api.context import AppContext
from api.db import convert
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ApiError, NotFoundError
from api.riders import service as riders
from api.riders.isolation import plans_driving
from api.riders.schemas import RiderPatch, VehicleFields
from api.scenario.service import scenario_from_db
from api.schemas import time_text
from api.web.master_tables import affected_runs
from api.web.pages import PREFIX, page, redirect, render
from api.web.session import WebUser, check_csrf
from routing.errors import SnapError
from routing.network.geocode import door_limit_m
from routing.network.snap import snap_points

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

KINDS = {"borgere": "borgerens hjem", "centre": "centret", "vogne": "vognens garage"}


def door_stop(context: AppContext, db: Session, lat: float, lon: float,
              wheelchair: bool) -> dict[str, Any]:
    """Where the vehicle stops for a door at ``(lat, lon)``, how far that is, and whether it
    is above the scenario's limit."""
    params = scenario_from_db(db, context.networks.path).plan_params
    snapped = snap_points(context.networks.get(), [("pin", lat, lon)],
                          max_distance_m=math.inf)[0]
    limit = door_limit_m(wheelchair, params.door_stop_warn_m,
                         params.door_stop_warn_wheelchair_m)
    distance = round(snapped.distance_m)
    too_far = snapped.distance_m > limit
    whose = " for kørestolsbrugere" if wheelchair else ""
    text = (f"Vognen holder {distance} m fra døren"
            + (f" – over grænsen på {round(limit)} m{whose}. Flyt nålen til indgangen, eller "
               "aftal et andet holdested." if too_far else "."))
    return {"distance_m": distance, "limit_m": limit, "too_far": too_far,
            "stop_lat": round(snapped.snapped_lat, 6), "stop_lon": round(snapped.snapped_lon, 6),
            "text": text}


def _place_of(db: Session, who: Principal, kind: str, item_id: str
              ) -> tuple[str, float, float, bool, str]:
    """(name, lat, lon, wheelchair, back link) of what the pin places."""
    if kind == "borgere":
        r = riders.visible_rider(db, who, item_id)
        return r.name, r.lat, r.lon, r.wheelchair, f"/koordinator/borgere/{quote(item_id)}"
    who.require("coordinator")
    if kind == "centre":
        c = centres.visible_centre(db, who, item_id)
        return c.name, c.lat, c.lon, False, "/koordinator/centre-og-vogne"
    if kind == "vogne":
        v = riders.visible_vehicle(db, who, item_id)
        return f"Vogn {v.vehicle_id}", v.depot_lat, v.depot_lon, False, \
            "/koordinator/centre-og-vogne"
    raise NotFoundError("page", kind)


def _pin_page(request: Request, db: Session, who: Principal, context: AppContext, kind: str,
              item_id: str, lat: float, lon: float, status_code: int = 200,
              error: str | None = None, runs: list[dict[str, str]] | None = None) -> Response:
    name, _, _, wheelchair, back = _place_of(db, who, kind, item_id)
    stop = door_stop(context, db, lat, lon, wheelchair) if kind == "borgere" else None
    return render(request, "pin.html", who, status_code=status_code, error=error, kind=kind,
                  item_id=item_id, title_name=name, what=KINDS[kind], lat=f"{lat:.6f}",
                  lon=f"{lon:.6f}", wheelchair=wheelchair, stop=stop, back=back,
                  runs=runs or [])


@router.get("/koordinator/kort/afstand")
def door_distance(request: Request, db: DbSession, who: WebUser, context: Context,
                  lat: Annotated[float, Query(ge=-90, le=90)],
                  lon: Annotated[float, Query(ge=-180, le=180)],
                  koerestol: Annotated[str, Query(max_length=5)] = "") -> Response:
    """The door-to-stop distance of a pin (JSON for the map page's script)."""
    who.require("coordinator", "centre")
    return JSONResponse(door_stop(context, db, lat, lon, koerestol == "ja"),
                        headers={"Cache-Control": "no-store"})


@router.get("/koordinator/kort/{kind}/{item_id}", response_class=HTMLResponse)
@page
def pin_form(request: Request, kind: str, item_id: str, db: DbSession, who: WebUser,
             context: Context) -> Response:
    who.require("coordinator", "centre")
    if kind not in KINDS:
        raise NotFoundError("page", kind)
    _, lat, lon, _, _ = _place_of(db, who, kind, item_id)
    return _pin_page(request, db, who, context, kind, item_id, lat, lon)


@router.post("/koordinator/kort/{kind}/{item_id}", response_class=HTMLResponse)
@page
def save_pin(request: Request, kind: str, item_id: str, db: DbSession, who: WebUser,
             context: Context,
             csrf: Annotated[str, Form(max_length=100)] = "",
             lat: Annotated[str, Form(max_length=30)] = "",
             lon: Annotated[str, Form(max_length=30)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator", "centre")
    if kind not in KINDS:
        raise NotFoundError("page", kind)
    _, old_lat, old_lon, _, back = _place_of(db, who, kind, item_id)
    try:
        point = (float(lat.replace(",", ".")), float(lon.replace(",", ".")))
    except ValueError:
        point = (math.nan, math.nan)
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        return _pin_page(request, db, who, context, kind, item_id, old_lat, old_lon, 422,
                         "Skriv bredde- og længdegrad som tal, fx 55.8290 og 10.5960.")
    try:
        _save(db, who, context, kind, item_id, point)
    except SnapError:
        db.rollback()
        return _pin_page(request, db, who, context, kind, item_id, old_lat, old_lon, 422,
                         "Placeringen er ikke gemt: stedet ligger for langt fra vejnettet. "
                         "Sæt nålen på eller ved en vej.")
    except ApiError as exc:
        db.rollback()
        runs = affected_runs(db, exc)
        text = ("Placeringen er ikke gemt: turene nedenfor i den offentliggjorte plan kører "
                "til den gamle placering. Lav først en plan med den nye placering, "
                "offentliggør den, og flyt så nålen." if runs else
                f"Placeringen er ikke gemt ({exc.detail}).")
        return _pin_page(request, db, who, context, kind, item_id, point[0], point[1],
                         409 if runs else 422, text, runs)
    log.info("%s %s placed by pin by user %s", kind, item_id, who.user_id)
    if kind == "borgere" and who.is_coordinator and rider_is_planned(db, context, item_id):
        # The plan drivers follow still stops at the old place: on to the living plan.
        return redirect("/koordinator/levende", borger=item_id, handling="aendr",
                        besked="placering-plan")
    return redirect(back, besked="placering")


PLANNING_FIELDS = ("lat", "lon", "centre_id", "session_ids", "wheelchair", "escort",
                   "max_ride_s", "detour_factor", "boarding_s")
"""A rider's fields the plan's runs depend on (name, phone and notes do not move a run)."""


def planning_values(row: Any) -> tuple[object, ...]:
    return tuple(list(v) if isinstance(v := getattr(row, k), list | tuple) else v
                 for k in PLANNING_FIELDS)


def planning_changed(before: tuple[object, ...], row: Any) -> bool:
    return before != planning_values(row)


def rider_is_planned(db: Session, context: AppContext, rider_id: str) -> bool:
    """Whether a published plan drivers follow from today on carries the rider."""
    return any(rider_id in run.rider_ids for _, plan in plans_driving(db, context.today())
               for run in plan.runs)


def _save(db: Session, who: Principal, context: AppContext, kind: str, item_id: str,
          point: tuple[float, float]) -> None:
    if kind == "borgere":
        # Coordinators go on to the living plan; centre staff may not outdate the plan.
        riders.patch_rider(db, who, item_id, RiderPatch(lat=point[0], lon=point[1]), context,
                           guard=not who.is_coordinator)
    elif kind == "centre":
        c = centres.visible_centre(db, who, item_id)
        centres.update_centre(db, who, item_id, CentreFields(
            name=c.name, address=c.address, lat=point[0], lon=point[1]), context)
    else:
        v = riders.visible_vehicle(db, who, item_id)
        model = convert.vehicle_model(v)
        riders.replace_vehicle(db, who, item_id, VehicleFields(
            kind=v.kind, depot_lat=point[0], depot_lon=point[1], seats=v.seats,
            wheelchair_places=v.wheelchair_places, layouts=list(v.layouts or []),
            fixed_cost_ore=v.fixed_cost_ore, cost_per_km_ore=v.cost_per_km_ore,
            cost_per_hour_ore=v.cost_per_hour_ore,
            available_from=time_text(model.available_from_s),
            available_to=time_text(model.available_to_s)), context)
